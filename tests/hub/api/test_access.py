"""Every endpoint: who may do what (the role matrix), and that no tenant reaches another's rows."""

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.conftest import api_client_for
from warehouse import stock

ADMIN, OPS, PICKER, FINANCE = "admin", "operations", "picker", "finance"
EVERYONE = {ADMIN, OPS, PICKER, FINANCE}
MANAGERS = {ADMIN, OPS}


@pytest.fixture
def world(tenant, warehouse, bin_a, bin_b, sku):
    stock.receive(sku, bin_a, 20, key="opening")
    return {"tenant": tenant, "warehouse": warehouse, "bin_a": bin_a, "bin_b": bin_b, "sku": sku}


def sku_payload(n):
    return {"code": f"NEW-{n}", "name": "Linen shirt", "hsn_code": "6205", "gst_rate": "5", "mrp": "1999.00",
            "selling_price": "1499.00"}  # fmt: skip


def warehouse_payload(n):
    return {"code": f"W{n}", "name": "Delhi DC", "address_line1": "Okhla Phase 2", "city": "New Delhi", "state": "07",
            "pincode": "110020"}  # fmt: skip


# (method, path, payload builder, roles allowed, status on success)
MATRIX = [
    ("get", "/api/v1/skus/", None, EVERYONE, 200),
    ("post", "/api/v1/skus/", lambda w, n: sku_payload(n), MANAGERS, 201),
    ("patch", "/api/v1/skus/{sku}/", lambda w, n: {"name": f"Renamed {n}"}, MANAGERS, 200),
    ("get", "/api/v1/products/", None, EVERYONE, 200),
    ("post", "/api/v1/products/", lambda w, n: {"code": f"P{n}", "name": "Shirts"}, MANAGERS, 201),
    ("get", "/api/v1/warehouses/", None, EVERYONE, 200),
    ("post", "/api/v1/warehouses/", lambda w, n: warehouse_payload(n), MANAGERS, 201),
    ("get", "/api/v1/bins/", None, EVERYONE, 200),
    ("post", "/api/v1/bins/", lambda w, n: {"warehouse": w["warehouse"].pk, "code": f"B-{n}", "kind": "storage"},
     MANAGERS, 201),
    ("get", "/api/v1/stock/", None, EVERYONE, 200),
    ("get", "/api/v1/stock/movements/", None, {ADMIN, OPS, FINANCE}, 200),
    ("post", "/api/v1/stock/adjust/", lambda w, n: {"sku": w["sku"].pk, "bin": w["bin_a"].pk, "delta": 1,
     "reason": "found", "idempotency_key": f"adj-{n}"}, MANAGERS, 201),
    ("post", "/api/v1/stock/move/", lambda w, n: {"sku": w["sku"].pk, "from_bin": w["bin_a"].pk,
     "to_bin": w["bin_b"].pk, "quantity": 1, "idempotency_key": f"mv-{n}"}, MANAGERS | {PICKER}, 201),
    ("delete", "/api/v1/products/{product}/", None, MANAGERS, 204),
]


