"""The one password check of a tenant's users: the login page and the password grants call it.

Brute-force protection (core.brute_force) counts attempts on the *resolved* account: every spelling
of an email that finds the user (case, Unicode compatibility forms the database matches) counts as
that user. An email that finds no one is counted under its NFKC case-folded form, so a lock looks
the same whether or not the user exists.
"""

from django.contrib.auth.hashers import check_password, make_password

from accounts.models import TenantUser
from accounts.selectors import user_find_by_email
from core import brute_force
from core.exceptions import InvalidGrant
from tenants.models import Tenant

WRONG_CREDENTIALS = "Wrong email or password."
# Checked against when the email is unknown, so an unknown user costs as long as a wrong password.
_DUMMY_PASSWORD_HASH = make_password("authport-timing-equaliser")


def user_account_key(*, tenant: Tenant, user: TenantUser | None, identifier: str = "") -> str:
    """The brute-force counter's account: the user's row, or the normalized identifier of no one."""
    if user is not None:
        return f"tenant:{tenant.pk}:user:{user.pk}"
    return f"tenant:{tenant.pk}:identifier:{brute_force.identifier_digest(identifier)}"


def user_password_check(*, tenant: Tenant, email: str, password: str, ip: str) -> TenantUser:
    """The user whose email and password these are (SPEC section 2, step 8).

    Raises TooManyAttempts while the account is blocked from `ip` (whatever the password), and
    InvalidGrant for a wrong email or password. Whether the user is `blocked` is the caller's check.
    """
    user = user_find_by_email(tenant=tenant, email=email) if email else None
    attempt = brute_force.attempt_begin(
        account=user_account_key(tenant=tenant, user=user, identifier=email), ip=ip
    )
    if user is None:
        check_password(password, _DUMMY_PASSWORD_HASH)
    if user is None or not user.check_password(password):
        brute_force.attempt_failed(attempt)
        error = InvalidGrant(WRONG_CREDENTIALS)
        error.user_exists = user is not None  # for the log's fu/fp; never shown to the caller
        raise error
    brute_force.attempt_succeeded(attempt)
    return user


def user_blocks_list(*, tenant: Tenant, user: TenantUser | None, identifier: str = "") -> list[dict]:
    """Auth0's `blocked_for` entries: the addresses the account is blocked from."""
    account = user_account_key(tenant=tenant, user=user, identifier=identifier)
    shown = user.email if user is not None else identifier
    return [
        {"identifier": shown, "ip": block["ip"], "connection": TenantUser.connection}
        for block in brute_force.blocks_list(account=account)
    ]


def user_blocks_clear(*, tenant: Tenant, user: TenantUser | None, identifier: str = "") -> int:
    """Lift the brute-force blocks of the account (not the admin's `blocked` flag, as with Auth0)."""
    return brute_force.blocks_clear(account=user_account_key(tenant=tenant, user=user, identifier=identifier))
