"""The admin pages of warehouse operations (picking, returns, cycle counts, shipping): staff open them per
role, the list actions go through the services, and each tenant sees only its own rows."""

from functools import partial
from types import SimpleNamespace

import pytest
from django.test import Client

from hub.orders.models import Order
from hub.orders.services import import_order
from schedules.tasks import confirm_shipment
from tests import factories
from tests.factories import order_dto
from tests.warehouse.shipping.conftest import GSTIN_MH, pick_all
from warehouse import stock
from warehouse.counts import actions as counts
from warehouse.counts.models import CycleCount
from warehouse.models import StockLevel
from warehouse.picking import services as picking
from warehouse.picking.models import Picklist
from warehouse.returns import actions as returns
from warehouse.shipping import manifests, packing
from warehouse.shipping.models import BoxSize, Courier, InvoiceSeries

PAGES = (
    ("picking", "picklist", "open_picklist"), ("picking", "picklist", "shipped_picklist"),
    ("returns", "return", "rto"), ("counts", "cyclecount", "count"), ("shipping", "courier", "courier"),
    ("shipping", "boxsize", "box"), ("shipping", "invoiceseries", "series"), ("shipping", "invoice", "invoice"),
    ("shipping", "shipment", "shipment"), ("shipping", "manifest", "manifest"),
)  # fmt: skip


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def build_floor(tenant, code: str) -> SimpleNamespace:
    """A warehouse where order <code>-1 was picked, packed, manifested and handed over (then came back as an
    RTO), order <code>-2 waits on an open picklist, and a count of another bin awaits approval."""
    warehouse = factories.make_warehouse(tenant, code, gstin=GSTIN_MH)
    account = factories.make_account(tenant, warehouse, kind="shopify", name=f"{code} Shopify")
    shelf, other_shelf = factories.make_bin(warehouse, f"{code}-A-01"), factories.make_bin(warehouse, f"{code}-B-01")
    red, green = factories.make_sku(tenant, f"{code}-RED"), factories.make_sku(tenant, f"{code}-GREEN")
    factories.make_listing(account, red, "RED")
    stock.receive(red, shelf, 10, key=f"{code}-open-red")
    stock.receive(green, other_shelf, 10, key=f"{code}-open-green")
    packer = factories.make_user(tenant, "picker", username=f"{code.lower()}-packer")
    courier = Courier.objects.create(tenant=tenant, name=f"{code} Delhivery", code="DLV", awb_source="series",
                                     awb_prefix=f"{code}X", awb_next=1, awb_last=99, awb_digits=6)  # fmt: skip
    box = BoxSize.objects.create(tenant=tenant, code="B2", name="Small", length_mm=300, breadth_mm=200, height_mm=100)

    shipped = import_order(account, order_dto(f"{code}-1", ("RED", 2, "525")))
    [shipped_picklist] = picking.build_picklists(warehouse, mode="single").picklists
    picking.next_picklist(packer, warehouse)
    pick_all(shipped_picklist, packer)
    shipment = packing.start_packing(tenant, shipped_picklist.number, user=packer).shipment
    packing.scan_unit(shipment, red.code, user=packer)
    packing.scan_unit(shipment, red.code, user=packer)
    shipment = packing.finish_packing(shipment, box=box, weight_grams=700, user=packer).shipment
    manifest, _ = manifests.open_manifest(courier, warehouse, user=packer)
    manifests.scan_handover(manifest, shipment.awb, user=packer)
    rto, _ = returns.open_return(Order.objects.get(pk=shipped.pk), kind="rto", reference=shipment.awb)
    returns.scan_unit(rto, barcode=red.code, grade="good")

    waiting = import_order(account, order_dto(f"{code}-2", ("RED", 1, "525")))
    [open_picklist] = picking.build_picklists(warehouse, mode="single").picklists

    count = counts.open_count(warehouse, bins=[other_shelf], approval_units=1)
    counts.start_bin(count, bin=other_shelf)
    counts.count_units(count, bin=other_shelf, sku=green, counted=4)
    counts.finish_count(count)
    shipment.refresh_from_db()
    return SimpleNamespace(
        warehouse=warehouse, open_picklist=open_picklist, shipped_picklist=shipped_picklist, waiting=waiting,
        shipped=shipped, rto=rto, count=CycleCount.objects.get(pk=count.pk), courier=courier, box=box,
        series=InvoiceSeries.objects.get(tenant=tenant), invoice=shipment.invoice, shipment=shipment,
        manifest=manifest, shelf=other_shelf, green=green,
    )  # fmt: skip


