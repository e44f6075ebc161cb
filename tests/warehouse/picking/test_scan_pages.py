"""The pick scanner pages, driven as the kit's script drives them (JSON with an idempotency key) and
without it: get work, walk the bins, refusals on the spot, keyed quantities, short pick, finish."""


import pytest

from hub.orders.models import Order
from tests import factories
from tests.warehouse.scanning import logged_in, send
from warehouse import stock
from warehouse.models import StockLevel
from warehouse.picking import services
from warehouse.picking.models import Picklist, PicklistOrder
from warehouse.scanner import menu
from warehouse.selectors import stock_drift

HOME = "/scan/pick/"


def level(sku, code: str) -> tuple[int, int]:
    row = StockLevel.objects.filter(sku=sku, bin__code=code).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


@pytest.fixture
def handheld(picker):
    return logged_in(picker)


@pytest.fixture
def built(warehouse, floor, place):
    """Two orders on one batch picklist: BLUE from A-01-02 (1 for O-1, 2 for O-2), then RED from A-01-10
    (2 for O-1)."""
    place("O-1", ("RED", 2), ("BLUE", 1))
    place("O-2", ("BLUE", 2))
    [picklist] = services.build_picklists(warehouse, mode="batch", max_orders=10).picklists
    return picklist


@pytest.fixture
def pick_url(handheld, built):
    answer = send(handheld, HOME, do="work").json()
    assert answer["redirect"] == f"/scan/pick/{built.pk}/", answer
    return answer["redirect"]


# Getting work --------------------------------------------------------------------------------------------


def test_the_menu_offers_pick_then_pack_after_receiving(picker):
    keys = [flow.key for flow in menu.flows_for(picker)]
    assert keys.index("putaway") < keys.index("pick") < keys.index("pack")
    page = logged_in(picker).get("/scan/").content.decode()
    assert 'href="/scan/pick/"' in page and 'href="/scan/pack/"' in page


def test_no_work_is_a_clear_screen_with_a_try_again_button(handheld, warehouse, floor):
    page = handheld.get(HOME).content.decode()
    assert "Get work" in page and 'id="sk-scan" class="sk-scan" hidden' in page

    answer = send(handheld, HOME, do="work")

    body = answer.json()
    assert (answer.status_code, body["ok"], body["message"]) == (200, True, "No picklists waiting in PNQ1.")
    assert "No picklists waiting" in body["html"] and "Try again" in body["html"]
    assert "idle" not in body


def test_get_work_hands_out_the_oldest_picklist_and_opens_the_pick_screen(handheld, built, picker):
    answer = send(handheld, HOME, do="work").json()

    assert answer["ok"] and answer["redirect"] == f"/scan/pick/{built.pk}/"
    assert answer["message"] == f"{built.number}: 2 order(s), 5 unit(s) in 2 bin(s). Go to bin A-01-02 and scan it."
    assert Picklist.objects.get(pk=built.pk).picker == picker
    page = handheld.get(answer["redirect"]).content.decode()  # the message travels to the next page
    assert answer["message"] in page
    assert 'data-bin="A-01-02"' in page and "Go to bin and scan it" in page
    assert "Units 0/5 · Bins 0/2 done" in page
    again = handheld.get(HOME).content.decode()
    assert f'href="/scan/pick/{built.pk}/"' in again and "Start" in again  # in hand, listed on the home screen


def test_with_several_warehouses_the_picker_chooses_one(handheld, tenant, built, warehouse):
    factories.make_warehouse(tenant, "BLR1")

    page = handheld.get(HOME).content.decode()
    unnamed = send(handheld, HOME, do="work")
    named = send(handheld, HOME, warehouse=str(warehouse.pk))

    assert "Get work in BLR1" in page and "Get work in PNQ1" in page
    assert (unnamed.status_code, unnamed.json()["message"]) == (400, "Choose the warehouse you pick in.")
    assert named.json()["redirect"] == f"/scan/pick/{built.pk}/"


def test_pages_are_for_warehouse_roles_and_tenants(tenant, other_tenant, built, client):
    finance = logged_in(factories.make_user(tenant, "finance", username="fin"))
    stranger = logged_in(factories.make_user(other_tenant, "picker", username="rival.picker"))

    assert finance.get(HOME).status_code == 403
    assert client.get(HOME)["Location"].startswith("/login/")
    assert stranger.get(f"/scan/pick/{built.pk}/").status_code == 404


# Walking the bins --------------------------------------------------------------------------------------------


