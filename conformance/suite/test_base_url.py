"""The configured base URL is Moonshot's official one (a local check: nothing is sent).

Against any other URL (a proxy, a vendor, the emulator) this check alone fails, naming
the problem; the rest of the suite still runs, so any server claiming Moonshot
compatibility can be audited.
"""

import pytest

pytestmark = [pytest.mark.kimi_endpoint("base URL"), pytest.mark.kimi_local]


@pytest.mark.kimi_core
@pytest.mark.kimi_cost()  # judged locally: sends nothing
@pytest.mark.kimi_rule("base-url.official")
def test_base_url_is_official(kimi_run):
    from conformance.contract.base_url import classify_base_url

    verdict = classify_base_url(kimi_run.settings.base_url)
    assert verdict.official, f"{verdict.problem} {verdict.fix}"
