"""Packing and shipping in the admin, scoped to the user's tenant.

Couriers, box sizes and invoice series are set up here by hand, checked by the API's own serializers so
the admin refuses what the API refuses, in the same words. One in use cannot be deleted: the admin's
delete page lists the parcels, manifests or invoices that protect it. Invoices, shipments and manifests
are written by the pack station and the dock (``packing``, ``manifests``), so their pages are read-only;
those allowed to change shipments may cancel parcels (``packing.cancel_shipment``) and send a shipped
parcel's confirmation to its channel again (``channel.requeue``), as list actions.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count

from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin, TenantScopedInline, run_action
from warehouse.shipping import channel, packing
from warehouse.shipping.models import (
    BoxSize,
    Courier,
    Invoice,
    InvoiceSeries,
    Manifest,
    Shipment,
    ShipmentItem,
)
from warehouse.shipping.serializers import BoxSizeSerializer, CourierSerializer, InvoiceSeriesSerializer

CANCEL_REASON = "cancelled in the admin"

# Set-up rows ---------------------------------------------------------------------------------------


class ApiCheckedForm(forms.ModelForm):
    """A set-up row's form, validated also by the API's serializer for the row (unique codes per tenant,
    a courier's AWB range, an invoice prefix that fits rule 46), so both refuse the same things."""

    serializer_class: type | None = None
    request_tenant = None  # the admin sets it per request (``SetupAdmin.get_form``)

    def clean(self):
        cleaned = super().clean()
        serializer = self.serializer_class(
            self.instance if self.instance.pk else None, data=self._serializer_data(cleaned), partial=True,
            context={"tenant": self._tenant(cleaned)},
        )  # fmt: skip
        if not serializer.is_valid():
            for name, errors in serializer.errors.items():
                self.add_error(name if name in self.fields else None, [str(error) for error in errors])
        return cleaned

    def _serializer_data(self, cleaned: dict) -> dict:
        writable = {name for name, field in self.serializer_class().fields.items() if not field.read_only}
        return {name: value.pk if isinstance(value, models.Model) else value
                for name, value in cleaned.items() if name in writable}  # fmt: skip

    def _tenant(self, cleaned: dict):
        if "tenant" in self.fields:  # a superuser chooses the tenant
            return cleaned.get("tenant")
        return self.instance.tenant if self.instance.pk else self.request_tenant


class CourierForm(ApiCheckedForm):
    serializer_class = CourierSerializer


class BoxSizeForm(ApiCheckedForm):
    serializer_class = BoxSizeSerializer


class InvoiceSeriesForm(ApiCheckedForm):
    serializer_class = InvoiceSeriesSerializer


class SetupAdmin(TenantScopedAdmin):
    """A set-up row: its form checked as the API checks it; one in use is not deleted, and says why."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)  # a class made for this request
        form.request_tenant = getattr(request.user, "tenant", None)
        return form

    def get_deleted_objects(self, objs, request):
        """A row in use (parcels, manifests or invoices protect it) is refused with the list of what uses
        it, rather than with "you may not delete shipments": nothing is deleted either way."""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return to_delete, model_count, (set() if protected else perms_needed), protected


@admin.register(Courier)
class CourierAdmin(SetupAdmin):
    form = CourierForm
    list_display = ("name", "code", "awb_source", "series", "awbs_left", "channel_carrier_code", "is_active")
    list_filter = ("awb_source", "is_active")
    search_fields = ("name", "code", "channel_carrier_code")
    readonly_fields = ("created_at",)

    @admin.display(description="AWB series (next to last)")
    def series(self, obj) -> str:
        if obj.awb_source != Courier.AwbSource.SERIES or obj.awb_next is None or obj.awb_last is None:
            return "-"
        return f"{obj.format_awb(obj.awb_next)} to {obj.format_awb(obj.awb_last)}"

    @admin.display(description="AWBs left")
    def awbs_left(self, obj) -> int | None:
        return obj.awbs_left


@admin.register(BoxSize)
class BoxSizeAdmin(SetupAdmin):
    form = BoxSizeForm
    list_display = ("code", "name", "length_mm", "breadth_mm", "height_mm", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(InvoiceSeries)
class InvoiceSeriesAdmin(SetupAdmin):
    """A series that has issued invoices keeps its prefix and digits (GST wants one unbroken series)."""

    form = InvoiceSeriesForm
    list_display = ("prefix", "warehouse", "digits", "issued", "created_at")
    list_select_related = ("warehouse",)
    search_fields = ("prefix", "warehouse__code")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(invoice_count=Count("invoices"))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.invoices.exists():
            return ("prefix", "digits", "created_at")
        return ("created_at",)

    @admin.display(description="Invoices issued", ordering="invoice_count")
    def issued(self, obj) -> int:
        return obj.invoice_count


# Documents of the pack station and the dock --------------------------------------------------------


class CancelledFilter(admin.SimpleListFilter):
    title = "cancelled"
    parameter_name = "cancelled"

    def lookups(self, request, model_admin):
        return (("no", "No"), ("yes", "Yes"))

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(cancelled_at__isnull=self.value() == "no")
        return queryset


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = (
        "number", "order", "issued_on", "seller_gstin", "taxable_total", "cgst", "sgst", "igst", "shipping",
        "grand_total", "cancelled",
    )  # fmt: skip
    list_filter = (CancelledFilter, "year", ("series", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number", "order__channel_order_id", "shipment__awb")
    search_help_text = "Invoice number, channel order id or AWB"
    list_select_related = ("order",)
    date_hierarchy = "issued_on"
    fields = (
        "number", "series", "year", "serial", "order", "issued_on", "seller_name", "seller_gstin", "currency",
        "taxable_total", "cgst", "sgst", "igst", "shipping", "grand_total", "cancelled_at", "created_at",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description="Cancelled", boolean=True, ordering="cancelled_at")
    def cancelled(self, obj) -> bool:
        return obj.cancelled_at is not None


class ShipmentItemInline(ReadOnlyAdminMixin, TenantScopedInline):
    model = ShipmentItem
    fields = ("sku", "expected", "packed")
    readonly_fields = fields
    verbose_name_plural = "Items in the box"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sku")


@admin.register(Shipment)
class ShipmentAdmin(TenantScopedAdmin):
    list_display = (
        "awb", "order", "status", "courier", "warehouse", "box", "weight_grams", "invoice", "manifest", "packed_at",
        "shipped_at",
    )  # fmt: skip
    list_display_links = ("awb", "order")
    list_filter = (
        "status", ("courier", admin.RelatedOnlyFieldListFilter), ("warehouse", admin.RelatedOnlyFieldListFilter),
    )  # fmt: skip
    search_fields = ("awb", "order__channel_order_id", "invoice__number", "manifest__number")
    search_help_text = "AWB, channel order id, invoice number or manifest number"
    list_select_related = ("order", "courier", "warehouse", "box", "invoice", "manifest")
    date_hierarchy = "started_at"
    fields = (
        "order", "warehouse", "status", "courier", "awb", "box", "weight_grams", "invoice", "manifest", "picklist",
        "started_by", "started_at", "packed_by", "packed_at", "scanned_by", "scanned_at", "shipped_at",
        "cancelled_at", "cancel_reason",
    )  # fmt: skip
    readonly_fields = fields
    inlines = (ShipmentItemInline,)
    actions = ("confirm_again", "cancel_selected")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """Change rights allow the list actions; a shipment's own page is always read-only."""
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Send the channel confirmation again", permissions=["change"])
    def confirm_again(self, request, queryset):
        """Each parcel's answer says what was done: queued, or why nothing was (not shipped, a channel
        that takes no confirmation)."""
        for shipment in queryset.select_related("order__account").order_by("pk"):
            self.message_user(request, channel.requeue(shipment), messages.INFO)

    @admin.action(description="Cancel selected parcels (a packed one is unpacked)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        run_action(self, request, queryset,
                   lambda shipment: packing.cancel_shipment(shipment, user=request.user, reason=CANCEL_REASON),
                   done="cancelled", noun="parcel", name=lambda shipment: shipment.awb or f"Box of order {shipment.order_id}")  # fmt: skip


class ManifestShipmentInline(ReadOnlyAdminMixin, TenantScopedInline):
    model = Shipment
    fields = ("awb", "order", "status", "box", "weight_grams", "scanned_at", "shipped_at")
    readonly_fields = fields
    verbose_name_plural = "Parcels"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "box")


@admin.register(Manifest)
class ManifestAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = (
        "number", "courier", "warehouse", "status", "parcels", "agent_name", "created_at", "closed_at",
        "handed_over_at",
    )  # fmt: skip
    list_filter = (
        "status", ("courier", admin.RelatedOnlyFieldListFilter), ("warehouse", admin.RelatedOnlyFieldListFilter),
    )  # fmt: skip
    search_fields = ("number", "shipments__awb", "shipments__order__channel_order_id")
    search_help_text = "Manifest number, AWB or channel order id"
    list_select_related = ("courier", "warehouse")
    date_hierarchy = "created_at"
    fields = (
        "number", "courier", "warehouse", "status", "agent_name", "created_by", "created_at", "closed_by",
        "closed_at", "handed_over_by", "handed_over_at",
    )  # fmt: skip
    readonly_fields = fields
    inlines = (ManifestShipmentInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(parcel_count=Count("shipments"))

    @admin.display(description="Parcels", ordering="parcel_count")
    def parcels(self, obj) -> int:
        return obj.parcel_count
