"""The pack scanner pages, driven as the kit's script drives them (JSON with an idempotency key) and
without it: scan the order or picklist, every unit into the box (anything unexpected refused), choose the
box, weigh it, the courier and its AWB, finish, and print the invoice and the label."""


import pytest

from hub.orders.models import Order
from tests import factories
from tests.warehouse.scanning import logged_in, send
from warehouse.shipping.models import BoxSize, Courier, Shipment, ShipmentItem

HOME = "/scan/pack/"


@pytest.fixture
def handheld(packer):
    return logged_in(packer)


def box_url(handheld, code: str) -> str:
    answer = send(handheld, HOME, code=code).json()
    assert answer["ok"], answer
    return answer["redirect"]


def packed(channel_order_id: str, sku: str) -> int:
    return ShipmentItem.objects.get(shipment__order__channel_order_id=channel_order_id, sku__code=sku).packed


# Starting ----------------------------------------------------------------------------------------------------


def test_the_start_screen_lists_the_orders_waiting_and_a_scan_opens_the_box(handheld, picked, floor):
    picked(("O-1", [("RED", 2)]), ("O-2", [("GREEN", 1)]))

    page = handheld.get(HOME).content.decode()
    answer = send(handheld, HOME, code="O-1").json()

    assert "Scan a picklist, an order or an AWB" in page
    assert "O-1" in page and "O-2" in page and "Web store" in page
    shipment = Shipment.objects.get(order__channel_order_id="O-1")
    assert (answer["ok"], answer["message"], answer["redirect"]) == (True, "Packing order O-1.", f"/scan/pack/{shipment.pk}/")
    assert answer["shipment"]["status"] == "packing" and answer["next"]["action"] == "scan_unit"
    box = handheld.get(answer["redirect"]).content.decode()
    assert 'data-order="O-1"' in box and "Custom · Web store" in box and "Expected 2 · packed <strong>0</strong>" in box
    assert 'data-sku="RED"' in box and "Scan each unit into the box" in box
    assert "Box open" in handheld.get(HOME).content.decode()


def test_tapping_a_waiting_order_opens_its_box(handheld, picked, floor):
    picked(("O-1", [("RED", 1)]))
    order = Order.objects.get(channel_order_id="O-1")

    answer = send(handheld, HOME, order=str(order.pk)).json()

    assert answer["redirect"] == f"/scan/pack/{Shipment.objects.get(order=order).pk}/"


def test_an_unknown_code_or_an_order_not_picked_is_refused_on_the_start_screen(handheld, picked, place, floor):
    picked(("O-1", [("RED", 1)]))
    place("O-9", ("GREEN", 1))

    unknown = send(handheld, HOME, code="NOPE-1")
    not_picked = send(handheld, HOME, code="O-9")

    assert (unknown.status_code, unknown.json()["message"]) == (400, "No order or AWB NOPE-1.")
    assert unknown.json()["prompt"] == "Scan a picklist, an order or an AWB"
    assert not_picked.json()["message"] == "Order O-9 is not picked yet: put it on a picklist first."
    assert not Shipment.objects.filter(order__channel_order_id="O-9").exists()


def test_a_picklist_of_several_orders_lists_them_and_a_unit_opens_the_box_that_needs_it(handheld, picked, floor):
    picklist = picked(("O-1", [("RED", 1)]), ("O-2", [("BLUE", 2), ("GREEN", 1)]))

    listed = send(handheld, HOME, code=picklist.number).json()
    assert listed["ok"] and listed["title"] == picklist.number
    assert listed["prompt"] == "Scan a unit to find its order, or the order"
    assert f'name="picklist" value="{picklist.number}"' in listed["html"]
    assert "O-1" in listed["html"] and "3 units to pack" in listed["html"]

    stray = factories.make_sku(picklist.tenant, "SOCKS", name="Socks")
    factories.make_barcode(stray, "8900000000999")
    refused = send(handheld, HOME, code="8900000000999", picklist=picklist.number)
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        f"No order left to pack on picklist {picklist.number} needs SOCKS (Socks): set the unit aside."
    )
    assert refused.json()["title"] == picklist.number  # still the picklist's orders
    found = send(handheld, HOME, code=floor.barcode["GREEN"], picklist=picklist.number).json()
    o2 = Shipment.objects.get(order__channel_order_id="O-2")
    assert found["redirect"] == f"/scan/pack/{o2.pk}/"
    assert found["message"] == "GREEN is for order O-2: box opened. 1 x GREEN in the box. 2 unit(s) to go."
    assert packed("O-2", "GREEN") == 1


