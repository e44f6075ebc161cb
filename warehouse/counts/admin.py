"""Cycle counts in the admin, scoped to the user's tenant: read-only pages with their bins and lines.

Counts are opened and counted by ``warehouse.counts.actions`` (the scanner and the API). A supervisor
(operations or admin: the roles with "change" on counts, and the actions check the role again) approves,
rejects or cancels them here, as list actions; a refusal is reported per count.
"""

from django.contrib import admin
from django.db.models import Count, Q

from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin, TenantScopedInline, run_action
from warehouse.counts import actions
from warehouse.counts.models import CountBin, CountLine, CycleCount

REASON = "from the admin"
SHOWN_BINS = 5


class CountBinInline(ReadOnlyAdminMixin, TenantScopedInline):
    model = CountBin
    fields = ("bin", "status", "started_at", "started_by")
    readonly_fields = fields
    verbose_name_plural = "Bins"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bin", "started_by")


class CountLineInline(ReadOnlyAdminMixin, TenantScopedInline):
    """Per SKU and bin: what the stock said, what was counted, and what became of the difference."""

    model = CountLine
    fields = ("bin", "sku", "expected", "counted", "difference", "status", "approval_reason", "updated_at")
    readonly_fields = fields
    verbose_name_plural = "Lines"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bin", "sku")


@admin.register(CycleCount)
class CycleCountAdmin(TenantScopedAdmin):
    list_display = (
        "__str__", "warehouse", "status", "bin_codes", "waiting", "created_by", "created_at", "approved_by",
        "approved_at", "closed_at",
    )  # fmt: skip
    list_filter = ("status", ("warehouse", admin.RelatedOnlyFieldListFilter))
    search_fields = ("count_bins__bin__code", "note")
    search_help_text = "A bin's code, or the note"
    list_select_related = ("warehouse", "created_by", "approved_by")
    date_hierarchy = "created_at"
    fields = (
        "warehouse", "status", "approval_units", "note", "created_by", "created_at", "approved_by", "approved_at",
        "closed_at",
    )  # fmt: skip
    readonly_fields = fields
    inlines = (CountBinInline, CountLineInline)
    actions = ("approve_selected", "reject_selected", "cancel_selected")

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .annotate(waiting_lines=Count("lines", filter=Q(lines__status=CountLine.Status.NEEDS_APPROVAL)))
            .prefetch_related("count_bins__bin")
        )  # fmt: skip

    @admin.display(description="Bins")
    def bin_codes(self, obj) -> str:
        codes = [entry.bin.code for entry in obj.count_bins.all()]
        more = len(codes) - SHOWN_BINS
        return ", ".join(codes[:SHOWN_BINS]) + (f" and {more} more" if more > 0 else "")

    @admin.display(description="Differences awaiting approval", ordering="waiting_lines")
    def waiting(self, obj) -> int:
        return obj.waiting_lines

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """Change rights allow the list actions; a count's own page is always read-only."""
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Approve the differences of selected counts (posts them)", permissions=["change"])
    def approve_selected(self, request, queryset):
        run_action(self, request, queryset, lambda count: actions.approve_count(count, actor=request.user),
                   done="approved", noun="count")  # fmt: skip

    @admin.action(description="Reject the differences of selected counts (bins are counted again)",
                  permissions=["change"])  # fmt: skip
    def reject_selected(self, request, queryset):
        run_action(self, request, queryset, lambda count: actions.reject_count(count, actor=request.user, reason=REASON),
                   done="rejected: their bins are to be counted again", noun="count")  # fmt: skip

    @admin.action(description="Cancel selected counts (frees their bins)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        run_action(self, request, queryset, lambda count: actions.cancel_count(count, actor=request.user, reason=REASON),
                   done="cancelled", noun="count")  # fmt: skip
