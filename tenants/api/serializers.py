"""JSON shapes of tenant settings, signing keys and custom domains: Auth0's field names (SPEC sections 1, 4, 5)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from management_api import StrictCharField, StrictIntegerField, StrictSerializer, auth0_schema
from tenants.domains import custom_domain_target
from tenants.keys import certificate_facts
from tenants.models import SigningKey

MAX_SESSION_LIFETIME_HOURS = 8760  # Auth0's upper bound: one year


class TenantSettingsInput(StrictSerializer):
    """Auth0's tenant settings. The session lifetime is acted on, in hours or in minutes (one column,
    whole hours); the other fields of Auth0's schema (`idle_session_lifetime` among them: Authport
    has no idle timeout) are kept as given and returned."""

    auth0_schema = auth0_schema.TENANT_SETTINGS
    friendly_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    # An API identifier of this tenant; "" or null clears the Default Audience (SPEC section 5).
    default_audience = StrictCharField(max_length=600, required=False, allow_blank=True, allow_null=True)
    session_lifetime = StrictIntegerField(min_value=1, max_value=MAX_SESSION_LIFETIME_HOURS, required=False)
    session_lifetime_in_minutes = StrictIntegerField(
        min_value=60, max_value=MAX_SESSION_LIFETIME_HOURS * 60, required=False
    )

    def validate(self, data):
        minutes = data.pop("session_lifetime_in_minutes", None)
        if minutes is None:
            return data
        if minutes % 60:
            raise serializers.ValidationError(
                {"session_lifetime_in_minutes": ["Authport keeps session lifetimes in whole hours (a multiple of 60)."]}
            )
        if data.get("session_lifetime", minutes // 60) != minutes // 60:
            raise serializers.ValidationError(
                {"session_lifetime_in_minutes": ["Disagrees with session_lifetime (hours)."]}
            )
        data["session_lifetime"] = minutes // 60
        return data


class TenantSettingsOutput(serializers.Serializer):
    friendly_name = serializers.CharField()
    default_audience = serializers.SerializerMethodField()
    session_lifetime = serializers.IntegerField(help_text="Hours.")

    def get_default_audience(self, tenant) -> str:
        """The API identifier, or "" when none is set (as Auth0 answers)."""
        return tenant.default_audience.identifier if tenant.default_audience_id else ""

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
