from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from provisioning.configuration import ImportRefused, tenant_config_read, tenant_import
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Apply an Auth0 Deploy CLI tenant.yaml (a file, or a directory holding one) to a tenant, in one "
        "transaction: --dry-run prints the plan only; --delete removes what a section of the file "
        "does not list (SPEC section 10)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("source", help="tenant.yaml, or a directory holding it.")
        parser.add_argument("--dry-run", action="store_true", help="Print the plan; change nothing.")
        parser.add_argument(
            "--delete", action="store_true", help="Delete objects a section of the file omits."
        )

    def handle(self, *args, slug, source, dry_run: bool = False, delete: bool = False, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f'No tenant with slug "{slug}".')
        try:
            result = tenant_import(
                tenant=tenant, data=tenant_config_read(Path(source)), dry_run=dry_run, delete=delete
            )
        except ImportRefused as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if not result.changes:
            self.stdout.write("Nothing to change.")
            return
        for action, section, name in result.changes:
            self.stdout.write(f"{'would ' if dry_run else ''}{action} {section} {name}")
        if dry_run:
            self.stdout.write(f"Dry run: {len(result.changes)} change(s) planned, nothing changed.")
            return
        self.stdout.write(f"{len(result.changes)} change(s) applied.")
        for name, (client_id, secret) in result.secrets.items():
            self.stdout.write(f"  new client {name}: client_id {client_id} client_secret {secret}")
        if result.secrets:
            self.stdout.write("  (secrets are shown once; they are stored only as a hash)")
