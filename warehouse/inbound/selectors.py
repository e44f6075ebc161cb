"""Reads for inbound: what a scanned code is, where receiving and damaged units go, where to put away."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from hub.catalog.models import SKU, Barcode
from warehouse.inbound.models import GoodsReceipt, PurchaseOrder
from warehouse.models import Bin, StockLevel, Warehouse

RECEIVABLE = (PurchaseOrder.Status.OPEN, PurchaseOrder.Status.PARTIALLY_RECEIVED)


def find_sku(tenant, code: str) -> SKU | None:
    """The SKU a scanned code names: a barcode on the unit first, then the SKU code itself."""
    code = (code or "").strip()
    if not code:
        return None
    barcode = Barcode.objects.for_tenant(tenant).select_related("sku").filter(code=code).first()
    if barcode is not None:
        return barcode.sku
    return SKU.objects.for_tenant(tenant).filter(code__iexact=code).first()


def find_bin(tenant, code: str) -> Bin | None:
    """The bin whose label (barcode) was scanned; a bin's code is accepted too (typed by hand)."""
    code = (code or "").strip()
    if not code:
        return None
    bins = Bin.objects.for_tenant(tenant).select_related("warehouse")
    return bins.filter(barcode=code).first() or bins.filter(code__iexact=code).order_by("pk").first()


def first_bin(warehouse: Warehouse, kind: str) -> Bin | None:
    """The warehouse's first active bin of ``kind`` by code (its dock, its damaged cage)."""
    return Bin.objects.filter(warehouse=warehouse, kind=kind, is_active=True).order_by("code").first()


def receiving_bins(warehouse: Warehouse) -> QuerySet[Bin]:
    return Bin.objects.filter(warehouse=warehouse, kind=Bin.Kind.RECEIVING, is_active=True).order_by("code")


def receivable_orders(tenant) -> QuerySet[PurchaseOrder]:
    """POs a receiver may receive against, oldest expected first."""
    return (
        PurchaseOrder.objects.for_tenant(tenant)
        .filter(status__in=RECEIVABLE)
        .select_related("supplier", "warehouse")
        .order_by("expected_date", "number")
    )


def open_receipts(tenant) -> QuerySet[GoodsReceipt]:
    return (
        GoodsReceipt.objects.for_tenant(tenant)
        .filter(status=GoodsReceipt.Status.OPEN)
        .select_related("purchase_order", "receiving_bin", "warehouse")
        .order_by("-created_at", "-id")
    )


def open_receipt_for(purchase_order: PurchaseOrder) -> GoodsReceipt | None:
    """An open GRN against this PO, to carry on with instead of starting another."""
    return purchase_order.receipts.filter(status=GoodsReceipt.Status.OPEN).order_by("created_at", "id").first()


def awaiting_putaway(tenant, *, bin: Bin | None = None, sku: SKU | None = None) -> QuerySet[StockLevel]:
    """Units sitting in receiving bins, per (SKU, bin), largest first."""
    levels = StockLevel.objects.for_tenant(tenant).filter(
        bin__kind=Bin.Kind.RECEIVING, on_hand__gt=0
    ).select_related("sku", "bin", "warehouse")  # fmt: skip
    if bin is not None:
        levels = levels.filter(bin=bin)
    if sku is not None:
        levels = levels.filter(sku=sku)
    return levels.order_by("bin__code", "-on_hand", "sku__code")


@dataclass(frozen=True)
class Suggestion:
    bin: Bin
    reason: str
    holding: int  # units of the SKU the bin holds already


def storage_bins(warehouse: Warehouse) -> QuerySet[Bin]:
    """Bins putaway may fill: active storage bins with no cycle count open on them."""
    return Bin.objects.filter(
        warehouse=warehouse, kind=Bin.Kind.STORAGE, is_active=True, counting_since__isnull=True
    )


def suggest_putaway_bin(sku: SKU, from_bin: Bin) -> Suggestion | None:
    """Where the units of ``sku`` in ``from_bin`` should go.

    A storage bin of the same warehouse that already holds the SKU, the one holding most of it first
    (so a SKU stays in few places and a picker finds it where it always is); failing that, an empty
    storage bin, first by code. Bins under a cycle count (``counting_since`` set) and inactive bins are
    never suggested. The model keeps no bin capacity, so "a bin with room" cannot be checked: the
    operator who finds the suggested bin full scans another storage bin instead, and that is accepted.
    None when no storage bin qualifies.
    """
    bins = storage_bins(from_bin.warehouse)
    holding = (
        StockLevel.objects.filter(sku=sku, bin__in=bins, on_hand__gt=0)
        .select_related("bin")
        .order_by("-on_hand", "bin__code")
        .first()
    )
    if holding is not None:
        return Suggestion(holding.bin, f"holds {holding.on_hand} of {sku.code} already", holding.on_hand)
    occupied = StockLevel.objects.filter(bin=OuterRef("pk")).filter(Q(on_hand__gt=0) | Q(reserved__gt=0))
    empty = bins.filter(~Exists(occupied)).order_by("code").first()
    if empty is not None:
        return Suggestion(empty, "an empty storage bin", 0)
    return None
