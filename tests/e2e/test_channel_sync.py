"""The sync engine end to end: the real connectors (python-amazon-sp-api, ShopifyAPI) against the channel
sandboxes over loopback, from the order stream to the hub's stock and back to the channel.

Each sandbox order has two lines, TEE-0 x 1 and TEE-1 x 2 (``conftest.LINE_QUANTITIES``); pages hold two
orders; the account holds back ``BUFFER`` units of each SKU.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

from hub.channels import sync
from hub.channels.models import ListingOutbox, SyncCursor, SyncFailure, SyncRun, WebhookEvent
from hub.channels.services import save_account
from hub.orders.models import Order, OrderEvent, OrderLine
from tests.e2e.conftest import BUFFER, CHANNEL_SKUS, LINE_QUANTITIES, OPENING_STOCK
from warehouse import stock
from warehouse.models import StockLevel


def reserved(hub_skus) -> dict[str, int]:
    """Units reserved per channel SKU's hub SKU."""
    return {code: StockLevel.objects.filter(sku=sku).aggregate(total=Sum("reserved"))["total"] or 0
            for code, sku in hub_skus.items()}  # fmt: skip


def reserved_for(orders: int) -> dict[str, int]:
    return {code: quantity * orders for code, quantity in LINE_QUANTITIES.items()}


def cursor_position(account):
    cursor = SyncCursor.objects.filter(account=account, stream="orders").first()
    return cursor.position if cursor else None


def assert_imported_once(account, order_ids, hub_skus) -> None:
    """Exactly these orders, each once, with its two lines mapped to the hub SKUs, allocated."""
    orders = list(Order.objects.filter(account=account).prefetch_related("lines"))
    assert sorted(order.channel_order_id for order in orders) == sorted(order_ids)
    for order in orders:
        assert order.status == "allocated", (order.channel_order_id, order.status, order.attention_reason)
        lines = sorted((line.channel_sku, line.quantity, line.sku_id, line.status) for line in order.lines.all())
        assert lines == [(code, LINE_QUANTITIES[code], hub_skus[code].pk, "open") for code in CHANNEL_SKUS]


# --- orders ------------------------------------------------------------------------------------------


def test_a_sync_imports_every_page_once_and_a_second_sync_imports_nothing_new(channel, account, hub_skus):
    order_ids = channel.add_orders(5)

    run = sync.sync_orders(account)

    assert (run.status, run.pages, run.orders_created, run.errors) == ("succeeded", 3, 5, 0)  # 5 orders, 2 a page
    assert_imported_once(account, order_ids, hub_skus)
    assert reserved(hub_skus) == reserved_for(5)
    assert cursor_position(account) == channel.updated_at(order_ids[-1])

    again = sync.sync_orders(account)

    assert (again.status, again.orders_created, again.errors) == ("succeeded", 0, 0)
    assert again.orders_updated == 0  # the overlap re-read the last orders, unchanged ...
    assert_imported_once(account, order_ids, hub_skus)  # ... and they are still one order each
    assert OrderLine.objects.filter(order__account=account).count() == 10
    assert reserved(hub_skus) == reserved_for(5)


def test_a_cancellation_at_the_channel_releases_the_stock_on_the_next_sync(channel, account, hub_skus):
    order_ids = channel.add_orders(3)
    sync.sync_orders(account)
    channel.cancel(order_ids[1])

    run = sync.sync_orders(account)

    assert (run.status, run.orders_created) == ("succeeded", 0)
    statuses = dict(Order.objects.filter(account=account).values_list("channel_order_id", "status"))
    assert statuses == {order_ids[0]: "allocated", order_ids[1]: "cancelled", order_ids[2]: "allocated"}
    assert reserved(hub_skus) == reserved_for(2)
    cancelled = Order.objects.get(account=account, channel_order_id=order_ids[1])
    assert set(cancelled.lines.values_list("status", flat=True)) == {"cancelled"}


# --- stock and shipments -----------------------------------------------------------------------------


