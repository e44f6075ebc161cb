"""The orders API (hub/orders/api.py): list filters, one order's page, the raw payload, the actions, and
who may do what, within one tenant only."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hub.orders.models import Order
from hub.orders.services import import_order
from tests import factories
from tests.conftest import api_client_for
from tests.factories import order_dto
from warehouse import stock
from warehouse.models import StockLevel

URL = "/api/v1/orders/"
ADMIN, OPS, PICKER, FINANCE = "admin", "operations", "picker", "finance"
EVERYONE = {ADMIN, OPS, PICKER, FINANCE}
MANAGERS = {ADMIN, OPS}
READERS = {ADMIN, OPS, FINANCE}


def day(n: int) -> datetime:
    return datetime(2026, 11, n, 10, 0, tzinfo=UTC)


@pytest.fixture
def world(tenant, warehouse, bin_a, sku):
    """Own site: SO-1 allocated and overdue, SO-2 unfulfillable (no caps), SO-3 waiting for a mapping.
    Amazon: AMZ-1 allocated and overdue, AMZ-2 cancelled (overdue date, but cancelled)."""
    site = factories.make_account(tenant, warehouse, name="Own site")
    amazon = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")
    cap = factories.make_sku(tenant, "CAP-BLK")
    stock.receive(sku, bin_a, 10, key="opening")
    for account in (site, amazon):
        factories.make_listing(account, sku, "TEE")
        factories.make_listing(account, cap, "CAP")
    past, future = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=3)
    orders = {
        "SO-1": import_order(site, order_dto("SO-1", ("TEE", 2, "799"), ship_by=past, ordered_at=day(20), buyer_name="Asha Rao")),
        "SO-2": import_order(site, order_dto("SO-2", ("CAP", 1, "299"), ship_by=future, ordered_at=day(19))),
        "SO-3": import_order(site, order_dto("SO-3", ("MYSTERY", 1, "99"), ordered_at=day(18))),
        "AMZ-1": import_order(amazon, order_dto("AMZ-1", ("TEE", 1, "799"), ship_by=past, ordered_at=day(10),
                                                buyer_name="Vikram Shah")),
        "AMZ-2": import_order(amazon, order_dto("AMZ-2", ("TEE", 1, "799"), state="cancelled", ship_by=past,
                                                ordered_at=day(9))),
    }  # fmt: skip
    return {"site": site, "amazon": amazon, "cap": cap, "sku": sku, "bin": bin_a, **orders}


@pytest.fixture
def theirs(other_tenant):
    """Another tenant's order with the same channel order id and buyer as one of ours."""
    warehouse = factories.make_warehouse(other_tenant, "RIVAL1")
    sku = factories.make_sku(other_tenant, "TSHIRT-RED-M")
    stock.receive(sku, factories.make_bin(warehouse, "R-01"), 5, key="rival")
    account = factories.make_account(other_tenant, warehouse, name="Their site")
    factories.make_listing(account, sku, "TEE")
    order = import_order(account, order_dto("SO-1", ("TEE", 1, "799"), buyer_name="Asha Rao"))
    return {"account": account, "order": order}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["channel_order_id"] for row in response.json()["results"]]


def reserved() -> int:
    return sum(StockLevel.objects.values_list("reserved", flat=True))


# Listing ----------------------------------------------------------------------------------------


