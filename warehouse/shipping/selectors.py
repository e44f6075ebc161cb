"""Reads of packing and shipping: the rows for the API, what an order's box must hold, and the scanner
answers (what happened, what to do next, how far along)."""

from collections import defaultdict
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from hub.catalog.models import SKU, Barcode
from hub.orders.models import LineAllocation, Order
from hub.orders.states import LineStatus
from warehouse.shipping.models import Courier, Manifest, Shipment, ShipmentItem

if TYPE_CHECKING:
    from warehouse.shipping.packing import PackResult  # packing reads through this module


def order_for_awb(tenant, awb: str) -> Order | None:
    """The order a parcel's AWB names (the returns desk registers this lookup), newest shipment first."""
    rows = Shipment.objects.for_tenant(tenant).filter(awb=(awb or "").strip()).exclude(awb="").select_related("order")
    shipment = rows.exclude(status=Shipment.Status.CANCELLED).order_by("-pk").first() or rows.order_by("-pk").first()
    return shipment.order if shipment else None


def held(order: Order) -> list[LineAllocation]:
    """The order's active reservations (open lines), with their bins and SKUs."""
    return list(
        LineAllocation.objects.filter(line__order=order, line__status=LineStatus.OPEN, released=False)
        .select_related("bin", "sku", "line")
        .order_by("pk")
    )


def units_by_sku(allocations: list[LineAllocation]) -> dict[int, int]:
    units: dict[int, int] = defaultdict(int)
    for row in allocations:
        units[row.sku_id] += row.quantity
    return dict(units)


def find_sku(tenant, barcode: str) -> SKU | None:
    """The SKU a scanned barcode (or a keyed SKU code) names."""
    code = (barcode or "").strip()
    found = Barcode.objects.for_tenant(tenant).filter(code=code).select_related("sku").first()
    return found.sku if found else SKU.objects.for_tenant(tenant).filter(code=code).first()


def shipments(tenant) -> QuerySet[Shipment]:
    return Shipment.objects.for_tenant(tenant).select_related(
        "order__account", "warehouse", "courier", "box", "invoice", "manifest", "picklist", "packed_by"
    )


def shipment_details(tenant) -> QuerySet[Shipment]:
    return shipments(tenant).prefetch_related(Prefetch("items", queryset=ShipmentItem.objects.select_related("sku")))


def live_by_awb(tenant, awb: str) -> list[Shipment]:
    return list(
        Shipment.objects.for_tenant(tenant).filter(awb=(awb or "").strip()).exclude(awb="")
        .exclude(status=Shipment.Status.CANCELLED).select_related("order", "courier", "manifest", "warehouse")
    )  # fmt: skip


def manifests(tenant) -> QuerySet[Manifest]:
    return (
        Manifest.objects.for_tenant(tenant)
        .select_related("courier", "warehouse", "created_by", "closed_by", "handed_over_by")
        .annotate(
            shipment_count=Count("shipments", distinct=True),
            scanned_count=Count("shipments", filter=Q(shipments__status=Shipment.Status.HANDED_OVER), distinct=True),
        )
    )


def manifest_shipments(manifest: Manifest) -> list[Shipment]:
    return list(
        manifest.shipments.select_related("order__account", "courier").order_by("pk")
    )


def couriers(tenant) -> QuerySet[Courier]:
    return Courier.objects.for_tenant(tenant)


# --- scanner answers --------------------------------------------------------------------------------


def _pdf(route: str, pk: int) -> str:
    """The API path of a printable document ("/api/v1/shipments/7/label.pdf")."""
    return reverse(route, kwargs={"pk": pk, "format": "pdf"})


def _sku(sku) -> dict:
    return {"id": sku.pk, "code": sku.code, "name": sku.name, "key_quantity": sku.key_quantity}


def box_summary(shipment: Shipment) -> dict:
    order = shipment.order
    return {
        "id": shipment.pk, "status": shipment.status, "awb": shipment.awb or None,
        "courier": shipment.courier.code if shipment.courier_id else None,
        "box": shipment.box.code if shipment.box_id else None, "weight_grams": shipment.weight_grams,
        "invoice": shipment.invoice.number if shipment.invoice_id else None,
        "manifest": shipment.manifest.number if shipment.manifest_id else None,
        "order": {"id": order.pk, "channel_order_id": order.channel_order_id, "status": order.status,
                  "payment_mode": order.payment_mode},
    }  # fmt: skip


