"""The inbound endpoints: who may do what, the error format with field paths, scans that count once."""

import pytest

from tests import factories
from tests.conftest import api_client_for
from tests.warehouse.inbound.conftest import GSTIN, MUG_EAN, SOCKS_EAN, TSHIRT_EAN, make_po
from warehouse import stock
from warehouse.inbound import services
from warehouse.inbound.models import GoodsReceipt, PurchaseOrder, Supplier
from warehouse.models import StockLevel
from warehouse.selectors import stock_drift

ADMIN, OPS, PICKER, FINANCE = "admin", "operations", "picker", "finance"
EVERYONE = {ADMIN, OPS, PICKER, FINANCE}
MANAGERS = {ADMIN, OPS}
RECEIVERS = {ADMIN, OPS, PICKER}
OFFICE = {ADMIN, OPS, FINANCE}


def on_hand(sku, bin_) -> int:
    level = StockLevel.objects.filter(sku=sku, bin=bin_).first()
    return level.on_hand if level else 0


@pytest.fixture
def world(tenant, supplier, warehouse, po, items, dock, bin_a):
    return {"tenant": tenant, "supplier": supplier, "warehouse": warehouse, "po": po, "items": items, "dock": dock,
            "bin_a": bin_a}  # fmt: skip


def new_po(w, n):
    return {"supplier": w["supplier"].pk, "warehouse": w["warehouse"].pk,
            "lines": [{"sku": w["items"]["mug"].pk, "quantity_ordered": 2, "unit_cost": "10.00"}]}  # fmt: skip


def a_draft(w):
    return make_po(w["tenant"], w["supplier"], w["warehouse"], (w["items"]["mug"], 1), open_it=False).pk


def a_grn(w):
    return services.start_receipt(w["tenant"], purchase_order=w["po"]).pk


def stocked_dock(w):
    stock.receive(w["items"]["mug"], w["dock"], 5, key=f"dock-{StockLevel.objects.count()}")
    return None


