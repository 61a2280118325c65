"""Third-party gateway model IDs are not Moonshot IDs.

The suite refuses every gateway form before sending
(`conformance.contract.model_ids.refuse_gateway_model`), and checks that the API answers one,
derived from the model under test, with 404 `resource_not_found_error` "Not found the
model <id> or Permission denied". To the API every gateway form is the same unknown model,
so one request shows the rule: OpenRouter's, the form users paste most often.
"""

import pytest

from conformance.checks.asserts import expect_error

pytestmark = [pytest.mark.kimi_endpoint("POST /chat/completions"), pytest.mark.kimi_core]


def _hf_style(model: str) -> str:
    return "-".join(
        part.capitalize() if part.isalpha() else part.upper() for part in model.split("-")
    )


GATEWAY_FORMS = {
    "openrouter": lambda m: f"moonshotai/{m}",
    "aimlapi": lambda m: f"moonshot/{m.replace('.', '-')}",
    "together": lambda m: f"moonshotai/{_hf_style(m)}",
}


def _rejected_request(model):
    from conformance.checks import payloads

    return payloads.chat(GATEWAY_FORMS["openrouter"](model), max_tokens=1)


@pytest.mark.kimi_cost()  # judged locally: sends nothing
@pytest.mark.parametrize("gateway", sorted(GATEWAY_FORMS))
@pytest.mark.kimi_local
@pytest.mark.kimi_rule("model-id.native")
def test_gateway_id_refused_before_sending(kimi_model, gateway):
    from conformance.contract.model_ids import refuse_gateway_model
    from conformance.errors import UsageError

    with pytest.raises(UsageError, match="not a Moonshot model ID"):
        refuse_gateway_model(GATEWAY_FORMS[gateway](kimi_model))


@pytest.mark.kimi_cost(chat=lambda model: [_rejected_request(model)])
@pytest.mark.kimi_rule("model.unknown-404", "error.envelope")
def test_gateway_id_rejected_by_api(raw, kimi_model):
    response = raw.post("chat/completions", json=_rejected_request(kimi_model))
    expect_error(
        response,
        status=404,
        types=["resource_not_found_error"],
        message="Not found the model",
    )
