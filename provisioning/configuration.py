"""Configuration as code (SPEC section 10): a tenant in and out of Auth0 Deploy CLI's `tenant.yaml`.

An export is what the Management API answers (the same output serializers), less what names one
tenant's objects (`id`, `client_id`) and less every secret. An import validates each entry with the
Management API's input serializers and applies it through the same services, so an entry the API
would refuse refuses the whole import. Objects are matched as the Deploy CLI matches them: APIs by
identifier, clients and roles by name, grants by (client name, audience).

The system API, and the clients granted access to it (the management client), are never exported,
imported over or deleted: they are what operates the tenant.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework.exceptions import ValidationError as DrfValidationError

from accounts.models import Role
from accounts.selectors import role_permissions_list, roles_list
from accounts.services import permissions_assign, permissions_remove, role_create, role_delete, role_update
from apis.api.serializers import ResourceServerCreateInput, ResourceServerOutput, ResourceServerUpdateInput
from apis.models import ResourceServer
from apis.selectors import resource_server_find, resource_servers_list
from apis.services import resource_server_create, resource_server_delete, resource_server_update
from apis.system import MANAGEMENT_API_NAME
from clients.api.serializers import (
    ClientCreateInput,
    ClientGrantCreateInput,
    ClientOutput,
    ClientUpdateInput,
    client_fields,
)
from clients.models import AUTH0_ONLY_GRANT_TYPES, Client, ClientGrant
from clients.selectors import client_grants_list, clients_list
from clients.services import (
    client_create,
    client_delete,
    client_grant_create,
    client_grant_delete,
    client_grant_update,
    client_update,
)
from core.exceptions import AuthportError
from tenants.api.serializers import TenantSettingsInput, TenantSettingsOutput
from tenants.models import Tenant
from tenants.services import tenant_update

FILE_NAMES = ("tenant.yaml", "tenant.yml")
SECTIONS = ("tenant", "resourceServers", "clients", "clientGrants", "roles")
# What names an object of one tenant, or is a secret: never in an export, ignored on import.
_RESOURCE_SERVER_OMIT = (
    "id",
    "is_system",
    "signing_secret",
    "previous_signing_secret",
    "previous_signing_secret_expires_at",
)
_CLIENT_OMIT = ("client_id", "client_secret", "tenant", "signing_keys", "global", "owners")
# Auth0's own Management API, as another tenant's export names it (`https://{tenant}.auth0.com/api/v2/`).
_AUTH0_MANAGEMENT_AUDIENCE = re.compile(r"^https://[^/]+/api/v2/$")


class ImportRefused(Exception):
    """The file as a whole, or one entry of it, cannot be imported: nothing was changed."""


@dataclass
class ImportResult:
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (action, section, name)
    warnings: list[str] = field(default_factory=list)
    secrets: dict[str, tuple[str, str]] = field(default_factory=dict)  # client name -> (client_id, secret)
    dry_run: bool = False


# ---- export -------------------------------------------------------------------------------------


def _system_api(tenant: Tenant) -> ResourceServer | None:
    return resource_server_find(tenant=tenant, identifier=tenant.management_audience)


def _management_client_ids(tenant: Tenant) -> set[int]:
    """Clients granted the system API: the management client and whatever operates the tenant."""
    return set(
        ClientGrant.objects.filter(client__tenant=tenant, resource_server__is_system=True).values_list(
            "client_id", flat=True
        )
    )


def _api_doc(api: ResourceServer) -> dict:
    data = dict(ResourceServerOutput(api).data)
    for key in _RESOURCE_SERVER_OMIT:
        data.pop(key, None)
    return data


def _client_doc(client: Client) -> dict:
    data = dict(ClientOutput(client).data)
    for key in _CLIENT_OMIT:
        data.pop(key, None)
    return data


def _grant_doc(grant: ClientGrant) -> dict:
    return {
        **grant.auth0_extra,
        "client_id": grant.client.name,
        "audience": grant.resource_server.identifier,
        "scope": list(grant.scope),
    }


def _role_doc(role: Role) -> dict:
    permissions = sorted(
        (p.resource_server_identifier, p.permission_name) for p in role_permissions_list(role=role)
    )
    return {
        "name": role.name,
        "description": role.description,
        "permissions": [{"permission_name": n, "resource_server_identifier": i} for i, n in permissions],
    }


def _tenant_doc(tenant: Tenant) -> dict:
    return dict(TenantSettingsOutput(tenant).data)


def _exported_apis(tenant: Tenant) -> list[ResourceServer]:
    return sorted(
        (a for a in resource_servers_list(tenant=tenant) if not a.is_system), key=lambda a: a.identifier
    )


def _exported_clients(tenant: Tenant) -> list[Client]:
    managers = _management_client_ids(tenant)
    return sorted(
        (c for c in clients_list(tenant=tenant) if c.pk not in managers), key=lambda c: (c.name, c.pk)
    )


def _exported_grants(tenant: Tenant) -> list[ClientGrant]:
    managers = _management_client_ids(tenant)
    grants = client_grants_list(tenant=tenant).select_related("client", "resource_server")
    kept = [g for g in grants if g.client_id not in managers and not g.resource_server.is_system]
    return sorted(kept, key=lambda g: (g.client.name, g.resource_server.identifier))


def tenant_export(*, tenant: Tenant) -> dict:
    """The tenant as Deploy CLI's `tenant.yaml` holds it (SPEC section 10). No secrets."""
    return {
        "tenant": _tenant_doc(tenant),
        "resourceServers": [_api_doc(a) for a in _exported_apis(tenant)],
        "clients": [_client_doc(c) for c in _exported_clients(tenant)],
        "clientGrants": [_grant_doc(g) for g in _exported_grants(tenant)],
        "roles": [_role_doc(r) for r in sorted(roles_list(tenant=tenant), key=lambda r: r.name)],
    }


