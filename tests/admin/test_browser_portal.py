"""The portal's journeys in a real browser (SPEC section 6): headless Chromium (Debian's) driven by Playwright,
each as a new admin clicks through it. Screenshots go to test-artifacts/portal-*.png.

Needs /usr/bin/chromium (`make browser-deps`); skipped when it is absent.
"""

import json
from pathlib import Path

import pytest

from apis.models import ResourceServer
from clients.models import ClientGrant
from tenants.models import Tenant
from tenants.services import tenant_membership_add
from tests import factories
from tests.admin.test_browser_debugger import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    # The live server runs in another thread: the test's rows must be committed for it to see them.
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "s3cret-pw"


@pytest.fixture
def alice(django_user_model, tenant):
    """A staff user who administers acme only."""
    user = django_user_model.objects.create_user("alice", "alice@example.test", PASSWORD, is_staff=True)
    tenant_membership_add(tenant=tenant, user=user)
    return user


def _as(live_server, username: str, steps, *, width: int = 1280):
    """Log in as `username` and run `steps(page)`. No ORM in `steps`: Playwright's loop runs in this thread."""
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            return steps(page)
        finally:
            browser.close()


def test_register_an_api_authorize_an_app_get_a_test_token_and_set_the_default_audience(
    live_server, alice, tenant
):
    # given: an existing machine-to-machine application
    worker, _ = factories.make_client(tenant, name="Billing worker")
    home = f"{live_server.url}/admin/tenants/tenant/{tenant.pk}/change/"

    def steps(page) -> dict:
        # 1. register an RS256 API with three scopes typed as rows, from the tenant's home
        page.goto(home)
        page.click("text=Register an API")
        page.fill("#id_name", "Orders")
        page.fill("#id_identifier", "https://orders.example.test/")
        assert page.locator("#id_signing_alg option:checked").inner_text() == "RS256"
        for i, (value, description) in enumerate(
            [
                ("read:orders", "Read orders"),
                ("write:orders", "Create and change orders"),
                ("delete:orders", "Delete orders"),
            ]
        ):
            page.locator("input[name=scopes-value]").nth(i).fill(value)
            page.locator("input[name=scopes-description]").nth(i).fill(description)
        page.click("input[name=_continue]")
        page.wait_for_selector("#m2m")
        # 2. authorize the existing M2M application for two of them, from the API's page
        row = page.locator(f"#m2m-{worker.client_id}")
        row.locator("input[name=authorize]").check()
        row.locator("input[value='read:orders']").check()
        row.locator("input[value='write:orders']").check()
        page.click("input[value='Save authorizations']")
        page.wait_for_selector(".messagelist li.success")
        saved = page.locator(".messagelist li.success").inner_text()
        page.locator("#m2m").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "portal-api-page.png"), full_page=True)
        curl = page.locator("#token-curl").inner_text()
        # 3. "get a test token": a JWT with those scopes, and its explanation
        page.click("input[value='Get a test token']")
        page.wait_for_selector("#test-token-claims")
        claims = json.loads(page.locator("#test-token-claims").inner_text())
        header = json.loads(page.locator("#test-token-header").inner_text())
        summary = page.locator("#test-token-summary").inner_text()
        page.screenshot(path=str(ARTIFACTS / "portal-test-token.png"), full_page=True)
        # 4. set it as Default Audience (the Management API is not offered)
        page.goto(home)
        offered = page.locator("#id_default_audience option").all_inner_texts()
        page.select_option("#id_default_audience", label="Orders (https://orders.example.test/)")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist li.success")
        page.screenshot(path=str(ARTIFACTS / "portal-tenant-home.png"), full_page=True)
        return {
            "saved": saved,
            "curl": curl,
            "claims": claims,
            "header": header,
            "summary": summary,
            "offered": offered,
        }

    # when
    seen = _as(live_server, "alice", steps)
    # then
    api = ResourceServer.objects.get(tenant=tenant, identifier="https://orders.example.test/")
    assert (api.signing_alg, api.scope_values) == ("RS256", ["read:orders", "write:orders", "delete:orders"])
    assert ClientGrant.objects.get(client=worker, resource_server=api).scope == [
        "read:orders",
        "write:orders",
    ]
    assert seen["saved"] == "Saved: 1 application authorized for Orders (1 added, 0 changed, 0 removed)."
    assert f'"client_id": "{worker.client_id}"' in seen["curl"]
    assert (seen["claims"]["aud"], seen["claims"]["scope"]) == (api.identifier, "read:orders write:orders")
    assert seen["header"]["alg"] == "RS256"
    assert seen["summary"].startswith("A JWT of this tenant signed with RS256")
    assert not [label for label in seen["offered"] if "Management API" in label]
    assert Tenant.objects.get(pk=tenant.pk).default_audience == api


