"""Inbound actions: purchase orders, goods receipts (GRNs) and putaway.

Each action is one transaction (all or nothing) that locks the rows it changes, and refuses with a
``DomainError`` that says what is wrong and where. Units move only through ``warehouse.stock``:

- a GRN scan receives good units into the GRN's receiving bin, damaged ones into the warehouse's
  damaged bin (kind "damaged": counted, never sold, see ``warehouse.sellable``), with the GRN number as
  the ledger reference and a ledger key built from the scan's idempotency key, so a repeated scan is a
  replay and counts once even without ``warehouse.scans.once``;
- completing a GRN adds its units to the PO lines, records each line's over/short receipt (received to
  date against ordered) on the GRN, and moves the PO to partially received or received;
- putaway moves units from a receiving bin to a storage bin.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from hub.catalog.models import SKU
from hub.core.errors import Conflict, DomainError
from warehouse import stock
from warehouse.inbound import selectors
from warehouse.inbound.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from warehouse.models import Bin, Warehouse

POStatus = PurchaseOrder.Status
PO_TRANSITIONS: dict[str, frozenset[str]] = {
    POStatus.DRAFT: frozenset({POStatus.OPEN, POStatus.CANCELLED}),
    POStatus.OPEN: frozenset({POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED, POStatus.CLOSED, POStatus.CANCELLED}),
    POStatus.PARTIALLY_RECEIVED: frozenset({POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED, POStatus.CLOSED}),
    POStatus.RECEIVED: frozenset({POStatus.RECEIVED, POStatus.CLOSED}),
    POStatus.CLOSED: frozenset(),
    POStatus.CANCELLED: frozenset(),
}
MAX_SCAN_QUANTITY = 100_000
NUMBER_ATTEMPTS = 20


class InvalidTransition(Conflict):
    code = "invalid_transition"


class NotOnOrder(DomainError):
    code = "not_on_order"


class UnknownBarcode(DomainError):
    code = "unknown_barcode"


@dataclass(frozen=True)
class LineInput:
    """One line of a PO as the caller asks for it."""

    sku: SKU
    quantity_ordered: int
    unit_cost: Decimal = Decimal("0")


# Purchase orders ------------------------------------------------------------------------------------


def create_purchase_order(
    tenant, *, supplier: Supplier, warehouse: Warehouse, lines: Iterable[LineInput] = (), number: str = "",
    expected_date=None, notes: str = "", actor=None,
) -> PurchaseOrder:  # fmt: skip
    """A draft PO; without a ``number`` it gets the next PO-000001-style one."""
    lines = list(lines)
    _check_parties(tenant, supplier, warehouse)
    _check_lines(tenant, lines)
    with transaction.atomic():
        po = _numbered(
            PurchaseOrder, tenant, "PO", number,
            lambda value: PurchaseOrder.objects.create(
                tenant=tenant, number=value, supplier=supplier, warehouse=warehouse, expected_date=expected_date,
                notes=notes, created_by=_user(actor),
            ),
        )  # fmt: skip
        _write_lines(po, lines)
    return po


def update_purchase_order(po: PurchaseOrder, *, lines: Iterable[LineInput] | None = None, **fields) -> PurchaseOrder:
    """Change a draft PO: any of number, supplier, warehouse, expected date, notes; ``lines`` replaces them all."""
    allowed = {"number", "supplier", "warehouse", "expected_date", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(f"A purchase order has no field {sorted(unknown)[0]!r} to change.", field=sorted(unknown)[0])
    with transaction.atomic():
        po = _locked_po(po)
        if po.status != POStatus.DRAFT:
            raise InvalidTransition(
                f"{po.number} is {po.get_status_display().lower()}; only a draft PO can be edited.", field="status"
            )
        if "number" in fields and fields["number"] != po.number:
            _check_number_free(PurchaseOrder, po.tenant_id, fields["number"], "PO")
        _check_parties(po.tenant, fields.get("supplier", po.supplier), fields.get("warehouse", po.warehouse))
        for name, value in fields.items():
            setattr(po, name, value)
        po.save()
        if lines is not None:
            lines = list(lines)
            _check_lines(po.tenant, lines)
            po.lines.all().delete()
            _write_lines(po, lines)
    return po


def delete_purchase_order(po: PurchaseOrder) -> None:
    with transaction.atomic():
        po = _locked_po(po)
        if po.status != POStatus.DRAFT:
            raise InvalidTransition(
                f"{po.number} is {po.get_status_display().lower()}; only a draft PO can be deleted (cancel it instead).",
                field="status",
            )
        po.delete()


def open_purchase_order(po: PurchaseOrder, *, actor=None) -> PurchaseOrder:
    """Send a draft PO: from now on it can be received against, and no longer edited."""
    with transaction.atomic():
        po = _locked_po(po)
        if po.status == POStatus.DRAFT and not po.lines.exists():
            raise DomainError(f"{po.number} has no lines; add what was ordered before opening it.", field="lines")
        if not po.supplier.is_active:
            raise DomainError(f"Supplier {po.supplier.name} is inactive; choose another supplier.", field="supplier")
        return _set_status(po, POStatus.OPEN)


def cancel_purchase_order(po: PurchaseOrder, *, actor=None) -> PurchaseOrder:
    """Cancel a PO nothing was received against (a draft or an open one)."""
    with transaction.atomic():
        po = _locked_po(po)
        _check_transition(po, POStatus.CANCELLED)
        receipt = po.receipts.order_by("id").first()
        if receipt is not None:
            raise InvalidTransition(
                f"{po.number} has goods receipt {receipt.number}; close the PO instead of cancelling it.",
                field="status",
            )
        return _set_status(po, POStatus.CANCELLED)


def close_purchase_order(po: PurchaseOrder, *, actor=None) -> PurchaseOrder:
    """Close a PO: nothing more is expected against it, whatever is still short."""
    with transaction.atomic():
        po = _locked_po(po)
        receipt = selectors.open_receipt_for(po)
        if receipt is not None:
            raise InvalidTransition(
                f"Goods receipt {receipt.number} is still open against {po.number}; complete it first.",
                field="status",
            )
        return _set_status(po, POStatus.CLOSED)


# Goods receipts --------------------------------------------------------------------------------------


def start_receipt(
    tenant, *, purchase_order: PurchaseOrder | None = None, warehouse: Warehouse | None = None,
    receiving_bin: Bin | None = None, supplier: Supplier | None = None, number: str = "", actor=None,
) -> GoodsReceipt:  # fmt: skip
    """Open a GRN against ``purchase_order``, or a blind one (no PO) in ``warehouse``.

    The receiving bin defaults to the warehouse's first receiving bin; a blind GRN may name its
    warehouse through the receiving bin alone.
    """
    with transaction.atomic():
        if purchase_order is not None:
            po = _locked_po(purchase_order)
            _check_receivable(po)
            if warehouse is not None and warehouse.pk != po.warehouse_id:
                raise DomainError(
                    f"{po.number} is for warehouse {po.warehouse.code}, not {warehouse.code}.", field="warehouse"
                )
            warehouse, supplier = po.warehouse, po.supplier
        else:
            po = None
            warehouse = warehouse or (receiving_bin.warehouse if receiving_bin is not None else None)
            if warehouse is None:
                raise DomainError("A blind receipt needs a warehouse or a receiving bin.", field="warehouse")
        if warehouse.tenant_id != tenant.pk or (supplier is not None and supplier.tenant_id != tenant.pk):
            raise DomainError("The warehouse or supplier belongs to another account.", field="warehouse")
        bin_ = _receiving_bin(warehouse, receiving_bin)
        return _numbered(
            GoodsReceipt, tenant, "GRN", number,
            lambda value: GoodsReceipt.objects.create(
                tenant=tenant, number=value, purchase_order=po, supplier=supplier, warehouse=warehouse,
                receiving_bin=bin_, received_by=_user(actor),
            ),
        )  # fmt: skip


@dataclass(frozen=True)
class ScanResult:
    receipt: GoodsReceipt
    line: GoodsReceiptLine
    po_line: PurchaseOrderLine | None
    sku: SKU
    quantity: int
    damaged: bool
    bin: Bin
    replayed: bool


def receive_scan(
    receipt: GoodsReceipt, *, barcode: str, key: str, quantity: int = 1, damaged: bool = False, actor=None
) -> ScanResult:
    """Count units of the scanned item in: good ones into the receiving bin, damaged ones into the
    damaged bin. ``quantity`` above 1 only for a SKU that allows keyed quantities. The same ``key``
    again is a replay: the stock and the counts change once."""
    quantity = _scan_quantity(quantity)
    with transaction.atomic():
        receipt = _locked_receipt(receipt)
        if receipt.status != GoodsReceipt.Status.OPEN:
            raise Conflict(f"{receipt.number} is completed; start a new receipt for more units.", field="receipt")
        sku = _scanned_sku(receipt, barcode)
        po_line = _po_line(receipt, sku)
        if quantity > 1 and not sku.key_quantity:
            raise DomainError(
                f"Scan each unit of {sku.code}: it is not set up for keyed quantities.", field="quantity"
            )
        bin_ = _damaged_bin(receipt.warehouse) if damaged else receipt.receiving_bin
        result = stock.receive(
            sku, bin_, quantity, key=f"grn:{receipt.pk}:{key}", actor=_user(actor), reference=receipt.number,
            reason="damaged on arrival" if damaged else "received",
        )  # fmt: skip
        line, _ = GoodsReceiptLine.objects.select_for_update().get_or_create(
            receipt=receipt, sku=sku, defaults={"tenant_id": receipt.tenant_id, "po_line": po_line}
        )
        if not result.replayed:
            if damaged:
                line.quantity_damaged += quantity
            else:
                line.quantity_good += quantity
            line.save(update_fields=["quantity_good", "quantity_damaged"])
    return ScanResult(receipt, line, po_line, sku, quantity, damaged, bin_, result.replayed)


def complete_receipt(receipt: GoodsReceipt, *, actor=None) -> GoodsReceipt:
    """Close a GRN. Against a PO: add its units to the PO lines, record each PO line's over/short
    receipt on the GRN (a line of the PO not scanned at all gets a GRN line of zero, so its shortfall
    shows), and move the PO to partially received or received."""
    with transaction.atomic():
        receipt = _locked_receipt(receipt)
        if receipt.status != GoodsReceipt.Status.OPEN:
            raise Conflict(f"{receipt.number} is completed already.", field="receipt")
        lines = {line.sku_id: line for line in receipt.lines.select_for_update().order_by("pk")}
        if not any(line.quantity_good or line.quantity_damaged for line in lines.values()):
            raise DomainError(f"Nothing was scanned on {receipt.number}; scan the units first.", field="lines")
        if receipt.purchase_order_id:
            receipt.purchase_order = _settle_order(receipt, lines)
        receipt.status = GoodsReceipt.Status.COMPLETED
        receipt.completed_at = timezone.now()
        receipt.save(update_fields=["status", "completed_at"])
    return receipt


def _settle_order(receipt: GoodsReceipt, lines: dict[int, GoodsReceiptLine]) -> PurchaseOrder:
    po = _locked_po(receipt.purchase_order)
    _check_receivable(po, completing=True)
    po_lines = list(po.lines.select_for_update().order_by("pk"))
    for po_line in po_lines:
        line = lines.get(po_line.sku_id) or GoodsReceiptLine.objects.create(
            tenant_id=receipt.tenant_id, receipt=receipt, sku_id=po_line.sku_id, po_line=po_line
        )
        line.po_line = po_line
        line.quantity_ordered = po_line.quantity_ordered
        line.received_before = po_line.quantity_received
        po_line.quantity_received += line.quantity_good
        po_line.quantity_damaged += line.quantity_damaged
        line.variance = po_line.quantity_received - po_line.quantity_ordered
        line.save(update_fields=["po_line", "quantity_ordered", "received_before", "variance"])
        po_line.save(update_fields=["quantity_received", "quantity_damaged"])
    complete = all(line.quantity_received >= line.quantity_ordered for line in po_lines)
    return _set_status(po, POStatus.RECEIVED if complete else POStatus.PARTIALLY_RECEIVED)


# Putaway -----------------------------------------------------------------------------------------------


def put_away(sku: SKU, from_bin: Bin, to_bin: Bin, quantity: int, *, key: str, actor=None) -> stock.StockResult:
    """Move ``quantity`` units of ``sku`` out of a receiving bin into a storage bin of the same warehouse.

    Any active storage bin is accepted, not only the suggested one (``selectors.suggest_putaway_bin``),
    except one under a cycle count. The same ``key`` again is a replay.
    """
    if from_bin.kind != Bin.Kind.RECEIVING:
        raise DomainError(
            f"Bin {from_bin.code} is a {from_bin.get_kind_display().lower()} bin; putaway takes units out of "
            "receiving bins.",
            field="from_bin",
        )
    if to_bin.kind != Bin.Kind.STORAGE:
        raise DomainError(
            f"Bin {to_bin.code} is a {to_bin.get_kind_display().lower()} bin; put the units in a storage bin.",
            field="to_bin",
        )
    if to_bin.warehouse_id != from_bin.warehouse_id:
        raise DomainError(
            f"Bin {to_bin.code} is in {to_bin.warehouse.code}, not in {from_bin.warehouse.code}; scan a bin of "
            f"{from_bin.warehouse.code}.",
            field="to_bin",
        )
    if to_bin.counting_since is not None:
        raise Conflict(f"Bin {to_bin.code} is being counted; put the units in another bin.", field="to_bin")
    return stock.move(
        sku, from_bin, to_bin, quantity, key=f"putaway:{key}", actor=_user(actor),
        reference=f"putaway from {from_bin.code}", reason="putaway",
    )  # fmt: skip


# Helpers -----------------------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _locked_po(po: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update(of=("self",)).select_related("supplier", "warehouse").get(pk=po.pk)


def _locked_receipt(receipt: GoodsReceipt) -> GoodsReceipt:
    return (
        GoodsReceipt.objects.select_for_update(of=("self",))
        .select_related("warehouse", "receiving_bin", "purchase_order")
        .get(pk=receipt.pk)
    )


def _check_transition(po: PurchaseOrder, target: str) -> None:
    if target not in PO_TRANSITIONS[po.status]:
        label = POStatus(target).label.lower()
        raise InvalidTransition(
            f"{po.number} is {po.get_status_display().lower()}; it cannot become {label}.", field="status"
        )


def _set_status(po: PurchaseOrder, target: str) -> PurchaseOrder:
    _check_transition(po, target)
    if po.status != target:
        po.status = target
        po.save(update_fields=["status", "updated_at"])
    return po


def _check_receivable(po: PurchaseOrder, *, completing: bool = False) -> None:
    if po.status in selectors.RECEIVABLE or (completing and po.status == POStatus.RECEIVED):
        return
    reasons = {
        POStatus.DRAFT: f"{po.number} is a draft; open it before receiving against it.",
        POStatus.RECEIVED: f"{po.number} is received in full; receive extra units on a blind receipt.",
        POStatus.CLOSED: f"{po.number} is closed; nothing more is received against it.",
        POStatus.CANCELLED: f"{po.number} is cancelled; nothing is received against it.",
    }
    raise InvalidTransition(reasons.get(po.status, f"{po.number} cannot be received against."), field="purchase_order")


def _check_parties(tenant, supplier: Supplier, warehouse: Warehouse) -> None:
    if supplier.tenant_id != tenant.pk:
        raise DomainError("Unknown supplier.", field="supplier")
    if warehouse.tenant_id != tenant.pk:
        raise DomainError("Unknown warehouse.", field="warehouse")
    if not supplier.is_active:
        raise DomainError(f"Supplier {supplier.name} is inactive; choose another supplier.", field="supplier")
    if not warehouse.is_active:
        raise DomainError(f"Warehouse {warehouse.code} is inactive; choose another warehouse.", field="warehouse")


def _check_lines(tenant, lines: list[LineInput]) -> None:
    seen: dict[int, int] = {}
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        if line.sku.tenant_id != tenant.pk:
            raise DomainError("Unknown SKU.", field=f"{where}.sku")
        if line.sku.is_bundle:
            raise DomainError(
                f"{line.sku.code} is a bundle; order its components instead.", field=f"{where}.sku"
            )
        if line.sku.pk in seen:
            raise DomainError(
                f"{line.sku.code} is on line {seen[line.sku.pk] + 1} already; put its quantity on one line.",
                field=f"{where}.sku",
            )
        seen[line.sku.pk] = index
        if isinstance(line.quantity_ordered, bool) or not isinstance(line.quantity_ordered, int) or not (
            1 <= line.quantity_ordered <= stock.MAX_QUANTITY
        ):
            raise DomainError(
                f"Order a whole number of units of {line.sku.code}, at least 1.", field=f"{where}.quantity_ordered"
            )
        if line.unit_cost < 0:
            raise DomainError(f"The unit cost of {line.sku.code} cannot be negative.", field=f"{where}.unit_cost")


def _write_lines(po: PurchaseOrder, lines: list[LineInput]) -> None:
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                tenant_id=po.tenant_id, purchase_order=po, sku=line.sku, quantity_ordered=line.quantity_ordered,
                unit_cost=line.unit_cost,
            )
            for line in lines
        ]
    )  # fmt: skip


def _check_number_free(model: type[Model], tenant_id: int, number: str, label: str) -> None:
    if model.objects.filter(tenant_id=tenant_id, number=number).exists():
        raise Conflict(f"{label} number {number} exists already.", field="number")


def _numbered(model: type[Model], tenant, prefix: str, number: str, create: Callable[[str], Model]):
    """Create a row under ``number``, or under the next free PREFIX-000001-style number when it is blank
    (a concurrent create that took the number first makes this one try the next)."""
    if number:
        _check_number_free(model, tenant.pk, number, prefix)
        try:
            with transaction.atomic():
                return create(number)
        except IntegrityError:
            raise Conflict(f"{prefix} number {number} exists already.", field="number") from None
    taken = model.objects.filter(tenant=tenant, number__startswith=f"{prefix}-")
    sequence = taken.count() + 1
    for _ in range(NUMBER_ATTEMPTS):
        candidate = f"{prefix}-{sequence:06d}"
        sequence += 1
        if taken.filter(number=candidate).exists():
            continue
        try:
            with transaction.atomic():
                return create(candidate)
        except IntegrityError:
            continue
    raise Conflict(f"Could not find a free {prefix} number; give one explicitly.", field="number")


def _receiving_bin(warehouse: Warehouse, chosen: Bin | None) -> Bin:
    if chosen is None:
        chosen = selectors.first_bin(warehouse, Bin.Kind.RECEIVING)
        if chosen is None:
            raise DomainError(
                f"Warehouse {warehouse.code} has no active receiving bin; add a bin of kind Receiving.",
                field="receiving_bin",
            )
        return chosen
    if chosen.warehouse_id != warehouse.pk:
        raise DomainError(f"Bin {chosen.code} is not in warehouse {warehouse.code}.", field="receiving_bin")
    if chosen.kind != Bin.Kind.RECEIVING or not chosen.is_active:
        raise DomainError(
            f"Bin {chosen.code} is not an active receiving bin; scan a receiving (dock) bin.", field="receiving_bin"
        )
    return chosen


def _damaged_bin(warehouse: Warehouse) -> Bin:
    found = selectors.first_bin(warehouse, Bin.Kind.DAMAGED)
    if found is None:
        raise DomainError(
            f"Warehouse {warehouse.code} has no damaged bin; ask an admin to add a bin of kind Damaged, "
            "and set the damaged unit aside until then.",
            field="damaged",
        )
    return found


def _scan_quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_SCAN_QUANTITY:
        raise DomainError(f"The quantity must be a whole number from 1 to {MAX_SCAN_QUANTITY}.", field="quantity")
    return quantity


def _scanned_sku(receipt: GoodsReceipt, barcode: str) -> SKU:
    code = (barcode or "").strip()
    if not code:
        raise DomainError("Nothing was scanned; scan the item's barcode.", field="barcode")
    sku = selectors.find_sku(receipt.tenant_id, code)
    if sku is not None:
        return sku
    if selectors.find_bin(receipt.tenant_id, code) is not None:
        raise UnknownBarcode(f"{code} is a bin label, not an item; scan the item's barcode.", field="barcode")
    raise UnknownBarcode(
        f"Unknown barcode {code}: no item has it. Set the unit aside and tell the office.", field="barcode"
    )


def _po_line(receipt: GoodsReceipt, sku: SKU) -> PurchaseOrderLine | None:
    if receipt.purchase_order_id is None:
        if not sku.is_active:
            raise NotOnOrder(f"{sku.code} is inactive; it cannot be received. Set it aside.", field="barcode")
        if sku.is_bundle:
            raise NotOnOrder(f"{sku.code} is a bundle; receive its components.", field="barcode")
        return None
    po_line = receipt.purchase_order.lines.filter(sku=sku).first()
    if po_line is None:
        raise NotOnOrder(
            f"{sku.code} ({sku.name}) is not on {receipt.purchase_order.number}. Set it aside; do not shelve it.",
            field="barcode",
        )
    return po_line