def tenant_export_yaml(*, tenant: Tenant) -> str:
    return yaml.safe_dump(tenant_export(tenant=tenant), sort_keys=False, allow_unicode=True, width=120)


def tenant_export_write(*, tenant: Tenant, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAMES[0]
    path.write_text(tenant_export_yaml(tenant=tenant), encoding="utf-8")
    return path


# ---- import -------------------------------------------------------------------------------------


def tenant_config_read(source: Path) -> dict:
    """The YAML mapping in FILE, or in DIR/tenant.yaml; a clear one-line error otherwise."""
    if source.is_dir():
        path = next((source / n for n in FILE_NAMES if (source / n).is_file()), None)
        if path is None:
            raise ImportRefused(f"{source}: no {' or '.join(FILE_NAMES)} in this directory.")
    elif source.is_file():
        path = source
    else:
        raise ImportRefused(f"{source}: no such file or directory.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ImportRefused(
            f"{path}: expected a mapping of sections (tenant, clients, ...), found {type(data).__name__}."
        )
    return data


def _message(exc: Exception) -> str:
    if isinstance(exc, DrfValidationError):
        return _flatten(exc.detail)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, AuthportError):
        return exc.message
    return str(exc)


def _flatten(detail, prefix: str = "") -> str:
    if isinstance(detail, dict):
        return "; ".join(
            _flatten(v, f"{prefix}.{k}" if prefix else ("" if k == "non_field_errors" else str(k)))
            for k, v in detail.items()
        )
    if isinstance(detail, list):
        return "; ".join(_flatten(v, prefix) for v in detail)
    return f"{prefix}: {detail}" if prefix else str(detail)


