from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from provisioning.configuration import tenant_export_write
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Write a tenant's configuration as Auth0 Deploy CLI's YAML (DIR/tenant.yaml): tenant, "
        "resourceServers, clients, clientGrants, roles. No secrets; no system API (SPEC section 10)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--out", required=True, help="Directory to write tenant.yaml into.")

    def handle(self, *args, slug, out, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f'No tenant with slug "{slug}".')
        path = tenant_export_write(tenant=tenant, out=Path(out))
        self.stdout.write(f"Wrote {path}")
