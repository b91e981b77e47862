from django.core.management.base import BaseCommand, CommandError

from logs.operations import COMMAND_ACTOR, operation_record
from tenants.errors import SigningKeyNotFound, SigningKeyStateError
from tenants.selectors import tenant_get
from tenants.services import signing_key_revoke


class Command(BaseCommand):
    help = (
        "Revoke a previous signing key of a tenant: it leaves the JWKS, and tokens signed with it stop "
        "verifying (SPEC section 4). Current and next keys cannot be revoked."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parse_args = parser.parse_args

        def parse_args_kid_verbatim(args=None, namespace=None):
            return parse_args(None if args is None else _kid_verbatim(list(args)), namespace)

        parser.parse_args = parse_args_kid_verbatim
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", required=True)
        parser.add_argument("--kid", metavar="KID", required=True, help="The key id, as in the JWKS.")

    def handle(self, *args, tenant: str, kid: str, **options):
        found = tenant_get(slug=tenant)
        if found is None:
            raise CommandError(f"Unknown tenant: {tenant}")
        try:
            key = signing_key_revoke(tenant=found, kid=kid)
        except SigningKeyNotFound as exc:
            raise CommandError(f"Signing key {kid} not found in tenant {tenant}.") from exc
        except SigningKeyStateError as exc:
            raise CommandError(exc.message) from exc
        operation_record(
            tenant=found, operation="Revoke a signing key", actor=COMMAND_ACTOR, details={"kid": key.kid}
        )
        self.stdout.write(
            f"Revoked {key.alg} key {key.kid} of {tenant}: it is no longer in the JWKS, so tokens signed "
            "with it stop verifying once verifiers refresh their JWKS cache."
        )


def _kid_verbatim(args: list[str]) -> list[str]:
    """Take the word after --kid as the kid even when it starts with "-".

    A kid is a base64url thumbprint, so one in 64 starts with "-", which argparse would otherwise
    read as an option ("argument --kid: expected one argument").
    """
    for i, arg in enumerate(args[:-1]):
        if arg == "--kid":
            return [*args[:i], f"--kid={args[i + 1]}", *args[i + 2 :]]
    return args
