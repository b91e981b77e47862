"""core.prepared: a queryset compiled once answers later runs exactly as the ORM would."""

import pytest

from apis.models import ResourceServer
from core.prepared import PreparedQuery
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
