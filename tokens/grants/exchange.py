"""The token endpoint's exchange: decide (tokens.decision.token_request), then issue with the grant's
own module. Nothing is written before the decision allowed the request, except what checking its
credentials must write (a spent code, a rotated refresh token, a brute-force count)."""

from clients.models import Client
from tokens.decision.token_request import TokenDecision, token_request_decide
from tokens.grants import authorization_code, client_credentials, password, refresh_token
from tokens.grants.credentials import EndpointCredentials

GrantType = Client.GrantType
ISSUERS = {
    GrantType.CLIENT_CREDENTIALS: client_credentials.issue,
    GrantType.PASSWORD: password.issue,
    GrantType.PASSWORD_REALM: password.issue,
    GrantType.AUTHORIZATION_CODE: authorization_code.issue,
    GrantType.REFRESH_TOKEN: refresh_token.issue,
}


def token_decide(*, client: Client, params: dict[str, str], ip: str) -> TokenDecision:
    """The real request's decision; `ip` is the end user's address, which brute-force protection
    counts password failures from."""
    return token_request_decide(
        client=client, params=params, credentials=EndpointCredentials(client=client, ip=ip)
    )


def token_issue(decision: TokenDecision) -> dict:
    """Issue what an allowed decision decided (SPEC section 3 response); may still raise when a
    concurrent replay or reuse revoked the login meanwhile."""
    return ISSUERS[decision.grant_type](decision)


def token_exchange(*, client: Client, params: dict[str, str], ip: str) -> dict:
    """Decide and issue in one call (the admin's test-token button); a refusal is raised."""
    decision = token_decide(client=client, params=params, ip=ip)
    if decision.refusal is not None:
        raise decision.refusal
    return token_issue(decision)
