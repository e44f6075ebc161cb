"""sync.pull_returns: the returns stream read into ChannelReturn rows, once each, with its cursor."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import (
    Capability,
    ChannelReturnDTO,
    Connector,
    OrderPage,
    RecordFailure,
    ReturnKind,
    ReturnPage,
)
from hub.channels import sync
from hub.channels.models import ChannelReturn, SyncCursor, SyncFailure, SyncRun
from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class ReturnsConnector(Connector):
    """Serves the notices it is given, one page per call of ``pages``; remembers each window asked for."""

    kind = "shopify"
    capabilities = frozenset({Capability.PULL_ORDERS, Capability.PULL_RETURNS})

    def __init__(self, *pages: ReturnPage) -> None:
        super().__init__({})
        self.pages, self.asked = list(pages), []

    def read_orders(self, *, updated_after, token=None):
        return OrderPage([])

    def read_returns(self, *, updated_after, token=None):
        self.asked.append((updated_after, token))
        index = int(token or 0)
        return self.pages[index]


def notice(return_id: str, order_id: str, *lines, reason: str = "Size too small") -> ChannelReturnDTO:
    return ChannelReturnDTO(return_id, order_id, ReturnKind.CUSTOMER, tuple(lines), reason, T0)


@pytest.fixture
def shop(tenant, warehouse, sku):
    account = factories.make_account(tenant, warehouse, kind="shopify", name="Shop")
    factories.make_listing(account, sku, "TEE-0")
    return account


@pytest.fixture
def order(shop):
    return import_order(shop, order_dto("1004", ("TEE-0", 2, "499")))


def test_a_notice_read_twice_is_one_row_and_the_cursor_moves_to_the_page_high_water(shop, order, sku):
    page = ReturnPage([notice("77", "1004", ("TEE-0", 1), ("UNMAPPED", 1))], high_water=T0 + timedelta(minutes=3))

    first = sync.pull_returns(shop, connector=ReturnsConnector(page))
    again = ReturnsConnector(page)
    second = sync.pull_returns(shop, connector=again)

    row = ChannelReturn.objects.get()
    assert (row.order, row.kind, row.status, row.reason, row.units) == (order, "customer", "expected", "Size too small", 2)
    assert row.lines == [{"channel_sku": "TEE-0", "sku_id": sku.pk, "quantity": 1},
                         {"channel_sku": "UNMAPPED", "sku_id": None, "quantity": 1}]  # fmt: skip
    assert (first.stream, first.status, second.status) == ("returns", "succeeded", "succeeded")
    assert "1 new return(s)" in first.message and "0 new return(s), 0 updated" in second.message
    assert SyncCursor.objects.get(account=shop, stream="returns").position == T0 + timedelta(minutes=3)
    assert again.asked == [(T0 + timedelta(minutes=3) - again.order_window_overlap, None)]


def test_a_received_notice_is_not_reopened_by_a_later_read(shop, order):
    page = ReturnPage([notice("77", "1004", ("TEE-0", 1))], high_water=T0)
    sync.pull_returns(shop, connector=ReturnsConnector(page))
    ChannelReturn.objects.update(status=ChannelReturn.Status.RECEIVED)

    sync.pull_returns(shop, connector=ReturnsConnector(ReturnPage([notice("77", "1004", ("TEE-0", 2))], high_water=T0)))

    assert ChannelReturn.objects.get().status == "received"


def test_an_unknown_order_is_kept_without_it_and_noted_then_linked_when_the_order_arrives(shop):
    page = ReturnPage([notice("88", "9999", ("TEE-0", 1))], failures=[RecordFailure("1005", "refunds: a list is expected")],
                      high_water=T0)  # fmt: skip

    run = sync.pull_returns(shop, connector=ReturnsConnector(page))

    row = ChannelReturn.objects.get()
    assert row.order is None and row.channel_order_id == "9999"
    assert (run.status, run.errors) == (SyncRun.Status.PARTIAL, 2)
    failure = SyncFailure.objects.get(stream="returns", record_key="88")
    assert "order 9999 is not in the hub" in failure.error

    order = import_order(shop, order_dto("9999", ("TEE-0", 1, "499")))
    sync.retry_failure(failure, connector=ReturnsConnector())

    failure.refresh_from_db()
    assert (failure.status, ChannelReturn.objects.get().order) == ("resolved", order)


def test_the_cursor_waits_for_the_end_of_a_window_read_out_of_order(shop, order):
    pages = (ReturnPage([notice("1", "1004", ("TEE-0", 1))], next_token="1", high_water=T0 + timedelta(minutes=9)),
             ReturnPage([notice("2", "1004", ("TEE-0", 1))], high_water=T0 + timedelta(minutes=4)))  # fmt: skip

    run = sync.pull_returns(shop, connector=ReturnsConnector(*pages))

    assert (run.pages, ChannelReturn.objects.count()) == (2, 2)
    assert SyncCursor.objects.get(account=shop, stream="returns").position == T0 + timedelta(minutes=9)


def test_a_connector_that_cannot_read_returns_is_skipped(tenant, warehouse):
    account = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")

    class NoReturns(ReturnsConnector):
        capabilities = frozenset({Capability.PULL_ORDERS})

    run = sync.pull_returns(account, connector=NoReturns())

    assert run.status == "succeeded" and run.message.startswith("Skipped:")


def test_the_list_is_the_tenants_own_and_filters_by_status(shop, order, api, other_tenant):
    from tests.conftest import api_client_for

    sync.pull_returns(shop, connector=ReturnsConnector(ReturnPage([notice("77", "1004", ("TEE-0", 1))], high_water=T0)))
    rival = api_client_for(factories.make_user(other_tenant, "admin"))

    rows = api.get("/api/v1/channel-returns/", {"account": shop.pk, "status": "expected", "kind": "customer"}).json()

    results = rows["results"] if isinstance(rows, dict) else rows
    assert [(r["channel_return_id"], r["order"], r["units"]) for r in results] == [("77", order.pk, 1)]
    received = api.get("/api/v1/channel-returns/", {"status": "received"}).json()
    assert (received["results"] if isinstance(received, dict) else received) == []
    theirs = rival.get("/api/v1/channel-returns/").json()
    assert (theirs["results"] if isinstance(theirs, dict) else theirs) == []
    assert api.post("/api/v1/channel-returns/", {}, format="json").status_code == 405


def test_the_sync_command_pulls_returns_under_the_streams_lock(account, monkeypatch):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from schedules.locks import try_lock

    held = try_lock(account.pk, "returns")
    try:
        with pytest.raises(CommandError, match="a returns sync is running elsewhere"):
            call_command("sync", str(account.pk), "--returns", stdout=StringIO())
    finally:
        held.release()
