"""A `refresh_token.leeway` kept as given before Authport acted on it becomes the client's reuse
interval (clients migration 0004); a value the API now refuses is dropped."""

import importlib

from django.apps import apps

from clients.models import Client
from tests import factories

migration = importlib.import_module("clients.migrations.0004_refresh_token_leeway")


def test_a_kept_leeway_becomes_the_column(tenant):
    # given
    kept = {"rotation_type": "rotating", "expiration_type": "expiring"}
    made = {
        name: factories.make_client(tenant, name=name, auth0_extra=extra)[0]
        for name, extra in (
            ("valid", {"refresh_token": {**kept, "leeway": 7}}),
            ("out-of-range", {"refresh_token": {**kept, "leeway": -3}}),
            ("none", {"refresh_token": kept}),
            ("other", {"sso": True}),
        )
    }

    # when: twice, as a re-run changes nothing more
    migration.leeway_from_auth0_extra(apps, None)
    migration.leeway_from_auth0_extra(apps, None)

    # then
    got = {name: Client.objects.get(pk=c.pk) for name, c in made.items()}
    assert {n: c.refresh_token_leeway for n, c in got.items()} == {
        "valid": 7,
        "out-of-range": 0,
        "none": 0,
        "other": 0,
    }
    assert got["valid"].auth0_extra == {"refresh_token": kept}
    assert got["out-of-range"].auth0_extra == {"refresh_token": kept}
    assert got["other"].auth0_extra == {"sso": True}
