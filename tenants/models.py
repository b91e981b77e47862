"""Tenants, the staff who administer them, and their signing keys (SPEC sections 1, 4, 6)."""

import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.models import TenantOwnedModel, TimeStampedModel
from tenants.request_host import request_host

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
# Paths that live beside the tenants' prefixes, or could be mistaken for them.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "static", "healthz", "readyz", "docs", "schema", "oauth", "well-known", "media", "www"}
)
USER_DATABASE = "Username-Password-Authentication"
# Auth0's session lifetimes, in minutes: the defaults (168 h absolute, 72 h idle) and the largest
# value Auth0's plans allow (365 days); at least one minute (SPEC section 5).
DEFAULT_SESSION_LIFETIME_MINUTES = 168 * 60
DEFAULT_IDLE_SESSION_LIFETIME_MINUTES = 72 * 60
MAX_SESSION_LIFETIME_MINUTES = 365 * 24 * 60


@lru_cache(maxsize=8)
def _scheme_and_port(public_url: str) -> tuple[str, str]:
    """PUBLIC_URL's scheme and `:port` suffix ("" for none or the scheme's default), parsed once."""
    public = urlsplit(public_url)
    default = {"http": 80, "https": 443}[public.scheme]
    return public.scheme, "" if public.port in (None, default) else f":{public.port}"


def public_scheme() -> str:
    return _scheme_and_port(settings.PUBLIC_URL)[0]


def public_netloc(hostname: str) -> str:
    """`hostname` with PUBLIC_URL's port, if it names one: tenant hosts and custom domains share it."""
    return hostname + _scheme_and_port(settings.PUBLIC_URL)[1]


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f'"{value}" is a reserved word and cannot be a tenant slug.', code="reserved")


class Tenant(TimeStampedModel):
    """An isolated authorization domain served under `/{slug}/` (and, with TENANT_DOMAIN, at the root of
    `{slug}.{TENANT_DOMAIN}`, and of its ready custom domains); issuers: SPEC section 1."""

    slug = models.CharField(
        max_length=63,
        unique=True,
        validators=[
            RegexValidator(
                SLUG_PATTERN,
                "A slug is 1 to 63 lowercase letters, digits and hyphens, "
                "and starts and ends with a letter or digit.",
            ),
            validate_not_reserved,
        ],
    )
    friendly_name = models.CharField(max_length=200, blank=True)
    default_audience = models.ForeignKey(
        "apis.ResourceServer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The API whose audience a token request without `audience` gets.",
    )
    session_lifetime_in_minutes = models.PositiveIntegerField(
        "maximum session lifetime (minutes)",
        default=DEFAULT_SESSION_LIFETIME_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSION_LIFETIME_MINUTES)],
        help_text="An SSO session ends this long after the login, even if it is used (Auth0's "
        "session_lifetime; Dashboard: Require log in after).",
    )
    idle_session_lifetime_in_minutes = models.PositiveIntegerField(
        "idle session lifetime (minutes)",
        default=DEFAULT_IDLE_SESSION_LIFETIME_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSION_LIFETIME_MINUTES)],
        help_text="An SSO session ends when unused this long (Auth0's idle_session_lifetime; "
        "Dashboard: Inactivity timeout); never later than the maximum lifetime.",
    )
    auth0_extra = models.JSONField(
        default=dict, blank=True, help_text="Fields of Auth0's schema kept as given, not acted on."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TenantMembership", related_name="tenants", blank=True
    )

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=SLUG_PATTERN), name="tenants_tenant_slug_format"),
            models.CheckConstraint(
                condition=~Q(slug__in=sorted(RESERVED_SLUGS)), name="tenants_tenant_slug_not_reserved"
            ),
            models.CheckConstraint(
                condition=Q(
                    session_lifetime_in_minutes__gte=1,
                    session_lifetime_in_minutes__lte=MAX_SESSION_LIFETIME_MINUTES,
                ),
                name="tenants_tenant_session_lifetime_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    idle_session_lifetime_in_minutes__gte=1,
                    idle_session_lifetime_in_minutes__lte=MAX_SESSION_LIFETIME_MINUTES,
                ),
                name="tenants_tenant_idle_session_lifetime_range",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        if self.default_audience_id and self.default_audience.tenant_id != self.pk:
            raise ValidationError(
                {"default_audience": "The Default Audience must be an API of this tenant."},
                code="other_tenant",
            )

    @property
    def path_issuer(self) -> str:
        """`{PUBLIC_URL}/{slug}/`: the issuer of the tenant's path-based URLs, always served."""
        return f"{settings.PUBLIC_URL}/{self.slug}/"

    @property
    def host(self) -> str | None:
        """`{slug}.{TENANT_DOMAIN}` with PUBLIC_URL's port, or None without TENANT_DOMAIN (SPEC section 1)."""
        if not settings.TENANT_DOMAIN:
            return None
        return public_netloc(f"{self.slug}.{settings.TENANT_DOMAIN}")

    @property
    def canonical_issuer(self) -> str:
        """The tenant host's issuer with TENANT_DOMAIN, else the path-based one (SPEC section 1)."""
        host = self.host
        return self.path_issuer if host is None else f"{public_scheme()}://{host}/"

    @property
    def issuer(self) -> str:
        """The issuer of the host the current request came through (`iss`, discovery, JWKS URLs), as
        with Auth0's custom domains; the canonical issuer outside a request (SPEC section 1)."""
        via = request_host()
        if via is None:
            return self.canonical_issuer
        if via.slug is None:
            return self.path_issuer
        return via.issuer if via.slug == self.slug else self.canonical_issuer

    @property
    def userinfo_audience(self) -> str:
        return f"{self.issuer}userinfo"

    @property
    def management_audience(self) -> str:
        """Always the canonical issuer's `api/v2/`, whatever host the request came through (SPEC section 1)."""
        return f"{self.canonical_issuer}api/v2/"

    @property
    def management_audience_aliases(self) -> tuple[str, ...]:
        """The management audience, and the path-based one that clients configured before TENANT_DOMAIN
        was set still ask for: both name the system API, whose tokens carry the canonical one."""
        path_based = f"{self.path_issuer}api/v2/"
        canonical = self.management_audience
        return (canonical,) if path_based == canonical else (canonical, path_based)