def test_create_an_hs256_api_reveal_its_secret_and_rotate_it_with_a_grace_period(live_server, alice, tenant):
    def steps(page) -> dict:
        page.goto(f"{live_server.url}/admin/apis/resourceserver/add/?tenant={tenant.pk}")
        page.fill("#id_name", "Legacy")
        page.fill("#id_identifier", "https://legacy.example.test/")
        page.select_option("#id_signing_alg", "HS256")
        page.click("input[name=_continue]")
        page.click("text=Reveal the signing secret…")
        asked = page.locator("#reveal-secret").inner_text()
        page.click("input[value='Yes, show the secret']")
        first = page.locator("#signing-secret-value").inner_text()
        page.click("text=Back to Legacy")
        page.click("text=Rotate the signing secret…")
        page.fill("#id_grace_seconds", "600")
        page.screenshot(path=str(ARTIFACTS / "portal-rotate-secret.png"), full_page=True)
        page.click("input[value='Yes, rotate']")
        rotated = page.locator(".messagelist li.success").inner_text()
        page.click("text=Reveal the signing secret…")
        page.click("input[value='Yes, show the secret']")
        page.screenshot(path=str(ARTIFACTS / "portal-reveal-secret.png"), full_page=True)
        return {
            "asked": asked,
            "first": first,
            "rotated": rotated,
            "second": page.locator("#signing-secret-value").inner_text(),
            "previous": page.locator("#previous-secret-value").inner_text(),
        }

    # when
    seen = _as(live_server, "alice", steps)
    # then
    api = ResourceServer.objects.get(tenant=tenant, identifier="https://legacy.example.test/")
    assert "Showing it is recorded in the tenant's logs" in seen["asked"]
    assert seen["first"] not in seen["asked"]
    assert (seen["second"], seen["previous"]) == (api.signing_secret, seen["first"])
    assert seen["first"] != seen["second"]
    assert seen["rotated"].startswith("Rotated the signing secret of https://legacy.example.test/ (acme)")
    assert 590 <= (api.previous_signing_secret_expires_at - api.updated_at).total_seconds() <= 600


def test_rotate_the_tenants_signing_keys_from_its_list_with_the_confirmation(live_server, alice, tenant):
    def steps(page) -> dict:
        page.goto(f"{live_server.url}/admin/tenants/tenant/")
        page.check(f"input[name=_selected_action][value='{tenant.pk}']")
        page.select_option("select[name=action]", "rotate_signing_keys")
        page.click("button[name=index]")
        shown = " ".join(page.locator("#rotation-acme").inner_text().split())
        page.click("input[value='Yes, rotate']")
        reported = page.locator(".messagelist li.success").inner_text()
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/admin/tenants/signingkey/")
        fits = page.evaluate(
            "document.querySelector('#result_list').getBoundingClientRect().right <= document.documentElement.clientWidth"
        )
        page.screenshot(path=str(ARTIFACTS / "portal-signing-keys-1400.png"), full_page=True)
        return {"shown": shown, "reported": reported, "fits": fits}

    # when
    seen = _as(live_server, "alice", steps)
    # then
    from tenants.models import SigningKey

    current = SigningKey.objects.get(tenant=tenant, alg="RS256", state="current")
    assert "becomes current" in seen["shown"]
    assert (
        seen["reported"]
        == f"Rotated the signing keys of acme: tokens are now signed RS256 with {current.kid[:10]}…."
    )
    assert seen["fits"] is True


def test_a_staff_user_of_one_tenant_sees_nothing_of_another(live_server, alice, tenant, other_tenant):
    # given
    theirs = factories.make_api(other_tenant, identifier="https://theirs.example.test/", name="Their API")
    factories.make_client(other_tenant, name="Their worker")

    def steps(page) -> dict:
        texts = {}
        for name in (
            "tenants/tenant",
            "apis/resourceserver",
            "clients/client",
            "clients/clientgrant",
            "tenants/signingkey",
        ):
            page.goto(f"{live_server.url}/admin/{name}/")
            texts[name] = page.locator("#content").inner_text()
        page.goto(f"{live_server.url}/admin/apis/resourceserver/{theirs.pk}/change/")
        refused = page.locator(".messagelist").inner_text()
        page.goto(f"{live_server.url}/admin/apis/resourceserver/")
        page.screenshot(path=str(ARTIFACTS / "portal-staff-scoped.png"), full_page=True)
        return {"texts": texts, "refused": refused, "url": page.url}

    # when
    seen = _as(live_server, "alice", steps)
    # then
    for name, text in seen["texts"].items():
        assert "other" not in text.split(), name
        for foreign in ("Their API", "theirs.example.test", "Their worker"):
            assert foreign not in text, name
    assert "acme" in seen["texts"]["tenants/tenant"]
    assert f"API with ID “{theirs.pk}” doesn’t exist" in seen["refused"]
