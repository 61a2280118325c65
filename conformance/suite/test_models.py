"""`GET /models`, and the rule that every model ID comes from it in the same run."""

import pytest

from conformance.checks.asserts import assert_conforms, expect_json

pytestmark = pytest.mark.kimi_endpoint("GET /models")


def test_models_list_conforms(kimi_models):
    assert_conforms("models.list", kimi_models, "GET /models (this run's answer)")


def test_models_list_through_sdk(sdk, kimi_models):
    response = sdk.models.with_raw_response.list()
    document = expect_json(response.http_response, "models.list")
    listed = [model.id for model in response.parse()]
    assert listed == [m["id"] for m in document["data"]], "the SDK lost or reordered models"


def test_model_taken_from_models_list(kimi_run, kimi_models):
    from conformance.contract.model_ids import choose_model

    model, why = choose_model(kimi_models, kimi_run.settings.model)
    kimi_run.report.model_choice = why
    assert model is not None, why
    assert model in {m["id"] for m in kimi_models["data"]}
    kimi_run.report.model = model
