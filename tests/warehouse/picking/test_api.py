"""The picklist endpoints: supervisors build and cancel, pickers get work and scan; each scan answer says
what to do next, and a scan sent twice counts once."""

import pytest
from django.core.management import call_command

from hub.orders.models import Order
from tests import factories
from tests.conftest import api_client_for
from warehouse import stock
from warehouse.models import StockLevel
from warehouse.picking.models import Picklist
from warehouse.selectors import stock_drift


@pytest.fixture
def picker_api(picker):
    return api_client_for(picker)


def post(client, path: str, body=None, *, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/picklists/{path}", body or {}, format="json", headers=headers)


@pytest.fixture
def built(api, warehouse, floor, place):
    """Two orders, one batch picklist: BLUE from A-01-02 (1 + 2), then RED from A-01-10 (2)."""
    place("O-1", ("RED", 2), ("BLUE", 1))
    place("O-2", ("BLUE", 2))
    response = post(api, "build/", {"warehouse": warehouse.pk, "mode": "batch"})
    assert response.status_code == 201, response.json()
    return Picklist.objects.get(pk=response.json()["picklists"][0]["id"])


def test_supervisors_build_and_the_answer_lists_the_picklists(api, warehouse, floor, place):
    place("O-1", ("RED", 2), ("BLUE", 1))
    place("O-2", ("GREEN", 1))

    response = post(api, "build/", {"warehouse": warehouse.pk, "mode": "single"})

    assert response.status_code == 201
    body = response.json()
    assert (body["message"], body["orders"], body["skipped"]) == ("2 picklist(s) with 2 order(s).", 2, {"counting": 0, "split": 0})
    first = body["picklists"][0]
    assert {k: first[k] for k in ("kind", "status", "warehouse_code", "order_count", "units", "units_picked", "packing_bin_code")} == {
        "kind": "single", "status": "open", "warehouse_code": "PNQ1", "order_count": 1, "units": 3, "units_picked": 0,
        "packing_bin_code": "PACKING",
    }  # fmt: skip
    again = post(api, "build/", {"warehouse": warehouse.pk})
    assert (again.status_code, again.json()["picklists"]) == (200, [])


def test_pickers_may_not_build_or_cancel(picker_api, built, warehouse):
    for response in (post(picker_api, "build/", {"warehouse": warehouse.pk}), post(picker_api, f"{built.pk}/cancel/")):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_picker_gets_work_sees_only_their_own_and_the_next_picker_gets_204(picker_api, other_picker, built, warehouse, api):
    assert post(picker_api, "next/").json()["id"] == built.pk  # one warehouse: no need to name it
    response = post(picker_api, "next/", {"warehouse": warehouse.pk})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["picker_username"], body["next"]["message"]) == ("assigned", "pia", "Go to bin A-01-02 and scan it.")
    assert [(line["bin_code"], line["sku_code"], line["channel_order_id"]) for line in body["lines"]] == [
        ("A-01-02", "BLUE", "O-1"), ("A-01-02", "BLUE", "O-2"), ("A-01-10", "RED", "O-1"),
    ]
    assert body["progress"] | {"bins": None} == {
        "units": 5, "picked": 0, "short": 0, "dropped": 0, "left": 5, "bins": None, "bins_left": 2, "lines": 3,
        "lines_left": 3,
    }  # fmt: skip
    assert post(api_client_for(other_picker), "next/", {"warehouse": warehouse.pk}).status_code == 204
    assert api_client_for(other_picker).get("/api/v1/picklists/").json()["count"] == 0
    assert [p["number"] for p in picker_api.get("/api/v1/picklists/").json()["results"]] == [built.number]
    assert api.get("/api/v1/picklists/?status=assigned").json()["count"] == 1


def test_next_needs_a_warehouse_when_the_tenant_has_several(picker_api, tenant, built):
    factories.make_warehouse(tenant, "BLR1")
    response = post(picker_api, "next/")
    assert (response.status_code, response.json()["error"]["fields"]) == (400, {"warehouse": ["Say which warehouse you pick in."]})


def test_each_scan_answers_what_to_do_next_and_a_walk_ends_ready_for_packing(picker_api, built, floor):
    post(picker_api, "next/")
    bin_scan = post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-02"}, key="s1")
    assert bin_scan.status_code == 200
    assert bin_scan.json()["message"] == "Bin A-01-02: pick 3 x BLUE."
    assert bin_scan.json()["next"]["quantity_left"] == 3

    keyed = post(picker_api, f"{built.pk}/scan-item/", {"barcode": floor.barcode["BLUE"], "quantity": 3}, key="s2").json()
    assert (keyed["message"], keyed["next"]["message"]) == ("Picked 3 x BLUE. Bin A-01-02 done.", "Go to bin A-01-10 and scan it.")
    assert keyed["progress"]["picked"] == 3
    post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-10", "key": "s3"})  # the key may come in the body
    post(picker_api, f"{built.pk}/scan-item/", {"barcode": floor.barcode["RED"]}, key="s4")
    last = post(picker_api, f"{built.pk}/scan-item/", {"barcode": floor.barcode["RED"]}, key="s5").json()
    assert last["next"]["action"] == "finish"

    done = post(picker_api, f"{built.pk}/finish/", key="s6")

    assert done.json()["message"] == f"Picklist {built.number} picked: 2 order(s) ready for packing."
    assert done.json()["picklist"]["status"] == "picked"
    assert stock_drift() == []


