"""Writes to applications and client grants."""

from django.db import IntegrityError, transaction

from apis.models import ResourceServer
from clients.errors import ClientGrantConflict, ClientGrantNotFound, ClientNotFound
from clients.models import SECRET_HASH_PURPOSE, Client, ClientGrant
from core import crypto
from core.models import auth0_extra_merge, save_existing
from tenants.models import Tenant

_UNSET = object()
CLIENT_FIELDS = (
    "name",
    "description",
    "app_type",
    "grant_types",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "allowed_logout_urls",
    "token_endpoint_auth_method",
    "jwt_lifetime_in_seconds",
    "refresh_token_leeway",
    "is_first_party",
    "auth0_extra",  # Auth0-only fields, kept as given; an update merges them by name
)


def default_grant_types(client: Client) -> list[str]:
    """Auth0's defaults for an application created without grant_types: public applications get the
    browser grants, confidential ones client_credentials too (application-grant-types docs)."""
    grants = [Client.GrantType.IMPLICIT, Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN]
    if not client.is_public:
        grants.append(Client.GrantType.CLIENT_CREDENTIALS)
    return [str(g) for g in grants]


def _new_secret(client: Client) -> str:
    secret = crypto.generate_secret(48)
    client.client_secret_hash = crypto.keyed_hash(secret, purpose=SECRET_HASH_PURPOSE)
    return secret


@transaction.atomic
def client_create(*, tenant: Tenant, name: str, **fields) -> tuple[Client, str]:
    """Create an application; returns it with its secret, which is shown once and stored hashed."""
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    client = Client(tenant=tenant, name=name, **fields)
    if "token_endpoint_auth_method" not in fields and client.app_type in (
        Client.AppType.SPA,
        Client.AppType.NATIVE,
    ):
        client.token_endpoint_auth_method = Client.AuthMethod.NONE
    if "grant_types" not in fields:
        client.grant_types = default_grant_types(client)
    secret = _new_secret(client)
    client.full_clean()
    client.save()
    return client, secret


@transaction.atomic
def client_update(*, client: Client, **fields) -> Client:
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if "auth0_extra" in fields:
        fields["auth0_extra"] = auth0_extra_merge(client.auth0_extra, fields["auth0_extra"])
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    save_existing(client, gone=ClientNotFound())
    return client


@transaction.atomic
def client_rotate_secret(*, client: Client) -> str:
    """A new secret replaces the old one at once; returns it (shown once)."""
    secret = _new_secret(client)
    client.save(update_fields=["client_secret_hash", "updated_at"])
    return secret


@transaction.atomic
def client_grant_create(
    *, client: Client, resource_server: ResourceServer, scope: list[str], auth0_extra: dict | None = None
) -> ClientGrant:
    """Authorize a client for an API's client-credentials tokens (SPEC section 2 step 6).

    One grant per client and API: the database constraint decides, so two concurrent creates give
    one grant and one 409, never a 500.
    """
    grant = ClientGrant(
        tenant=client.tenant,
        client=client,
        resource_server=resource_server,
        scope=list(scope),
        auth0_extra=auth0_extra or {},
    )
    grant.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError as exc:
        if ClientGrant.objects.filter(client=client, resource_server=resource_server).exists():
            raise ClientGrantConflict("A client grant for this client and audience already exists.") from exc
        raise
    return grant


@transaction.atomic
def client_grant_update(
    *, grant: ClientGrant, scope: list[str] | None = None, auth0_extra: dict | None = None
) -> ClientGrant:
    if scope is not None:
        grant.scope = list(scope)
    if auth0_extra:
        grant.auth0_extra = auth0_extra_merge(grant.auth0_extra, auth0_extra)
    grant.full_clean(validate_unique=False)
    save_existing(grant, gone=ClientGrantNotFound())
    return grant


@transaction.atomic
def client_delete(*, client: Client) -> None:
    """Delete an application with its grants and opaque tokens; its JWTs stay valid until they expire."""
    client.delete()


@transaction.atomic
def client_grant_delete(*, grant: ClientGrant) -> None:
    """Withdraw a client's access to an API: no new client-credentials tokens for it (SPEC 2.6)."""
    grant.delete()


@transaction.atomic
def client_grants_set(*, api: ResourceServer, grants: dict[Client, list[str] | None]) -> dict[str, int]:
    """Set which applications may get client-credentials tokens for `api`, and with which scopes.

    `grants` maps each application to its scopes, or to None to withdraw its grant; applications not
    in it are left alone. All or nothing, in one transaction: a scope the API does not define, or an
    application of another tenant, refuses the whole change (the grants' own clean()). The API row is
    locked so that two portal pages saved at once apply one after the other.
    """
    ResourceServer.objects.select_for_update().filter(pk=api.pk).first()
    existing = {
        g.client_id: g for g in ClientGrant.objects.filter(resource_server=api, client__in=list(grants))
    }
    counts = {"created": 0, "updated": 0, "deleted": 0}
    for client, scope in grants.items():
        grant = existing.get(client.pk)
        if scope is None:
            if grant is not None:
                client_grant_delete(grant=grant)
                counts["deleted"] += 1
        elif grant is None:
            client_grant_create(client=client, resource_server=api, scope=scope)
            counts["created"] += 1
        elif list(grant.scope) != list(scope):
            client_grant_update(grant=grant, scope=scope)
            counts["updated"] += 1
    return counts
