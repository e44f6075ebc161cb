"""AmazonConnector.read_returns: the returns report (Reports API 2021-06-30) from AmazonSandbox over loopback."""

from datetime import UTC, datetime, timedelta

from connectors.amazon.returns import REPORT_TYPE, returns_from_report
from connectors.base import ReturnKind

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_each_rma_of_the_report_is_one_customer_return_notice(sandbox, connect):
    sandbox.feed_checks_in_progress = 1  # the report is IN_PROGRESS at the first check
    sandbox.add_return("403-1111111-0000001", "TEE-BLK-M", 1, rma_id="DRMA1", reason="APPAREL_TOO_SMALL", requested_at=T0)
    sandbox.add_return("403-1111111-0000001", "TEE-BLK-L", 2, rma_id="DRMA1", reason="APPAREL_TOO_SMALL", requested_at=T0)
    sandbox.add_return("403-1111111-0000002", "MUG", 1, rma_id="DRMA2", requested_at=T0 + timedelta(hours=1))
    sandbox.add_return("403-1111111-0000003", "MUG", 1, rma_id="DOLD", requested_at=T0 - timedelta(days=3))
    connector = connect(feed_poll_interval=0)

    page = connector.read_returns(updated_after=T0 - timedelta(days=1))

    by_id = {notice.channel_return_id: notice for notice in page.returns}
    assert sorted(by_id) == ["DRMA1", "DRMA2"] and page.failures == [] and page.next_token is None
    first = by_id["DRMA1"]
    assert (first.channel_order_id, first.kind, first.lines, first.reason, first.requested_at) == (
        "403-1111111-0000001", ReturnKind.CUSTOMER, (("TEE-BLK-M", 1), ("TEE-BLK-L", 2)), "APPAREL_TOO_SMALL", T0)
    assert page.high_water == T0 + timedelta(hours=1)
    (report,) = sandbox.reports.values()
    assert report["reportType"] == REPORT_TYPE


def test_a_report_without_returns_is_an_empty_page(sandbox, connect):
    page = connect().read_returns(updated_after=T0)

    assert (page.returns, page.failures, page.high_water) == ([], [], None)


def test_an_unreadable_row_fails_alone_and_a_cancelled_item_brings_nothing_back():
    text = ("Order ID\tReturn request date\tReturn request status\tAmazon RMA ID\tMerchant SKU\tReturn quantity\tReturn Reason\n"
            "403-1\t02-Nov-2026\tApproved\tR1\tTEE\t1\tDEFECTIVE\n"
            "403-1\t02-Nov-2026\tCancelled\tR1\tMUG\t1\tDEFECTIVE\n"
            "403-2\t2026-11-02\tApproved\tR2\tTEE\tone\t\n")  # fmt: skip

    notices, failures, latest = returns_from_report(text)

    assert [(n.channel_return_id, n.lines) for n in notices] == [("R1", (("TEE", 1),))]
    assert [(f.key, f.payload["Return quantity"]) for f in failures] == [("R2", "one")]
    assert latest == datetime(2026, 11, 2, tzinfo=UTC)
