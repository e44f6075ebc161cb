"""The returns desk's scanner pages, driven as the kit's script drives them (JSON scans with idempotency keys)."""


import pytest

from hub.channels.models import ChannelReturn
from tests import factories
from tests.warehouse.scanning import logged_in as client_for
from tests.warehouse.scanning import send
from warehouse.models import Bin, ScanRequest, StockLevel
from warehouse.returns.models import Return, ReturnLine
from warehouse.scanner import menu


def on_hand(sku, bin_) -> int:
    level = StockLevel.objects.filter(sku=sku, bin=bin_).first()
    return level.on_hand if level else 0


@pytest.fixture
def picker_user(tenant):
    return factories.make_user(tenant, "picker", username="acme.picker")


@pytest.fixture
def picker(picker_user):
    return client_for(picker_user)


@pytest.fixture
def rto_url(picker, shipped):
    send(picker, "/scan/returns/rto/", code="O-1")
    return f"/scan/returns/{Return.objects.get().pk}/"


def test_the_menu_offers_returns_and_the_first_screen_is_two_big_choices(picker, picker_user, tenant):
    returns = next(flow for flow in menu.flows_for(picker_user) if flow.key == "returns")
    assert (returns.label, returns.order, returns.url) == ("Returns", 60, "/scan/returns/")
    assert "returns" not in [flow.key for flow in menu.flows_for(factories.make_user(tenant, "finance"))]

    page = picker.get("/scan/returns/").content.decode()
    assert 'href="/scan/returns/rto/"' in page and 'href="/scan/returns/customer/"' in page
    assert 'id="sk-scan" class="sk-scan" hidden' in page  # a choice, not a scan


def test_scanning_the_order_id_opens_the_rto_once_and_an_unknown_code_is_refused(picker, shipped):
    first = send(picker, "/scan/returns/rto/", key="o-1", code="O-1")
    again = send(picker, "/scan/returns/rto/", key="o-1", code="O-1")
    unknown = send(picker, "/scan/returns/rto/", code="O-404")

    ret = Return.objects.get()
    assert (ret.kind, ret.reference, ret.order.channel_order_id) == ("rto", "O-1", "O-1")
    assert first.json()["message"] == f"RTO #{ret.pk} opened: order O-1, 2 unit(s) may come back. Scan each unit."
    assert first.json()["redirect"] == again.json()["redirect"] == f"/scan/returns/{ret.pk}/"
    assert again.json()["replayed"] is True
    assert (unknown.status_code, unknown.json()["message"]) == (400, "No order or AWB O-404.")
    assert unknown.json()["prompt"] == "Scan the AWB on the parcel, or the order id"


def test_a_delivered_order_is_refused_as_an_rto_and_taken_as_a_customer_return(picker, delivered):
    rto = send(picker, "/scan/returns/rto/", code="O-2")
    customer = send(picker, "/scan/returns/customer/", code="O-2")

    assert rto.status_code == 409
    assert rto.json()["message"] == ("Order O-2 is delivered: it was delivered, so it comes back as a customer return, "
                                     "not an RTO.")  # fmt: skip
    assert customer.json()["ok"] is True and Return.objects.get().kind == "customer"


def test_the_return_screen_shows_what_can_come_back_and_the_damaged_toggle(picker, rto_url):
    page = picker.get(rto_url).content.decode()

    assert "O-1" in page and 'data-sku="TSHIRT-RED-M"' in page and "of 2 shipped" in page
    assert 'name="damaged" id="sk-damaged"' in page
    assert 'name="quantity"' not in page  # no SKU of the order is keyed by quantity
    assert "Wrong parcel: cancel this return" in page


def test_a_unit_scanned_is_graded_good_once_and_a_damaged_one_goes_to_the_damaged_bin(picker, rto_url, sku):
    first = send(picker, rto_url, key="u-1", code=sku.code)
    again = send(picker, rto_url, key="u-1", code=sku.code)
    damaged = send(picker, rto_url, key="u-2", code=sku.code, damaged="on")

    assert first.status_code == again.status_code == damaged.status_code == 200
    assert first.json()["message"] == again.json()["message"] == "1 x TSHIRT-RED-M graded good: into bin RETURNS."
    assert again.json()["replayed"] is True
    assert damaged.json()["message"] == "1 x TSHIRT-RED-M graded damaged: into bin DAMAGED."
    assert list(ReturnLine.objects.order_by("pk").values_list("grade", "quantity")) == [("good", 1), ("damaged", 1)]
    assert ScanRequest.objects.get(key="u-1").action == "return.scan"
    html = damaged.json()["html"]
    assert 'data-total="good">1<' in html and 'data-total="damaged">1<' in html
    assert 'id="sk-damaged">' in html  # the toggle is off again for the next unit
    assert on_hand(sku, Bin.objects.get(code="RETURNS")) == on_hand(sku, Bin.objects.get(code="DAMAGED")) == 1