def test_a_bin_then_units_each_answer_with_the_next_screen(handheld, pick_url, floor):
    at_bin = send(handheld, pick_url, code="A-01-02").json()

    assert (at_bin["ok"], at_bin["message"]) == (True, "Bin A-01-02: pick 3 x BLUE.")
    assert at_bin["prompt"] == "Scan each unit" and at_bin["next"]["action"] == "scan_item"
    assert "At bin" in at_bin["html"] and 'data-sku="BLUE"' in at_bin["html"]
    assert 'name="quantity"' in at_bin["html"]  # BLUE may be keyed

    unit = send(handheld, pick_url, code=floor.barcode["BLUE"]).json()
    assert unit["message"] == "Picked 1 x BLUE. 2 more here."
    assert unit["progress"]["picked"] == 1 and "Units 1/5 · Bins 0/2 done" in unit["html"]
    keyed = send(handheld, pick_url, code=floor.barcode["BLUE"], quantity="2").json()
    assert keyed["message"] == "Picked 2 x BLUE. Bin A-01-02 done."
    assert keyed["prompt"] == "Scan bin A-01-10" and 'data-bin="A-01-10"' in keyed["html"]

    send(handheld, pick_url, code="A-01-10")
    red = send(handheld, pick_url, code=floor.barcode["RED"]).json()
    assert 'name="quantity"' not in red["html"]  # RED is scanned unit by unit: no quantity field
    assert level(floor.skus["BLUE"], "PACKING") == (3, 3)


def test_a_wrong_bin_a_wrong_item_and_too_many_are_refused_on_the_spot(handheld, pick_url, floor):
    wrong_bin = send(handheld, pick_url, code="A-01-10")
    send(handheld, pick_url, code="A-01-02")
    wrong_item = send(handheld, pick_url, code=floor.barcode["GREEN"])
    too_many = send(handheld, pick_url, code=floor.barcode["BLUE"], quantity="4")
    not_keyable = send(handheld, pick_url, code=floor.barcode["RED"], quantity="2")
    unknown = send(handheld, pick_url, code="???")

    assert wrong_bin.status_code == 400
    assert wrong_bin.json()["ok"] is False
    assert wrong_bin.json()["message"] == "Wrong bin: A-01-10 is not next on the path. Go to bin A-01-02 first."
    assert wrong_bin.json()["prompt"] == "Scan bin A-01-02"  # the same screen, still waiting for the right bin
    assert wrong_item.json()["message"] == (
        "Wrong item: GREEN (Green T-shirt) is not on this picklist. In bin A-01-02 pick 3 x BLUE."
    )
    assert too_many.json()["message"] == "Too many: only 3 more x BLUE to pick from bin A-01-02; you scanned 4."
    assert not_keyable.json()["message"].startswith("RED is scanned unit by unit")
    assert unknown.json()["message"] == "Unknown barcode '???': no bin or unit carries it. Scan the label again."
    assert {r.status_code for r in (wrong_item, too_many, not_keyable, unknown)} == {400}
    assert level(floor.skus["BLUE"], "PACKING") == (0, 0)


def test_a_scan_sent_twice_with_the_same_key_counts_once(handheld, pick_url, floor):
    send(handheld, pick_url, code="A-01-02")

    first = send(handheld, pick_url, key="unit-1", code=floor.barcode["BLUE"])
    again = send(handheld, pick_url, key="unit-1", code=floor.barcode["BLUE"])

    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert first.json()["message"] == again.json()["message"] == "Picked 1 x BLUE. 2 more here."
    assert level(floor.skus["BLUE"], "PACKING") == (1, 1)
    assert level(floor.skus["BLUE"], "A-01-02") == (9, 2)


def test_a_picklist_in_another_pickers_hands_refuses_the_scan(built, pick_url, other_picker):
    other = logged_in(other_picker)
    response = send(other, pick_url, code="A-01-02")
    assert (response.status_code, response.json()["message"]) == (409, f"Picklist {built.number} is being picked by pia.")


def test_without_javascript_a_scan_posts_the_form_and_gets_the_whole_page(handheld, pick_url):
    response = handheld.post(pick_url, {"code": "A-01-02", "key": "form-1"})
    page = response.content.decode()
    assert response.status_code == 200 and "Bin A-01-02: pick 3 x BLUE." in page and "scanner/scanner.js" in page


# Short pick and finish ---------------------------------------------------------------------------------------


