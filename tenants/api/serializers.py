"""JSON shapes of tenant settings, signing keys and custom domains: Auth0's field names (SPEC sections 1, 4, 5)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from management_api import (
    StrictCharField,
    StrictIntegerField,
    StrictNumberField,
    StrictSerializer,
    auth0_schema,
)
from tenants.domains import custom_domain_target
from tenants.keys import certificate_facts
from tenants.models import MAX_SESSION_LIFETIME_MINUTES, SigningKey

# Auth0's session lifetimes, each in hours (a number) or in minutes (an integer).
SESSION_LIFETIMES = ("session_lifetime", "idle_session_lifetime")
MAX_SESSION_LIFETIME_HOURS = MAX_SESSION_LIFETIME_MINUTES // 60


def _hours_field():
    return StrictNumberField(required=False, help_text="Hours (a number: 1.5 is 90 minutes).")


def _minutes_field():
    return StrictIntegerField(min_value=1, max_value=MAX_SESSION_LIFETIME_MINUTES, required=False)


class TenantSettingsInput(StrictSerializer):
    """Auth0's tenant settings. The session lifetimes are acted on (SSO sessions end when unused for
    `idle_session_lifetime`, and at `session_lifetime` after the login), each given in hours or in
    minutes, as Auth0 takes them: hours become minutes as the Deploy CLI converts them (rounded to the
    minute), and both forms given must agree. The other fields of Auth0's schema are kept as given
    and returned."""

    auth0_schema = auth0_schema.TENANT_SETTINGS
    friendly_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    # An API identifier of this tenant; "" or null clears the Default Audience (SPEC section 5).
    default_audience = StrictCharField(max_length=600, required=False, allow_blank=True, allow_null=True)
    session_lifetime = _hours_field()
    session_lifetime_in_minutes = _minutes_field()
    idle_session_lifetime = _hours_field()
    idle_session_lifetime_in_minutes = _minutes_field()

    def validate(self, data):
        for name in SESSION_LIFETIMES:
            hours = data.pop(name, None)
            if hours is None:
                continue
            minutes, minutes_name = round(hours * 60), f"{name}_in_minutes"
            if not 1 <= minutes <= MAX_SESSION_LIFETIME_MINUTES:
                raise serializers.ValidationError(
                    {name: [f"Must be between 1 minute and {MAX_SESSION_LIFETIME_HOURS} hours"]}
                )
            if data.get(minutes_name, minutes) != minutes:
                raise serializers.ValidationError(
                    {minutes_name: [f"Disagrees with {name} ({hours} hours is {minutes} minutes)"]}
                )
            data[minutes_name] = minutes
        return data


def minutes_as_hours(minutes: int) -> int | float:
    """Auth0 answers lifetimes in hours, a number: whole hours as an integer, 90 minutes as 1.5."""
    return minutes // 60 if minutes % 60 == 0 else minutes / 60


class TenantSettingsOutput(serializers.Serializer):
    """Auth0's tenant settings; each session lifetime in hours and in minutes (what the Deploy CLI
    exports either way re-imports)."""

    friendly_name = serializers.CharField()
    default_audience = serializers.SerializerMethodField()
    session_lifetime = serializers.SerializerMethodField()
    session_lifetime_in_minutes = serializers.IntegerField()
    idle_session_lifetime = serializers.SerializerMethodField()
    idle_session_lifetime_in_minutes = serializers.IntegerField()

    def get_default_audience(self, tenant) -> str:
        """The API identifier, or "" when none is set (as Auth0 answers)."""
        return tenant.default_audience.identifier if tenant.default_audience_id else ""

    def get_session_lifetime(self, tenant) -> float:
        """Hours."""
        return minutes_as_hours(tenant.session_lifetime_in_minutes)

    def get_idle_session_lifetime(self, tenant) -> float:
        """Hours."""
        return minutes_as_hours(tenant.idle_session_lifetime_in_minutes)

    def to_representation(self, tenant) -> dict:
        return {**tenant.auth0_extra, **super().to_representation(tenant)}


class SigningKeyOutput(serializers.Serializer):
    """Auth0's signing key, plus `alg`: Authport keeps one chain per asymmetric algorithm (SPEC section 4)."""

    kid = serializers.CharField()
    alg = serializers.CharField()
    cert = serializers.CharField(source="cert_pem")
    pkcs7 = serializers.CharField()
    fingerprint = serializers.CharField()
    thumbprint = serializers.CharField()
    current = serializers.BooleanField()
    next = serializers.BooleanField()
    previous = serializers.BooleanField()
    revoked = serializers.BooleanField()
    current_since = serializers.DateTimeField(allow_null=True)
    current_until = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, key: SigningKey) -> dict:
        facts = certificate_facts(key.cert_pem)
        return {
            "kid": key.kid,
            "alg": key.alg,
            "cert": key.cert_pem,
            **facts,
            "current": key.state == SigningKey.State.CURRENT,
            "next": key.state == SigningKey.State.NEXT,
            "previous": key.state == SigningKey.State.PREVIOUS,
            "revoked": key.state == SigningKey.State.REVOKED,
            "current_since": self._date(key.current_since),
            "current_until": self._date(key.current_until),
            "revoked_at": self._date(key.revoked_at),
        }

    def _date(self, value):
        return serializers.DateTimeField().to_representation(value) if value else None


class SigningKeyCertOutput(serializers.Serializer):
    """What rotate (the new next key) and revoke (the revoked key) answer."""

    cert = serializers.CharField(source="cert_pem")
    kid = serializers.CharField()


class CustomDomainCreateInput(StrictSerializer):
    """Auth0's `POST custom-domains`: `domain` and `type` (Authport: `self_managed_certs` only)."""

    domain = StrictCharField(max_length=300)
    type = StrictCharField(max_length=32)


class CustomDomainOutput(serializers.Serializer):
    """Auth0's custom domain. `verification.methods` says what DNS needs: a CNAME record of the domain
    pointing at the tenant's host (`origin_domain_name`, as Auth0 names it for self-managed certificates)."""

    custom_domain_id = serializers.CharField(source="public_id")
    domain = serializers.CharField()
    primary = serializers.SerializerMethodField()
    status = serializers.CharField()
    type = serializers.CharField()
    origin_domain_name = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField()

    def get_primary(self, custom_domain) -> bool:
        return False

    def get_origin_domain_name(self, custom_domain) -> str:
        return custom_domain_target(custom_domain.tenant)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "methods": {"type": "array", "items": {"type": "object"}},
                "status": {"type": "string", "enum": ["pending", "verified"]},
                "last_verified_at": {"type": "string", "format": "date-time"},
            },
        }
    )
    def get_verification(self, custom_domain) -> dict:
        verified = custom_domain.status == custom_domain.Status.READY
        answer = {
            "methods": [{"name": "cname", "record": custom_domain_target(custom_domain.tenant)}],
            "status": "verified" if verified else "pending",
        }
        if verified and custom_domain.verified_at:
            answer["last_verified_at"] = custom_domain.verified_at.isoformat().replace("+00:00", "Z")
        return answer
