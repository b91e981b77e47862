import pytest

from clients.models import Client
from tests import factories
from tests.conftest import App


@pytest.fixture
def spa_app(tenant):
    """A single-page app: public client, browser grants, the one used for silent renewal."""
    client, secret = factories.make_client(
        tenant,
        name="SPA",
        app_type=Client.AppType.SPA,
        grant_types=[
            Client.GrantType.AUTHORIZATION_CODE,
            Client.GrantType.REFRESH_TOKEN,
            Client.GrantType.IMPLICIT,
        ],
        callbacks=["http://127.0.0.1:3000/callback"],
        web_origins=["http://127.0.0.1:3000"],
    )
    return App(client, secret)
