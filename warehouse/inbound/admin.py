from django.contrib import admin

from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin, TenantScopedInline, run_action
from warehouse.inbound import services
from warehouse.inbound.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)


@admin.register(Supplier)
class SupplierAdmin(TenantScopedAdmin):
    list_display = ("name", "gstin", "contact_name", "phone", "email", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "gstin", "contact_name")


def _draft(obj) -> bool:
    return obj is None or obj.status == PurchaseOrder.Status.DRAFT


class PurchaseOrderLineInline(TenantScopedInline):
    """Lines are edited while the PO is a draft; after that they only show what was received."""

    model = PurchaseOrderLine
    autocomplete_fields = ("sku",)
    readonly_fields = ("quantity_received", "quantity_damaged")

    def has_add_permission(self, request, obj=None):
        return _draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _draft(obj) and super().has_delete_permission(request, obj)


def _run(modeladmin, request, queryset, action, done: str) -> None:
    run_action(modeladmin, request, queryset, lambda po: action(po, actor=request.user), done=done,
               noun="purchase order", name=lambda po: po.number)  # fmt: skip


@admin.action(description="Open the selected draft POs", permissions=["change"])
def open_orders(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.open_purchase_order, "opened")


@admin.action(description="Cancel the selected POs", permissions=["change"])
def cancel_orders(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.cancel_purchase_order, "cancelled")


@admin.action(description="Close the selected POs", permissions=["change"])
def close_orders(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.close_purchase_order, "closed")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(TenantScopedAdmin):
    """The status moves by the list actions (open, cancel, close) and by completed GRNs, never by hand."""

    list_display = ("number", "supplier", "warehouse", "expected_date", "status", "created_at")
    list_filter = ("status", ("warehouse", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number", "supplier__name")
    autocomplete_fields = ("supplier",)
    inlines = (PurchaseOrderLineInline,)
    actions = (open_orders, cancel_orders, close_orders)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        if _draft(obj):
            return ("status", "created_by")
        return ("number", "supplier", "warehouse", "expected_date", "status", "notes", "created_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class GoodsReceiptLineInline(ReadOnlyAdminMixin, TenantScopedInline):
    model = GoodsReceiptLine
    fields = ("sku", "quantity_good", "quantity_damaged", "quantity_ordered", "received_before", "variance")
    readonly_fields = fields


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    """GRNs are written by the scanner and the API (``warehouse.inbound.services``); here they are read."""

    list_display = ("number", "purchase_order", "warehouse", "receiving_bin", "status", "received_by", "created_at")
    list_filter = ("status", ("warehouse", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number", "purchase_order__number")
    list_select_related = ("purchase_order", "warehouse", "receiving_bin", "received_by")
    readonly_fields = (
        "number", "purchase_order", "supplier", "warehouse", "receiving_bin", "status", "received_by", "completed_at",
    )  # fmt: skip
    inlines = (GoodsReceiptLineInline,)
    date_hierarchy = "created_at"
