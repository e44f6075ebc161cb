"""import_orders: idempotent upsert, allocation on arrival, channel cancellations, unmapped SKUs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hub.orders.models import Order, OrderLine
from hub.orders.services import import_order, import_orders
from hub.orders.validation import OrderError
from tests import factories
from tests.factories import order_dto
from warehouse import stock
from warehouse.models import StockLevel
from warehouse.selectors import stock_drift


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse, name="Own site")


@pytest.fixture
def stocked(sku, bin_a, account):
    stock.receive(sku, bin_a, 5, key="opening")
    factories.make_listing(account, sku, "SITE-TEE-M")
    return sku


def reserved(sku):
    return sum(StockLevel.objects.filter(sku=sku).values_list("reserved", flat=True))


def test_an_order_lands_allocated_with_its_stock_reserved(account, stocked, warehouse):
    order = import_order(account, order_dto("SO-1", ("SITE-TEE-M", 2, "799.00")))

    order.refresh_from_db()
    assert (order.status, order.warehouse, order.item_total) == ("allocated", warehouse, Decimal("1598.00"))
    assert reserved(stocked) == 2
    line = order.lines.get()
    assert (line.sku, line.quantity, line.cgst + line.sgst, line.igst) == (stocked, 2, Decimal("76.10"), 0)
    assert [e.kind for e in order.events.all()] == ["imported", "status:allocated"]
    assert "PNQ1" in order.events.last().message
    assert stock_drift() == []


def test_importing_the_same_order_twice_is_one_order_and_one_reservation(account, stocked):
    dto = order_dto("SO-1", ("SITE-TEE-M", 2, "799.00"))

    first = import_orders(account, [dto, dto])
    second = import_orders(account, [dto])

    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1
    assert first[0].created and first[1].created is True and not second[0].created
    assert reserved(stocked) == 2


def test_an_inter_state_order_pays_igst(account, stocked):
    order = import_order(account, order_dto("SO-2", ("SITE-TEE-M", 1, "1050.00"), ship_state="Karnataka", pincode="560001"))

    line = order.lines.get()
    assert (line.taxable_value, line.igst, line.cgst, line.sgst) == (Decimal("1000.00"), Decimal("50.00"), 0, 0)


def test_a_channel_cancellation_releases_exactly_what_was_reserved(account, stocked):
    import_order(account, order_dto("SO-1", ("SITE-TEE-M", 3, "799.00")))
    import_order(account, order_dto("SO-2", ("SITE-TEE-M", 1, "799.00")))

    order = import_order(account, order_dto("SO-1", ("SITE-TEE-M", 3, "799.00"), state="cancelled"))

    assert order.status == "cancelled"
    assert reserved(stocked) == 1
    assert list(order.lines.values_list("status", flat=True)) == ["cancelled"]
    assert stock_drift() == []


def test_a_cancellation_after_shipping_is_flagged_not_applied(account, stocked):
    order = import_order(account, order_dto("SO-1", ("SITE-TEE-M", 1, "799.00")))
    Order.objects.filter(pk=order.pk).update(status="shipped")

    order = import_order(account, order_dto("SO-1", ("SITE-TEE-M", 1, "799.00"), state="cancelled"))

    assert order.status == "shipped"
    assert order.needs_attention
    assert "after it was shipped" in order.attention_reason


def test_one_line_cancelled_by_the_channel_releases_that_line_only(account, stocked, tenant, bin_a):
    cap = factories.make_sku(tenant, "CAP")
    stock.receive(cap, bin_a, 5, key="cap-opening")
    factories.make_listing(account, cap, "SITE-CAP")
    import_order(account, order_dto("SO-1", ("SITE-TEE-M", 1, "799"), ("SITE-CAP", 2, "299")))

    order = import_order(account, order_dto("SO-1", ("SITE-TEE-M", 1, "799"), ("SITE-CAP", 2, "299", "cancelled")))

    assert order.status == "allocated"
    assert (reserved(stocked), reserved(cap)) == (1, 0)
    assert dict(order.lines.values_list("channel_sku", "status")) == {"SITE-TEE-M": "open", "SITE-CAP": "cancelled"}


def test_a_pending_order_waits_without_reserving_until_the_channel_opens_it(account, stocked):
    pending = import_order(account, order_dto("AMZ-1", ("SITE-TEE-M", 1, "799"), state="pending", shipping_address=None))

    assert pending.status == "pending"
    assert reserved(stocked) == 0

    opened = import_order(account, order_dto("AMZ-1", ("SITE-TEE-M", 1, "799")))
    opened.refresh_from_db()
    assert opened.status == "allocated"
    assert reserved(stocked) == 1


def test_an_older_copy_of_an_order_is_ignored(account, stocked):
    later = datetime(2026, 11, 20, 12, tzinfo=UTC)
    import_order(account, order_dto("SO-1", ("SITE-TEE-M", 1, "799"), state="cancelled", updated_at=later))

    order = import_order(account, order_dto("SO-1", ("SITE-TEE-M", 1, "799"), updated_at=later - timedelta(hours=1)))

    assert order.status == "cancelled"
    assert reserved(stocked) == 0


def test_an_unmapped_sku_keeps_the_order_waiting_until_it_is_mapped(account, stocked, tenant):
    from hub.orders.actions import map_waiting_lines

    order = import_order(account, order_dto("SO-9", ("UNKNOWN-SKU", 1, "799")))

    assert (order.status, order.needs_attention, order.attention_reason) == ("new", True, "Unmapped SKU: UNKNOWN-SKU")
    listing = factories.make_listing(account, stocked, "UNKNOWN-SKU")
    map_waiting_lines(listing)

    order.refresh_from_db()
    assert (order.status, order.needs_attention) == ("allocated", False)
    assert reserved(stocked) == 1


def test_an_order_that_cannot_be_filled_is_unfulfillable_and_says_why(account, stocked):
    order = import_order(account, order_dto("SO-1", ("SITE-TEE-M", 9, "799")))

    order.refresh_from_db()
    assert order.status == "unfulfillable"
    assert "needs 9 x TSHIRT-RED-M (PNQ1 has 5)" in order.events.last().message
    assert reserved(stocked) == 0


def test_the_same_state_warehouse_is_preferred_then_the_fuller_one(tenant, sku, warehouse, bin_a):
    blr = factories.make_warehouse(tenant, "BLR1", state="29", pincode="562123")
    blr_bin = factories.make_bin(blr, "B-01")
    account = factories.make_account(tenant, warehouse, blr)
    factories.make_listing(account, sku, "T")
    stock.receive(sku, bin_a, 2, key="pnq")
    stock.receive(sku, blr_bin, 9, key="blr")

    to_karnataka = import_order(account, order_dto("K-1", ("T", 1, "799"), ship_state="29", pincode="560001"))
    to_delhi = import_order(account, order_dto("D-1", ("T", 1, "799"), ship_state="07", pincode="110001"))
    to_pune = import_order(account, order_dto("P-1", ("T", 2, "799")))

    assert [Order.objects.get(pk=o.pk).warehouse.code for o in (to_karnataka, to_delhi, to_pune)] == ["BLR1", "BLR1", "PNQ1"]


def test_a_split_is_made_only_when_the_account_allows_it(tenant, sku, warehouse, bin_a):
    blr_bin = factories.make_bin(factories.make_warehouse(tenant, "BLR1", state="29", pincode="562123"), "B-01")
    stock.receive(sku, bin_a, 2, key="pnq")
    stock.receive(sku, blr_bin, 2, key="blr")
    no_split = factories.make_account(tenant, warehouse, blr_bin.warehouse, name="A")
    split = factories.make_account(tenant, warehouse, blr_bin.warehouse, name="B", allow_split=True)
    for account in (no_split, split):
        factories.make_listing(account, sku, "T")

    refused = import_order(no_split, order_dto("N-1", ("T", 3, "799")))
    split_order = import_order(split, order_dto("S-1", ("T", 3, "799")))

    assert Order.objects.get(pk=refused.pk).status == "unfulfillable"
    assert Order.objects.get(pk=split_order.pk).status == "allocated"
    assert sorted(split_order.lines.get().allocations.values_list("quantity", flat=True)) == [1, 2]


def test_a_bundle_line_reserves_its_components(account, tenant, bin_a):
    socks = factories.make_sku(tenant, "SOCK")
    combo = factories.make_sku(tenant, "SOCK-3", is_bundle=True)
    factories.BundleComponent.objects.create(tenant=tenant, bundle=combo, component=socks, quantity=3)
    factories.make_listing(account, combo, "COMBO")
    stock.receive(socks, bin_a, 7, key="socks")

    first = import_order(account, order_dto("B-1", ("COMBO", 2, "499")))
    second = import_order(account, order_dto("B-2", ("COMBO", 1, "499")))

    assert Order.objects.get(pk=first.pk).status == "allocated"
    assert Order.objects.get(pk=second.pk).status == "unfulfillable"
    assert reserved(socks) == 6


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": ()}, "lines"),
        ({"grand_total": Decimal("1.00")}, "grand_total"),
        ({"item_total": Decimal("5.00")}, "item_total"),
        ({"shipping_address": None}, "shipping_address"),
        ({"channel_order_id": ""}, "channel_order_id"),
    ],
)
def test_bad_orders_are_refused_naming_the_order_and_field_and_write_nothing(account, stocked, changes, field):
    import dataclasses

    dto = dataclasses.replace(order_dto("BAD-1", ("SITE-TEE-M", 1, "799")), **changes)

    with pytest.raises(OrderError) as error:
        import_order(account, dto)

    assert field in error.value.fields
    assert Order.objects.count() == 0
    assert reserved(stocked) == 0


@pytest.mark.parametrize(
    ("line", "field"),
    [(("SITE-TEE-M", -1, "799"), "lines[0].quantity"), (("SITE-TEE-M", 0, "799"), "lines[0].quantity")],
)
def test_negative_and_zero_quantities_are_refused(account, stocked, line, field):
    with pytest.raises(OrderError) as error:
        import_order(account, order_dto("BAD-2", line))

    assert field in error.value.fields


def test_a_malformed_address_is_refused(account, stocked):
    with pytest.raises(OrderError) as error:
        import_order(account, order_dto("BAD-3", ("SITE-TEE-M", 1, "799"), ship_state="Narnia", pincode="12"))

    assert set(error.value.fields) == {"shipping_address.state", "shipping_address.pincode"}
    assert "Order BAD-3" in str(error.value)


def test_one_bad_order_in_a_page_does_not_block_the_others(account, stocked):
    import dataclasses

    bad = dataclasses.replace(order_dto("BAD", ("SITE-TEE-M", 1, "799")), grand_total=Decimal("3"))
    outcomes = import_orders(account, [order_dto("G-1", ("SITE-TEE-M", 1, "799")), bad, order_dto("G-2", ("SITE-TEE-M", 1, "799"))])

    assert [o.error is None for o in outcomes] == [True, False, True]
    assert set(Order.objects.values_list("channel_order_id", flat=True)) == {"G-1", "G-2"}


def test_an_export_order_keeps_its_foreign_address_and_is_zero_rated(account, stocked):
    from connectors.base import AddressDTO

    address = AddressDTO(name="Jane Doe", line1="1 Main St", city="Seattle", state="WA", pincode="98101-1234", country="US")

    order = import_order(account, order_dto("EXP-1", ("SITE-TEE-M", 1, "100"), shipping_address=address))

    assert (order.ship_state, order.ship_pincode, order.shipping_address["country"]) == ("", "98101-1234", "US")
    assert Order.objects.get(pk=order.pk).status == "allocated"
    line = order.lines.get()
    assert (line.taxable_value, line.igst, line.cgst, line.sgst) == (Decimal("100.00"), 0, 0, 0)


def test_an_item_the_channel_cancelled_before_anything_was_ordered_is_kept_as_cancelled(account, stocked):
    order = import_order(account, order_dto("AMZ-2", ("SITE-TEE-M", 1, "799"), ("SITE-TEE-M-X", 0, "0", "cancelled")))

    assert dict(order.lines.values_list("channel_sku", "status")) == {"SITE-TEE-M": "open", "SITE-TEE-M-X": "cancelled"}
    assert Order.objects.get(pk=order.pk).status == "allocated"


def test_an_order_the_channel_ships_itself_moves_to_shipped_without_our_stock(account, stocked):
    import_order(account, order_dto("FBA-1", ("SITE-TEE-M", 1, "799"), state="pending", shipping_address=None))

    order = import_order(account, order_dto("FBA-1", ("SITE-TEE-M", 1, "799"), state="shipped"))

    assert order.status == "shipped"
    assert reserved(stocked) == 0


def test_a_channel_shipping_an_order_the_hub_reserved_is_flagged(account, stocked):
    import_order(account, order_dto("SO-7", ("SITE-TEE-M", 1, "799")))

    order = import_order(account, order_dto("SO-7", ("SITE-TEE-M", 1, "799"), state="shipped"))

    assert (order.status, order.needs_attention) == ("allocated", True)
    assert reserved(stocked) == 1
