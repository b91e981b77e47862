#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authport.settings.base")
    # The operator's command line reads the local .env that `make serve` wrote, when there is one
    # (authport/env.py); DJANGO_READ_DOT_ENV_FILE=false turns that off.
    os.environ.setdefault("DJANGO_READ_DOT_ENV_FILE", "true")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings: a bad value is one line, not a traceback
    except ImproperlyConfigured as exc:
        sys.exit(f"Authport cannot start: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