# Scanning units ------------------------------------------------------------------------------------------------


def test_units_go_in_one_scan_each_and_anything_unexpected_is_refused(handheld, picked, floor):
    picked(("O-1", [("RED", 2), ("BLUE", 3)]))
    url = box_url(handheld, "O-1")

    assert 'name="quantity"' in handheld.get(url).content.decode()  # BLUE may be keyed
    first = send(handheld, url, key="u-1", code=floor.barcode["RED"])
    copy = send(handheld, url, key="u-1", code=floor.barcode["RED"])
    wrong = send(handheld, url, code=floor.barcode["GREEN"])
    keyed_red = send(handheld, url, code=floor.barcode["RED"], quantity="2")
    keyed_blue = send(handheld, url, code=floor.barcode["BLUE"], quantity="3")
    send(handheld, url, code=floor.barcode["RED"])
    extra = send(handheld, url, code=floor.barcode["RED"])

    assert (first.json()["message"], copy.json()["replayed"]) == ("1 x RED in the box. 4 unit(s) to go.", True)
    assert packed("O-1", "RED") == 2  # the copy counted once; the third scan put the second in
    assert wrong.status_code == 400 and wrong.json()["ok"] is False
    assert wrong.json()["message"] == (
        "Not in this order: GREEN (Green T-shirt) is not on order O-1. Set it aside. Still to pack: 3 x BLUE, 1 x RED."
    )
    assert keyed_red.json()["message"].startswith("RED is scanned unit by unit")
    assert keyed_blue.json()["message"] == "3 x BLUE in the box. 1 unit(s) to go."
    assert extra.json()["message"].startswith("Too many: order O-1 takes 2 x RED; all 2 are in the box already.")
    assert "Custom · Web store · all 5 in" in extra.json()["html"]


# Finishing --------------------------------------------------------------------------------------------------


@pytest.fixture
def all_in(handheld, picked, floor, box):
    """O-1's two RED units in its box."""
    picked(("O-1", [("RED", 2)]))
    url = box_url(handheld, "O-1")
    send(handheld, url, code=floor.barcode["RED"])
    last = send(handheld, url, code=floor.barcode["RED"]).json()
    assert last["next"]["action"] == "finish"
    return url


def test_once_all_are_in_the_box_size_weight_courier_and_awb_are_asked(handheld, all_in, series_courier, keyed_courier, box):
    BoxSize.objects.create(tenant=box.tenant, code="B3", name="Medium", length_mm=400, breadth_mm=300, height_mm=200)
    page = handheld.get(all_in).content.decode()
    assert 'value="B2"' in page and 'value="B3"' in page and 'name="weight_grams"' in page
    assert 'name="choose_courier"' in page and 'name="awb"' not in page  # no courier chosen yet

    chosen = send(handheld, all_in, choose_box="B3", weight_grams="700").json()
    assert chosen["message"] == "Box B3. Choose the courier, then Finish."
    assert 'name="box" value="B3"' in chosen["html"] and 'name="weight_grams" value="700"' in chosen["html"]

    courier = send(handheld, all_in, box="B3", weight_grams="700", choose_courier=str(keyed_courier.pk)).json()
    assert courier["message"] == "Box B3, Blue Dart. Scan the Blue Dart AWB, then Finish."
    assert courier["prompt"] == "Scan the AWB label, or a box code" and 'name="awb"' in courier["html"]

    awb = send(handheld, all_in, code="BD-778899", box="B3", weight_grams="700", courier=str(keyed_courier.pk)).json()
    assert awb["message"] == "Blue Dart AWB BD-778899. Tap Finish."
    assert 'name="awb" value="BD-778899"' in awb["html"]
    by_code = send(handheld, all_in, code="b2", box="B3", weight_grams="700", courier=str(keyed_courier.pk),
                   awb="BD-778899").json()  # fmt: skip
    assert by_code["message"] == "Box B2, Blue Dart. Tap Finish." and 'name="box" value="B2"' in by_code["html"]

    done = send(handheld, all_in, do="finish", box="B2", weight_grams="700", courier=str(keyed_courier.pk),
                awb="BD-778899").json()  # fmt: skip
    assert done["ok"] and done["shipment"]["awb"] == "BD-778899" and done["shipment"]["courier"] == "BD"


