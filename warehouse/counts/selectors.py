"""Reads of cycle counts for the API and the scanner pages."""

from django.db.models import Prefetch, QuerySet

from warehouse.counts.models import CountBin, CountLine, CycleCount


def counts(tenant) -> QuerySet[CycleCount]:
    return CycleCount.objects.for_tenant(tenant).select_related("warehouse", "created_by", "approved_by")


def count_details(tenant) -> QuerySet[CycleCount]:
    return counts(tenant).prefetch_related(
        Prefetch("count_bins", queryset=CountBin.objects.select_related("bin")),
        Prefetch("lines", queryset=CountLine.objects.select_related("sku", "bin")),
    )


def next_step(count: CycleCount) -> str:
    """What to do next: ``scan_bin`` while a bin is not scanned, ``finish`` when every bin is, ``approve``
    while differences wait for a supervisor, ``done`` once completed or cancelled."""
    if count.status in (CycleCount.Status.OPEN, CycleCount.Status.COUNTING):
        pending = any(entry.status == CountBin.Status.PENDING for entry in count.count_bins.all())
        return "scan_bin" if pending else "finish"
    if count.status == CycleCount.Status.AWAITING_APPROVAL:
        return "approve"
    return "done"