def box_next(shipment: Shipment, items: list[ShipmentItem]) -> dict:
    """What the packer does next with this box."""
    order_id = shipment.order.channel_order_id
    if shipment.status == Shipment.Status.CANCELLED:
        return {"action": "done", "message": f"The box of order {order_id} was cancelled."}
    if shipment.status != Shipment.Status.PACKING:
        return {
            "action": "print", "documents": {"invoice": _pdf("shipment-invoice", shipment.pk),
                                             "label": _pdf("shipment-label", shipment.pk)},
            "message": f"Print the invoice and the label (AWB {shipment.awb}), put them on the box, and set it "
                       "aside for the courier.",
        }  # fmt: skip
    left = [item for item in items if item.left]
    if left:
        first = left[0]
        return {
            "action": "scan_unit", "sku": _sku(first.sku), "quantity_left": first.left,
            "message": "Scan into the box: " + ", ".join(f"{item.left} x {item.sku.code}" for item in left) + ".",
        }  # fmt: skip
    return {"action": "finish", "message": "Everything is in the box: choose the box size, weigh it, and finish."}


def box_answer(shipment: Shipment, message: str = "", **extra) -> dict:
    """A pack-station answer (JSON-able): what happened, the box, its items, and what to do next."""
    items = list(shipment.items.select_related("sku").order_by("pk"))
    units = sum(item.expected for item in items)
    packed = sum(item.packed for item in items)
    return {
        "message": message,
        "shipment": box_summary(shipment),
        "items": [
            {"sku": _sku(item.sku), "expected": item.expected, "packed": item.packed, "left": item.left}
            for item in items
        ],
        "progress": {"units": units, "packed": packed, "left": units - packed},
        "next": box_next(shipment, items),
        **extra,
    }


def pack_answer(result: "PackResult") -> dict:
    """The answer to a packing step (a ``packing.PackResult``): the box's answer, or, for a picklist that
    leaves the packer a choice, its orders still to pack."""
    picklist = result.picklist
    extra = {"picklist": {"id": picklist.pk, "number": picklist.number} if picklist else None}
    if result.shipment is not None:
        return box_answer(result.shipment, result.message, created=result.created, **extra)
    done = not result.orders
    return {
        "message": result.message, "shipment": None, "orders": result.orders, **extra,
        "next": {"action": "done" if done else "scan_order", "message": result.message},
    }  # fmt: skip


def manifest_summary(manifest: Manifest, rows: list[Shipment]) -> dict:
    scanned = [s for s in rows if s.status == Shipment.Status.HANDED_OVER]
    return {
        "id": manifest.pk, "number": manifest.number, "status": manifest.status,
        "courier": {"id": manifest.courier_id, "code": manifest.courier.code, "name": manifest.courier.name},
        "warehouse": manifest.warehouse.code, "agent_name": manifest.agent_name,
        "shipments": len(rows), "scanned": len(scanned), "left": len(rows) - len(scanned),
    }  # fmt: skip


def manifest_next(manifest: Manifest, rows: list[Shipment]) -> dict:
    if manifest.status == Manifest.Status.HANDED_OVER:
        return {"action": "done", "message": f"Manifest {manifest.number} is handed over to {manifest.courier.name}."}
    unscanned = [s.awb for s in rows if s.status == Shipment.Status.MANIFESTED]
    if manifest.status == Manifest.Status.OPEN and not rows:
        return {"action": "add", "message": f"Scan the AWB of each {manifest.courier.name} parcel to add it."}
    if manifest.status == Manifest.Status.OPEN and len(unscanned) == len(rows):
        return {
            "action": "add_or_scan", "document": _pdf("manifest-manifest-pdf", manifest.pk), "unscanned": unscanned,
            "message": f"{len(rows)} parcel(s) on the manifest: add more, or print it and scan each AWB as the "
                       f"{manifest.courier.name} agent takes it.",
        }  # fmt: skip
    return {
        "action": "scan_awb", "unscanned": unscanned,
        "message": f"Scan the next parcel handed to {manifest.courier.name}: {len(unscanned)} left "
                   f"({', '.join(unscanned[:5])}{'...' if len(unscanned) > 5 else ''}).",
    }  # fmt: skip


def manifest_answer(manifest: Manifest, message: str = "", **extra) -> dict:
    rows = manifest_shipments(manifest)
    return {
        "message": message,
        "manifest": manifest_summary(manifest, rows),
        "next": manifest_next(manifest, rows),
        **extra,
    }
