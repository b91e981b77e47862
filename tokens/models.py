"""Issued opaque access tokens (only `/userinfo` in their audience). JWTs are never stored."""

from django.db import models

from core.models import TenantOwnedModel

OPAQUE_PREFIX = "authport_opaque_"


class OpaqueAccessToken(TenantOwnedModel):
    """A userinfo-only access token, stored as its SHA-256 (the token carries 256 random bits)."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.TenantUser", null=True, on_delete=models.CASCADE, related_name="+")
    scope = models.TextField(blank=True)  # as long as the API's scopes make it
    grant_type = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)
    # The login's token family (shared with its refresh tokens): revoking the family ends this token too.
    family = models.CharField(max_length=64, blank=True, db_index=True)
    # Why it came out opaque, in the resolution's own steps, for the token explainer.
    steps = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "opaque access token"

    def __str__(self) -> str:
        return f"opaque token …{self.token_hash[-6:]} for {self.client_id}"


CODE_PREFIX = "authport_code_"
REFRESH_PREFIX = "authport_rt_"


class AuthorizationCode(TenantOwnedModel):
    """A code from /authorize (RFC 6749 section 4.1), stored as its SHA-256: single use, 60 s,
    bound to its client and redirect_uri, with the PKCE challenge and what the request resolved to."""

    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.TenantUser", on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.TextField()  # a registered callback, up to URLValidator's 2048 characters
    # The requested audience as resolved at /authorize, so the exchange issues exactly that token.
    audience = models.CharField(max_length=600)
    scope = models.TextField(blank=True)  # as long as the API's scopes make it
    nonce = models.CharField(max_length=500, blank=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    auth_time = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # The refresh token family the exchange starts, chosen up front so that a replay of the code
    # can revoke it (RFC 6749 section 4.1.2) even while the first exchange is still running.
    refresh_family = models.CharField(max_length=64)
    replayed_at = models.DateTimeField(null=True, blank=True)

    # How /authorize resolved the audience and scope, for the explanation of the tokens it gives.
    steps = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "authorization code"

    def __str__(self) -> str:
        return f"code …{self.code_hash[-6:]} for {self.client_id}"


class RefreshToken(TenantOwnedModel):
    """An opaque, rotating refresh token stored as its SHA-256. Every rotation stays in one `family`;
    presenting a rotated token again revokes the whole family (reuse detection)."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    family = models.CharField(max_length=64, db_index=True)
    # 0 for a family's first token, one more for each rotation: within the client's reuse interval
    # only the previous generation may be exchanged again (tokens.storage.refresh).
    generation = models.PositiveIntegerField(default=0)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.TenantUser", on_delete=models.CASCADE, related_name="+")
    # The audience resolved when the family began: a refresh keeps it (SPEC section 2, last paragraph).
    audience = models.CharField(max_length=600)
    scope = models.TextField(blank=True)  # as long as the API's scopes make it
    auth_time = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    family_expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "refresh token"

    def __str__(self) -> str:
        return f"refresh token …{self.token_hash[-6:]} for {self.client_id}"


class SsoSession(TenantOwnedModel):
    """A user's sign-in at one tenant (Auth0's SSO session), keyed by the SHA-256 of its cookie value,
    so every process sees it. Ends at logout, when unused until `idle_expires_at` (each use moves it
    to the tenant's idle lifetime from then), or at `expires_at` (the absolute lifetime from the
    login), whichever comes first: `idle_expires_at` is never after `expires_at`."""

    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey("accounts.TenantUser", on_delete=models.CASCADE, related_name="+")
    auth_time = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField()
    idle_expires_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The audience of the login's first token: a silent renewal for another one says so (SPEC 7).
    first_audience = models.TextField(blank=True)

    class Meta:
        verbose_name = "SSO session"

    def __str__(self) -> str:
        return f"session …{self.key_hash[-6:]} of {self.user_id}"
