"""Packing: at the pack station an order's picked units go into a box, one scan each, and the box
leaves with an AWB, a GST tax invoice and a label.

- **Start** (``start_packing``): the packer scans a picklist or an order. An order (picked in full: all
  its reservations are in a packing bin) gets a box, a ``Shipment`` in status packing with one item per
  SKU its reservations hold; scanning it again resumes the same box. A picklist with one order left to
  pack opens that order's box; with several, the answer lists them, and scanning a unit with the
  picklist opens the box of the first order that still needs it (and counts the unit).
- **Scan** (``scan_unit``): a barcode must be a SKU still expected in this box; one unexpected, or one
  too many, is refused saying what and where. A keyed quantity only where the SKU allows it.
- **Finish** (``finish_packing``): every unit in, a box size and a weight: the AWB is taken from the
  courier's series under a row lock (or the one keyed from the channel's label), the invoice numbered
  gap-free per financial year under a row lock, and the order goes PICKING -> PACKED, all in one
  transaction: a refusal anywhere gives every number back.
- **Cancel** (``cancel_shipment``): an open box is dropped; a packed parcel not yet on a manifest is
  unpacked (the order goes back to PICKING, its units still reserved at packing; the AWB and the invoice
  number stay used, the invoice marked cancelled); a parcel of a cancelled order is cancelled.

The API wraps each call in ``warehouse.scans.once``, so a scan sent twice counts once.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hub.core.errors import Conflict, DomainError
from hub.orders.events import event, transition
from hub.orders.models import Order
from hub.orders.states import OrderStatus
from warehouse.documents import Invoice as InvoiceDocument
from warehouse.documents import invoice_from_order
from warehouse.models import Bin
from warehouse.picking.models import Picklist, PicklistOrder
from warehouse.returns.lookup import order_for_code
from warehouse.shipping import numbering, selectors
from warehouse.shipping.models import BoxSize, Courier, Invoice, Shipment, ShipmentItem

MAX_WEIGHT_GRAMS = 1_000_000
MAX_AWB_LENGTH = Shipment._meta.get_field("awb").max_length
ZERO = Decimal("0.00")


class PackRefused(DomainError):
    """A scan or step refused on the spot (wrong item, too many, not picked): 400, saying what and where."""

    code = "pack_refused"


class PackingConflict(Conflict):
    code = "packing_conflict"


@dataclass
class PackResult:
    """What a packing step did. ``shipment`` is None when a picklist leaves the packer a choice of orders."""

    shipment: Shipment | None
    message: str
    created: bool = False
    picklist: Picklist | None = None
    orders: list[dict] = field(default_factory=list)


# Starting ------------------------------------------------------------------------------------------


@transaction.atomic
def start_packing(tenant, code: str, *, user, barcode: str = "", quantity: int = 1) -> PackResult:
    """The packer scanned ``code``: a picklist number, or an order (its AWB or channel order id)."""
    code = (code or "").strip()
    if not code:
        raise PackRefused("Scan the picklist or the order to pack.", field="code")
    picklist = Picklist.objects.for_tenant(tenant).filter(number__iexact=code).first()
    if picklist is not None:
        return _start_from_picklist(picklist, user=user, barcode=barcode, quantity=quantity)
    order = order_for_code(tenant, code)
    shipment, created = open_box(order, user=user)
    verb = "Packing" if created else "Back to packing"
    result = PackResult(shipment, f"{verb} order {order.channel_order_id}.", created=created)
    if barcode:
        scanned = scan_unit(shipment, barcode, quantity=quantity, user=user)
        result.message += " " + scanned.message
    return result


def _start_from_picklist(picklist: Picklist, *, user, barcode: str, quantity: int) -> PackResult:
    waiting = to_pack(picklist)
    if not waiting:
        return PackResult(None, f"Nothing left to pack on picklist {picklist.number}.", picklist=picklist)
    if barcode:
        sku = selectors.find_sku(picklist.tenant_id, barcode)
        if sku is None:
            raise PackRefused(f"Unknown barcode {barcode.strip()!r}: no SKU carries it.", code="unknown_barcode",
                              field="barcode")  # fmt: skip
        wanting = [entry for entry in waiting if entry["needs"].get(sku.pk)]
        if not wanting:
            raise PackRefused(f"No order left to pack on picklist {picklist.number} needs {sku.code} ({sku.name}): "
                              "set the unit aside.", code="wrong_item", field="barcode")  # fmt: skip
        order = Order.objects.get(pk=wanting[0]["order"]["id"])
        shipment, created = open_box(order, user=user, picklist=picklist)
        scanned = scan_unit(shipment, barcode, quantity=quantity, user=user)
        message = f"{sku.code} is for order {order.channel_order_id}: box {'opened' if created else 'resumed'}. "
        return PackResult(shipment, message + scanned.message, created=created, picklist=picklist)
    if len(waiting) == 1:
        order = Order.objects.get(pk=waiting[0]["order"]["id"])
        shipment, created = open_box(order, user=user, picklist=picklist)
        return PackResult(shipment, f"Packing order {order.channel_order_id} of picklist {picklist.number}.",
                          created=created, picklist=picklist)  # fmt: skip
    public = [{key: value for key, value in entry.items() if key != "needs"} for entry in waiting]
    return PackResult(None, f"Picklist {picklist.number} has {len(waiting)} orders to pack: scan a unit to find its "
                      "order, or scan the order.", picklist=picklist, orders=public)  # fmt: skip


def to_pack(picklist: Picklist) -> list[dict]:
    """The orders of ``picklist`` picked in full and not packed yet, oldest ship-by first, each with the
    units per SKU its box still needs (``needs``: {sku id: units})."""
    entries = picklist.entries.exclude(status=PicklistOrder.Status.LEFT).select_related("order")
    orders = [entry.order for entry in entries if entry.order.status == OrderStatus.PICKING]
    orders.sort(key=lambda o: (o.ship_by is None, o.ship_by, o.ordered_at, o.pk))
    boxes = {
        s.order_id: s for s in Shipment.objects.filter(order__in=orders).exclude(status=Shipment.Status.CANCELLED)
        .prefetch_related("items")
    }  # fmt: skip
    waiting = []
    for order in orders:
        box = boxes.get(order.pk)
        if box is not None and box.status != Shipment.Status.PACKING:
            continue
        if box is not None:
            needs = {item.sku_id: item.left for item in box.items.all()}
        else:
            rows = selectors.held(order)
            if not rows or any(row.bin.kind != Bin.Kind.PACKING for row in rows):
                continue  # not picked in full
            needs = selectors.units_by_sku(rows)
        waiting.append({
            "order": {"id": order.pk, "channel_order_id": order.channel_order_id},
            "box": box.pk if box else None, "units_left": sum(needs.values()), "needs": needs,
        })  # fmt: skip
    return waiting


@transaction.atomic
def open_box(order: Order, *, user, picklist: Picklist | None = None) -> tuple[Shipment, bool]:
    """The order's box: its open one, or a new one holding what its reservations hold. Refused unless the
    order is picked in full (every reservation in a packing bin)."""
    order = Order.objects.select_for_update(of=("self",)).select_related("account", "warehouse").get(pk=order.pk)
    live = Shipment.objects.filter(order=order).exclude(status=Shipment.Status.CANCELLED).select_related("courier").first()
    if live is not None:
        if live.status == Shipment.Status.PACKING:
            return live, False
        raise PackingConflict(f"Order {order.channel_order_id} is packed already: {live.courier.name} AWB {live.awb} "
                              f"({live.get_status_display().lower()}).", code="already_packed")  # fmt: skip
    if order.status != OrderStatus.PICKING:
        raise PackRefused(_not_packable(order), code="not_ready", field="code")
    rows = selectors.held(order)
    elsewhere = [row for row in rows if row.bin.kind != Bin.Kind.PACKING]
    if elsewhere:
        where = ", ".join(f"{row.quantity} x {row.sku.code} in bin {row.bin.code}" for row in elsewhere)
        raise PackRefused(f"Order {order.channel_order_id} is not picked in full: {where}. Finish picking it first.",
                          code="not_picked", field="code")  # fmt: skip
    if not rows:
        raise PackRefused(f"Order {order.channel_order_id} holds no units to pack.", code="nothing_to_pack", field="code")
    if picklist is None:
        entry = order.picklist_entries.exclude(status=PicklistOrder.Status.LEFT).order_by("-pk").first()
        picklist = entry.picklist if entry else None
    shipment = Shipment.objects.create(
        tenant_id=order.tenant_id, order=order, warehouse_id=rows[0].bin.warehouse_id, picklist=picklist,
        started_by=_user(user),
    )  # fmt: skip
    ShipmentItem.objects.bulk_create(
        ShipmentItem(tenant_id=order.tenant_id, shipment=shipment, sku_id=sku_id, expected=units)
        for sku_id, units in selectors.units_by_sku(rows).items()
    )
    event(order, "packing", f"Packing started at {rows[0].bin.code}.", actor=user, source="packing",
          shipment=shipment.pk).save()  # fmt: skip
    return shipment, True


def _not_packable(order: Order) -> str:
    name = order.channel_order_id
    if order.status == OrderStatus.ALLOCATED:
        return f"Order {name} is not picked yet: put it on a picklist first."
    if order.status == OrderStatus.CANCELLED:
        return f"Order {name} is cancelled: do not pack it; set its units aside for putback."
    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED):
        return f"Order {name} is {order.status} already."
    return f"Order {name} is {order.get_status_display().lower()}: only a picked order is packed."


# Scanning ------------------------------------------------------------------------------------------


@transaction.atomic
def scan_unit(shipment: Shipment, barcode: str, *, quantity: int = 1, user) -> PackResult:
    """A unit goes into the box (or one scan and ``quantity`` keyed, where the SKU allows)."""
    shipment = _open(shipment)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise PackRefused(f"quantity must be a whole number of units, 1 or more, not {quantity!r}.", field="quantity")
    order = shipment.order
    sku = selectors.find_sku(shipment.tenant_id, barcode)
    items = list(shipment.items.select_related("sku").order_by("pk"))
    still = ", ".join(f"{item.left} x {item.sku.code}" for item in items if item.left) or "nothing"
    if sku is None:
        raise PackRefused(f"Unknown barcode {(barcode or '').strip()!r}: no SKU carries it. Scan the unit's product "
                          f"barcode. Still to pack for order {order.channel_order_id}: {still}.",
                          code="unknown_barcode", field="barcode")  # fmt: skip
    item = next((item for item in items if item.sku_id == sku.pk), None)
    if item is None:
        raise PackRefused(f"Not in this order: {sku.code} ({sku.name}) is not on order {order.channel_order_id}. "
                          f"Set it aside. Still to pack: {still}.", code="wrong_item", field="barcode")  # fmt: skip
    if quantity > 1 and not sku.key_quantity:
        raise PackRefused(f"{sku.code} is scanned unit by unit: scan each of the {quantity} units (a keyed quantity "
                          "is not allowed for this SKU).", code="quantity_not_keyable", field="quantity")  # fmt: skip
    if quantity > item.left:
        have = f"only {item.left} more" if item.left else f"all {item.expected} are in the box already"
        raise PackRefused(f"Too many: order {order.channel_order_id} takes {item.expected} x {sku.code}; {have}. "
                          f"Set the extra unit aside. Still to pack: {still}.", code="too_many", field="quantity")  # fmt: skip
    item.packed += quantity
    item.save(update_fields=["packed"])
    left = sum(i.left for i in items)
    message = f"{quantity} x {sku.code} in the box." + (f" {left} unit(s) to go." if left else " All units in.")
    return PackResult(shipment, message)


def _open(shipment: Shipment) -> Shipment:
    """Lock a box that is being packed, whose order is still being packed."""
    shipment = Shipment.objects.select_for_update(of=("self",)).select_related("order__account").get(pk=shipment.pk)
    if shipment.status != Shipment.Status.PACKING:
        raise PackingConflict(f"The box of order {shipment.order.channel_order_id} is {shipment.get_status_display().lower()}"
                              f" (AWB {shipment.awb or '-'}); nothing more goes in.", code="box_closed")  # fmt: skip
    if shipment.order.status != OrderStatus.PICKING:
        raise PackingConflict(
            f"Order {shipment.order.channel_order_id} is {shipment.order.get_status_display().lower()} now: stop "
            "packing it, cancel the box and set its units aside for putback.", code="order_changed",
        )  # fmt: skip
    return shipment


# Finishing -----------------------------------------------------------------------------------------


@transaction.atomic
def finish_packing(
    shipment: Shipment, *, box: BoxSize, weight_grams: int, courier: Courier | None = None, awb: str = "", user,
) -> PackResult:  # fmt: skip
    """Close the box: AWB, invoice number, box and weight; the order becomes PACKED."""
    shipment = _open(shipment)
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("account", "warehouse", "tenant")
        .get(pk=shipment.order_id)
    )  # fmt: skip
    items = list(shipment.items.select_related("sku").order_by("pk"))
    if missing := [item for item in items if item.left]:
        units = ", ".join(f"{item.left} x {item.sku.code}" for item in missing)
        raise PackRefused(f"Not everything is in the box yet: still {units} for order {order.channel_order_id}.",
                          code="box_incomplete")  # fmt: skip
    check_unchanged(order, items, shipment)
    _check_box(shipment, box, weight_grams)
    courier = _courier(shipment, courier)
    awb = _awb(courier, awb)
    invoice = _issue_invoice(order)
    packed = transition(
        order, OrderStatus.PACKED,
        f"Packed: {courier.name} AWB {awb}, invoice {invoice.number}, box {box.code}, {weight_grams} g.",
        actor=user, source="packing", shipment=shipment.pk, awb=awb, courier=courier.code, invoice=invoice.number,
    )  # fmt: skip
    order.save(update_fields=["status", "updated_at"])
    packed.save()
    shipment.status, shipment.courier, shipment.awb, shipment.box = Shipment.Status.PACKED, courier, awb, box
    shipment.weight_grams, shipment.invoice, shipment.packed_by, shipment.packed_at = (
        weight_grams, invoice, _user(user), timezone.now())
    shipment.save(update_fields=["status", "courier", "awb", "box", "weight_grams", "invoice", "packed_by", "packed_at"])
    shipment.order = order
    return PackResult(shipment, f"Packed order {order.channel_order_id}: {courier.name} AWB {awb}, invoice {invoice.number}.")


def check_unchanged(order: Order, items: list[ShipmentItem], shipment: Shipment) -> None:
    """The order still holds exactly what the box was opened for (a line cancelled meanwhile changes it)."""
    holds = selectors.units_by_sku(selectors.held(order))
    if holds != {item.sku_id: item.expected for item in items}:
        what = "its box" if shipment.status == Shipment.Status.PACKING else f"parcel AWB {shipment.awb}"
        raise PackingConflict(
            f"Order {order.channel_order_id} changed after {what} was packed (a line was cancelled or re-allocated): "
            "cancel the shipment and pack the order again.", code="order_changed",
        )  # fmt: skip


def find_box(tenant, value: str) -> BoxSize:
    """The box size a packer scanned (its code) or picked (its id); refused when there is none."""
    value = (value or "").strip()
    boxes = BoxSize.objects.for_tenant(tenant)
    box = boxes.filter(code__iexact=value).first() or (boxes.filter(pk=int(value)).first() if value.isdigit() else None)
    if box is None:
        raise PackRefused(f"Unknown box {value!r}: scan or pick a box size.", code="unknown_box", field="box")
    return box


def _check_box(shipment: Shipment, box: BoxSize, weight_grams: int) -> None:
    if box is None or box.tenant_id != shipment.tenant_id:
        raise PackRefused("Choose the box size (scan or pick it).", field="box")
    if not box.is_active:
        raise PackRefused(f"Box {box.code} is no longer used; choose another.", field="box")
    if isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or not 1 <= weight_grams <= MAX_WEIGHT_GRAMS:
        raise PackRefused(f"Weigh the box: a weight in grams between 1 and {MAX_WEIGHT_GRAMS}, not {weight_grams!r}.",
                          field="weight_grams")  # fmt: skip


def _courier(shipment: Shipment, courier: Courier | None) -> Courier:
    if courier is None:
        active = list(Courier.objects.for_tenant(shipment.tenant_id).filter(is_active=True)[:2])
        if len(active) != 1:
            raise PackRefused("Choose the courier." if active else "Add a courier first: there is none.",
                              field="courier")  # fmt: skip
        return active[0]
    if courier.tenant_id != shipment.tenant_id or not courier.is_active:
        raise PackRefused(f"Courier {courier.code} is not in use; choose another.", field="courier")
    return courier


def _awb(courier: Courier, keyed: str) -> str:
    keyed = (keyed or "").strip()
    if courier.awb_source == Courier.AwbSource.SERIES:
        if keyed:
            raise PackRefused(f"{courier.name} AWBs come from the hub's series; do not key one.", field="awb")
        return numbering.take_awb(courier)
    where = "the channel's label" if courier.awb_source == Courier.AwbSource.CHANNEL else "the courier's label"
    if not keyed:
        raise PackRefused(f"Scan or key the {courier.name} AWB from {where}.", code="awb_required", field="awb")
    if len(keyed) > MAX_AWB_LENGTH or not keyed.replace("-", "").isalnum():
        raise PackRefused(f"{keyed!r} is not an AWB: letters, digits and '-', at most {MAX_AWB_LENGTH}.", field="awb")
    taken = Shipment.objects.filter(courier=courier, awb=keyed).exclude(status=Shipment.Status.CANCELLED)
    if taken.exists():
        order = taken.select_related("order").first().order
        raise PackRefused(f"{courier.name} AWB {keyed} is on order {order.channel_order_id}'s parcel already.",
                          code="awb_taken", field="awb")  # fmt: skip
    return keyed


def _issue_invoice(order: Order) -> Invoice:
    """Number and store the order's tax invoice (its PDF is drawn from the order and this row)."""
    warehouse = order.warehouse
    if warehouse is None or not warehouse.gstin:
        code = warehouse.code if warehouse else "-"
        raise PackingConflict(f"Warehouse {code} has no GSTIN: set it before packing; the tax invoice needs it.",
                              code="no_gstin")  # fmt: skip
    issued_on = timezone.localdate()
    series = numbering.series_for(warehouse)
    year, serial, number = numbering.take_invoice_number(series, issued_on)
    document = invoice_document(order, number=number, issued_on=issued_on, seller_name=seller_name(order.tenant))
    tax = {name: sum((getattr(line, name) for line in document.lines), ZERO) for name in ("cgst", "sgst", "igst")}
    return Invoice.objects.create(
        tenant_id=order.tenant_id, series=series, year=year, serial=serial, number=number, order=order,
        issued_on=issued_on, seller_name=document.seller.name, seller_gstin=document.seller_gstin,
        currency=document.currency, taxable_total=document.taxable_total, shipping=document.shipping,
        grand_total=document.grand_total, **tax,
    )  # fmt: skip


