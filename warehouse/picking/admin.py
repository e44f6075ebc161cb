"""Picklists in the admin, scoped to the user's tenant: read-only pages with their orders and lines.

Picklists are built, handed out and walked by ``warehouse.picking.services`` (the scanner and the API),
so none is added or edited here. Those allowed to change picklists may cancel them (``cancel_picklist``:
the orders go back to allocated, keeping their reservations), as a list action.
"""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin, TenantScopedInline, run_action
from warehouse.picking import services
from warehouse.picking.models import Picklist, PicklistLine, PicklistOrder

CANCEL_REASON = "cancelled in the admin"


def _per_picklist(model, aggregate):
    """One number per picklist from a subquery, so the sums of lines and the count of orders never
    multiply each other through a join."""
    rows = model.objects.filter(picklist=OuterRef("pk")).order_by().values("picklist")
    return Coalesce(Subquery(rows.annotate(n=aggregate).values("n"), output_field=IntegerField()), 0)


class PicklistOrderInline(ReadOnlyAdminMixin, TenantScopedInline):
    model = PicklistOrder
    fields = ("order", "status", "left_reason")
    readonly_fields = fields
    verbose_name_plural = "Orders"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


class PicklistLineInline(ReadOnlyAdminMixin, TenantScopedInline):
    """The walk, in order: what to take from which bin, and how much was picked or found missing."""

    model = PicklistLine
    fields = ("position", "bin", "sku", "order", "quantity", "picked", "short", "status")
    readonly_fields = fields
    verbose_name_plural = "Lines (the walk)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bin", "sku", "order")


@admin.register(Picklist)
class PicklistAdmin(TenantScopedAdmin):
    list_display = (
        "number", "warehouse", "kind", "status", "picker", "order_count", "units", "created_at", "finished_at",
    )  # fmt: skip
    list_filter = (
        "status", "kind", ("warehouse", admin.RelatedOnlyFieldListFilter), ("picker", admin.RelatedOnlyFieldListFilter),
    )  # fmt: skip
    search_fields = ("number", "entries__order__channel_order_id")
    search_help_text = "Picklist number or channel order id"
    list_select_related = ("warehouse", "picker")
    date_hierarchy = "created_at"
    fields = (
        "number", "warehouse", "kind", "status", "picker", "packing_bin", "current_bin", "scan_count", "filters",
        "cancel_reason", "created_by", "created_at", "assigned_at", "started_at", "finished_at",
    )  # fmt: skip
    readonly_fields = fields
    inlines = (PicklistOrderInline, PicklistLineInline)
    actions = ("cancel_selected",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            order_total=_per_picklist(PicklistOrder, Count("pk")),
            units_picked=_per_picklist(PicklistLine, Sum("picked")),
            units_total=_per_picklist(PicklistLine, Sum("quantity")),
        )

    @admin.display(description="Orders", ordering="order_total")
    def order_count(self, obj) -> int:
        return obj.order_total

    @admin.display(description="Units picked / total", ordering="units_total")
    def units(self, obj) -> str:
        return f"{obj.units_picked} / {obj.units_total}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """Change rights allow the list action; a picklist's own page is always read-only."""
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Cancel selected picklists (orders go back to allocated)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        run_action(self, request, queryset,
                   lambda picklist: services.cancel_picklist(picklist, user=request.user, reason=CANCEL_REASON),
                   done="cancelled", noun="picklist", name=lambda picklist: picklist.number)  # fmt: skip
