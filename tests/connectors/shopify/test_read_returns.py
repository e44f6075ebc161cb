"""ShopifyConnector.read_returns against ShopifySandbox: a refund restocking units as a return is a notice."""

from datetime import UTC, datetime, timedelta

from connectors.base import ChannelReturnDTO, ReturnKind
from connectors.shopify.returns import returns_from_order
from tests.connectors.shopify.conftest import START, indian_order, make_connector, sample

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def test_a_refund_restocked_as_a_return_is_one_customer_return_notice(sandbox, orders):
    refunded = sandbox.refund_lines(1004, {10040: 1, 10041: 2}, restock_type="return")

    page = make_connector(sandbox.url).read_returns(updated_after=EPOCH)

    (notice,) = page.returns
    refund = refunded["refunds"][-1]
    assert notice == ChannelReturnDTO(channel_return_id=str(refund["id"]), channel_order_id="1004", kind=ReturnKind.CUSTOMER,
                                      lines=(("TEE-0", 1), ("TEE-1", 2)), reason="",
                                      requested_at=datetime.fromisoformat(refund["created_at"]))  # fmt: skip
    assert page.failures == [] and page.next_token is None
    assert page.high_water == datetime.fromisoformat(refunded["updated_at"])


def test_a_cancel_or_money_only_refund_is_no_return(sandbox, orders):
    sandbox.refund_lines(1003, {10030: 1}, restock_type="cancel")
    sandbox.refund_lines(1005, {10050: 1}, restock_type="no_restock")

    page = make_connector(sandbox.url).read_returns(updated_after=START)

    assert page.returns == []
    assert len(page.failures) == 0 and page.high_water is not None


def test_pages_follow_the_order_stream_and_an_unreadable_order_is_a_failure(sandbox):
    for n in range(3):
        sandbox.add_order(indian_order(2001 + n, updated_at=START + timedelta(minutes=n)))
    sandbox.refund_lines(2003, {20030: 1}, restock_type="return")
    sandbox.update_order(2002, refunds="not a list")
    connector = make_connector(sandbox.url, page_size=2)

    first = connector.read_returns(updated_after=EPOCH)
    second = connector.read_returns(updated_after=EPOCH, token=first.next_token)

    assert len(first.returns + first.failures) + len(second.returns + second.failures) == 2  # 2001 has no refund
    assert [f.key for f in first.failures + second.failures] == ["2002"]
    assert [n.channel_order_id for n in first.returns + second.returns] == ["2003"] and second.next_token is None


def test_the_published_legacy_refund_counts_only_for_shipped_lines():
    order = sample("order.json")["order"]
    order["refunds"] = [sample("refund.json")["refund"]]
    for line in order["line_items"]:
        line["fulfillment_status"] = None
    assert returns_from_order(order) == []

    order["line_items"][0]["fulfillment_status"] = "fulfilled"
    (notice,) = returns_from_order(order)
    assert (notice.channel_return_id, notice.reason) == ("509562969", "it broke during shipping")
    assert notice.lines == ((order["line_items"][0]["sku"], 1),)
