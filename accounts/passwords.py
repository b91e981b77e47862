"""End users' password policy: one rule for the Management API, the admin and the commands."""

MIN_PASSWORD_LENGTH = 8


def password_policy_refusal(password: str, *, email: str) -> str | None:
    """Why `password` is refused for the user with `email`, or None: at least 8 characters, and not
    the email address itself (case-insensitively), the first guess of anyone who knows the address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters."
    if email and password.casefold() == email.casefold():
        return "The password cannot be the email address."
    return None
