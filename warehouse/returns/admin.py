"""Returns in the admin, scoped to the user's tenant: RTOs and customer returns (a filter keeps them
apart, as the channels settle them differently), each with the units received and put away.

Returns are received at the returns desk (``warehouse.returns.actions``: the scanner and the API), so
every page here is read-only.
"""

from django.contrib import admin
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin, TenantScopedInline
from warehouse.returns.models import Return, ReturnLine, ReturnPutaway


class ReturnLineInline(ReadOnlyAdminMixin, TenantScopedInline):
    model = ReturnLine
    fields = ("sku", "order_line", "quantity", "grade", "bin", "scanned_by", "created_at")
    readonly_fields = fields
    verbose_name_plural = "Units received"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sku", "order_line", "bin", "scanned_by")


class ReturnPutawayInline(ReadOnlyAdminMixin, TenantScopedInline):
    model = ReturnPutaway
    fields = ("sku", "quantity", "from_bin", "to_bin", "put_away_by", "created_at")
    readonly_fields = fields
    verbose_name_plural = "Put away to storage"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sku", "from_bin", "to_bin", "put_away_by")


def _units(grade: str):
    rows = ReturnLine.objects.filter(order_return=OuterRef("pk"), grade=grade).order_by().values("order_return")
    return Coalesce(Subquery(rows.annotate(n=Sum("quantity")).values("n"), output_field=IntegerField()), 0)


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = (
        "id", "kind", "status", "order", "warehouse", "reference", "good", "damaged", "received_by", "created_at",
        "completed_at",
    )  # fmt: skip
    list_display_links = ("id", "kind")
    list_filter = ("kind", "status", ("warehouse", admin.RelatedOnlyFieldListFilter))
    search_fields = ("order__channel_order_id", "reference")
    search_help_text = "Channel order id, or the AWB / reference scanned at the desk"
    list_select_related = ("order", "warehouse", "received_by")
    date_hierarchy = "created_at"
    fields = ("kind", "status", "order", "warehouse", "reference", "received_by", "created_at", "completed_at")
    readonly_fields = fields
    inlines = (ReturnLineInline, ReturnPutawayInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            good_units=_units(ReturnLine.Grade.GOOD), damaged_units=_units(ReturnLine.Grade.DAMAGED)
        )

    @admin.display(description="Good units", ordering="good_units")
    def good(self, obj) -> int:
        return obj.good_units

    @admin.display(description="Damaged units", ordering="damaged_units")
    def damaged(self, obj) -> int:
        return obj.damaged_units