def seller_name(tenant) -> str:
    """The seller on the invoice: the tenant's legal name, else its name."""
    return tenant.legal_name or tenant.name


def invoice_document(order: Order, *, number: str, issued_on: date, seller_name: str, gstin: str = "") -> InvoiceDocument:
    """The invoice of ``order`` as ``warehouse.documents`` prints it; a refusal says why."""
    try:
        document = invoice_from_order(order, number=number, issued_on=issued_on, seller_name=seller_name)
        return replace(document, seller_gstin=gstin) if gstin else document
    except ValueError as error:
        raise PackingConflict(f"The tax invoice cannot be made: {error}", code="invoice_refused") from None


# Cancelling ----------------------------------------------------------------------------------------


@transaction.atomic
def cancel_shipment(shipment: Shipment, *, user, reason: str = "") -> Shipment:
    """Drop an open box, unpack a packed parcel (the order goes back to PICKING), or cancel the parcel of a
    cancelled order. A parcel on a manifest is removed from it first."""
    shipment = (
        Shipment.objects.select_for_update(of=("self",)).select_related("order", "courier", "manifest")
        .get(pk=shipment.pk)
    )  # fmt: skip
    if shipment.status == Shipment.Status.CANCELLED:
        return shipment
    if shipment.status in (Shipment.Status.MANIFESTED, Shipment.Status.HANDED_OVER):
        raise PackingConflict(f"AWB {shipment.awb} is on manifest {shipment.manifest.number}: remove it from the "
                              "manifest first.", code="on_manifest")  # fmt: skip
    order = Order.objects.select_for_update().get(pk=shipment.order_id)
    why = f"Shipment {shipment.awb or 'box'} cancelled" + (f": {reason.strip()}" if reason.strip() else "")
    if shipment.status == Shipment.Status.PACKED and order.status == OrderStatus.PACKED:
        unpacked = transition(order, OrderStatus.PICKING, f"{why}. Unpacked: its units stay reserved at packing; "
                              "pack it again.", actor=user, source="packing", shipment=shipment.pk)  # fmt: skip
        order.save(update_fields=["status", "updated_at"])
        unpacked.save()
    else:
        event(order, "shipment_cancelled", f"{why}.", actor=user, source="packing", shipment=shipment.pk).save()
    if shipment.invoice_id:
        Invoice.objects.filter(pk=shipment.invoice_id).update(cancelled_at=timezone.now())
    shipment.status, shipment.cancelled_at, shipment.cancel_reason = Shipment.Status.CANCELLED, timezone.now(), reason[:255]
    shipment.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    return shipment


def _user(user):
    return user if getattr(user, "pk", None) else None