# (method, path, setup returning an id for {id}, payload, roles allowed, status on success)
MATRIX = [
    ("get", "/api/v1/suppliers/", None, None, OFFICE, 200),
    ("post", "/api/v1/suppliers/", None, lambda w, n: {"name": f"Supplier {n}"}, MANAGERS, 201),
    ("get", "/api/v1/purchase-orders/", None, None, OFFICE, 200),
    ("post", "/api/v1/purchase-orders/", None, new_po, MANAGERS, 201),
    ("patch", "/api/v1/purchase-orders/{id}/", a_draft, lambda w, n: {"notes": "call first"}, MANAGERS, 200),
    ("post", "/api/v1/purchase-orders/{id}/open/", a_draft, None, MANAGERS, 200),
    ("post", "/api/v1/purchase-orders/{id}/cancel/", a_draft, None, MANAGERS, 200),
    ("delete", "/api/v1/purchase-orders/{id}/", a_draft, None, MANAGERS, 204),
    ("get", "/api/v1/grns/", None, None, EVERYONE, 200),
    ("post", "/api/v1/grns/", None, lambda w, n: {"purchase_order": w["po"].pk}, RECEIVERS, 201),
    ("post", "/api/v1/grns/{id}/scan/", a_grn, lambda w, n: {"barcode": TSHIRT_EAN, "key": f"s-{n}"}, RECEIVERS, 200),
    ("get", "/api/v1/putaway/", stocked_dock, None, RECEIVERS, 200),
    ("post", "/api/v1/putaway/", stocked_dock, lambda w, n: {"from_bin": "DOCK-1", "sku": MUG_EAN, "to_bin": "A-01-01",
     "quantity": 1, "key": f"p-{n}"}, RECEIVERS, 201),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "setup", "payload", "allowed", "ok"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_role_matrix(world, role, method, path, setup, payload, allowed, ok):
    client = api_client_for(factories.make_user(world["tenant"], role))
    url = path.format(id=setup(world) if setup else None)
    body = payload(world, role) if payload else None

    response = getattr(client, method)(url, body, format="json")

    expected = ok if role in allowed else 403
    assert response.status_code == expected, response.content.decode()[:500]
    if expected == 403:
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_supplier_gstin_is_checked_and_upper_cased(api, tenant):
    good = api.post("/api/v1/suppliers/", {"name": "Knits", "gstin": GSTIN.lower()}, format="json")
    bad = api.post("/api/v1/suppliers/", {"name": "Typo", "gstin": GSTIN[:-1] + "A"}, format="json")
    again = api.post("/api/v1/suppliers/", {"name": "knits"}, format="json")

    assert good.status_code == 201 and good.json()["gstin"] == GSTIN
    assert bad.status_code == 400
    assert "check character" in bad.json()["error"]["fields"]["gstin"][0]
    assert again.json()["error"]["fields"] == {"name": ["A supplier named 'knits' exists already."]}


def test_a_po_with_lines_round_trips(api, world):
    mug, tshirt = world["items"]["mug"], world["items"]["tshirt"]
    body = {"number": "ACME-PO-9", "supplier": world["supplier"].pk, "warehouse": world["warehouse"].pk,
            "expected_date": "2026-12-01", "lines": [{"sku": mug.pk, "quantity_ordered": 4, "unit_cost": "12.50"},
                                                     {"sku": tshirt.pk, "quantity_ordered": 1}]}  # fmt: skip
    created = api.post("/api/v1/purchase-orders/", body, format="json")
    assert created.status_code == 201, created.json()
    po = created.json()
    assert (po["number"], po["status"], po["supplier_name"], po["warehouse_code"]) == (
        "ACME-PO-9", "draft", "Tiruppur Knits", "PNQ1",
    )  # fmt: skip
    assert [(line["sku_code"], line["quantity_ordered"], line["unit_cost"]) for line in po["lines"]] == [
        ("MUG-WHITE", 4, "12.50"), ("TSHIRT-RED-M", 1, "0.00"),
    ]  # fmt: skip

    replaced = api.patch(f"/api/v1/purchase-orders/{po['id']}/", {"lines": [{"sku": mug.pk, "quantity_ordered": 9}]},
                         format="json")  # fmt: skip
    assert [(line["sku_code"], line["quantity_ordered"]) for line in replaced.json()["lines"]] == [("MUG-WHITE", 9)]
    opened = api.post(f"/api/v1/purchase-orders/{po['id']}/open/")
    assert opened.json()["status"] == "open"

    edit = api.patch(f"/api/v1/purchase-orders/{po['id']}/", {"notes": "late"}, format="json")
    assert edit.status_code == 409
    assert edit.json()["error"] == {
        "code": "invalid_transition", "message": "ACME-PO-9 is open; only a draft PO can be edited.",
        "fields": {"status": ["ACME-PO-9 is open; only a draft PO can be edited."]},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "field", "words"),
    [
        ([{"sku": "MUG", "quantity_ordered": 1}, {"sku": 999999, "quantity_ordered": 1}], "lines[1].sku", "no such id"),
        ([{"sku": "MUG", "quantity_ordered": 2.5}], "lines[0].quantity_ordered", "whole number"),
        ([{"sku": "MUG", "quantity_ordered": 0}], "lines[0].quantity_ordered", "greater than or equal to 1"),
        ([{"sku": "MUG", "quantity_ordered": 1, "unit_cost": "-3"}], "lines[0].unit_cost", "greater than or equal to 0"),
        ([{"sku": "MUG", "quantity_ordered": 1}, {"sku": "MUG", "quantity_ordered": 2}], "lines[1].sku", "on line 1"),
        ([{"quantity_ordered": 1}], "lines[0].sku", "required"),
    ],
)
def test_bad_po_lines_name_the_line_and_field(api, world, lines, field, words):
    mug = world["items"]["mug"].pk
    lines = [{**line, "sku": mug} if line.get("sku") == "MUG" else line for line in lines]
    body = {"supplier": world["supplier"].pk, "warehouse": world["warehouse"].pk, "lines": lines}

    response = api.post("/api/v1/purchase-orders/", body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [field]
    assert words in error["fields"][field][0]
    assert error["message"].startswith(f"{field}: ") or error["message"] == error["fields"][field][0]
    assert PurchaseOrder.objects.count() == 1  # the fixture's PO only


def test_a_scan_sent_twice_counts_once_and_gets_the_first_answer(apis, world):
    client = apis[PICKER]
    grn = client.post("/api/v1/grns/", {"purchase_order": world["po"].pk}, format="json").json()
    url = f"/api/v1/grns/{grn['id']}/scan/"

    first = client.post(url, {"barcode": TSHIRT_EAN}, format="json", headers={"Idempotency-Key": "scan-1"})
    again = client.post(url, {"barcode": TSHIRT_EAN}, format="json", headers={"Idempotency-Key": "scan-1"})
    other = client.post(url, {"barcode": TSHIRT_EAN}, format="json", headers={"Idempotency-Key": "scan-2"})

    assert first.status_code == again.status_code == 200
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert again.json()["message"] == first.json()["message"] == "TSHIRT-RED-M +1 · 1 of 10"
    assert other.json()["message"] == "TSHIRT-RED-M +1 · 2 of 10"
    assert on_hand(world["items"]["tshirt"], world["dock"]) == 2


def test_a_scan_without_a_key_is_refused(apis, world):
    grn = a_grn(world)
    response = apis[PICKER].post(f"/api/v1/grns/{grn}/scan/", {"barcode": TSHIRT_EAN}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert list(response.json()["error"]["fields"]) == ["key"]


def test_a_wrong_item_is_refused_in_the_error_format(apis, world):
    grn = a_grn(world)
    response = apis[PICKER].post(f"/api/v1/grns/{grn}/scan/", {"barcode": SOCKS_EAN, "key": "k"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "not_on_order",
        "message": "SOCKS-PACK (Ankle socks) is not on PO-000001. Set it aside; do not shelve it.",
        "fields": {"barcode": ["SOCKS-PACK (Ankle socks) is not on PO-000001. Set it aside; do not shelve it."]},
    }


def test_bad_scan_fields_are_named(apis, world):
    grn = a_grn(world)
    response = apis[PICKER].post(
        f"/api/v1/grns/{grn}/scan/", {"barcode": TSHIRT_EAN, "quantity": "two", "key": "k"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["quantity"]


def test_receive_damaged_complete_and_put_away_over_the_api(apis, world, cage):
    client, po, mug = apis[PICKER], world["po"], world["items"]["mug"]
    grn = client.post("/api/v1/grns/", {"purchase_order": po.pk}, format="json").json()
    assert (grn["number"], grn["receiving_bin_code"], grn["is_blind"]) == ("GRN-000001", "DOCK-1", False)
    for n in range(3):
        client.post(f"/api/v1/grns/{grn['id']}/scan/", {"barcode": MUG_EAN, "key": f"m{n}"}, format="json")
    damaged = client.post(f"/api/v1/grns/{grn['id']}/scan/", {"barcode": MUG_EAN, "damaged": True, "key": "d"},
                          format="json")  # fmt: skip
    assert damaged.json()["message"] == "MUG-WHITE: 1 damaged → DMG-1"

    done = client.post(f"/api/v1/grns/{grn['id']}/complete/", headers={"Idempotency-Key": "done-1"})
    again = client.post(f"/api/v1/grns/{grn['id']}/complete/", headers={"Idempotency-Key": "done-1"})
    assert done.status_code == 200, done.json()
    assert again.json()["replayed"] is True
    body = done.json()
    assert body["message"] == "GRN-000001 completed: 3 good, 1 damaged; MUG-WHITE 1 short; TSHIRT-RED-M 10 short"
    assert body["purchase_order"] == {"number": "PO-000001", "status": "partially_received"}
    assert {line["sku"]: line["variance"] for line in body["lines"]} == {"MUG-WHITE": -1, "TSHIRT-RED-M": -10}

    suggestion = client.get("/api/v1/putaway/", {"from_bin": "DOCK-1", "sku": MUG_EAN}).json()
    assert (suggestion["suggested_bin"]["code"], suggestion["available"]) == ("A-01-01", 3)
    waiting = client.get("/api/v1/putaway/").json()["results"]
    assert [(row["sku_code"], row["bin_code"], row["available"]) for row in waiting] == [("MUG-WHITE", "DOCK-1", 3)]

    body = {"from_bin": "DOCK-1", "sku": MUG_EAN, "to_bin": "A-01-01", "quantity": 3}
    moved = client.post("/api/v1/putaway/", body, format="json", headers={"Idempotency-Key": "put-1"})
    replay = client.post("/api/v1/putaway/", body, format="json", headers={"Idempotency-Key": "put-1"})
    assert moved.status_code == 201 and replay.status_code == 200
    assert moved.json()["left_in_from_bin"] == 0
    assert on_hand(mug, world["bin_a"]) == 3 and on_hand(mug, world["dock"]) == 0 and on_hand(mug, cage) == 1
    assert stock_drift() == []


def test_putaway_errors_name_the_field(apis, world):
    client = apis[PICKER]
    unknown = client.get("/api/v1/putaway/", {"from_bin": "NOPE", "sku": MUG_EAN})
    empty = client.get("/api/v1/putaway/", {"from_bin": "DOCK-1", "sku": MUG_EAN})
    stock.receive(world["items"]["mug"], world["dock"], 1, key="in")
    counting = client.post("/api/v1/putaway/", {"from_bin": "DOCK-1", "sku": MUG_EAN, "to_bin": "DOCK-1", "quantity": 1,
                                                "key": "x"}, format="json")  # fmt: skip

    assert unknown.json()["error"]["fields"] == {"from_bin": ["No bin has the barcode NOPE."]}
    assert empty.json()["error"]["fields"] == {"sku": ["No units of MUG-WHITE are waiting in DOCK-1."]}
    assert list(counting.json()["error"]["fields"]) == ["to_bin"]


def test_a_blind_grn_over_the_api(apis, world):
    client = apis[OPS]
    grn = client.post("/api/v1/grns/", {"warehouse": world["warehouse"].pk}, format="json").json()
    assert grn["is_blind"] is True and grn["purchase_order"] is None
    answer = client.post(f"/api/v1/grns/{grn['id']}/scan/", {"barcode": SOCKS_EAN, "quantity": 12, "key": "b"},
                         format="json").json()  # fmt: skip
    assert answer["message"] == "SOCKS-PACK +12 · 12 on this receipt"


def test_another_tenants_rows_are_not_found(world, other_tenant):
    rival = api_client_for(factories.make_user(other_tenant, ADMIN))
    grn = a_grn(world)

    assert rival.get(f"/api/v1/purchase-orders/{world['po'].pk}/").status_code == 404
    assert rival.post(f"/api/v1/grns/{grn}/scan/", {"barcode": TSHIRT_EAN, "key": "k"}, format="json").status_code == 404
    assert rival.get("/api/v1/suppliers/").json()["count"] == 0
    created = rival.post("/api/v1/grns/", {"purchase_order": world["po"].pk}, format="json")
    assert created.json()["error"]["fields"]["purchase_order"][0].startswith("Unknown purchase order")
    assert GoodsReceipt.objects.filter(tenant=other_tenant).count() == 0
    assert Supplier.objects.filter(tenant=other_tenant).count() == 0


def test_the_schema_lists_the_inbound_endpoints(client, db):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in ("/api/v1/suppliers/", "/api/v1/purchase-orders/", "/api/v1/purchase-orders/{id}/open/",
                 "/api/v1/grns/", "/api/v1/grns/{id}/scan/", "/api/v1/grns/{id}/complete/", "/api/v1/putaway/"):  # fmt: skip
        assert path in paths
