"""JSON shapes of the application and client-grant endpoints: Auth0's field names (SPEC section 5)."""

from rest_framework import serializers

from clients.models import AUTH0_ONLY_GRANT_TYPES, MAX_REFRESH_TOKEN_LEEWAY, MAX_URL_LENGTH, Client
from management_api import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictListField,
    StrictSerializer,
    auth0_schema,
)

GRANT_TYPE_CHOICES = [*Client.GrantType.values, *AUTH0_ONLY_GRANT_TYPES]


class JwtConfigurationInput(StrictSerializer):
    auth0_schema = auth0_schema.CLIENT_JWT_CONFIGURATION
    lifetime_in_seconds = StrictIntegerField(min_value=1, max_value=2_592_000, required=False)
    alg = StrictChoiceField([("RS256", "RS256")], required=False)  # ID tokens are always RS256 (SPEC 3)


class RefreshTokenInput(StrictSerializer):
    """Auth0's `refresh_token`: Authport acts on `leeway` (the reuse interval) and keeps the rest as
    given (it always rotates, with its own lifetimes)."""

    auth0_schema = auth0_schema.CLIENT_REFRESH_TOKEN
    leeway = StrictIntegerField(min_value=0, max_value=MAX_REFRESH_TOKEN_LEEWAY, required=False)


def _urls(**kwargs):
    return StrictListField(child=StrictCharField(max_length=MAX_URL_LENGTH), required=False, **kwargs)


class ClientUpdateInput(StrictSerializer):
    """Auth0's client. The fields of Auth0's schema that Authport does not act on (`oidc_conformant`,
    `refresh_token.rotation_type`, `jwt_configuration.secret_encoded`, ...) are kept as given and
    returned."""

    auth0_schema = auth0_schema.CLIENT
    name = StrictCharField(min_length=1, max_length=200, required=False)
    description = StrictCharField(max_length=500, required=False, allow_blank=True)
    app_type = StrictChoiceField(Client.AppType.choices, required=False)
    is_first_party = StrictBooleanField(required=False)
    # Every Auth0 grant type: the ones Authport does not implement are kept and returned, never granted.
    grant_types = StrictListField(child=StrictChoiceField(GRANT_TYPE_CHOICES), required=False)
    callbacks = _urls()
    allowed_origins = _urls()
    web_origins = _urls()
    allowed_logout_urls = _urls()
    token_endpoint_auth_method = StrictChoiceField(Client.AuthMethod.choices, required=False)
    jwt_configuration = JwtConfigurationInput(required=False)
    refresh_token = RefreshTokenInput(required=False)


class ClientCreateInput(ClientUpdateInput):
    name = StrictCharField(min_length=1, max_length=200)


# Nested objects whose Auth0-only fields are kept under auth0_extra[name]: name -> {field: column}.
NESTED = {
    "jwt_configuration": {"lifetime_in_seconds": "jwt_lifetime_in_seconds"},
    "refresh_token": {"leeway": "refresh_token_leeway"},
}


def client_fields(data: dict) -> dict:
    """Input fields as the services name them (`jwt_configuration.lifetime_in_seconds` and
    `refresh_token.leeway` are columns, the Auth0-only fields of those objects go with the client's
    under `auth0_extra["jwt_configuration"]` and `auth0_extra["refresh_token"]`)."""
    data = dict(data)
    for name, columns in NESTED.items():
        nested = data.pop(name, None) or {}
        for field, column in columns.items():
            if field in nested:
                data[column] = nested[field]
        if "auth0_extra" in nested:
            data["auth0_extra"] = {**data.get("auth0_extra", {}), name: nested["auth0_extra"]}
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


def refresh_token_output(client) -> dict | None:
    """Auth0's `refresh_token` as kept, with the leeway Authport acts on; absent when neither was set."""
    kept = client.auth0_extra.get("refresh_token")
    if kept is None and not client.refresh_token_leeway:
        return None
    return {**(kept or {}), "leeway": client.refresh_token_leeway}


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
        extra = {k: v for k, v in client.auth0_extra.items() if k not in NESTED}
        refresh_token = refresh_token_output(client)
        if refresh_token is not None:
            extra["refresh_token"] = refresh_token
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
    audience = serializers.CharField(source="resource_server.audience")
    scope = serializers.ListField(child=serializers.CharField())

    def to_representation(self, grant) -> dict:
        return {**grant.auth0_extra, **super().to_representation(grant)}