def test_the_list_is_newest_first_with_compact_rows(api, world, theirs):
    response = api.get(URL)

    assert ids(response) == ["SO-1", "SO-2", "SO-3", "AMZ-1", "AMZ-2"]
    assert response.json()["results"][0] == {
        "id": world["SO-1"].pk, "account": world["site"].pk, "account_name": "Own site", "channel": "custom",
        "channel_order_id": "SO-1", "status": "allocated", "channel_status": "Open",
        "ordered_at": "2026-11-20T15:30:00+05:30", "ship_by": response.json()["results"][0]["ship_by"],
        "grand_total": "1598.00", "currency": "INR", "line_count": 1, "units": 2, "needs_attention": False,
        "attention_reason": "", "warehouse": "PNQ1",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("account={site}", ["SO-1", "SO-2", "SO-3"]),
        ("account={amazon}", ["AMZ-1", "AMZ-2"]),
        ("channel=amazon", ["AMZ-1", "AMZ-2"]),
        ("channel=custom", ["SO-1", "SO-2", "SO-3"]),
        ("status=allocated", ["SO-1", "AMZ-1"]),
        ("status=allocated&status=unfulfillable", ["SO-1", "SO-2", "AMZ-1"]),
        ("ordered_after=2026-11-15T00:00:00Z", ["SO-1", "SO-2", "SO-3"]),
        ("ordered_before=2026-11-15T00:00:00Z", ["AMZ-1", "AMZ-2"]),
        ("ordered_after=2026-11-18T00:00:00Z&ordered_before=2026-11-20T00:00:00Z", ["SO-2", "SO-3"]),
        ("sku=TSHIRT-RED-M", ["SO-1", "AMZ-1", "AMZ-2"]),
        ("sku=CAP-BLK", ["SO-2"]),
        ("sku=NOPE", []),
        ("unmapped=true", ["SO-3"]),
        ("unmapped=false", ["SO-1", "SO-2", "AMZ-1", "AMZ-2"]),
        ("unfulfillable=true", ["SO-2"]),
        ("unfulfillable=false", ["SO-1", "SO-3", "AMZ-1", "AMZ-2"]),
        ("needs_attention=true", ["SO-3"]),
        ("ship_by_overdue=true", ["SO-1", "AMZ-1"]),
        ("ship_by_overdue=false", ["SO-2", "SO-3", "AMZ-2"]),
        ("search=SO-", ["SO-1", "SO-2", "SO-3"]),
        ("search=vikram", ["AMZ-1"]),
        ("search=Asha", ["SO-1"]),
        ("ordering=ordered_at", ["AMZ-2", "AMZ-1", "SO-3", "SO-2", "SO-1"]),
        ("ordering=ship_by&status=allocated&status=unfulfillable", ["SO-1", "AMZ-1", "SO-2"]),
    ],
)
def test_the_list_filters(api, world, theirs, query, expected):
    url = f"{URL}?{query.format(site=world['site'].pk, amazon=world['amazon'].pk)}"

    found = ids(api.get(url))

    if "ordering" in query:
        assert found[: len(expected)] == expected
    else:
        assert sorted(found) == sorted(expected)
    assert api.get(url).json()["count"] == len(expected)


def test_filtering_by_another_tenants_account_is_refused(api, world, theirs):
    response = api.get(f"{URL}?account={theirs['account'].pk}")

    assert response.status_code == 400
    assert "account" in response.json()["error"]["fields"]


# One order --------------------------------------------------------------------------------------


def test_an_orders_page_has_lines_tax_allocations_addresses_and_timeline(api, world):
    order = api.get(f"{URL}{world['SO-1'].pk}/").json()

    assert (order["status"], order["warehouse"], order["account_name"], order["line_count"]) == (
        "allocated",
        "PNQ1",
        "Own site",
        1,
    )
    line = order["lines"][0]
    assert (line["channel_sku"], line["sku"], line["quantity"], line["unit_price"], line["line_total"]) == (
        "TEE", "TSHIRT-RED-M", 2, "799.00", "1598.00"
    )  # fmt: skip
    assert (line["gst_rate"], line["taxable_value"], line["cgst"], line["sgst"], line["igst"]) == (
        "5.00", "1521.90", "38.05", "38.05", "0.00"
    )  # fmt: skip
    assert line["allocations"] == [{"bin": "A-01-01", "warehouse": "PNQ1", "quantity": 2, "released": False}]
    assert order["shipping_address"]["pincode"] == "411001"
    assert (order["billing_address"], order["buyer"]["name"]) == (None, "Asha Rao")
    assert [(e["kind"], e["source"], e["actor"]) for e in order["timeline"]] == [
        ("imported", "api", None), ("status:allocated", "api", None)
    ]  # fmt: skip
    assert "raw_payload" not in order