def _validated(serializer_class, entry: dict) -> dict:
    serializer = serializer_class(data=entry)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class _Importer:
    def __init__(self, tenant: Tenant, data: dict, *, delete: bool, result: ImportResult):
        self.tenant, self.data, self.delete, self.result = tenant, data, delete, result
        self.system_api = _system_api(tenant)

    def section(self, name: str) -> list:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ImportRefused(f"{name}: expected a list, found {type(value).__name__}.")
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise ImportRefused(f"{name}[{i}]: expected a mapping, found {type(entry).__name__}.")
        return value

    def entry(self, section: str, index: int, label: str, apply: Callable[[], None]) -> None:
        changes = len(self.result.changes)
        try:
            with transaction.atomic():
                apply()
                if len(self.result.changes) == changes:
                    transaction.set_rollback(True)  # nothing changed: leave no write behind (updated_at)
        except (DrfValidationError, DjangoValidationError, AuthportError, ImportRefused) as exc:
            raise ImportRefused(f'{section}[{index}] "{label}": {_message(exc)}') from exc

    def change(self, action: str, section: str, name: str, before, after) -> None:
        if before != after:
            self.result.changes.append((action, section, name))

    def once(self, section: str, index: int, label: str, key, seen: set) -> None:
        """An object named twice in a section is refused (the Deploy CLI would apply it twice)."""
        if key is not None and not isinstance(key, (str, tuple)):
            raise ImportRefused(
                f'{section}[{index}] "{label}": expected a string, found {type(key).__name__}.'
            )
        if key in seen and key is not None:
            raise ImportRefused(f'{section}[{index}] "{label}": listed twice in the file.')
        seen.add(key)

    def warn(self, text: str) -> None:
        self.result.warnings.append(text)

    # -- sections, in dependency order --

    def resource_servers(self) -> None:
        entries = self.section("resourceServers")
        seen = set()
        for i, raw in enumerate(entries):
            entry = {k: v for k, v in raw.items() if k not in _RESOURCE_SERVER_OMIT}
            identifier = entry.get("identifier")
            label = str(identifier or entry.get("name") or i)
            if (
                identifier == self.tenant.management_audience
                or entry.get("name") == MANAGEMENT_API_NAME
                or (
                    isinstance(identifier, str)
                    and _AUTH0_MANAGEMENT_AUDIENCE.match(identifier)
                    and raw.get("is_system")
                )
            ):
                self.warn(f'resourceServers[{i}] "{label}": the system API is never imported over; skipped.')
                continue
            self.once("resourceServers", i, label, identifier, seen)
            self.entry(
                "resourceServers",
                i,
                label,
                lambda entry=entry, identifier=identifier: self._api(entry, identifier),
            )
        if self.delete and "resourceServers" in self.data:
            for api in _exported_apis(self.tenant):
                if api.identifier not in seen:
                    resource_server_delete(api=api)
                    self.result.changes.append(("delete", "resourceServers", api.identifier))

    def _api(self, entry: dict, identifier) -> None:
        api = (
            resource_server_find(tenant=self.tenant, identifier=identifier)
            if isinstance(identifier, str)
            else None
        )
        if api is None:
            api = resource_server_create(tenant=self.tenant, **_validated(ResourceServerCreateInput, entry))
            self.result.changes.append(("create", "resourceServers", api.identifier))
            return
        if api.is_system:
            raise ImportRefused("the system API is never imported over.")
        before = _api_doc(api)
        data = _validated(ResourceServerUpdateInput, {k: v for k, v in entry.items() if k != "identifier"})
        after = _api_doc(resource_server_update(api=api, **data))
        self.change("update", "resourceServers", api.identifier, before, after)

    def clients(self) -> None:
        entries = self.section("clients")
        managers = _management_client_ids(self.tenant)
        by_name: dict[str, Client] = {}
        for c in clients_list(tenant=self.tenant):
            by_name.setdefault(c.name, c)
        seen = set()
        for i, raw in enumerate(entries):
            entry = {k: v for k, v in raw.items() if k not in _CLIENT_OMIT}
            name = entry.get("name")
            label = str(name or i)
            current = by_name.get(name) if isinstance(name, str) else None
            if current is not None and current.pk in managers:
                self.warn(f'clients[{i}] "{label}": the management client is never imported over; skipped.')
                seen.add(name)
                continue
            self.once("clients", i, label, name, seen)
            self.entry("clients", i, label, lambda entry=entry, current=current: self._client(entry, current))
            self._client_warnings(i, label, entry)
        if self.delete and "clients" in self.data:
            for client in _exported_clients(self.tenant):
                if client.name not in seen:
                    client_delete(client=client)
                    self.result.changes.append(("delete", "clients", client.name))

    def _client_warnings(self, index: int, label: str, entry: dict) -> None:
        """What an Auth0 export may say that Authport keeps without acting on it, named per client."""
        unsupported = [g for g in entry.get("grant_types") or [] if g in AUTH0_ONLY_GRANT_TYPES]
        if unsupported:
            self.warn(
                f'clients[{index}] "{label}": grant types Authport does not support are kept but never '
                f"granted: {', '.join(unsupported)}."
            )
        methods = entry.get("client_authentication_methods")
        if isinstance(methods, dict) and methods:
            self.warn(
                f'clients[{index}] "{label}": client_authentication_methods ({", ".join(sorted(methods))}) '
                "is kept but not acted on: the application authenticates with a client secret instead."
            )

    def _client(self, entry: dict, current: Client | None) -> None:
        if current is None:
            client, secret = client_create(
                tenant=self.tenant, **client_fields(_validated(ClientCreateInput, entry))
            )
            self.result.changes.append(("create", "clients", client.name))
            self.result.secrets[client.name] = (client.client_id, secret)
            return
        before = _client_doc(current)
        after = _client_doc(
            client_update(client=current, **client_fields(_validated(ClientUpdateInput, entry)))
        )
        self.change("update", "clients", current.name, before, after)

    def client_grants(self) -> None:
        entries = self.section("clientGrants")
        managers = _management_client_ids(self.tenant)
        seen = set()
        for i, entry in enumerate(entries):
            client_name, audience = entry.get("client_id"), entry.get("audience")
            label = f"{client_name} -> {audience}"
            if audience == self.tenant.management_audience or (
                isinstance(audience, str)
                and _AUTH0_MANAGEMENT_AUDIENCE.match(audience)
                and resource_server_find(tenant=self.tenant, identifier=audience) is None
            ):
                self.warn(
                    f'clientGrants[{i}] "{label}": grants on the system API are never imported; skipped.'
                )
                continue
            self.once("clientGrants", i, label, (client_name, audience), seen)
            self.entry(
                "clientGrants", i, label, lambda entry=entry, label=label: self._grant(entry, label, managers)
            )
        if self.delete and "clientGrants" in self.data:
            for grant in _exported_grants(self.tenant):
                if (grant.client.name, grant.resource_server.identifier) not in seen:
                    client_grant_delete(grant=grant)
                    self.result.changes.append(
                        (
                            "delete",
                            "clientGrants",
                            f"{grant.client.name} -> {grant.resource_server.identifier}",
                        )
                    )

    def _grant(self, entry: dict, label: str, managers: set[int]) -> None:
        # The Management API's validation, with client_id holding a client's name (as the Deploy CLI's).
        data = _validated(
            ClientGrantCreateInput, {k: v for k, v in entry.items() if k not in ("id", "is_system")}
        )
        client_name, audience = data["client_id"], data["audience"]
        clients = [c for c in clients_list(tenant=self.tenant) if c.name == client_name]
        if not clients:
            raise ImportRefused(f"no client named {client_name} in the file or the tenant.")
        if clients[0].pk in managers:
            raise ImportRefused("the management client is never imported over.")
        api = resource_server_find(tenant=self.tenant, identifier=audience)
        if api is None:
            raise ImportRefused(f"no API with identifier {audience} in the file or the tenant.")
        scope, extra = data.get("scope", []), data.get("auth0_extra", {})
        grant = ClientGrant.objects.filter(client=clients[0], resource_server=api).first()
        if grant is None:
            client_grant_create(client=clients[0], resource_server=api, scope=scope, auth0_extra=extra)
            self.result.changes.append(("create", "clientGrants", label))
            return
        before = _grant_doc(grant)
        self.change(
            "update",
            "clientGrants",
            label,
            before,
            _grant_doc(client_grant_update(grant=grant, scope=scope, auth0_extra=extra)),
        )

    def roles(self) -> None:
        entries = self.section("roles")
        seen = set()
        for i, entry in enumerate(entries):
            label = str(entry.get("name") or i)
            self.once("roles", i, label, entry.get("name"), seen)
            self.entry("roles", i, label, lambda entry=entry: self._role(entry))
        if self.delete and "roles" in self.data:
            for role in roles_list(tenant=self.tenant):
                if role.name not in seen:
                    role_delete(role=role)
                    self.result.changes.append(("delete", "roles", role.name))

    def _role(self, entry: dict) -> None:
        unknown = set(entry) - {"name", "description", "permissions"}
        if unknown:
            raise ImportRefused(f"Additional properties not allowed: {','.join(sorted(unknown))}")
        name, description = entry.get("name"), entry.get("description") or ""
        if not isinstance(name, str) or not name or not isinstance(description, str):
            raise ImportRefused("a role needs a name (string) and an optional description (string).")
        wanted = set()
        for p in entry.get("permissions") or []:
            if (
                not isinstance(p, dict)
                or not isinstance(p.get("permission_name"), str)
                or not isinstance(p.get("resource_server_identifier"), str)
            ):
                raise ImportRefused("each permission needs permission_name and resource_server_identifier.")
            wanted.add((p["resource_server_identifier"], p["permission_name"]))
        role = next((r for r in roles_list(tenant=self.tenant) if r.name == name), None)
        if role is None:
            role = role_create(tenant=self.tenant, name=name, description=description)
            permissions_assign(tenant=self.tenant, permissions=sorted(wanted), role=role)
            self.result.changes.append(("create", "roles", name))
            return
        before = _role_doc(role)
        if role.description != description:
            role = role_update(role=role, description=description)
        held = {(p.resource_server_identifier, p.permission_name) for p in role_permissions_list(role=role)}
        if wanted - held:
            permissions_assign(tenant=self.tenant, permissions=sorted(wanted - held), role=role)
        if held - wanted:
            permissions_remove(tenant=self.tenant, permissions=sorted(held - wanted), role=role)
        self.change("update", "roles", name, before, _role_doc(role))

    def tenant_settings(self) -> None:
        entry = self.data.get("tenant")
        if entry is None:
            return
        if not isinstance(entry, dict):
            raise ImportRefused(f"tenant: expected a mapping, found {type(entry).__name__}.")
        self.tenant.refresh_from_db()  # an API deleted above may have been its Default Audience
        self.entry("tenant", 0, self.tenant.slug, lambda: self._tenant(entry))

    def _tenant(self, entry: dict) -> None:
        data = _validated(TenantSettingsInput, entry)
        if "default_audience" in data:
            identifier = data["default_audience"]
            api = resource_server_find(tenant=self.tenant, identifier=identifier) if identifier else None
            if identifier and api is None:
                raise ImportRefused(
                    f"default_audience: no API with identifier {identifier} in the file or the tenant."
                )
            data["default_audience"] = api
        before = _tenant_doc(self.tenant)
        if any(getattr(self.tenant, k) != v for k, v in data.items() if k != "auth0_extra") or any(
            self.tenant.auth0_extra.get(k) != v for k, v in data.get("auth0_extra", {}).items()
        ):
            tenant_update(tenant=self.tenant, **data)
        self.change("update", "tenant", self.tenant.slug, before, _tenant_doc(self.tenant))


def tenant_import(*, tenant: Tenant, data: dict, dry_run: bool = False, delete: bool = False) -> ImportResult:
    """Apply a Deploy CLI `tenant.yaml` mapping to `tenant` in one transaction (SPEC section 10).

    Every entry goes through the Management API's validation and services; the first one refused
    raises ImportRefused naming it, and nothing is changed. With `dry_run` the changes are made,
    listed and rolled back. With `delete`, objects of a section the file holds that it does not
    list are deleted; sections it does not hold are left alone.
    """
    result = ImportResult(dry_run=dry_run)
    unsupported = sorted(k for k in data if k not in SECTIONS)
    if unsupported:
        result.warnings.append(
            f"Skipped sections Authport does not have: {', '.join(map(str, unsupported))}."
        )
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        importer = _Importer(tenant, data, delete=delete, result=result)
        importer.resource_servers()
        importer.clients()
        importer.client_grants()
        importer.roles()
        importer.tenant_settings()
        if dry_run:
            transaction.set_rollback(True)
            result.secrets.clear()
    return result
