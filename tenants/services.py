"""Writes to tenants and their signing keys. The admin, the commands and the API all call these."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core import crypto
from core.models import auth0_extra_merge
from tenants.errors import SigningKeyNotFound, SigningKeyStateError
from tenants.keys import GeneratedKey, generate_signing_key
from tenants.models import SigningKey, Tenant, TenantMembership
from tenants.published import published_version_bump

_UNSET = object()


def _tenant_lock(tenant: Tenant) -> None:
    """Lock the tenant row until the transaction ends: the one lock every key-chain write takes first.

    Two writers of one tenant's chains (rotations, revocations, a new algorithm's chain) queue on
    this row, and each reads the chain only once it holds the lock. On PostgreSQL under READ
    COMMITTED (Django's default) every statement takes a fresh snapshot, so the reads after the
    lock see what the previous holder committed. (Under REPEATABLE READ the snapshot would predate
    the wait: the loser then fails with a serialization error, and the partial unique constraints
    stop a second current or next key in any case.) FOR NO KEY UPDATE is enough to exclude the
    other writers and, unlike FOR UPDATE, does not block inserts of rows that merely reference the
    tenant (clients, tokens), so rotating never stalls the token endpoint. On SQLite the
    transaction itself is the lock (settings open every transaction IMMEDIATE).
    """
    Tenant.objects.select_for_update(no_key=True).only("pk").get(pk=tenant.pk)


def _save_key(*, tenant: Tenant, generated: GeneratedKey, state: str) -> SigningKey:
    key = SigningKey(
        tenant=tenant,
        kid=generated.kid,
        alg=generated.alg,
        state=state,
        private_key_encrypted=crypto.encrypt(generated.private_pem),
        public_jwk=generated.public_jwk,
        cert_pem=generated.cert_pem,
        current_since=timezone.now() if state == SigningKey.State.CURRENT else None,
    )
    key.save()
    return key


def _new_key(*, tenant: Tenant, alg: str, state: str) -> SigningKey:
    generated = generate_signing_key(alg=alg, common_name=tenant.slug)
    return _save_key(tenant=tenant, generated=generated, state=state)


@transaction.atomic
def signing_key_chain_ensure(*, tenant: Tenant, alg: str) -> None:
    """Give the tenant a current and a next key for `alg` if it has none (SPEC section 4).

    The tenant row lock makes two API registrations racing for a new algorithm create one chain.
    """
    _tenant_lock(tenant)
    published_version_bump(slug=tenant.slug)
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
    *,
    tenant: Tenant,
    friendly_name=_UNSET,
    default_audience=_UNSET,
    session_lifetime_in_minutes=_UNSET,
    idle_session_lifetime_in_minutes=_UNSET,
    auth0_extra: dict | None = None,
) -> Tenant:
    """Change tenant settings; the Default Audience must be an API of this tenant (SPEC section 5).
    New session lifetimes apply to sessions from their next use (idle) or their next login (absolute)."""
    if friendly_name is not _UNSET:
        tenant.friendly_name = friendly_name
    if default_audience is not _UNSET:
        tenant.default_audience = default_audience
    if session_lifetime_in_minutes is not _UNSET:
        tenant.session_lifetime_in_minutes = session_lifetime_in_minutes
    if idle_session_lifetime_in_minutes is not _UNSET:
        tenant.idle_session_lifetime_in_minutes = idle_session_lifetime_in_minutes
    if auth0_extra:
        tenant.auth0_extra = auth0_extra_merge(tenant.auth0_extra, auth0_extra)
    tenant.full_clean()
    tenant.save()
    published_version_bump(slug=tenant.slug)
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


def _chain_algs(tenant: Tenant) -> list[str]:
    """The algorithms the tenant has a chain for (a chain with only revoked keys is gone)."""
    keys = SigningKey.objects.for_tenant(tenant).exclude(state=SigningKey.State.REVOKED)
    return sorted(set(keys.values_list("alg", flat=True)))


def signing_keys_rotate(*, tenant: Tenant) -> list[ChainRotation]:
    """Rotate every key chain of the tenant: next -> current -> previous, and a new next (SPEC section 4).

    The new current key was already published as `next`, so verifiers that refreshed their JWKS
    since the last rotation know it before it signs anything. Earlier previous keys stay previous
    (published) until revoked: a rotation never takes a key out of the JWKS, only revocation does.

    Concurrency: the tenant row lock is taken before the chain is read, so rotations of one tenant
    run one after the other, each rotating the chain the one before it left; the partial unique
    constraints (one current, one next per tenant and algorithm) are the backstop. The new key
    pairs are generated before the transaction starts (RSA generation is the slow part), so the
    lock is held for a few queries only.
    """
    generated = {alg: generate_signing_key(alg=alg, common_name=tenant.slug) for alg in _chain_algs(tenant)}
    return _signing_keys_rotate_locked(tenant=tenant, generated=generated)


@transaction.atomic
def _signing_keys_rotate_locked(*, tenant: Tenant, generated: dict[str, GeneratedKey]) -> list[ChainRotation]:
    _tenant_lock(tenant)
    published_version_bump(slug=tenant.slug)
    now = timezone.now()
    results = []
    for alg in _chain_algs(tenant):  # read again under the lock: a chain may have appeared meanwhile
        chain = SigningKey.objects.for_tenant(tenant).filter(alg=alg)
        old_current = chain.filter(state=SigningKey.State.CURRENT).first()
        if old_current:
            chain.filter(pk=old_current.pk).update(
                state=SigningKey.State.PREVIOUS, current_until=now, updated_at=now
            )
        promoted = chain.filter(state=SigningKey.State.NEXT).first()
        if promoted:
            chain.filter(pk=promoted.pk).update(
                state=SigningKey.State.CURRENT, current_since=now, updated_at=now
            )
        else:  # a chain without a next key (never in normal operation) still gets a current one
            promoted = _new_key(tenant=tenant, alg=alg, state=SigningKey.State.CURRENT)
        new_next = generated.pop(alg, None) or generate_signing_key(alg=alg, common_name=tenant.slug)
        _save_key(tenant=tenant, generated=new_next, state=SigningKey.State.NEXT)
        results.append(
            ChainRotation(
                alg=alg,
                previous_kid=old_current.kid if old_current else None,
                current_kid=promoted.kid,
                next_kid=new_next.kid,
            )
        )
    return results


def _revoke_refusal(key: SigningKey) -> str:
    """Why a key that is not `previous` cannot be revoked, in one line (Auth0: previous keys only)."""
    if key.state == SigningKey.State.CURRENT:
        return (
            f"Only a previous key can be revoked: key {key.kid} is the current {key.alg} key, which signs "
            "new tokens. Rotate first so that it becomes previous, then revoke it."
        )
    if key.state == SigningKey.State.NEXT:
        return (
            f"Only a previous key can be revoked: key {key.kid} is the next {key.alg} key, published ahead "
            "so that verifiers know it before it signs; it becomes current at the next rotation."
        )
    return f"Only a previous key can be revoked: key {key.kid} is already revoked."


@transaction.atomic
def signing_key_revoke(*, tenant: Tenant, kid: str) -> SigningKey:
    """Revoke a previous key: it leaves the JWKS and tokens it signed stop verifying (SPEC section 4).

    Only a `previous` key: revoking the current key would leave the chain without a signer, and the
    next key has signed nothing. The key is read under the tenant lock, so a rotation running at the
    same time cannot turn the key current between the check and the write.
    """
    _tenant_lock(tenant)
    published_version_bump(slug=tenant.slug)
    key = SigningKey.objects.for_tenant(tenant).filter(kid=kid).first()
    if key is None:
        raise SigningKeyNotFound("Signing key not found.")
    if key.state != SigningKey.State.PREVIOUS:
        raise SigningKeyStateError(_revoke_refusal(key))
    key.state = SigningKey.State.REVOKED
    key.revoked_at = timezone.now()
    key.save(update_fields=["state", "revoked_at", "updated_at"])
    return key


def signing_keys_reencrypt() -> int:
    """Re-encrypt every stored private key (revoked ones too) under the first encryption key.

    Part of `reencrypt_secrets` (SPEC section 4); runs in the caller's transaction, and raises
    UndecryptableSecret naming the key when no configured key decrypts it. A private key is written
    once, when its row is created, so no lock is needed: a rotation running meanwhile changes
    states only, and only this column is written back.
    """
    keys = list(
        SigningKey.objects.select_related("tenant")
        .only("pk", "kid", "tenant__slug", "private_key_encrypted")
        .order_by("pk")
    )
    for key in keys:
        try:
            key.private_key_encrypted = crypto.reencrypt(key.private_key_encrypted)
        except crypto.UndecryptableSecret as exc:
            raise crypto.UndecryptableSecret(
                f"The private key of signing key {key.kid} (tenant {key.tenant.slug}) cannot be decrypted "
                "with any key in AUTHPORT_KEY_ENCRYPTION_KEYS."
            ) from exc
    SigningKey.objects.bulk_update(keys, ["private_key_encrypted"], batch_size=500)
    return len(keys)
