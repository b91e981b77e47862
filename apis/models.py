"""APIs (Auth0 "resource servers"): the audiences a tenant issues JWTs for (SPEC sections 2, 3, 5)."""

import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from core import crypto
from core.models import TenantOwnedModel
from tenants.hosts import tenant_host_slug
from tenants.models import SLUG_PATTERN, CustomDomain, public_netloc

MAX_TOKEN_LIFETIME = 2_592_000
DEFAULT_TOKEN_LIFETIME = 86_400
DEFAULT_TOKEN_LIFETIME_FOR_WEB = 7_200
MIN_SIGNING_SECRET_LENGTH = 32  # characters; a generated secret carries 256 random bits


def new_public_id() -> str:
    return secrets.token_hex(12)


def validate_scopes(value) -> None:
    """`scopes` is Auth0's list of {value, description}; values are unique and 1-280 characters."""
    if not isinstance(value, list):
        raise ValidationError("Scopes must be a list of {value, description} objects.")
    seen = set()
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise ValidationError("Each scope must be an object with a string `value`.")
        scope = item["value"]
        if not 1 <= len(scope) <= 280 or any(c.isspace() for c in scope):
            raise ValidationError(f'Scope "{scope}" must be 1 to 280 characters without spaces.')
        if not isinstance(item.get("description", ""), str) or len(item.get("description", "")) > 500:
            raise ValidationError(
                f'The description of scope "{scope}" must be text of at most 500 characters.'
            )
        if scope in seen:
            raise ValidationError(f'Scope "{scope}" is listed twice.')
        seen.add(scope)


# Auth0's rule for an API's name; the Management API and the admin both apply it through the model.
validate_api_name = RegexValidator(r"^[^<>]+$", "Can not contain '<' or '>' characters.")


