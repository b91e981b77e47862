"""Management API: applications and client grants (Auth0 `/api/v2/clients`, `/api/v2/client-grants`)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apis.errors import ResourceServerNotFound
from apis.selectors import resource_server_find
from clients.api.serializers import (
    ClientCreateInput,
    ClientGrantCreateInput,
    ClientGrantOutput,
    ClientGrantUpdateInput,
    ClientOutput,
    ClientUpdateInput,
    ClientWithSecretOutput,
    client_fields,
    client_with_secret,
)
from clients.selectors import client_get, client_grant_get, client_grants_list, clients_list
from clients.services import (
    client_create,
    client_delete,
    client_grant_create,
    client_grant_delete,
    client_grant_update,
    client_rotate_secret,
    client_update,
)
from management_api import CHECKPOINT_PARAMETERS, PAGINATION_PARAMETERS, AnyOf, TenantApiView, list_schema


class ClientListApi(TenantApiView):
    required_scopes = {"GET": "read:clients", "POST": "create:clients"}

    @extend_schema(
        operation_id="clients_list",
        parameters=PAGINATION_PARAMETERS,
        responses=list_schema("clients", ClientOutput),
    )
    def get(self, request, tenant_slug):
        return self.list_response(self.paginate(clients_list(tenant=self.tenant)), "clients", ClientOutput)

    @extend_schema(
        operation_id="clients_create", request=ClientCreateInput, responses={201: ClientWithSecretOutput}
    )
    def post(self, request, tenant_slug):
        client, secret = client_create(tenant=self.tenant, **client_fields(self.body(ClientCreateInput)))
        return Response(client_with_secret(client, secret), status=status.HTTP_201_CREATED)


class ClientDetailApi(TenantApiView):
    required_scopes = {"GET": "read:clients", "PATCH": "update:clients", "DELETE": "delete:clients"}

    @extend_schema(operation_id="clients_get", responses=ClientOutput)
    def get(self, request, tenant_slug, client_id):
        return Response(ClientOutput(client_get(tenant=self.tenant, client_id=client_id)).data)

    @extend_schema(operation_id="clients_update", request=ClientUpdateInput, responses=ClientOutput)
    def patch(self, request, tenant_slug, client_id):
        client = client_get(tenant=self.tenant, client_id=client_id)
        client = client_update(client=client, **client_fields(self.body(ClientUpdateInput, partial=True)))
        return Response(ClientOutput(client).data)

    @extend_schema(operation_id="clients_delete", responses={204: None})
    def delete(self, request, tenant_slug, client_id):
        client_delete(client=client_get(tenant=self.tenant, client_id=client_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientRotateSecretApi(TenantApiView):
    """A new secret replaces the old one at once (Auth0's rotate-secret); answered once, stored hashed.

    Auth0 asks for update:client_keys; the tenant's management client is granted update:clients
    (provisioning's scope list has no *:client_keys), so either is accepted.
    """

    required_scopes = {"POST": AnyOf("update:client_keys", "update:clients")}

    @extend_schema(operation_id="clients_rotate_secret", request=None, responses=ClientWithSecretOutput)
    def post(self, request, tenant_slug, client_id):
        client = client_get(tenant=self.tenant, client_id=client_id)
        secret = client_rotate_secret(client=client)
        return Response(client_with_secret(client, secret))


class ClientGrantListApi(TenantApiView):
    required_scopes = {"GET": "read:client_grants", "POST": "create:client_grants"}

    class FilterQuery(serializers.Serializer):
        audience = serializers.CharField(required=False)
        client_id = serializers.CharField(required=False)

    @extend_schema(
        operation_id="client_grants_list",
        parameters=[
            *PAGINATION_PARAMETERS,
            *CHECKPOINT_PARAMETERS,
            OpenApiParameter("audience", str, description="Only grants for this API identifier."),
            OpenApiParameter("client_id", str, description="Only grants of this client."),
        ],
        responses=list_schema("client_grants", ClientGrantOutput, checkpoint=True),
    )
    def get(self, request, tenant_slug):
        grants = client_grants_list(tenant=self.tenant, **self.query(self.FilterQuery))
        return self.list_response(self.paginate(grants), "client_grants", ClientGrantOutput)

    @extend_schema(
        operation_id="client_grants_create",
        request=ClientGrantCreateInput,
        responses={201: ClientGrantOutput},
    )
    def post(self, request, tenant_slug):
        data = self.body(ClientGrantCreateInput)
        client = client_get(tenant=self.tenant, client_id=data["client_id"])
        api = resource_server_find(tenant=self.tenant, identifier=data["audience"])
        if api is None:
            raise ResourceServerNotFound()
        grant = client_grant_create(
            client=client,
            resource_server=api,
            scope=data.get("scope", []),
            auth0_extra=data.get("auth0_extra"),
        )
        return Response(ClientGrantOutput(grant).data, status=status.HTTP_201_CREATED)


class ClientGrantDetailApi(TenantApiView):
    required_scopes = {
        "GET": "read:client_grants",
        "PATCH": "update:client_grants",
        "DELETE": "delete:client_grants",
    }

    @extend_schema(operation_id="client_grants_get", responses=ClientGrantOutput)
    def get(self, request, tenant_slug, id):
        return Response(ClientGrantOutput(client_grant_get(tenant=self.tenant, grant_id=id)).data)

    @extend_schema(
        operation_id="client_grants_update", request=ClientGrantUpdateInput, responses=ClientGrantOutput
    )
    def patch(self, request, tenant_slug, id):
        grant = client_grant_get(tenant=self.tenant, grant_id=id)
        data = self.body(ClientGrantUpdateInput, partial=True)
        if data:
            grant = client_grant_update(
                grant=grant, scope=data.get("scope"), auth0_extra=data.get("auth0_extra")
            )
        return Response(ClientGrantOutput(grant).data)

    @extend_schema(operation_id="client_grants_delete", responses={204: None})
    def delete(self, request, tenant_slug, id):
        client_grant_delete(grant=client_grant_get(tenant=self.tenant, grant_id=id))
        return Response(status=status.HTTP_204_NO_CONTENT)
