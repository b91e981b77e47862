"""Admin for APIs (resource servers), the page an Auth0 dashboard user registers and wires up APIs on
(SPEC section 6): identifier, algorithm, scopes as rows, lifetimes; its machine-to-machine applications
with their grants; a test panel; the permissions table; the HS256 secret behind a confirmation."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from itertools import zip_longest

import jwt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe

from apis.models import ResourceServer, validate_scopes
from apis.selectors import hs256_previous_secret
from apis.services import (
    DEFAULT_SECRET_GRACE_SECONDS,
    UPDATABLE_FIELDS,
    resource_server_create,
    resource_server_delete,
    resource_server_rotate_secret,
    resource_server_update,
)
from clients.models import Client, ClientGrant
from clients.services import client_grants_set
from core.admin import TenantScopedAdmin, holds_unstorable_text, mask_secret
from core.exceptions import AuthportError
from core.http import client_ip
from logs.operations import operation_record, staff_actor
from tokens.explanation.explain import explain_token
from tokens.explanation.forms import answer_for_display
from tokens.grants.exchange import token_exchange

M2M_LIMIT = 200  # applications listed on an API's page; more are reached through the client grants list


class ScopeRowsWidget(forms.Widget):
    """Scopes as rows of value and description; a script adds rows, and three empty ones come without it."""

    template_name = "admin/apis/widgets/scope_rows.html"
    empty_rows = 3

    def value_from_datadict(self, data, files, name):
        values = data.getlist(f"{name}-value") if hasattr(data, "getlist") else []
        descriptions = data.getlist(f"{name}-description") if hasattr(data, "getlist") else []
        return [(v, d) for v, d in zip_longest(values, descriptions, fillvalue="")]

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-value" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [_row(item) for item in (value or [])]
        context["widget"]["rows"] = rows + [("", "")] * self.empty_rows
        return context

    def format_value(self, value):
        return value

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates (not the form renderer's, which sees only the apps' directories).
        return mark_safe(loader.render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308


def _row(item) -> tuple[str, str]:
    if isinstance(item, dict):
        return str(item.get("value", "")), str(item.get("description", ""))
    value, description = item
    return str(value), str(description)


class ScopeRowsField(forms.Field):
    """Auth0's `scopes` list, validated entry by entry with the model's (and Management API's) rule."""

    widget = ScopeRowsWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[dict]:
        scopes, errors = [], []
        for number, item in enumerate(value or [], start=1):
            scope, description = (s.strip() for s in _row(item))
            if not scope and not description:
                continue
            if not scope:
                errors.append(
                    ValidationError(f'Row {number}: the scope with description "{description}" has no value.')
                )
                continue
            scopes.append({"value": scope, "description": description})
        if errors:
            raise ValidationError(errors)
        return scopes

    def validate(self, value) -> None:
        super().validate(value)
        if holds_unstorable_text(value):
            raise ValidationError("Null characters and lone surrogates are not allowed.", code="unstorable")
        errors = []
        for item in value:
            try:
                validate_scopes([item])
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        validate_scopes(value)  # what only the whole list shows: a scope listed twice

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


class ResourceServerForm(forms.ModelForm):
    scopes = ScopeRowsField(
        label="Permissions (scopes)",
        help_text="One scope a row: its value (e.g. read:items, no spaces) and a description.",
    )

    class Meta:
        model = ResourceServer
        fields = ("tenant", "identifier", *UPDATABLE_FIELDS)
        labels = {"signing_alg": "Signing algorithm"}


CONFIRMED = "yes"  # the confirmation form's "post" field, as in Django's delete_selected


class RotateSecretForm(forms.Form):
    """The grace period, asked on the confirmation page of "Rotate signing secret" (SPEC section 4)."""

    grace_seconds = forms.IntegerField(
        label="Grace period (seconds)",
        min_value=0,
        required=False,
        initial=DEFAULT_SECRET_GRACE_SECONDS,
        error_messages={"min_value": "The grace period cannot be negative: 0 drops the old secret at once."},
        help_text=(
            f"How long the old secret keeps verifying after you confirm. Empty means the default, "
            f"{DEFAULT_SECRET_GRACE_SECONDS}; 0 drops it at once."
        ),
    )

    def clean_grace_seconds(self) -> int:
        grace = self.cleaned_data["grace_seconds"]
        if grace is None:
            return DEFAULT_SECRET_GRACE_SECONDS
        try:
            timezone.now() + dt.timedelta(seconds=grace)
        except OverflowError:
            raise ValidationError(
                "The grace period is too long: it ends beyond the dates Authport can store."
            ) from None
        return grace


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}"