@pytest.fixture
def ours(tenant):
    return build_floor(tenant, "PNQ1")


@pytest.fixture
def theirs(other_tenant):
    return build_floor(other_tenant, "DEL9")


@pytest.fixture
def operations(tenant):
    return factories.make_user(tenant, "operations", username="acme-ops")


@pytest.fixture
def finance(tenant):
    return factories.make_user(tenant, "finance", username="acme-finance")


@pytest.mark.parametrize("role", ["operations", "finance"])
def test_staff_open_every_list_and_page(role, tenant, ours):
    client = logged_in(factories.make_user(tenant, role))

    for app, model, row in PAGES:
        listing = client.get(f"/admin/{app}/{model}/")
        page = client.get(f"/admin/{app}/{model}/{getattr(ours, row).pk}/change/")
        assert listing.status_code == 200, (app, model)
        assert page.status_code == 200, (app, model, row)


def test_pickers_get_no_admin(tenant, ours):
    client = logged_in(factories.make_user(tenant, "picker"))

    for app, model, row in PAGES:
        assert client.get(f"/admin/{app}/{model}/").status_code == 302  # to the login page: not staff
        assert client.get(f"/admin/{app}/{model}/{getattr(ours, row).pk}/change/").status_code == 302


def test_a_picklist_page_shows_its_orders_and_lines_read_only(operations, ours):
    page = logged_in(operations).get(f"/admin/picking/picklist/{ours.shipped_picklist.pk}/change/").content.decode()

    assert "PNQ1-1" in page and "PNQ1-A-01" in page
    assert 'name="status"' not in page and 'name="_save"' not in page
    assert "2 / 2" in logged_in(operations).get("/admin/picking/picklist/").content.decode()  # units picked / total


def test_lists_are_searched_by_order_id_awb_and_invoice_number(operations, ours):
    client = logged_in(operations)

    def found(url: str, term: str) -> set[int]:
        return set(client.get(url, {"q": term}).context["cl"].result_list.values_list("pk", flat=True))

    assert found("/admin/picking/picklist/", "PNQ1-2") == {ours.open_picklist.pk}
    assert found("/admin/shipping/shipment/", ours.shipment.awb) == {ours.shipment.pk}
    assert found("/admin/shipping/shipment/", ours.invoice.number) == {ours.shipment.pk}
    assert found("/admin/shipping/invoice/", "PNQ1-1") == {ours.invoice.pk}
    assert found("/admin/shipping/manifest/", ours.shipment.awb) == {ours.manifest.pk}
    assert found("/admin/returns/return/", ours.shipment.awb) == {ours.rto.pk}
    assert found("/admin/counts/cyclecount/", "PNQ1-B-01") == {ours.count.pk}


def test_rows_of_another_tenant_are_not_listed(operations, ours, theirs):
    client = logged_in(operations)

    for app, model, row in PAGES:
        listed = set(client.get(f"/admin/{app}/{model}/").context["cl"].result_list.values_list("pk", flat=True))
        assert getattr(ours, row).pk in listed, (app, model)
        assert getattr(theirs, row).pk not in listed, (app, model)
        assert client.get(f"/admin/{app}/{model}/{getattr(theirs, row).pk}/change/").status_code == 302
    assert "DEL9" not in client.get("/admin/shipping/shipment/").content.decode()  # nor in the sidebar filters


def test_cancelling_a_picklist_in_the_admin_sends_its_orders_back_and_reports_refusals(operations, ours):
    response = logged_in(operations).post(
        "/admin/picking/picklist/",
        {"action": "cancel_selected", "_selected_action": [ours.open_picklist.pk, ours.shipped_picklist.pk]},
        follow=True,
    )  # fmt: skip

    page = response.content.decode()
    assert "1 picklist(s) cancelled." in page
    assert f"{ours.shipped_picklist.number}: Picklist {ours.shipped_picklist.number} is picked; it cannot be cancelled." in page
    assert Picklist.objects.get(pk=ours.open_picklist.pk).status == "cancelled"
    assert Order.objects.get(pk=ours.waiting.pk).status == "allocated"