def test_one_scan_input_serves_bins_and_units(picker_api, built, floor):
    post(picker_api, "next/")
    answers = [
        post(picker_api, f"{built.pk}/scan/", body, key=f"k{n}").json()
        for n, body in enumerate([
            {"barcode": "A-01-02"}, {"barcode": floor.barcode["BLUE"], "quantity": 3},
            {"barcode": "A-01-10"}, {"barcode": floor.barcode["RED"]}, {"barcode": floor.barcode["RED"]},
        ])
    ]  # fmt: skip

    assert [answer["next"]["action"] for answer in answers] == ["scan_item", "scan_bin", "scan_item", "scan_item", "finish"]
    unknown = post(picker_api, f"{built.pk}/scan/", {"barcode": "???"}, key="k9").json()["error"]
    assert unknown["message"] == "Unknown barcode '???': no bin or unit carries it. Scan the label again."


def test_a_scan_sent_twice_counts_once(picker_api, built, floor):
    post(picker_api, "next/")
    post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-02"}, key="bin-1")

    first = post(picker_api, f"{built.pk}/scan-item/", {"barcode": floor.barcode["BLUE"]}, key="unit-1")
    again = post(picker_api, f"{built.pk}/scan-item/", {"barcode": floor.barcode["BLUE"]}, key="unit-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert {**again.json(), "replayed": False} == first.json()
    packing = StockLevel.objects.get(sku=floor.skus["BLUE"], bin__code="PACKING")
    assert (packing.on_hand, packing.reserved) == (1, 1)
    post(picker_api, f"{built.pk}/scan-item/", {"barcode": floor.barcode["BLUE"]}, key="unit-2")
    assert StockLevel.objects.get(pk=packing.pk).on_hand == 2
    reused = post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-02"}, key="unit-1")
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "idempotency_key_reused")


def test_a_refused_scan_is_the_one_error_format_and_says_where_to_go(picker_api, built, floor):
    post(picker_api, "next/")

    wrong = post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-10"}, key="k1")
    no_key = post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-02"})

    message = "Wrong bin: A-01-10 is not next on the path. Go to bin A-01-02 first."
    assert wrong.status_code == 400
    assert wrong.json() == {"error": {"code": "wrong_bin", "message": message, "fields": {"barcode": [message]}}}
    assert (no_key.status_code, no_key.json()["error"]["code"]) == (400, "idempotency_key_required")
    assert post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-02"}, key="k1").status_code == 200  # refusals store nothing


def test_a_short_pick_at_the_current_bin_reallocates_and_says_what_to_put_back(picker_api, built, floor):
    stock.adjust(floor.skus["BLUE"], floor.bins["A-01-02"], -7, reason="damaged", key="dmg")  # 3 left, all reserved
    post(picker_api, "next/")
    post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-02"}, key="k1")
    post(picker_api, f"{built.pk}/scan-item/", {"barcode": floor.barcode["BLUE"]}, key="k2")  # O-1's BLUE

    response = post(picker_api, f"{built.pk}/short-pick/", {"reason": "only 1 there"}, key="k3")  # O-2's line: next

    body = response.json()
    assert response.status_code == 200, body
    assert body["left_order"] == {"order": "O-2", "status": "unfulfillable", "put_back": []}
    assert body["next"]["message"] == "Go to bin A-01-10 and scan it."
    assert body["progress"] | {"bins": None} == {
        "units": 5, "picked": 1, "short": 2, "dropped": 0, "left": 2, "bins": None, "bins_left": 1, "lines": 3,
        "lines_left": 1,
    }  # fmt: skip
    assert Order.objects.get(channel_order_id="O-2").status == "unfulfillable"  # no BLUE is left anywhere
    assert post(picker_api, f"{built.pk}/short-pick/", {"reason": "only 1 there"}, key="k3").json()["replayed"] is True
    assert stock_drift() == []


def test_supervisor_cancels_and_the_orders_go_back_to_allocated(api, picker_api, built):
    post(picker_api, "next/")

    response = post(api, f"{built.pk}/cancel/", {"reason": "re-plan"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["next"]["action"]) == ("cancelled", "done")
    assert set(Order.objects.values_list("status", flat=True)) == {"allocated"}
    refused = post(picker_api, f"{built.pk}/scan-bin/", {"barcode": "A-01-02"}, key="late")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "picklist_closed")
    call_command("audit_stock")


def test_another_tenants_picklist_reads_as_missing(built, other_tenant):
    stranger = api_client_for(factories.make_user(other_tenant, "operations"))
    assert stranger.get(f"/api/v1/picklists/{built.pk}/").status_code == 404
    assert post(stranger, f"{built.pk}/cancel/").status_code == 404


def test_a_build_request_names_known_channels(api, warehouse):
    response = post(api, "build/", {"warehouse": warehouse.pk, "channels": ["ebay"]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["channels"][0].startswith("Unknown channel 'ebay'; one of amazon")


def test_the_schema_lists_the_picklist_endpoints(client, db):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for name in ("build/", "next/", "{id}/", "{id}/scan/", "{id}/scan-bin/", "{id}/scan-item/", "{id}/short-pick/",
                 "{id}/finish/", "{id}/cancel/"):  # fmt: skip
        assert f"/api/v1/picklists/{name}" in paths
