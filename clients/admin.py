"""Admin for applications (clients) and client grants (SPEC section 6).

An application's page shows what a developer copies into their code: the Domain, the client ID and,
only right after it is made (create, rotation behind a confirmation), the secret, which is stored
hashed; quick-start snippets with those values; the APIs it is authorized for.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers

from clients.models import Client, ClientGrant, validate_callbacks, validate_origins, validate_scope_list
from clients.services import (
    CLIENT_FIELDS,
    client_create,
    client_delete,
    client_grant_create,
    client_grant_delete,
    client_grant_update,
    client_rotate_secret,
    client_update,
)
from core.admin import LineListField, TenantScopedAdmin, member_tenant_ids

CONFIRMED = "yes"
SHOWN_ONCE_KEY = "authport_secret_shown_once"  # session: {client pk: secret}, popped by the next page


def _url_list(label: str, validator, help_text: str) -> LineListField:
    return LineListField(
        label=label, entry_validator=validator, help_text=f"{help_text} One a line, or comma separated."
    )


class ClientForm(forms.ModelForm):
    grant_types = forms.MultipleChoiceField(
        choices=Client.GrantType.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    callbacks = _url_list(
        "Allowed callback URLs",
        validate_callbacks,
        "Where /authorize may send users back, e.g. https://app.example.com/callback.",
    )
    allowed_logout_urls = _url_list(
        "Allowed logout URLs", validate_callbacks, "Where users may land after logging out."
    )
    allowed_origins = _url_list(
        "Allowed origins (CORS)",
        validate_origins,
        "Origins (scheme, host, port) whose browsers may call the token endpoints.",
    )
    web_origins = _url_list(
        "Allowed web origins",
        validate_origins,
        "Origins allowed for silent authentication (response_mode=web_message).",
    )

    class Meta:
        model = Client
        fields = ("tenant", *CLIENT_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kept = self.instance.unsupported_grant_types if self.instance.pk else []
        if kept and "grant_types" in self.fields:
            self.fields["grant_types"].help_text = (
                f"Also listed, and kept as they are: {', '.join(kept)} (Auth0 grant types Authport does not "
                "support; never granted)."
            )

    def clean_grant_types(self):
        """The boxes ticked, and the Auth0-only grant types the application already lists (an import
        kept them; the form has no box for them, and saving it must not drop them)."""
        chosen = self.cleaned_data["grant_types"]
        kept = self.instance.unsupported_grant_types if self.instance.pk else []
        return [*chosen, *(g for g in kept if g not in chosen)]


def remember_secret(request, client: Client, secret: str) -> None:
    """Keep a new secret for the one page that shows it (the session holds it until then)."""
    shown = request.session.get(SHOWN_ONCE_KEY, {})
    shown[str(client.pk)] = secret
    request.session[SHOWN_ONCE_KEY] = shown


def take_secret(request, client: Client) -> str | None:
    shown = request.session.get(SHOWN_ONCE_KEY, {})
    secret = shown.pop(str(client.pk), None)
    if secret is not None:
        request.session[SHOWN_ONCE_KEY] = shown
    return secret


def quick_start(client: Client, *, secret: str | None, audience: str | None) -> list[tuple[str, str]]:
    """Snippets with the application's real values (the secret only while it is shown)."""
    issuer = client.tenant.canonical_issuer  # the tenant host with TENANT_DOMAIN: a bare domain for SDKs
    secret_text = secret or "YOUR_CLIENT_SECRET"
    aud = audience or "YOUR_API_IDENTIFIER"
    body = {
        "client_id": client.client_id,
        "client_secret": secret_text,
        "audience": aud,
        "grant_type": "client_credentials",
    }
    curl = (
        f"curl --request POST \\\n  --url '{issuer}oauth/token' \\\n"
        f"  --header 'content-type: application/json' \\\n  --data '{json.dumps(body)}'"
    )
    scheme, host_path = issuer.removesuffix("/").split("://", 1)
    protocol = f', protocol="{scheme}"' if scheme != "https" else ""
    python = (
        "from auth0.authentication import GetToken\n\n"
        f'get_token = GetToken("{host_path}", "{client.client_id}", client_secret="{secret_text}"{protocol})\n'
        f'token = get_token.client_credentials("{aud}")\n'
        'print(token["access_token"])'
    )
    callback = (client.callbacks or ["http://localhost:3000/callback"])[0]
    spa = (
        'import { Auth0Client } from "@auth0/auth0-spa-js";\n\n'
        "const auth0 = new Auth0Client({\n"
        f'  domain: "{issuer.removesuffix("/")}",  // the issuer without its slash; scheme-less means https\n'
        f'  clientId: "{client.client_id}",\n'
        "  authorizationParams: {\n"
        f'    redirect_uri: "{callback}",\n'
        f'    audience: "{aud}",\n'
        "  },\n"
        "});"
    )
    return [("curl", curl), ("auth0-python", python), ("auth0-spa-js", spa)]


