"""Orders in the admin, scoped to the user's tenant: read-only pages with their lines and timeline.

An order's fields are the channel's and the state machine's, so none is edited here; people change an
order only through the actions of ``hub.orders.actions`` (cancel, hold, release, allocate), offered as
list actions to those allowed to change orders. Orders come from the channels, so none is added or
deleted here.
"""

from django.contrib import admin

from hub.core.admin import TenantScopedAdmin, TenantScopedInline, run_action
from hub.orders import actions
from hub.orders.models import Order, OrderEvent, OrderLine

LINE_FIELDS = (
    "channel_line_id", "channel_sku", "sku", "title", "quantity", "unit_price", "discount", "gst_rate",
    "taxable_value", "cgst", "sgst", "igst", "line_total", "status",
)  # fmt: skip


class ReadOnlyInline(TenantScopedInline):
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS


class OrderEventInline(ReadOnlyInline):
    """The order's timeline, oldest first: who did what, when."""

    model = OrderEvent
    fields = ("created_at", "kind", "message", "actor", "source")
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name_plural = "Timeline"


@admin.register(Order)
class OrderAdmin(TenantScopedAdmin):
    list_display = (
        "channel_order_id", "account", "status", "ordered_at", "ship_by", "grand_total", "warehouse",
        "needs_attention",
    )  # fmt: skip
    list_filter = ("status", "needs_attention", ("account", admin.RelatedOnlyFieldListFilter), "payment_mode")
    search_fields = ("channel_order_id", "buyer_name", "buyer_phone", "lines__channel_sku")
    list_select_related = ("account", "warehouse")
    date_hierarchy = "ordered_at"
    inlines = (OrderLineInline, OrderEventInline)
    exclude = ("raw_payload",)
    actions = ("cancel_selected", "hold_selected", "release_selected", "allocate_selected")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """Change rights allow the list actions; an order's own page is always read-only."""
        return obj is None and super().has_change_permission(request, obj)

    def _run(self, request, queryset, action, done: str) -> None:
        run_action(self, request, queryset, lambda order: action(order, actor=request.user), done=done, noun="order",
                   name=lambda order: order.channel_order_id)  # fmt: skip

    @admin.action(description="Cancel selected orders (releases their stock)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        self._run(request, queryset, actions.cancel_order, "cancelled")

    @admin.action(description="Put selected orders on hold", permissions=["change"])
    def hold_selected(self, request, queryset):
        self._run(request, queryset, actions.hold_order, "put on hold")

    @admin.action(description="Release the hold of selected orders", permissions=["change"])
    def release_selected(self, request, queryset):
        self._run(request, queryset, actions.release_hold, "released")

    @admin.action(description="Try allocating selected orders again", permissions=["change"])
    def allocate_selected(self, request, queryset):
        self._run(request, queryset, actions.allocate_order, "allocated (where stock allowed)")
