"""POST /api/v1/orders/: a custom account's orders in the hub's own shape (hub/orders/intake.py)."""

import copy

import pytest

from hub.orders.intake import shape_field
from hub.orders.models import Order, OrderEvent
from tests import factories
from warehouse import stock
from warehouse.models import StockLevel
from warehouse.selectors import stock_drift

URL = "/api/v1/orders/"


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse, name="Own site")


@pytest.fixture
def stocked(sku, bin_a, account):
    stock.receive(sku, bin_a, 5, key="opening")
    factories.make_listing(account, sku, "SITE-TEE-M")
    return sku


def reserved() -> int:
    return sum(StockLevel.objects.values_list("reserved", flat=True))


def order_body(account, order_id: str = "WEB-1001", **changes) -> dict:
    body = {
        "account": account.pk, "channel_order_id": order_id, "ordered_at": "2026-11-20T10:00:00+05:30",
        "ship_by": "2026-11-22T18:00:00+05:30", "payment_mode": "cod", "currency": "INR", "shipping_total": "50.00",
        "discount_total": "0", "grand_total": "1648.00",
        "buyer": {"name": "Asha Rao", "email": "asha@example.com", "phone": "+91 98000 00001"},
        "shipping_address": {"name": "Asha Rao", "line1": "14 MG Road", "city": "Pune", "state": "Maharashtra",
                             "pincode": "411001", "phone": "+91 98000 00001"},
        "lines": [{"sku": "SITE-TEE-M", "title": "Red tee, M", "quantity": 2, "unit_price": "799.00"}],
    }  # fmt: skip
    body.update(changes)
    return body


def test_a_posted_order_is_created_allocated_with_its_stock_reserved(api, account, stocked, admin_user):
    body = order_body(account)

    response = api.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    order = response.json()
    assert (order["status"], order["channel_status"], order["warehouse"], order["payment_mode"]) == (
        "allocated", "open", "PNQ1", "cod"
    )  # fmt: skip
    assert (order["item_total"], order["grand_total"], order["line_count"], order["units"]) == (
        "1598.00",
        "1648.00",
        1,
        2,
    )
    line = order["lines"][0]
    assert (line["channel_line_id"], line["channel_sku"], line["sku"], line["quantity"]) == (
        "1",
        "SITE-TEE-M",
        stocked.code,
        2,
    )
    assert line["allocations"] == [{"bin": "A-01-01", "warehouse": "PNQ1", "quantity": 2, "released": False}]
    assert (order["shipping_address"]["state"], order["buyer"]["email"]) == ("27", "asha@example.com")
    assert [(e["kind"], e["actor"], e["source"]) for e in order["timeline"]] == [
        ("imported", "acme-admin", "api"), ("status:allocated", "acme-admin", "api")
    ]  # fmt: skip
    assert reserved() == 2
    assert Order.objects.get().raw_payload == body


def test_posting_the_same_order_again_answers_200_and_changes_nothing(api, account, stocked):
    first = api.post(URL, order_body(account), format="json")
    events = OrderEvent.objects.count()

    again = api.post(URL, order_body(account), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (Order.objects.count(), reserved(), OrderEvent.objects.count()) == (1, 2, events)
    assert again.json()["updated_at"] == first.json()["updated_at"]


def test_posting_it_again_as_cancelled_cancels_it_and_releases_the_stock(api, account, stocked):
    api.post(URL, order_body(account), format="json")

    response = api.post(URL, order_body(account, status="cancelled"), format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], [line["status"] for line in response.json()["lines"]]) == (
        "cancelled",
        ["cancelled"],
    )
    assert reserved() == 0
    assert stock_drift() == []


def test_a_pending_order_waits_without_stock_until_it_is_posted_open(api, account, stocked):
    pending = api.post(URL, order_body(account, status="pending", shipping_address=None), format="json")

    assert (pending.status_code, pending.json()["status"], reserved()) == (201, "pending", 0)

    opened = api.post(URL, order_body(account), format="json")

    assert (opened.status_code, opened.json()["status"], reserved()) == (200, "allocated", 2)


def test_an_unknown_channel_sku_keeps_the_order_waiting_for_a_mapping(api, account, stocked):
    body = order_body(account, lines=[{"sku": "NEW-TEE", "quantity": 1, "unit_price": "1598.00"}])

    response = api.post(URL, body, format="json")

    order = response.json()
    assert (response.status_code, order["status"], order["needs_attention"]) == (201, "new", True)
    assert (order["attention_reason"], order["lines"][0]["sku"]) == ("Unmapped SKU: NEW-TEE", None)


def test_prices_without_tax_add_the_tax_to_the_grand_total(api, account, stocked):
    body = order_body(account, prices_include_tax=False, tax_total="79.90", grand_total="1727.90")

    response = api.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["prices_include_tax"], response.json()["tax_total"]) == (False, "79.90")


def without(key):
    def change(body):
        body.pop(key)

    return change


def setting(path, value):
    """A change of the body at ``path`` ("lines.0.quantity")."""

    def change(body):
        *parents, last = path.split(".")
        target = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def two_lines_with_one_id(body):
    body["lines"] = [{"line_id": "A", "sku": "SITE-TEE-M", "quantity": 1, "unit_price": "799.00"}] * 2


