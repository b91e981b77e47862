"""Reads of applications and client grants, always within one tenant (another tenant's rows are 404s)."""

from clients.errors import ClientGrantNotFound, ClientNotFound
from clients.models import Client, ClientGrant
from tenants.models import Tenant


def clients_list(*, tenant: Tenant):
    """The tenant's applications in creation order (stable pages)."""
    return Client.objects.for_tenant(tenant).order_by("pk")


def client_get(*, tenant: Tenant, client_id: str) -> Client:
    client = Client.objects.for_tenant(tenant).filter(client_id=client_id).first()
    if client is None:
        raise ClientNotFound()
    return client


def client_grants_list(*, tenant: Tenant, audience: str | None = None, client_id: str | None = None):
    """The tenant's client grants in creation order, filtered as Auth0's list is (audience, client_id;
    the management audience and its path-based alias name the system API)."""
    grants = (
        ClientGrant.objects.for_tenant(tenant)
        .select_related("client", "resource_server__tenant")  # the system API's audience is the tenant's
        .order_by("pk")
    )
    if audience is not None and audience in tenant.management_audience_aliases:
        grants = grants.filter(resource_server__is_system=True)
    elif audience is not None:
        grants = grants.filter(resource_server__identifier=audience)
    if client_id is not None:
        grants = grants.filter(client__client_id=client_id)
    return grants


def client_grant_get(*, tenant: Tenant, grant_id: str) -> ClientGrant:
    grant = (
        ClientGrant.objects.for_tenant(tenant)
        .select_related("client", "resource_server__tenant")
        .filter(public_id=grant_id)
        .first()
    )
    if grant is None:
        raise ClientGrantNotFound()
    return grant
