"""Admin for tenants and their signing keys (SPEC sections 4 and 6)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import Role, TenantUser
from apis.models import ResourceServer
from apis.selectors import resource_servers_list
from clients.models import Client
from clients.selectors import clients_list
from core.admin import StaffUserAdmin, TenantScopedAdmin
from logs.operations import operation_record, staff_actor
from provisioning.services import tenant_provision
from tenants.domains import custom_domain_verify
from tenants.errors import SigningKeyNotFound, SigningKeyStateError
from tenants.hosts import tenant_issuers
from tenants.keys import JWKS_MAX_AGE
from tenants.models import CustomDomain, SigningKey, Tenant, TenantMembership
from tenants.rotation import (
    RevocationPreview,
    revocation_refusal,
    tenant_rotation_preview,
)
from tenants.selectors import signing_keys_published
from tenants.services import signing_key_revoke, signing_keys_rotate, tenant_update
from tokens.explanation.explain import explain_request, explain_token
from tokens.explanation.forms import (
    AUDIENCE_DATALIST_ID,
    PresentedTokenForm,
    TokenRequestForm,
    answer_for_display,
)


def hs256_audience_warning(api: ResourceServer) -> str:
    return (
        f"{api.name} ({api.identifier}) signs with HS256, so requests with scope openid will be refused: "
        "an HS256 API holds one audience. Switch the API to an asymmetric algorithm such as RS256, "
        "or request tokens without openid."
    )


# What a staff user changes on a tenant's page; the session lifetimes in minutes, as Auth0's Dashboard.
SETTINGS_FIELDS = (
    "friendly_name",
    "default_audience",
    "session_lifetime_in_minutes",
    "idle_session_lifetime_in_minutes",
)


class TenantChangeForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("default_audience")
        if field is not None:
            # Only this tenant's own APIs; HS256 ones are labelled, as openid requests will be refused.
            # Never the Management API (nor userinfo, which is no API row): SPEC section 6.
            field.queryset = ResourceServer.objects.for_tenant(self.instance).filter(is_system=False)
            field.label_from_instance = lambda api: (
                f"{api} [HS256: no openid]" if api.is_symmetric else str(api)
            )
            field.help_text = (
                "The API whose audience a token request without `audience` gets. HS256 APIs are marked: "
                "with one of them, requests with scope openid will be refused (an HS256 API holds one audience)."
            )


class TenantMembershipInline(admin.TabularInline):
    """Who administers the tenant (portal staff), on the tenant's page."""

    model = TenantMembership
    fields = ("user",)
    autocomplete_fields = ("user",)
    extra = 0
    verbose_name = "portal staff member"
    verbose_name_plural = "Portal staff who administer this tenant"


