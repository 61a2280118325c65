"""`GET /users/me/balance`: the schema and the documented arithmetic."""

from urllib.parse import urlsplit

import pytest

from conformance.checks.asserts import expect_json

pytestmark = pytest.mark.kimi_endpoint("GET /users/me/balance")

# kimi-api.md §4: "Unit: CNY on api.moonshot.cn, USD on api.moonshot.ai".
CURRENCY_BY_HOST = {"api.moonshot.ai": "USD", "api.moonshot.cn": "CNY"}


@pytest.mark.kimi_core
@pytest.mark.kimi_cost(shares="balance")
@pytest.mark.kimi_rule("balance.document")
def test_balance_conforms(kimi_balance, kimi_run):
    document = expect_json(kimi_balance, "balance")
    host = urlsplit(kimi_run.settings.base_url).hostname or ""
    currency = CURRENCY_BY_HOST.get(host, "unknown (not an official host)")
    kimi_run.report.note(
        f"balance {document['data']['available_balance']} in {currency} (by host {host})"
    )