def secret_state_field(api: ResourceServer) -> str:
    return f"secret_state_{api.pk}"


def secret_state(api: ResourceServer) -> str:
    """Changes whenever the stored secret does; a digest of the ciphertext, so it reveals nothing."""
    digest = hashlib.sha256(api.signing_secret_encrypted.encode()).hexdigest()[:16]
    return f"{api.signing_alg}:{digest}"


@dataclass(frozen=True)
class SecretRotationPreview:
    """What rotating one API's HS256 secret does, as the confirmation page shows it."""

    api: ResourceServer
    current_masked: str
    replaced_previous_masked: str  # a previous secret still in its grace, which the rotation drops
    replaced_previous_expires_at: dt.datetime | None


def secret_rotation_preview(api: ResourceServer) -> SecretRotationPreview:
    previous = hs256_previous_secret(api)
    return SecretRotationPreview(
        api=api,
        current_masked=mask_secret(api.signing_secret),
        replaced_previous_masked=mask_secret(previous[0]) if previous else "",
        replaced_previous_expires_at=previous[1] if previous else None,
    )


@admin.register(ResourceServer)
class ResourceServerAdmin(TenantScopedAdmin):
    form = ResourceServerForm
    list_display = ("name", "identifier", "signing_alg", "tenant", "is_system", "token_lifetime")
    list_filter = ("signing_alg", "is_system")
    list_select_related = ("tenant",)
    search_fields = ("name", "identifier", "tenant__slug")
    autocomplete_fields = ("tenant",)
    fieldsets_add = (
        (None, {"fields": ("tenant", "name", "identifier", "signing_alg", "scopes")}),
        (
            "Token settings",
            {
                "fields": (
                    "token_lifetime",
                    "token_lifetime_for_web",
                    "allow_offline_access",
                    "skip_consent_for_verifiable_first_party_clients",
                    "enforce_policies",
                    "token_dialect",
                )
            },
        ),
    )
    fields = (
        "tenant",
        "public_id",
        "identifier",
        "name",
        "signing_alg",
        "signing_secret_masked",
        "previous_signing_secret_masked",
        "scopes",
        "token_lifetime",
        "token_lifetime_for_web",
        "allow_offline_access",
        "skip_consent_for_verifiable_first_party_clients",
        "enforce_policies",
        "token_dialect",
        "is_system",
    )
    actions = ("rotate_signing_secret",)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets_add
        general = ("tenant", "public_id", "name", "identifier", "signing_alg")
        secret = ("signing_secret_masked", "previous_signing_secret_masked") if obj.is_symmetric else ()
        return (
            (None, {"fields": (*general, *secret, "is_system")}),
            ("Permissions", {"fields": ("scopes",)}),
            ("Token settings", self.fieldsets_add[1][1]),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.is_system:  # the Management API: only its token lifetime may change (SPEC section 1)
            return tuple(f for f in self.fields if f != "token_lifetime")
        return (
            "tenant",
            "public_id",
            "identifier",
            "signing_secret_masked",
            "previous_signing_secret_masked",
            "is_system",
        )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)

    # The API's own pages: machine-to-machine access, the test token, the HS256 secret.

    def get_urls(self):
        # Before the default URLs: their catch-all "<path:object_id>/" would take these paths too.
        def view(suffix, func):
            return path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(func),
                name=f"{self.opts.app_label}_{self.opts.model_name}_{suffix.replace('-', '_')}",
            )

        return [
            view("m2m", self.m2m_view),
            view("test-token", self.test_token_view),
            view("reveal-secret", self.reveal_secret_view),
            view("rotate-secret", self.rotate_secret_view),
            *super().get_urls(),
        ]

    def _api_or_none(self, request, object_id, *, change: bool = True) -> ResourceServer | None:
        api = self.get_object(request, unquote(object_id))  # scoped: another tenant's API is "not found"
        if api is not None and not (
            self.has_change_permission(request, api) if change else self.has_view_permission(request, api)
        ):
            raise PermissionDenied
        return api

    def _change_url(self, api: ResourceServer, anchor: str = "") -> str:
        url = reverse("admin:apis_resourceserver_change", args=[api.pk], current_app=self.admin_site.name)
        return url + (f"#{anchor}" if anchor else "")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        api = self.get_object(request, unquote(object_id))
        if api is not None and self.has_view_permission(request, api):
            extra_context = {**(extra_context or {}), **api_page_panels(api)}
        return super().change_view(request, object_id, form_url, extra_context)

    def m2m_view(self, request, object_id):
        """Authorize machine-to-machine applications and choose their scopes: one POST, one transaction."""
        api = self._api_or_none(request, object_id)
        if api is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(api, "m2m"))
        # Only the tenant's applications listed on the page are considered; any other id is ignored.
        listed = {str(c.pk): c for c in m2m_candidates(api)}
        authorized = set(request.POST.getlist("authorize"))
        wanted = {
            client: (request.POST.getlist(f"scope-{pk}") if pk in authorized else None)
            for pk, client in listed.items()
            if pk in request.POST.getlist("listed")
        }
        try:
            counts = client_grants_set(api=api, grants=wanted)
        except (ValidationError, AuthportError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
            self.message_user(request, f"Nothing was saved: {text}", messages.ERROR)
        else:
            now = sum(1 for scope in wanted.values() if scope is not None)
            self.message_user(
                request,
                f"Saved: {now} application{'s' if now != 1 else ''} authorized for {api.name} "
                f"({counts['created']} added, {counts['updated']} changed, {counts['deleted']} removed).",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(api, "m2m"))

    def test_token_view(self, request, object_id):
        """Issue a real client-credentials token for an authorized application, and explain it.

        The token comes from the token endpoint's own exchange (the application is taken as
        authenticated: the portal user administers it) and the explanation from explain_token.
        """
        api = self._api_or_none(request, object_id)
        if api is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(api, "test"))
        client = Client.objects.for_tenant(api.tenant).filter(pk=request.POST.get("client") or None).first()
        if client is None:
            self.message_user(request, "Choose one of the tenant's applications.", messages.ERROR)
            return HttpResponseRedirect(self._change_url(api, "test"))
        try:
            body = token_exchange(
                client=client,
                params={"grant_type": "client_credentials", "audience": api.identifier},
                ip=client_ip(request),
            )
        except AuthportError as exc:
            self.message_user(
                request, f"No token for {client.name}: {exc.status} {exc.code}: {exc.message}", messages.ERROR
            )
            return HttpResponseRedirect(self._change_url(api, "test"))
        token = body["access_token"]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Test token for {api.name}",
            "subtitle": None,
            "opts": self.opts,
            "original": api,
            "client": client,
            "token": token,
            "expires_in": body.get("expires_in"),
            "header_json": json.dumps(jwt.get_unverified_header(token), indent=2),
            # Display only: explain_token below is what verifies it.
            "claims_json": json.dumps(jwt.decode(token, options={"verify_signature": False}), indent=2),
            "answer": answer_for_display(explain_token(tenant=api.tenant, token=token)),
            "change_url": self._change_url(api, "test"),
        }
        return TemplateResponse(request, "admin/apis/resourceserver/test_token.html", context)

    def reveal_secret_view(self, request, object_id):
        """The HS256 secret, after a confirmation step (SPEC section 6)."""
        api = self._api_or_none(request, object_id)
        if api is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not api.is_symmetric:
            self.message_user(
                request, f"{api.name} signs with {api.signing_alg}: it has no secret.", messages.WARNING
            )
            return HttpResponseRedirect(self._change_url(api))
        revealed = request.method == "POST" and request.POST.get("post") == CONFIRMED
        if revealed:
            operation_record(
                tenant=api.tenant,
                operation="Reveal an API's signing secret",
                actor=staff_actor(request),
                request=request,
                details={"api": api.identifier, "staff_user": request.user.get_username()},
            )
        previous = hs256_previous_secret(api)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Signing secret of {api.name}",
            "subtitle": None,
            "opts": self.opts,
            "original": api,
            "revealed": revealed,
            "secret": api.signing_secret if revealed else None,
            "previous": previous if revealed else None,
            "masked": mask_secret(api.signing_secret),
            "change_url": self._change_url(api),
        }
        response = TemplateResponse(request, "admin/apis/resourceserver/reveal_secret.html", context)
        add_never_cache_headers(response)
        return response

    def rotate_secret_view(self, request, object_id):
        """ "Rotate signing secret" for this one API: the action's confirmation page, with the grace period."""
        api = self._api_or_none(request, object_id)
        if api is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        response = self.rotate_signing_secret(request, self.get_queryset(request).filter(pk=api.pk))
        return response or HttpResponseRedirect(self._change_url(api))

    @admin.display(description="Signing secret")
    def signing_secret_masked(self, obj) -> str:
        return mask_secret(obj.signing_secret) if obj.is_symmetric else "— (signed with the tenant's keys)"

    @admin.display(description="Previous signing secret")
    def previous_signing_secret_masked(self, obj) -> str:
        previous = hs256_previous_secret(obj)  # None once its grace is over: it verifies nothing then
        if previous is None:
            return "—"
        return f"{mask_secret(previous[0])}, verifies until {_when(previous[1])}"

    def save_model(self, request, obj, form, change):
        fields = self.form_values(form, UPDATABLE_FIELDS)
        if change:
            api = resource_server_update(api=self.fresh(obj), **fields)
        else:
            values = self.form_values(form, ("tenant", "identifier"))
            api = resource_server_create(**values, **fields)
        self.adopt(obj, api)

    def delete_model(self, request, obj):
        resource_server_delete(api=obj)

    @admin.action(description="Rotate signing secret (HS256)")
    def rotate_signing_secret(self, request, queryset):
        """The confirmation page (with the grace period to choose), or the rotation once confirmed.

        Only HS256 APIs have a secret; the others are listed as not applicable and refused by the
        service if posted anyway. An API whose secret changed since the page was shown is not
        rotated: rotating twice would drop the secret that tokens in flight were signed with.
        """
        apis = list(queryset.select_related("tenant").order_by("tenant__slug", "identifier"))
        if not apis:
            self.message_user(
                request,
                "None of the selected APIs is of a tenant you administer: nothing was rotated.",
                messages.WARNING,
            )
            return None
        confirming = request.POST.get("post") == CONFIRMED
        form = RotateSecretForm(request.POST if confirming else None)
        if confirming and form.is_valid():
            for api in apis:
                self._rotate_secret_as_confirmed(request, api, grace=form.cleaned_data["grace_seconds"])
            return None
        applicable = [secret_rotation_preview(api) for api in apis if api.is_symmetric]
        now = timezone.now()
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": "Rotate signing secrets",
            "subtitle": None,
            "opts": self.opts,
            "media": self.media + form.media,
            "action": "rotate_signing_secret",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": [api.pk for api in apis],
            "secret_states": [(secret_state_field(api), secret_state(api)) for api in apis],
            "applicable": applicable,
            "not_applicable": [api for api in apis if not api.is_symmetric],
            "form": form,
            "default_grace": DEFAULT_SECRET_GRACE_SECONDS,
            "default_until": now + dt.timedelta(seconds=DEFAULT_SECRET_GRACE_SECONDS),
        }
        return TemplateResponse(request, "admin/apis/resourceserver/rotate_secret_confirmation.html", context)

    def _rotate_secret_as_confirmed(self, request, api: ResourceServer, *, grace: int) -> None:
        if request.POST.get(secret_state_field(api)) != secret_state(api):
            self.message_user(
                request,
                f"The signing secret of {api.identifier} ({api.tenant.slug}) was not rotated: the API changed after "
                "the confirmation page was shown (another rotation?). Rotating again would drop the secret that "
                "tokens in flight were signed with; review the API and rotate again if you still mean to.",
                messages.ERROR,
            )
            return
        old_masked = mask_secret(api.signing_secret) if api.is_symmetric else ""
        try:
            rotated = resource_server_rotate_secret(api=api, grace_seconds=grace)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        operation_record(
            tenant=api.tenant,
            operation="Rotate an API's signing secret",
            actor=staff_actor(request),
            request=request,
            details={"api": api.identifier, "grace_seconds": grace},
        )
        if rotated.previous_signing_secret_expires_at:
            old = f"the old secret {old_masked} verifies until {_when(rotated.previous_signing_secret_expires_at)}"
        else:
            old = f"the old secret {old_masked} was dropped at once (grace 0): tokens signed with it no longer verify"
        self.message_user(
            request,
            f"Rotated the signing secret of {api.identifier} ({api.tenant.slug}): new tokens are signed with "
            f"{mask_secret(rotated.signing_secret)} from now on; {old}.",
            messages.SUCCESS,
        )


