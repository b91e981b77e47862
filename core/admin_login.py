"""The Django admin's login, under the same brute-force protection as end users (SPEC section 2.8)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from core import brute_force
from core.exceptions import TemporarilyUnavailable, TooManyAttempts
from core.http import client_ip


def admin_account_key(username: str) -> str:
    """The staff account a username resolves to (its row), or the normalized name of no one."""
    user_model = get_user_model()
    pk = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).values_list(
        "pk", flat=True
    )
    found = pk.first()
    if found is not None:
        return f"admin:user:{found}"
    return "admin:identifier:" + brute_force.identifier_digest(username)


class AdminLoginForm(AdminAuthenticationForm):
    """Counts each password attempt before checking it; a blocked account is refused whatever follows."""

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        try:
            attempt = brute_force.attempt_begin(
                account=admin_account_key(username), ip=client_ip(self.request)
            )
        except TooManyAttempts as exc:
            raise ValidationError(exc.message, code="too_many_attempts") from exc
        except TemporarilyUnavailable as exc:  # the cache is down: fail closed (core/brute_force.py)
            raise ValidationError(exc.message, code="temporarily_unavailable") from exc
        try:
            cleaned = super().clean()
        except ValidationError:
            brute_force.attempt_failed(attempt)
            raise
        brute_force.attempt_succeeded(attempt)
        return cleaned
