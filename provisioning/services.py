"""Setting up whole tenants: the tenant, its keys, its Management API and management client."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from apis.models import ResourceServer
from apis.services import resource_server_create
from apis.system import MANAGEMENT_API_NAME, MANAGEMENT_SCOPES
from clients.models import Client
from clients.services import client_create, client_grant_create
from tenants.models import Tenant
from tenants.services import tenant_create


@dataclass(frozen=True)
class ProvisionedTenant:
    tenant: Tenant
    management_api: ResourceServer
    management_client: Client
    management_client_secret: str

    def as_json(self) -> dict:
        return {
            "tenant": self.tenant.slug,
            "issuer": self.tenant.issuer,
            "management_client": {
                "client_id": self.management_client.client_id,
                "client_secret": self.management_client_secret,
            },
        }


@transaction.atomic
def tenant_provision(*, slug: str, friendly_name: str = "") -> ProvisionedTenant:
    """SPEC section 4 `create_tenant`: tenant, current and next RS256 keys, the system Management API
    (`{issuer}api/v2/`, RS256, every management scope) and a client granted all of them. One transaction."""
    if Tenant.objects.filter(slug=slug).exists():
        raise ValidationError(f'A tenant with slug "{slug}" already exists.')
    tenant = tenant_create(slug=slug, friendly_name=friendly_name)
    api = resource_server_create(
        tenant=tenant,
        identifier=tenant.management_audience,
        name=MANAGEMENT_API_NAME,
        signing_alg="RS256",
        is_system=True,
        scopes=[
            {"value": s, "description": s.replace(":", " ").replace("_", " ")} for s in MANAGEMENT_SCOPES
        ],
    )
    client, secret = client_create(
        tenant=tenant,
        name=f"{tenant.slug} management client",
        app_type=Client.AppType.NON_INTERACTIVE,
        grant_types=[Client.GrantType.CLIENT_CREDENTIALS],
        token_endpoint_auth_method=Client.AuthMethod.CLIENT_SECRET_POST,
    )
    client_grant_create(client=client, resource_server=api, scope=MANAGEMENT_SCOPES)
    return ProvisionedTenant(
        tenant=tenant, management_api=api, management_client=client, management_client_secret=secret
    )
