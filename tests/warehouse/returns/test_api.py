"""The returns endpoints, as a scanner page uses them."""

import pytest

from hub.orders.models import Order
from tests import factories
from tests.conftest import api_client_for
from warehouse.models import StockLevel
from warehouse.returns.models import Return, ReturnLine


@pytest.fixture
def picker(tenant):
    return api_client_for(factories.make_user(tenant, "picker"))


def open_return(client, **body):
    return client.post("/api/v1/returns/", body, format="json")


def scan(client, ret_id, key, **body):
    return client.post(f"/api/v1/returns/{ret_id}/scan/", {"key": key, **body}, format="json")


def test_a_picker_receives_an_rto_from_the_scanned_order_id_to_completion(picker, shipped, sku):
    opened = open_return(picker, kind="rto", code="O-1")
    assert opened.status_code == 201, opened.json()
    body = opened.json()
    assert (body["order"]["channel_order_id"], body["left"], body["next"], body["reference"]) == ("O-1", 2, "scan_unit", "O-1")

    first = scan(picker, body["id"], "k-1", barcode=sku.code, grade="good")
    assert first.status_code == 200, first.json()
    answer = first.json()
    assert answer["message"] == "1 x TSHIRT-RED-M graded good: into bin RETURNS."
    assert (answer["bin"]["kind"], answer["left"], answer["next"]) == ("returns", 1, "scan_unit")
    assert answer["lines"][0]["grade"] == "good"

    last = scan(picker, body["id"], "k-2", barcode=sku.code, grade="damaged").json()
    assert (last["left"], last["next"], last["bin"]["code"]) == (0, "complete", "DAMAGED")

    done = picker.post(f"/api/v1/returns/{body['id']}/complete/", {}, format="json")
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["next"], done.json()["order"]["status"]) == ("completed", "put_away", "returned")


def test_a_scan_sent_twice_with_the_same_key_counts_once(picker, shipped, sku):
    ret_id = open_return(picker, kind="rto", code="O-1").json()["id"]

    first = scan(picker, ret_id, "same", barcode=sku.code, grade="good")
    again = scan(picker, ret_id, "same", barcode=sku.code, grade="good")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert ReturnLine.objects.filter(order_return_id=ret_id).count() == 1


def test_a_scan_needs_an_idempotency_key(picker, shipped, sku):
    ret_id = open_return(picker, kind="rto", code="O-1").json()["id"]
    response = picker.post(f"/api/v1/returns/{ret_id}/scan/", {"barcode": sku.code, "grade": "good"}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (400, "idempotency_key_required")


def test_refusals_say_why(picker, shipped, other_sku):
    ret_id = open_return(picker, kind="rto", code="O-1").json()["id"]
    response = scan(picker, ret_id, "k", barcode=other_sku.code, grade="good")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "not_on_order",
        "message": "MUG-WHITE is not on order O-1; keep it apart for a supervisor.",
        "fields": {"barcode": ["MUG-WHITE is not on order O-1; keep it apart for a supervisor."]},
    }
    unknown = open_return(picker, kind="rto", code="NO-SUCH")
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (400, "No order or AWB NO-SUCH.")


def test_a_return_of_an_order_not_shipped_is_refused(picker, account, stocked):
    from hub.orders.services import import_order
    from tests.factories import order_dto

    import_order(account, order_dto("O-5", ("T", 1, "499")))
    response = open_return(picker, kind="customer", code="O-5")

    assert (response.status_code, response.json()["error"]["code"]) == (409, "not_returnable")


def test_good_units_are_put_away_by_scanning_the_unit_and_the_bin(picker, delivered, sku, bin_b):
    ret_id = open_return(picker, kind="customer", code="O-2").json()["id"]
    scan(picker, ret_id, "k-1", barcode=sku.code, grade="good")

    response = picker.post(f"/api/v1/returns/{ret_id}/putaway/", {"key": "p-1", "barcode": sku.code, "bin": bin_b.barcode},
                           format="json")  # fmt: skip

    assert response.status_code == 200, response.json()
    assert response.json()["message"] == "1 x TSHIRT-RED-M put away in bin A-01-02."
    assert (response.json()["left"], response.json()["order_return"]["waiting_putaway"]) == (0, [])
    assert StockLevel.objects.get(sku=sku, bin=bin_b).on_hand == 1


def test_rtos_and_customer_returns_are_listed_apart(api, shipped, delivered):
    open_return(api, kind="rto", code="O-1")
    open_return(api, kind="customer", code="O-2")

    rtos = api.get("/api/v1/returns/?kind=rto").json()["results"]
    customer = api.get("/api/v1/returns/?kind=customer").json()["results"]

    assert [r["order"]["channel_order_id"] for r in rtos] == ["O-1"]
    assert [r["order"]["channel_order_id"] for r in customer] == ["O-2"]


def test_another_tenant_sees_no_return(shipped, api, other_tenant):
    open_return(api, kind="rto", code="O-1")
    rival = api_client_for(factories.make_user(other_tenant, "admin"))

    assert rival.get("/api/v1/returns/").json()["count"] == 0
    ret = Return.objects.get()
    assert rival.get(f"/api/v1/returns/{ret.pk}/").status_code == 404
    assert open_return(rival, kind="rto", code="O-1").status_code == 400
    assert Order.objects.get(pk=shipped.pk).status == "shipped"


def test_finance_reads_but_cannot_scan(tenant, shipped, api, sku):
    ret_id = open_return(api, kind="rto", code="O-1").json()["id"]
    finance = api_client_for(factories.make_user(tenant, "finance"))

    assert finance.get(f"/api/v1/returns/{ret_id}/").status_code == 200
    assert scan(finance, ret_id, "k", barcode=sku.code, grade="good").status_code == 403
