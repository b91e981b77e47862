"""Admin for applications (clients) and client grants. A client secret is shown once and never again."""

from django import forms
from django.contrib import admin, messages

from clients.models import Client, ClientGrant
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
from core.admin import TenantScopedAdmin


class ClientForm(forms.ModelForm):
    grant_types = forms.MultipleChoiceField(
        choices=Client.GrantType.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Client
        fields = ("tenant", *CLIENT_FIELDS)


@admin.register(Client)
class ClientAdmin(TenantScopedAdmin):
    form = ClientForm
    list_display = ("name", "client_id", "app_type", "tenant")
    list_filter = ("app_type", ("tenant", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("tenant",)
    search_fields = ("name", "client_id")
    # client_secret_hash is never displayed (it is not editable, and not listed here).
    readonly_fields = ("client_id",)
    actions = ("rotate_client_secret",)

    def get_readonly_fields(self, request, obj=None):
        return super().get_readonly_fields(request, obj) if obj is not None else ()

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
        self._show_secret(request, client, secret)

    def delete_model(self, request, obj):
        client_delete(client=obj)

    def _show_secret(self, request, client: Client, secret: str) -> None:
        if client.is_public:
            return
        self.message_user(
            request,
            f"Client secret of {client.name} ({client.client_id}), shown once, copy it now: {secret}",
            messages.WARNING,
        )

    @admin.action(description="Rotate client secret")
    def rotate_client_secret(self, request, queryset):
        for client in queryset:
            self._show_secret(request, client, client_rotate_secret(client=client))


class ClientGrantForm(forms.ModelForm):
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


@admin.register(ClientGrant)
class ClientGrantAdmin(TenantScopedAdmin):
    form = ClientGrantForm
    list_display = ("public_id", "client", "resource_server", "tenant")
    list_filter = (("tenant", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("tenant", "client", "resource_server")
    search_fields = ("public_id", "client__name", "client__client_id", "resource_server__identifier")

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