def test_a_stock_change_reaches_the_channel_in_one_batched_call_with_the_offered_quantity(
    channel, account, hub_skus, bin_a
):
    channel.add_orders(2)
    sync.sync_orders(account)  # reserves 2 x TEE-0 and 4 x TEE-1
    stock.receive(hub_skus["TEE-0"], bin_a, 10, key="delivery-1")
    channel.clear_calls()

    run = sync.push_stock(account)

    assert (run.status, run.items_pushed, run.items_rejected) == ("succeeded", 2, 0)
    assert channel.stock_requests() == 1  # both SKUs in one feed / one inventorySetQuantities
    expected = {"TEE-0": OPENING_STOCK + 10 - 2 - BUFFER, "TEE-1": OPENING_STOCK - 4 - BUFFER}
    assert channel.offered() == expected
    assert dict(account.listings.values_list("channel_sku", "last_pushed_quantity")) == expected
    assert not ListingOutbox.objects.filter(account=account).exists()

    channel.clear_calls()
    quiet = sync.push_stock(account)  # nothing changed since: nothing is sent

    assert (quiet.status, quiet.items_pushed, channel.stock_requests()) == ("succeeded", 0, 0)


def test_shipping_an_allocated_order_pushes_its_tracking_to_the_channel(channel, account):
    [order_id] = channel.add_orders(1)
    sync.sync_orders(account)
    order = Order.objects.get(account=account, channel_order_id=order_id)
    assert order.status == "allocated"

    assert sync.confirm_shipment(order, carrier="Delhivery", tracking_number="DLV0001234567") is True

    assert channel.tracking_numbers(order_id) == ["DLV0001234567"]
    assert channel.channel_status(order_id) in ("Shipped", "fulfilled")
    assert OrderEvent.objects.filter(order=order, kind="shipment_pushed").exists()
    assert not SyncFailure.objects.filter(account=account).exists()


# --- faults ------------------------------------------------------------------------------------------


def fault_statuses(channel) -> list[int]:
    return [status for _, _, status in channel.app.calls if status in (429, 500)]




@pytest.mark.parametrize(("channel", "faults"), [
    ("shopify", (3, 5)),
    ("amazon", (3, 5)),
    ("amazon", (5, 7)),
], indirect=["channel"], ids=["shopify-429/3-500/5", "amazon-429/3-500/5", "amazon-429/5-500/7"])  # fmt: skip
def test_429s_500s_and_a_malformed_order_lose_nothing(channel, faults, account, hub_skus):
    order_ids = channel.add_orders(8)  # 4 pages: enough calls to meet both faults
    malformed = order_ids[-1]  # the latest update: the cursor must not move past it unread
    channel.app.faults.rate_limit_every, channel.app.faults.error_every = faults
    channel.break_orders(malformed)
    channel.clear_calls()

    run = sync.sync_orders(account)

    assert (run.status, run.orders_created, run.errors) == ("partial", 7, 1), run.message
    assert {429, 500} <= set(fault_statuses(channel))  # the faults were met, and retried through
    good = order_ids[:-1]
    assert_imported_once(account, good, hub_skus)
    assert reserved(hub_skus) == reserved_for(7)
    failure = SyncFailure.objects.get(account=account)
    assert (failure.stream, failure.record_key, failure.status) == ("orders", malformed, "open")
    if channel.kind == "amazon":
        assert set(failure.payload) == {"order", "items"}
        assert failure.payload["order"]["AmazonOrderId"] == malformed
        assert failure.payload["order"]["OrderTotal"]["Amount"] == "twelve"
        assert [item["SellerSKU"] for item in failure.payload["items"]] == list(CHANNEL_SKUS)
    else:
        assert (str(failure.payload["id"]), failure.payload["created_at"]) == (malformed, "not a date")
    assert cursor_position(account) <= channel.updated_at(malformed)

    channel.app.faults.rate_limit_every = channel.app.faults.error_every = 0
    channel.break_orders()  # the channel serves the order properly now
    later = sync.sync_orders(account)

    assert (later.status, later.orders_created, later.errors) == ("succeeded", 1, 0)
    assert_imported_once(account, order_ids, hub_skus)
    assert reserved(hub_skus) == reserved_for(8)
    failure.refresh_from_db()
    assert failure.status == "resolved"  # the order came through: its failure is closed


