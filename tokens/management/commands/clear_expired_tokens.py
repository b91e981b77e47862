import json

from django.core.management.base import BaseCommand

from tokens.storage.cleanup import expired_tokens_delete


class Command(BaseCommand):
    help = (
        "Delete expired opaque access tokens, SSO sessions, refresh-token families past their absolute "
        "lifetime, authorization codes a day past expiry, and log events older than LOG_RETENTION_DAYS. "
        "Safe to run at any time (e.g. from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the counts as JSON.")

    def handle(self, *args, as_json: bool = False, **options):
        deleted = expired_tokens_delete()
        if as_json:
            self.stdout.write(json.dumps(deleted))
            return
        self.stdout.write(
            "Deleted "
            + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in deleted.items())
            + "."
        )
