"""Log events are kept LOG_RETENTION_DAYS days and pruned by `clear_expired_tokens` (SPEC section 9)."""

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from logs.models import LogEvent
from tests import factories


@pytest.fixture
def aged(tenant, other_tenant):
    """Events of both tenants, 1, 29, 31 and 400 days old."""
    LogEvent.objects.all().delete()
    now = timezone.now()
    return {
        (t.slug, days): factories.make_log_event(t, date=now - dt.timedelta(days=days))
        for t in (tenant, other_tenant)
        for days in (1, 29, 31, 400)
    }


def test_events_older_than_30_days_go_by_default(aged):
    # when
    out = StringIO()
    call_command("clear_expired_tokens", "--json", stdout=out)

    # then
    assert json.loads(out.getvalue())["log_events"] == 4
    kept = set(LogEvent.objects.values_list("log_id", flat=True))
    assert kept == {e.log_id for (_, days), e in aged.items() if days < 30}


def test_log_retention_days_sets_the_window(aged, settings):
    # given
    settings.LOG_RETENTION_DAYS = 2

    # when
    out = StringIO()
    call_command("clear_expired_tokens", stdout=out)

    # then
    assert out.getvalue().strip().endswith(", 6 log events.")
    assert {(e.tenant.slug, e.log_id) for e in LogEvent.objects.select_related("tenant")} == {
        (slug, e.log_id) for (slug, days), e in aged.items() if days == 1
    }


def test_a_retention_below_one_day_refuses_to_boot():
    env = {**os.environ, "LOG_RETENTION_DAYS": "0", "DJANGO_SETTINGS_MODULE": "authport.settings.test"}
    result = subprocess.run(  # noqa: S603 - this repository's own manage.py, fixed arguments
        [sys.executable, str(django_settings.BASE_DIR / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "LOG_RETENTION_DAYS must be 1 or more." in result.stderr
