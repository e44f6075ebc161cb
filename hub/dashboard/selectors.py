"""Reads behind the dashboard pages. Every function takes the tenant and reads only its rows,
in a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from hub.catalog.models import SKU, Barcode, BundleComponent
from hub.core.models import ImportJob
from warehouse.models import Bin, StockLevel, StockMovement, Warehouse

LEDGER_PAGE = 50


def _sum(expression) -> Coalesce:
    return Coalesce(Sum(expression), Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class Figures:
    active_skus: int
    bundles: int
    warehouses: int
    on_hand: int
    reserved: int
    out_of_stock: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def tenant_figures(tenant) -> Figures:
    """The home page's tiles."""
    skus = SKU.objects.for_tenant(tenant).aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        bundles=Count("pk", filter=Q(is_active=True, is_bundle=True)),
    )
    stock = StockLevel.objects.for_tenant(tenant).aggregate(
        on_hand=_sum("on_hand"), reserved=_sum("reserved")
    )
    return Figures(
        active_skus=skus["active"],
        bundles=skus["bundles"],
        warehouses=Warehouse.objects.for_tenant(tenant).filter(is_active=True).count(),
        on_hand=stock["on_hand"],
        reserved=stock["reserved"],
        out_of_stock=out_of_stock_skus(tenant).count(),
    )


def out_of_stock_skus(tenant) -> QuerySet[SKU]:
    """Active plain (non-bundle) SKUs with nothing available in any bin."""
    sellable = StockLevel.objects.filter(sku=OuterRef("pk"), on_hand__gt=F("reserved"))
    return SKU.objects.for_tenant(tenant).filter(is_active=True, is_bundle=False).filter(~Exists(sellable))


def warehouse_stock(tenant) -> QuerySet[Warehouse]:
    """Active warehouses with their units on hand and reserved."""
    return (
        Warehouse.objects.for_tenant(tenant)
        .filter(is_active=True)
        .annotate(on_hand=_sum("stock_levels__on_hand"), reserved=_sum("stock_levels__reserved"))
        .annotate(available=F("on_hand") - F("reserved"))
        .order_by("code")
    )


def recent_imports(tenant, *, limit: int = 5) -> list[ImportJob]:
    """The newest import jobs, without their file content and error lists."""
    jobs = ImportJob.objects.for_tenant(tenant).defer("content", "errors").select_related("created_by")
    return list(jobs.order_by("-created_at", "-id")[:limit])


def import_job(tenant, job_id: int) -> ImportJob:
    """One import job of the tenant (raises ``ImportJob.DoesNotExist`` for another tenant's)."""
    return ImportJob.objects.for_tenant(tenant).defer("content").select_related("created_by").get(pk=job_id)


# Catalog


def sku_search(tenant, query: str = "") -> QuerySet[SKU]:
    """SKUs matching ``query`` in their code, name or a barcode, with stock summed over every bin."""
    skus = SKU.objects.for_tenant(tenant)
    query = query.strip()
    if query:
        barcoded = Barcode.objects.for_tenant(tenant).filter(code__icontains=query).values("sku_id")
        skus = skus.filter(Q(code__icontains=query) | Q(name__icontains=query) | Q(pk__in=barcoded))
    return (
        skus.annotate(on_hand=_sum("stock_levels__on_hand"), reserved=_sum("stock_levels__reserved"))
        .annotate(available=F("on_hand") - F("reserved"))
        .order_by("code")
    )


