"""`GET /models`, and the rule that every model ID comes from it in the same run.

One answer, fetched through the `openai` SDK as users call it (by the live preflight, or
by the first check that needs it), is judged by every check here."""

import pytest

from conformance.checks.asserts import assert_conforms

pytestmark = [
    pytest.mark.kimi_endpoint("GET /models"),
    pytest.mark.kimi_core,
    pytest.mark.kimi_cost(shares="models"),
]


def test_models_list_conforms(kimi_models):
    assert_conforms("models.list", kimi_models, "GET /models (this run's answer)")


def test_models_list_through_sdk(kimi_models_answer, kimi_models):
    listed = [model.id for model in kimi_models_answer.parse()]
    assert listed == [m["id"] for m in kimi_models["data"]], "the SDK lost or reordered models"


def test_model_taken_from_models_list(kimi_run, kimi_models):
    from conformance.contract.model_ids import choose_model

    model, why = choose_model(kimi_models, kimi_run.settings.model)
    kimi_run.report.model_choice = why
    assert model is not None, why
    assert model in {m["id"] for m in kimi_models["data"]}
    kimi_run.report.model = model
