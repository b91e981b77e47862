"""Reads of APIs."""

import datetime as dt
import difflib

from django.db.models import Q
from django.utils import timezone

from apis.errors import ResourceServerNotFound
from apis.models import ResourceServer
from tenants.models import Tenant


def resource_server_get(*, tenant: Tenant, id_or_identifier: str) -> ResourceServer:
    """By Auth0 `id` or by identifier, within the tenant only (another tenant's API is a 404); the
    management audience and its path-based alias name the system API."""
    by_identifier = (
        Q(is_system=True)
        if id_or_identifier in tenant.management_audience_aliases
        else Q(identifier=id_or_identifier)
    )
    api = (
        ResourceServer.objects.for_tenant(tenant)
        .filter(Q(public_id=id_or_identifier) | by_identifier)
        .first()
    )
    if api is None:
        raise ResourceServerNotFound()
    return api


def resource_server_find(*, tenant: Tenant, identifier: str) -> ResourceServer | None:
    """The API of that identifier. The management audience (and its path-based alias) is the system
    API, whichever of them it was stored under when the tenant was made (SPEC section 1)."""
    if identifier in tenant.management_audience_aliases:
        return ResourceServer.objects.for_tenant(tenant).filter(is_system=True).first()
    return ResourceServer.objects.for_tenant(tenant).filter(identifier=identifier).first()


def resource_server_identifiers(*, tenant: Tenant) -> list[str]:
    """The identifiers of the tenant's own APIs (not the system API), by name: what a user could mean."""
    return list(
        ResourceServer.objects.for_tenant(tenant)
        .filter(is_system=False)
        .order_by("name")
        .values_list("identifier", flat=True)
    )


def resource_server_nearest_identifier(identifier: str, identifiers: list[str]) -> str | None:
    """The registered identifier closest to a mistyped one ("did you mean"), e.g. a missing trailing slash.

    Identifiers match exactly (SPEC section 2), so the explainer and the commands suggest, never guess.
    """
    close = difflib.get_close_matches(identifier, identifiers, n=1, cutoff=0.6)
    return close[0] if close else None


def previous_secret_in_grace(api: ResourceServer, *, now: dt.datetime | None = None) -> bool:
    """Whether the API's previous HS256 secret still verifies: its grace period has not run out."""
    expires_at = api.previous_signing_secret_expires_at
    return (
        bool(api.previous_signing_secret_encrypted)
        and expires_at is not None
        and expires_at > (now or timezone.now())
    )


def hs256_previous_secret(
    api: ResourceServer, *, now: dt.datetime | None = None
) -> tuple[str, dt.datetime] | None:
    """The previous HS256 secret and when it stops verifying, while its grace runs (SPEC section 4).

    What the Management API returns as `previous_signing_secret` / `..._expires_at`; None once the
    grace period is over, even before a later rotation or `reencrypt_secrets` clears the column.
    """
    if not api.is_symmetric or not previous_secret_in_grace(api, now=now):
        return None
    return api.previous_signing_secret, api.previous_signing_secret_expires_at


def hs256_verification_secrets(api: ResourceServer, *, now: dt.datetime | None = None) -> list[str]:
    """The secrets an HS256 token of this API verifies with, current first (SPEC section 4).

    The current secret, plus the previous one while its grace period runs, so that tokens signed
    just before a rotation keep verifying until then. Empty for an API that does not sign with HS256.
    """
    if not api.is_symmetric:
        return []
    previous = hs256_previous_secret(api, now=now)
    return [api.signing_secret] + ([previous[0]] if previous else [])


def resource_servers_list(*, tenant: Tenant, identifiers: list[str] | None = None):
    """The tenant's APIs in creation order (stable pages), optionally only these identifiers."""
    apis = ResourceServer.objects.for_tenant(tenant).order_by("pk")
    if identifiers is not None:
        apis = apis.filter(identifier__in=identifiers)
    return apis
