"""The rotate actions and their confirmation pages in a real browser: headless Chromium driven by Playwright.

A superuser selects a row in the changelist, runs the action, reads the confirmation page and confirms,
with the CSRF checks a browser meets. The confirmation pages are saved to test-artifacts/ for a human
to look at. Needs /usr/bin/chromium (`make browser-deps`); skipped when it is absent.
"""

from pathlib import Path

import pytest

from tenants.models import SigningKey
from tests.admin.test_browser_debugger import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    # The live server runs in another thread: the test's rows must be committed for it to see them.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.test", "s3cret-pw")


def _as_superuser(live_server, steps) -> dict:
    """Log in and run `steps(page)`. No ORM in `steps`: Playwright's loop runs in this thread."""
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", "root")
            page.fill("#id_password", "s3cret-pw")
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            return steps(page)
        finally:
            browser.close()


def _run_action(page, url: str, pk: int, action: str) -> None:
    page.goto(url)
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_superuser_rotates_a_tenants_keys_through_the_confirmation(live_server, superuser, tenant):
    # given
    current = SigningKey.objects.get(tenant=tenant, alg="RS256", state="current")
    upcoming = SigningKey.objects.get(tenant=tenant, alg="RS256", state="next")
    changelist = f"{live_server.url}/admin/tenants/signingkey/"
    screenshot = ARTIFACTS / "rotate-keys-confirmation.png"

    def steps(page) -> dict:
        _run_action(page, changelist, current.pk, "rotate_tenant_keys")
        shown = " ".join(page.locator("#rotation-acme").inner_text().split())
        page.screenshot(path=str(screenshot), full_page=True)
        page.click("input[value='Yes, rotate']")
        page.wait_for_url(changelist)
        return {"shown": shown, "reported": page.locator(".messagelist li.success").inner_text()}

    # when
    seen = _as_superuser(live_server, steps)
    # then
    assert f"Current key {current.kid} becomes previous" in seen["shown"]
    assert f"Next key {upcoming.kid} becomes current" in seen["shown"]
    assert seen["reported"] == (
        f"Rotated the signing keys of acme: tokens are now signed RS256 with {upcoming.kid[:10]}…."
    )
    current.refresh_from_db()
    upcoming.refresh_from_db()
    assert (current.state, upcoming.state) == ("previous", "current")
    assert screenshot.stat().st_size > 10_000


def test_superuser_rotates_an_hs256_secret_choosing_the_grace(live_server, superuser, hs256_api):
    # given
    old_secret = hs256_api.signing_secret
    changelist = f"{live_server.url}/admin/apis/resourceserver/"
    screenshot = ARTIFACTS / "rotate-secret-confirmation.png"

    def steps(page) -> dict:
        _run_action(page, changelist, hs256_api.pk, "rotate_signing_secret")
        page.fill("#id_grace_seconds", "-5")
        page.click("input[value='Yes, rotate']")
        refused = page.locator(".errorlist").inner_text()
        page.screenshot(path=str(screenshot), full_page=True)
        page.fill("#id_grace_seconds", "0")
        page.click("input[value='Yes, rotate']")
        page.wait_for_url(changelist)
        return {"refused": refused, "reported": page.locator(".messagelist li.success").inner_text()}

    # when: a negative grace first, then 0
    seen = _as_superuser(live_server, steps)
    # then
    assert seen["refused"] == "The grace period cannot be negative: 0 drops the old secret at once."
    hs256_api.refresh_from_db()
    assert hs256_api.signing_secret != old_secret
    assert (hs256_api.previous_signing_secret, hs256_api.previous_signing_secret_expires_at) == ("", None)
    assert seen["reported"] == (
        f"Rotated the signing secret of https://hs.acme.test/ (acme): new tokens are signed with "
        f"…{hs256_api.signing_secret[-4:]} from now on; the old secret …{old_secret[-4:]} was dropped at once "
        "(grace 0): tokens signed with it no longer verify."
    )
    assert screenshot.stat().st_size > 10_000
