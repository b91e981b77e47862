"""The admin is no oracle on secrets (SPEC section 6, STYLE "Secrets in the admin").

A change list filters by any query-string lookup on a local field: `?password__startswith=pbkdf2_sha256$1`
answers "some rows" or "none", and character by character that reads a password hash, a client
secret's hash, an encrypted private key or a PKCE challenge out of a page that masks them. Such
lookups are refused (400) for everyone, superusers included; the lists work as before without them.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.utils import timezone

from core.admin import is_secret_lookup
from core.crypto import sha256_hex
from tenants.models import SigningKey
from tests.factories import make_client, make_user
from tests.security import staff
from tokens.models import AuthorizationCode, OpaqueAccessToken, RefreshToken, SsoSession

admin_client = staff.admin_client  # a staff member of acme, then a superuser


def _issued(tenant, user, client):
    now = timezone.now()
    later = now + dt.timedelta(hours=1)
    return {
        "opaque": OpaqueAccessToken.objects.create(
            tenant=tenant,
            client=client,
            user=user,
            token_hash=sha256_hex("authport_opaque_x"),
            grant_type="password",
            expires_at=later,
        ),
        "code": AuthorizationCode.objects.create(
            tenant=tenant,
            client=client,
            user=user,
            code_hash=sha256_hex("authport_code_x"),
            redirect_uri="https://app.acme.test/callback",
            audience="https://api.acme.test/",
            code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            auth_time=now,
            expires_at=later,
            refresh_family="family-x",
        ),
        "refresh": RefreshToken.objects.create(
            tenant=tenant,
            client=client,
            user=user,
            token_hash=sha256_hex("authport_rt_x"),
            family="family-x",
            audience="https://api.acme.test/",
            auth_time=now,
            expires_at=later,
            family_expires_at=later,
        ),
        "session": SsoSession.objects.create(
            tenant=tenant,
            user=user,
            key_hash=sha256_hex("cookie-x"),
            auth_time=now,
            expires_at=later,
            last_used_at=now,
            idle_expires_at=later,
        ),
    }


@pytest.fixture
def rows(tenant, hs256_api):
    user = make_user(tenant)
    client, _secret = make_client(tenant, name="Web app")
    hs256_api.refresh_from_db()
    return {
        "user": user,
        "client": client,
        "api": hs256_api,
        "key": SigningKey.objects.filter(tenant=tenant).first(),
        **_issued(tenant, user, client),
    }


# (change list, the row it lists, the secret-derived field, the lookup that filters by it)
ORACLES = [
    ("accounts/tenantuser", "user", "password", "startswith"),
    ("clients/client", "client", "client_secret_hash", "startswith"),
    ("apis/resourceserver", "api", "signing_secret_encrypted", "startswith"),
    ("apis/resourceserver", "api", "previous_signing_secret_encrypted", "exact"),
    ("tenants/signingkey", "key", "private_key_encrypted", "startswith"),
    ("tokens/opaqueaccesstoken", "opaque", "token_hash", "startswith"),
    ("tokens/authorizationcode", "code", "code_hash", "startswith"),
    ("tokens/authorizationcode", "code", "code_challenge", "startswith"),
    ("tokens/refreshtoken", "refresh", "token_hash", "startswith"),
    ("tokens/ssosession", "session", "key_hash", "startswith"),
]
ORACLE_IDS = [f"{changelist}:{field}__{lookup}" for changelist, _row, field, lookup in ORACLES]


@pytest.mark.parametrize(("changelist", "row", "field", "lookup"), ORACLES, ids=ORACLE_IDS)
def test_filtering_by_a_secret_is_refused(admin_client, rows, changelist, row, field, lookup):
    # given: the first characters of the secret, which is what an attacker confirms one at a time
    obj = rows[row]
    prefix = getattr(obj, field)[:6]
    # when
    resp = admin_client.get(f"/admin/{changelist}/", {f"{field}__{lookup}": prefix})
    # then
    assert resp.status_code == 400
    assert str(obj).encode() not in resp.content


@pytest.mark.parametrize(("changelist", "row", "field", "lookup"), ORACLES, ids=ORACLE_IDS)
def test_the_list_still_works_without_it(admin_client, rows, changelist, row, field, lookup):
    # when
    resp = admin_client.get(f"/admin/{changelist}/")
    # then
    assert resp.status_code == 200
    assert rows[row] in resp.context["cl"].result_list


@pytest.mark.parametrize(
    ("changelist", "lookup"),
    [
        ("accounts/permission", "user__password__startswith"),
        ("clients/clientgrant", "client__client_secret_hash__startswith"),
        ("tenants/tenant", "accounts_tenantuser__password__startswith"),
        ("accounts/tenantuser", "tenant__tenants_signingkey__private_key_encrypted__startswith"),
    ],
)
def test_filtering_by_a_related_rows_secret_is_refused(admin_client, rows, changelist, lookup):
    # when
    resp = admin_client.get(f"/admin/{changelist}/", {lookup: "x"})
    # then
    assert resp.status_code == 400


@pytest.mark.parametrize(
    ("lookup", "secret"),
    [
        ("password", True),
        ("password__startswith", True),
        ("user__password__regex", True),
        ("client_secret_hash", True),
        ("signing_secret_encrypted__isnull", True),
        ("code_challenge__exact", True),
        ("signing_secret", True),
        ("secret", True),
        ("tenant__id__exact", False),
        ("blocked__exact", False),
        ("email__icontains", False),
        ("signing_alg", False),
    ],
)
def test_secret_lookups_are_told_apart(lookup, secret):
    assert is_secret_lookup(lookup) is secret


def test_no_admin_searches_filters_or_sorts_by_a_secret():
    # given
    offending = []
    for model, model_admin in admin.site._registry.items():
        # when
        paths = [
            *(f.lstrip("^=@") for f in model_admin.search_fields),
            *(f if isinstance(f, str) else f[0] for f in model_admin.list_filter if not isinstance(f, type)),
            *([model_admin.date_hierarchy] if model_admin.date_hierarchy else []),
            *(f for f in model_admin.list_display if isinstance(f, str)),
            *(f for f in (model_admin.ordering or ()) if isinstance(f, str)),
        ]
        offending += [f"{model._meta.label}: {path}" for path in paths if is_secret_lookup(path.lstrip("-"))]
    # then: Django's own user admin lists no password either
    assert offending == []


def test_djangos_staff_user_list_refuses_password_lookups_too(db, client, django_user_model):
    # given: a superuser looks at the staff users; one of them has a pbkdf2 hash
    root = django_user_model.objects.create_superuser("root", "root@example.test", "a-long-root-password")
    client.force_login(root)

    # when / then
    assert client.get("/admin/auth/user/?password__startswith=md5$").status_code == 400
    assert client.get("/admin/auth/user/?username__startswith=ro").status_code == 200
