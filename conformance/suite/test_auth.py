"""Bearer authentication: a valid key succeeds; anything else gets 401 and the envelope."""

import pytest

from conformance.checks.asserts import expect_error, expect_json

pytestmark = pytest.mark.kimi_endpoint("auth")

# ⚠ doc generations differ: 2024-25 say invalid_authentication_error, 2026 (and live)
# incorrect_api_key_error (kimi-api.md §8). Both are documented.
AUTH_ERRORS = ("invalid_authentication_error", "incorrect_api_key_error")


def test_valid_key_accepted(raw):
    expect_json(raw.get("models"), "models.list")


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic a2ltaTpjb25mb3JtYW5jZQ==", "Bearer not-a-valid-key-kimi-conformance"],
    ids=["no-header", "basic-scheme", "invalid-key"],
)
def test_bad_credentials_rejected(kimi_run, authorization):
    response = kimi_run.target.http(authorization=authorization).get("models")
    expect_error(response, status=401, types=AUTH_ERRORS)
