"""Applications (Auth0 "clients") and their grants to APIs (SPEC section 5)."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q

from core import crypto
from core.models import TenantOwnedModel

CLIENT_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"
SECRET_HASH_PURPOSE = "client_secret"
# Auth0's grant types that Authport does not implement (Auth0's application-grant-types docs and
# its Management API's `grant_types`): an application may list them, as an Auth0 export does; they
# are kept and returned, and never granted (the token endpoint answers unsupported_grant_type).
AUTH0_ONLY_GRANT_TYPES = (
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:openid:params:grant-type:ciba",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token",
    "http://auth0.com/oauth/grant-type/mfa-oob",
    "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-recovery-code",
    "http://auth0.com/oauth/grant-type/passwordless/otp",
    "http://auth0.com/oauth/legacy/grant-type/ro",
    "http://auth0.com/oauth/legacy/grant-type/ro/jwt-bearer",
    "http://auth0.com/oauth/legacy/grant-type/delegation/refresh_token",
    "http://auth0.com/oauth/legacy/grant-type/delegation/id_token",
    "http://auth0.com/oauth/legacy/grant-type/access_token",
)


def new_client_id() -> str:
    return "".join(secrets.choice(CLIENT_ID_ALPHABET) for _ in range(32))


MAX_URL_LENGTH = 2000
MAX_REFRESH_TOKEN_LEEWAY = 2_592_000  # Auth0's bound for the reuse interval: 30 days


def _validate_url_list(value, *, field: str, origins_only: bool = False) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{field} must be a list of URLs.")
    check = URLValidator(schemes=["http", "https"])
    for url in value:
        if len(url) > MAX_URL_LENGTH:
            raise ValidationError(f'{field}: "{url[:60]}…" is longer than {MAX_URL_LENGTH} characters.')
        try:
            check(url)
        except ValidationError as exc:
            raise ValidationError(f'{field}: "{url}" is not a valid http(s) URL.') from exc
        if origins_only and url.rstrip("/").count("/") > 2:
            raise ValidationError(
                f'{field}: "{url}" must be an origin (scheme, host and port) without a path.'
            )


def validate_callbacks(value) -> None:
    _validate_url_list(value, field="callbacks")


def validate_origins(value) -> None:
    _validate_url_list(value, field="origins", origins_only=True)


def validate_grant_types(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("grant_types must be a list of grant type names.")
    unknown = [g for g in value if g not in Client.GrantType.values and g not in AUTH0_ONLY_GRANT_TYPES]
    if unknown:
        raise ValidationError(
            f"Unknown grant type(s): {', '.join(unknown)}. Allowed: {', '.join(Client.GrantType.values)} "
            "(and Auth0's other grant types, kept but not acted on)."
        )


class Client(TenantOwnedModel):
    """An application that asks for tokens. Its secret is stored only as a keyed hash."""

    class AppType(models.TextChoices):
        SPA = "spa"
        NATIVE = "native"
        REGULAR_WEB = "regular_web"
        NON_INTERACTIVE = "non_interactive"

    class GrantType(models.TextChoices):
        AUTHORIZATION_CODE = "authorization_code"
        IMPLICIT = "implicit"
        REFRESH_TOKEN = "refresh_token"
        CLIENT_CREDENTIALS = "client_credentials"
        PASSWORD = "password"
        PASSWORD_REALM = PASSWORD_REALM_GRANT

    class AuthMethod(models.TextChoices):
        NONE = "none"
        CLIENT_SECRET_POST = "client_secret_post"
        CLIENT_SECRET_BASIC = "client_secret_basic"

    client_id = models.CharField(max_length=64, unique=True, default=new_client_id, editable=False)
    client_secret_hash = models.CharField(max_length=128, blank=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    app_type = models.CharField(max_length=16, choices=AppType, default=AppType.REGULAR_WEB)
    grant_types = models.JSONField(default=list, blank=True, validators=[validate_grant_types])
    callbacks = models.JSONField(default=list, blank=True, validators=[validate_callbacks])
    allowed_origins = models.JSONField(default=list, blank=True, validators=[validate_origins])
    web_origins = models.JSONField(default=list, blank=True, validators=[validate_origins])
    allowed_logout_urls = models.JSONField(default=list, blank=True, validators=[validate_callbacks])
    token_endpoint_auth_method = models.CharField(
        max_length=24, choices=AuthMethod, default=AuthMethod.CLIENT_SECRET_POST
    )
    jwt_lifetime_in_seconds = models.PositiveIntegerField(
        default=36000, validators=[MinValueValidator(1), MaxValueValidator(2_592_000)]
    )
    is_first_party = models.BooleanField(default=True)
    # Auth0's refresh_token.leeway (the Dashboard's "Reuse Interval"): for this many seconds after a
    # refresh token was rotated, presenting it again is exchanged again instead of counted as reuse.
    refresh_token_leeway = models.PositiveIntegerField(
        "refresh token reuse interval",
        default=0,
        validators=[MaxValueValidator(MAX_REFRESH_TOKEN_LEEWAY)],
        help_text="Seconds after a rotation during which the rotated refresh token may be exchanged "
        "again (a client retrying a lost answer) instead of revoking its family. 0: never.",
    )
    auth0_extra = models.JSONField(
        default=dict, blank=True, help_text="Fields of Auth0's schema kept as given, not acted on."
    )

    class Meta:
        verbose_name = "application"
        ordering = ["tenant", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(app_type__in=["spa", "native", "regular_web", "non_interactive"]),
                name="clients_client_app_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    token_endpoint_auth_method__in=["none", "client_secret_post", "client_secret_basic"]
                ),
                name="clients_client_auth_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    def clean(self) -> None:
        if self.is_public and self.GrantType.CLIENT_CREDENTIALS in (self.grant_types or []):
            raise ValidationError(
                {
                    "grant_types": "A public client (token_endpoint_auth_method none) cannot use client_credentials."
                }
            )

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == self.AuthMethod.NONE

    def secret_matches(self, secret: str) -> bool:
        return bool(self.client_secret_hash) and crypto.keyed_hash_matches(
            secret, self.client_secret_hash, purpose=SECRET_HASH_PURPOSE
        )

    def allows_grant(self, grant_type: str) -> bool:
        return grant_type in (self.grant_types or [])

    @property
    def unsupported_grant_types(self) -> list[str]:
        """The Auth0 grant types it lists that Authport never grants (kept as given)."""
        return [g for g in self.grant_types or [] if g not in self.GrantType.values]


def validate_scope_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and 1 <= len(v) <= 280 for v in value):
        raise ValidationError("scope must be a list of scope names (1 to 280 characters each).")


class ClientGrant(TenantOwnedModel):
    """Lets a client get client-credentials tokens for one API, with at most these scopes (SPEC 2.6)."""

    public_id = models.CharField(max_length=32, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="grants")
    resource_server = models.ForeignKey(
        "apis.ResourceServer", on_delete=models.CASCADE, related_name="client_grants"
    )
    scope = models.JSONField(default=list, blank=True, validators=[validate_scope_list])
    auth0_extra = models.JSONField(
        default=dict, blank=True, help_text="Fields of Auth0's schema kept as given, not acted on."
    )

    class Meta:
        verbose_name = "client grant"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "resource_server"], name="clients_clientgrant_once_per_api"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client.name} -> {self.resource_server.identifier}"

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = "cgr_" + secrets.token_hex(8)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.client_id and self.resource_server_id:
            if self.client.tenant_id != self.tenant_id or self.resource_server.tenant_id != self.tenant_id:
                raise ValidationError("A client grant joins a client and an API of the same tenant.")
            unknown = sorted(set(self.scope or []) - set(self.resource_server.scope_values))
            if unknown:
                raise ValidationError(
                    {
                        "scope": f"Scopes not defined on API {self.resource_server.identifier}: {', '.join(unknown)}."
                    }
                )
