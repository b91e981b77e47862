import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import AuthportError
from provisioning.demo import demo_bootstrap
from provisioning.management.commands.create_tenant import validation_message


class Command(BaseCommand):
    help = (
        "Ensure the demo tenant `demo` with an RS256 and an HS256 API, an M2M client, a password-grant "
        "web app, a demo user and a superuser `admin`; print credentials and curl commands. Idempotent; "
        "the demo clients get new secrets on every run because stored secrets are only hashes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the result as JSON.")

    def handle(self, *args, as_json: bool = False, **options):
        try:
            result = demo_bootstrap().as_json()
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from exc
        except AuthportError as exc:
            raise CommandError(exc.message) from exc
        if as_json:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self._write_text(result)

    def _write_text(self, r: dict) -> None:
        w = self.stdout.write
        w(f"Demo tenant {r['tenant']} ({'created' if r['tenant_created'] else 'already there'})")
        w(f"  issuer: {r['issuer']}")
        for api in r["apis"]:
            w(f"  API {api['identifier']} ({api['name']}, {api['signing_alg']})")
        if r["management_client"]:
            created = r["management_client"]["created"]
            w(f"Management client ({'created' if created else 'secret rotated'}):")
            w(f"  client_id:     {r['management_client']['client_id']}")
            w(f"  client_secret: {r['management_client']['client_secret']}")
        for key in ("m2m_client", "web_client"):
            app = r[key]
            w(f"{app['name']} ({'created' if app['created'] else 'secret rotated'}):")
            w(f"  client_id:     {app['client_id']}")
            w(f"  client_secret: {app['client_secret']}")
        user = r["user"]
        w(f"Demo user ({user['connection']}): {user['email']} / {user['password']}")
        admin = r["admin"]
        if admin["created"]:
            w(f"Django admin (/admin/): {admin['username']} / {admin['password']}  (shown once)")
        else:
            w(f"Django admin (/admin/): user {admin['username']} exists; its password is unchanged.")
        for note in r["notes"]:
            w(f"Note: {note}")
        w("")
        w("Client-credentials JWT for the RS256 API:")
        w(f"  {r['curl']['client_credentials_rs256']}")
        w("Client-credentials JWT for the HS256 API:")
        w(f"  {r['curl']['client_credentials_hs256']}")
        w(f"Password grant, scope 'openid profile' and {r['password_grant_outcome']}:")
        w(f"  {r['curl']['password']}")
