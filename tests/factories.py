"""factory_boy factories that go through the services, so test data obeys the same rules as real data."""

import datetime as dt

import factory
from django.utils import timezone

from accounts.services import user_create
from apis.services import resource_server_create
from clients.models import Client
from clients.services import client_create, client_grant_create
from logs.details import DetailsKeys, day_date
from logs.ids import new_log_id
from logs.models import LogDetails, LogEvent
from logs.recorder import encode_details
from provisioning.services import tenant_provision

DEFAULT_PASSWORD = "correct horse battery staple"


def make_tenant(slug: str = "acme", **kwargs):
    """A fully provisioned tenant (keys, Management API, management client)."""
    return tenant_provision(slug=slug, **kwargs).tenant


class ResourceServerFactory(factory.Factory):
    class Meta:
        model = dict

    identifier = factory.Sequence(lambda n: f"https://api-{n}.example.test/")
    name = factory.Sequence(lambda n: f"API {n}")
    signing_alg = "RS256"
    scopes = factory.LazyFunction(
        lambda: [
            {"value": "read:items", "description": "Read items"},
            {"value": "write:items", "description": "Write items"},
        ]
    )

    @classmethod
    def _create(cls, model_class, *, tenant, **kwargs):
        return resource_server_create(tenant=tenant, **kwargs)


def make_api(tenant, **kwargs):
    return ResourceServerFactory.create(tenant=tenant, **kwargs)


def make_client(tenant, *, name: str = "App", **kwargs):
    """Returns (client, plaintext secret)."""
    kwargs.setdefault("app_type", Client.AppType.NON_INTERACTIVE)
    kwargs.setdefault("grant_types", [Client.GrantType.CLIENT_CREDENTIALS])
    return client_create(tenant=tenant, name=name, **kwargs)


def make_grant(client, api, scope=None):
    return client_grant_create(
        client=client, resource_server=api, scope=scope if scope is not None else api.scope_values
    )


def make_user(tenant, *, email: str = "alice@example.test", password: str = DEFAULT_PASSWORD, **kwargs):
    kwargs.setdefault("name", "Alice Example")
    kwargs.setdefault("email_verified", True)
    return user_create(tenant=tenant, email=email, password=password, **kwargs)


def make_log_event(tenant, *, date=None, type: str = "seccft", **kwargs):
    """A stored log event; its log_id sorts by `date` (default now), as the recorder's do."""
    when = date or timezone.now()
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    log_id = new_log_id(when)
    details = kwargs.pop("details", None)
    if details:  # shared as the writer shares them: keyed by tenant, UTC day and text
        key, day = DetailsKeys().key(tenant.pk, int(log_id[4:20]), encode_details(details))
        kwargs["details_ref"], _ = LogDetails.objects.get_or_create(
            key=key, defaults={"tenant": tenant, "day": day_date(day), "details": details}
        )
    return LogEvent.objects.create(tenant=tenant, log_id=log_id, date=when, type=type, **kwargs)
