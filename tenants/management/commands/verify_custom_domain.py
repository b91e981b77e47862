from django.core.management.base import BaseCommand, CommandError

from tenants.domains import custom_domain_verify
from tenants.errors import CustomDomainNotFound


class Command(BaseCommand):
    help = (
        "Make a claimed custom domain live (status ready): it then serves its tenant at its root, with "
        "its own issuer. Run it once DNS points the domain at this server and the reverse proxy holds a "
        "certificate for it: only the operator can know both (SPEC section 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("domain", metavar="DOMAIN")

    def handle(self, *args, domain: str, **options):
        try:
            custom_domain, changed = custom_domain_verify(domain=domain)
        except CustomDomainNotFound as exc:
            raise CommandError(
                f"{exc.message} A tenant claims one with POST /api/v2/custom-domains."
            ) from None
        state = "is now ready" if changed else "was already ready"
        self.stdout.write(
            f"{custom_domain.domain} {state}: it serves tenant {custom_domain.tenant.slug} "
            f"with issuer {custom_domain.issuer}"
        )
