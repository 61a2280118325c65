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


@pytest.mark.kimi_rule("models.list")
def test_models_list_conforms(kimi_models):
    assert_conforms("models.list", kimi_models, "GET /models (this run's answer)")


@pytest.mark.kimi_rule("models.list")
def test_models_list_through_sdk(kimi_models_answer, kimi_models):
    listed = [model.id for model in kimi_models_answer.parse()]
    assert listed == [m["id"] for m in kimi_models["data"]], "the SDK lost or reordered models"


@pytest.mark.kimi_rule("model-id.from-models")
def test_model_taken_from_models_list(kimi_run, kimi_models):
    """Every model the run checks is one this run's GET /models lists (a catalog model it
    does not list is skipped, with a note: drift, not a failure)."""
    from conformance.run.matrix import listed_in

    listed = listed_in(kimi_models)
    checked = [model for model in kimi_run.matrix.models if model in listed]
    kimi_run.note_model_drift(kimi_models)
    assert checked, f"none of the run's models ({kimi_run.matrix.ids}) is listed: {listed}"
    assert kimi_run.matrix.primary in listed or kimi_run.matrix.requested == "all", (
        f"the primary model {kimi_run.matrix.primary!r} is not listed by GET /models"
    )
