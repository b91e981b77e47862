"""Tenants, the staff who administer them, and their signing keys (SPEC sections 1, 4, 6)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from core.models import TenantOwnedModel, TimeStampedModel

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
# Paths that live beside the tenants' prefixes, or could be mistaken for them.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "static", "healthz", "readyz", "docs", "schema", "oauth", "well-known", "media", "www"}
)
USER_DATABASE = "Username-Password-Authentication"


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f'"{value}" is a reserved word and cannot be a tenant slug.', code="reserved")


class Tenant(TimeStampedModel):
    """An isolated authorization domain served under `/{slug}/`; its issuer is `{PUBLIC_URL}/{slug}/`."""

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
    session_lifetime = models.PositiveIntegerField(default=168, help_text="SSO session lifetime, in hours.")
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
                condition=Q(session_lifetime__gte=1), name="tenants_tenant_session_lifetime_positive"
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
    def issuer(self) -> str:
        return f"{settings.PUBLIC_URL}/{self.slug}/"

    @property
    def userinfo_audience(self) -> str:
        return f"{self.issuer}userinfo"

    @property
    def management_audience(self) -> str:
        return f"{self.issuer}api/v2/"


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
