"""Client authentication at the token endpoint (RFC 6749 section 2.3): basic, post, or none."""

import base64
import binascii
from urllib.parse import unquote_plus

from apis.models import ResourceServer
from clients.models import Client, ClientGrant
from core.exceptions import InvalidClient, InvalidRequest, NotFound
from core.prepared import PreparedSelect, loaded_instance
from tenants.models import SigningKey, Tenant
from tenants.selectors import default_audience_attach
from tokens.decision.audience import TOKEN_FIELDS

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


def _in_model_order(model, names) -> list:
    """`Model.from_db` takes a subset of the fields' values in the model's own field order."""
    return [f for f in model._meta.concrete_fields if f.attname in {"id", *names}]


_CLIENT_COLUMNS = _in_model_order(Client, CLIENT_FIELDS)
_API_COLUMNS = _in_model_order(ResourceServer, TOKEN_FIELDS)
_TENANT_COLUMNS = [Tenant._meta.get_field("default_audience"), ResourceServer._meta.get_field("identifier")]
_CLIENT_ATTNAMES = [f.attname for f in _CLIENT_COLUMNS]
_API_ATTNAMES = [f.attname for f in _API_COLUMNS]
_TAIL_COLUMNS = [ClientGrant._meta.get_field("scope"), SigningKey._meta.get_field("kid")]


def _token_lookup_sql(q) -> str:
    """The client; its tenant's Default Audience; the API the request names (or that Default
    Audience) with the client's grant and the current key of the API's algorithm, in one statement:
    each LEFT JOIN follows a unique key, so it yields one row at most."""

    def columns(table: str, fields) -> str:
        return ", ".join(f"{table}.{q(f.column)}" for f in fields)

    column = {
        "tenant_id": q(Client._meta.get_field("tenant").column),
        "default_audience_id": q(Tenant._meta.get_field("default_audience").column),
        "client": q(ClientGrant._meta.get_field("client").column),
        "resource_server": q(ClientGrant._meta.get_field("resource_server").column),
    }
    return (
        f"SELECT {columns('c', _CLIENT_COLUMNS)}, t.{column['default_audience_id']}, da.{q('identifier')}, "  # noqa: S608 - our names; values are parameters
        f"{columns('rs', _API_COLUMNS)}, g.{q('scope')}, k.{q('kid')} "
        f"FROM {q(Client._meta.db_table)} c "
        f"INNER JOIN {q(Tenant._meta.db_table)} t ON t.{q('id')} = c.{column['tenant_id']} "
        f"LEFT JOIN {q(ResourceServer._meta.db_table)} da ON da.{q('id')} = t.{column['default_audience_id']} "
        f"LEFT JOIN {q(ResourceServer._meta.db_table)} rs ON rs.{column['tenant_id']} = c.{column['tenant_id']} "
        f"AND rs.{q('identifier')} = COALESCE(%s, da.{q('identifier')}) "
        f"LEFT JOIN {q(ClientGrant._meta.db_table)} g ON g.{column['client']} = c.{q('id')} "
        f"AND g.{column['resource_server']} = rs.{q('id')} "
        # The state is a literal: SQLite re-plans when a parameter decides a partial index (prepared.py).
        f"LEFT JOIN {q(SigningKey._meta.db_table)} k ON k.{column['tenant_id']} = c.{column['tenant_id']} "
        f"AND k.{q('alg')} = rs.{q('signing_alg')} AND k.{q('state')} = '{SigningKey.State.CURRENT}' "
        f"WHERE c.{q('client_id')} = %s AND t.{q('slug')} = %s"
    )


_TOKEN_LOOKUP = PreparedSelect(
    Client, _token_lookup_sql, [*_CLIENT_COLUMNS, *_TENANT_COLUMNS, *_API_COLUMNS, *_TAIL_COLUMNS]
)


def client_with_tenant(*, client_id: str, tenant_slug: str, audience: str | None = None) -> Client | None:
    """The client with its tenant and Default Audience attached, in one statement written once per
    process. The same statement fetches the API that `audience` names (or, with none, the Default
    Audience) with this client's grant and the current kid: the decision takes it from
    `client.prefetched_api` instead of asking again (audience.api_for_token).

    The tenant, its Default Audience and the API carry only the fields the token endpoint reads;
    any other field loads on access, as a deferred field does.
    """
    found = _TOKEN_LOOKUP.run([audience, client_id, tenant_slug])
    if found is None:
        return None
    db, row = found
    client_end = len(_CLIENT_COLUMNS)
    api_end = client_end + 2 + len(_API_COLUMNS)
    client = loaded_instance(Client, db, _CLIENT_ATTNAMES, row[:client_end])
    default_audience_id, default_identifier = row[client_end], row[client_end + 1]
    tenant = loaded_instance(
        Tenant,
        db,
        ["id", "slug", "default_audience_id"],
        [client.tenant_id, tenant_slug, default_audience_id],
    )
    default_audience_attach(tenant, default_identifier)
    Client.tenant.field.set_cached_value(client, tenant)
    api = None
    if row[client_end + 2] is not None:
        api = loaded_instance(ResourceServer, db, _API_ATTNAMES, row[client_end + 2 : api_end])
        api.client_grant_scope, api.current_kid = row[api_end], row[api_end + 1]
    client.prefetched_api = (audience or default_identifier, api)
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
    requested = params.get("audience") or params.get("resource") or None
    client = client_with_tenant(client_id=client_id, tenant_slug=tenant_slug, audience=requested)
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