def test_a_sync_failing_mid_window_leaves_the_cursor_behind_every_unread_order(channel, account, hub_skus):
    first = channel.add_orders(2)
    sync.sync_orders(account)
    position = cursor_position(account)
    assert position == channel.updated_at(first[-1])
    later = channel.add_orders(5)

    def channel_goes_down(line: str) -> None:  # after the first page is stored, every call answers 500
        channel.app.faults.error_every = 1

    run = sync.sync_orders(account, progress=channel_goes_down)

    assert run.status == "failed"
    assert "500" in run.message or "InternalFailure" in run.message, run.message
    assert cursor_position(account) == position
    assert all(cursor_position(account) <= channel.updated_at(order_id) for order_id in later)
    stored = set(Order.objects.filter(account=account).values_list("channel_order_id", flat=True))
    assert len(stored - set(first)) < len(later)  # some were not read

    channel.app.faults.error_every = 0
    recovered = sync.sync_orders(account)

    assert recovered.status == "succeeded"
    assert_imported_once(account, first + later, hub_skus)
    assert reserved(hub_skus) == reserved_for(7)
    assert cursor_position(account) == channel.updated_at(later[-1])


def malformed_failure(channel, account) -> tuple[str, SyncFailure]:
    order_ids = channel.add_orders(3)
    channel.break_orders(order_ids[1])
    run = sync.sync_orders(account)
    assert (run.status, run.orders_created) == ("partial", 2)
    return order_ids[1], SyncFailure.objects.get(account=account, record_key=order_ids[1])


def test_a_failed_order_retried_from_its_corrected_payload_is_imported(channel, account, hub_skus):
    order_id, failure = malformed_failure(channel, account)
    channel.break_orders()
    failure.payload = channel.corrected_payload(order_id)  # Amazon: {"order", "items"}; Shopify: the order
    failure.save(update_fields=["payload"])

    failure = sync.retry_failure(failure)

    assert failure.status == "resolved", failure.error
    assert_imported_once(account, channel.added, hub_skus)
    assert reserved(hub_skus) == reserved_for(3)


def test_a_failed_order_retried_after_the_channel_fixed_it_is_imported(channel, account, hub_skus):
    order_id, failure = malformed_failure(channel, account)
    channel.break_orders()  # the channel serves the order properly now

    failure = sync.retry_failure(failure)

    assert failure.status == "resolved", failure.error
    assert Order.objects.filter(account=account, channel_order_id=order_id).exists()


# --- credentials and dry runs ------------------------------------------------------------------------


def test_rejected_credentials_stop_the_account_until_new_ones_are_saved(channel, account, tenant):
    channel.add_orders(1)
    account.credentials = json.dumps(channel.bad_credentials())
    account.save(update_fields=["credentials"])

    run = sync.sync_orders(account)

    account.refresh_from_db()
    assert run.status == "failed"
    assert "credentials" in account.alert.lower(), account.alert
    assert account.syncs_stopped_at is not None
    with pytest.raises(sync.SyncStopped, match="(?i)credentials"):
        sync.sync_orders(account)
    with pytest.raises(sync.SyncStopped):
        sync.push_stock(account)
    assert not Order.objects.filter(account=account).exists()

    account = save_account(tenant, account=account, fields={}, credentials=channel.credentials)

    assert (account.syncs_stopped_at, account.alert) == (None, "")
    assert (sync.sync_orders(account).orders_created, sync.push_stock(account).status) == (1, "succeeded")


def test_a_dry_run_changes_nothing_anywhere(channel, account):
    channel.add_orders(3)
    notes = ListingOutbox.objects.filter(account=account).count()
    channel.clear_calls()

    orders = sync.sync_orders(account, dry_run=True)
    pushes = sync.push_stock(account, dry_run=True)

    assert (orders.orders_new, orders.orders_known, orders.pages) == (3, 0, 2)
    assert pushes.items == 2
    assert not Order.objects.exists()
    assert not SyncCursor.objects.exists()
    assert not SyncRun.objects.exists()
    assert not SyncFailure.objects.exists()
    assert ListingOutbox.objects.filter(account=account).count() == notes
    assert channel.stock_requests() == 0
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, 0)


# --- the command and the API -------------------------------------------------------------------------


def test_the_sync_command_pulls_orders_and_pushes_stock(channel, account, hub_skus):
    order_ids = channel.add_orders(3)
    dry = StringIO()
    call_command("sync", str(account.pk), "--dry-run", stdout=dry)

    assert "would import 3 new and update 0 orders over 2 page(s); 0 unreadable" in dry.getvalue(), dry.getvalue()
    assert "would push 2 listing(s)" in dry.getvalue()
    assert not (Order.objects.exists() or SyncRun.objects.exists() or SyncCursor.objects.exists())
    assert channel.stock_requests() == 0

    out = StringIO()
    call_command("sync", str(account.pk), stdout=out)

    printed = out.getvalue()
    assert "Succeeded: 2 page(s): 3 new, 0 updated, 0 failed." in printed, printed
    assert "Succeeded: 2 pushed, 0 rejected." in printed, printed
    assert_imported_once(account, order_ids, hub_skus)
    assert channel.offered() == {code: OPENING_STOCK - 3 * LINE_QUANTITIES[code] - BUFFER for code in CHANNEL_SKUS}


