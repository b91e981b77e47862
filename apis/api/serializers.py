"""JSON shapes of the resource-server (API) endpoints: Auth0's field names (SPEC section 5)."""

from rest_framework import serializers

from apis.models import MAX_TOKEN_LIFETIME, ResourceServer, validate_api_name
from apis.selectors import hs256_previous_secret
from management_api import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictListField,
    StrictSerializer,
    auth0_schema,
)


class ScopeSerializer(StrictSerializer):
    value = StrictCharField(min_length=1, max_length=280)
    description = StrictCharField(max_length=500, required=False, allow_blank=True)


class ResourceServerUpdateInput(StrictSerializer):
    """PATCH: every field optional; `identifier` is not among them, so sending it is refused (Auth0).
    The fields of Auth0's schema that Authport does not act on are kept as given and returned."""

    auth0_schema = auth0_schema.RESOURCE_SERVER

    name = StrictCharField(
        min_length=1,
        max_length=200,
        required=False,
        validators=[validate_api_name],
    )
    signing_alg = StrictChoiceField(ResourceServer.SigningAlg.choices, required=False)
    signing_secret = StrictCharField(min_length=1, required=False)
    scopes = StrictListField(child=ScopeSerializer(), required=False)
    token_lifetime = StrictIntegerField(min_value=1, max_value=MAX_TOKEN_LIFETIME, required=False)
    token_lifetime_for_web = StrictIntegerField(min_value=1, max_value=MAX_TOKEN_LIFETIME, required=False)
    allow_offline_access = StrictBooleanField(required=False)
    skip_consent_for_verifiable_first_party_clients = StrictBooleanField(required=False)
    enforce_policies = StrictBooleanField(required=False)
    token_dialect = StrictChoiceField(ResourceServer.TokenDialect.choices, required=False)


class ResourceServerCreateInput(ResourceServerUpdateInput):
    identifier = StrictCharField(min_length=1, max_length=600)


class ResourceServerOutput(serializers.Serializer):
    """Auth0's resource server. `signing_secret` only for HS256; the previous secret only during its grace."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    identifier = serializers.CharField(source="audience")
    is_system = serializers.BooleanField()
    signing_alg = serializers.ChoiceField(ResourceServer.SigningAlg.choices)
    signing_secret = serializers.CharField(required=False)
    previous_signing_secret = serializers.CharField(required=False)
    previous_signing_secret_expires_at = serializers.DateTimeField(required=False)
    scopes = ScopeSerializer(many=True)
    token_lifetime = serializers.IntegerField()
    token_lifetime_for_web = serializers.IntegerField()
    allow_offline_access = serializers.BooleanField()
    skip_consent_for_verifiable_first_party_clients = serializers.BooleanField()
    enforce_policies = serializers.BooleanField()
    token_dialect = serializers.ChoiceField(ResourceServer.TokenDialect.choices)

    def to_representation(self, api: ResourceServer) -> dict:
        data = {**api.auth0_extra, **super().to_representation(api)}
        if not api.is_symmetric:
            del data["signing_secret"]
        previous = hs256_previous_secret(api)
        if previous is None:
            del data["previous_signing_secret"]
            del data["previous_signing_secret_expires_at"]
        return data
