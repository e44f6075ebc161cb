"""Manifests and handover: parcels on a courier's manifest, scanned at the dock; the orders ship, their
reserved stock is consumed, and the channel's confirmation is queued once it commits."""

import pytest
from django.core.management import call_command

from hub.core.errors import DomainError
from hub.orders.models import Order, OrderEvent
from tests import factories
from tests.warehouse.test_documents import text_of
from warehouse.models import Bin, StockLevel, StockMovement
from warehouse.selectors import stock_drift
from warehouse.shipping import manifests, packing, printing
from warehouse.shipping.models import Courier, Manifest, Shipment


def order(channel_order_id: str) -> Order:
    return Order.objects.get(channel_order_id=channel_order_id)


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def packed(picked, floor, packer, series_courier, box):
    """packed(("O-1", {"RED": 2}), ...): pick, pack and finish the orders; returns their parcels."""

    def packed(*orders, courier=None, **fields) -> list[Shipment]:
        picked(*((code, list(units.items())) for code, units in orders), **fields)
        parcels = []
        for code, units in orders:
            shipment, _ = packing.open_box(order(code), user=packer)
            for sku, count in units.items():
                for _ in range(count):
                    packing.scan_unit(shipment, floor.barcode[sku], user=packer)
            parcels.append(packing.finish_packing(shipment, box=box, weight_grams=500, courier=courier or series_courier,
                                                  user=packer).shipment)  # fmt: skip
        return parcels

    return packed


@pytest.fixture
def queued(monkeypatch):
    """The order ids whose ship confirmation was sent to the Celery queue."""
    from schedules import tasks

    sent = []
    monkeypatch.setattr(tasks.confirm_shipment, "delay", lambda order_id: sent.append(order_id))
    return sent


def test_a_manifest_takes_the_couriers_packed_parcels_and_prints_their_awbs_and_counts(
    packed, warehouse, series_courier, keyed_courier, packer
):
    one, two = packed(("O-1", {"RED": 2}), ("O-2", {"GREEN": 1}))
    Manifest.objects.create(tenant=warehouse.tenant, courier=keyed_courier, warehouse=warehouse, number="MF-OTHER")

    manifest, created = manifests.open_manifest(series_courier, warehouse, user=packer)
    again, created_again = manifests.open_manifest(series_courier, warehouse, user=packer)

    assert (created, created_again, again.pk) == (True, False, manifest.pk)
    assert manifest.number == f"MF-{manifest.pk:06d}"
    assert set(manifest.shipments.values_list("awb", "status")) == {(one.awb, "manifested"), (two.awb, "manifested")}
    text = text_of(printing.manifest_pdf(manifest))
    assert f"Manifest number: {manifest.number}" in text and "Courier: Delhivery (DLV)" in text
    assert "DL00001001 O-1" in text and "DL00001002 O-2" in text
    assert "Shipments: 2 Pieces: 2" in text and "Handed over 2 shipments (2 pieces) to Delhivery." in text
    assert "Received by (courier agent)" in text and "Signature:" in text


def test_a_parcel_is_added_by_its_awb_once_and_an_unknown_awb_is_refused(packed, warehouse, series_courier, packer):
    [one] = packed(("O-1", {"RED": 1}))
    manifest, _ = manifests.open_manifest(series_courier, warehouse, user=packer, add_packed=False)

    added = manifests.add_shipment(manifest, f" {one.awb} ", user=packer)
    twice = manifests.add_shipment(manifest, one.awb, user=packer)
    unknown = refused(manifests.add_shipment, manifest, "NOPE", user=packer)

    assert added.message == f"AWB {one.awb} (order O-1) added: 1 parcel(s) on {manifest.number}."
    assert twice.message == f"AWB {one.awb} is on manifest {manifest.number} already."
    assert (unknown.code, unknown.message) == ("unknown_awb", "Unknown AWB NOPE: no packed parcel has it.")


