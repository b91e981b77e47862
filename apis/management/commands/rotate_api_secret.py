from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apis.selectors import (
    resource_server_find,
    resource_server_identifiers,
    resource_server_nearest_identifier,
)
from apis.services import DEFAULT_SECRET_GRACE_SECONDS, resource_server_rotate_secret
from logs.operations import COMMAND_ACTOR, operation_record
from tenants.selectors import tenant_get


class Command(BaseCommand):
    help = (
        "Rotate an HS256 API's signing secret: new tokens are signed with the new secret at once, and the "
        "old one still verifies for the grace period (SPEC section 4). Prints the new secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", required=True)
        parser.add_argument(
            "--api", metavar="IDENTIFIER", required=True, help="The API's identifier (audience)."
        )
        parser.add_argument(
            "--grace",
            metavar="SECONDS",
            type=int,
            default=DEFAULT_SECRET_GRACE_SECONDS,
            help=f"How long the old secret still verifies (default {DEFAULT_SECRET_GRACE_SECONDS}; 0 = not at all).",
        )

    def handle(self, *args, tenant: str, api: str, grace: int, **options):
        found = tenant_get(slug=tenant)
        if found is None:
            raise CommandError(f"Unknown tenant: {tenant}")
        resource_server = resource_server_find(tenant=found, identifier=api)
        if resource_server is None:
            raise CommandError(_unknown_api(tenant=found, identifier=api))
        try:
            rotated = resource_server_rotate_secret(api=resource_server, grace_seconds=grace)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        operation_record(
            tenant=found,
            operation="Rotate an API's signing secret",
            actor=COMMAND_ACTOR,
            details={"api": resource_server.identifier, "grace_seconds": grace},
        )
        self.stdout.write(
            f"Rotated the signing secret of API {api} ({tenant}); new tokens are signed with the new secret."
        )
        self.stdout.write(f"  signing_secret: {rotated.signing_secret}")
        if rotated.previous_signing_secret_expires_at is not None:
            expires = rotated.previous_signing_secret_expires_at.isoformat(timespec="seconds")
            self.stdout.write(f"  the previous secret verifies until {expires} ({grace} s).")
        else:
            self.stdout.write("  the previous secret no longer verifies (no grace period).")


def _unknown_api(*, tenant, identifier: str) -> str:
    """One line: the API is unknown, and the identifier it probably is (as the explainer suggests)."""
    identifiers = resource_server_identifiers(tenant=tenant)
    nearest = resource_server_nearest_identifier(identifier, identifiers)
    if nearest:
        hint = f"Did you mean {nearest}? (Identifiers match exactly, trailing slash included.)"
    elif identifiers:
        hint = "Its APIs: " + ", ".join(identifiers) + "."
    else:
        hint = "It has no APIs."
    return f"Unknown API {identifier} in tenant {tenant.slug}. {hint}"
