"""The orders and channels pages: rows of the tenant only, filters and tabs with counts, the order page,
the actions on it, who may do what, and bounded queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.dashboard.templatetags.dashboard import policy
from hub.orders.models import Order
from hub.orders.services import import_orders
from tests import factories
from tests.factories import ChannelAccountSpec, order_dto
from tests.hub.dashboard.conftest import client_for, ordered
from warehouse import stock
from warehouse.models import StockLevel


def order_ids(response) -> list[str]:
    return [order.channel_order_id for order in response.context["page"].object_list]


def act(client, order, action: str, **data):
    """Press an order's button and follow the redirect back to the order's page."""
    return client.post(action_url(order, action), data, follow=True)


def said(response) -> list[tuple[str, str]]:
    """The messages the page shows (and so uses up)."""
    return [(message.level_tag, message.message) for message in response.context["messages"]]


def reserved() -> int:
    return sum(StockLevel.objects.values_list("reserved", flat=True))


def action_url(order, action: str) -> str:
    return f"/orders/{order.pk}/{action}/"


# The orders list


def test_orders_lists_the_tenants_orders_newest_first(ops, orders, rival_order):
    response = ops.get("/orders/")

    assert order_ids(response) == ["AMZ-1004", "AMZ-1003", "AMZ-1002", "AMZ-1001"]
    rows = {order.channel_order_id: order for order in response.context["page"].object_list}
    assert [
        (rows[i].status, rows[i].line_count, rows[i].units) for i in ("AMZ-1001", "AMZ-1002", "AMZ-1003")
    ] == [
        ("allocated", 1, 2),
        ("new", 1, 1),
        ("unfulfillable", 1, 50),
    ]
    assert (rows["AMZ-1004"].is_overdue, rows["AMZ-1001"].is_overdue) == (True, False)
    assert rows["AMZ-1001"].warehouse.code == "PNQ1"
    content = response.content.decode()
    assert "₹999.00" in content  # 2 x 499.50
    assert "₹22,500.00" in content  # 50 x 450
    assert "Unmapped SKU: AMZ-MYSTERY" in content
    assert "Acme Amazon" in content
    assert "RIVAL" not in content and "Rival" not in content


def test_the_tabs_count_and_show_their_orders(ops, orders, rival_order):
    response = ops.get("/orders/")

    assert response.context["counts"] == {"all": 4, "attention": 1, "unfulfillable": 1, "overdue": 1}
    assert order_ids(ops.get("/orders/", {"tab": "attention"})) == ["AMZ-1002"]
    assert order_ids(ops.get("/orders/", {"tab": "unfulfillable"})) == ["AMZ-1003"]
    assert order_ids(ops.get("/orders/", {"tab": "overdue"})) == ["AMZ-1004"]
    content = response.content.decode()
    assert 'Needs attention <span class="tab-count tab-count-warn">1</span>' in content
    assert 'Ship-by overdue <span class="tab-count tab-count-bad">1</span>' in content


def test_a_cancelled_or_shipped_order_is_not_overdue(ops, orders):
    Order.objects.filter(channel_order_id="AMZ-1004").update(status="shipped")
    late = orders["AMZ-1001"]
    Order.objects.filter(pk=late.pk).update(ship_by=timezone.now() - timedelta(days=1), status="cancelled")

    response = ops.get("/orders/", {"tab": "overdue"})

    assert response.context["counts"]["overdue"] == 0
    assert order_ids(response) == []


def test_orders_filter_by_status_account_and_search(ops, orders, tenant, warehouse):
    shopify = factories.make_account(tenant, warehouse, kind="shopify", name="Acme store")
    factories.make_listing(shopify, orders["AMZ-1001"].lines.get().sku, "TEE")
    import_orders(
        shopify,
        [order_dto("SHOP-1", ("TEE", 1, "799"), ordered_at=ordered(5), buyer_email="meena@example.com")],
    )

    assert order_ids(ops.get("/orders/", {"status": "allocated"})) == ["SHOP-1", "AMZ-1004", "AMZ-1001"]
    assert order_ids(ops.get("/orders/", {"account": shopify.pk})) == ["SHOP-1"]
    assert order_ids(ops.get("/orders/", {"q": "meena"})) == ["SHOP-1", "AMZ-1003"]
    assert order_ids(ops.get("/orders/", {"q": "amz-1002"})) == ["AMZ-1002"]
    searched = ops.get("/orders/", {"q": "meena", "tab": "unfulfillable"})
    assert order_ids(searched) == ["AMZ-1003"]
    assert searched.context["counts"] == {"all": 2, "attention": 0, "unfulfillable": 1, "overdue": 0}


def test_orders_ignore_another_tenants_account_and_a_bogus_tab(ops, orders, rival_order):
    response = ops.get("/orders/", {"account": rival_order.account_id, "tab": "bogus"})

    assert "account" in response.context["form"].errors
    assert response.context["tab"] == "all"
    assert len(order_ids(response)) == 4
    assert "RIVAL" not in response.content.decode()


def test_orders_page_by_fifty(ops, amazon, stocked):
    import_orders(amazon, [order_dto(f"BULK-{n:03d}", ("AMZ-TSHIRT", 1, "10"), ordered_at=ordered(1) + timedelta(minutes=n))
                           for n in range(55)])  # fmt: skip

    first = ops.get("/orders/")
    second = ops.get("/orders/", {"page": 2})

    assert len(order_ids(first)) == 50
    assert order_ids(first)[0] == "BULK-054"
    assert order_ids(second) == ["BULK-004", "BULK-003", "BULK-002", "BULK-001", "BULK-000"]
    assert "Page 1 of 2" in first.content.decode()


def test_the_orders_list_makes_no_query_per_row(ops, amazon, stocked, django_assert_max_num_queries):
    import_orders(amazon, [
        order_dto(f"Q-{n:02d}", ("AMZ-TSHIRT", 1, "10"), ("AMZ-NEW", 2, "20"), ordered_at=ordered(1) + timedelta(minutes=n))
        for n in range(30)
    ])  # fmt: skip

    with django_assert_max_num_queries(10):
        response = ops.get("/orders/")

    assert len(order_ids(response)) == 30


# The order page


def test_order_page_shows_lines_allocations_taxes_and_timeline(ops, orders, sku):
    order = orders["AMZ-1001"]

    response = ops.get(f"/orders/{order.pk}/")

    detail = response.context["detail"]
    line = detail.lines[0]
    assert [(a.bin.code, a.quantity, a.released) for a in line.allocation_rows] == [("A-01-01", 2, False)]
    # 999.00 with 5% GST included, shipped within Maharashtra: CGST + SGST, summing to the tax exactly
    assert [str(v) for v in (line.taxable_value, line.cgst, line.sgst, line.igst)] == [
        "951.43",
        "23.79",
        "23.78",
        "0.00",
    ]
    assert detail.gst == {
        "cgst": Decimal("23.79"),
        "sgst": Decimal("23.78"),
        "igst": 0,
        "total": Decimal("47.57"),
    }
    assert [event.kind for event in detail.events] == ["imported", "status:allocated"]
    content = response.content.decode()
    assert f'href="/catalog/{sku.pk}/">TSHIRT-RED-M</a>' in content
    assert "<code>A-01-01</code> \N{MULTIPLICATION SIGN} 2" in content
    assert "14 MG Road" in content and "Asha Rao" in content
    assert "₹999.00" in content
    assert "Allocated to PNQ1" in content
    assert "CGST ₹23.79 + SGST ₹23.78" in content


def test_order_page_marks_an_unmapped_line_and_why_the_order_waits(ops, orders):
    content = ops.get(f"/orders/{orders['AMZ-1002'].pk}/").content.decode()

    assert '<span class="badge badge-bad">unmapped</span>' in content
    assert "Needs attention:</strong> Unmapped SKU: AMZ-MYSTERY" in content
    assert "Unmapped SKU</span> Waiting: no listing maps AMZ-MYSTERY." in content


@pytest.mark.parametrize(
    ("order_id", "buttons"),
    [
        ("AMZ-1001", {"cancel", "hold"}),
        ("AMZ-1002", {"cancel", "hold", "allocate"}),
        ("AMZ-1003", {"cancel", "hold", "allocate"}),
    ],
)
def test_the_order_page_offers_the_actions_its_status_allows(ops, orders, order_id, buttons):
    order = orders[order_id]

    content = ops.get(f"/orders/{order.pk}/").content.decode()

    shown = {
        action for action in ("cancel", "hold", "release", "allocate") if action_url(order, action) in content
    }
    assert shown == buttons


def test_a_held_order_offers_release_and_a_cancelled_one_nothing(ops, orders):
    held = orders["AMZ-1001"]
    ops.post(action_url(held, "hold"), {"reason": "fraud check"})
    cancelled = orders["AMZ-1004"]
    ops.post(action_url(cancelled, "cancel"), {"reason": "duplicate"})

    held_page = ops.get(f"/orders/{held.pk}/").content.decode()
    cancelled_page = ops.get(f"/orders/{cancelled.pk}/").content.decode()

    assert action_url(held, "release") in held_page and action_url(held, "hold") not in held_page
    assert "Actions" not in cancelled_page


def test_another_tenants_order_is_not_found(ops, orders, rival_order):
    assert ops.get(f"/orders/{rival_order.pk}/").status_code == 404
    assert ops.post(action_url(rival_order, "cancel"), {"reason": "x"}).status_code == 404
    assert Order.objects.get(pk=rival_order.pk).status == "allocated"


def test_a_cancelled_order_no_longer_needs_attention(ops, orders):
    waiting = orders["AMZ-1002"]

    act(ops, waiting, "cancel", reason="the SKU is discontinued")

    assert ops.get("/orders/").context["counts"]["attention"] == 0
    assert order_ids(ops.get("/orders/", {"tab": "attention"})) == []
    assert "Needs attention:" not in ops.get(f"/orders/{waiting.pk}/").content.decode()


def test_the_order_page_makes_a_fixed_number_of_queries(ops, amazon, stocked, django_assert_max_num_queries):
    lines = [(f"L-{n}", 1, "10") for n in range(20)]
    order = import_orders(amazon, [order_dto("BIG-1", *lines)])[0].order

    with django_assert_max_num_queries(10):
        assert ops.get(f"/orders/{order.pk}/").status_code == 200


# Actions


def test_cancelling_changes_the_status_releases_stock_and_writes_the_timeline(ops, users, orders):
    order = orders["AMZ-1001"]
    before = reserved()

    response = act(ops, order, "cancel", reason="buyer called")

    assert response.redirect_chain == [(f"/orders/{order.pk}/", 302)]
    assert said(response) == [("success", "Order AMZ-1001 cancelled.")]
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert reserved() == before - 2
    last = order.events.last()
    assert (last.kind, last.message, last.actor) == (
        "status:cancelled",
        "Cancelled. buyer called",
        users["operations"],
    )
    page = ops.get(f"/orders/{order.pk}/").content.decode()
    assert "Cancelled. buyer called" in page and "by acme.operations" in page


def test_cancelling_needs_a_reason(ops, orders):
    order = orders["AMZ-1001"]

    response = act(ops, order, "cancel", reason="  ")

    assert said(response) == [("error", "Give a reason.")]
    assert Order.objects.get(pk=order.pk).status == "allocated"


def test_hold_then_release_allocates_again(ops, orders):
    order = orders["AMZ-1001"]
    before = reserved()

    held = act(ops, order, "hold", reason="address check")
    assert said(held) == [("success", "Order AMZ-1001 is on hold.")]
    assert (Order.objects.get(pk=order.pk).status, reserved()) == ("on_hold", before - 2)

    released = act(ops, order, "release")
    assert said(released) == [("success", "Hold released: order AMZ-1001 is Allocated.")]
    assert (Order.objects.get(pk=order.pk).status, reserved()) == ("allocated", before)
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["status:on_hold", "status:new", "status:allocated"]


def test_retrying_allocation_allocates_once_there_is_stock(ops, orders, sku, bin_b):
    order = orders["AMZ-1003"]

    still = act(ops, order, "allocate")
    assert said(still) == [("warning", "Allocation tried again: order AMZ-1003 is Unfulfillable.")]

    stock.receive(sku, bin_b, 50, key="restock")
    done = act(ops, order, "allocate")
    assert said(done) == [("success", "Allocation tried again: order AMZ-1003 is Allocated.")]
    assert Order.objects.get(pk=order.pk).status == "allocated"


def test_a_refused_action_shows_the_domain_error(ops, orders):
    unmapped = orders["AMZ-1002"]
    shipped = orders["AMZ-1001"]
    Order.objects.filter(pk=shipped.pk).update(status="shipped")

    not_mapped = act(ops, unmapped, "allocate")
    too_late = act(ops, shipped, "cancel", reason="buyer called")

    assert said(not_mapped) == [
        ("error", "The order has lines whose channel SKU is not mapped; map them first.")
    ]
    assert said(too_late) == [("error", "An order cannot go from shipped to cancelled.")]
    assert 'role="alert">An order cannot go from shipped to cancelled.</div>' in too_late.content.decode()
    assert Order.objects.get(pk=shipped.pk).status == "shipped"
    assert "alert-error" not in ops.get(f"/orders/{shipped.pk}/").content.decode()  # shown once


def test_the_message_is_shown_on_the_page_after_the_redirect(ops, orders):
    response = act(ops, orders["AMZ-1001"], "cancel", reason="buyer called")

    assert (
        '<div class="alert alert-success" role="status">Order AMZ-1001 cancelled.</div>'
        in response.content.decode()
    )


def test_an_unknown_action_or_a_get_is_refused(ops, orders):
    order = orders["AMZ-1001"]

    assert ops.post(action_url(order, "ship")).status_code == 404
    assert ops.get(action_url(order, "cancel")).status_code == 405


# Who may do what


def test_finance_reads_the_pages_but_sees_no_buttons_and_may_not_act(finance, orders, amazon):
    order = orders["AMZ-1003"]

    assert finance.get("/orders/").status_code == 200
    assert finance.get("/channels/").status_code == 200
    assert finance.get(f"/channels/{amazon.pk}/").status_code == 200
    page = finance.get(f"/orders/{order.pk}/")
    assert page.status_code == 200
    assert "Retry allocation" not in page.content.decode()
    assert "Cancel order" not in page.content.decode()
    for action in ("cancel", "hold", "release", "allocate"):
        assert finance.post(action_url(order, action), {"reason": "x"}).status_code == 403
    assert Order.objects.get(pk=order.pk).status == "unfulfillable"


def test_an_admin_may_act(users, orders):
    order = orders["AMZ-1001"]

    client_for(users["admin"]).post(action_url(order, "hold"))

    assert Order.objects.get(pk=order.pk).status == "on_hold"


def test_a_picker_is_sent_to_the_scanner(picker, orders, amazon):
    order = orders["AMZ-1001"]

    for url in ("/orders/", f"/orders/{order.pk}/", "/channels/", f"/channels/{amazon.pk}/"):
        assert picker.get(url)["Location"] == "/scan/"
    assert picker.post(action_url(order, "cancel"), {"reason": "x"})["Location"] == "/scan/"
    assert Order.objects.get(pk=order.pk).status == "allocated"


def test_an_anonymous_visitor_is_asked_to_sign_in(client, orders):
    assert client.get("/orders/")["Location"].startswith("/login/?next=")
    assert client.post(action_url(orders["AMZ-1001"], "cancel"))["Location"].startswith("/login/?next=")


# Channels


def test_channels_lists_the_tenants_accounts_with_policy_and_counts(ops, orders, amazon, rival_order):
    response = ops.get("/channels/")

    accounts = list(response.context["accounts"])
    assert [(a.name, a.listing_count, a.dirty_count) for a in accounts] == [("Acme Amazon", 1, 1)]
    content = response.content.decode()
    assert "buffer 2 · 50% · cap 10 · zero below 3" in content
    assert "<code>PNQ1</code>" in content
    assert "Rival" not in content


def test_a_channel_account_shows_what_each_listing_is_offered_and_why(ops, orders, amazon, sku):
    response = ops.get(f"/channels/{amazon.pk}/")

    [item] = response.context["page"].object_list
    # 15 on hand - 1 reserved by hand - 3 by orders = 11; 50% of 11 is 5; less the buffer of 2 is 3.
    assert (item.listing.channel_sku, item.listing.sku.code, item.offer.available, item.quantity) == (
        "AMZ-TSHIRT", "TSHIRT-RED-M", 11, 3,
    )  # fmt: skip
    assert item.listing.is_dirty
    content = response.content.decode()
    assert "11 available; 50% of 11: 5; buffer of 2 held back: 3" in content
    assert "to push" in content


def test_a_channel_account_shows_its_schedule_alert_and_what_the_channel_reported(ops, amazon):
    from django.utils import timezone

    from hub.channels.models import ChannelAccount, Listing, SyncRun

    SyncRun.objects.create(tenant=amazon.tenant, account=amazon, stream="orders", status="failed", message="getOrders answered 503")
    ChannelAccount.objects.filter(pk=amazon.pk).update(alert="The orders sync keeps failing (3 runs in a row): 503",
                                                       stock_reconcile_minutes=1440)  # fmt: skip
    Listing.objects.filter(account=amazon).update(channel_quantity=7, channel_quantity_at=timezone.now())

    response = ops.get(f"/channels/{amazon.pk}/")

    rows = {row["name"]: row for row in response.context["schedule"]}
    assert list(rows) == ["Order pull", "Stock push", "Price push", "Stock reconciliation", "Return pull"]
    assert (rows["Order pull"]["every"], rows["Order pull"]["run"].status) == ("5 min", "failed")
    assert rows["Return pull"]["every"] == "1 h"
    assert rows["Stock reconciliation"]["every"] == "1 day"
    content = response.content.decode()
    assert "The orders sync keeps failing (3 runs in a row): 503" in content
    assert "getOrders answered 503" in content
    assert 'title="differs from what the hub offers; the next push corrects it">7</span>' in content


def test_a_pushed_listing_is_not_dirty(ops, amazon):
    from hub.channels.models import ListingOutbox

    ListingOutbox.objects.all().delete()

    item = ops.get(f"/channels/{amazon.pk}/").context["page"].object_list[0]

    assert not item.listing.is_dirty
    assert ops.get("/channels/").context["accounts"][0].dirty_count == 0


def test_another_tenants_channel_account_is_not_found(ops, rival_order):
    assert ops.get(f"/channels/{rival_order.account_id}/").status_code == 404


def test_channel_listings_page_by_a_hundred(ops, amazon, tenant, django_assert_max_num_queries):
    for n in range(105):
        factories.make_listing(amazon, factories.make_sku(tenant, f"P-{n:03d}"), f"CH-{n:03d}")

    with django_assert_max_num_queries(12):
        first = ops.get(f"/channels/{amazon.pk}/")
    second = ops.get(f"/channels/{amazon.pk}/", {"page": 2})

    assert len(first.context["page"].object_list) == 100  # the T-shirt's listing and CH-000 to CH-098
    assert [item.listing.channel_sku for item in second.context["page"].object_list] == [
        "CH-099", "CH-100", "CH-101", "CH-102", "CH-103", "CH-104",
    ]  # fmt: skip
    assert "Page 2 of 2" in second.content.decode()


def test_the_policy_summary_says_all_available_without_limits():
    assert policy(ChannelAccountSpec()) == "all available"
    assert policy(ChannelAccountSpec(max_units=0)) == "cap 0"


# Home and nav


def test_home_has_order_tiles_that_link_to_the_tabs(ops, orders, rival_order):
    response = ops.get("/")

    assert response.context["orders"] == {"all": 4, "attention": 1, "unfulfillable": 1, "overdue": 1}
    content = response.content.decode()
    assert 'data-figure="orders_attention">1<' in content
    assert 'data-figure="orders_unfulfillable">1<' in content
    assert 'href="/orders/?tab=attention"' in content
    assert 'href="/orders/?tab=unfulfillable"' in content


def test_the_nav_links_orders_and_channels_and_lights_them_up(ops):
    response = ops.get("/orders/")

    assert [item.label for item in response.context["items"]][:3] == ["Home", "Orders", "Channels"]
    assert '<a href="/orders/" class="active" aria-current="page">Orders</a>' in response.content.decode()