def test_finishing_without_a_box_or_a_weight_is_refused_and_keeps_what_was_keyed(handheld, all_in, series_courier):
    no_box = send(handheld, all_in, do="finish", weight_grams="480")
    no_weight = send(handheld, all_in, do="finish", box="B2")
    bad_weight = send(handheld, all_in, do="finish", box="B2", weight_grams="4.5")

    assert (no_box.status_code, no_box.json()["message"]) == (400, "Choose the box size (scan or pick it).")
    assert 'name="weight_grams" value="480"' in no_box.json()["html"]
    assert "Choose the box size (scan or pick it).</p>" in no_box.json()["html"]  # again by the button, in view
    assert no_weight.json()["message"] == "Weigh the box and key its weight in grams."
    assert bad_weight.json()["message"] == "The weight is a whole number of grams, 1 or more, not '4.5'."
    assert Order.objects.get().status == "picking"


def test_finish_packs_the_order_and_offers_the_invoice_and_the_label(handheld, all_in, series_courier):
    page = handheld.get(all_in).content.decode()
    assert "Courier: <strong>Delhivery</strong> · AWB from its series" in page and 'name="awb"' not in page

    done = send(handheld, all_in, key="fin-1", do="finish", box="B2", weight_grams="480")
    again = send(handheld, all_in, key="fin-1", do="finish", box="B2", weight_grams="480")

    body = done.json()
    sid = body["shipment"]["id"]
    assert body["message"].startswith("Packed order O-1: Delhivery AWB DL00001001, invoice INV/")
    assert again.json()["replayed"] is True and Courier.objects.get().awb_next == 1002  # one AWB taken
    assert Order.objects.get().status == "packed"
    assert body["scan"] is True and body["action"] == HOME and body["prompt"] == "Scan the next picklist, order or AWB"
    html = body["html"]
    assert f'href="/api/v1/shipments/{sid}/invoice.pdf" target="_blank"' in html
    assert f'href="/api/v1/shipments/{sid}/label.pdf" target="_blank"' in html
    assert "Next order" in html and "DL00001001" in html
    for document in ("invoice", "label"):
        pdf = handheld.get(f"/api/v1/shipments/{sid}/{document}.pdf")
        assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    late = send(handheld, all_in, code="8900000000000")
    assert late.status_code == 409 and "nothing more goes in" in late.json()["message"]


def test_pages_are_for_warehouse_roles_and_tenants(tenant, other_tenant, handheld, all_in, client):
    finance = logged_in(factories.make_user(tenant, "finance", username="fin"))
    stranger = logged_in(factories.make_user(other_tenant, "picker", username="rival.picker"))

    assert finance.get(HOME).status_code == 403
    assert client.get(HOME)["Location"].startswith("/login/")
    assert stranger.get(all_in).status_code == 404


def test_without_javascript_a_scan_posts_the_form_and_gets_the_whole_page(handheld, picked, floor):
    picked(("O-1", [("RED", 2)]))
    response = handheld.post(HOME, {"code": "O-1", "key": "form-1"})
    assert response.status_code == 302
    page = handheld.get(response["Location"]).content.decode()
    assert "Packing order O-1." in page and "scanner/scanner.js" in page