def bundle_stock(tenant, bundle_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each bundle, (on hand, available) as whole bundles its components' stock makes up."""
    if not bundle_ids:
        return {}
    parts = (
        BundleComponent.objects.for_tenant(tenant)
        .filter(bundle_id__in=bundle_ids)
        .annotate(
            on_hand=_sum("component__stock_levels__on_hand"),
            reserved=_sum("component__stock_levels__reserved"),
        )
        .values_list("bundle_id", "quantity", "on_hand", "reserved")
    )
    result: dict[int, tuple[int, int]] = {}
    for bundle_id, quantity, on_hand, reserved in parts:
        built = (on_hand // quantity, (on_hand - reserved) // quantity)
        previous = result.get(bundle_id, built)
        result[bundle_id] = (min(previous[0], built[0]), min(previous[1], built[1]))
    return result


def with_bundle_stock(tenant, skus: list[SKU]) -> list[SKU]:
    """Set on_hand/reserved/available of the bundles among ``skus`` from their components (one query)."""
    built = bundle_stock(tenant, [sku.pk for sku in skus if sku.is_bundle])
    for sku in skus:
        if sku.pk in built:
            sku.on_hand, sku.available = built[sku.pk]
            sku.reserved = sku.on_hand - sku.available
    return skus


@dataclass
class SKUDetail:
    sku: SKU
    barcodes: list[Barcode]
    components: list[BundleComponent]
    levels: list[StockLevel]
    movements: list[StockMovement]
    totals: dict[str, int] = field(default_factory=dict)


def sku_detail(tenant, sku_id: int, *, movements: int = 20) -> SKUDetail:
    """One SKU of the tenant with its barcodes, components, stock per bin and newest ledger rows.

    Raises ``SKU.DoesNotExist`` for an id of another tenant.
    """
    sku = SKU.objects.for_tenant(tenant).select_related("product").get(pk=sku_id)
    components = list(
        BundleComponent.objects.for_tenant(tenant)
        .filter(bundle=sku)
        .select_related("component")
        .annotate(
            on_hand=_sum("component__stock_levels__on_hand"),
            reserved=_sum("component__stock_levels__reserved"),
        )
        .annotate(available=F("on_hand") - F("reserved"))
        .order_by("component__code")
    )
    levels = list(
        StockLevel.objects.for_tenant(tenant)
        .filter(sku=sku)
        .select_related("warehouse", "bin")
        .order_by("warehouse__code", "bin__code")
    )
    ledger = (
        StockMovement.objects.for_tenant(tenant)
        .filter(sku=sku)
        .select_related("warehouse", "bin", "actor")
        .order_by("-id")[:movements]
    )
    barcodes = list(Barcode.objects.for_tenant(tenant).filter(sku=sku).order_by("code"))
    return SKUDetail(sku, barcodes, components, levels, list(ledger), _sku_totals(tenant, sku, levels))


def _sku_totals(tenant, sku: SKU, levels: list[StockLevel]) -> dict[str, int]:
    """Units of a plain SKU summed over its bins; whole bundles its components make up for a bundle."""
    if sku.is_bundle:
        on_hand, available = bundle_stock(tenant, [sku.pk]).get(sku.pk, (0, 0))
        return {"on_hand": on_hand, "reserved": on_hand - available, "available": available}
    on_hand = sum(level.on_hand for level in levels)
    reserved = sum(level.reserved for level in levels)
    return {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}


# Stock


def stock_levels(tenant, *, warehouse_id: int | None = None, query: str = "") -> QuerySet[StockLevel]:
    """Stock per (SKU, bin), optionally in one warehouse and for SKUs matching ``query``."""
    levels = StockLevel.objects.for_tenant(tenant).select_related("sku", "bin", "warehouse")
    if warehouse_id:
        levels = levels.filter(warehouse_id=warehouse_id)
    query = query.strip()
    if query:
        levels = levels.filter(Q(sku__code__icontains=query) | Q(sku__name__icontains=query))
    return levels.order_by("sku__code", "warehouse__code", "bin__code")


def stock_totals(levels: QuerySet[StockLevel]) -> dict[str, int]:
    """Units on hand, reserved and available over all of ``levels`` (every page, not just one)."""
    totals = levels.order_by().aggregate(on_hand=_sum("on_hand"), reserved=_sum("reserved"))
    totals["available"] = totals["on_hand"] - totals["reserved"]
    return totals


@dataclass(frozen=True)
class LedgerPage:
    rows: list[StockMovement]
    older_than: int | None  # the id to pass as ``before`` for the next (older) page, None on the last


def ledger_page(tenant, *, sku_code: str = "", kind: str = "", before: int | None = None) -> LedgerPage:
    """Up to 50 ledger rows, newest first, older than the row ``before``.

    Keyset pages: the ledger only grows, so pages are cut by id and never counted.
    """
    rows = StockMovement.objects.for_tenant(tenant).select_related("sku", "warehouse", "bin", "actor")
    if sku_code.strip():
        rows = rows.filter(sku__code__iexact=sku_code.strip())
    if kind:
        rows = rows.filter(kind=kind)
    if before:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-id")[: LEDGER_PAGE + 1])
    older_than = page[LEDGER_PAGE - 1].pk if len(page) > LEDGER_PAGE else None
    return LedgerPage(page[:LEDGER_PAGE], older_than)


# Scanner


@dataclass(frozen=True)
class Lookup:
    """What a scanned code is: a bin (``levels`` are its SKUs) or a SKU (``levels`` are its bins)."""

    code: str
    bin: Bin | None = None
    sku: SKU | None = None
    levels: list[StockLevel] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.bin is not None or self.sku is not None

    @property
    def total_on_hand(self) -> int:
        return sum(level.on_hand for level in self.levels)

    @property
    def total_available(self) -> int:
        return sum(level.available for level in self.levels)


def lookup_code(tenant, code: str) -> Lookup:
    """Find a scanned code: a bin barcode first, then a SKU barcode, then a SKU code."""
    code = code.strip()
    if not code:
        return Lookup(code)
    bin_ = Bin.objects.for_tenant(tenant).select_related("warehouse").filter(barcode=code).first()
    if bin_ is not None:
        levels = (
            StockLevel.objects.for_tenant(tenant)
            .filter(bin=bin_, on_hand__gt=0)
            .select_related("sku")
            .order_by("sku__code")
        )
        return Lookup(code, bin=bin_, levels=list(levels))
    sku = _sku_by_code(tenant, code)
    if sku is None:
        return Lookup(code)
    levels = (
        StockLevel.objects.for_tenant(tenant)
        .filter(sku=sku, on_hand__gt=0)
        .select_related("warehouse", "bin")
        .order_by("warehouse__code", "bin__code")
    )
    return Lookup(code, sku=sku, levels=list(levels))


def _sku_by_code(tenant, code: str) -> SKU | None:
    barcode = Barcode.objects.for_tenant(tenant).select_related("sku").filter(code=code).first()
    if barcode is not None:
        return barcode.sku
    return SKU.objects.for_tenant(tenant).filter(code__iexact=code).first()
