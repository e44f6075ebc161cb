"""The returns stream: the returns a channel announces, read into ``ChannelReturn`` rows (``sync.pull_returns``).

It reads like the order stream: page by page from the cursor (stream "returns", less the connector's
overlap), each page stored in one transaction that also moves the cursor, mid-stream only when the
connector reads in update order, else once the window is exhausted. A notice is keyed by the channel's
id per account, so one read twice is one row; reading it again refreshes an expected notice and leaves a
received or cancelled one as it is; a notice without lines is one the channel cancelled. A notice of an order the hub does not hold is kept (``order`` empty)
with a failure noted; the returns desk still finds it by the channel order id.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from connectors.base import Capability, ChannelReturnDTO, Connector, ReturnPage
from connectors.errors import CredentialsRejected
from hub.channels import sync
from hub.channels.models import ChannelAccount, ChannelReturn, Listing, SyncCursor, SyncFailure, SyncRun
from hub.orders.models import Order

RETURNS = "returns"


@dataclass
class Counts:
    new: int = 0
    updated: int = 0


def pull_returns(account: ChannelAccount, *, connector: Connector | None = None, trigger: str = "manual",
                 since: datetime | None = None) -> SyncRun:  # fmt: skip
    """Read the return notices the account's channel recorded since the cursor (or ``since``) into the hub.

    A channel whose connector cannot report returns is not asked: the run says it was skipped."""
    sync._check_running(account)
    with sync._connected(account, connector) as connector:
        run = SyncRun.objects.create(tenant_id=account.tenant_id, account=account, stream=RETURNS, trigger=trigger)
        if not connector.supports(Capability.PULL_RETURNS):
            return sync._finish(run, SyncRun.Status.SUCCEEDED,
                                f"Skipped: the {account.get_kind_display()} connector cannot report returns.")  # fmt: skip
        cursor = SyncCursor.objects.filter(account=account, stream=RETURNS).first()
        run.window_start = since or sync._window_start(cursor, connector)
        run.save(update_fields=["window_start"])
        counts = Counts()
        try:
            _read_window(account, connector, run, counts)
        except CredentialsRejected as error:
            sync._stop_account(account, error)
            return sync._finish(run, SyncRun.Status.FAILED, f"The channel rejected the credentials: {error}")
        except Exception as error:
            sync.logger.exception("Return pull of %s failed", account)
            return sync._finish(run, SyncRun.Status.FAILED, f"{type(error).__name__}: {error}")
        status = SyncRun.Status.PARTIAL if run.errors else SyncRun.Status.SUCCEEDED
        return sync._finish(run, status, f"{run.pages} page(s): {counts.new} new return(s), {counts.updated} updated, "
                                         f"{run.errors} failed.")  # fmt: skip


def _read_window(account: ChannelAccount, connector: Connector, run: SyncRun, counts: Counts) -> None:
    token, high_water = None, None
    while True:
        page = sync.call(lambda t=token: connector.read_returns(updated_after=run.window_start, token=t))
        high_water = max(filter(None, (high_water, page.high_water)), default=None)
        done = page.next_token is None
        checkpoint = high_water if (done or connector.reads_in_update_order) else None
        _store_page(account, run, page, checkpoint, counts)
        if done:
            return
        token = page.next_token


@transaction.atomic
def _store_page(account: ChannelAccount, run: SyncRun, page: ReturnPage, checkpoint: datetime | None,
                counts: Counts) -> None:  # fmt: skip
    """Store a page's notices and failures, and move the cursor, in one transaction."""
    order_ids = [notice.channel_order_id for notice in page.returns]
    orders = {order.channel_order_id: order for order in Order.objects.filter(account=account, channel_order_id__in=order_ids)}
    channel_skus = [sku for notice in page.returns for sku, _ in notice.lines]
    skus = dict(Listing.objects.filter(account=account, channel_sku__in=channel_skus).values_list("channel_sku", "sku_id"))
    for notice in page.returns:
        _store_notice(account, run, notice, orders.get(notice.channel_order_id), skus, counts)
    for failure in page.failures:
        sync._keep_failure(account, run, RETURNS, failure.key or "?", failure.error, payload=failure.payload,
                           request=failure.request, response=failure.response)  # fmt: skip
    if checkpoint is not None:
        sync._advance(account, checkpoint, stream=RETURNS)
    run.pages += 1
    run.errors += len(page.failures)
    run.save(update_fields=["pages", "errors"])


def _store_notice(account: ChannelAccount, run: SyncRun, notice: ChannelReturnDTO, order: Order | None,
                  skus: dict[str, int], counts: Counts) -> None:  # fmt: skip
    fields: dict = {
        "channel_order_id": notice.channel_order_id, "order": order, "kind": str(notice.kind), "reason": notice.reason[:500],
        "requested_at": notice.requested_at,
        "lines": [{"channel_sku": sku, "sku_id": skus.get(sku), "quantity": quantity} for sku, quantity in notice.lines],
    }  # fmt: skip
    if not notice.lines:  # the channel cancelled every unit of it
        fields["status"] = ChannelReturn.Status.CANCELLED
    row = ChannelReturn.objects.select_for_update().filter(account=account, channel_return_id=notice.channel_return_id).first()
    if row is None:
        ChannelReturn.objects.create(tenant_id=account.tenant_id, account=account, channel_return_id=notice.channel_return_id,
                                     **fields)  # fmt: skip
        counts.new += 1
    elif row.status == ChannelReturn.Status.EXPECTED and any(getattr(row, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(row, name, value)
        row.save()
        counts.updated += 1
    if order is None:
        sync._keep_failure(account, run, RETURNS, notice.channel_return_id,
                           f"Return {notice.channel_return_id}: order {notice.channel_order_id} is not in the hub; "
                           "the return is kept without it.", payload=notice.raw)  # fmt: skip
        run.errors += 1
    else:
        SyncFailure.objects.filter(account=account, stream=RETURNS, record_key=notice.channel_return_id,
                                   status=SyncFailure.Status.OPEN).update(status=SyncFailure.Status.RESOLVED)  # fmt: skip


def link_again(failure: SyncFailure) -> SyncFailure:
    """Retry a failed notice: link it to its order once the hub holds the order. A record the channel sent
    unreadable is read again by a pull from before its time (``pull_returns(account, since=...)``)."""
    row = ChannelReturn.objects.filter(account=failure.account, channel_return_id=failure.record_key).first()
    if row is None:
        return sync._retried(failure, failure.error)
    order = row.order or Order.objects.filter(account=failure.account, channel_order_id=row.channel_order_id).first()
    if order is None:
        return sync._retried(failure, f"Order {row.channel_order_id} is still not in the hub.")
    ChannelReturn.objects.filter(pk=row.pk, order__isnull=True).update(order=order)
    failure.status = SyncFailure.Status.RESOLVED
    failure.save(update_fields=["status", "updated_at"])
    return failure