class StaffMembershipInline(admin.TabularInline):
    """The tenants a staff user administers, on the staff user's page."""

    model = TenantMembership
    fk_name = "user"
    fields = ("tenant",)
    autocomplete_fields = ("tenant",)
    extra = 0
    verbose_name = "tenant membership"
    verbose_name_plural = "Tenants this staff user administers"


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    list_display = ("slug", "friendly_name", "default_audience", "created_at", "token_debugger_link")
    search_fields = ("slug", "friendly_name")
    list_select_related = ("default_audience",)
    inlines = (TenantMembershipInline,)
    actions = ("rotate_signing_keys",)

    def tenant_id_of(self, obj) -> int:
        return obj.pk

    def change_view(self, request, object_id, form_url="", extra_context=None):
        tenant = self.get_object(request, unquote(object_id))
        if tenant is not None and self.has_view_permission(request, tenant):
            extra_context = {**(extra_context or {}), **tenant_home(tenant)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Rotate signing keys of the selected tenants")
    def rotate_signing_keys(self, request, queryset):
        tenants = list(queryset.order_by("slug"))  # already scoped to the user's tenants
        return rotate_keys_confirmed(
            self, request, tenants=tenants, selected=[t.pk for t in tenants], action="rotate_signing_keys"
        )

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
        "doesn't exist" redirect, as on the change page. The explanation is tokens.explanation.explain's, unchanged.
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
        form = super().get_form(request, obj, change=change, **kwargs)
        widget = form.base_fields.get("default_audience") and form.base_fields["default_audience"].widget
        if widget is not None and hasattr(widget, "can_delete_related"):
            # Choosing the Default Audience never deletes or edits an API from here.
            widget.can_delete_related = widget.can_change_related = False
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("slug", "friendly_name")
        return (
            "slug",
            "issuer",
            "friendly_name",
            "default_audience",
            "default_audience_warning",
            "session_lifetime_in_minutes",
            "idle_session_lifetime_in_minutes",
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
        """The canonical issuer, then the tenant's other issuers (path-based, ready custom domains)."""
        issuers = tenant_issuers(obj)
        if len(issuers) == 1:
            return issuers[0]
        others = format_html_join(
            "", '<br>{} <span class="muted">(also accepted)</span>', ((i,) for i in issuers[1:])
        )
        return format_html("{}{}", issuers[0], others)

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
        fields = self.form_values(form, SETTINGS_FIELDS)
        tenant = tenant_update(tenant=self.fresh(obj), **fields)
        self.adopt(obj, tenant)
        if tenant.default_audience and tenant.default_audience.is_symmetric:
            self.message_user(request, hs256_audience_warning(tenant.default_audience), messages.WARNING)


HOME_LIST_LIMIT = 10  # rows per list on a tenant's page; the "all" link leads to the filtered list


def tenant_home(tenant: Tenant) -> dict:
    """A tenant's page as its home (SPEC section 6): keys, APIs, applications, users, roles and links.

    A fixed number of queries whatever the tenant's size: each list is cut at HOME_LIST_LIMIT and counted.
    """
    apis = ResourceServer.objects.for_tenant(tenant).order_by("-is_system", "name", "pk")
    clients = Client.objects.for_tenant(tenant).order_by("name", "pk")
    filter_query = f"?tenant__id__exact={tenant.pk}"
    return {
        "home_keys": signing_keys_published(tenant=tenant),
        "home_apis": list(apis[:HOME_LIST_LIMIT]),
        "home_api_count": apis.count(),
        "home_clients": list(clients[:HOME_LIST_LIMIT]),
        "home_client_count": clients.count(),
        "home_user_count": TenantUser.objects.for_tenant(tenant).count(),
        "home_role_count": Role.objects.for_tenant(tenant).count(),
        "home_filter": filter_query,
        "log_events_for": tenant,
    }


def _short_kid(kid: str) -> str:
    return f"{kid[:10]}…"


# Signing keys: rotate and revoke, each behind a confirmation page that says what will happen
# (SPEC section 4). The pattern is Django's delete_selected: the action answers the changelist's POST
# with the confirmation page, whose form posts the same action back with the selected ids and
# post=yes; only that second POST changes anything. The ids go through the changelist's queryset
# again, which is scoped to the user's tenants, so a hand-made id of another tenant is never acted on.

CONFIRMED = "yes"  # the value of the confirmation form's "post" field, as in delete_selected


def _rotation_outcome(tenant: Tenant, rotated) -> str:
    """One line: which key now signs, per chain; the kids in full are on the keys' list."""
    chains = ", ".join(f"{r.alg} with {_short_kid(r.current_kid)}" for r in rotated)
    return f"Rotated the signing keys of {tenant.slug}: tokens are now signed {chains}."


def rotate_keys_confirmed(modeladmin, request, *, tenants: list[Tenant], selected: list, action: str):
    """The "Rotate signing keys" action on `tenants`: the confirmation page, or the rotation once confirmed.

    `selected` are the changelist rows to carry back (keys or tenants). A tenant whose chains changed
    since the page was shown (another rotation, a double submit) is not rotated: a second rotation
    would promote a key that verifiers may not have fetched yet, which is not what was confirmed.
    """
    if not tenants:
        modeladmin.message_user(
            request,
            "None of the selected rows is of a tenant you administer: nothing was rotated.",
            messages.WARNING,
        )
        return None
    now = timezone.now()
    previews = [tenant_rotation_preview(tenant=tenant, now=now) for tenant in tenants]
    if request.POST.get("post") == CONFIRMED:
        for preview in previews:
            if request.POST.get(preview.field_name) != preview.state:
                modeladmin.message_user(
                    request,
                    f"The signing keys of {preview.tenant.slug} were not rotated: they changed after the "
                    "confirmation page was shown (another rotation?). Rotating again now could promote a key "
                    "that verifiers have not fetched yet; review the keys and rotate again if you still mean to.",
                    messages.ERROR,
                )
                continue
            rotated = signing_keys_rotate(tenant=preview.tenant)
            operation_record(
                tenant=preview.tenant,
                operation="Rotate signing keys",
                actor=staff_actor(request),
                request=request,
                details={
                    "rotated": [{"alg": r.alg, "current": r.current_kid, "next": r.next_kid} for r in rotated]
                },
            )
            modeladmin.message_user(request, _rotation_outcome(preview.tenant, rotated), messages.SUCCESS)
        return None
    request.current_app = modeladmin.admin_site.name
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Rotate signing keys",
        "subtitle": None,
        "opts": modeladmin.opts,
        "media": modeladmin.media,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": selected,
        "previews": previews,
        "jwks_max_age": JWKS_MAX_AGE,
    }
    return TemplateResponse(request, "admin/tenants/signingkey/rotate_confirmation.html", context)


@admin.register(SigningKey)
class SigningKeyAdmin(TenantScopedAdmin):
    """Keys are machine-made: read-only, changed only by the rotate and revoke services (SPEC section 4)."""

    list_display = ("kid_short", "alg", "state", "tenant", "current_since")
    list_display_links = ("kid_short",)
    list_filter = ("state", "alg")
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

    @admin.display(description="Key ID (kid)", ordering="kid")
    def kid_short(self, obj) -> str:
        return format_html('<code title="{}">{}</code>', obj.kid, _short_kid(obj.kid))

    @admin.action(description="Rotate signing keys of the selected keys' tenants")
    def rotate_tenant_keys(self, request, queryset):
        keys = list(queryset.order_by("pk"))  # already scoped to the user's tenants
        tenants = list(Tenant.objects.filter(pk__in={key.tenant_id for key in keys}).order_by("slug"))
        return rotate_keys_confirmed(
            self, request, tenants=tenants, selected=[key.pk for key in keys], action="rotate_tenant_keys"
        )

    @admin.action(description="Revoke the selected (previous) keys")
    def revoke_keys(self, request, queryset):
        """Previous keys only; the page lists the others with the reason, and they are left alone.

        The confirmation carries the kids it offered to revoke: a key that became previous after the
        page was shown (a rotation meanwhile) was not offered, so it is not revoked.
        """
        keys = list(queryset.select_related("tenant").order_by("tenant__slug", "alg", "created_at", "pk"))
        if not keys:
            self.message_user(
                request,
                "None of the selected keys is of a tenant you administer: nothing was revoked.",
                messages.WARNING,
            )
            return None
        if request.POST.get("post") == CONFIRMED:
            confirmed = set(request.POST.getlist("revoke_kid"))
            for key in keys:
                self._revoke_as_confirmed(request, key, confirmed=key.kid in confirmed)
            return None
        previews = [RevocationPreview(key=key, refusal=revocation_refusal(key)) for key in keys]
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke signing keys",
            "subtitle": None,
            "opts": self.opts,
            "media": self.media,
            "action": "revoke_keys",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": [key.pk for key in keys],
            "revocable": [p for p in previews if p.revocable],
            "refused": [p for p in previews if not p.revocable],
            "jwks_max_age": JWKS_MAX_AGE,
        }
        return TemplateResponse(request, "admin/tenants/signingkey/revoke_confirmation.html", context)

    def _revoke_as_confirmed(self, request, key: SigningKey, *, confirmed: bool) -> None:
        name = f"key {key.kid} ({key.alg}) of {key.tenant.slug}"
        if not confirmed:
            reason = revocation_refusal(key) or (
                "It was not previous when the confirmation page was shown, so it was not among the keys you "
                "confirmed; select it again to revoke it."
            )
            self.message_user(request, f"The {name} was not revoked. {reason}", messages.ERROR)
            return
        try:
            signing_key_revoke(tenant=key.tenant, kid=key.kid)
        except (SigningKeyNotFound, SigningKeyStateError) as exc:
            self.message_user(request, f"The {name} was not revoked: {exc.message}", messages.ERROR)
        else:
            operation_record(
                tenant=key.tenant,
                operation="Revoke a signing key",
                actor=staff_actor(request),
                request=request,
                details={"kid": key.kid},
            )
            self.message_user(
                request,
                f"Revoked {name}: it has left the JWKS. Authport refuses the tokens it signed from now on; other "
                f"verifiers do once their cached JWKS expires (max-age {JWKS_MAX_AGE} s).",
                messages.SUCCESS,
            )


