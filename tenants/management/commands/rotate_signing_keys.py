import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from logs.operations import COMMAND_ACTOR, operation_record
from tenants.keys import JWKS_MAX_AGE
from tenants.models import Tenant
from tenants.rotation import tenant_rotation_preview
from tenants.selectors import tenant_get
from tenants.services import signing_keys_rotate


class Command(BaseCommand):
    help = (
        "Rotate every signing-key chain of a tenant, or of all tenants: next becomes current, current "
        "becomes previous, and a new next key is generated (SPEC section 4). Prints the kids per chain."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--tenant", metavar="SLUG", help="The tenant whose keys to rotate.")
        target.add_argument(
            "--all", dest="all_tenants", action="store_true", help="Rotate every tenant's keys."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(
        self, *args, tenant: str | None = None, all_tenants: bool = False, json: bool = False, **options
    ):
        if all_tenants:
            tenants = list(Tenant.objects.order_by("slug"))
        else:
            found = tenant_get(slug=tenant)
            if found is None:
                raise CommandError(f"Unknown tenant: {tenant}")
            tenants = [found]
        # The admin's confirmation page warns about these; a command cannot ask, so it says so on stderr.
        now = timezone.now()
        for t in tenants:
            for chain in tenant_rotation_preview(tenant=t, now=now).chains:
                if chain.next_recently_published:
                    self.stderr.write(
                        f"Warning: {t.slug} {chain.alg}: the next key {chain.next.kid} was published only "
                        f"{chain.next_published_for} s ago, less than the JWKS cache lifetime ({JWKS_MAX_AGE} s): "
                        "a verifier whose cached JWKS is older does not know it yet and refuses the new tokens "
                        f"until it refetches. Waiting {chain.seconds_until_safe} s more avoids that."
                    )
        # One transaction per tenant: a tenant's lock is held only while its own chains rotate.
        rotated = [
            {
                "tenant": t.slug,
                "alg": r.alg,
                "previous": r.previous_kid,
                "current": r.current_kid,
                "next": r.next_kid,
            }
            for t in tenants
            for r in signing_keys_rotate(tenant=t)
        ]
        for t in tenants:
            chains = [r for r in rotated if r["tenant"] == t.slug]
            operation_record(
                tenant=t, operation="Rotate signing keys", actor=COMMAND_ACTOR, details={"rotated": chains}
            )
        if json:
            self.stdout.write(_dumps({"rotated": rotated}))
            return
        if not rotated:
            self.stdout.write("No tenants: nothing to rotate.")
        for r in rotated:
            self.stdout.write(
                f"{r['tenant']} {r['alg']}: previous {r['previous'] or '-'} (was current), "
                f"current {r['current']} (was next), next {r['next']} (new)"
            )


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2)
