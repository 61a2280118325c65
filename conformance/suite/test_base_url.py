"""The configured base URL is Moonshot's official one (a local check: nothing is sent).

Against any other URL (a vendor's server, a gateway) this check alone fails, naming the
problem; the rest of the suite still runs, so any server claiming Moonshot compatibility
can be audited. A loopback URL is a test setup (the emulator, a local proxy), not a base
URL anyone deploys with: the check says so and skips, and the run judges the server.
"""

import pytest

pytestmark = [pytest.mark.kimi_endpoint("base URL"), pytest.mark.kimi_local]


@pytest.mark.kimi_core
@pytest.mark.kimi_cost()  # judged locally: sends nothing
@pytest.mark.kimi_rule("base-url.official")
def test_base_url_is_official(kimi_run):
    from conformance.contract.base_url import classify_base_url

    verdict = classify_base_url(kimi_run.settings.base_url)
    if verdict.loopback:
        pytest.skip(f"{verdict.problem} {verdict.fix}")
    assert verdict.official, f"{verdict.problem} {verdict.fix}"