@admin.register(Client)
class ClientAdmin(TenantScopedAdmin):
    form = ClientForm
    list_display = ("name", "client_id", "app_type", "tenant")
    list_filter = ("app_type",)
    list_select_related = ("tenant",)
    search_fields = ("name", "client_id", "tenant__slug")
    autocomplete_fields = ("tenant",)
    # client_secret_hash is never displayed (it is not editable, and not listed here).
    readonly_fields = ("client_id",)

    def get_readonly_fields(self, request, obj=None):
        return super().get_readonly_fields(request, obj) if obj is not None else ()

    def get_fieldsets(self, request, obj=None):
        urls = ("callbacks", "allowed_logout_urls", "allowed_origins", "web_origins")
        general = (
            ("tenant", "name", "description", "app_type")
            if obj is None
            else ("tenant", "client_id", "name", "description", "app_type")
        )
        return (
            (None, {"fields": general}),
            ("Application URIs", {"fields": urls}),
            (
                "Credentials and grants",
                {
                    "fields": (
                        "token_endpoint_auth_method",
                        "grant_types",
                        "jwt_lifetime_in_seconds",
                        "refresh_token_leeway",
                        "is_first_party",
                    )
                },
            ),
        )

    def get_urls(self):
        rotate = path(
            "<path:object_id>/rotate-secret/",
            self.admin_site.admin_view(self.rotate_secret_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_rotate_secret",
        )
        return [rotate, *super().get_urls()]

    def _change_url(self, client: Client, anchor: str = "") -> str:
        url = reverse("admin:clients_client_change", args=[client.pk], current_app=self.admin_site.name)
        return url + (f"#{anchor}" if anchor else "")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        client = self.get_object(request, unquote(object_id))
        if client is not None and self.has_view_permission(request, client) and request.method == "GET":
            extra_context = {**(extra_context or {}), **self.page_panels(request, client)}
        response = super().change_view(request, object_id, form_url, extra_context)
        if extra_context and extra_context.get("client_secret"):
            add_never_cache_headers(response)
        return response

    def page_panels(self, request, client: Client) -> dict:
        secret = take_secret(request, client)
        grants = list(
            ClientGrant.objects.filter(client=client)
            .select_related("resource_server")
            .order_by("resource_server__name")
        )
        audience = grants[0].resource_server.identifier if grants else None
        return {
            "domain": client.tenant.canonical_issuer,
            "client_secret": secret,
            "secret_applies": not client.is_public,
            "quick_start": quick_start(client, secret=secret, audience=audience),
            "client_grants": grants,
            "log_events_for": client,
        }

    def save_model(self, request, obj, form, change):
        if change:
            self.adopt(obj, client_update(client=self.fresh(obj), **self.form_values(form, CLIENT_FIELDS)))
            return
        # Only what the admin set, so that the service's defaults (a public SPA, say) still apply.
        fields = self.form_values(form, [f for f in CLIENT_FIELDS if f in form.changed_data and f != "name"])
        client, secret = client_create(
            tenant=form.cleaned_data["tenant"], name=form.cleaned_data["name"], **fields
        )
        self.adopt(obj, client)
        if not client.is_public:
            remember_secret(request, client, secret)
            self.message_user(
                request,
                f"Created {client.name}. Its client secret is shown once, on this page: copy it now.",
                messages.WARNING,
            )

    def response_add(self, request, obj, post_url_continue=None):
        # To the application's page, where the new secret is shown beside its client ID.
        if "_addanother" not in request.POST and "_popup" not in request.POST:
            return HttpResponseRedirect(self._change_url(obj, "credentials"))
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request, obj):
        client_delete(client=obj)

    def rotate_secret_view(self, request, object_id):
        """Rotate the client secret after a confirmation: the old secret stops working at once."""
        client = self.get_object(request, unquote(object_id))
        if client is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        if client.is_public:
            self.message_user(
                request, f"{client.name} is a public application: it has no secret.", messages.WARNING
            )
            return HttpResponseRedirect(self._change_url(client))
        if request.method == "POST" and request.POST.get("post") == CONFIRMED:
            remember_secret(request, client, client_rotate_secret(client=client))
            self.message_user(
                request,
                f"Rotated the secret of {client.name}: the old one no longer works. The new one is shown once, below.",
                messages.WARNING,
            )
            return HttpResponseRedirect(self._change_url(client, "credentials"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Rotate the secret of {client.name}?",
            "subtitle": None,
            "opts": self.opts,
            "original": client,
            "change_url": self._change_url(client),
        }
        return TemplateResponse(request, "admin/clients/client/rotate_secret_confirmation.html", context)


class TenantLabelledChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} · {obj.tenant.slug}"


