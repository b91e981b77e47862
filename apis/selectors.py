"""Reads of APIs."""

from django.db.models import Q

from apis.errors import ResourceServerNotFound
from apis.models import ResourceServer
from tenants.models import Tenant


def resource_server_get(*, tenant: Tenant, id_or_identifier: str) -> ResourceServer:
    """By Auth0 `id` or by identifier, within the tenant only (another tenant's API is a 404)."""
    api = (
        ResourceServer.objects.for_tenant(tenant)
        .filter(Q(public_id=id_or_identifier) | Q(identifier=id_or_identifier))
        .first()
    )
    if api is None:
        raise ResourceServerNotFound()
    return api


def resource_server_find(*, tenant: Tenant, identifier: str) -> ResourceServer | None:
    return ResourceServer.objects.for_tenant(tenant).filter(identifier=identifier).first()
