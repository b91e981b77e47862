import json
import time

from django.core.management.base import BaseCommand, CommandError

from logs.api.serializers import LogEventOutput
from logs.selectors import log_events_recent
from tenants.selectors import tenant_get


class Command(BaseCommand):
    help = (
        "Print a tenant's latest log events, oldest first (SPEC section 9); with --follow, keep printing "
        "new ones as they are stored. --json prints each event as the Management API shows it, one a line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", required=True)
        parser.add_argument(
            "--type", metavar="T", action="append", dest="types", help="Only this type (repeatable)."
        )
        parser.add_argument("--client-id", metavar="ID", default="", help="Only this application's events.")
        parser.add_argument(
            "--lines", type=int, default=20, help="How many recent events first (default 20)."
        )
        parser.add_argument("--follow", action="store_true", help="Keep polling for new events.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (default 1).")
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help="With --follow: stop after this long (default: never).",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object a line.")

    def handle(self, *args, tenant, types, client_id, lines, follow, interval, seconds, as_json, **options):
        found = tenant_get(slug=tenant)
        if found is None:
            raise CommandError(f"Unknown tenant: {tenant}")
        if lines < 0 or interval <= 0 or (seconds is not None and seconds < 0):
            raise CommandError("--lines and --seconds must be 0 or more, --interval more than 0.")
        scope = {"tenant": found, "types": types, "client_id": client_id}
        events = log_events_recent(**scope, limit=lines) if lines else []
        last = self._print(events, as_json)
        if not lines:
            newest = log_events_recent(**scope, limit=1)
            last = newest[-1].log_id if newest else ""
        if not follow:
            return
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(
                    interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic()))
                )
                while batch := log_events_recent(**scope, after=last, limit=500):
                    last = self._print(batch, as_json) or last
        except KeyboardInterrupt:
            return

    def _print(self, events, as_json: bool) -> str:
        """Writes the events; returns the last one's log_id ("" when there were none)."""
        for event in events:
            if as_json:
                self.stdout.write(json.dumps(LogEventOutput(event).data, ensure_ascii=False))
                continue
            who = event.user_name or event.user_id or "-"
            app = (
                f"{event.client_name} ({event.client_id})" if event.client_name else (event.client_id or "-")
            )
            explanation = event.details.get("explanation") if isinstance(event.details, dict) else None
            summary = (
                explanation.get("summary") if isinstance(explanation, dict) else ""
            ) or event.description
            self.stdout.write(
                f"{LogEventOutput(event).data['date']}  {event.type:<8} {app}  {who}  {summary}".rstrip()
            )
        return events[-1].log_id if events else ""
