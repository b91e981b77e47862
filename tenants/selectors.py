"""Reads of tenants and their keys."""

from tenants.errors import SigningKeyNotFound
from tenants.models import SigningKey, Tenant


def tenant_get(*, slug: str) -> Tenant | None:
    return Tenant.objects.select_related("default_audience").filter(slug=slug).first()


def signing_keys_published(*, tenant: Tenant) -> list[SigningKey]:
    """The keys a JWKS lists: next, current and previous (SPEC section 4)."""
    return list(
        SigningKey.objects.for_tenant(tenant)
        .filter(state__in=SigningKey.PUBLISHED_STATES)
        .order_by("alg", "created_at")
    )


def signing_key_current(*, tenant: Tenant, alg: str) -> SigningKey | None:
    return SigningKey.objects.for_tenant(tenant).filter(alg=alg, state=SigningKey.State.CURRENT).first()


def signing_keys_list(*, tenant: Tenant) -> list[SigningKey]:
    """Every signing key of the tenant, revoked ones included, per chain oldest first (Auth0's list)."""
    return list(SigningKey.objects.for_tenant(tenant).order_by("alg", "created_at", "pk"))


def signing_key_get(*, tenant: Tenant, kid: str) -> SigningKey:
    key = SigningKey.objects.for_tenant(tenant).filter(kid=kid).first()
    if key is None:
        raise SigningKeyNotFound("Signing key not found.")
    return key