def test_an_operations_user_approves_a_count_and_its_difference_is_posted(operations, ours):
    response = logged_in(operations).post(
        "/admin/counts/cyclecount/", {"action": "approve_selected", "_selected_action": [ours.count.pk]}, follow=True
    )

    assert "1 count(s) approved." in response.content.decode()
    count = CycleCount.objects.get(pk=ours.count.pk)
    assert (count.status, count.approved_by) == ("completed", operations)
    assert StockLevel.objects.get(sku=ours.green, bin=ours.shelf).on_hand == 4


def test_finance_is_offered_no_action_and_cannot_approve(finance, ours):
    client = logged_in(finance)

    assert 'value="approve_selected"' not in client.get("/admin/counts/cyclecount/").content.decode()
    client.post("/admin/counts/cyclecount/", {"action": "approve_selected", "_selected_action": [ours.count.pk]})
    assert CycleCount.objects.get(pk=ours.count.pk).status == "awaiting_approval"
    assert client.get("/admin/shipping/courier/add/").status_code == 403


def test_sending_the_confirmation_again_queues_the_task_on_commit(operations, ours, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = logged_in(operations).post(
            "/admin/shipping/shipment/", {"action": "confirm_again", "_selected_action": [ours.shipment.pk]},
            follow=True,
        )  # fmt: skip

    assert f"Confirmation of AWB {ours.shipment.awb} queued for Shopify." in response.content.decode()
    [queued] = callbacks
    assert isinstance(queued, partial)
    assert (queued.func, queued.args) == (confirm_shipment.delay, (ours.shipped.pk,))


def test_couriers_are_added_checked_and_deleted_only_when_unused(operations, tenant, ours):
    client = logged_in(operations)
    courier = {"name": "Blue Dart", "code": "BD", "channel_carrier_code": "", "awb_source": "series",
               "awb_prefix": "", "awb_next": "", "awb_last": "", "awb_digits": "0", "is_active": "on"}  # fmt: skip

    taken = client.post("/admin/shipping/courier/add/", {**courier, "code": "DLV"}).content.decode()
    no_range = client.post("/admin/shipping/courier/add/", courier).content.decode()
    added = client.post("/admin/shipping/courier/add/", {**courier, "awb_source": "manual"})
    assert "Code &#x27;DLV&#x27; is taken already." in taken
    assert "A series needs its first (next) and last number." in no_range
    assert "is violated" not in no_range  # the database constraint's own words stay behind the serializer's
    assert added.status_code == 302
    blue_dart = Courier.objects.get(code="BD")
    assert blue_dart.tenant == tenant

    used = client.post(f"/admin/shipping/courier/{ours.courier.pk}/delete/", {"post": "yes"}).content.decode()
    assert "would require deleting the following protected related objects" in used
    assert Courier.objects.filter(pk=ours.courier.pk).exists()
    assert client.post(f"/admin/shipping/courier/{blue_dart.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Courier.objects.filter(pk=blue_dart.pk).exists()
    used_box = client.post(
        "/admin/shipping/boxsize/", {"action": "delete_selected", "_selected_action": [ours.box.pk], "post": "yes"}
    ).content.decode()  # fmt: skip
    assert "would require deleting the following protected related objects" in used_box
    assert BoxSize.objects.filter(pk=ours.box.pk).exists()


def test_a_series_that_issued_invoices_keeps_its_prefix_and_documents_are_read_only(operations, ours):
    client = logged_in(operations)

    series_page = client.get(f"/admin/shipping/invoiceseries/{ours.series.pk}/change/").content.decode()
    assert 'name="prefix"' not in series_page and 'name="warehouse"' in series_page
    assert client.get("/admin/shipping/invoice/add/").status_code == 403
    assert client.get("/admin/shipping/shipment/add/").status_code == 403
    assert 'name="awb"' not in client.get(f"/admin/shipping/shipment/{ours.shipment.pk}/change/").content.decode()
    assert client.post(f"/admin/shipping/manifest/{ours.manifest.pk}/delete/", {"post": "yes"}).status_code == 403
