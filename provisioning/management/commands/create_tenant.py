import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from provisioning.services import tenant_provision


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Create a tenant with its signing keys, its Management API and a management client "
        "authorized for every management scope (SPEC section 4)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="", help="Friendly name (defaults to the slug).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, slug, name, json: bool = False, **options):
        try:
            provisioned = tenant_provision(slug=slug, friendly_name=name)
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from exc
        if json:
            self.stdout.write(_dumps(provisioned.as_json()))
            return
        data = provisioned.as_json()
        self.stdout.write(f"Created tenant {data['tenant']} (issuer {data['issuer']})")
        self.stdout.write(f"  management client_id:     {data['management_client']['client_id']}")
        self.stdout.write(f"  management client_secret: {data['management_client']['client_secret']}")
        self.stdout.write("  (the secret is shown once; it is stored only as a hash)")


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2)
