"""The returns desk: RTOs and customer returns, graded unit by unit, back into stock through the ledger."""

import pytest
from django.utils import timezone

from hub.channels.models import ChannelReturn, ListingOutbox
from hub.channels.selectors import available_by_sku
from hub.core.errors import Conflict, DomainError
from hub.orders.models import Order
from hub.orders.services import import_order
from tests import factories
from tests.concurrency import race
from tests.factories import order_dto
from tests.warehouse.returns.conftest import ship
from warehouse.models import Bin, StockLevel, StockMovement
from warehouse.returns import actions, lookup
from warehouse.returns.models import Return, ReturnLine


def on_hand(sku, bin) -> int:
    return StockLevel.objects.filter(sku=sku, bin=bin).values_list("on_hand", flat=True).first() or 0


def test_an_rto_graded_damaged_lands_in_the_damaged_bin_and_is_not_sellable(shipped, account, sku, admin_user):
    sellable_before = available_by_sku(account, [sku.pk])[sku.pk]
    ret, created = actions.open_return(shipped, kind=Return.Kind.RTO, reference="AWB123", actor=admin_user)

    scan = actions.scan_unit(ret, barcode=sku.code, grade="damaged", actor=admin_user)

    damaged = Bin.objects.get(warehouse=shipped.warehouse, kind=Bin.Kind.DAMAGED)
    assert created and scan.bin == damaged and scan.left == 1
    assert on_hand(sku, damaged) == 1
    assert available_by_sku(account, [sku.pk])[sku.pk] == sellable_before
    movement = StockMovement.objects.get(bin=damaged)
    assert (movement.kind, movement.reason, movement.reference) == ("receive", "RTO", f"order O-1 return {ret.pk}")


def test_a_customer_return_graded_good_is_sellable_once_put_away_and_reaches_the_channel(delivered, account, sku,
                                                                                          listing, bin_b):  # fmt: skip
    ret, _ = actions.open_return(delivered, kind=Return.Kind.CUSTOMER)
    scan = actions.scan_unit(ret, barcode=sku.code, grade="good")

    assert scan.bin.kind == Bin.Kind.RETURNS and on_hand(sku, scan.bin) == 1
    assert available_by_sku(account, [sku.pk])[sku.pk] == 8  # in the returns area: not for sale yet
    ListingOutbox.objects.all().delete()  # as if the channel had been pushed since

    actions.put_away(ret, barcode=sku.code, to_bin=bin_b)

    assert available_by_sku(account, [sku.pk])[sku.pk] == 9
    assert (on_hand(sku, scan.bin), on_hand(sku, bin_b)) == (0, 1)
    assert ListingOutbox.objects.filter(listing=listing).exists()


def test_completing_a_full_return_marks_the_lines_and_the_order_returned(shipped, sku, admin_user):
    Order.objects.filter(pk=shipped.pk).update(needs_attention=True, attention_reason="The channel reports it returned")
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)
    actions.scan_unit(ret, barcode=sku.code, grade="good")
    actions.scan_unit(ret, barcode=sku.code, grade="damaged")

    actions.complete_return(ret, actor=admin_user)

    order = Order.objects.get(pk=shipped.pk)
    assert (order.status, order.needs_attention) == ("returned", False)
    assert set(order.lines.values_list("status", flat=True)) == {"returned"}
    last = order.events.last()
    assert (last.kind, last.actor, last.details["good"], last.details["damaged"]) == ("status:returned", admin_user, 1, 1)
    assert Return.objects.get(pk=ret.pk).status == "completed"


