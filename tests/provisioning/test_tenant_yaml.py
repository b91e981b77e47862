"""SPEC section 10: export_tenant / import_tenant in Auth0 Deploy CLI's YAML."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from accounts.services import permissions_assign, role_create
from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from provisioning.configuration import tenant_export
from tenants.models import Tenant
from tenants.services import tenant_update
from tests import factories

SAMPLE = Path(__file__).parent / "samples" / "auth0-export"


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot(tenant) -> dict:
    """Everything an import could touch, secrets included, to prove nothing changed."""
    tenant = Tenant.objects.get(pk=tenant.pk)
    return {
        "tenant": (
            tenant.friendly_name,
            tenant.session_lifetime_in_minutes,
            tenant.idle_session_lifetime_in_minutes,
            tenant.default_audience_id,
            tenant.auth0_extra,
        ),
        "apis": sorted(
            ResourceServer.objects.for_tenant(tenant).values_list(
                "identifier", "name", "signing_secret_encrypted"
            )
        ),
        "clients": sorted(
            Client.objects.for_tenant(tenant).values_list("name", "client_secret_hash", "updated_at")
        ),
        "grants": sorted(ClientGrant.objects.for_tenant(tenant).values_list("client__name", "scope")),
        "export": tenant_export(tenant=tenant),
    }


@pytest.fixture
def configured(tenant):
    api = factories.make_api(tenant, identifier="https://orders.test/", name="Orders")
    factories.make_api(tenant, identifier="https://hs.test/", name="HS", signing_alg="HS256")
    worker, _ = factories.make_client(tenant, name="Worker", auth0_extra={"oidc_conformant": True})
    factories.make_client(
        tenant,
        name="Web",
        app_type="regular_web",
        grant_types=["authorization_code"],
        callbacks=["https://w.test/cb"],
    )
    factories.make_grant(worker, api, scope=["read:items"])
    role = role_create(tenant=tenant, name="Reader", description="Reads")
    permissions_assign(tenant=tenant, permissions=[("https://orders.test/", "read:items")], role=role)
    tenant_update(tenant=tenant, default_audience=api, auth0_extra={"support_email": "s@acme.test"})
    return tenant


def test_round_trip_into_another_tenant_exports_the_same(configured, other_tenant, tmp_path):
    # when
    run("export_tenant", "acme", "--out", str(tmp_path / "a"))
    out, _ = run("import_tenant", "other", str(tmp_path / "a"))
    run("export_tenant", "other", "--out", str(tmp_path / "b"))

    # then
    first = yaml.safe_load((tmp_path / "a" / "tenant.yaml").read_text())
    second = yaml.safe_load((tmp_path / "b" / "tenant.yaml").read_text())
    assert {**first, "tenant": {**first["tenant"], "friendly_name": None}} == {
        **second,
        "tenant": {**second["tenant"], "friendly_name": None},
    }
    assert second["tenant"]["friendly_name"] == "Acme"
    assert "create clients Worker" in out
    assert "client_secret" in out
    assert [c["name"] for c in first["clients"]] == ["Web", "Worker"]  # no management client
    assert [a["identifier"] for a in first["resourceServers"]] == ["https://hs.test/", "https://orders.test/"]


def test_export_holds_no_secrets_and_no_system_api(configured, tmp_path):
    run("export_tenant", "acme", "--out", str(tmp_path))

    text = (tmp_path / "tenant.yaml").read_text()
    assert "secret:" not in text
    assert "signing_secret" not in text
    hs = ResourceServer.objects.get(tenant=configured, identifier="https://hs.test/")
    assert hs.signing_secret not in text
    assert configured.management_audience not in text
    assert "management client" not in text


def test_auth0_export_imports_then_nothing_to_change(tenant):
    # when
    out, err = run("import_tenant", "acme", str(SAMPLE))
    imported = snapshot(tenant)
    again, _ = run("import_tenant", "acme", str(SAMPLE / "tenant.yaml"))

    # then
    assert "warning: Skipped sections Authport does not have: actions, attackProtection, branding" in err
    assert "grants on the system API are never imported" in err
    assert (
        'clients[0] "Storefront": grant types Authport does not support are kept but never granted: '
        "http://auth0.com/oauth/grant-type/mfa-oob, http://auth0.com/oauth/grant-type/mfa-otp." in err
    )
    assert again.strip() == "Nothing to change."
    assert snapshot(tenant) == imported
    tenant = Tenant.objects.get(pk=tenant.pk)
    assert (tenant.session_lifetime_in_minutes, tenant.idle_session_lifetime_in_minutes) == (4320, 1440)
    assert tenant.default_audience.identifier == "https://orders.example.com/"
    assert tenant.auth0_extra["flags"]["revoke_refresh_token_grant"] is False
    spa = Client.objects.get(tenant=tenant, name="Storefront")
    assert spa.auth0_extra["refresh_token"]["rotation_type"] == "rotating"
    assert spa.token_endpoint_auth_method == "none"
    legacy = ResourceServer.objects.get(tenant=tenant, identifier="legacy")
    assert legacy.signing_secret  # a new HS256 secret, never taken from a file
    worker = Client.objects.get(tenant=tenant, name="Order Worker")
    grant = ClientGrant.objects.get(client=worker)
    assert grant.scope == ["read:orders", "write:orders"]
    assert grant.auth0_extra == {"allow_any_organization": False, "organization_usage": "deny"}
    assert out.count("client_secret") == 2


def test_dry_run_changes_nothing(configured, tmp_path):
    before = snapshot(configured)

    out, _ = run("import_tenant", "acme", str(SAMPLE), "--dry-run", "--delete")

    assert "would create resourceServers https://orders.example.com/" in out
    assert "would delete clients Worker" in out
    assert "client_secret" not in out
    assert snapshot(configured) == before


def test_delete_only_within_sections_the_file_holds(configured, tmp_path):
    # given: a file with clients (one of them) and roles (none), but no APIs or grants section
    path = tmp_path / "tenant.yaml"
    path.write_text(yaml.safe_dump({"clients": [{"name": "Web", "app_type": "regular_web"}], "roles": []}))

    # when
    out, _ = run("import_tenant", "acme", str(path), "--delete")

    # then
    assert "delete clients Worker" in out
    assert "delete roles Reader" in out
    names = set(Client.objects.for_tenant(configured).values_list("name", flat=True))
    assert names == {"Web", "acme management client"}
    assert ResourceServer.objects.for_tenant(configured).filter(identifier="https://orders.test/").exists()
    assert ResourceServer.objects.for_tenant(configured).filter(is_system=True).count() == 1


def test_delete_with_an_empty_api_section_keeps_the_system_api(configured, tmp_path):
    path = tmp_path / "tenant.yaml"
    path.write_text(yaml.safe_dump({"resourceServers": [], "clientGrants": []}))

    run("import_tenant", "acme", str(path), "--delete")

    assert list(ResourceServer.objects.for_tenant(configured).values_list("is_system", flat=True)) == [True]
    assert Client.objects.for_tenant(configured).filter(name="acme management client").exists()
    assert ClientGrant.objects.for_tenant(configured).filter(resource_server__is_system=True).exists()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            {
                "resourceServers": [{"identifier": "https://new.test/", "name": "New"}],
                "clients": [{"name": "X", "colour": 1}],
            },
            'clients[0] "X": Additional properties not allowed: colour',
            id="field-outside-auth0-schema",
        ),
        pytest.param(
            {"resourceServers": [{"identifier": "https://new.test/", "signing_alg": "none"}]},
            'resourceServers[0] "https://new.test/": signing_alg',
            id="bad-signing-alg",
        ),
        pytest.param(
            {
                "clients": [{"name": "Y"}],
                "clientGrants": [{"client_id": "Y", "audience": "https://missing.test/"}],
            },
            'clientGrants[0] "Y -> https://missing.test/": no API with identifier https://missing.test/',
            id="grant-for-missing-api",
        ),
        pytest.param(
            {"clients": [{"name": "Z"}], "tenant": {"session_lifetime": "24"}},
            'tenant[0] "acme": session_lifetime: Expected type number but found type string',
            id="bad-tenant-setting",
        ),
        pytest.param(
            {"tenant": {"idle_session_lifetime": 2, "idle_session_lifetime_in_minutes": 90}},
            'tenant[0] "acme": idle_session_lifetime_in_minutes: Disagrees with idle_session_lifetime',
            id="disagreeing-lifetimes",
        ),
        pytest.param({"clients": {"name": "Z"}}, "clients: expected a list", id="wrong-shape"),
        pytest.param(
            {"roles": [{"name": "R"}, {"name": "R", "description": "again"}]},
            'roles[1] "R": listed twice in the file.',
            id="named-twice",
        ),
        pytest.param({"clients": [{"name": ["x"]}]}, "expected a string, found list", id="name-not-a-string"),
    ],
)
def test_an_invalid_object_refuses_the_whole_import(configured, tmp_path, document, message):
    before = snapshot(configured)
    path = tmp_path / "tenant.yaml"
    path.write_text(yaml.safe_dump(document))

    with pytest.raises(CommandError) as refused:
        run("import_tenant", "acme", str(path), "--delete")

    assert message in str(refused.value)
    assert "Nothing was changed." in str(refused.value)
    assert snapshot(configured) == before


def test_malformed_yaml_is_one_line(tenant, tmp_path):
    path = tmp_path / "tenant.yaml"
    path.write_text("clients: [\n  - name: x\n")

    with pytest.raises(CommandError) as refused:
        run("import_tenant", "acme", str(path))

    assert "not valid YAML" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_session_lifetimes_round_trip_in_minutes(tenant, other_tenant, tmp_path):
    # given: lifetimes that are no whole number of hours
    tenant_update(tenant=tenant, session_lifetime_in_minutes=90, idle_session_lifetime_in_minutes=45)

    # when
    run("export_tenant", "acme", "--out", str(tmp_path))
    out, _ = run("import_tenant", "other", str(tmp_path))
    again, _ = run("import_tenant", "other", str(tmp_path))

    # then: the file says both forms, as the Management API answers them
    exported = yaml.safe_load((tmp_path / "tenant.yaml").read_text())["tenant"]
    assert {k: v for k, v in exported.items() if "session_lifetime" in k} == {
        "session_lifetime": 1.5,
        "session_lifetime_in_minutes": 90,
        "idle_session_lifetime": 0.75,
        "idle_session_lifetime_in_minutes": 45,
    }
    assert "update tenant other" in out
    assert again.strip() == "Nothing to change."
    other = Tenant.objects.get(pk=other_tenant.pk)
    assert (other.session_lifetime_in_minutes, other.idle_session_lifetime_in_minutes) == (90, 45)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"session_lifetime": 1.5, "idle_session_lifetime": 0.5}, id="hours-as-auth0-answers"),
        pytest.param(
            {"session_lifetime_in_minutes": 90, "idle_session_lifetime_in_minutes": 30}, id="minutes"
        ),
    ],
)
def test_a_deploy_cli_tenant_section_sets_the_lifetimes(tenant, tmp_path, settings):
    # given: what `a0deploy export` writes (Auth0's answer as it came), or what it sends Auth0
    path = tmp_path / "tenant.yaml"
    path.write_text(yaml.safe_dump({"tenant": {"friendly_name": "Acme", **settings}}))

    # when
    run("import_tenant", "acme", str(path))
    again, _ = run("import_tenant", "acme", str(path))

    # then
    stored = Tenant.objects.get(pk=tenant.pk)
    assert (stored.session_lifetime_in_minutes, stored.idle_session_lifetime_in_minutes) == (90, 30)
    assert stored.auth0_extra == {}
    assert again.strip() == "Nothing to change."