def test_a_parcel_of_another_courier_is_refused(packed, warehouse, series_courier, keyed_courier, packer):
    [parcel] = packed(("O-1", {"RED": 1}))
    Shipment.objects.filter(pk=parcel.pk).update(courier=keyed_courier, awb="BD-1")
    manifest, _ = manifests.open_manifest(series_courier, warehouse, user=packer)

    error = refused(manifests.add_shipment, manifest, "BD-1", user=packer)

    assert (error.code, error.message) == ("wrong_courier", f"AWB BD-1 is a Blue Dart parcel; manifest "
                                           f"{manifest.number} is for Delhivery. Put it with the Blue Dart parcels.")  # fmt: skip


def test_handover_ships_every_order_consumes_its_reserved_stock_and_queues_the_confirmation(
    packed, warehouse, series_courier, packer, tenant, floor, queued, django_capture_on_commit_callbacks
):
    amazon = factories.make_account(tenant, warehouse, kind="amazon", name="Acme on Amazon")
    one, two = packed(("O-1", {"RED": 2, "BLUE": 1}), ("O-2", {"RED": 1}))
    Order.objects.filter(channel_order_id="O-2").update(account=amazon)  # an Amazon order: its channel takes shipments
    manifest, _ = manifests.open_manifest(series_courier, warehouse, user=packer)
    packing_bin = Bin.objects.get(warehouse=warehouse, kind="packing")
    red = StockLevel.objects.get(bin=packing_bin, sku=floor.skus["RED"])
    assert (red.on_hand, red.reserved) == (3, 3)

    with django_capture_on_commit_callbacks(execute=True):
        first = manifests.scan_handover(manifest, one.awb, user=packer, agent_name="Ravi")
    assert first.message == f"AWB {one.awb} handed over; 1 to go."
    assert (order("O-1").status, Manifest.objects.get().status) == ("packed", "closed")  # closed to additions
    with django_capture_on_commit_callbacks(execute=True):
        last = manifests.scan_handover(manifest, two.awb, user=packer)

    assert last.shipped == 2 and last.message.endswith(f"All 2 parcel(s) handed to Delhivery: manifest {manifest.number} is done.")
    manifest.refresh_from_db()
    assert (manifest.status, manifest.agent_name, manifest.handed_over_by) == ("handed_over", "Ravi", packer)
    for code in ("O-1", "O-2"):
        shipped = order(code)
        assert shipped.status == "shipped"
        assert set(shipped.lines.values_list("status", flat=True)) == {"shipped"}
        assert shipped.events.get(kind="status:shipped").message.startswith("Shipped: handed to Delhivery on manifest")
    red.refresh_from_db()
    assert (red.on_hand, red.reserved) == (0, 0)
    consumed = StockMovement.objects.filter(kind="consume")
    assert sorted(consumed.values_list("sku__code", "bin__kind", "on_hand_delta", "reserved_delta")) == [
        ("BLUE", "packing", -1, -1), ("RED", "packing", -2, -2), ("RED", "packing", -1, -1)]
    assert stock_drift() == []
    call_command("audit_stock")  # raises CommandError, listing each difference, if a level drifted
    assert queued == [order("O-2").pk]  # Amazon takes shipments; the custom web store has no connector
    assert set(Shipment.objects.values_list("status", flat=True)) == {"handed_over"}
    assert not OrderEvent.objects.filter(kind="shipment_not_pushed").exists()


def test_a_scan_not_on_the_manifest_is_refused_and_nothing_ships(packed, warehouse, series_courier, packer):
    _, two = packed(("O-1", {"RED": 1}), ("O-2", {"GREEN": 1}))
    manifest, _ = manifests.open_manifest(series_courier, warehouse, user=packer)
    manifests.remove_shipment(manifest, two.awb, user=packer)

    stray = refused(manifests.scan_handover, manifest, two.awb, user=packer)
    unknown = refused(manifests.scan_handover, manifest, "XYZ", user=packer)

    assert stray.message == f"AWB {two.awb} is not on manifest {manifest.number}: add it to a Delhivery manifest first."
    assert unknown.code == "not_on_manifest"
    assert Shipment.objects.get(pk=two.pk).status == "packed"
    assert not StockMovement.objects.filter(kind="consume").exists()


