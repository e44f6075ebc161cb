"""The dock's handover pages, driven as the kit's script drives them (JSON scans with idempotency keys)."""


import pytest

from hub.orders.models import Order
from tests import factories
from tests.warehouse.scanning import logged_in as client_for
from tests.warehouse.scanning import send
from warehouse.models import ScanRequest
from warehouse.scanner import menu
from warehouse.shipping import packing
from warehouse.shipping.models import Manifest, Shipment


def status_of(channel_order_id: str) -> str:
    return Order.objects.get(channel_order_id=channel_order_id).status


@pytest.fixture
def packed(picked, floor, packer, series_courier, box):
    """packed(("O-1", {"RED": 2}), ...): pick, pack and finish the orders; returns their parcels."""

    def packed(*orders, courier=None, awb="") -> list[Shipment]:
        picked(*((code, list(units.items())) for code, units in orders))
        parcels = []
        for code, units in orders:
            shipment, _ = packing.open_box(Order.objects.get(channel_order_id=code), user=packer)
            for sku, count in units.items():
                for _ in range(count):
                    packing.scan_unit(shipment, floor.barcode[sku], user=packer)
            parcels.append(packing.finish_packing(shipment, box=box, weight_grams=500, courier=courier or series_courier,
                                                  awb=awb, user=packer).shipment)  # fmt: skip
        return parcels

    return packed


@pytest.fixture
def picker(packer):
    return client_for(packer)


@pytest.fixture
def parcels(packed):
    """Three Delhivery parcels, packed: O-1, O-2, O-3."""
    return packed(("O-1", {"RED": 1}), ("O-2", {"GREEN": 1}), ("O-3", {"RED": 1}))


@pytest.fixture
def dock_url(picker, parcels, series_courier):
    send(picker, "/scan/dock/", courier=str(series_courier.pk))
    return f"/scan/dock/{Manifest.objects.get().pk}/"


def test_the_menu_offers_hand_over_to_a_picker_and_not_to_finance(tenant, packer):
    finance = factories.make_user(tenant, "finance")
    picker_flows = [flow.key for flow in menu.flows_for(packer)]

    assert "dock" in picker_flows and "dock" not in [flow.key for flow in menu.flows_for(finance)]
    dock = next(flow for flow in menu.flows_for(packer) if flow.key == "dock")
    assert (dock.label, dock.order, dock.url) == ("Hand over", 50, "/scan/dock/")


def test_the_courier_buttons_show_what_is_packed_and_a_tap_opens_the_manifest_once(
    picker, parcels, series_courier, keyed_courier
):
    page = picker.get("/scan/dock/").content.decode()
    assert f'name="courier" value="{series_courier.pk}"' in page and "3 packed, waiting" in page
    assert "Blue Dart" in page and "Nothing packed" in page

    first = send(picker, "/scan/dock/", key="open-1", courier=str(series_courier.pk))
    again = send(picker, "/scan/dock/", key="open-1", courier=str(series_courier.pk))

    manifest = Manifest.objects.get()
    assert first.status_code == 200, first.json()
    assert first.json()["message"] == f"{manifest.number}: 3 Delhivery parcel(s). Scan each AWB as the agent takes it."
    assert first.json()["redirect"] == again.json()["redirect"] == f"/scan/dock/{manifest.pk}/"
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert manifest.shipments.filter(status="manifested").count() == 3


def test_a_courier_with_nothing_packed_is_refused_and_no_manifest_is_left_behind(picker, parcels, keyed_courier):
    response = send(picker, "/scan/dock/", courier=str(keyed_courier.pk))

    assert response.status_code == 400
    assert response.json()["message"] == "No packed Blue Dart parcel at PNQ1: nothing to hand over."
    assert not Manifest.objects.exists()


def test_scanning_a_parcels_awb_on_the_courier_screen_opens_its_couriers_manifest(picker, parcels):
    response = send(picker, "/scan/dock/", code=parcels[1].awb)
    unknown = send(picker, "/scan/dock/", code="ZZ-404")

    assert response.json()["redirect"] == f"/scan/dock/{Manifest.objects.get().pk}/"
    assert Manifest.objects.get().courier.code == "DLV"
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "Unknown AWB or courier ZZ-404: scan a parcel's AWB, or tap the courier."


