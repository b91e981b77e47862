from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tenants.selectors import tenant_get
from tenants.services import tenant_membership_add


class Command(BaseCommand):
    help = (
        "Let a portal staff user administer a tenant: the admin then shows them that tenant's APIs, "
        "applications, users and keys, and nothing of other tenants (SPEC section 6)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("username", metavar="USERNAME")

    def handle(self, *args, slug: str, username: str, **options):
        tenant = tenant_get(slug=slug)
        if tenant is None:
            raise CommandError(f"unknown tenant: {slug}")
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(
                f"unknown staff user: {username} (create it with createsuperuser or in the admin)"
            )
        tenant_membership_add(tenant=tenant, user=user)
        self.stdout.write(f"{username} administers {slug}.")
        if not (user.is_active and user.is_staff):
            self.stderr.write(
                f"{username} is not an active staff user: they cannot log in to the admin until they are."
            )
