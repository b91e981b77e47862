"""`manage.py bootstrap_demo`: an idempotent demo tenant whose printed credentials always work."""

import json
import shlex
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import TenantUser
from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from provisioning.demo import DEMO_USER_PASSWORD
from tenants.models import SigningKey, Tenant


def _bootstrap(*args: str) -> str:
    out = StringIO()
    call_command("bootstrap_demo", *args, stdout=out)
    return out.getvalue()


def _curl_body(command: str) -> dict:
    words = shlex.split(command)
    return json.loads(words[words.index("-d") + 1])


@pytest.fixture
def first(db):
    return json.loads(_bootstrap("--json"))


def test_first_run_creates_the_demo_tenant(first):
    # then
    tenant = Tenant.objects.get(slug="demo")
    assert first["tenant"] == "demo"
    assert first["issuer"] == "http://127.0.0.1:8000/demo/"
    assert first["tenant_created"] is True
    assert first["apis"] == [
        {"name": "Demo RS256 API", "identifier": "https://api.demo.test/", "signing_alg": "RS256"},
        {"name": "Demo HS256 API", "identifier": "https://hs256.demo.test/", "signing_alg": "HS256"},
    ]
    for api in ResourceServer.objects.for_tenant(tenant).filter(is_system=False):
        assert api.scope_values == ["read:items", "write:items"]
    m2m = Client.objects.for_tenant(tenant).get(name="Demo M2M")
    assert m2m.client_id == first["m2m_client"]["client_id"]
    assert m2m.grant_types == ["client_credentials"]
    assert sorted(
        ClientGrant.objects.filter(client=m2m).values_list("resource_server__identifier", "scope")
    ) == [
        ("https://api.demo.test/", ["read:items", "write:items"]),
        ("https://hs256.demo.test/", ["read:items", "write:items"]),
    ]
    web = Client.objects.for_tenant(tenant).get(name="Demo web app")
    assert (web.app_type, web.callbacks) == ("regular_web", ["http://127.0.0.1:8000/callback"])
    assert web.grant_types == [
        "password",
        "http://auth0.com/oauth/grant-type/password-realm",
        "authorization_code",
        "refresh_token",
    ]
    assert web.secret_matches(first["web_client"]["client_secret"]) is True
    assert (
        TenantUser.objects.for_tenant(tenant)
        .get(email="demo@example.test")
        .check_password(DEMO_USER_PASSWORD)
    )
    assert (
        first["management_client"]["client_id"]
        == Client.objects.for_tenant(tenant).get(grants__resource_server__is_system=True).client_id
    )


def test_first_run_creates_the_superuser_and_shows_its_password_once(first):
    # then
    admin = get_user_model().objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff) == (True, True)
    assert first["admin"]["created"] is True
    assert admin.check_password(first["admin"]["password"]) is True

    # when: a second run
    second = json.loads(_bootstrap("--json"))

    # then: the password is neither shown nor changed
    assert second["admin"] == {"username": "admin", "password": None, "created": False}
    assert get_user_model().objects.get(username="admin").check_password(first["admin"]["password"]) is True


def test_second_run_creates_nothing_new(first):
    # given
    kids = set(SigningKey.objects.values_list("kid", flat=True))

    # when
    second = json.loads(_bootstrap("--json"))

    # then
    tenant = Tenant.objects.get(slug="demo")
    assert Tenant.objects.count() == 1
    assert ResourceServer.objects.for_tenant(tenant).filter(is_system=False).count() == 2
    assert ResourceServer.objects.for_tenant(tenant).filter(is_system=True).count() == 1
    assert sorted(Client.objects.for_tenant(tenant).values_list("name", flat=True)) == [
        "Demo M2M",
        "Demo web app",
        "demo management client",
    ]
    assert ClientGrant.objects.for_tenant(tenant).count() == 3
    assert TenantUser.objects.for_tenant(tenant).count() == 1
    assert get_user_model().objects.count() == 1
    assert set(SigningKey.objects.values_list("kid", flat=True)) == kids
    assert second["tenant_created"] is False
    assert second["management_client"]["client_id"] == first["management_client"]["client_id"]
    assert second["management_client"]["created"] is False
    assert (second["m2m_client"]["client_id"], second["web_client"]["client_id"]) == (
        first["m2m_client"]["client_id"],
        first["web_client"]["client_id"],
    )


def test_second_run_rotates_the_demo_client_secrets(first):
    # when
    second = json.loads(_bootstrap("--json"))

    # then: the printed secrets are the ones that work now
    m2m = Client.objects.get(client_id=second["m2m_client"]["client_id"])
    web = Client.objects.get(client_id=second["web_client"]["client_id"])
    assert m2m.secret_matches(second["m2m_client"]["client_secret"]) is True
    assert m2m.secret_matches(first["m2m_client"]["client_secret"]) is False
    assert web.secret_matches(second["web_client"]["client_secret"]) is True
    assert web.secret_matches(first["web_client"]["client_secret"]) is False
    assert second["notes"] == [
        "Client secrets are stored only as hashes, so the demo clients got new secrets on this run; "
        "secrets printed before no longer work."
    ]