# The path of a tenant's special audience, for any slug: `{slug}/userinfo`, `{slug}/api/v2/` and anything
# under the latter, with or without the trailing slash (SPEC section 1).
_SLUG = SLUG_PATTERN.removeprefix("^").removesuffix("$")
_SPECIAL_AUDIENCE_PATH = re.compile(
    rf"/(?P<slug>{_SLUG})/(?:(?P<userinfo>userinfo/?)|api/v2(?:/.*)?)", re.IGNORECASE | re.DOTALL
)
_SPECIAL_AUDIENCE_AT_ROOT = re.compile(
    r"/(?:(?P<userinfo>userinfo/?)|api/v2(?:/.*)?)", re.IGNORECASE | re.DOTALL
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def special_audience_refusal(identifier: str) -> str | None:
    """Why `identifier` cannot be an API's, or None: a tenant's userinfo or Management API audience.

    Those audiences are Authport's own. An API registered under one would let whoever registered it
    mint tokens for another tenant's Management API, or take a userinfo audience over. Every slug
    counts, existing or not (a tenant can be created later). Scheme, host and default port compare
    as URLs do, case-insensitively; the path case-insensitively too, since refusing more costs nothing.
    """
    try:
        url, public = urlsplit(identifier), urlsplit(settings.PUBLIC_URL)
        port, public_port = url.port, public.port
    except ValueError:
        return None
    scheme = url.scheme.lower()
    if scheme != public.scheme or (port or _DEFAULT_PORTS.get(scheme)) != (
        public_port or _DEFAULT_PORTS.get(scheme)
    ):
        return None
    if url.hostname == public.hostname:
        match = _SPECIAL_AUDIENCE_PATH.fullmatch(url.path)
        if match is None:
            return None
        issuer = f"{settings.PUBLIC_URL}/{match['slug'].lower()}/"
        userinfo = bool(match["userinfo"])
    else:
        # At the root of a tenant host or of a custom domain (claimed, verified or not), SPEC section 1.
        match = _SPECIAL_AUDIENCE_AT_ROOT.fullmatch(url.path)
        if match is None or not url.hostname:
            return None
        if (
            tenant_host_slug(url.hostname) is None
            and not CustomDomain.objects.filter(domain=url.hostname).exists()
        ):
            return None
        issuer = f"{public.scheme}://{public_netloc(url.hostname)}/"
        userinfo = bool(match["userinfo"])
    audience = f"{issuer}userinfo" if userinfo else f"{issuer}api/v2/"
    what = "userinfo audience" if userinfo else "Management API audience"
    return f"The identifier is reserved: {audience} is a tenant's {what}, which only Authport serves."


class ResourceServer(TenantOwnedModel):
    """An API a tenant registered; its `identifier` is the `aud` of the JWTs issued for it."""

    class SigningAlg(models.TextChoices):
        # Labels as written in JOSE (RFC 7518), not Django's "Rs256".
        RS256 = "RS256", "RS256"
        PS256 = "PS256", "PS256"
        ES256 = "ES256", "ES256"
        HS256 = "HS256", "HS256"

    class TokenDialect(models.TextChoices):
        ACCESS_TOKEN = "access_token"
        ACCESS_TOKEN_AUTHZ = "access_token_authz"
        RFC9068_PROFILE = "rfc9068_profile"
        RFC9068_PROFILE_AUTHZ = "rfc9068_profile_authz"

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=200, validators=[validate_api_name])
    identifier = models.CharField(
        max_length=600, help_text="The `audience` value. Cannot be changed once the API is created."
    )
    signing_alg = models.CharField(max_length=5, choices=SigningAlg, default=SigningAlg.RS256)
    signing_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_signing_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_signing_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    scopes = models.JSONField(default=list, blank=True, validators=[validate_scopes])
    token_lifetime = models.PositiveIntegerField(
        default=DEFAULT_TOKEN_LIFETIME,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TOKEN_LIFETIME)],
    )
    token_lifetime_for_web = models.PositiveIntegerField(
        default=DEFAULT_TOKEN_LIFETIME_FOR_WEB,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TOKEN_LIFETIME)],
    )
    allow_offline_access = models.BooleanField(default=False)
    skip_consent_for_verifiable_first_party_clients = models.BooleanField(default=True)
    enforce_policies = models.BooleanField(
        default=False, help_text="RBAC: limit users' scopes to their permissions."
    )
    token_dialect = models.CharField(max_length=24, choices=TokenDialect, default=TokenDialect.ACCESS_TOKEN)
    is_system = models.BooleanField(default=False, editable=False)
    auth0_extra = models.JSONField(
        default=dict, blank=True, help_text="Fields of Auth0's schema kept as given, not acted on."
    )

    class Meta:
        verbose_name = "API"
        verbose_name_plural = "APIs"
        ordering = ["tenant", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "identifier"], name="apis_resourceserver_identifier_per_tenant"
            ),
            models.CheckConstraint(
                condition=~Q(identifier=""), name="apis_resourceserver_identifier_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(signing_alg__in=["RS256", "PS256", "ES256", "HS256"]),
                name="apis_resourceserver_signing_alg_valid",
            ),
            models.CheckConstraint(
                condition=~Q(signing_alg="HS256") | ~Q(signing_secret_encrypted=""),
                name="apis_resourceserver_hs256_has_secret",
            ),
            models.CheckConstraint(
                condition=Q(token_lifetime__gte=1, token_lifetime__lte=MAX_TOKEN_LIFETIME),
                name="apis_resourceserver_token_lifetime_range",
            ),
            models.CheckConstraint(
                condition=Q(token_lifetime_for_web__gte=1, token_lifetime_for_web__lte=MAX_TOKEN_LIFETIME),
                name="apis_resourceserver_token_lifetime_for_web_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    token_dialect__in=[
                        "access_token",
                        "access_token_authz",
                        "rfc9068_profile",
                        "rfc9068_profile_authz",
                    ]
                ),
                name="apis_resourceserver_token_dialect_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    def clean(self) -> None:
        if self.pk and self._stored_identifier() not in (None, self.identifier):
            raise ValidationError({"identifier": "The identifier of an API cannot be changed once set."})
        if self._state.adding:  # identifiers are immutable: an API registered before this rule keeps its own
            self._clean_special_audience()
        if (
            self.token_lifetime_for_web
            and self.token_lifetime
            and self.token_lifetime_for_web > self.token_lifetime
        ):
            raise ValidationError(
                {
                    "token_lifetime_for_web": "The lifetime for web flows cannot be greater than the token lifetime."
                }
            )

    def _stored_identifier(self) -> str | None:
        # Asked of the database when saving, rather than remembered at load (a from_db override
        # would cost every read of an API, the token endpoint's included: core/prepared.py).
        return type(self).objects.filter(pk=self.pk).values_list("identifier", flat=True).first()

    def _clean_special_audience(self) -> None:
        refusal = special_audience_refusal(self.identifier)
        if refusal is None:
            return
        # The one exception: the tenant's system API, which provisioning registers under its own audience.
        if self.is_system and self.tenant_id and self.identifier == self.tenant.management_audience:
            return
        raise ValidationError({"identifier": ValidationError(refusal, code="reserved")})

    @property
    def audience(self) -> str:
        """The identifier as tokens carry it and the Management API and exports show it. The system
        API's is always the tenant's canonical management audience: one made before TENANT_DOMAIN was
        set is stored under the path-based one, which stays an alias of it (SPEC section 1). Derived
        rather than rewritten, so it follows TENANT_DOMAIN and PUBLIC_URL whenever they change."""
        return self.tenant.management_audience if self.is_system else self.identifier

    @property
    def is_symmetric(self) -> bool:
        return self.signing_alg == self.SigningAlg.HS256

    @property
    def signing_secret(self) -> str:
        return crypto.decrypt(self.signing_secret_encrypted) if self.signing_secret_encrypted else ""

    @property
    def previous_signing_secret(self) -> str:
        if not self.previous_signing_secret_encrypted:
            return ""
        return crypto.decrypt(self.previous_signing_secret_encrypted)

    @property
    def scope_values(self) -> list[str]:
        return [s["value"] for s in self.scopes]

    @property
    def adds_permissions(self) -> bool:
        return self.token_dialect.endswith("_authz")

    @property
    def is_rfc9068(self) -> bool:
        return self.token_dialect.startswith("rfc9068")
