"""The token endpoint's exchange: decide (tokens.decision.token_request), then issue with the grant's
own module. Nothing is written before the decision allowed the request, except what checking its
credentials must write (a spent code, a rotated refresh token, a brute-force count)."""

from contextlib import nullcontext

from django.db import transaction

from clients.models import Client
from core.exceptions import AuthportError
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


# The grants that spend a stored grant while deciding and issue from it.
SPENDING_GRANTS = (GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN)


def exchange_transaction(params: dict[str, str]):
    """The transaction a spending exchange's decision and issue run in (refusals are caught inside
    it, so what a refusal writes, a revoked family, commits): a worker killed between the spend and
    the answer's tokens leaves neither behind, and the client's retry finds its code or refresh
    token unspent. Other grants write nothing to undo and run without one."""
    return transaction.atomic() if params.get("grant_type") in SPENDING_GRANTS else nullcontext()


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


def token_run(
    *, client: Client, params: dict[str, str], ip: str
) -> tuple[TokenDecision, dict | None, AuthportError | None]:
    """Decide and issue in the exchange's transaction: (decision, body, refusal), one of the last two
    None. A refusal is caught inside the transaction, so what it wrote (a revoked family) commits."""
    with exchange_transaction(params):
        decision = token_decide(client=client, params=params, ip=ip)
        if decision.refusal is not None:
            return decision, None, decision.refusal
        try:
            return decision, token_issue(decision), None
        except AuthportError as err:
            return decision, None, err


def token_exchange(*, client: Client, params: dict[str, str], ip: str) -> dict:
    """Decide and issue in one call (the admin's test-token button); a refusal is raised."""
    _, body, error = token_run(client=client, params=params, ip=ip)
    if error is not None:
        raise error
    return body
