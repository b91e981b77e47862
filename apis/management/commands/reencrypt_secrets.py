from django.core.management.base import BaseCommand, CommandError

from apis.services import stored_secrets_reencrypt
from core.crypto import UndecryptableSecret


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored private key and HS256 secret under the first key of "
        "AUTHPORT_KEY_ENCRYPTION_KEYS, in one transaction, so that older keys can then be dropped "
        "(SPEC section 4). Expired previous HS256 secrets are cleared rather than re-encrypted."
    )

    def handle(self, *args, **options):
        try:
            done = stored_secrets_reencrypt()
        except UndecryptableSecret as exc:
            raise CommandError(f"{exc} Nothing was re-encrypted.") from exc
        self.stdout.write(
            f"Re-encrypted under the first key of AUTHPORT_KEY_ENCRYPTION_KEYS: "
            f"{done.signing_keys} signing keys, {done.signing_secrets} API signing secrets, "
            f"{done.previous_signing_secrets} previous API signing secrets; "
            f"cleared {done.expired_previous_secrets_cleared} expired previous secrets."
        )