class TenantMembership(TimeStampedModel):
    """A portal staff user who administers a tenant (SPEC section 6)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="tenants_membership_once_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.user} administers {self.tenant}"


class SigningKey(TenantOwnedModel):
    """One asymmetric key of a tenant's chain for one algorithm (Auth0's signing key model).

    `kid` is the RFC 7638 thumbprint of the public key, so a kid names exactly one key:
    loaded key objects can be cached by kid in every process without invalidation.
    """

    class Alg(models.TextChoices):
        RS256 = "RS256", "RS256"
        PS256 = "PS256", "PS256"
        ES256 = "ES256", "ES256"

    class State(models.TextChoices):
        NEXT = "next"
        CURRENT = "current"
        PREVIOUS = "previous"
        REVOKED = "revoked"

    PUBLISHED_STATES = (State.NEXT, State.CURRENT, State.PREVIOUS)

    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=5, choices=Alg)
    state = models.CharField(max_length=8, choices=State)
    private_key_encrypted = models.TextField()
    public_jwk = models.JSONField(help_text="The JWK as published, x5c and x5t included.")
    cert_pem = models.TextField()
    current_since = models.DateTimeField(null=True, blank=True)
    current_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["alg", "-created_at"]
        constraints = [
            # The backstop for concurrent rotations: never two current or two next keys in a chain.
            models.UniqueConstraint(
                fields=["tenant", "alg"], condition=Q(state="current"), name="tenants_signingkey_one_current"
            ),
            models.UniqueConstraint(
                fields=["tenant", "alg"], condition=Q(state="next"), name="tenants_signingkey_one_next"
            ),
            models.CheckConstraint(
                condition=Q(alg__in=["RS256", "PS256", "ES256"]), name="tenants_signingkey_alg_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["next", "current", "previous", "revoked"]),
                name="tenants_signingkey_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alg} {self.kid} ({self.state})"


def new_custom_domain_id() -> str:
    return f"cd_{secrets.token_urlsafe(12)}"


class CustomDomain(TenantOwnedModel):
    """A domain of the tenant's own (Auth0 "custom domain"): once the operator verified it (`ready`),
    it serves the tenant at its root with its own issuer, like the tenant host (SPEC section 1).

    Stored lowercased, and unique across every tenant whatever its case: a domain belongs to one tenant.
    """

    class Status(models.TextChoices):
        PENDING_VERIFICATION = "pending_verification"
        READY = "ready"

    class Type(models.TextChoices):
        SELF_MANAGED_CERTS = "self_managed_certs"

    public_id = models.CharField(max_length=32, unique=True, default=new_custom_domain_id, editable=False)
    domain = models.CharField(max_length=253, unique=True)
    type = models.CharField(max_length=32, choices=Type, default=Type.SELF_MANAGED_CERTS)
    status = models.CharField(max_length=32, choices=Status, default=Status.PENDING_VERIFICATION)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(Lower("domain"), name="tenants_customdomain_domain_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending_verification", "ready"]),
                name="tenants_customdomain_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def issuer(self) -> str:
        return f"{public_scheme()}://{public_netloc(self.domain)}/"
