"""A ready-to-try demo tenant for `make serve` (the `bootstrap_demo` command).

Everything goes through the apps' services, so the demo obeys the same rules as real data.
"""

import json
import secrets
import shlex
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.selectors import user_find_by_email
from accounts.services import user_create, user_update
from apis.models import ResourceServer
from apis.selectors import resource_server_find
from apis.services import resource_server_create
from clients.errors import ClientGrantConflict
from clients.models import Client
from clients.selectors import clients_list
from clients.services import client_create, client_grant_create, client_rotate_secret
from provisioning.services import tenant_provision
from tenants.models import Tenant
from tenants.selectors import tenant_get

DEMO_SLUG = "demo"
DEMO_SCOPES = [
    {"value": "read:items", "description": "Read items"},
    {"value": "write:items", "description": "Write items"},
]
# (key of its curl command, identifier, name, algorithm)
DEMO_APIS = (
    ("client_credentials_rs256", "https://api.demo.test/", "Demo RS256 API", ResourceServer.SigningAlg.RS256),
    (
        "client_credentials_hs256",
        "https://hs256.demo.test/",
        "Demo HS256 API",
        ResourceServer.SigningAlg.HS256,
    ),
)
M2M_CLIENT_NAME = "Demo M2M"
WEB_CLIENT_NAME = "Demo web app"
WEB_CLIENT_CALLBACKS = ["http://127.0.0.1:8000/callback"]
DEMO_USER_EMAIL = "demo@example.test"
# Fixed and documented in the README so that a reader can try the password grant at once.
# A demo tenant is for a local machine: never expose it.
DEMO_USER_PASSWORD = "authport-demo-password"  # noqa: S105
ADMIN_USERNAME = "admin"


@dataclass
class DemoApp:
    client: Client
    secret: str
    created: bool


@dataclass
class DemoBootstrap:
    """What `demo_bootstrap` found or made, with the secrets it can still show."""

    tenant: Tenant
    tenant_created: bool
    apis: list[ResourceServer]
    m2m: DemoApp
    web: DemoApp
    user_email: str
    user_password: str
    user_created: bool
    user_password_reset: bool
    admin_created: bool
    admin_password: str | None
    management_client: dict | None = None
    notes: list[str] = field(default_factory=list)

    def curl_commands(self) -> dict[str, str]:
        """Ready-to-paste requests: client-credentials JWTs for both APIs, and a password grant."""
        token_url = f"{settings.PUBLIC_URL}/{self.tenant.slug}/oauth/token"
        commands = {}
        for (key, *_), api in zip(DEMO_APIS, self.apis, strict=True):
            body = {
                "grant_type": "client_credentials",
                "client_id": self.m2m.client.client_id,
                "client_secret": self.m2m.secret,
                "audience": api.identifier,
            }
            commands[key] = _curl(token_url, body)
        commands["password"] = _curl(
            token_url,
            {
                "grant_type": "password",
                "client_id": self.web.client.client_id,
                "client_secret": self.web.secret,
                "username": self.user_email,
                "password": self.user_password,
                "scope": "openid profile",
            },
        )
        return commands

    def password_grant_outcome(self) -> str:
        """What the printed password grant (scope openid profile, no audience) gives with this tenant's
        Default Audience, which the README's Management API example sets (SPEC section 2)."""
        api = self.tenant.default_audience
        if api is None:
            return "no audience: an opaque token, valid at /userinfo"
        if api.is_symmetric:
            return (
                f"no audience, so the Default Audience {api.identifier} applies; it is an HS256 API, so the "
                'request is refused (400 invalid_request) until the Default Audience changes or "openid" is dropped'
            )
        return (
            f"no audience, so the Default Audience {api.identifier} applies: a JWT signed with {api.signing_alg} "
            f"and aud [{api.identifier}, {self.tenant.issuer}userinfo]"
        )

    def as_json(self) -> dict:
        return {
            "tenant": self.tenant.slug,
            "issuer": self.tenant.issuer,
            "tenant_created": self.tenant_created,
            "apis": [
                {"name": api.name, "identifier": api.identifier, "signing_alg": api.signing_alg}
                for api in self.apis
            ],
            "m2m_client": {
                "name": self.m2m.client.name,
                "client_id": self.m2m.client.client_id,
                "client_secret": self.m2m.secret,
                "created": self.m2m.created,
            },
            "web_client": {
                "name": self.web.client.name,
                "client_id": self.web.client.client_id,
                "client_secret": self.web.secret,
                "created": self.web.created,
            },
            "user": {
                "email": self.user_email,
                "password": self.user_password,
                "connection": "Username-Password-Authentication",
                "created": self.user_created,
                "password_reset": self.user_password_reset,
            },
            "admin": {
                "username": ADMIN_USERNAME,
                "password": self.admin_password,
                "created": self.admin_created,
            },
            "management_client": self.management_client,
            "curl": self.curl_commands(),
            "password_grant_outcome": self.password_grant_outcome(),
            "notes": self.notes,
        }


