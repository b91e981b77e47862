"""Management API: resource servers (Auth0 `/api/v2/resource-servers`)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apis.api.serializers import ResourceServerCreateInput, ResourceServerOutput, ResourceServerUpdateInput
from apis.selectors import resource_server_get, resource_servers_list
from apis.services import resource_server_create, resource_server_delete, resource_server_update
from management_api import PAGINATION_PARAMETERS, TenantApiView, list_schema


class ResourceServerListApi(TenantApiView):
    required_scopes = {"GET": "read:resource_servers", "POST": "create:resource_servers"}

    class FilterQuery(serializers.Serializer):
        identifiers = serializers.ListField(child=serializers.CharField(), required=False, max_length=10)

    @extend_schema(
        operation_id="resource_servers_list",
        parameters=[
            *PAGINATION_PARAMETERS,
            OpenApiParameter("identifiers", str, many=True, description="Only these identifiers (max 10)."),
        ],
        responses=list_schema("resource_servers", ResourceServerOutput),
    )
    def get(self, request, tenant_slug):
        identifiers = self.query(self.FilterQuery).get("identifiers")
        apis = resource_servers_list(tenant=self.tenant, identifiers=identifiers)
        return self.list_response(self.paginate(apis), "resource_servers", ResourceServerOutput)

    @extend_schema(
        operation_id="resource_servers_create",
        request=ResourceServerCreateInput,
        responses={201: ResourceServerOutput},
    )
    def post(self, request, tenant_slug):
        api = resource_server_create(tenant=self.tenant, **self.body(ResourceServerCreateInput))
        return Response(ResourceServerOutput(api).data, status=status.HTTP_201_CREATED)


class ResourceServerDetailApi(TenantApiView):
    """`id` is the Auth0 id or the (URL-encoded) identifier."""

    required_scopes = {
        "GET": "read:resource_servers",
        "PATCH": "update:resource_servers",
        "DELETE": "delete:resource_servers",
    }

    @extend_schema(operation_id="resource_servers_get", responses=ResourceServerOutput)
    def get(self, request, tenant_slug, id):
        api = resource_server_get(tenant=self.tenant, id_or_identifier=id)
        return Response(ResourceServerOutput(api).data)

    @extend_schema(
        operation_id="resource_servers_update",
        request=ResourceServerUpdateInput,
        responses=ResourceServerOutput,
    )
    def patch(self, request, tenant_slug, id):
        api = resource_server_get(tenant=self.tenant, id_or_identifier=id)
        api = resource_server_update(api=api, **self.body(ResourceServerUpdateInput, partial=True))
        return Response(ResourceServerOutput(api).data)

    @extend_schema(operation_id="resource_servers_delete", responses={204: None})
    def delete(self, request, tenant_slug, id):
        resource_server_delete(api=resource_server_get(tenant=self.tenant, id_or_identifier=id))
        return Response(status=status.HTTP_204_NO_CONTENT)