def test_the_raw_payload_is_for_admin_and_operations(tenant, world):
    Order.objects.filter(pk=world["SO-1"].pk).update(raw_payload={"id": "SO-1", "note": "as sent"})
    url = f"{URL}{world['SO-1'].pk}/raw/"

    answers = {role: api_client_for(factories.make_user(tenant, role)).get(url) for role in sorted(EVERYONE)}

    assert {role: r.status_code for role, r in answers.items()} == {
        ADMIN: 200,
        FINANCE: 403,
        OPS: 200,
        PICKER: 403,
    }
    assert answers[ADMIN].json() == {"id": "SO-1", "note": "as sent"}


# Actions ----------------------------------------------------------------------------------------


def test_cancelling_releases_the_stock_and_records_who_and_why(api, world):
    before = reserved()

    response = api.post(f"{URL}{world['SO-1'].pk}/cancel/", {"reason": "buyer called"}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], reserved()) == ("cancelled", before - 2)
    last = response.json()["timeline"][-1]
    assert (last["kind"], last["message"], last["actor"], last["source"]) == (
        "status:cancelled", "Cancelled. buyer called", "acme-admin", "api"
    )  # fmt: skip


def test_cancelling_twice_or_after_shipping_is_a_409(api, world):
    api.post(f"{URL}{world['SO-1'].pk}/cancel/", {}, format="json")
    Order.objects.filter(pk=world["AMZ-1"].pk).update(status="shipped")

    twice = api.post(f"{URL}{world['SO-1'].pk}/cancel/", {}, format="json")
    shipped = api.post(f"{URL}{world['AMZ-1'].pk}/cancel/", {}, format="json")

    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "invalid_transition")
    assert twice.json()["error"]["message"] == "An order cannot go from cancelled to cancelled."
    assert (shipped.status_code, shipped.json()["error"]["code"]) == (409, "invalid_transition")


def test_a_hold_gives_the_stock_back_until_it_is_released(api, world):
    before = reserved()

    held = api.post(f"{URL}{world['SO-1'].pk}/hold/", {"reason": "address check"}, format="json")

    assert (held.status_code, held.json()["status"], held.json()["warehouse"], reserved()) == (
        200,
        "on_hold",
        None,
        before - 2,
    )
    assert held.json()["timeline"][-1]["message"] == "Put on hold. address check"

    released = api.post(f"{URL}{world['SO-1'].pk}/unhold/", format="json")

    assert (released.status_code, released.json()["status"], reserved()) == (200, "allocated", before)


def test_hold_and_unhold_out_of_turn_are_409s(api, world):
    unhold = api.post(f"{URL}{world['SO-1'].pk}/unhold/", format="json")
    hold_cancelled = api.post(f"{URL}{world['AMZ-2'].pk}/hold/", {}, format="json")

    assert [r.status_code for r in (unhold, hold_cancelled)] == [409, 409]
    assert {r.json()["error"]["code"] for r in (unhold, hold_cancelled)} == {"invalid_transition"}


def test_allocate_retries_an_unfulfillable_order_once_stock_is_there(api, world):
    stock.receive(world["cap"], world["bin"], 3, key="caps-arrived")

    response = api.post(f"{URL}{world['SO-2'].pk}/allocate/", format="json")

    assert (response.status_code, response.json()["status"]) == (200, "allocated")
    assert response.json()["lines"][0]["allocations"][0]["quantity"] == 1


def test_allocate_out_of_turn_or_unmapped_is_a_409(api, world):
    allocated = api.post(f"{URL}{world['SO-1'].pk}/allocate/", format="json")
    unmapped = api.post(f"{URL}{world['SO-3'].pk}/allocate/", format="json")

    assert (allocated.status_code, allocated.json()["error"]["code"]) == (409, "invalid_transition")
    assert (unmapped.status_code, unmapped.json()["error"]["code"]) == (409, "unmapped_sku")


