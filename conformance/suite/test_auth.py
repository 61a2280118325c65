"""Bearer authentication: a valid key succeeds; anything else gets 401 and the envelope."""

import pytest

from conformance.checks.asserts import expect_error, expect_json

pytestmark = pytest.mark.kimi_endpoint("auth")

# ⚠ doc generations differ: 2024-25 say invalid_authentication_error, 2026 (and live)
# incorrect_api_key_error (kimi-api.md §8). Both are documented.
AUTH_ERRORS = ("invalid_authentication_error", "incorrect_api_key_error")


@pytest.mark.kimi_core
@pytest.mark.kimi_cost(shares="models")
@pytest.mark.kimi_rule("auth.bearer", "models.list")
def test_valid_key_accepted(kimi_models_answer):
    """The run's `GET /models` with the key (through the SDK, as users send it): 200."""
    expect_json(kimi_models_answer.http_response, "models.list")


# Two of the ways a request lacks a valid key: none at all, and a wrong one. (Another
# scheme, e.g. `Basic`, takes the same path on the server: it was dropped to save a request.)
@pytest.mark.kimi_cost(requests=1)
@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-header"),
        pytest.param(
            "Bearer not-a-valid-key-kimi-conformance", id="invalid-key", marks=pytest.mark.kimi_core
        ),
    ],
)
@pytest.mark.kimi_rule("auth.401", "error.envelope")
def test_bad_credentials_rejected(kimi_run, authorization):
    response = kimi_run.target.http(authorization=authorization).get("models")
    expect_error(response, status=401, types=AUTH_ERRORS)
