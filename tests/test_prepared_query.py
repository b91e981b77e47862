"""core.prepared: a queryset compiled once answers later runs exactly as the ORM would."""

import json

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from apis.models import ResourceServer
from clients.models import Client
from core.prepared import PreparedQuery, _json_text_converter
from tests import factories


def _by_identifier(*, tenant_id: int, identifier: str):
    return (
        ResourceServer.objects.filter(tenant_id=tenant_id, identifier=identifier)
        .only("identifier")
        .order_by()[:1]
    )


def test_later_runs_use_their_own_values(tenant, other_tenant):
    # given
    query = PreparedQuery(ResourceServer, _by_identifier, tenant_id=int, identifier=str)
    mine = factories.make_api(tenant, identifier="https://same.test/")
    theirs = factories.make_api(other_tenant, identifier="https://same.test/")
    # when / then: the same compiled SQL, other parameter values, other rows
    assert [api.pk for api in query.run(tenant_id=tenant.pk, identifier="https://same.test/")] == [mine.pk]
    assert [api.pk for api in query.run(tenant_id=other_tenant.pk, identifier="https://same.test/")] == [
        theirs.pk
    ]
    assert query.run(tenant_id=tenant.pk, identifier="https://nope.test/") == []


def test_deferred_fields_still_load(tenant):
    # given
    factories.make_api(tenant, identifier="https://deferred.test/", name="Deferred")
    query = PreparedQuery(ResourceServer, _by_identifier, tenant_id=int, identifier=str)
    # when
    (api,) = query.run(tenant_id=tenant.pk, identifier="https://deferred.test/")
    # then
    assert api.name == "Deferred"


def test_a_value_missing_from_the_sql_is_refused(db):
    # given: `unused` never reaches the query
    query = PreparedQuery(
        ResourceServer,
        lambda *, tenant_id, unused: _by_identifier(tenant_id=tenant_id, identifier="x"),
        tenant_id=int,
        unused=str,
    )
    # when / then
    with pytest.raises(ValueError, match="every value must appear"):
        query.run(tenant_id=1, unused="y")


def test_postgresql_plans_the_token_statement_once_per_connection(client, tenant, m2m_app, rs256_api):
    # given: PostgreSQL, where planning the token endpoint's five-table join cost more than running it
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds}

    # when: the same request, again and again, on this connection
    answers = [client.post(f"/{tenant.slug}/oauth/token", body).status_code for _ in range(8)]

    # then: one prepared statement served every run, and PostgreSQL settled on its generic plan
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT c."id"%FROM "clients_client" c%'],
        )
        (plans,) = cursor.fetchall()
    assert answers == [200] * 8
    assert sum(plans) >= 8
    assert plans[0] >= 1  # generic: planned no more


@pytest.mark.parametrize("signal_name", ["pre_init", "post_init"])
def test_a_receiver_of_a_models_init_signals_still_hears_prepared_rows(tenant, signal_name):
    # given
    from django.db.models import signals

    factories.make_api(tenant, identifier="https://heard.test/")
    query = PreparedQuery(ResourceServer, _by_identifier, tenant_id=int, identifier=str)
    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    signal = getattr(signals, signal_name)
    signal.connect(receiver, sender=ResourceServer)
    try:
        # when
        found = query.run(tenant_id=tenant.pk, identifier="https://heard.test/")
    finally:
        signal.disconnect(receiver, sender=ResourceServer)
    # then: built by Django, whose __init__ sends the signal
    assert [api.identifier for api in found] == ["https://heard.test/"]
    assert heard == [ResourceServer]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)
stored_texts = (
    json_values.map(json.dumps) | st.text(max_size=20) | st.sampled_from(["", "[1,", "NaN", "\ud800"])
)


@given(stored_texts)
def test_a_json_column_reads_as_djangos_json_field_reads_it(text):
    # given
    field = Client._meta.get_field("grant_types")
    quick = _json_text_converter(field.from_db_value)
    # when
    expected, got = field.from_db_value(text, None, connection), quick(text, None, connection)
    # then: the same value (NaN compared by its text, as NaN != NaN)
    assert json.dumps(got) == json.dumps(expected)
    assert type(got) is type(expected)


def test_a_json_column_of_a_fetched_row_reads_as_the_orm_reads_it(tenant):
    # given
    app, _secret = factories.make_client(tenant, grant_types=["client_credentials", "password"])
    query = PreparedQuery(Client, lambda *, pk: Client.objects.filter(pk=pk).only("grant_types"), pk=int)
    # when
    [found] = query.run(pk=app.pk)
    # then
    assert (
        found.grant_types == Client.objects.get(pk=app.pk).grant_types == ["client_credentials", "password"]
    )
