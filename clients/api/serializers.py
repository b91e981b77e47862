"""JSON shapes of the application and client-grant endpoints: Auth0's field names (SPEC section 5)."""

from rest_framework import serializers

from clients.models import MAX_URL_LENGTH, Client
from management_api import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictListField,
    StrictSerializer,
    auth0_schema,
)


class JwtConfigurationInput(StrictSerializer):
    auth0_schema = auth0_schema.CLIENT_JWT_CONFIGURATION
    lifetime_in_seconds = StrictIntegerField(min_value=1, max_value=2_592_000, required=False)
    alg = StrictChoiceField([("RS256", "RS256")], required=False)  # ID tokens are always RS256 (SPEC 3)


def _urls(**kwargs):
    return StrictListField(child=StrictCharField(max_length=MAX_URL_LENGTH), required=False, **kwargs)


class ClientUpdateInput(StrictSerializer):
    """Auth0's client. The fields of Auth0's schema that Authport does not act on (`oidc_conformant`,
    `refresh_token`, `jwt_configuration.secret_encoded`, ...) are kept as given and returned."""

    auth0_schema = auth0_schema.CLIENT
    name = StrictCharField(min_length=1, max_length=200, required=False)
    description = StrictCharField(max_length=500, required=False, allow_blank=True)
    app_type = StrictChoiceField(Client.AppType.choices, required=False)
    is_first_party = StrictBooleanField(required=False)
    grant_types = StrictListField(child=StrictChoiceField(Client.GrantType.choices), required=False)
    callbacks = _urls()
    allowed_origins = _urls()
    web_origins = _urls()
    allowed_logout_urls = _urls()
    token_endpoint_auth_method = StrictChoiceField(Client.AuthMethod.choices, required=False)
    jwt_configuration = JwtConfigurationInput(required=False)


class ClientCreateInput(ClientUpdateInput):
    name = StrictCharField(min_length=1, max_length=200)


def client_fields(data: dict) -> dict:
    """Input fields as the services name them (`jwt_configuration.lifetime_in_seconds` is a column,
    its Auth0-only fields go with the client's under `auth0_extra["jwt_configuration"]`)."""
    data = dict(data)
    jwt_configuration = data.pop("jwt_configuration", None) or {}
    if "lifetime_in_seconds" in jwt_configuration:
        data["jwt_lifetime_in_seconds"] = jwt_configuration["lifetime_in_seconds"]
    if "auth0_extra" in jwt_configuration:
        data["auth0_extra"] = {
            **data.get("auth0_extra", {}),
            "jwt_configuration": jwt_configuration["auth0_extra"],
        }
    return data


class JwtConfigurationOutput(serializers.Serializer):
    lifetime_in_seconds = serializers.IntegerField(source="jwt_lifetime_in_seconds")
    alg = serializers.SerializerMethodField()
    secret_encoded = serializers.SerializerMethodField()

    def get_alg(self, client) -> str:
        return "RS256"

    def get_secret_encoded(self, client) -> bool:
        return client.auth0_extra.get("jwt_configuration", {}).get("secret_encoded", False)

    def to_representation(self, client) -> dict:
        return {**client.auth0_extra.get("jwt_configuration", {}), **super().to_representation(client)}


class ClientOutput(serializers.Serializer):
    """Auth0's client. The secret is stored hashed, so it appears only where it is made (create, rotate)."""

    client_id = serializers.CharField()
    tenant = serializers.CharField(source="tenant.slug")
    name = serializers.CharField()
    description = serializers.CharField()
    app_type = serializers.ChoiceField(Client.AppType.choices)
    is_first_party = serializers.BooleanField()
    grant_types = serializers.ListField(child=serializers.CharField())
    callbacks = serializers.ListField(child=serializers.CharField())
    allowed_origins = serializers.ListField(child=serializers.CharField())
    web_origins = serializers.ListField(child=serializers.CharField())
    allowed_logout_urls = serializers.ListField(child=serializers.CharField())
    token_endpoint_auth_method = serializers.ChoiceField(Client.AuthMethod.choices)
    jwt_configuration = JwtConfigurationOutput(source="*")

    def to_representation(self, client) -> dict:
        extra = {k: v for k, v in client.auth0_extra.items() if k != "jwt_configuration"}
        return {**extra, **super().to_representation(client)}


class ClientWithSecretOutput(ClientOutput):
    """What create and rotate-secret answer: the client with its new secret, shown this once."""

    client_secret = serializers.CharField()


def client_with_secret(client: Client, secret: str) -> dict:
    return {**ClientOutput(client).data, "client_secret": secret}


class ClientGrantCreateInput(StrictSerializer):
    auth0_schema = auth0_schema.CLIENT_GRANT
    client_id = StrictCharField(min_length=1)
    audience = StrictCharField(min_length=1, max_length=600)
    scope = StrictListField(child=StrictCharField(min_length=1, max_length=280), required=False)


class ClientGrantUpdateInput(StrictSerializer):
    auth0_schema = auth0_schema.CLIENT_GRANT_UPDATE
    scope = StrictListField(child=StrictCharField(min_length=1, max_length=280), required=False)


class ClientGrantOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    client_id = serializers.CharField(source="client.client_id")
    audience = serializers.CharField(source="resource_server.identifier")
    scope = serializers.ListField(child=serializers.CharField())

    def to_representation(self, grant) -> dict:
        return {**grant.auth0_extra, **super().to_representation(grant)}
