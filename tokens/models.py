"""Issued opaque access tokens (only `/userinfo` in their audience). JWTs are never stored."""

from django.db import models

from core.models import TenantOwnedModel

OPAQUE_PREFIX = "authport_opaque_"


class OpaqueAccessToken(TenantOwnedModel):
    """A userinfo-only access token, stored as its SHA-256 (the token carries 256 random bits)."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.TenantUser", null=True, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=2000, blank=True)
    grant_type = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)
    # Why it came out opaque, in the resolution's own steps, for the token explainer.
    steps = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "opaque access token"

    def __str__(self) -> str:
        return f"opaque token …{self.token_hash[-6:]} for {self.client_id}"