BAD = [
    ("unknown account", setting("account", 999_999), "account"),
    ("no lines", without("lines"), "lines"),
    ("empty lines", setting("lines", []), "lines"),
    ("negative quantity", setting("lines.0.quantity", -1), "lines[0].quantity"),
    ("zero quantity", setting("lines.0.quantity", 0), "lines[0].quantity"),
    ("fractional quantity", setting("lines.0.quantity", 1.5), "lines[0].quantity"),
    ("fractional quantity text", setting("lines.0.quantity", "1.5"), "lines[0].quantity"),
    ("total that does not add up", setting("grand_total", "1600.00"), "grand_total"),
    ("item total that does not add up", setting("item_total", "1000.00"), "item_total"),
    ("decimal comma", setting("lines.0.unit_price", "799,00"), "lines[0].unit_price"),
    ("not a number", setting("shipping_total", "abc"), "shipping_total"),
    ("three decimals", setting("discount_total", "1.005"), "discount_total"),
    ("exponent", setting("grand_total", "1.648e3"), "grand_total"),
    ("negative discount", setting("lines.0.discount", "-5"), "lines[0].discount"),
    ("short pincode", setting("shipping_address.pincode", "4110"), "shipping_address.pincode"),
    ("unknown state", setting("shipping_address.state", "Narnia"), "shipping_address.state"),
    ("address without a city", lambda body: body["shipping_address"].pop("city"), "shipping_address.city"),
    ("no address for an open order", setting("shipping_address", None), "shipping_address"),
    ("repeated line id", two_lines_with_one_id, "lines[1].line_id"),
    ("bad status", setting("status", "shipped"), "status"),
    ("bad time", setting("ordered_at", "20/11/2026"), "ordered_at"),
    ("bad email", setting("buyer.email", "asha-at-example"), "buyer.email"),
]


@pytest.mark.parametrize(("change", "field"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_a_bad_order_is_refused_naming_the_field_and_nothing_is_written(api, account, stocked, change, field):
    body = copy.deepcopy(order_body(account))
    change(body)

    response = api.post(URL, body, format="json")

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert field in error["fields"], error
    assert error["message"]
    assert (Order.objects.count(), OrderEvent.objects.count(), reserved()) == (0, 0, 0)


def test_a_business_refusal_names_the_order_and_the_field_in_the_posted_shape(api, account, stocked):
    body = order_body(account, lines=[{"line_id": "A", "sku": "SITE-TEE-M", "quantity": 1, "unit_price": "824.00"},
                                      {"line_id": "A", "sku": "SITE-TEE-M", "quantity": 1, "unit_price": "824.00"}])  # fmt: skip

    error = api.post(URL, body, format="json").json()["error"]

    assert error["code"] == "invalid_order"
    assert error["message"].startswith("Order WEB-1001: lines[1].line_id:")


def test_an_order_for_a_marketplace_account_is_refused(api, tenant, warehouse, stocked):
    amazon = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")

    response = api.post(URL, order_body(amazon), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["account"] == [
        "Orders of an Amazon account come from its sync; post orders only to a custom account."
    ]
    assert Order.objects.count() == 0


def test_an_inactive_custom_account_takes_no_orders(api, account, stocked):
    account.is_active = False
    account.save()

    response = api.post(URL, order_body(account), format="json")

    assert (response.status_code, list(response.json()["error"]["fields"])) == (400, ["account"])


def test_another_tenants_account_reads_as_unknown(api, other_tenant, stocked):
    theirs = factories.make_account(other_tenant, name="Their site")

    response = api.post(URL, order_body(theirs), format="json")

    assert response.status_code == 400
    assert "account" in response.json()["error"]["fields"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("dto_field", "shape"),
    [("lines[2].channel_sku", "lines[2].sku"), ("lines[0].channel_line_id", "lines[0].line_id"), ("state", "status"),
     ("shipping_address.state", "shipping_address.state"), ("grand_total", "grand_total")],
)  # fmt: skip
def test_validation_fields_are_named_as_the_shape_names_them(dto_field, shape):
    assert shape_field(dto_field) == shape


def test_an_imported_orders_lines_cannot_change_and_the_poster_hears_so(api, account, stocked):
    api.post(URL, order_body(account), format="json")
    more = order_body(account, grand_total="2447.00")
    more["lines"][0]["quantity"] = 3

    response = api.post(URL, more, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("order_changed", ["lines[0].quantity"])
    assert error["fields"]["lines[0].quantity"][0].startswith("Was 2 when the order was imported;")
    assert (Order.objects.get().lines.get().quantity, reserved()) == (2, 2)


def test_an_added_line_is_refused_but_a_cancellation_needs_no_matching_lines(api, account, stocked):
    api.post(URL, order_body(account), format="json")
    extra = {"sku": "SITE-TEE-M", "quantity": 1, "unit_price": "799.00"}
    added = order_body(account, grand_total="2447.00", lines=[*order_body(account)["lines"], extra])

    refused = api.post(URL, added, format="json")
    cancelled = api.post(
        URL,
        order_body(account, status="cancelled", grand_total="2447.00", lines=added["lines"]),
        format="json",
    )

    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (409, ["lines"])
    assert (cancelled.status_code, cancelled.json()["status"], reserved()) == (200, "cancelled", 0)
