"""Channel accounts and listings in the admin, scoped to the user's tenant.

Credentials are never shown: the model field is left out of every form and list, and the form offers
a write-only "New credentials (JSON)" box that replaces them when filled (its value is never rendered
back, not even when the form is redisplayed with an error). Saves go through ``hub.channels.services``
so that a policy or warehouse change notes the listings in the outbox and a new mapping allocates the
orders waiting on it, exactly as through the API.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from hub.channels.models import ChannelAccount, ChannelReturn, Listing, SyncFailure, SyncRun, WebhookEvent
from hub.channels.services import account_name_error, save_account, save_listing
from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin
from warehouse.models import Warehouse

ACCOUNT_FIELDS = (
    "kind", "name", "is_active", "buffer_units", "max_units", "percent_of_available",
    "out_of_stock_threshold", "allow_split", "order_pull_minutes", "stock_push_minutes", "price_push_minutes",
    "stock_reconcile_minutes", "return_pull_minutes", "credentials_expire_at",
)  # fmt: skip
LISTING_FIELDS = (
    "account", "sku", "channel_sku", "channel_item_id", "channel_product_id", "channel_inventory_item_id",
    "is_active",
)  # fmt: skip


class SecretTextarea(forms.Textarea):
    """A textarea that never renders its value, like a password input."""

    def format_value(self, value):
        return None


class ChannelAccountForm(forms.ModelForm):
    new_credentials = forms.CharField(
        label="New credentials (JSON)",
        required=False,
        strip=True,
        widget=SecretTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text='A JSON object, e.g. {"refresh_token": "...", "client_id": "..."}. Filled in, it replaces '
        "the stored credentials; left blank, they stay as they are. Stored credentials are never shown.",
    )

    tenant = None  # the tenant of a non-superuser, set by ChannelAccountAdmin.get_form

    class Meta:
        model = ChannelAccount
        fields = ("tenant", *ACCOUNT_FIELDS, "warehouses")  # never "credentials"

    def clean_new_credentials(self) -> dict | None:
        text = self.cleaned_data["new_credentials"]
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError("This is not valid JSON.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object of names and values, in { }.")
        return value

    def clean(self):
        cleaned = super().clean()
        tenant = cleaned.get("tenant") or self.tenant  # a superuser's form has the tenant field
        if tenant is None:
            return cleaned
        if any(warehouse.tenant_id != tenant.pk for warehouse in cleaned.get("warehouses") or ()):
            self.add_error("warehouses", "Choose warehouses of the account's own tenant.")
        kind, name = cleaned.get("kind", self.instance.kind), cleaned.get("name")
        if (
            kind
            and name
            and (message := account_name_error(tenant, kind=kind, name=name, account=self.instance))
        ):
            self.add_error("name", message)
        return cleaned


@admin.register(ChannelAccount)
class ChannelAccountAdmin(TenantScopedAdmin):
    form = ChannelAccountForm
    list_display = (
        "name",
        "kind",
        "is_active",
        "has_credentials",
        "buffer_units",
        "percent_of_available",
        "max_units",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("warehouses",)
    readonly_fields = ("has_credentials", "syncs_stopped_at", "alert", "created_at", "updated_at")
    actions = ("sync_now",)

    @admin.action(description="Sync now: pull orders and push stock", permissions=["change"])
    def sync_now(self, request, queryset):
        from schedules.tasks import sync_account

        for account in queryset:
            if account.syncs_stopped_at or not account.is_active:
                self.message_user(request, f"{account}: syncs are stopped. {account.alert}", messages.WARNING)
                continue
            result = sync_account.delay(account.pk, trigger="admin")
            done = SyncRun.objects.filter(pk__in=result.get()) if result.ready() else []
            summary = "; ".join(f"{run.stream}: {run.message}" for run in done) or "queued"
            self.message_user(request, f"{account}: {summary}", messages.SUCCESS)

    @admin.display(boolean=True, description="Credentials stored")
    def has_credentials(self, account: ChannelAccount) -> bool:
        return account.has_credentials

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.tenant = None if request.user.is_superuser else request.user.tenant
        return form

    def get_fields(self, request, obj=None):
        """The write-only credentials box is only for those who may change the account."""
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [name for name in fields if name != "new_credentials"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        """An account stays on its channel (its orders and cursors belong to that channel)."""
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "kind") if obj is not None else fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "warehouses" and not request.user.is_superuser:
            kwargs["queryset"] = Warehouse.objects.for_tenant(request.user.tenant)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @method_decorator(sensitive_post_parameters("new_credentials"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        tenant = obj.tenant if request.user.is_superuser else request.user.tenant
        save_account(
            tenant,
            account=obj,
            fields={name: form.cleaned_data[name] for name in ACCOUNT_FIELDS if name in form.cleaned_data},
            warehouses=form.cleaned_data.get("warehouses"),
            credentials=form.cleaned_data.get("new_credentials"),
        )


class ListingForm(forms.ModelForm):
    class Meta:
        model = Listing
        fields = LISTING_FIELDS

    def clean(self):
        cleaned = super().clean()
        account, sku = cleaned.get("account"), cleaned.get("sku")
        if account is not None and sku is not None and account.tenant_id != sku.tenant_id:
            self.add_error("sku", "Choose a SKU of the account's tenant.")
        return cleaned


@admin.register(Listing)
class ListingAdmin(TenantScopedAdmin):
    """A listing belongs to its account's tenant, so no one picks its tenant."""

    form = ListingForm
    list_display = ("channel_sku", "account", "sku", "channel_item_id", "is_active", "last_pushed_quantity")
    list_filter = ("account__kind", "is_active")
    search_fields = ("channel_sku", "channel_item_id", "sku__code", "account__name")
    autocomplete_fields = ("account", "sku")
    list_select_related = ("account", "sku")
    readonly_fields = ("last_pushed_quantity", "last_pushed_at", "push_error", "last_pushed_price", "price_error",
                       "created_at", "updated_at")  # fmt: skip

    def save_model(self, request, obj, form, change):
        tenant = obj.account.tenant if request.user.is_superuser else request.user.tenant
        fields = {name: form.cleaned_data[name] for name in LISTING_FIELDS if name in form.cleaned_data}
        save_listing(tenant, listing=obj, fields=fields, actor=request.user)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ("started_at", "account", "stream", "trigger", "status", "pages", "orders_created",
                    "orders_updated", "items_pushed", "items_rejected", "errors")  # fmt: skip
    list_filter = ("stream", "status", "trigger")
    search_fields = ("message",)


@admin.register(SyncFailure)
class SyncFailureAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ("updated_at", "account", "stream", "record_key", "status", "attempts", "error")
    list_filter = ("stream", "status")
    search_fields = ("record_key", "error")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ("received_at", "account", "topic", "event_id", "status", "attempts", "error")
    list_filter = ("topic", "status")
    search_fields = ("event_id",)


@admin.register(ChannelReturn)
class ChannelReturnAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    """Returns the channels announced (pulled on the account's schedule), and whether the desk received them."""

    list_display = ("channel_return_id", "account", "channel_order_id", "kind", "status", "requested_at", "reason")
    list_filter = ("status", "kind", ("account", admin.RelatedOnlyFieldListFilter))
    search_fields = ("channel_return_id", "channel_order_id")
    list_select_related = ("account",)