def test_demo_user_password_is_reset_to_the_documented_one(first):
    # given
    user = TenantUser.objects.get(email="demo@example.test")
    user.set_password("changed by someone")
    user.save()

    # when
    second = json.loads(_bootstrap("--json"))

    # then
    assert TenantUser.objects.get(pk=user.pk).check_password(DEMO_USER_PASSWORD) is True
    assert second["user"]["password_reset"] is True


def test_curl_commands_carry_the_current_credentials(first):
    # when
    second = json.loads(_bootstrap("--json"))

    # then
    curl = second["curl"]
    m2m = second["m2m_client"]
    assert curl["client_credentials_rs256"].startswith(
        "curl -s -X POST http://127.0.0.1:8000/demo/oauth/token -H 'content-type: application/json' -d "
    )
    assert _curl_body(curl["client_credentials_rs256"]) == {
        "grant_type": "client_credentials",
        "client_id": m2m["client_id"],
        "client_secret": m2m["client_secret"],
        "audience": "https://api.demo.test/",
    }
    assert _curl_body(curl["client_credentials_hs256"])["audience"] == "https://hs256.demo.test/"
    assert _curl_body(curl["password"]) == {
        "grant_type": "password",
        "client_id": second["web_client"]["client_id"],
        "client_secret": second["web_client"]["client_secret"],
        "username": "demo@example.test",
        "password": DEMO_USER_PASSWORD,
        "scope": "openid profile",
    }


def test_curl_commands_follow_public_url(db, settings):
    # given
    settings.PUBLIC_URL = "https://auth.example.test"

    # when
    data = json.loads(_bootstrap("--json"))

    # then
    assert data["issuer"] == "https://auth.example.test/demo/"
    assert " https://auth.example.test/demo/oauth/token " in data["curl"]["password"]


def test_text_output_lists_credentials_and_commands(db):
    # when
    out = _bootstrap()

    # then
    tenant = Tenant.objects.get(slug="demo")
    m2m = Client.objects.for_tenant(tenant).get(name="Demo M2M")
    assert "  issuer: http://127.0.0.1:8000/demo/" in out
    assert "  API https://api.demo.test/ (Demo RS256 API, RS256)" in out
    assert "  API https://hs256.demo.test/ (Demo HS256 API, HS256)" in out
    assert f"  client_id:     {m2m.client_id}" in out
    assert f"demo@example.test / {DEMO_USER_PASSWORD}" in out
    assert "Django admin (/admin/): admin / " in out
    assert out.count("curl -s -X POST http://127.0.0.1:8000/demo/oauth/token") == 3

    # when: again
    again = _bootstrap()

    # then
    assert "Demo M2M (secret rotated):" in again
    assert "Django admin (/admin/): user admin exists; its password is unchanged." in again
    assert "Note: Client secrets are stored only as hashes" in again


def test_every_run_prints_a_working_management_secret(first):
    # when: `make serve` again, as the README's Management API examples need MGMT_ID and MGMT_SECRET
    out = _bootstrap()

    # then
    tenant = Tenant.objects.get(slug="demo")
    management = Client.objects.for_tenant(tenant).get(grants__resource_server__is_system=True)
    assert "Management client (secret rotated):" in out
    assert f"  client_id:     {management.client_id}" in out
    secret = out.split(f"  client_id:     {management.client_id}\n  client_secret: ")[1].split("\n")[0]
    assert management.secret_matches(secret) is True
    assert management.secret_matches(first["management_client"]["client_secret"]) is False


@pytest.mark.parametrize(
    ("default_audience", "says"),
    [
        pytest.param(None, "no audience: an opaque token, valid at /userinfo", id="none"),
        pytest.param(
            "https://api.demo.test/",
            "no audience, so the Default Audience https://api.demo.test/ applies: a JWT signed with RS256 "
            "and aud [https://api.demo.test/, http://127.0.0.1:8000/demo/userinfo]",
            id="rs256",
        ),
        pytest.param(
            "https://hs256.demo.test/",
            "no audience, so the Default Audience https://hs256.demo.test/ applies; it is an HS256 API, so the "
            'request is refused (400 invalid_request) until the Default Audience changes or "openid" is dropped',
            id="hs256",
        ),
    ],
)
def test_password_grant_line_says_what_the_default_audience_makes_of_it(first, default_audience, says):
    # given: the README's PATCH tenants/settings, or none
    tenant = Tenant.objects.get(slug="demo")
    tenant.default_audience = (
        ResourceServer.objects.for_tenant(tenant).get(identifier=default_audience)
        if default_audience
        else None
    )
    tenant.save()

    # when
    out = _bootstrap()

    # then
    assert f"Password grant, scope 'openid profile' and {says}:\n" in out
    assert ("opaque" in out) is (default_audience is None)
