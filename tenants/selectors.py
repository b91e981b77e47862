"""Reads of tenants and their keys."""

from django.db.models import F

from core.prepared import PreparedQuery, loaded_instance
from tenants.errors import SigningKeyNotFound
from tenants.models import SigningKey, Tenant


def _tenant_query(*, slug: str):
    return (
        Tenant.objects.filter(slug=slug)
        .order_by()
        .annotate(default_audience_identifier=F("default_audience__identifier"))[:1]
    )


_TENANT = PreparedQuery(Tenant, _tenant_query, slug=str)


def tenant_get(*, slug: str) -> Tenant | None:
    """The tenant, with its Default Audience's identifier (its other fields load on access), in one
    query compiled once per process: every protocol and Management API request starts here."""
    found = _TENANT.run(slug=slug)
    if not found:
        return None
    tenant = found[0]
    default_audience_attach(tenant, tenant.default_audience_identifier)
    return tenant


def default_audience_attach(tenant: Tenant, identifier: str | None) -> None:
    """Cache the tenant's Default Audience from its id and identifier, read with the tenant (the
    audience rules need no more; its other fields load on access), so it costs no query of its own."""
    if tenant.default_audience_id is None:
        return
    api_model = Tenant.default_audience.field.related_model  # apis sits above tenants
    default_audience = loaded_instance(
        api_model,
        tenant._state.db,
        ["id", "tenant_id", "identifier"],
        [tenant.default_audience_id, tenant.pk, identifier],
    )
    Tenant.default_audience.field.set_cached_value(tenant, default_audience)


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
