"""Manifests and handover: the parcels of one courier at one warehouse, handed to its agent.

- **Open** (``open_manifest``): one open manifest per courier per warehouse; opening one again returns
  it. It takes every packed parcel of that courier there that is on no manifest (``add_packed``), and
  more by scanning their AWBs (``add_shipment``); ``remove_shipment`` puts one back to packed.
- **Hand over** (``scan_handover``): at the dock each AWB is scanned as the agent takes the parcel (the
  first scan closes the manifest to additions). When the last one is scanned, or when a person hands the
  manifest over with the unscanned parcels taken off it (``hand_over``), every order on it ships: its
  reserved units are consumed through ``warehouse.stock`` exactly as its reservations name them (the
  packing bin after picking), its lines and the order become SHIPPED with a timeline row, and the ship
  confirmation (carrier and AWB) is queued for its channel once the transaction commits.

Each scan runs once per idempotency key (the API wraps these in ``warehouse.scans.once``) and is
all-or-nothing: a refusal writes nothing.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.core.bulk import bulk_set
from hub.core.errors import Conflict, DomainError
from hub.orders.events import transition
from hub.orders.models import Order, OrderEvent, OrderLine
from hub.orders.states import LineStatus, OrderStatus
from warehouse import stock
from warehouse.models import Warehouse
from warehouse.shipping import channel, selectors
from warehouse.shipping.models import Courier, Manifest, Shipment
from warehouse.shipping.packing import cancel_shipment, check_unchanged


class ManifestRefused(DomainError):
    """A scan refused on the spot (unknown AWB, another courier's parcel): 400, saying what and where."""

    code = "manifest_refused"


class ManifestConflict(Conflict):
    code = "manifest_conflict"


@dataclass
class ManifestResult:
    manifest: Manifest
    message: str
    shipped: int = 0


# Building ------------------------------------------------------------------------------------------


def open_manifest(courier: Courier, warehouse: Warehouse, *, user, add_packed: bool = True) -> tuple[Manifest, bool]:
    """The open manifest of ``courier`` at ``warehouse`` (made if there is none), with every packed parcel
    of theirs added when ``add_packed``. Returns (manifest, created)."""
    if courier.tenant_id != warehouse.tenant_id:
        raise ManifestRefused("The courier and the warehouse belong to different accounts.", field="courier")
    if not courier.is_active:
        raise ManifestRefused(f"Courier {courier.code} is not in use.", field="courier")
    with transaction.atomic():
        manifest, created = _open_or_create(courier, warehouse, user)
        if add_packed:
            add_packed_shipments(manifest)
        return manifest, created


def _open_or_create(courier: Courier, warehouse: Warehouse, user) -> tuple[Manifest, bool]:
    existing = Manifest.objects.filter(courier=courier, warehouse=warehouse, status=Manifest.Status.OPEN).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            manifest = Manifest.objects.create(
                tenant_id=courier.tenant_id, courier=courier, warehouse=warehouse, created_by=_user(user),
                number=f"new-{timezone.now().timestamp()}-{courier.pk}-{warehouse.pk}",
            )  # fmt: skip
    except IntegrityError:  # another person opened it at the same moment
        return Manifest.objects.get(courier=courier, warehouse=warehouse, status=Manifest.Status.OPEN), False
    manifest.number = f"MF-{manifest.pk:06d}"
    manifest.save(update_fields=["number"])
    return manifest, True


def add_packed_shipments(manifest: Manifest) -> int:
    """Put every packed parcel of the manifest's courier at its warehouse, on no manifest, on it."""
    rows = list(
        Shipment.objects.select_for_update()
        .filter(courier=manifest.courier_id, warehouse=manifest.warehouse_id, status=Shipment.Status.PACKED,
                manifest__isnull=True, order__status=OrderStatus.PACKED)
        .order_by("pk")
    )  # fmt: skip
    Shipment.objects.filter(pk__in=[s.pk for s in rows]).update(manifest=manifest, status=Shipment.Status.MANIFESTED)
    return len(rows)


@transaction.atomic
def add_shipment(manifest: Manifest, awb: str, *, user) -> ManifestResult:
    """The parcel with this AWB goes on the (open) manifest."""
    manifest = _locked(manifest)
    if manifest.status != Manifest.Status.OPEN:
        raise ManifestConflict(f"Manifest {manifest.number} is {manifest.get_status_display().lower()}: put AWB "
                               f"{awb.strip()} on a new {manifest.courier.name} manifest.", code="manifest_closed")  # fmt: skip
    shipment = _parcel(manifest, awb)
    if shipment.manifest_id == manifest.pk:
        return ManifestResult(manifest, f"AWB {shipment.awb} is on manifest {manifest.number} already.")
    if shipment.manifest_id is not None:
        raise ManifestRefused(f"AWB {shipment.awb} is on manifest {shipment.manifest.number} already.",
                              code="on_other_manifest", field="awb")  # fmt: skip
    _check_order_packed(shipment, manifest)
    shipment.manifest, shipment.status = manifest, Shipment.Status.MANIFESTED
    shipment.save(update_fields=["manifest", "status"])
    count = manifest.shipments.count()
    return ManifestResult(manifest, f"AWB {shipment.awb} (order {shipment.order.channel_order_id}) added: "
                          f"{count} parcel(s) on {manifest.number}.")  # fmt: skip


@transaction.atomic
def remove_shipment(manifest: Manifest, awb: str, *, user) -> ManifestResult:
    """Take a parcel off a manifest not yet handed over: it is packed again (or cancelled, when its order
    was cancelled meanwhile)."""
    manifest = _locked(manifest)
    _check_not_handed_over(manifest)
    shipment = next((s for s in selectors.live_by_awb(manifest.tenant_id, awb) if s.manifest_id == manifest.pk), None)
    if shipment is None:
        raise ManifestRefused(f"AWB {awb.strip()} is not on manifest {manifest.number}.", code="not_on_manifest",
                              field="awb")  # fmt: skip
    message = _take_off(shipment, user)
    return ManifestResult(manifest, message)


def _take_off(shipment: Shipment, user) -> str:
    shipment.manifest, shipment.status, shipment.scanned_at, shipment.scanned_by = None, Shipment.Status.PACKED, None, None
    shipment.save(update_fields=["manifest", "status", "scanned_at", "scanned_by"])
    if shipment.order.status != OrderStatus.PACKED:
        cancel_shipment(shipment, user=user, reason=f"order {shipment.order.status}")
        return f"AWB {shipment.awb} taken off: order {shipment.order.channel_order_id} is {shipment.order.status}, so " \
               "its shipment is cancelled; unpack the parcel and set its units aside for putback."
    return f"AWB {shipment.awb} taken off the manifest: it is packed, waiting for the next one."


@transaction.atomic
def close_manifest(manifest: Manifest, *, user, agent_name: str = "") -> Manifest:
    """No more parcels go on it: it is printed and handed over."""
    manifest = _locked(manifest)
    _check_not_handed_over(manifest)
    if not manifest.shipments.exists():
        raise ManifestConflict(f"Manifest {manifest.number} has no parcels.", code="manifest_empty")
    _close(manifest, user, agent_name)
    return manifest


def _close(manifest: Manifest, user, agent_name: str) -> None:
    fields = []
    if manifest.status == Manifest.Status.OPEN:
        manifest.status, manifest.closed_at, manifest.closed_by = Manifest.Status.CLOSED, timezone.now(), _user(user)
        fields += ["status", "closed_at", "closed_by"]
    if agent_name.strip():
        manifest.agent_name = agent_name.strip()[:120]
        fields.append("agent_name")
    if fields:
        manifest.save(update_fields=fields)


# Handing over --------------------------------------------------------------------------------------


@transaction.atomic
def scan_handover(manifest: Manifest, awb: str, *, user, agent_name: str = "") -> ManifestResult:
    """The agent takes the parcel with this AWB. The last one hands the manifest over."""
    manifest = _locked(manifest)
    _check_not_handed_over(manifest)
    shipment = next((s for s in selectors.live_by_awb(manifest.tenant_id, awb) if s.manifest_id == manifest.pk), None)
    if shipment is None:
        raise ManifestRefused(_not_here(manifest, awb), code="not_on_manifest", field="awb")
    _close(manifest, user, agent_name)
    if shipment.status == Shipment.Status.HANDED_OVER:
        left = manifest.shipments.filter(status=Shipment.Status.MANIFESTED).count()
        return ManifestResult(manifest, f"AWB {shipment.awb} was scanned already; {left} to go.")
    _check_order_packed(shipment, manifest)
    shipment.status, shipment.scanned_at, shipment.scanned_by = Shipment.Status.HANDED_OVER, timezone.now(), _user(user)
    shipment.save(update_fields=["status", "scanned_at", "scanned_by"])
    left = manifest.shipments.filter(status=Shipment.Status.MANIFESTED).count()
    if left:
        return ManifestResult(manifest, f"AWB {shipment.awb} handed over; {left} to go.")
    shipped = _ship(manifest, user)
    return ManifestResult(manifest, f"AWB {shipment.awb} handed over. All {shipped} parcel(s) handed to "
                          f"{manifest.courier.name}: manifest {manifest.number} is done.", shipped=shipped)  # fmt: skip


@transaction.atomic
def hand_over(manifest: Manifest, *, user, agent_name: str = "", remove_unscanned: bool = False) -> ManifestResult:
    """Hand the manifest over now: with parcels not scanned, only when ``remove_unscanned`` (they go back
    to packed, for the next manifest)."""
    manifest = _locked(manifest)
    _check_not_handed_over(manifest)
    unscanned = list(
        manifest.shipments.filter(status=Shipment.Status.MANIFESTED).select_related("order", "courier").order_by("pk")
    )
    if unscanned and not remove_unscanned:
        awbs = ", ".join(s.awb for s in unscanned)
        raise ManifestConflict(f"{len(unscanned)} parcel(s) are not scanned: {awbs}. Scan them, or hand over without "
                               "them (they go back to packed).", code="parcels_not_scanned")  # fmt: skip
    if not manifest.shipments.filter(status=Shipment.Status.HANDED_OVER).exists():
        raise ManifestConflict(f"No parcel of manifest {manifest.number} is scanned: scan each AWB as the agent "
                               "takes it.", code="nothing_scanned")  # fmt: skip
    for shipment in unscanned:
        _take_off(shipment, user)
    _close(manifest, user, agent_name)
    shipped = _ship(manifest, user)
    removed = f"; {len(unscanned)} unscanned parcel(s) back to packed" if unscanned else ""
    return ManifestResult(manifest, f"Manifest {manifest.number} handed over to {manifest.courier.name}: "
                          f"{shipped} parcel(s) shipped{removed}.", shipped=shipped)  # fmt: skip


def _ship(manifest: Manifest, user) -> int:
    """Every scanned parcel's order ships: its reservations are consumed, its lines and itself SHIPPED, and
    its channel is told once this commits. Refused whole if an order changed since it was packed."""
    shipments = {s.order_id: s for s in manifest.shipments.filter(status=Shipment.Status.HANDED_OVER).select_related("courier")}
    orders = list(
        Order.objects.select_for_update(of=("self",)).select_related("account").filter(pk__in=list(shipments))
        .order_by("account_id", "channel_order_id")  # the order every importer locks in: no deadlock
    )  # fmt: skip
    calls, events, now = [], [], timezone.now()
    for order in orders:
        shipment = shipments[order.pk]
        if order.status != OrderStatus.PACKED:
            raise ManifestConflict(_order_gone(order, shipment, manifest), code="order_changed")
        rows = selectors.held(order)
        check_unchanged(order, list(shipment.items.all()), shipment)
        calls += [_consume(row, order, shipment) for row in rows]
        events.append(transition(
            order, OrderStatus.SHIPPED, f"Shipped: handed to {shipment.courier.name} on manifest {manifest.number}, "
            f"AWB {shipment.awb}.", actor=user, source="shipping", awb=shipment.awb, courier=shipment.courier.code,
            manifest=manifest.number, units=sum(row.quantity for row in rows),
        ))  # fmt: skip
        order.updated_at = now
    if calls:
        stock.post_many(calls, actor=user)
    OrderLine.objects.filter(order__in=orders, status=LineStatus.OPEN).update(status=LineStatus.SHIPPED)
    bulk_set(Order, orders, ["status", "updated_at"])
    Shipment.objects.filter(pk__in=[s.pk for s in shipments.values()]).update(shipped_at=now)
    manifest.status, manifest.handed_over_at, manifest.handed_over_by = Manifest.Status.HANDED_OVER, now, _user(user)
    manifest.save(update_fields=["status", "handed_over_at", "handed_over_by"])
    events += channel.queue_confirmations(orders, actor=user)
    OrderEvent.objects.bulk_create(events)
    return len(orders)


def _consume(row, order: Order, shipment: Shipment) -> stock.Call:
    return stock.Call(
        key=f"allocation-{row.pk}-consume", reason="shipped",
        changes=[stock.Change(row.sku, row.bin, stock.Kind.CONSUME, on_hand=-row.quantity, reserved=-row.quantity)],
        reference=f"order {order.channel_order_id}, AWB {shipment.awb}",
    )  # fmt: skip


# Shared steps --------------------------------------------------------------------------------------


def _locked(manifest: Manifest) -> Manifest:
    return Manifest.objects.select_for_update(of=("self",)).select_related("courier", "warehouse").get(pk=manifest.pk)


def _check_not_handed_over(manifest: Manifest) -> None:
    if manifest.status == Manifest.Status.HANDED_OVER:
        raise ManifestConflict(f"Manifest {manifest.number} was handed over already.", code="manifest_handed_over")


def _parcel(manifest: Manifest, awb: str) -> Shipment:
    """The live parcel with this AWB for the manifest's courier and warehouse, or a refusal saying why not."""
    awb = (awb or "").strip()
    if not awb:
        raise ManifestRefused("Scan the AWB on the parcel's label.", field="awb")
    found = selectors.live_by_awb(manifest.tenant_id, awb)
    mine = [s for s in found if s.courier_id == manifest.courier_id]
    if not mine:
        if found:
            other = found[0].courier
            raise ManifestRefused(f"AWB {awb} is a {other.name} parcel; manifest {manifest.number} is for "
                                  f"{manifest.courier.name}. Put it with the {other.name} parcels.",
                                  code="wrong_courier", field="awb")  # fmt: skip
        raise ManifestRefused(f"Unknown AWB {awb}: no packed parcel has it.", code="unknown_awb", field="awb")
    shipment = mine[0]
    if shipment.warehouse_id != manifest.warehouse_id:
        raise ManifestRefused(f"AWB {awb} was packed at {shipment.warehouse.code}, not {manifest.warehouse.code}.",
                              code="wrong_warehouse", field="awb")  # fmt: skip
    return shipment


def _not_here(manifest: Manifest, awb: str) -> str:
    awb = (awb or "").strip()
    found = selectors.live_by_awb(manifest.tenant_id, awb)
    if not found:
        return f"Unknown AWB {awb}: no packed parcel has it. Keep the parcel back."
    shipment = found[0]
    if shipment.manifest_id:
        return f"AWB {awb} is on manifest {shipment.manifest.number}, not {manifest.number}: keep it back."
    return f"AWB {awb} is not on manifest {manifest.number}: add it to a {shipment.courier.name} manifest first."


def _check_order_packed(shipment: Shipment, manifest: Manifest) -> None:
    order = shipment.order
    if order.status != OrderStatus.PACKED:
        raise ManifestConflict(_order_gone(order, shipment, manifest), code="order_changed")


def _order_gone(order: Order, shipment: Shipment, manifest: Manifest) -> str:
    return (f"Order {order.channel_order_id} is {order.get_status_display().lower()}: do not ship parcel AWB "
            f"{shipment.awb}. Take it off manifest {manifest.number} and unpack it.")  # fmt: skip


def _user(user):
    return user if getattr(user, "pk", None) else None
