"""The key-rotation commands (SPEC section 4): output, and a one-line CommandError for bad input."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from apis.models import ResourceServer
from tenants.models import SigningKey
from tests.keys.conftest import key_rows, kid_of, run


def api_rows(api) -> tuple:
    return (
        ResourceServer.objects.filter(pk=api.pk)
        .values_list(
            "signing_secret_encrypted",
            "previous_signing_secret_encrypted",
            "previous_signing_secret_expires_at",
        )
        .get()
    )


# rotate_signing_keys


def test_rotate_signing_keys_prints_the_old_and_new_kids_of_every_chain(tenant, es256_api):
    # given
    before = {
        alg: (kid_of(tenant, alg, "current"), kid_of(tenant, alg, "next")) for alg in ("ES256", "RS256")
    }

    # when
    out = run("rotate_signing_keys", "--tenant", "acme")

    # then
    assert out.splitlines() == [
        f"acme {alg}: previous {before[alg][0]} (was current), current {before[alg][1]} (was next), "
        f"next {kid_of(tenant, alg, 'next')} (new)"
        for alg in ("ES256", "RS256")
    ]
    assert {alg: kid_of(tenant, alg, "current") for alg in before} == {alg: k[1] for alg, k in before.items()}


def test_rotate_signing_keys_json_is_machine_readable(tenant):
    # given
    current, next_ = kid_of(tenant, "RS256", "current"), kid_of(tenant, "RS256", "next")

    # when
    data = json.loads(run("rotate_signing_keys", "--tenant", "acme", "--json"))

    # then
    assert data == {
        "rotated": [
            {
                "tenant": "acme",
                "alg": "RS256",
                "previous": current,
                "current": next_,
                "next": kid_of(tenant, "RS256", "next"),
            }
        ]
    }


def test_rotate_signing_keys_all_rotates_every_tenant(tenant, other_tenant):
    # given
    old = {
        t.slug: (kid_of(t, "RS256", "current"), kid_of(t, "RS256", "next")) for t in (tenant, other_tenant)
    }

    # when
    data = json.loads(run("rotate_signing_keys", "--all", "--json"))

    # then
    assert data == {
        "rotated": [
            {
                "tenant": t.slug,
                "alg": "RS256",
                "previous": old[t.slug][0],
                "current": old[t.slug][1],
                "next": kid_of(t, "RS256", "next"),
            }
            for t in (tenant, other_tenant)
        ]
    }


def test_rotate_signing_keys_all_without_tenants_rotates_nothing(db):
    # when
    out = run("rotate_signing_keys", "--all")

    # then
    assert out == "No tenants: nothing to rotate.\n"
    assert SigningKey.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--tenant", "nope"], "Unknown tenant: nope", id="unknown_tenant_case"),
        pytest.param([], "Error: one of the arguments --tenant --all is required", id="no_target_case"),
        pytest.param(
            ["--tenant", "acme", "--all"],
            "Error: argument --all: not allowed with argument --tenant",
            id="both_case",
        ),
    ],
)
def test_rotate_signing_keys_refuses_bad_input_and_changes_nothing(tenant, args, message):
    # given
    before = key_rows(tenant)

    # when
    with pytest.raises(CommandError) as exc:
        run("rotate_signing_keys", *args)

    # then
    assert str(exc.value) == message
    assert key_rows(tenant) == before


# revoke_signing_key


def test_revoke_signing_key_revokes_a_previous_key(client, tenant):
    # given
    kid = kid_of(tenant, "RS256", "current")
    run("rotate_signing_keys", "--tenant", "acme")

    # when
    out = run("revoke_signing_key", "--tenant", "acme", "--kid", kid)

    # then
    assert out == (
        f"Revoked RS256 key {kid} of acme: it is no longer in the JWKS, so tokens signed with it stop verifying "
        "once verifiers refresh their JWKS cache.\n"
    )
    key = SigningKey.objects.get(kid=kid)
    assert key.state == "revoked"
    assert key.revoked_at is not None
    assert kid not in [k["kid"] for k in client.get("/acme/.well-known/jwks.json").json()["keys"]]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        pytest.param(
            "current",
            "Only a previous key can be revoked: key {kid} is the current RS256 key, which signs new tokens. "
            "Rotate first so that it becomes previous, then revoke it.",
            id="current_case",
        ),
        pytest.param(
            "next",
            "Only a previous key can be revoked: key {kid} is the next RS256 key, published ahead so that "
            "verifiers know it before it signs; it becomes current at the next rotation.",
            id="next_case",
        ),
    ],
)
def test_revoke_signing_key_refuses_current_and_next_keys_with_the_reason(tenant, state, message):
    # given
    kid = kid_of(tenant, "RS256", state)
    before = key_rows(tenant)

    # when
    with pytest.raises(CommandError) as exc:
        run("revoke_signing_key", "--tenant", "acme", "--kid", kid)

    # then
    assert str(exc.value) == message.format(kid=kid)
    assert "\n" not in str(exc.value)
    assert key_rows(tenant) == before


def test_revoke_signing_key_refuses_a_revoked_key(tenant):
    # given
    kid = kid_of(tenant, "RS256", "current")
    run("rotate_signing_keys", "--tenant", "acme")
    run("revoke_signing_key", "--tenant", "acme", "--kid", kid)
    before = key_rows(tenant)

    # when
    with pytest.raises(CommandError) as exc:
        run("revoke_signing_key", "--tenant", "acme", "--kid", kid)

    # then
    assert str(exc.value) == f"Only a previous key can be revoked: key {kid} is already revoked."
    assert key_rows(tenant) == before


def test_revoke_signing_key_refuses_unknown_kids_and_other_tenants_keys(tenant, other_tenant):
    # given: a previous key of the other tenant
    others = kid_of(other_tenant, "RS256", "current")
    run("rotate_signing_keys", "--tenant", "other")
    before = key_rows(tenant), key_rows(other_tenant)

    # when
    with pytest.raises(CommandError) as unknown:
        run("revoke_signing_key", "--tenant", "acme", "--kid", "no-such-kid")
    with pytest.raises(CommandError) as foreign:
        run("revoke_signing_key", "--tenant", "acme", "--kid", others)

    # then
    assert str(unknown.value) == "Signing key no-such-kid not found in tenant acme."
    assert str(foreign.value) == f"Signing key {others} not found in tenant acme."
    assert (key_rows(tenant), key_rows(other_tenant)) == before


def test_revoke_signing_key_refuses_an_unknown_tenant(tenant):
    # when
    with pytest.raises(CommandError) as exc:
        run("revoke_signing_key", "--tenant", "nope", "--kid", kid_of(tenant, "RS256", "current"))

    # then
    assert str(exc.value) == "Unknown tenant: nope"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--tenant", "acme"], "Error: the following arguments are required: --kid", id="no_kid_case"
        ),
        pytest.param(
            ["--kid", "x"], "Error: the following arguments are required: --tenant", id="no_tenant_case"
        ),
    ],
)
def test_revoke_signing_key_requires_tenant_and_kid(tenant, args, message):
    # when
    with pytest.raises(CommandError) as exc:
        run("revoke_signing_key", *args)

    # then
    assert str(exc.value) == message


# rotate_api_secret


def test_rotate_api_secret_keeps_the_old_secret_for_an_hour_by_default(tenant, hs256_api):
    # given
    old = hs256_api.signing_secret
    started = timezone.now()

    # when
    out = run("rotate_api_secret", "--tenant", "acme", "--api", hs256_api.identifier)

    # then
    hs256_api.refresh_from_db()
    expires = hs256_api.previous_signing_secret_expires_at
    assert hs256_api.signing_secret != old
    assert hs256_api.previous_signing_secret == old
    assert started + dt.timedelta(seconds=3600) <= expires <= timezone.now() + dt.timedelta(seconds=3600)
    assert out.splitlines() == [
        "Rotated the signing secret of API https://hs.acme.test/ (acme); new tokens are signed with the new secret.",
        f"  signing_secret: {hs256_api.signing_secret}",
        f"  the previous secret verifies until {expires.isoformat(timespec='seconds')} (3600 s).",
    ]


def test_rotate_api_secret_with_zero_grace_drops_the_old_secret(tenant, hs256_api):
    # given
    old = hs256_api.signing_secret

    # when
    out = run("rotate_api_secret", "--tenant", "acme", "--api", hs256_api.identifier, "--grace", "0")

    # then
    hs256_api.refresh_from_db()
    assert hs256_api.signing_secret not in ("", old)
    assert (hs256_api.previous_signing_secret_encrypted, hs256_api.previous_signing_secret_expires_at) == (
        "",
        None,
    )
    assert out.splitlines()[-1] == "  the previous secret no longer verifies (no grace period)."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--tenant", "nope", "--api", "https://hs.acme.test/"],
            "Unknown tenant: nope",
            id="unknown_tenant_case",
        ),
        pytest.param(
            ["--tenant", "acme", "--api", "https://hs.acme.test"],
            "Unknown API https://hs.acme.test in tenant acme. Did you mean https://hs.acme.test/? "
            "(Identifiers match exactly, trailing slash included.)",
            id="missing_trailing_slash_case",
        ),
        pytest.param(
            ["--tenant", "other", "--api", "https://hs.acme.test/"],
            "Unknown API https://hs.acme.test/ in tenant other. It has no APIs.",
            id="other_tenants_api_case",
        ),
        pytest.param(
            ["--tenant", "acme", "--api", "https://hs.acme.test/", "--grace", "-1"],
            "The grace period cannot be negative.",
            id="negative_grace_case",
        ),
        pytest.param(
            ["--tenant", "acme", "--api", "https://hs.acme.test/", "--grace", str(10**12)],
            "The grace period is too long: it ends beyond the dates Authport can store.",
            id="grace_beyond_storable_dates_case",
        ),
        pytest.param(
            ["--tenant", "acme", "--api", "https://hs.acme.test/", "--grace", "soon"],
            "Error: argument --grace: invalid int value: 'soon'",
            id="not_a_number_case",
        ),
        pytest.param(
            ["--tenant", "acme", "--api", "https://api.acme.test/"],
            "API https://api.acme.test/ signs with RS256, not HS256: it has no secret to rotate "
            "(rotate the tenant's signing keys instead).",
            id="rs256_api_case",
        ),
    ],
)
def test_rotate_api_secret_refuses_bad_input_and_changes_nothing(
    tenant, other_tenant, hs256_api, rs256_api, args, message
):
    # given
    before = api_rows(hs256_api), api_rows(rs256_api)

    # when
    with pytest.raises(CommandError) as exc:
        run("rotate_api_secret", *args)

    # then
    assert str(exc.value) == message
    assert (api_rows(hs256_api), api_rows(rs256_api)) == before


def test_revoke_signing_key_takes_a_kid_that_starts_with_a_dash(tenant):
    # given: one kid in 64 starts with "-", which argparse would read as an option
    kid = kid_of(tenant, "RS256", "current")
    run("rotate_signing_keys", "--tenant", "acme")
    SigningKey.objects.filter(kid=kid).update(kid=f"-{kid[1:]}")

    # when
    out = run("revoke_signing_key", "--tenant", "acme", "--kid", f"-{kid[1:]}")

    # then
    assert out.startswith(f"Revoked RS256 key -{kid[1:]} of acme:")
    assert SigningKey.objects.get(kid=f"-{kid[1:]}").state == "revoked"


def _run_both(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rotating_twice_in_a_row_warns_as_the_admin_does(tenant):
    # given: a first rotation an hour after the tenant's keys were made (no warning then)
    SigningKey.objects.for_tenant(tenant).update(created_at=timezone.now() - dt.timedelta(hours=1))
    _, first_err = _run_both("rotate_signing_keys", "--tenant", "acme")
    promoted = kid_of(tenant, "RS256", "next")

    # when: again at once, so the new next key was published moments ago
    out, err = _run_both("rotate_signing_keys", "--tenant", "acme")

    # then: it rotates, and says on stderr what the admin's confirmation page says
    assert first_err == ""
    assert kid_of(tenant, "RS256", "current") == promoted
    assert err.startswith(f"Warning: acme RS256: the next key {promoted} was published only ")
    assert "less than the JWKS cache lifetime (300 s)" in err
    assert "s more avoids that.\n" in err
    assert out.startswith("acme RS256: previous ")
