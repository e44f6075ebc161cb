"""The warehouse endpoints: warehouses, bins, stock levels, adjust, move, the ledger."""

import pytest

from warehouse import stock
from warehouse.models import StockLevel, StockMovement


@pytest.fixture
def stocked(sku, bin_a, bin_b):
    stock.receive(sku, bin_a, 10, key="opening")
    return sku


def adjust(api, **body):
    return api.post("/api/v1/stock/adjust/", body, format="json")


def test_adjust_writes_the_ledger_and_answers_with_the_new_level(api, stocked, bin_a, admin_user):
    response = adjust(api, sku=stocked.pk, bin=bin_a.pk, delta=-2, reason="damaged", idempotency_key="adj-1")

    assert response.status_code == 201
    body = response.json()
    assert body["replayed"] is False
    assert body["levels"][0]["on_hand"] == 8
    assert body["movements"][0] | {"id": None, "created_at": None} == body["movements"][0] | {
        "kind": "adjust", "on_hand_delta": -2, "reason": "damaged", "actor": admin_user.username,
        "id": None, "created_at": None,
    }  # fmt: skip


def test_replaying_an_adjustment_returns_the_original_rows_and_changes_nothing(api, stocked, bin_a):
    first = adjust(api, sku=stocked.pk, bin=bin_a.pk, delta=5, reason="found", idempotency_key="k1")
    again = adjust(api, sku=stocked.pk, bin=bin_a.pk, delta=5, reason="found", idempotency_key="k1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["movements"][0]["id"] == first.json()["movements"][0]["id"]
    assert StockLevel.objects.get(sku=stocked, bin=bin_a).on_hand == 15


def test_reusing_a_key_for_another_change_is_a_conflict(api, stocked, bin_a):
    adjust(api, sku=stocked.pk, bin=bin_a.pk, delta=5, reason="found", idempotency_key="k1")
    response = adjust(api, sku=stocked.pk, bin=bin_a.pk, delta=6, reason="found", idempotency_key="k1")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_taking_out_more_than_is_there_is_a_conflict_that_says_how_many(api, stocked, bin_a):
    response = adjust(api, sku=stocked.pk, bin=bin_a.pk, delta=-11, reason="lost", idempotency_key="k")

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "insufficient_stock",
        "message": "Only 10 units of TSHIRT-RED-M in bin A-01-01; cannot take out 11.",
        "fields": {"quantity": ["Only 10 units of TSHIRT-RED-M in bin A-01-01; cannot take out 11."]},
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 2.5}, "delta"),
        ({"delta": "2.5"}, "delta"),
        ({"delta": "two"}, "delta"),
        ({"delta": 0}, "delta"),
        ({"delta": True}, "delta"),
        ({"delta": 10**12}, "delta"),
        ({"sku": 999999}, "sku"),
        ({"sku": "abc"}, "sku"),
        ({"bin": 999999}, "bin"),
        ({"reason": ""}, "reason"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "x" * 200}, "idempotency_key"),
    ],
)
def test_bad_adjustments_name_the_field_and_write_nothing(api, stocked, bin_a, body, field):
    good = {"sku": stocked.pk, "bin": bin_a.pk, "delta": 1, "reason": "found", "idempotency_key": "k"}

    response = adjust(api, **(good | body))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert error["message"].startswith(f"{field}: ")
    assert StockMovement.objects.count() == 1


def test_malformed_json_is_a_parse_error(api):
    response = api.post("/api/v1/stock/adjust/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize(("quantity", "status"), [(3, 201), (-3, 400), (0, 400), (1.5, 400), (11, 409)])
def test_move_checks_its_quantity(api, stocked, bin_a, bin_b, quantity, status):
    response = api.post(
        "/api/v1/stock/move/",
        {"sku": stocked.pk, "from_bin": bin_a.pk, "to_bin": bin_b.pk, "quantity": quantity, "idempotency_key": "m"},
        format="json",
    )

    assert response.status_code == status, response.content
    moved = 3 if status == 201 else 0
    assert StockLevel.objects.get(sku=stocked, bin=bin_a).on_hand == 10 - moved


def test_stock_levels_filter_by_sku_warehouse_and_bin(api, stocked, bin_a, bin_b, warehouse):
    stock.move(stocked, bin_a, bin_b, 4, key="m")

    by_bin = api.get(f"/api/v1/stock/?bin={bin_b.pk}").json()
    by_code = api.get("/api/v1/stock/?sku_code=tshirt-red-m&ordering=bin__code").json()
    by_warehouse = api.get(f"/api/v1/stock/?warehouse={warehouse.pk}&in_stock=true").json()

    assert [(r["bin_code"], r["on_hand"], r["available"]) for r in by_bin["results"]] == [("A-01-02", 4, 4)]
    assert [r["bin_code"] for r in by_code["results"]] == ["A-01-01", "A-01-02"]
    assert by_warehouse["count"] == 2


def test_the_ledger_lists_newest_first_in_cursor_pages(api, stocked, bin_a):
    for n in range(3):
        stock.reserve(stocked, bin_a, 1, key=f"o{n}")

    page = api.get("/api/v1/stock/movements/?page_size=2").json()
    rest = api.get(page["next"]).json()

    assert [m["idempotency_key"] for m in page["results"]] == ["o2", "o1"]
    assert [m["idempotency_key"] for m in rest["results"]] == ["o0", "opening"]
    assert rest["next"] is None


def test_warehouse_validates_gstin_pincode_and_state(api):
    response = api.post(
        "/api/v1/warehouses/",
        {"code": "W1", "name": "Kolkata", "address_line1": "Salt Lake", "city": "Kolkata", "state": "99",
         "pincode": "070091", "gstin": "19AAPFU0939F1ZX"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"state", "pincode", "gstin"}


def test_warehouse_codes_are_unique_per_tenant(api, warehouse):
    response = api.post(
        "/api/v1/warehouses/",
        {"code": warehouse.code, "name": "Dup", "address_line1": "x", "city": "Pune", "state": "27",
         "pincode": "411001"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert "exists already" in response.json()["error"]["fields"]["code"][0]


def test_a_bin_barcode_defaults_to_its_code_and_is_unique(api, warehouse, bin_a):
    created = api.post("/api/v1/bins/", {"warehouse": warehouse.pk, "code": "B-9"}, format="json")
    clash = api.post("/api/v1/bins/", {"warehouse": warehouse.pk, "code": "B-10", "barcode": "B-9"}, format="json")

    assert created.status_code == 201
    assert created.json()["barcode"] == "B-9"
    assert clash.status_code == 400
    assert "barcode" in clash.json()["error"]["fields"]


def test_a_bin_holding_stock_cannot_be_deleted(api, stocked, bin_a):
    response = api.delete(f"/api/v1/bins/{bin_a.pk}/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "in_use"