def test_the_api_endpoint_runs_a_sync_and_returns_its_runs(channel, account, hub_skus, api):
    order_ids = channel.add_orders(3)
    url = f"/api/v1/channel-accounts/{account.pk}/sync/"
    dry = api.post(url, {"dry_run": True}, format="json")

    assert dry.status_code == 200, dry.content
    assert (dry.json()["runs"], dry.json()["dry_run"]["orders"]["orders_new"], dry.json()["dry_run"]["stock"]["items"]) == ([], 3, 2)
    assert not (Order.objects.exists() or SyncRun.objects.exists() or SyncCursor.objects.exists())

    response = api.post(url, {"orders": True, "stock": True}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["queued"] is False
    runs = {run["stream"]: run for run in body["runs"]}
    assert (runs["orders"]["status"], runs["orders"]["orders_created"], runs["orders"]["pages"]) == ("succeeded", 3, 2)
    assert (runs["stock"]["status"], runs["stock"]["items_pushed"]) == ("succeeded", 2)
    assert {run["trigger"] for run in body["runs"]} == {"api"}
    assert_imported_once(account, order_ids, hub_skus)
    assert channel.offered() == {code: OPENING_STOCK - 3 * LINE_QUANTITIES[code] - BUFFER for code in CHANNEL_SKUS}


# --- Shopify webhooks --------------------------------------------------------------------------------


def post_delivery(account, body: bytes, headers: dict):
    headers = {key: value for key, value in headers.items() if key.lower() != "content-type"}
    return Client().post(f"/hooks/{account.pk}/", body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("channel", ["shopify"], indirect=True)
def test_a_signed_cancellation_webhook_cancels_the_order_once(channel, account, hub_skus, django_capture_on_commit_callbacks):
    order_ids = channel.add_orders(2)
    sync.sync_orders(account)
    assert reserved(hub_skus) == reserved_for(2)
    channel.cancel(order_ids[0])
    body, headers = channel.app.order_webhook(int(order_ids[0]), "orders/cancelled", channel.webhook_secret)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_delivery(account, body, headers)

    assert response.status_code == 200
    assert response.json() == {"received": headers["X-Shopify-Event-Id"], "duplicate": False}
    assert WebhookEvent.objects.get(account=account).status == "processed"
    statuses = dict(Order.objects.filter(account=account).values_list("channel_order_id", "status"))
    assert statuses == {order_ids[0]: "cancelled", order_ids[1]: "allocated"}
    assert reserved(hub_skus) == reserved_for(1)
    events = OrderEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = post_delivery(account, body, headers)

    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert callbacks == []
    assert WebhookEvent.objects.filter(account=account).count() == 1
    assert OrderEvent.objects.count() == events
    assert reserved(hub_skus) == reserved_for(1)

    tampered = body.replace(b'"cancel_reason": "customer"', b'"cancel_reason": "fraud"')
    assert tampered != body
    forged = post_delivery(account, tampered, {**headers, "X-Shopify-Event-Id": "another-event"})

    assert forged.status_code == 401
    assert WebhookEvent.objects.filter(account=account).count() == 1


def test_a_shipment_the_channel_refused_is_confirmed_again_from_its_kept_failure(channel, account):
    from connectors.sandbox.base import Faults

    [order_id] = channel.add_orders(1)
    sync.sync_orders(account)
    order = Order.objects.get(account=account, channel_order_id=order_id)
    channel.app.faults = Faults(error_every=1)  # the channel is down for longer than the retries last

    assert sync.confirm_shipment(order, carrier="Delhivery", tracking_number="DLV0007654321") is False
    failure = SyncFailure.objects.get(account=account, stream="shipments")
    assert (failure.record_key, failure.payload["tracking_number"]) == (order_id, "DLV0007654321")

    channel.app.faults = Faults()
    retried = sync.retry_failure(failure)

    assert retried.status == "resolved"
    assert channel.tracking_numbers(order_id) == ["DLV0007654321"]
    assert Order.objects.get(pk=order.pk).status == "allocated"  # nothing re-imported or changed
