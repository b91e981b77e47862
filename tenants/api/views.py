"""Management API: tenant settings, signing keys and custom domains (Auth0 `/api/v2/tenants/settings`,
`/api/v2/keys/signing`, `/api/v2/custom-domains`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

# The Default Audience is an API: this REST layer reads apis' selectors (the domain layers stay one-way).
from apis.selectors import resource_server_find
from management_api import AllOf, TenantApiView
from tenants.api.serializers import (
    CustomDomainCreateInput,
    CustomDomainOutput,
    SigningKeyCertOutput,
    SigningKeyOutput,
    TenantSettingsInput,
    TenantSettingsOutput,
)
from tenants.domains import custom_domain_create, custom_domain_delete, custom_domain_get, custom_domains_list
from tenants.models import SigningKey
from tenants.selectors import signing_key_get, signing_keys_list
from tenants.services import signing_key_revoke, signing_keys_rotate, tenant_update


class TenantSettingsApi(TenantApiView):
    required_scopes = {"GET": "read:tenant_settings", "PATCH": "update:tenant_settings"}

    @extend_schema(operation_id="tenant_settings_get", responses=TenantSettingsOutput)
    def get(self, request, tenant_slug):
        return Response(TenantSettingsOutput(self.tenant).data)

    @extend_schema(
        operation_id="tenant_settings_update", request=TenantSettingsInput, responses=TenantSettingsOutput
    )
    def patch(self, request, tenant_slug):
        data = self.body(TenantSettingsInput, partial=True)
        if "default_audience" in data:
            data["default_audience"] = self._api_of_tenant(data["default_audience"])
        tenant = tenant_update(tenant=self.tenant, **data)
        return Response(TenantSettingsOutput(tenant).data)

    def _api_of_tenant(self, identifier: str | None):
        """The API named by `default_audience`; "" or null clears it (None)."""
        if not identifier:
            return None
        api = resource_server_find(tenant=self.tenant, identifier=identifier)
        if api is None:
            raise ValidationError(
                {"default_audience": [f"No API of this tenant has the identifier {identifier}."]}
            )
        return api


class SigningKeyListApi(TenantApiView):
    required_scopes = {"GET": "read:signing_keys"}

    @extend_schema(operation_id="signing_keys_list", responses=SigningKeyOutput(many=True))
    def get(self, request, tenant_slug):
        return Response(SigningKeyOutput(signing_keys_list(tenant=self.tenant), many=True).data)


class SigningKeyDetailApi(TenantApiView):
    required_scopes = {"GET": "read:signing_keys"}

    @extend_schema(operation_id="signing_keys_get", responses=SigningKeyOutput)
    def get(self, request, tenant_slug, kid):
        return Response(SigningKeyOutput(signing_key_get(tenant=self.tenant, kid=kid)).data)


class SigningKeyRotateApi(TenantApiView):
    """Rotate every chain (SPEC section 4); answers the new next RS256 key, as Auth0 answers its one chain."""

    log_operations = {"POST": "Rotate signing keys"}

    required_scopes = {"POST": AllOf("create:signing_keys", "update:signing_keys")}

    @extend_schema(operation_id="signing_keys_rotate", request=None, responses={201: SigningKeyCertOutput})
    def post(self, request, tenant_slug):
        rotations = signing_keys_rotate(tenant=self.tenant)
        rotation = next((r for r in rotations if r.alg == SigningKey.Alg.RS256), rotations[0])
        new_next = signing_key_get(tenant=self.tenant, kid=rotation.next_kid)
        return Response(SigningKeyCertOutput(new_next).data, status=status.HTTP_201_CREATED)


class SigningKeyRevokeApi(TenantApiView):
    """Revoke a previous key: it leaves the JWKS and its tokens stop verifying."""

    log_operations = {"PUT": "Revoke a signing key", "POST": "Revoke a signing key"}

    required_scopes = {"PUT": "update:signing_keys"}

    @extend_schema(operation_id="signing_keys_revoke", request=None, responses=SigningKeyCertOutput)
    def put(self, request, tenant_slug, kid):
        key = signing_key_revoke(tenant=self.tenant, kid=kid)
        return Response(SigningKeyCertOutput(key).data)


class CustomDomainListApi(TenantApiView):
    """The tenant's custom domains; a new one waits for the operator's verification (SPEC section 1)."""

    required_scopes = {"GET": "read:custom_domains", "POST": "create:custom_domains"}

    @extend_schema(operation_id="custom_domains_list", responses=CustomDomainOutput(many=True))
    def get(self, request, tenant_slug):
        return Response(CustomDomainOutput(custom_domains_list(tenant=self.tenant), many=True).data)

    @extend_schema(
        operation_id="custom_domains_create",
        request=CustomDomainCreateInput,
        responses={201: CustomDomainOutput},
    )
    def post(self, request, tenant_slug):
        custom_domain = custom_domain_create(tenant=self.tenant, **self.body(CustomDomainCreateInput))
        return Response(CustomDomainOutput(custom_domain).data, status=status.HTTP_201_CREATED)


class CustomDomainDetailApi(TenantApiView):
    required_scopes = {"GET": "read:custom_domains", "DELETE": "delete:custom_domains"}

    @extend_schema(operation_id="custom_domains_get", responses=CustomDomainOutput)
    def get(self, request, tenant_slug, custom_domain_id):
        custom_domain = custom_domain_get(tenant=self.tenant, custom_domain_id=custom_domain_id)
        return Response(CustomDomainOutput(custom_domain).data)

    @extend_schema(operation_id="custom_domains_delete", responses={204: None})
    def delete(self, request, tenant_slug, custom_domain_id):
        custom_domain_delete(tenant=self.tenant, custom_domain_id=custom_domain_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomDomainVerifyApi(TenantApiView):
    """Report the domain's verification status. Only the operator makes a domain live (it controls DNS
    and TLS here: `manage.py verify_custom_domain`), so this never changes it (SPEC section 1)."""

    log_operations = {"POST": "Verify a custom domain"}
    required_scopes = {"POST": "create:custom_domains"}

    @extend_schema(operation_id="custom_domains_verify", request=None, responses=CustomDomainOutput)
    def post(self, request, tenant_slug, custom_domain_id):
        custom_domain = custom_domain_get(tenant=self.tenant, custom_domain_id=custom_domain_id)
        return Response(CustomDomainOutput(custom_domain).data)
