"""Management API: the token explainer (SPEC section 7), `POST /{slug}/api/v2/token-explanations`."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from management_api import StrictCharField, StrictSerializer, TenantApiView
from tokens.explanation.explain import explain_request, explain_token


class TokenExplanationInput(StrictSerializer):
    """Either a token request (no secrets needed) or a presented token."""

    token = StrictCharField(required=False, max_length=16384)
    grant_type = StrictCharField(required=False, max_length=100)
    client_id = StrictCharField(required=False, max_length=64)
    audience = StrictCharField(required=False, max_length=600)
    resource = StrictCharField(required=False, max_length=600)
    scope = StrictCharField(required=False, max_length=2000)

    def validate(self, attrs):
        if "token" in attrs and len(attrs) > 1:
            raise serializers.ValidationError(
                "Send either a token, or a token request (grant_type, client_id, ...), not both."
            )
        if "token" not in attrs and not {"grant_type", "client_id"} <= set(attrs):
            raise serializers.ValidationError(
                "A token request needs grant_type and client_id (or send a token)."
            )
        return attrs


ExplanationOutput = inline_serializer(
    "TokenExplanation",
    {
        "outcome": serializers.DictField(),
        "steps": serializers.ListField(child=serializers.DictField()),
        "summary": serializers.CharField(),
        "fix": serializers.CharField(allow_null=True),
    },
)


class TokenExplanationApi(TenantApiView):
    required_scopes = {"POST": "read:resource_servers"}
    records_writes = False  # a dry run reads; nothing changes

    @extend_schema(
        operation_id="token_explanations_create", request=TokenExplanationInput, responses=ExplanationOutput
    )
    def post(self, request, tenant_slug):
        data = self.body(TokenExplanationInput)
        if "token" in data:
            return Response(explain_token(tenant=self.tenant, token=data["token"]))
        return Response(explain_request(tenant=self.tenant, **data))
