"""What a rotation or a revocation would do, for the operator to confirm (SPEC section 4).

Reads only: the admin shows these before it calls the rotate and revoke services.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from tenants.keys import JWKS_MAX_AGE
from tenants.models import SigningKey, Tenant
from tenants.selectors import signing_keys_published


def when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}"


@dataclass(frozen=True)
class ChainRotationPreview:
    """What rotating one key chain does: current -> previous, next -> current, a new next."""

    alg: str
    current: SigningKey | None
    next: SigningKey | None
    next_published_for: int | None  # seconds the next key has been in the JWKS
    previous: tuple[SigningKey, ...]  # earlier previous keys: a rotation leaves them published

    @property
    def next_recently_published(self) -> bool:
        # A verifier may hold a JWKS fetched before the next key appeared, for up to the cache lifetime.
        return self.next_published_for is not None and self.next_published_for < JWKS_MAX_AGE

    @property
    def seconds_until_safe(self) -> int:
        return max(JWKS_MAX_AGE - (self.next_published_for or 0), 0)


@dataclass(frozen=True)
class TenantRotationPreview:
    tenant: Tenant
    chains: tuple[ChainRotationPreview, ...]

    @property
    def field_name(self) -> str:
        return f"rotation_state_{self.tenant.pk}"

    @property
    def state(self) -> str:
        """The chains as the page showed them; the confirmation holds for this state only."""
        return " ".join(
            f"{c.alg}:{c.current.kid if c.current else '-'}:{c.next.kid if c.next else '-'}"
            for c in self.chains
        )


def tenant_rotation_preview(*, tenant: Tenant, now: datetime) -> TenantRotationPreview:
    chains: dict[str, list[SigningKey]] = {}
    for key in signing_keys_published(tenant=tenant):  # the chains the rotation service rotates
        chains.setdefault(key.alg, []).append(key)
    previews = []
    for alg, keys in sorted(chains.items()):
        by_state = {state: [k for k in keys if k.state == state] for state in SigningKey.PUBLISHED_STATES}
        current = by_state[SigningKey.State.CURRENT][0] if by_state[SigningKey.State.CURRENT] else None
        upcoming = by_state[SigningKey.State.NEXT][0] if by_state[SigningKey.State.NEXT] else None
        previews.append(
            ChainRotationPreview(
                alg=alg,
                current=current,
                next=upcoming,
                next_published_for=int((now - upcoming.created_at).total_seconds()) if upcoming else None,
                previous=tuple(by_state[SigningKey.State.PREVIOUS]),
            )
        )
    return TenantRotationPreview(tenant=tenant, chains=tuple(previews))


@dataclass(frozen=True)
class RevocationPreview:
    key: SigningKey
    refusal: str  # why the key cannot be revoked; empty when it can

    @property
    def revocable(self) -> bool:
        return not self.refusal


def revocation_refusal(key: SigningKey) -> str:
    """Why the admin will not revoke `key`; empty for a previous key (Auth0: previous keys only)."""
    if key.state == SigningKey.State.PREVIOUS:
        return ""
    if key.state == SigningKey.State.CURRENT:
        return (
            f"It is the current {key.alg} key of {key.tenant.slug}, which signs new tokens. Only a previous key "
            "can be revoked: rotate first, so that it becomes previous, then revoke it."
        )
    if key.state == SigningKey.State.NEXT:
        return (
            f"It is the next {key.alg} key of {key.tenant.slug}, published ahead so that verifiers know it before "
            "it signs; it has signed nothing yet and becomes current at the next rotation. Only a previous key "
            "can be revoked."
        )
    revoked = f" on {when(key.revoked_at)}" if key.revoked_at else ""
    return f"It is already revoked{revoked}."