def test_the_dock_screen_shows_the_manifest_and_the_awbs_not_scanned(picker, dock_url, parcels):
    page = picker.get(dock_url).content.decode()

    assert "MF-" in page and "Delhivery · PNQ1" in page
    assert 'data-total="scanned">0<' in page and 'data-total="left">3<' in page
    for parcel in parcels:
        assert f'data-awb="{parcel.awb}"' in page
    assert 'name="agent_name"' in page
    assert 'value="short"' not in page  # nothing scanned: nothing to hand over yet


def test_each_awb_scanned_counts_once_and_the_last_ships_the_orders(picker, dock_url, parcels, queued):
    one, two, three = parcels

    first = send(picker, dock_url, key="s-1", code=one.awb, agent_name="Ravi")
    again = send(picker, dock_url, key="s-1", code=one.awb, agent_name="Ravi")
    assert first.status_code == again.status_code == 200
    assert first.json()["message"] == again.json()["message"] == f"AWB {one.awb} handed over; 2 to go."
    assert again.json()["replayed"] is True
    assert first.json()["manifest"]["scanned"] == 1 and first.json()["next"]["unscanned"] == [two.awb, three.awb]
    assert ScanRequest.objects.filter(key="s-1", action="dock.scan").count() == 1
    html = first.json()["html"]
    assert 'data-total="scanned">1<' in html and 'data-total="left">2<' in html
    assert 'data-list="unscanned"' in html and f'data-awb="{two.awb}"' in html
    assert 'value="Ravi"' in html and "Hand over without the 2 unscanned" in html

    send(picker, dock_url, code=two.awb)
    last = send(picker, dock_url, code=three.awb)

    manifest = Manifest.objects.get()
    body = last.json()
    assert body["shipped"] == 3 and body["message"].endswith(f"All 3 parcel(s) handed to Delhivery: manifest {manifest.number} is done.")
    assert body["scan"] is False and body["prompt"] == ""
    assert f'href="/api/v1/manifests/{manifest.pk}/manifest.pdf"' in body["html"] and "Print manifest" in body["html"]
    assert 'data-total="scanned">3<' in body["html"] and "shipped" in body["html"]
    assert (manifest.status, manifest.agent_name) == ("handed_over", "Ravi")
    assert [status_of(code) for code in ("O-1", "O-2", "O-3")] == ["shipped"] * 3
    pdf = picker.get(f"/api/v1/manifests/{manifest.pk}/manifest.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_an_awb_not_on_the_manifest_or_of_another_courier_is_refused_and_writes_nothing(
    picker, packed, series_courier, keyed_courier
):
    [mine] = packed(("O-1", {"RED": 1}))
    [theirs] = packed(("O-2", {"GREEN": 1}), courier=keyed_courier, awb="BD-777")
    send(picker, "/scan/dock/", courier=str(series_courier.pk))
    url = f"/scan/dock/{Manifest.objects.get().pk}/"

    unknown = send(picker, url, code="NOPE-1")
    other = send(picker, url, code=theirs.awb)

    number = Manifest.objects.get().number
    assert (unknown.status_code, unknown.json()["ok"]) == (400, False)
    assert unknown.json()["message"] == "Unknown AWB NOPE-1: no packed parcel has it. Keep the parcel back."
    assert other.status_code == 400
    assert other.json()["message"] == f"AWB {theirs.awb} is not on manifest {number}: add it to a Blue Dart manifest first."
    assert other.json()["prompt"] == "Scan each AWB as the agent takes the parcel"  # the same screen, scan again
    assert Manifest.objects.get().status == "open"  # a refusal does not begin the handover
    assert Shipment.objects.get(pk=mine.pk).status == "manifested"


