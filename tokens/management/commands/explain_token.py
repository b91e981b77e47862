import json

from django.core.management.base import BaseCommand, CommandError

from tenants.selectors import tenant_get
from tokens.explanation.explain import explain_request, explain_token


class Command(BaseCommand):
    help = (
        "Explain why a token request gives a JWT, an opaque token or an error (a dry run: nothing is "
        "issued), or what a presented token is (SPEC section 7)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, metavar="SLUG")
        parser.add_argument("--token", help="A token to explain (JWT or opaque).")
        parser.add_argument("--client-id", dest="client_id")
        parser.add_argument("--grant-type", dest="grant_type", default="client_credentials")
        parser.add_argument("--audience")
        parser.add_argument("--resource")
        parser.add_argument("--scope")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the explanation as JSON."
        )

    def handle(
        self, *args, tenant, token, client_id, grant_type, audience, resource, scope, as_json, **options
    ):
        found = tenant_get(slug=tenant)
        if found is None:
            raise CommandError(f"Unknown tenant: {tenant}")
        if token and client_id:
            raise CommandError("Give either --token, or a token request (--client-id ...), not both.")
        if token:
            answer = explain_token(tenant=found, token=token)
        elif client_id:
            answer = explain_request(
                tenant=found,
                grant_type=grant_type,
                client_id=client_id,
                audience=audience,
                resource=resource,
                scope=scope,
            )
        else:
            raise CommandError(
                "Give --token, or a token request with --client-id (and --audience, --scope, --grant-type)."
            )
        if as_json:
            self.stdout.write(json.dumps(answer, indent=2))
            return
        self.stdout.write(answer["summary"])
        for number, step in enumerate(answer["steps"], 1):
            self.stdout.write(f"  {number}. [{step['step']}] {step['detail']}")
        outcome = answer["outcome"]
        if token and outcome.get("expires_at"):
            state = "expired" if outcome.get("expired") else "not expired"
            self.stdout.write(f"Expires at {outcome['expires_at']} ({state}).")
        if token and outcome.get("verifies") is not None:
            self.stdout.write(f"Verifies: {'yes' if outcome['verifies'] else 'no'}.")
        error = outcome.get("error")
        if error:
            self.stdout.write(
                f"Token endpoint answer: {error['status']} {error['error']}: {error['error_description']}"
            )
        if answer["fix"]:
            self.stdout.write(f"Fix: {answer['fix']}")