def test_a_unit_not_on_the_order_or_one_too_many_is_refused(picker, rto_url, sku, other_sku):
    not_on = send(picker, rto_url, code=other_sku.code)
    send(picker, rto_url, code=sku.code)
    send(picker, rto_url, code=sku.code)
    too_many = send(picker, rto_url, code=sku.code)
    keyed = send(picker, rto_url, code=sku.code, quantity="2")

    assert (not_on.status_code, not_on.json()["message"]) == (
        400, "MUG-WHITE is not on order O-1; keep it apart for a supervisor.")  # fmt: skip
    assert too_many.status_code == 409
    assert too_many.json()["message"] == ("Order O-1 shipped 2 x TSHIRT-RED-M and 2 came back already: no more can "
                                          "come back.")  # fmt: skip
    assert keyed.json()["ok"] is False
    assert ReturnLine.objects.count() == 2


def test_complete_asks_first_then_the_good_units_are_put_away_bin_then_units(picker, rto_url, sku, bin_b, warehouse):
    send(picker, rto_url, code=sku.code)
    send(picker, rto_url, code=sku.code, damaged="on")

    asked = send(picker, rto_url, do="finish")
    assert asked.json()["message"] == "Complete the return? 1 good, 1 damaged."
    assert asked.json()["scan"] is False and "Yes, complete the return" in asked.json()["html"]
    assert Return.objects.get().status == "open"

    done = send(picker, rto_url, key="c-1", do="complete")
    assert done.json()["message"].startswith("RTO #") and done.json()["message"].endswith(
        "complete: 1 good, 1 damaged. Now put the good units away: scan the storage bin.")  # fmt: skip
    assert done.json()["prompt"] == "Scan the storage bin"
    assert 'data-list="waiting"' in done.json()["html"]
    assert Return.objects.get().order.status == "returned"

    early = send(picker, rto_url, code=sku.code)
    assert early.json()["message"] == "TSHIRT-RED-M is an item: scan the storage bin first, then each unit you put in it."
    damaged_bin = send(picker, rto_url, code="DAMAGED")
    assert damaged_bin.json()["message"] == "Bin DAMAGED is a damaged bin; put good units in a storage bin."

    chosen = send(picker, rto_url, code="A-01-02")
    assert chosen.json()["message"] == "Bin A-01-02: scan each unit you put in it."
    assert chosen.json()["prompt"] == "Scan each unit you put in A-01-02, or another bin"
    assert f'name="to_bin" value="{bin_b.pk}"' in chosen.json()["html"]

    moved = send(picker, rto_url, key="p-1", code=sku.code, to_bin=str(bin_b.pk))
    replay = send(picker, rto_url, key="p-1", code=sku.code, to_bin=str(bin_b.pk))
    assert moved.json()["message"] == replay.json()["message"] == (
        "1 x TSHIRT-RED-M put away in bin A-01-02. Every good unit is put away.")  # fmt: skip
    assert moved.json()["scan"] is False and "Next RTO" in moved.json()["html"]
    assert on_hand(sku, bin_b) == 1 and on_hand(sku, Bin.objects.get(code="RETURNS")) == 0


def test_completing_an_empty_return_is_refused_and_a_wrong_parcel_is_cancelled(picker, rto_url):
    empty = send(picker, rto_url, do="finish")
    cancelled = send(picker, rto_url, do="cancel")

    assert (empty.status_code, empty.json()["message"]) == (400, "Nothing was scanned on this return: scan its units first.")
    assert cancelled.json()["redirect"] == "/scan/returns/rto/"
    assert Return.objects.get().status == "cancelled"


def test_a_keyed_quantity_is_offered_for_a_sku_that_allows_it(picker, account, tenant, bin_a):
    from hub.orders.services import import_order
    from tests.factories import order_dto
    from tests.warehouse.returns.conftest import ship
    from warehouse import stock

    socks = factories.make_sku(tenant, "SOCKS-PACK", key_quantity=True)
    factories.make_listing(account, socks, "S")
    stock.receive(socks, bin_a, 20, key="socks")
    ship(import_order(account, order_dto("O-9", ("S", 12, "99"))))
    send(picker, "/scan/returns/customer/", code="O-9")
    url = f"/scan/returns/{Return.objects.get().pk}/"

    assert 'name="quantity"' in picker.get(url).content.decode()
    answer = send(picker, url, code="SOCKS-PACK", quantity="10").json()
    assert answer["message"] == "10 x SOCKS-PACK graded good: into bin RETURNS."


def test_finance_may_not_use_the_returns_desk(tenant, rto_url):
    finance = client_for(factories.make_user(tenant, "finance"))

    assert finance.get("/scan/returns/").status_code == 403
    assert finance.get("/scan/returns/rto/").status_code == 403
    assert finance.get(rto_url).status_code == 403


def test_the_desk_says_what_the_channel_announced(picker, shipped, account, sku):
    ChannelReturn.objects.create(tenant=account.tenant, account=account, channel_return_id="R-1", channel_order_id="O-1",
                                 order=shipped, kind="rto", lines=[{"channel_sku": "T", "sku_id": sku.pk, "quantity": 2}],
                                 reason="Customer refused")  # fmt: skip

    answer = send(picker, "/scan/returns/rto/", code="O-1").json()

    ret = Return.objects.get()
    assert answer["message"] == (f"RTO #{ret.pk} opened: order O-1, 2 unit(s) may come back; expected by the channel: "
                                 "2 unit(s) (Customer refused). Scan each unit.")  # fmt: skip
