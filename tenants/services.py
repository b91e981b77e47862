"""Writes to tenants and their signing keys. The admin, the commands and the API all call these."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core import crypto
from tenants.errors import SigningKeyNotFound, SigningKeyStateError
from tenants.keys import generate_signing_key
from tenants.models import SigningKey, Tenant, TenantMembership

_UNSET = object()


def _new_key(*, tenant: Tenant, alg: str, state: str) -> SigningKey:
    generated = generate_signing_key(alg=alg, common_name=tenant.slug)
    key = SigningKey(
        tenant=tenant,
        kid=generated.kid,
        alg=alg,
        state=state,
        private_key_encrypted=crypto.encrypt(generated.private_pem),
        public_jwk=generated.public_jwk,
        cert_pem=generated.cert_pem,
        current_since=timezone.now() if state == SigningKey.State.CURRENT else None,
    )
    key.save()
    return key


@transaction.atomic
def signing_key_chain_ensure(*, tenant: Tenant, alg: str) -> None:
    """Give the tenant a current and a next key for `alg` if it has none (SPEC section 4).

    The tenant row lock makes two API registrations racing for a new algorithm create one chain.
    """
    Tenant.objects.select_for_update().get(pk=tenant.pk)
    chain = SigningKey.objects.for_tenant(tenant).filter(alg=alg)
    if not chain.filter(state=SigningKey.State.CURRENT).exists():
        _new_key(tenant=tenant, alg=alg, state=SigningKey.State.CURRENT)
    if not chain.filter(state=SigningKey.State.NEXT).exists():
        _new_key(tenant=tenant, alg=alg, state=SigningKey.State.NEXT)


@transaction.atomic
def tenant_create(*, slug: str, friendly_name: str = "") -> Tenant:
    """A tenant with its RS256 key chain (current and next)."""
    tenant = Tenant(slug=slug, friendly_name=friendly_name or slug)
    tenant.full_clean()
    tenant.save()
    signing_key_chain_ensure(tenant=tenant, alg=SigningKey.Alg.RS256)
    return tenant


@transaction.atomic
def tenant_update(
    *, tenant: Tenant, friendly_name=_UNSET, default_audience=_UNSET, session_lifetime=_UNSET
) -> Tenant:
    """Change tenant settings; the Default Audience must be an API of this tenant (SPEC section 5)."""
    if friendly_name is not _UNSET:
        tenant.friendly_name = friendly_name
    if default_audience is not _UNSET:
        tenant.default_audience = default_audience
    if session_lifetime is not _UNSET:
        tenant.session_lifetime = session_lifetime
    tenant.full_clean()
    tenant.save()
    return tenant


def tenant_membership_add(*, tenant: Tenant, user) -> TenantMembership:
    membership, _ = TenantMembership.objects.get_or_create(tenant=tenant, user=user)
    return membership


@dataclass(frozen=True)
class ChainRotation:
    alg: str
    previous_kid: str | None
    current_kid: str
    next_kid: str


@transaction.atomic
def signing_keys_rotate(*, tenant: Tenant) -> list[ChainRotation]:
    """Rotate every key chain of the tenant: next -> current -> previous, and a new next.

    The new current key was already published as `next`, so verifiers that refresh their JWKS
    know it before it signs anything. The tenant row lock serialises concurrent rotations; the
    partial unique constraints are the backstop.
    """
    Tenant.objects.select_for_update().get(pk=tenant.pk)
    now = timezone.now()
    keys = SigningKey.objects.for_tenant(tenant)
    results = []
    algs = sorted(set(keys.exclude(state=SigningKey.State.REVOKED).values_list("alg", flat=True)))
    for alg in algs:
        chain = keys.filter(alg=alg)
        old_current = chain.filter(state=SigningKey.State.CURRENT).first()
        if old_current:
            chain.filter(pk=old_current.pk).update(state=SigningKey.State.PREVIOUS, current_until=now)
        promoted = chain.filter(state=SigningKey.State.NEXT).first()
        if promoted:
            chain.filter(pk=promoted.pk).update(state=SigningKey.State.CURRENT, current_since=now)
        else:  # a chain without a next key (never in normal operation) still gets a current one
            promoted = _new_key(tenant=tenant, alg=alg, state=SigningKey.State.CURRENT)
        new_next = _new_key(tenant=tenant, alg=alg, state=SigningKey.State.NEXT)
        results.append(
            ChainRotation(
                alg=alg,
                previous_kid=old_current.kid if old_current else None,
                current_kid=promoted.kid,
                next_kid=new_next.kid,
            )
        )
    return results


@transaction.atomic
def signing_key_revoke(*, tenant: Tenant, kid: str) -> SigningKey:
    """Revoke a previous key: it leaves the JWKS and tokens it signed stop verifying (SPEC section 4)."""
    Tenant.objects.select_for_update().get(pk=tenant.pk)
    key = SigningKey.objects.for_tenant(tenant).filter(kid=kid).first()
    if key is None:
        raise SigningKeyNotFound("Signing key not found.")
    if key.state != SigningKey.State.PREVIOUS:
        raise SigningKeyStateError(
            f"Only a previous key can be revoked; key {kid} is {key.state}. "
            "Rotate first so that it becomes previous, then revoke it."
        )
    key.state = SigningKey.State.REVOKED
    key.revoked_at = timezone.now()
    key.save(update_fields=["state", "revoked_at", "updated_at"])
    return key