@admin.register(CustomDomain)
class CustomDomainAdmin(TenantScopedAdmin):
    """Tenants claim domains through the Management API; only a superuser (the operator, who controls
    DNS and TLS) makes one live, with the verify action (SPEC section 1)."""

    list_display = ("domain", "tenant", "status", "verified_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("tenant",)
    search_fields = ("domain", "tenant__slug")
    fields = ("domain", "tenant", "type", "status", "public_id", "verified_at", "created_at")
    readonly_fields = fields
    actions = ("verify_domains",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_verify_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.action(
        description="Verify: DNS and the proxy's certificate are in place; serve the domain",
        permissions=["verify"],
    )
    def verify_domains(self, request, queryset):
        for custom_domain in queryset.order_by("domain"):
            verified, changed = custom_domain_verify(domain=custom_domain.domain)
            if changed:
                self.message_user(
                    request,
                    f"{verified.domain} is ready: it serves {verified.tenant.slug} ({verified.issuer}).",
                )
            else:
                self.message_user(request, f"{verified.domain} was already ready.", messages.WARNING)


class StaffUserWithTenantsAdmin(StaffUserAdmin):
    """Portal staff, with the tenants each one administers (set by superusers only)."""

    inlines = (StaffMembershipInline,)

    def get_inline_instances(self, request, obj=None):
        if obj is None or not request.user.is_superuser:
            return []
        return super().get_inline_instances(request, obj)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserWithTenantsAdmin)
