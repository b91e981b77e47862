"""grant_type=client_credentials (RFC 6749 section 4.4): a machine's token for one API it holds a
client grant for. Decided by tokens.decision.token_request; this module only issues."""

from tokens.decision.token_request import TokenDecision
from tokens.issuing.jwt import issue_access_token
from tokens.issuing.user_tokens import token_body


def issue(decision: TokenDecision) -> dict:
    client, resolution, scope = decision.client, decision.resolution, decision.scope
    token, expires_in = issue_access_token(
        tenant=client.tenant,
        api=resolution.api,
        audiences=resolution.audiences,
        client_id=client.client_id,
        subject=f"{client.client_id}@clients",
        scope=scope,
        grant_type="client_credentials",
        permissions=scope,
    )
    return token_body(access_token=token, expires_in=expires_in, scope=scope)