def test_a_partial_return_keeps_the_order_shipped_and_records_what_came_back(account, stocked, sku, other_sku):
    order = ship(import_order(account, order_dto("O-3", ("T", 2, "499"), ("M", 1, "299"))))
    ret, _ = actions.open_return(order, kind=Return.Kind.CUSTOMER)
    actions.scan_unit(ret, barcode=other_sku.code, grade="good")
    actions.scan_unit(ret, barcode=sku.code, grade="good")
    actions.complete_return(ret)

    order.refresh_from_db()
    assert order.status == "shipped"
    assert dict(order.lines.values_list("channel_sku", "status")) == {"T": "shipped", "M": "returned"}
    event = order.events.last()
    assert (event.kind, event.details["still_out"]) == ("returned_partly", 1)

    second, created = actions.open_return(order, kind=Return.Kind.CUSTOMER)
    assert created and second.pk != ret.pk
    actions.scan_unit(second, barcode=sku.code, grade="good")
    actions.complete_return(second)
    assert Order.objects.get(pk=order.pk).status == "returned"


def test_a_unit_not_on_the_order_is_refused(shipped, other_sku):
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)

    with pytest.raises(DomainError, match="MUG-WHITE is not on order O-1; keep it apart") as refused:
        actions.scan_unit(ret, barcode=other_sku.code, grade="good")
    assert refused.value.code == "not_on_order"
    with pytest.raises(DomainError, match="No SKU has the barcode 'NOPE'"):
        actions.scan_unit(ret, barcode="NOPE", grade="good")


def test_more_units_than_shipped_are_refused(shipped, sku):
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)
    actions.scan_unit(ret, barcode=sku.code, grade="good")
    actions.scan_unit(ret, barcode=sku.code, grade="good")

    with pytest.raises(Conflict, match=r"shipped 2 x TSHIRT-RED-M and 2 came back already: no more can come back"):
        actions.scan_unit(ret, barcode=sku.code, grade="good")


def test_a_keyed_quantity_only_for_skus_that_allow_it(shipped, sku):
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)
    with pytest.raises(DomainError, match="Scan each unit of TSHIRT-RED-M"):
        actions.scan_unit(ret, barcode=sku.code, grade="good", quantity=2)

    sku.key_quantity = True
    sku.save()
    with pytest.raises(Conflict, match="only 2 more can come back"):
        actions.scan_unit(ret, barcode=sku.code, grade="good", quantity=3)
    assert actions.scan_unit(ret, barcode=sku.code, grade="good", quantity=2).left == 0


def test_a_unit_is_found_by_any_of_its_barcodes(shipped, sku):
    factories.make_barcode(sku, "8901234567890", kind="ean")
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)

    assert actions.scan_unit(ret, barcode="8901234567890", grade="good").lines[0].sku == sku


def test_an_order_not_shipped_cannot_come_back(account, stocked):
    allocated = import_order(account, order_dto("O-9", ("T", 1, "499")))
    assert allocated.status == "allocated"

    with pytest.raises(Conflict, match="O-9 is allocated: only a shipped or delivered order can come back"):
        actions.open_return(allocated, kind=Return.Kind.CUSTOMER)
    with pytest.raises(Conflict, match="an RTO is a shipped order"):
        actions.open_return(allocated, kind=Return.Kind.RTO)


def test_a_delivered_order_is_a_customer_return_not_an_rto(delivered):
    with pytest.raises(Conflict, match="it was delivered, so it comes back as a customer return"):
        actions.open_return(delivered, kind=Return.Kind.RTO)


def test_scanning_the_order_again_resumes_its_open_return(shipped):
    first, created = actions.open_return(shipped, kind=Return.Kind.RTO)
    again, created_again = actions.open_return(shipped, kind=Return.Kind.RTO)

    assert (created, created_again, again.pk) == (True, False, first.pk)
    with pytest.raises(Conflict, match="has an open RTO"):
        actions.open_return(shipped, kind=Return.Kind.CUSTOMER)


def test_an_order_all_back_cannot_be_returned_again(shipped, sku):
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)
    actions.scan_unit(ret, barcode=sku.code, grade="good", quantity=1)
    actions.scan_unit(ret, barcode=sku.code, grade="good", quantity=1)
    actions.complete_return(ret)
    Order.objects.filter(pk=shipped.pk).update(status="shipped")  # the channel says otherwise

    with pytest.raises(Conflict, match="Every shipped unit of order O-1 is back already"):
        actions.open_return(shipped, kind=Return.Kind.RTO)


