"""An update that races a delete never brings the deleted row back (Django's save() would insert it)."""

import pytest

from accounts.models import Role, TenantUser
from accounts.services import role_create, role_update, user_update
from apis.errors import ResourceServerNotFound
from apis.models import ResourceServer
from apis.services import resource_server_update
from clients.errors import ClientGrantNotFound, ClientNotFound
from clients.models import Client, ClientGrant
from clients.services import client_grant_update, client_update
from core.exceptions import NotFound
from tests import factories


def test_a_deleted_application_updated_from_a_stale_copy_stays_deleted(tenant):
    # given: a copy loaded before another request deleted the row
    stale, _ = factories.make_client(tenant, name="Doomed")
    Client.objects.filter(pk=stale.pk).delete()
    # when / then
    with pytest.raises(ClientNotFound):
        client_update(client=stale, name="Renamed")
    assert not Client.objects.filter(client_id=stale.client_id).exists()


def test_the_other_update_services_refuse_deleted_rows_too(tenant, rs256_api, end_user):
    # given
    client, _ = factories.make_client(tenant, name="App")
    grant = factories.make_grant(client, rs256_api)
    role = role_create(tenant=tenant, name="Reader")
    ClientGrant.objects.filter(pk=grant.pk).delete()
    Role.objects.filter(pk=role.pk).delete()
    TenantUser.objects.filter(pk=end_user.pk).delete()
    # when / then
    with pytest.raises(ClientGrantNotFound):
        client_grant_update(grant=grant, scope=[])
    ResourceServer.objects.filter(pk=rs256_api.pk).delete()
    with pytest.raises(NotFound, match="The role does not exist."):
        role_update(role=role, name="Writer")
    with pytest.raises(NotFound, match="The user does not exist."):
        user_update(user=end_user, name="Ghost")
    with pytest.raises(ResourceServerNotFound):
        resource_server_update(api=rs256_api, name="Ghost API")
    assert not ClientGrant.objects.filter(pk=grant.pk).exists()
    assert not Role.objects.filter(pk=role.pk).exists()
    assert not TenantUser.objects.filter(pk=end_user.pk).exists()
    assert not ResourceServer.objects.filter(pk=rs256_api.pk).exists()