def test_a_reason_that_is_too_long_is_a_400_and_changes_nothing(api, world):
    response = api.post(f"{URL}{world['SO-1'].pk}/cancel/", {"reason": "x" * 201}, format="json")

    assert (response.status_code, list(response.json()["error"]["fields"])) == (400, ["reason"])
    assert Order.objects.get(pk=world["SO-1"].pk).status == "allocated"


# Who may do what, and only within the tenant ----------------------------------------------------


def intake_body(w, role):
    return {"account": w["site"].pk, "channel_order_id": f"NEW-{role}", "ordered_at": "2026-11-20T10:00:00Z",
            "grand_total": "799.00", "lines": [{"sku": "TEE", "quantity": 1, "unit_price": "799.00"}],
            "shipping_address": {"name": "A", "line1": "1 Road", "city": "Pune", "state": "27", "pincode": "411001"}}  # fmt: skip


def import_body(w, role):
    content = (b"channel_order_id,ordered_at,ship_name,ship_line1,ship_city,ship_state,ship_pincode,grand_total,sku,"
               b"quantity,unit_price\nF-1,2026-11-20,A,1 Road,Pune,27,411001,799,TEE,1,799\n")  # fmt: skip
    return {"file": SimpleUploadedFile("orders.csv", content), "account": w["site"].pk}


# (method, path, body builder, body format, roles allowed, status on success)
MATRIX = [
    ("get", URL, None, "json", READERS, 200),
    ("get", URL + "{SO-1}/", None, "json", READERS, 200),
    ("get", URL + "{SO-1}/raw/", None, "json", MANAGERS, 200),
    ("post", URL, intake_body, "json", MANAGERS, 201),
    ("post", URL + "{SO-1}/cancel/", lambda w, r: {"reason": "test"}, "json", MANAGERS, 200),
    ("post", URL + "{SO-1}/hold/", lambda w, r: {}, "json", MANAGERS, 200),
    ("post", URL + "{SO-1}/unhold/", None, "json", MANAGERS, 409),
    ("post", URL + "{SO-2}/allocate/", None, "json", MANAGERS, 200),
    ("post", URL + "import/", import_body, "multipart", MANAGERS, 202),
]


def _url(path: str, w) -> str:
    return path.replace("{SO-1}", str(w["SO-1"].pk)).replace("{SO-2}", str(w["SO-2"].pk))


@pytest.mark.parametrize(("method", "path", "body", "fmt", "allowed", "ok"), MATRIX,
                         ids=[f"{m} {p}" for m, p, *_ in MATRIX])  # fmt: skip
@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_role_matrix(world, tenant, role, method, path, body, fmt, allowed, ok):
    client = api_client_for(factories.make_user(tenant, role))

    response = getattr(client, method)(_url(path, world), body(world, role) if body else None, format=fmt)

    if role in allowed:
        assert response.status_code == ok, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_callers_are_refused_everywhere(world):
    from rest_framework.test import APIClient

    for method, path, *_ in MATRIX:
        response = getattr(APIClient(), method)(_url(path, world), {}, format="json")
        assert response.status_code in (401, 403), path


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "raw/"),
        ("post", "cancel/"),
        ("post", "hold/"),
        ("post", "unhold/"),
        ("post", "allocate/"),
    ],
)
def test_another_tenants_order_is_not_found_and_left_alone(api, world, theirs, method, suffix):
    order = theirs["order"]

    response = getattr(api, method)(f"{URL}{order.pk}/{suffix}", {}, format="json")

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "allocated"


def test_the_list_and_search_show_only_the_callers_orders(api, world, theirs):
    assert theirs["order"].pk not in [
        row["id"] for row in api.get(f"{URL}?search=SO-1&page_size=500").json()["results"]
    ]
    assert api.get(f"{URL}?search=Asha").json()["count"] == 1
    assert api.get(f"{URL}?sku=TSHIRT-RED-M").json()["count"] == 3
