"""Writes to APIs (resource servers): the single path for the admin, the commands and the API."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apis.errors import ResourceServerConflict, ResourceServerNotFound, SystemResourceServerError
from apis.models import MIN_SIGNING_SECRET_LENGTH, ResourceServer
from apis.selectors import previous_secret_in_grace
from core import crypto
from core.models import auth0_extra_merge, save_existing
from tenants.models import Tenant
from tenants.services import signing_key_chain_ensure, signing_keys_reencrypt

_UNSET = object()
DEFAULT_SECRET_GRACE_SECONDS = 3600  # SPEC section 4: the old HS256 secret verifies for one hour
UPDATABLE_FIELDS = (
    "name",
    "signing_alg",
    "scopes",
    "token_lifetime",
    "token_lifetime_for_web",
    "allow_offline_access",
    "skip_consent_for_verifiable_first_party_clients",
    "enforce_policies",
    "token_dialect",
    "auth0_extra",  # Auth0-only fields, kept as given; an update merges them by name
)


def _validate_given_secret(secret: str) -> None:
    if len(secret) < MIN_SIGNING_SECRET_LENGTH:
        raise ValidationError(
            {"signing_secret": f"The signing secret must be at least {MIN_SIGNING_SECRET_LENGTH} characters."}
        )


def _apply_signing(api: ResourceServer, signing_secret: str | None) -> None:
    """HS256 APIs hold their own secret (generated: 256 random bits); others use the tenant's keys."""
    if api.signing_alg == ResourceServer.SigningAlg.HS256:
        if signing_secret:
            _validate_given_secret(signing_secret)
            api.signing_secret_encrypted = crypto.encrypt(signing_secret)
        elif not api.signing_secret_encrypted:
            api.signing_secret_encrypted = crypto.encrypt(crypto.generate_secret(32))
    else:
        if signing_secret:
            raise ValidationError({"signing_secret": "Only HS256 APIs have a signing secret."})
        api.signing_secret_encrypted = ""
        api.previous_signing_secret_encrypted = ""
        api.previous_signing_secret_expires_at = None


def _follow_token_lifetime(api: ResourceServer, fields: dict) -> None:
    """A token lifetime set below the web-flow lifetime pulls the latter down with it, unless both were given.

    Auth0's create schema has no `token_lifetime_for_web`, so its SDKs set `token_lifetime=3600` alone;
    with the 7200 s web default that would fail the "web <= token lifetime" rule for no visible reason.
    """
    if "token_lifetime_for_web" not in fields and api.token_lifetime_for_web > api.token_lifetime:
        api.token_lifetime_for_web = api.token_lifetime


def _save(api: ResourceServer) -> ResourceServer:
    api.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            save_existing(api, gone=ResourceServerNotFound())
    except IntegrityError as exc:
        if (
            ResourceServer.objects.for_tenant(api.tenant)
            .filter(identifier=api.identifier)
            .exclude(pk=api.pk)
            .exists()
        ):
            raise ResourceServerConflict(
                "A resource server with the same identifier already exists."
            ) from exc
        raise
    if not api.is_symmetric:
        signing_key_chain_ensure(tenant=api.tenant, alg=api.signing_alg)
    return api


@transaction.atomic
def resource_server_create(
    *,
    tenant: Tenant,
    identifier: str,
    name: str = "",
    signing_alg: str = "RS256",
    signing_secret: str | None = None,
    is_system: bool = False,
    **fields,
) -> ResourceServer:
    """Register an API (SPEC section 5): unique identifier per tenant (409), one of four algorithms."""
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if ResourceServer.objects.for_tenant(tenant).filter(identifier=identifier).exists():
        raise ResourceServerConflict("A resource server with the same identifier already exists.")
    api = ResourceServer(
        tenant=tenant,
        identifier=identifier,
        name=name or identifier[:200],
        signing_alg=signing_alg,
        is_system=is_system,
        **fields,
    )
    _follow_token_lifetime(api, fields)
    if signing_alg in ResourceServer.SigningAlg.values:
        _apply_signing(api, signing_secret)
    return _save(api)


@transaction.atomic
def resource_server_update(
    *, api: ResourceServer, signing_secret: str | None = None, **fields
) -> ResourceServer:
    """Change an API. The identifier is immutable; the system API only takes a lifetime change."""
    if "identifier" in fields and fields["identifier"] != api.identifier:
        raise ValidationError({"identifier": "The identifier of an API cannot be changed once set."})
    fields.pop("identifier", None)
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if "auth0_extra" in fields:
        fields["auth0_extra"] = auth0_extra_merge(api.auth0_extra, fields["auth0_extra"])
    if api.is_system:
        changed = {k for k, v in fields.items() if getattr(api, k) != v}
        if changed - {"token_lifetime", "skip_consent_for_verifiable_first_party_clients"} or signing_secret:
            raise SystemResourceServerError(
                "The Management API is a system API: only its token lifetime can be changed."
            )
    for name, value in fields.items():
        setattr(api, name, value)
    _follow_token_lifetime(api, fields)
    if api.signing_alg in ResourceServer.SigningAlg.values:
        _apply_signing(api, signing_secret)
    return _save(api)