class ClientGrantForm(forms.ModelForm):
    scope = LineListField(
        entry_validator=validate_scope_list,
        help_text="The scopes of the API the application may get, one a line (or comma separated).",
    )

    class Meta:
        model = ClientGrant
        fields = ("client", "resource_server", "scope")

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client")
        if client is not None and self.instance.pk is None:
            # The grant belongs to its client's tenant; the model's clean() then checks the API's.
            self.instance.tenant = client.tenant
        return cleaned


class ClientGrantChangeForm(forms.ModelForm):
    """On an existing grant: the API's scopes as checkboxes."""

    scope = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = ClientGrant
        fields = ("scope",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        api = self.instance.resource_server
        offered = [
            (s["value"], f"{s['value']} — {s['description']}" if s.get("description") else s["value"])
            for s in api.scopes
        ]
        # A scope granted before the API dropped it stays visible, so that unticking it removes it.
        offered += [
            (s, f"{s} (no longer defined on the API)")
            for s in self.instance.scope
            if s not in api.scope_values
        ]
        self.fields["scope"].choices = offered


@admin.register(ClientGrant)
class ClientGrantAdmin(TenantScopedAdmin):
    form = ClientGrantForm
    list_display = ("public_id", "client", "resource_server", "tenant")
    list_select_related = ("tenant", "client", "resource_server")
    search_fields = (
        "public_id",
        "client__name",
        "client__client_id",
        "resource_server__identifier",
        "tenant__slug",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = ClientGrantChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def chooser_tenant_ids(self, request) -> set[int] | None:
        """The tenant the add form's choosers list: `?tenant=` (from a tenant's or API's page), or a staff
        user's only tenant; None when several tenants are visible (autocomplete, labelled by tenant)."""
        wanted = request.GET.get("tenant")
        allowed = None if request.user.is_superuser else member_tenant_ids(request)
        if wanted and wanted.isdigit() and (allowed is None or int(wanted) in allowed):
            return {int(wanted)}
        if allowed is not None and len(allowed) == 1:
            return set(allowed)
        return None

    def get_autocomplete_fields(self, request):
        return () if self.chooser_tenant_ids(request) else ("client", "resource_server")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("client", "resource_server"):
            kwargs["form_class"] = TenantLabelledChoiceField
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in ("client", "resource_server") and field is not None:
            field.queryset = field.queryset.select_related("tenant")
            tenant_ids = self.chooser_tenant_ids(request)
            if tenant_ids:
                field.queryset = field.queryset.filter(tenant_id__in=tenant_ids)
        return field

    def get_fields(self, request, obj=None):
        return (
            ("client", "resource_server", "scope")
            if obj is None
            else ("public_id", "tenant", "client", "resource_server", "scope")
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("public_id", "tenant", "client", "resource_server")

    def save_model(self, request, obj, form, change):
        if change:
            grant = client_grant_update(grant=self.fresh(obj), scope=form.cleaned_data["scope"])
        else:
            grant = client_grant_create(**self.form_values(form, ("client", "resource_server", "scope")))
        self.adopt(obj, grant)

    def delete_model(self, request, obj):
        client_grant_delete(grant=obj)