def test_put_away_refuses_what_is_not_waiting_and_bins_that_are_not_storage(shipped, sku, bin_b, warehouse):
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)
    actions.scan_unit(ret, barcode=sku.code, grade="damaged")
    with pytest.raises(Conflict, match="waiting to be put away: none"):
        actions.put_away(ret, barcode=sku.code, to_bin=bin_b)

    scan = actions.scan_unit(ret, barcode=sku.code, grade="good")
    with pytest.raises(DomainError, match="is a returns bin; put good units in a storage bin"):
        actions.put_away(ret, barcode=sku.code, to_bin=scan.bin)
    bin_b.counting_since = timezone.now()
    bin_b.save()
    with pytest.raises(Conflict, match="A-01-02 is being counted"):
        actions.put_away(ret, barcode=sku.code, to_bin=bin_b)


def test_an_empty_return_can_be_cancelled_but_not_completed(shipped, sku):
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)
    with pytest.raises(Conflict, match="Nothing was scanned"):
        actions.complete_return(ret)

    assert actions.cancel_return(ret).status == "cancelled"
    with pytest.raises(Conflict, match="cancelled"):
        actions.scan_unit(ret, barcode=sku.code, grade="good")


def test_an_awb_is_looked_up_through_the_shipping_app_s_registered_lookup(shipped, tenant):
    def by_awb(tenant, awb):
        return shipped if awb == "AWB-777" else None

    with pytest.raises(DomainError, match="No order or AWB AWB-777"):
        lookup.order_for_code(tenant, "AWB-777")
    lookup.register_awb_lookup(by_awb)
    try:
        assert lookup.order_for_code(tenant, "AWB-777") == shipped
        assert lookup.order_for_code(tenant, "O-1") == shipped  # the order id still works
    finally:
        lookup.unregister_awb_lookup(by_awb)


def test_an_order_id_on_two_accounts_asks_for_the_awb(tenant, warehouse, shipped):
    other = factories.make_account(tenant, warehouse, name="Second shop")
    import_order(other, order_dto("O-1", ("X", 1, "10")))

    with pytest.raises(Conflict, match="on several channel accounts"):
        lookup.order_for_code(tenant, "O-1")


@pytest.mark.django_db(transaction=True)
def test_handhelds_racing_for_the_last_units_return_no_more_than_shipped(postgres, shipped, sku):
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)

    outcomes = race([lambda: actions.scan_unit(ret, barcode=sku.code, grade="good")] * 4)

    assert sorted(type(o).__name__ for o in outcomes) == ["Scan", "Scan", "TooMany", "TooMany"]
    assert ReturnLine.objects.filter(order_return=ret).count() == 2


def test_completing_a_return_marks_what_the_channel_announced_received(shipped, account, sku):
    announced = ChannelReturn.objects.create(
        tenant=account.tenant, account=account, channel_return_id="R-1", channel_order_id="O-1", order=None,
        kind="rto", lines=[{"channel_sku": "T", "sku_id": sku.pk, "quantity": 2}], reason="Customer refused",
    )  # fmt: skip
    other = ChannelReturn.objects.create(tenant=account.tenant, account=account, channel_return_id="R-2",
                                         channel_order_id="O-9", kind="customer", lines=[])  # fmt: skip
    ret, _ = actions.open_return(shipped, kind=Return.Kind.RTO)
    actions.scan_unit(ret, barcode=sku.code, grade="good")

    actions.complete_return(ret)

    announced.refresh_from_db()
    assert (announced.status, announced.received_return, announced.order) == ("received", ret, shipped)
    assert ChannelReturn.objects.get(pk=other.pk).status == "expected"
