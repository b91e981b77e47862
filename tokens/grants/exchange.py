"""The token endpoint's grants (RFC 6749 section 4, Auth0's password-realm extension).

Each grant authenticates what it must, resolves the audience with `audience_resolve`, decides
the scopes, and issues either a JWT or an opaque token. Nothing is written before every check passed.
"""

from django.utils import timezone

from accounts.authentication import user_password_check
from accounts.services import user_record_login
from clients.models import Client
from core.exceptions import InvalidGrant, InvalidRequest, UnauthorizedClient, UnsupportedGrantType
from tenants.models import USER_DATABASE
from tokens.decision.audience import audience_resolve
from tokens.decision.scopes import client_credentials_scope, parse_scope
from tokens.issuing.jwt import issue_access_token
from tokens.issuing.user_tokens import (
    OFFLINE_ACCESS,
    refresh_allowed,
    token_body,
    user_access_token_issue,
    user_id_token_issue,
    user_scope_decide,
)
from tokens.storage.codes import authorization_code_grant
from tokens.storage.refresh import new_family, refresh_token_grant, refresh_token_issue

PASSWORD_REALM = Client.GrantType.PASSWORD_REALM


def _require(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise InvalidRequest(f"Missing required parameter: {name}")
    return value


def client_credentials_grant(*, client: Client, params: dict[str, str], ip: str) -> dict:
    """A machine's token for one API it holds a client grant for (SPEC section 2, steps 1-6)."""
    tenant = client.tenant
    requested = parse_scope(params.get("scope"))
    resolution = audience_resolve(
        tenant=tenant,
        client=client,
        audience=params.get("audience"),
        resource=params.get("resource"),
        scopes=requested,
        acts_for_user=False,
    )
    scope = client_credentials_scope(
        resolution=resolution, requested=requested, audience=resolution.requested_audience
    )
    token, expires_in = issue_access_token(
        tenant=tenant,
        api=resolution.api,
        audiences=resolution.audiences,
        client_id=client.client_id,
        subject=f"{client.client_id}@clients",
        scope=scope,
        grant_type="client_credentials",
        permissions=scope,
    )
    return token_body(access_token=token, expires_in=expires_in, scope=scope)


def _authenticate_user(*, tenant, username: str, password: str, ip: str):
    user = user_password_check(tenant=tenant, email=username, password=password, ip=ip)
    if user.blocked:
        raise InvalidGrant("user is blocked")
    return user


def password_grant(*, client: Client, params: dict[str, str], ip: str) -> dict:
    """Resource owner password grant, and Auth0's password-realm variant (realm = the user database)."""
    grant_type = params["grant_type"]
    tenant = client.tenant
    if grant_type == PASSWORD_REALM:
        # The tenant has one user database; a realm-less request (auth0-python's `login` default) means it.
        realm = params.get("realm", USER_DATABASE)
        if realm != USER_DATABASE:
            raise InvalidRequest(
                f'Unknown realm "{realm}": this tenant\'s user database is "{USER_DATABASE}".'
            )
    username, password = _require(params, "username"), _require(params, "password")
    requested = parse_scope(params.get("scope"))
    resolution = audience_resolve(
        tenant=tenant,
        client=client,
        audience=params.get("audience"),
        resource=params.get("resource"),
        scopes=requested,
        acts_for_user=True,
    )
    user = _authenticate_user(tenant=tenant, username=username, password=password, ip=ip)
    scope = user_scope_decide(resolution=resolution, requested=requested, user=user)
    with_refresh = refresh_allowed(client=client, resolution=resolution, scope=scope)
    if not with_refresh:
        scope = [s for s in scope if s != OFFLINE_ACCESS]
    family = new_family()
    access_token, expires_in = user_access_token_issue(
        client=client, user=user, resolution=resolution, scope=scope, grant_type=grant_type, family=family
    )
    now = timezone.now()
    id_token = None
    if "openid" in scope:
        id_token = user_id_token_issue(client=client, user=user, scope=scope, auth_time=int(now.timestamp()))
    refresh_token = None
    if with_refresh:
        refresh_token = refresh_token_issue(
            client=client,
            user=user,
            audience=resolution.requested_audience or tenant.userinfo_audience,
            scope=scope,
            auth_time=now,
            family=family,
        )
    user_record_login(user=user)
    return token_body(
        access_token=access_token,
        expires_in=expires_in,
        scope=scope,
        id_token=id_token,
        refresh_token=refresh_token,
    )


# Each grant takes the authenticated client, the request's parameters and the end user's address.
GRANTS = {
    Client.GrantType.CLIENT_CREDENTIALS: client_credentials_grant,
    Client.GrantType.PASSWORD: password_grant,
    PASSWORD_REALM: password_grant,
    Client.GrantType.AUTHORIZATION_CODE: authorization_code_grant,
    Client.GrantType.REFRESH_TOKEN: refresh_token_grant,
}


def grant_type_check(grant_type: str | None) -> str:
    if not grant_type:
        raise InvalidRequest("Missing required parameter: grant_type")
    if grant_type not in GRANTS:
        raise UnsupportedGrantType(f"Unsupported grant type: {grant_type}")
    return grant_type


def token_exchange(*, client: Client, params: dict[str, str], ip: str) -> dict:
    """Run the requested grant for an authenticated client (SPEC section 3 response); `ip` is the end
    user's address, which brute-force protection counts failures from."""
    grant_type = grant_type_check(params.get("grant_type"))
    if not client.allows_grant(grant_type):
        raise UnauthorizedClient(f"Grant type '{grant_type}' not allowed for the client.")
    if grant_type == Client.GrantType.CLIENT_CREDENTIALS and client.is_public:
        raise UnauthorizedClient("A public client cannot use the client_credentials grant.")
    return GRANTS[grant_type](client=client, params=params, ip=ip)