def test_short_pick_asks_how_many_and_why_then_the_last_order_leaves(handheld, pick_url, built, floor):
    stock.adjust(floor.skus["BLUE"], floor.bins["A-01-02"], -7, reason="damaged", key="dmg")  # 3 left, all reserved
    send(handheld, pick_url, code="A-01-02")

    asked = send(handheld, pick_url, do="short").json()
    assert asked["message"] == "Short pick in bin A-01-02: how many are missing?"
    assert (asked["title"], asked["scan"]) == ("Short pick", False)
    assert 'name="missing" value="3"' in asked["html"] and 'value="Not in the bin" checked' in asked["html"]

    too_many = send(handheld, pick_url, do="short_confirm", sku=str(floor.skus["BLUE"].pk), missing="4",
                    reason="Fewer than expected")  # fmt: skip
    assert too_many.status_code == 400
    assert too_many.json()["message"] == "At most 3 x BLUE can be missing at A-01-02, not 4."
    assert too_many.json()["title"] == "Short pick"  # still on the short screen, with what was keyed
    assert 'name="missing" value="4"' in too_many.json()["html"]
    assert 'value="Fewer than expected" checked' in too_many.json()["html"]

    done = send(handheld, pick_url, key="short-1", do="short_confirm", sku=str(floor.skus["BLUE"].pk), missing="1",
                reason="Fewer than expected")  # fmt: skip
    again = send(handheld, pick_url, key="short-1", do="short_confirm", sku=str(floor.skus["BLUE"].pk), missing="1",
                 reason="Fewer than expected")  # fmt: skip

    body = done.json()
    assert body["ok"] and body["message"].startswith("Short 1 x BLUE in bin A-01-02, recorded. Order O-2 left the picklist")
    assert [left["order"] for left in body["left_orders"]] == ["O-2"]  # the last order on the walk gives way
    assert again.json()["replayed"] is True
    assert (body["title"], body["scan"]) == (built.number, True)  # back on the pick screen
    assert body["progress"]["short"] == 1 and body["next"]["message"] == "Pick 1 x BLUE (Blue T-shirt) from A-01-02."
    assert Order.objects.get(channel_order_id="O-2").events.filter(kind="short_pick").count() == 1
    assert level(floor.skus["BLUE"], "A-01-02") == (2, 1)  # 1 missing went off; O-2's 2 released, O-1's 1 held
    assert stock_drift() == []


def test_finishing_goes_back_to_the_menu_saying_where_the_tote_goes(handheld, pick_url, built, floor):
    for code in ("A-01-02", floor.barcode["BLUE"]):
        send(handheld, pick_url, code=code)
    early = send(handheld, pick_url, do="finish")
    assert (early.status_code, early.json()["message"]) == (
        409, "4 unit(s) are still to pick (or report short). Pick 2 x BLUE (Blue T-shirt) from A-01-02.",
    )  # fmt: skip

    send(handheld, pick_url, code=floor.barcode["BLUE"], quantity="2")
    send(handheld, pick_url, code="A-01-10")
    send(handheld, pick_url, code=floor.barcode["RED"])
    last = send(handheld, pick_url, code=floor.barcode["RED"]).json()
    assert last["scan"] is False and 'value="finish"' in last["html"] and "Everything is picked" in last["html"]

    done = send(handheld, pick_url, key="fin-1", do="finish").json()
    message = f"Picklist {built.number} picked: take the tote to packing (PACKING). 2 order(s) ready to pack."
    assert (done["ok"], done["message"], done["redirect"]) == (True, message, "/scan/")
    assert message in handheld.get("/scan/").content.decode()
    assert send(handheld, pick_url, key="fin-1", do="finish").json()["replayed"] is True
    assert Picklist.objects.get(pk=built.pk).status == "picked"
    assert set(PicklistOrder.objects.filter(picklist=built).values_list("status", flat=True)) == {"picked"}
    assert "is picked" in handheld.get(pick_url).content.decode()


def test_a_supervisor_builds_picklists_from_the_pick_screen_and_a_picker_cannot(tenant, warehouse, floor, place, handheld):
    place("O-1", ("RED", 1))
    place("O-2", ("BLUE", 1))
    supervisor = logged_in(factories.make_user(tenant, "operations", username="sup"))

    page = supervisor.get(HOME).content.decode()
    assert "PNQ1</strong>: 2 allocated orders waiting" in page
    assert "Build picklists" not in handheld.get(HOME).content.decode()

    refused = send(handheld, HOME, do=f"build:batch:{warehouse.pk}")
    built = send(supervisor, HOME, do=f"build:batch:{warehouse.pk}")

    assert (refused.status_code, refused.json()["message"]) == (400, "Only a supervisor (operations or admin) builds picklists.")
    assert built.status_code == 200 and built.json()["message"].startswith("PNQ1: 1 picklist(s) with 2 order(s)")
    assert Picklist.objects.get().kind == "batch"
    assert "0 allocated orders waiting" in supervisor.get(HOME).content.decode()