def test_handing_over_with_parcels_unscanned_needs_them_taken_off(packed, warehouse, series_courier, packer, queued,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    one, two = packed(("O-1", {"RED": 1}), ("O-2", {"GREEN": 1}))
    manifest, _ = manifests.open_manifest(series_courier, warehouse, user=packer)
    manifests.scan_handover(manifest, one.awb, user=packer)

    error = refused(manifests.hand_over, manifest, user=packer)
    with django_capture_on_commit_callbacks(execute=True):
        result = manifests.hand_over(manifest, user=packer, agent_name="Ravi", remove_unscanned=True)

    assert error.code == "parcels_not_scanned" and two.awb in error.message
    assert result.message == f"Manifest {manifest.number} handed over to Delhivery: 1 parcel(s) shipped; 1 unscanned " \
                             "parcel(s) back to packed."
    assert (order("O-1").status, order("O-2").status) == ("shipped", "packed")
    two.refresh_from_db()
    assert (two.status, two.manifest) == ("packed", None)
    assert queued == []  # the web store is a custom channel: nothing to confirm
    nxt, created = manifests.open_manifest(series_courier, warehouse, user=packer)
    assert created and list(nxt.shipments.values_list("awb", flat=True)) == [two.awb]


def test_a_parcel_whose_order_was_cancelled_is_refused_at_the_dock_and_cancelled_when_taken_off(
    packed, warehouse, series_courier, packer, floor
):
    from hub.orders.actions import cancel_order

    one, two = packed(("O-1", {"RED": 1}), ("O-2", {"GREEN": 1}))
    manifest, _ = manifests.open_manifest(series_courier, warehouse, user=packer)
    cancel_order(order("O-2"), reason="buyer cancelled")

    error = refused(manifests.scan_handover, manifest, two.awb, user=packer)
    off = manifests.remove_shipment(manifest, two.awb, user=packer)
    manifests.scan_handover(manifest, one.awb, user=packer)

    assert error.message == (f"Order O-2 is cancelled: do not ship parcel AWB {two.awb}. Take it off manifest "
                             f"{manifest.number} and unpack it.")  # fmt: skip
    assert "its shipment is cancelled" in off.message
    assert Shipment.objects.get(pk=two.pk).status == "cancelled"
    assert (order("O-1").status, order("O-2").status) == ("shipped", "cancelled")
    green = StockLevel.objects.get(bin__kind="packing", sku=floor.skus["GREEN"])
    assert (green.on_hand, green.reserved) == (1, 0)  # released: waiting at packing for putback


def test_one_open_manifest_per_courier_and_warehouse(warehouse, series_courier, packer, tenant):
    other = factories.make_warehouse(tenant, "BLR1", state="29", pincode="560001", city="Bengaluru")

    here, _ = manifests.open_manifest(series_courier, warehouse, user=packer)
    there, _ = manifests.open_manifest(series_courier, other, user=packer)
    closed = refused(manifests.close_manifest, here, user=packer)

    assert here.pk != there.pk and closed.code == "manifest_empty"
    assert Courier.objects.count() == 1


def test_only_channels_whose_connector_takes_shipments_get_a_confirmation_queued(
    tenant, warehouse, queued, django_capture_on_commit_callbacks
):
    from warehouse.shipping.channel import queue_confirmations, takes_shipments

    accounts = {kind: factories.make_account(tenant, warehouse, kind=kind) for kind in ("amazon", "flipkart", "custom")}
    orders = [Order(pk=n, tenant=tenant, account=account, channel_order_id=kind)
              for n, (kind, account) in enumerate(accounts.items(), 1)]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        events = queue_confirmations(orders)

    assert [takes_shipments(a) for a in accounts.values()] == [True, False, False]
    assert queued == [1]  # Amazon; Flipkart has no connector here, a custom channel ships by itself
    assert [(e.order.channel_order_id, e.kind) for e in events] == [("flipkart", "shipment_not_pushed")]


def test_the_confirmation_task_is_quiet_when_there_is_nothing_to_send(packed, packer):
    from schedules.tasks import confirm_shipment

    [parcel] = packed(("O-1", {"RED": 1}))

    assert confirm_shipment.delay(parcel.order_id).get() is None  # packed, not shipped
    assert confirm_shipment.delay(987654).get() is None  # gone