def m2m_candidates(api: ResourceServer) -> list[Client]:
    """The applications an API's page offers to authorize: the tenant's machine-to-machine ones and
    any other already granted, at most M2M_LIMIT, in one query."""
    return list(
        Client.objects.for_tenant(api.tenant)
        .filter(Q(app_type=Client.AppType.NON_INTERACTIVE) | Q(grants__resource_server=api))
        .distinct()
        .order_by("name", "pk")[:M2M_LIMIT]
    )


@dataclass(frozen=True)
class M2MRow:
    client: Client
    grant: ClientGrant | None
    scopes: list[tuple[str, str, bool]]  # (value, description, granted)
    can_use_client_credentials: bool


def api_page_panels(api: ResourceServer) -> dict:
    """What an API's page shows besides its form, ready for the template (a fixed number of queries)."""
    candidates = m2m_candidates(api)
    grants = {
        g.client_id: g for g in ClientGrant.objects.filter(resource_server=api).select_related("client")
    }
    rows = []
    for client in candidates:
        grant = grants.get(client.pk)
        granted = set(grant.scope) if grant else set()
        rows.append(
            M2MRow(
                client=client,
                grant=grant,
                scopes=[(s["value"], s.get("description", ""), s["value"] in granted) for s in api.scopes],
                can_use_client_credentials=client.allows_grant(Client.GrantType.CLIENT_CREDENTIALS)
                and not client.is_public,
            )
        )
    authorized = sorted((g.client for g in grants.values()), key=lambda c: (c.name, c.pk))
    granted_to = {s["value"]: [] for s in api.scopes}
    for grant in grants.values():
        for scope in grant.scope:
            granted_to.setdefault(scope, []).append(grant.client.name)
    example = authorized[0] if authorized else None
    return {
        "m2m_rows": rows,
        "m2m_limit": M2M_LIMIT,
        "authorized_clients": authorized,
        "permission_rows": [
            (s["value"], s.get("description", ""), sorted(granted_to.get(s["value"], []))) for s in api.scopes
        ],
        "token_url": f"{api.tenant.canonical_issuer}oauth/token",
        "curl": token_curl(api, example),
        "log_events_for": api,
    }


def token_curl(api: ResourceServer, client: Client | None) -> str:
    """A ready client-credentials request for this API (the secret is never stored in the clear)."""
    body = {
        "client_id": client.client_id if client else "YOUR_CLIENT_ID",
        "client_secret": "YOUR_CLIENT_SECRET",
        "audience": api.identifier,
        "grant_type": "client_credentials",
    }
    return (
        f"curl --request POST \\\n  --url '{api.tenant.canonical_issuer}oauth/token' \\\n"
        f"  --header 'content-type: application/json' \\\n  --data '{json.dumps(body)}'"
    )