@transaction.atomic
def resource_server_delete(*, api: ResourceServer) -> None:
    """Delete an API with its client grants; the tenant's Default Audience is cleared if it was this API."""
    if api.is_system:
        raise SystemResourceServerError("The Management API is a system API and cannot be deleted.")
    api.delete()


@transaction.atomic
def resource_server_rotate_secret(
    *, api: ResourceServer, grace_seconds: int = DEFAULT_SECRET_GRACE_SECONDS
) -> ResourceServer:
    """Sign with a new HS256 secret at once; the old one verifies for `grace_seconds` (SPEC section 4).

    Zero drops the old secret at once. There is one previous secret: rotating again replaces it
    (and so also clears a previous secret whose grace has run out). The row is locked, so two
    rotations at once keep the secret of one of them as the previous one, never a lost write.
    """
    if grace_seconds < 0:
        raise ValidationError("The grace period cannot be negative.")
    try:
        grace_ends = timezone.now() + dt.timedelta(seconds=grace_seconds)
    except OverflowError:
        raise ValidationError(
            "The grace period is too long: it ends beyond the dates Authport can store."
        ) from None
    locked = ResourceServer.objects.select_for_update().get(pk=api.pk)
    if not locked.is_symmetric:
        raise ValidationError(
            f"API {locked.identifier} signs with {locked.signing_alg}, not HS256: it has no secret to rotate "
            "(rotate the tenant's signing keys instead)."
        )
    if grace_seconds:
        locked.previous_signing_secret_encrypted = locked.signing_secret_encrypted
        locked.previous_signing_secret_expires_at = grace_ends
    else:
        locked.previous_signing_secret_encrypted = ""
        locked.previous_signing_secret_expires_at = None
    locked.signing_secret_encrypted = crypto.encrypt(crypto.generate_secret(32))
    locked.save()
    return locked


def resource_server_secrets_reencrypt(*, now: dt.datetime | None = None) -> tuple[int, int, int]:
    """Re-encrypt every HS256 secret under the first encryption key; clear expired previous secrets.

    Part of `reencrypt_secrets`; runs in the caller's transaction. Returns the number of secrets,
    previous secrets re-encrypted, and expired previous secrets cleared (a secret past its grace
    is never used again, so it is dropped rather than carried under the new key). The rows are
    locked, so a secret rotated meanwhile is not overwritten with the old value.
    """
    now = now or timezone.now()
    apis = list(
        ResourceServer.objects.select_for_update(of=("self",))
        .select_related("tenant")
        .exclude(signing_secret_encrypted="", previous_signing_secret_encrypted="")
        .only(
            "pk",
            "identifier",
            "tenant__slug",
            "signing_secret_encrypted",
            "previous_signing_secret_encrypted",
            "previous_signing_secret_expires_at",
        )
        .order_by("pk")
    )
    secrets = previous = cleared = 0
    for api in apis:
        try:
            if api.signing_secret_encrypted:
                api.signing_secret_encrypted = crypto.reencrypt(api.signing_secret_encrypted)
                secrets += 1
            if api.previous_signing_secret_encrypted and not previous_secret_in_grace(api, now=now):
                api.previous_signing_secret_encrypted = ""
                api.previous_signing_secret_expires_at = None
                cleared += 1
            elif api.previous_signing_secret_encrypted:
                api.previous_signing_secret_encrypted = crypto.reencrypt(
                    api.previous_signing_secret_encrypted
                )
                previous += 1
        except crypto.UndecryptableSecret as exc:
            raise crypto.UndecryptableSecret(
                f"A signing secret of API {api.identifier} (tenant {api.tenant.slug}) cannot be decrypted "
                "with any key in AUTHPORT_KEY_ENCRYPTION_KEYS."
            ) from exc
    ResourceServer.objects.bulk_update(
        apis,
        [
            "signing_secret_encrypted",
            "previous_signing_secret_encrypted",
            "previous_signing_secret_expires_at",
        ],
        batch_size=500,
    )
    return secrets, previous, cleared


@dataclass(frozen=True)
class Reencryption:
    signing_keys: int
    signing_secrets: int
    previous_signing_secrets: int
    expired_previous_secrets_cleared: int


@transaction.atomic
def stored_secrets_reencrypt() -> Reencryption:
    """`reencrypt_secrets` (SPEC section 4): every private key and HS256 secret under the first key.

    One transaction: either every value is re-encrypted or, when one cannot be decrypted with any
    configured key, nothing is, and the error names the row. Afterwards only the first key of
    AUTHPORT_KEY_ENCRYPTION_KEYS is needed, so older keys can be dropped from the setting (once
    every process runs with the new key first, so that nothing new is written under an old key).
    It lives here because APIs sit above tenants: this module may use both apps' services.
    """
    keys = signing_keys_reencrypt()
    secrets, previous, cleared = resource_server_secrets_reencrypt()
    return Reencryption(
        signing_keys=keys,
        signing_secrets=secrets,
        previous_signing_secrets=previous,
        expired_previous_secrets_cleared=cleared,
    )
