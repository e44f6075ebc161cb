from django.contrib import admin

from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin
from warehouse.models import Bin, StockLevel, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(TenantScopedAdmin):
    list_display = ("code", "name", "city", "state", "pincode", "gstin", "is_active")
    list_filter = ("is_active", "state")
    search_fields = ("code", "name", "city", "pincode")


@admin.register(Bin)
class BinAdmin(TenantScopedAdmin):
    list_display = ("code", "barcode", "warehouse", "kind", "is_active")
    list_filter = ("kind", "is_active", ("warehouse", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "barcode")


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    """Levels are written only by the ledger (warehouse/stock.py); here they are read-only."""

    list_display = ("sku", "bin", "warehouse", "on_hand", "reserved", "updated_at")
    list_filter = (("warehouse", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("sku__code", "bin__code")
    list_select_related = ("sku", "bin", "warehouse")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ("created_at", "kind", "sku", "bin", "on_hand_delta", "reserved_delta", "reason", "reference", "actor")
    list_filter = ("kind", ("warehouse", admin.RelatedOnlyFieldListFilter))
    search_fields = ("sku__code", "bin__code", "reference", "idempotency_key")
    list_select_related = ("sku", "bin", "actor")
    date_hierarchy = "created_at"
