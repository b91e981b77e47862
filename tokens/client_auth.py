"""Client authentication at the token endpoint (RFC 6749 section 2.3): basic, post, or none."""

import base64
import binascii
from urllib.parse import unquote_plus

from django.db.models import F

from apis.models import ResourceServer
from clients.models import Client
from core.exceptions import InvalidClient, InvalidRequest, NotFound
from core.prepared import PreparedQuery
from tenants.models import Tenant

# What the token endpoint reads of a client; the rest stays deferred.
CLIENT_FIELDS = (
    "tenant_id",
    "client_id",
    "name",  # the log event's client_name
    "client_secret_hash",
    "grant_types",
    "token_endpoint_auth_method",
    "app_type",
    "jwt_lifetime_in_seconds",
    "refresh_token_leeway",  # the reuse interval of a refresh token's rotation
)


def _client_query(*, client_id: str, tenant_slug: str):
    return (
        Client.objects.filter(client_id=client_id, tenant__slug=tenant_slug)
        .only(*CLIENT_FIELDS)
        .order_by()
        .annotate(
            tenant_default_audience_id=F("tenant__default_audience_id"),
            tenant_default_audience_identifier=F("tenant__default_audience__identifier"),
        )[:1]
    )


_CLIENT = PreparedQuery(Client, _client_query, client_id=str, tenant_slug=str)


def client_with_tenant(*, client_id: str, tenant_slug: str) -> Client | None:
    """The client with its tenant and Default Audience attached, in one query compiled once per process.

    The tenant and its Default Audience are built with only the fields the token endpoint reads;
    any other field loads on access, as a deferred field does.
    """
    found = _CLIENT.run(client_id=client_id, tenant_slug=tenant_slug)
    if not found:
        return None
    client = found[0]
    tenant = Tenant.from_db(
        client._state.db,
        ["id", "slug", "default_audience_id"],
        [client.tenant_id, tenant_slug, client.tenant_default_audience_id],
    )
    if client.tenant_default_audience_id is not None:
        default_audience = ResourceServer.from_db(
            client._state.db,
            ["id", "tenant_id", "identifier"],
            [client.tenant_default_audience_id, client.tenant_id, client.tenant_default_audience_identifier],
        )
        Tenant.default_audience.field.set_cached_value(tenant, default_audience)
    Client.tenant.field.set_cached_value(client, tenant)
    return client


BAD_CREDENTIALS = "Client authentication failed: unknown client or wrong client credentials."


class InvalidClientBasic(InvalidClient):
    """Marks a failure of HTTP Basic authentication, answered with a WWW-Authenticate challenge."""


def _basic_credentials(header: str) -> tuple[str, str] | None:
    if not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClientBasic("The Authorization header is not valid HTTP Basic authentication.") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClientBasic("The Authorization header is not valid HTTP Basic authentication.")
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if "\x00" in client_id + secret:  # matches no client, and PostgreSQL refuses it in a query
        raise InvalidClientBasic(
            "The client credentials in the Authorization header contain a NUL character."
        )
    return client_id, secret


def client_authenticate(*, request, params: dict[str, str], tenant_slug: str) -> Client:
    """The client of this tenant that sent the request, with its tenant (and Default Audience) loaded.

    One query on the hot path. A client of another tenant is unknown here (tenant isolation).
    """
    basic = _basic_credentials(request.META.get("HTTP_AUTHORIZATION", ""))
    if basic:
        if "client_secret" in params:
            raise InvalidRequest(
                "Send the client secret either in the Authorization header or in the body, not both."
            )
        if params.get("client_id", basic[0]) != basic[0]:
            raise InvalidRequest(
                "The client_id in the body differs from the one in the Authorization header."
            )
        client_id, secret = basic
    else:
        client_id, secret = params.get("client_id"), params.get("client_secret")
    if not client_id:
        # RFC 6749 section 5.2: no client authentication at all is invalid_client, like a wrong secret.
        raise InvalidClient("Client authentication failed: send client_id (and the client_secret).")
    client = client_with_tenant(client_id=client_id, tenant_slug=tenant_slug)
    error = InvalidClientBasic if basic else InvalidClient
    if client is None:
        if not Tenant.objects.filter(slug=tenant_slug).exists():
            raise NotFound(f"Unknown tenant: {tenant_slug}")
        raise error(BAD_CREDENTIALS)
    if client.is_public:
        return client
    if not secret:
        raise error("Client authentication failed: this client must send its client_secret.")
    if not client.secret_matches(secret):
        raise error(BAD_CREDENTIALS)
    return client
