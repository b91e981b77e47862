"""The secrets of a real token request, checked for the decision (tokens.decision.token_request).

A dry run has none of these; the endpoint passes `EndpointCredentials`, so the password, the code
and the refresh token are checked at the same point of the same decision.
"""

from accounts.authentication import user_password_check
from clients.models import Client
from core.exceptions import InvalidGrant
from tokens.decision.refusals import MissingParameter
from tokens.decision.scopes import parse_scope
from tokens.storage.codes import authorization_code_redeem
from tokens.storage.refresh import refresh_token_use


class EndpointCredentials:
    """Checks against the stores, for `client`, counting password failures from the end user's `ip`."""

    def __init__(self, *, client: Client, ip: str) -> None:
        self.client, self.ip = client, ip

    def user_for_password(self, *, username: str, password: str):
        user = user_password_check(tenant=self.client.tenant, email=username, password=password, ip=self.ip)
        if user.blocked:
            raise InvalidGrant("user is blocked")
        return user

    def stored_grant(self, *, grant_type: str, params: dict[str, str]):
        if grant_type == Client.GrantType.AUTHORIZATION_CODE:
            code = params.get("code")
            if not code:
                raise MissingParameter("code")
            stored = authorization_code_redeem(
                client=self.client,
                code=code,
                redirect_uri=params.get("redirect_uri"),
                code_verifier=params.get("code_verifier"),
            )
        else:
            token = params.get("refresh_token")
            if not token:
                raise MissingParameter("refresh_token")
            stored = refresh_token_use(
                client=self.client, token=token, scope=parse_scope(params.get("scope"))
            )
        if stored.user.blocked:
            raise InvalidGrant("user is blocked")
        return stored