def _curl(url: str, body: dict) -> str:
    return (
        f"curl -s -X POST {url} -H 'content-type: application/json' "
        f"-d {shlex.quote(json.dumps(body, separators=(',', ':')))}"
    )


def _ensure_app(*, tenant: Tenant, name: str, **fields) -> DemoApp:
    """Create the client, or give the existing one a new secret: a stored secret is only a hash."""
    existing = clients_list(tenant=tenant).filter(name=name).first()
    if existing is None:
        client, secret = client_create(tenant=tenant, name=name, **fields)
        return DemoApp(client=client, secret=secret, created=True)
    return DemoApp(client=existing, secret=client_rotate_secret(client=existing), created=False)


def _ensure_grant(*, client: Client, api: ResourceServer) -> None:
    try:
        client_grant_create(client=client, resource_server=api, scope=api.scope_values)
    except ClientGrantConflict:
        pass  # already granted; an admin may have narrowed its scopes on purpose


@transaction.atomic
def demo_bootstrap() -> DemoBootstrap:
    """Ensure the demo tenant (SPEC sections 1-5 in one place to try): idempotent, one transaction.

    Tenant `demo` (with its Management API), an RS256 and an HS256 API, an M2M client granted both,
    a password-grant web app, an end user, and a Django superuser `admin`. Client secrets are
    stored hashed, so the demo clients get a new secret on every run: the printed secrets always
    work, and the ones printed before stop working.
    """
    notes = []
    tenant = tenant_get(slug=DEMO_SLUG)
    management_client = None
    tenant_created = tenant is None
    if tenant is None:
        provisioned = tenant_provision(slug=DEMO_SLUG, friendly_name="Demo")
        tenant = provisioned.tenant
        management_client = {
            "client_id": provisioned.management_client.client_id,
            "client_secret": provisioned.management_client_secret,
            "created": True,
        }
    else:
        # As for the demo apps: a stored secret is only a hash, so every run shows a new one, and the
        # README's Management API examples work after any `make serve`, not only the first.
        existing = clients_list(tenant=tenant).filter(grants__resource_server__is_system=True).first()
        if existing is not None:
            management_client = {
                "client_id": existing.client_id,
                "client_secret": client_rotate_secret(client=existing),
                "created": False,
            }

    apis = []
    for _, identifier, name, alg in DEMO_APIS:
        api = resource_server_find(tenant=tenant, identifier=identifier)
        if api is None:
            api = resource_server_create(
                tenant=tenant, identifier=identifier, name=name, signing_alg=alg, scopes=DEMO_SCOPES
            )
        apis.append(api)

    m2m = _ensure_app(
        tenant=tenant,
        name=M2M_CLIENT_NAME,
        app_type=Client.AppType.NON_INTERACTIVE,
        grant_types=[Client.GrantType.CLIENT_CREDENTIALS],
        token_endpoint_auth_method=Client.AuthMethod.CLIENT_SECRET_POST,
    )
    for api in apis:
        _ensure_grant(client=m2m.client, api=api)

    web = _ensure_app(
        tenant=tenant,
        name=WEB_CLIENT_NAME,
        app_type=Client.AppType.REGULAR_WEB,
        grant_types=[
            Client.GrantType.PASSWORD,
            Client.GrantType.PASSWORD_REALM,
            Client.GrantType.AUTHORIZATION_CODE,
            Client.GrantType.REFRESH_TOKEN,
        ],
        callbacks=WEB_CLIENT_CALLBACKS,
        token_endpoint_auth_method=Client.AuthMethod.CLIENT_SECRET_POST,
    )
    if not (m2m.created and web.created):
        notes.append(
            "Client secrets are stored only as hashes, so the demo clients got new secrets on this run; "
            "secrets printed before no longer work."
        )

    user = user_find_by_email(tenant=tenant, email=DEMO_USER_EMAIL)
    user_created = user is None
    user_password_reset = False
    if user is None:
        user_create(
            tenant=tenant,
            email=DEMO_USER_EMAIL,
            password=DEMO_USER_PASSWORD,
            name="Demo User",
            email_verified=True,
        )
    elif not user.check_password(DEMO_USER_PASSWORD):
        user_update(user=user, password=DEMO_USER_PASSWORD)
        user_password_reset = True
        notes.append(
            f"The password of {DEMO_USER_EMAIL} had been changed; it was reset to the documented one."
        )

    admin_password = None
    user_model = get_user_model()
    admin_created = not user_model.objects.filter(username=ADMIN_USERNAME).exists()
    if admin_created:
        admin_password = secrets.token_urlsafe(16)
        user_model.objects.create_superuser(username=ADMIN_USERNAME, email="", password=admin_password)

    return DemoBootstrap(
        tenant=tenant,
        tenant_created=tenant_created,
        apis=apis,
        m2m=m2m,
        web=web,
        user_email=DEMO_USER_EMAIL,
        user_password=DEMO_USER_PASSWORD,
        user_created=user_created,
        user_password_reset=user_password_reset,
        admin_created=admin_created,
        admin_password=admin_password,
        management_client=management_client,
        notes=notes,
    )
