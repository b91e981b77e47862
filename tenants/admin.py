"""Admin for tenants and their signing keys (SPEC sections 4 and 6)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apis.models import ResourceServer
from apis.selectors import resource_servers_list
from clients.selectors import clients_list
from core.admin import TenantScopedAdmin
from provisioning.services import tenant_provision
from tenants.errors import SigningKeyNotFound, SigningKeyStateError
from tenants.models import SigningKey, Tenant, TenantMembership
from tenants.services import signing_key_revoke, signing_keys_rotate, tenant_update
from tokens.explain import explain_request, explain_token
from tokens.forms import AUDIENCE_DATALIST_ID, PresentedTokenForm, TokenRequestForm, answer_for_display


def hs256_audience_warning(api: ResourceServer) -> str:
    return (
        f"{api.name} ({api.identifier}) signs with HS256, so requests with scope openid will be refused: "
        "an HS256 API holds one audience. Switch the API to an asymmetric algorithm such as RS256, "
        "or request tokens without openid."
    )


class TenantChangeForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ("friendly_name", "default_audience", "session_lifetime")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("default_audience")
        if field is not None:
            # Only this tenant's own APIs; HS256 ones are labelled, as openid requests will be refused.
            field.queryset = ResourceServer.objects.for_tenant(self.instance)
            field.label_from_instance = lambda api: (
                f"{api} [HS256: no openid]" if api.is_symmetric else str(api)
            )
            field.help_text = (
                "The API whose audience a token request without `audience` gets. HS256 APIs are marked: "
                "with one of them, requests with scope openid will be refused (an HS256 API holds one audience)."
            )


class TenantMembershipInline(admin.TabularInline):
    model = TenantMembership
    fields = ("user",)
    extra = 0


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    list_display = ("slug", "friendly_name", "default_audience", "created_at", "token_debugger_link")
    search_fields = ("slug", "friendly_name")
    list_select_related = ("default_audience",)
    inlines = (TenantMembershipInline,)

    def tenant_id_of(self, obj) -> int:
        return obj.pk

    def get_urls(self):
        # Before the default URLs: their catch-all "<path:object_id>/" would take this path too.
        debugger = path(
            "<path:object_id>/token-debugger/",
            self.admin_site.admin_view(self.token_debugger_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_token_debugger",
        )
        return [debugger, *super().get_urls()]

    @admin.display(description="Token debugger")
    def token_debugger_link(self, obj) -> str:
        url = reverse("admin:tenants_tenant_token_debugger", args=[obj.pk], current_app=self.admin_site.name)
        return format_html('<a href="{}">Token debugger</a>', url)

    def token_debugger_view(self, request, object_id):
        """The Token debugger (SPEC section 7): explain a token request (a dry run) or a presented token.

        The tenant comes from the scoped queryset, so another tenant's staff get the admin's
        "doesn't exist" redirect, as on the change page. The explanation is tokens.explain's, unchanged.
        """
        tenant = self.get_object(request, unquote(object_id))
        if tenant is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, tenant):
            raise PermissionDenied
        clients = clients_list(tenant=tenant)
        request_form = TokenRequestForm(clients=clients)
        token_form = PresentedTokenForm()
        answer = None
        if request.method == "POST":
            if request.POST.get("mode") == "token":
                token_form = PresentedTokenForm(request.POST)
                if token_form.is_valid():
                    answer = explain_token(tenant=tenant, token=token_form.cleaned_data["token"])
            else:
                request_form = TokenRequestForm(request.POST, clients=clients)
                if request_form.is_valid():
                    answer = explain_request(tenant=tenant, **request_form.explain_kwargs())
        context = {
            **self.admin_site.each_context(request),
            "title": "Token debugger",
            "subtitle": str(tenant),
            "opts": self.opts,
            "original": tenant,
            "request_form": request_form,
            "token_form": token_form,
            "audience_datalist_id": AUDIENCE_DATALIST_ID,
            "audiences": list(resource_servers_list(tenant=tenant).values_list("identifier", flat=True)),
            "default_audience": tenant.default_audience.identifier if tenant.default_audience else None,
            "mode": request.POST.get("mode", "request") if request.method == "POST" else None,
            "answer": answer_for_display(answer) if answer is not None else None,
        }
        return TemplateResponse(request, "admin/tenants/tenant/token_debugger.html", context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = TenantChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("slug", "friendly_name")
        return (
            "slug",
            "issuer",
            "friendly_name",
            "default_audience",
            "default_audience_warning",
            "session_lifetime",
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("slug", "issuer", "default_audience_warning")

    def get_inline_instances(self, request, obj=None):
        # Who administers a tenant is decided by superusers only, once the tenant exists.
        if obj is None or not request.user.is_superuser:
            return []
        return super().get_inline_instances(request, obj)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.display(description="Default Audience warning")
    def default_audience_warning(self, obj) -> str:
        api = obj.default_audience
        if api is None or not api.is_symmetric:
            return "—"
        return format_html('<strong style="color:#ba2121">{}</strong>', hs256_audience_warning(api))

    @admin.display(description="Issuer")
    def issuer(self, obj) -> str:
        return obj.issuer

    def save_model(self, request, obj, form, change):
        if not change:
            provisioned = tenant_provision(**self.form_values(form, ("slug", "friendly_name")))
            self.adopt(obj, provisioned.tenant)
            client = provisioned.management_client
            self.message_user(
                request,
                f"Tenant {obj.slug} is ready, with its signing keys, Management API and management client "
                f"{client.client_id}. The client secret is shown once, copy it now: "
                f"{provisioned.management_client_secret}",
                messages.WARNING,
            )
            return
        fields = self.form_values(form, ("friendly_name", "default_audience", "session_lifetime"))
        tenant = tenant_update(tenant=self.fresh(obj), **fields)
        self.adopt(obj, tenant)
        if tenant.default_audience and tenant.default_audience.is_symmetric:
            self.message_user(request, hs256_audience_warning(tenant.default_audience), messages.WARNING)


@admin.register(SigningKey)
class SigningKeyAdmin(TenantScopedAdmin):
    """Keys are machine-made: read-only, changed only by the rotate and revoke services (SPEC section 4)."""

    list_display = ("kid", "alg", "state", "tenant", "current_since")
    list_filter = ("state", "alg", ("tenant", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("tenant",)
    search_fields = ("kid", "tenant__slug")
    # private_key_encrypted is never shown.
    fields = (
        "kid",
        "tenant",
        "alg",
        "state",
        "current_since",
        "current_until",
        "revoked_at",
        "created_at",
        "public_jwk",
        "cert_pem",
    )
    readonly_fields = fields
    actions = ("rotate_tenant_keys", "revoke_keys")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Rotate signing keys of the selected keys' tenants")
    def rotate_tenant_keys(self, request, queryset):
        tenants = Tenant.objects.filter(pk__in=queryset.values("tenant_id"))
        for tenant in tenants:
            rotated = signing_keys_rotate(tenant=tenant)
            current = ", ".join(f"{r.alg} {r.current_kid}" for r in rotated)
            self.message_user(request, f"Rotated the signing keys of {tenant.slug}; current now: {current}.")

    @admin.action(description="Revoke the selected (previous) keys")
    def revoke_keys(self, request, queryset):
        for key in queryset.select_related("tenant"):
            try:
                signing_key_revoke(tenant=key.tenant, kid=key.kid)
            except (SigningKeyNotFound, SigningKeyStateError) as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"Revoked key {key.kid} of {key.tenant.slug}.")
