"""The Token debugger in a real browser: headless Chromium (Debian's) driven by Playwright.

A superuser logs in to the admin, opens the tenant's Token debugger from its change page, asks about
case (1) of SPEC section 7 (silent renewal without audience) and sees the explanation. The page is
saved to test-artifacts/token-debugger.png for a human to look at.

Needs /usr/bin/chromium (`make browser-deps`); skipped when it is absent.
"""

from pathlib import Path

import pytest

from clients.models import Client
from tests import factories
from tokens.explanation.explain import explain_request

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    # The live server runs in another thread: the test's rows must be committed for it to see them.
    pytest.mark.django_db(transaction=True),
]


def test_superuser_explains_a_silent_renewal_in_the_debugger(live_server, tenant, django_user_model):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    # given: an API, an SPA, and a tenant without Default Audience
    api = factories.make_api(tenant, identifier="https://api.acme.test/", name="Acme API")
    spa, _ = factories.make_client(
        tenant,
        name="SPA",
        app_type=Client.AppType.SPA,
        grant_types=[Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN],
        callbacks=["http://127.0.0.1:3000/callback"],
    )
    django_user_model.objects.create_superuser("root", "root@example.test", "s3cret-pw")
    request = {"grant_type": "authorization_code", "client_id": spa.client_id, "scope": "openid profile"}
    expected = explain_request(tenant=tenant, **request)
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "token-debugger.png"

    # when: the browser does what an administrator does (no ORM in here: Playwright's loop runs in this thread)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/admin/login/?next=/admin/tenants/tenant/{tenant.pk}/change/")
            page.fill("#id_username", "root")
            page.fill("#id_password", "s3cret-pw")
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/tenants/tenant/{tenant.pk}/change/")
            page.click("text=Token debugger")
            page.wait_for_url(f"{live_server.url}/admin/tenants/tenant/{tenant.pk}/token-debugger/")
            page.select_option("#id_grant_type", request["grant_type"])
            page.select_option("#id_client_id", spa.client_id)
            page.fill("#id_scope", request["scope"])
            page.click("input[name=_explain_request]")
            summary = page.locator("#debugger-summary")
            expect(summary).to_be_visible()
            shown = {
                "summary": summary.inner_text(),
                "fix": page.locator("#debugger-fix p").inner_text(),
                "tone": summary.get_attribute("class"),
                "steps": page.locator("#debugger-steps li").count(),
                "format": page.locator("#debugger-outcome tr", has_text="format").locator("td").inner_text(),
            }
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    # then
    assert shown["summary"] == expected["summary"]
    assert shown["fix"] == f"Pass audience={api.identifier} to get a JWT for that API."
    assert shown["tone"] == "debugger-summary debugger-opaque"
    assert shown["steps"] == len(expected["steps"])
    assert shown["format"] == "opaque"
    assert screenshot.stat().st_size > 10_000