def test_handing_over_without_the_unscanned_asks_first_and_puts_them_back_to_packed(picker, dock_url, parcels):
    one, two, three = parcels
    send(picker, dock_url, code=one.awb)

    asked = send(picker, dock_url, do="short", agent_name="Ravi")
    assert asked.status_code == 200
    assert asked.json()["message"] == ("Hand over 1 parcel(s) to Delhivery? The 2 unscanned go back to packed, for "
                                       "the next manifest.")  # fmt: skip
    assert asked.json()["scan"] is False
    assert "Yes, hand over 1 without them" in asked.json()["html"] and 'value="back"' in asked.json()["html"]
    assert Manifest.objects.get().status == "closed"

    kept = send(picker, dock_url, do="back")
    assert kept.json()["scan"] is True and kept.json()["message"] == "Carry on scanning."

    done = send(picker, dock_url, key="h-1", do="handover", agent_name="Ravi")
    replay = send(picker, dock_url, key="h-1", do="handover", agent_name="Ravi")
    manifest = Manifest.objects.get()
    assert done.json()["message"] == replay.json()["message"] == (
        f"Manifest {manifest.number} handed over to Delhivery: 1 parcel(s) shipped; 2 unscanned parcel(s) back to packed."
    )
    assert done.json()["shipped"] == 1 and "Print manifest" in done.json()["html"]
    assert (status_of("O-1"), status_of("O-2"), status_of("O-3")) == ("shipped", "packed", "packed")
    assert set(Shipment.objects.filter(pk__in=[two.pk, three.pk]).values_list("status", "manifest")) == {("packed", None)}
    assert manifest.agent_name == "Ravi"


def test_handing_over_with_nothing_scanned_is_refused(picker, dock_url):
    asked = send(picker, dock_url, do="short")

    assert asked.status_code == 400
    assert asked.json()["message"].endswith("is scanned yet: scan each AWB as the agent takes it.")
    assert asked.json()["scan"] is True


def test_a_handover_begun_is_resumed_by_its_courier_not_a_new_manifest(picker, dock_url, parcels, series_courier, packed):
    send(picker, dock_url, code=parcels[0].awb)

    again = send(picker, "/scan/dock/", courier=str(series_courier.pk))

    manifest = Manifest.objects.get()
    assert again.json()["redirect"] == dock_url
    assert again.json()["message"] == f"{manifest.number}: 1 of 3 scanned. Scan the next AWB."
    home = picker.get("/scan/dock/").content.decode()
    assert "handover begun, 1 of 3 scanned" in home


def test_a_tenant_with_two_warehouses_chooses_the_docks_warehouse_first(picker, parcels, series_courier, tenant):
    factories.make_warehouse(tenant, "BLR1")
    page = picker.get("/scan/dock/").content.decode()
    assert "Which warehouse is this dock in?" in page and 'id="sk-scan" class="sk-scan" hidden' in page

    tapped = send(picker, "/scan/dock/", code=parcels[0].awb)  # an AWB names its warehouse anyway
    assert tapped.json()["ok"] is True

    chosen = send(picker, "/scan/dock/", warehouse=str(parcels[0].warehouse_id))
    assert chosen.json()["message"] == "Dock of PNQ1: choose the courier."
    assert "Couriers at PNQ1" in chosen.json()["html"] and "Another warehouse" in chosen.json()["html"]
    assert "Couriers at PNQ1" in picker.get("/scan/dock/").content.decode()  # kept in the session


def test_finance_may_not_hand_over_and_another_tenant_cannot_see_the_manifest(dock_url, tenant, other_tenant):
    finance = client_for(factories.make_user(tenant, "finance"))
    rival = client_for(factories.make_user(other_tenant, "picker"))

    assert finance.get("/scan/dock/").status_code == 403
    assert finance.get(dock_url).status_code == 403
    assert send(finance, dock_url, code="X").status_code == 403
    assert rival.get(dock_url).status_code == 404


@pytest.fixture
def queued(monkeypatch):
    """Ship confirmations go to the Celery queue; here they are only noted."""
    from schedules import tasks

    sent = []
    monkeypatch.setattr(tasks.confirm_shipment, "delay", lambda order_id: sent.append(order_id))
    return sent
