"""Packing services: a picked order's units scanned into a box, then the box closed with an AWB, a
gap-free invoice number and the order PACKED."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from hub.core.errors import DomainError
from hub.orders.models import Order
from warehouse.models import Bin, StockLevel
from warehouse.returns.lookup import order_for_code
from warehouse.shipping import numbering, packing
from warehouse.shipping.models import Courier, Invoice, InvoiceCounter, Shipment, ShipmentItem


def order(channel_order_id: str) -> Order:
    return Order.objects.get(channel_order_id=channel_order_id)


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def pack(channel_order_id: str, floor, user, units: dict[str, int]) -> Shipment:
    shipment, _ = packing.open_box(order(channel_order_id), user=user)
    for code, count in units.items():
        for _ in range(count):
            packing.scan_unit(shipment, floor.barcode[code], user=user)
    return shipment


def at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


# Opening a box -------------------------------------------------------------------------------------


def test_a_picked_order_gets_a_box_holding_what_its_reservations_hold(picked, floor, packer):
    picklist = picked(("O-1", [("RED", 2), ("BLUE", 3)]))

    result = packing.start_packing(packer.tenant, "O-1", user=packer)
    again = packing.start_packing(packer.tenant, "O-1", user=packer)

    shipment = result.shipment
    assert (result.created, again.created, again.shipment.pk) == (True, False, shipment.pk)
    assert shipment.status == "packing" and shipment.picklist == picklist
    assert {(i.sku.code, i.expected, i.packed) for i in shipment.items.all()} == {("RED", 2, 0), ("BLUE", 3, 0)}
    assert order("O-1").events.last().kind == "packing"


def test_an_order_not_picked_in_full_is_not_packed(place, floor, packer):
    place("O-1", ("RED", 1))

    error = refused(packing.start_packing, packer.tenant, "O-1", user=packer)

    assert error.code == "not_ready" and "not picked yet" in error.message
    assert not Shipment.objects.exists()


def test_a_batch_picklist_lists_its_orders_and_a_unit_scanned_with_it_finds_its_order(picked, floor, packer):
    picklist = picked(("O-1", [("RED", 1)]), ("O-2", [("BLUE", 2), ("GREEN", 1)]))

    choice = packing.start_packing(packer.tenant, picklist.number, user=packer)
    found = packing.start_packing(packer.tenant, picklist.number, user=packer, barcode=floor.barcode["GREEN"])

    assert choice.shipment is None
    assert [o["order"]["channel_order_id"] for o in choice.orders] == ["O-1", "O-2"]
    assert found.shipment.order.channel_order_id == "O-2"
    assert found.message.startswith("GREEN is for order O-2: box opened. 1 x GREEN in the box.")
    assert ShipmentItem.objects.get(shipment=found.shipment, sku__code="GREEN").packed == 1


# Scanning ------------------------------------------------------------------------------------------


def test_an_unexpected_unit_or_one_too_many_is_refused_saying_what_and_where(picked, floor, packer):
    picked(("O-1", [("RED", 1), ("BLUE", 2)]))
    shipment, _ = packing.open_box(order("O-1"), user=packer)
    packing.scan_unit(shipment, floor.barcode["RED"], user=packer)

    wrong = refused(packing.scan_unit, shipment, floor.barcode["GREEN"], user=packer)
    extra = refused(packing.scan_unit, shipment, floor.barcode["RED"], user=packer)
    unknown = refused(packing.scan_unit, shipment, "0000", user=packer)
    keyed_red = refused(packing.scan_unit, shipment, floor.barcode["RED"], quantity=2, user=packer)
    too_many_blue = refused(packing.scan_unit, shipment, floor.barcode["BLUE"], quantity=3, user=packer)

    assert (wrong.code, wrong.message) == ("wrong_item", "Not in this order: GREEN (Green T-shirt) is not on order "
                                           "O-1. Set it aside. Still to pack: 2 x BLUE.")  # fmt: skip
    assert extra.code == "too_many" and "order O-1 takes 1 x RED; all 1 are in the box already" in extra.message
    assert unknown.code == "unknown_barcode"
    assert keyed_red.code == "quantity_not_keyable"
    assert too_many_blue.code == "too_many" and "only 2 more" in too_many_blue.message
    assert dict(shipment.items.values_list("sku__code", "packed")) == {"RED": 1, "BLUE": 0}

    packing.scan_unit(shipment, floor.barcode["BLUE"], quantity=2, user=packer)  # BLUE may be keyed
    assert dict(shipment.items.values_list("sku__code", "packed")) == {"RED": 1, "BLUE": 2}


# Finishing -----------------------------------------------------------------------------------------


def test_finishing_takes_the_next_awb_and_invoice_number_and_the_order_is_packed(
    picked, floor, packer, series_courier, box, monkeypatch
):
    picked(("O-1", [("RED", 2)]), ("O-2", [("GREEN", 1)]))
    at(monkeypatch, datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    first = pack("O-1", floor, packer, {"RED": 2})

    result = packing.finish_packing(first, box=box, weight_grams=450, user=packer)

    shipment = result.shipment
    assert (shipment.status, shipment.awb, shipment.courier, shipment.box, shipment.weight_grams) == (
        "packed", "DL00001001", series_courier, box, 450)
    invoice = shipment.invoice
    assert (invoice.number, invoice.year, invoice.serial, str(invoice.issued_on)) == (
        "INV/26-27/000001", 2026, 1, "2026-11-21")
    assert (invoice.seller_name, invoice.seller_gstin, str(invoice.grand_total)) == ("Acme Apparel", "27AAPFU0939F1ZV", "1050.00")
    assert invoice.cgst == invoice.sgst == invoice.grand_total - invoice.taxable_total - invoice.cgst and not invoice.igst
    assert order("O-1").status == "packed"
    assert order("O-1").events.get(kind="status:packed").message == ("Packed: Delhivery AWB DL00001001, invoice INV/26-27/000001, box B2, "
                                                  "450 g.")  # fmt: skip
    assert result.message == "Packed order O-1: Delhivery AWB DL00001001, invoice INV/26-27/000001."

    second = packing.finish_packing(pack("O-2", floor, packer, {"GREEN": 1}), box=box, weight_grams=200, user=packer)
    assert (second.shipment.awb, second.shipment.invoice.number) == ("DL00001002", "INV/26-27/000002")
    assert order_for_code(packer.tenant, "DL00001002").channel_order_id == "O-2"  # the returns desk's AWB lookup


def test_a_box_is_finished_only_when_every_unit_is_in_it(picked, floor, packer, series_courier, box):
    picked(("O-1", [("RED", 2)]))
    shipment = pack("O-1", floor, packer, {"RED": 1})

    error = refused(packing.finish_packing, shipment, box=box, weight_grams=300, user=packer)

    assert (error.code, error.message) == ("box_incomplete", "Not everything is in the box yet: still 1 x RED for order O-1.")
    assert Courier.objects.get().awb_next == 1001 and not Invoice.objects.exists()


def test_an_exhausted_awb_series_is_refused_and_gives_the_invoice_number_back(picked, floor, packer, box, tenant):
    picked(("O-1", [("RED", 1)]), ("O-2", [("GREEN", 1)]))
    Courier.objects.create(tenant=tenant, name="Ekart", code="EK", awb_source="series", awb_next=7, awb_last=7)
    packing.finish_packing(pack("O-1", floor, packer, {"RED": 1}), box=box, weight_grams=100, user=packer)

    error = refused(packing.finish_packing, pack("O-2", floor, packer, {"GREEN": 1}), box=box, weight_grams=100,
                    user=packer)  # fmt: skip

    assert error.code == "awb_series_exhausted"
    assert error.message == ("Ekart's AWB series is used up (last 7): ask the courier for a new range and enter it on "
                             "the courier before packing more parcels for it.")  # fmt: skip
    assert order("O-2").status == "picking"
    assert InvoiceCounter.objects.get().last_number == 1  # the refused packing took no number

    Courier.objects.filter(code="EK").update(awb_last=99)  # a new range
    done = packing.finish_packing(Shipment.objects.get(order__channel_order_id="O-2"), box=box, weight_grams=100, user=packer)
    assert (done.shipment.awb, done.shipment.invoice.serial) == ("8", 2)


def test_a_keyed_awb_is_required_for_a_courier_without_a_series_and_used_once(
    picked, floor, packer, box, keyed_courier, series_courier
):
    picked(("O-1", [("RED", 1)]), ("O-2", [("GREEN", 1)]))
    first = pack("O-1", floor, packer, {"RED": 1})

    missing = refused(packing.finish_packing, first, box=box, weight_grams=100, courier=keyed_courier, user=packer)
    keyed_for_series = refused(packing.finish_packing, first, box=box, weight_grams=100, courier=series_courier,
                               awb="X1", user=packer)  # fmt: skip
    which = refused(packing.finish_packing, first, box=box, weight_grams=100, user=packer)
    packing.finish_packing(first, box=box, weight_grams=100, courier=keyed_courier, awb=" 5005123 ", user=packer)
    reused = refused(packing.finish_packing, pack("O-2", floor, packer, {"GREEN": 1}), box=box, weight_grams=100,
                     courier=keyed_courier, awb="5005123", user=packer)  # fmt: skip

    assert (missing.code, missing.message) == ("awb_required", "Scan or key the Blue Dart AWB from the courier's label.")
    assert keyed_for_series.field == "awb" and which.message == "Choose the courier."
    assert Shipment.objects.get(order__channel_order_id="O-1").awb == "5005123"
    assert reused.code == "awb_taken" and "order O-1" in reused.message


def test_invoice_numbers_restart_each_financial_year_april_to_march(picked, floor, packer, series_courier, box, monkeypatch):
    series_courier.awb_last = 2000
    series_courier.save()
    picked(*((f"O-{n}", [("RED", 1)]) for n in range(1, 5)))
    moments = [datetime(2027, 3, 30, 10, 0, tzinfo=UTC),
               datetime(2027, 3, 31, 18, 0, tzinfo=UTC),  # 23:30 on 31 March in India: still 2026-27
               datetime(2027, 3, 31, 18, 31, tzinfo=UTC),  # 00:01 on 1 April in India: 2027-28 begins
               datetime(2027, 4, 2, 10, 0, tzinfo=UTC)]  # fmt: skip
    numbers = []
    for n, moment in enumerate(moments, 1):
        at(monkeypatch, moment)
        numbers.append(packing.finish_packing(pack(f"O-{n}", floor, packer, {"RED": 1}), box=box, weight_grams=90,
                                              user=packer).shipment.invoice.number)  # fmt: skip

    assert numbers == ["INV/26-27/000001", "INV/26-27/000002", "INV/27-28/000001", "INV/27-28/000002"]
    assert numbering.financial_year(datetime(2027, 3, 31).date()) == 2026
    assert numbering.financial_year(datetime(2027, 4, 1).date()) == 2027


def test_a_series_prefix_must_keep_numbers_within_sixteen_characters():
    assert numbering.prefix_error("INV", 6) is None
    assert "at most 3 characters" in numbering.prefix_error("INVOICE", 6)
    assert numbering.prefix_error("IN-V", 4) == "The prefix is letters and digits only (the number adds '/' and the year)."


# Cancelling ----------------------------------------------------------------------------------------


def test_unpacking_a_packed_parcel_sends_the_order_back_to_packing_keeping_its_numbers_used(
    picked, floor, packer, series_courier, box
):
    picked(("O-1", [("RED", 2)]))
    first = packing.finish_packing(pack("O-1", floor, packer, {"RED": 2}), box=box, weight_grams=450, user=packer).shipment

    packing.cancel_shipment(first, user=packer, reason="box torn")

    first.refresh_from_db()
    assert (first.status, first.cancel_reason, order("O-1").status) == ("cancelled", "box torn", "picking")
    assert first.invoice.cancelled_at is not None
    packing_bin = Bin.objects.get(kind="packing")
    level = StockLevel.objects.get(bin=packing_bin, sku=floor.skus["RED"])
    assert (level.on_hand, level.reserved) == (2, 2)  # still reserved for the order, at packing

    again = packing.finish_packing(pack("O-1", floor, packer, {"RED": 2}), box=box, weight_grams=460, user=packer).shipment
    assert (again.awb, again.invoice.serial, again.invoice.number[-7:]) == ("DL00001002", 2, "/000002")


def test_packing_stops_when_the_order_is_cancelled_meanwhile(picked, floor, packer, box, series_courier):
    from hub.orders.actions import cancel_order

    picked(("O-1", [("RED", 2)]))
    shipment = pack("O-1", floor, packer, {"RED": 1})
    cancel_order(order("O-1"), reason="buyer changed their mind")

    error = refused(packing.scan_unit, shipment, floor.barcode["RED"], user=packer)
    packing.cancel_shipment(shipment, user=packer)

    assert error.code == "order_changed" and "cancel the box and set its units aside" in error.message
    assert Shipment.objects.get().status == "cancelled"