@pytest.mark.parametrize(("method", "path", "payload", "allowed", "ok"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_role_matrix(world, role, method, path, payload, allowed, ok):
    product = factories.Product.objects.create(tenant=world["tenant"], code=f"DEL-{role}", name="To delete")
    client = api_client_for(factories.make_user(world["tenant"], role))
    url = path.format(sku=world["sku"].pk, product=product.pk)
    body = payload(world, role) if payload else None

    response = getattr(client, method)(url, body, format="json")

    if role in allowed:
        assert response.status_code == ok, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_callers_are_refused_everywhere(world):
    client = APIClient()
    for method, path, *_ in MATRIX:
        response = getattr(client, method)(path.format(sku=world["sku"].pk, product=1), {}, format="json")
        assert response.status_code in (401, 403), path
        assert "error" in response.json()


def test_a_superuser_without_a_tenant_reaches_no_business_data(world):
    root = factories.User.objects.create_superuser("root", password="pw-Root-12345")

    response = api_client_for(root).get("/api/v1/skus/")

    assert response.status_code == 403


@pytest.fixture
def theirs(other_tenant):
    warehouse = factories.make_warehouse(other_tenant, "RIVAL1")
    bin_ = factories.make_bin(warehouse, "R-01")
    sku = factories.make_sku(other_tenant, "RIVAL-SKU")
    factories.make_barcode(sku, "RIVAL-BC")
    stock.receive(sku, bin_, 7, key="rival-opening")
    product = factories.Product.objects.create(tenant=other_tenant, code="RIVAL-P", name="Theirs")
    return {"warehouse": warehouse, "bin": bin_, "sku": sku, "product": product}


DETAIL_URLS = [
    "/api/v1/skus/{sku}/",
    "/api/v1/products/{product}/",
    "/api/v1/warehouses/{warehouse}/",
    "/api/v1/bins/{bin}/",
    "/api/v1/stock/{level}/",
    "/api/v1/stock/movements/{movement}/",
]


def _format(url, theirs):
    from warehouse.models import StockLevel, StockMovement

    return url.format(
        sku=theirs["sku"].pk, product=theirs["product"].pk, warehouse=theirs["warehouse"].pk, bin=theirs["bin"].pk,
        level=StockLevel.objects.get(sku=theirs["sku"]).pk, movement=StockMovement.objects.get(sku=theirs["sku"]).pk,
    )  # fmt: skip


@pytest.mark.parametrize("url", DETAIL_URLS)
def test_another_tenants_row_is_not_found_by_id(api, world, theirs, url):
    url = _format(url, theirs)

    assert api.get(url).status_code == 404
    if "stock/" not in url:
        assert api.patch(url, {"name": "hijacked"}, format="json").status_code == 404
        assert api.delete(url).status_code == 404
    assert api.get(url).json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/skus/",
        "/api/v1/skus/?search=RIVAL",
        "/api/v1/skus/?barcode=RIVAL-BC",
        "/api/v1/skus/?code=RIVAL-SKU",
        "/api/v1/products/?search=RIVAL",
        "/api/v1/warehouses/?code=RIVAL1",
        "/api/v1/bins/?search=R-01",
        "/api/v1/stock/?sku_code=RIVAL-SKU",
        "/api/v1/stock/movements/?sku_code=RIVAL-SKU",
        "/api/v1/stock/movements/?search=RIVAL",
    ],
)
def test_lists_filters_and_search_never_show_another_tenants_rows(api, world, theirs, url):
    response = api.get(url)

    assert response.status_code == 200
    assert "RIVAL" not in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/api/v1/stock/?sku={sku}", "/api/v1/stock/?warehouse={warehouse}", "/api/v1/bins/?warehouse={warehouse}",
            "/api/v1/stock/movements/?bin={bin}"],
)  # fmt: skip
def test_filtering_by_another_tenants_id_reads_like_an_unknown_id(api, world, theirs, url):
    response = api.get(_format(url, theirs))

    assert response.status_code == 400
    assert "RIVAL" not in response.content.decode()


def test_stock_calls_with_another_tenants_ids_are_refused_and_write_nothing(api, world, theirs):
    from warehouse.models import StockMovement

    before = StockMovement.objects.count()
    adjust = api.post(
        "/api/v1/stock/adjust/",
        {"sku": theirs["sku"].pk, "bin": theirs["bin"].pk, "delta": -7, "reason": "x", "idempotency_key": "evil"},
        format="json",
    )
    move = api.post(
        "/api/v1/stock/move/",
        {"sku": world["sku"].pk, "from_bin": world["bin_a"].pk, "to_bin": theirs["bin"].pk, "quantity": 1,
         "idempotency_key": "evil-2"},
        format="json",
    )  # fmt: skip

    assert adjust.status_code == 400
    assert set(adjust.json()["error"]["fields"]) == {"sku", "bin"}
    assert move.status_code == 400
    assert set(move.json()["error"]["fields"]) == {"to_bin"}
    assert StockMovement.objects.count() == before


def test_a_bin_cannot_be_created_in_another_tenants_warehouse(api, world, theirs):
    response = api.post("/api/v1/bins/", {"warehouse": theirs["warehouse"].pk, "code": "X-1"}, format="json")

    assert response.status_code == 400
    assert "warehouse" in response.json()["error"]["fields"]
