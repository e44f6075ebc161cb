"""The sync engine: reads a channel's order stream into the hub and pushes stock and prices out.

It lives in the core, not in a connector: a connector only reads pages and sends requests; here the
rules are kept.

- ``sync_orders(account)`` reads the order stream page by page from the cursor (less the connector's
  overlap, so a late write at the window's edge is read again; the unique order key absorbs the
  repeat) and imports each page through ``import_orders``. The cursor moves in the same transaction
  that stores a page's orders, and only to a time no later record can precede: mid-stream only when the
  connector reads in update order, otherwise once the window is exhausted. A crash or a channel error
  therefore never skips an order; at worst a page is read twice.
- ``push_stock(account)`` sends the outbox's dirty listings in the largest batches the channel takes,
  and clears the outbox only for the items the channel accepted; rejected items stay dirty with the
  channel's message.
- ``push_prices(account)`` sends the price of every listing whose SKU's selling price (never above its
  MRP) is not the price the channel last accepted, in the channel's largest batches; an accepted price is
  remembered on the listing (``last_pushed_price``), so it is not sent again until it changes, and a
  rejected one keeps the channel's message (``price_error``) and is sent again next time.
- ``reconcile_stock(account)`` reads back what the channel shows for every active listing, keeps it on
  the listing (``channel_quantity``), and where it is not what the hub offers notes the listing in the
  outbox (cause "reconcile") and pushes it at once, so the channel is corrected.
- ``pull_returns(account)`` reads the returns the channel announces into ``ChannelReturn`` rows, a
  stream with a cursor like the orders' (``hub.channels.return_pulls``).
- Remote errors follow ``connectors.errors``: a 429 waits (Retry-After) and retries, 5xx and connection
  errors retry with exponential backoff, 401/403 stop the account's syncs with an alert, and a record
  the channel or the hub refuses is kept (request, response, error, payload) and retried alone.

Every run is a ``SyncRun`` row with what it read, stored, pushed and failed. A dry run reads and reports
but writes nothing anywhere.
"""

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone
from tenacity import RetryCallState, retry, retry_if_exception_type, stop_after_attempt

from connectors import registry
from connectors.base import (
    Capability,
    Connector,
    ListingRef,
    OrderPage,
    PriceUpdate,
    PushResult,
    RecordFailure,
    ShipmentUpdate,
    StockUpdate,
    UnsupportedOperation,
)
from connectors.errors import (
    ConnectorError,
    CredentialsRejected,
    RateLimited,
    RecordRejected,
    RetriableConnectorError,
)
from hub.channels import outbox
from hub.channels.models import ChannelAccount, Listing, SyncCursor, SyncFailure, SyncRun
from hub.channels.selectors import DirtyListing, dirty_listings, offers
from hub.orders.events import event
from hub.orders.models import Order
from hub.orders.services import ImportOutcome, import_orders

logger = logging.getLogger(__name__)
ORDERS, STOCK, PRICES, SHIPMENTS, RECONCILE = "orders", "stock", "prices", "shipments", "reconcile"
T = TypeVar("T")


class SyncStopped(Exception):
    """The account's syncs are stopped (inactive, or its credentials were rejected)."""


def connector_for(account: ChannelAccount) -> Connector:
    """The account's connector; one that paces itself (``limiter`` and ``rates``) shares its buckets with
    every worker calling the same account (Redis), or every thread of this process (embedded)."""
    from schedules.ratelimit import limiter_for

    connector = registry.build(account.kind, account.credentials_dict, options=account.options)
    if hasattr(connector, "limiter") and getattr(connector, "rates", None):
        connector.limiter = limiter_for(account.kind, account.pk, connector.rates)
    return connector


@contextmanager
def _connected(account: ChannelAccount, given: Connector | None) -> Iterator[Connector]:
    """The caller's connector, or one built for the account and closed afterwards."""
    if given is not None:
        yield given
        return
    connector = connector_for(account)
    try:
        yield connector
    finally:
        connector.close()


# --- calling the channel -------------------------------------------------------------------------


def _wait(state: RetryCallState) -> float:
    """Honour the channel's Retry-After on a 429; otherwise back off exponentially, within bounds."""
    error = state.outcome.exception() if state.outcome else None
    base, cap = settings.SYNC_RETRY_BASE_SECONDS, settings.SYNC_RETRY_MAX_SECONDS
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return min(error.retry_after, cap)
    return min(cap, base * 2 ** (state.attempt_number - 1))


def call(fn: Callable[[], T]) -> T:
    """Call the channel, retrying what may pass (429, 5xx, timeouts) a bounded number of times."""
    retrying = retry(
        retry=retry_if_exception_type(RetriableConnectorError),
        wait=_wait,
        stop=stop_after_attempt(settings.SYNC_RETRY_ATTEMPTS),
        reraise=True,
        before_sleep=lambda s: logger.info("Channel call failed (%s); retry %d", s.outcome.exception(), s.attempt_number),
    )
    return retrying(fn)()


# --- orders --------------------------------------------------------------------------------------


@dataclass
class DryRunReport:
    """What a dry run would have done; nothing is written."""

    stream: str
    pages: int = 0
    orders_new: int = 0
    orders_known: int = 0
    failures: list[str] = field(default_factory=list)
    items: int = 0


def sync_orders(
    account: ChannelAccount, *, since: datetime | None = None, dry_run: bool = False, trigger: str = "manual",
    connector: Connector | None = None, progress: Callable[[str], None] | None = None,
) -> SyncRun | DryRunReport:  # fmt: skip
    """Pull the account's orders updated since the cursor (or ``since``) into the hub."""
    _check_running(account)
    with _connected(account, connector) as connector:
        cursor = SyncCursor.objects.filter(account=account, stream=ORDERS).first()
        start = since or _window_start(cursor, connector)
        if dry_run:
            return _dry_run_orders(account, connector, start, progress)
        run = SyncRun.objects.create(tenant_id=account.tenant_id, account=account, stream=ORDERS, trigger=trigger,
                                     window_start=start)  # fmt: skip
        try:
            _read_window(account, connector, run, start, progress)
        except CredentialsRejected as error:
            _stop_account(account, error)
            return _finish(run, SyncRun.Status.FAILED, f"The channel rejected the credentials: {error}")
        except Exception as error:
            logger.exception("Order sync of %s failed", account)
            return _finish(run, SyncRun.Status.FAILED, f"{type(error).__name__}: {error}")
        status = SyncRun.Status.PARTIAL if run.errors else SyncRun.Status.SUCCEEDED
        return _finish(run, status, f"{run.pages} page(s): {run.orders_created} new, {run.orders_updated} updated, {run.errors} failed.")


def _window_start(cursor: SyncCursor | None, connector: Connector) -> datetime:
    if cursor is None or cursor.position is None:
        return timezone.now() - timedelta(days=settings.SYNC_FIRST_LOOKBACK_DAYS)
    return cursor.position - connector.order_window_overlap


def _read_window(account, connector, run: SyncRun, start: datetime, progress) -> None:
    token, high_water = None, None
    while True:
        page = call(lambda t=token: connector.read_orders(updated_after=start, token=t))
        high_water = max(filter(None, (high_water, page.high_water)), default=None)
        done = page.next_token is None
        checkpoint = high_water if (done or connector.reads_in_update_order) else None
        _store_page(account, run, page, checkpoint)
        if progress:
            progress(f"page {run.pages}: {run.orders_created} new, {run.orders_updated} updated, {run.errors} failed")
        if done:
            return
        token = page.next_token


def _store_page(account, run: SyncRun, page: OrderPage, checkpoint: datetime | None) -> None:
    """Import a page; record its failures and move the cursor in the transaction that stores it."""

    def after_store(outcomes: list[ImportOutcome]) -> None:
        _record_failures(account, run, page, outcomes)
        if checkpoint is not None:
            _advance(account, checkpoint)

    outcomes = import_orders(account, page.orders, source="sync", checkpoint=after_store)
    run.pages += 1
    run.orders_created += sum(1 for o in outcomes if o.created and o.error is None)
    run.orders_updated += sum(1 for o in outcomes if o.changed and o.error is None)
    run.errors += len(page.failures) + sum(1 for o in outcomes if o.error is not None)
    run.save(update_fields=["pages", "orders_created", "orders_updated", "errors"])


def _advance(account: ChannelAccount, position: datetime, *, stream: str = ORDERS) -> None:
    cursor, _ = SyncCursor.objects.select_for_update().get_or_create(
        account=account, stream=stream, defaults={"tenant_id": account.tenant_id}
    )
    if cursor.position is None or position > cursor.position:
        cursor.position = position
        cursor.save(update_fields=["position", "updated_at"])


def _record_failures(account, run, page: OrderPage, outcomes: list[ImportOutcome]) -> None:
    raw = {order.channel_order_id: order.raw for order in page.orders}
    for failure in page.failures:
        _keep_failure(account, run, ORDERS, failure.key or "?", failure.error, payload=failure.payload,
                      request=failure.request, response=failure.response)  # fmt: skip
    for outcome in outcomes:
        if outcome.error is not None:
            _keep_failure(account, run, ORDERS, outcome.channel_order_id, str(outcome.error),
                          payload=raw.get(outcome.channel_order_id, {}))  # fmt: skip
        else:
            SyncFailure.objects.filter(account=account, stream=ORDERS, record_key=outcome.channel_order_id,
                                       status=SyncFailure.Status.OPEN).update(status=SyncFailure.Status.RESOLVED)  # fmt: skip


def _keep_failure(account, run, stream: str, key: str, error: str, **details) -> None:
    failure = SyncFailure.objects.filter(account=account, stream=stream, record_key=key, status=SyncFailure.Status.OPEN).first()
    if failure is None:
        SyncFailure.objects.create(tenant_id=account.tenant_id, account=account, run=run, stream=stream,
                                   record_key=key[:200], error=error, **details)  # fmt: skip
        return
    failure.run, failure.error, failure.attempts = run, error, failure.attempts + 1
    for name, value in details.items():
        setattr(failure, name, value)
    failure.save()


def _dry_run_orders(account, connector, start: datetime, progress) -> DryRunReport:
    report, token = DryRunReport(stream=ORDERS), None
    while True:
        page = call(lambda t=token: connector.read_orders(updated_after=start, token=t))
        ids = [order.channel_order_id for order in page.orders]
        known = set(Order.objects.filter(account=account, channel_order_id__in=ids).values_list("channel_order_id", flat=True))
        report.pages += 1
        report.orders_known += len(set(ids) & known)
        report.orders_new += len(set(ids) - known)
        report.failures += [f"{failure.key}: {failure.error}" for failure in page.failures]
        if progress:
            progress(f"page {report.pages}: {report.orders_new} new, {report.orders_known} known (dry run)")
        if page.next_token is None:
            return report
        token = page.next_token


# --- returns -------------------------------------------------------------------------------------


def pull_returns(account: ChannelAccount, *, connector: Connector | None = None, trigger: str = "manual",
                 since: datetime | None = None) -> SyncRun:  # fmt: skip
    """Read the return notices the channel announced since the cursor into ``ChannelReturn`` rows (the
    stream lives in ``hub.channels.return_pulls``)."""
    from hub.channels.return_pulls import pull_returns as pull

    return pull(account, connector=connector, trigger=trigger, since=since)


# --- stock ---------------------------------------------------------------------------------------


def push_stock(
    account: ChannelAccount, *, dry_run: bool = False, trigger: str = "manual", connector: Connector | None = None,
    progress: Callable[[str], None] | None = None, only: set[str] | None = None,
) -> SyncRun | DryRunReport:  # fmt: skip
    """Send every dirty listing's offered quantity (or only these channel SKUs'), in the channel's
    largest batches."""
    _check_running(account)
    with _connected(account, connector) as connector:
        items = [item for item in dirty_listings(account) if only is None or item.offer.listing.channel_sku in only]
        if dry_run:
            return DryRunReport(stream=STOCK, items=len(items))
        run = SyncRun.objects.create(tenant_id=account.tenant_id, account=account, stream=STOCK, trigger=trigger)
        push = functools.partial(_push_stock_batch, account, connector, run)
        return _push_in_batches(account, run, items, connector.stock_batch_size, push, progress)


def _push_stock_batch(account, connector, run: SyncRun, batch: list[DirtyListing]) -> None:
    updates = [_update_for(item) for item in batch]
    result = call(lambda: connector.push_stock(updates))
    now = timezone.now()
    by_sku = {item.offer.listing.channel_sku: item for item in batch}
    with transaction.atomic():
        accepted = [by_sku[sku] for sku in _settle(account, run, STOCK, result, _listings(by_sku), "push_error")]
        outbox.clear(account, {item.offer.listing.pk: item.last_note_id for item in accepted})
        for item in accepted:
            listing = item.offer.listing
            listing.last_pushed_quantity, listing.last_pushed_at, listing.push_error = item.offer.quantity, now, ""
        Listing.objects.bulk_update([item.offer.listing for item in accepted],
                                    ["last_pushed_quantity", "last_pushed_at", "push_error"])  # fmt: skip


def _listings(by_sku: dict[str, DirtyListing]) -> dict[str, Listing]:
    return {sku: item.offer.listing for sku, item in by_sku.items()}


def _update_for(item: DirtyListing) -> StockUpdate:
    listing = item.offer.listing
    return StockUpdate(channel_sku=listing.channel_sku, quantity=item.offer.quantity, channel_item_id=listing.channel_item_id,
                       channel_inventory_item_id=listing.channel_inventory_item_id)  # fmt: skip


# --- prices --------------------------------------------------------------------------------------


def push_prices(
    account: ChannelAccount, *, dry_run: bool = False, trigger: str = "manual", connector: Connector | None = None,
    progress: Callable[[str], None] | None = None, only: set[str] | None = None,
) -> SyncRun | DryRunReport:  # fmt: skip
    """Send the price of every listing whose SKU's selling price the channel does not hold yet (or only
    these channel SKUs'), in the channel's largest batches.

    The price is the SKU's selling price, never above its MRP. A channel that takes no prices is not
    asked: the run says it was skipped.
    """
    _check_running(account)
    with _connected(account, connector) as connector:
        supported = connector.supports(Capability.PUSH_PRICE)
        listings = _stale_prices(account, only) if supported else []
        if dry_run:
            return DryRunReport(stream=PRICES, items=len(listings), failures=[] if supported else [_no_prices(account)])
        run = SyncRun.objects.create(tenant_id=account.tenant_id, account=account, stream=PRICES, trigger=trigger)
        if not supported:
            return _finish(run, SyncRun.Status.SUCCEEDED, f"Skipped: {_no_prices(account)}")
        push = functools.partial(_push_price_batch, account, connector, run)
        return _push_in_batches(account, run, listings, connector.price_batch_size, push, progress)


def _no_prices(account: ChannelAccount) -> str:
    return f"the {account.get_kind_display()} connector takes no price updates from the hub."


def _stale_prices(account: ChannelAccount, only: set[str] | None) -> list[Listing]:
    """The account's active listings whose price must be sent, each annotated with ``price``.

    Stale means the channel has not accepted this price yet: never pushed, pushed at another price, or
    refused last time (``price_error``; a price changed back to the last accepted one after a refusal is
    sent again, so the refusal can clear). A SKU priced at zero is never sent: it would sell for free.
    """
    listings = (
        Listing.objects.filter(account=account, is_active=True)
        .annotate(price=Least("sku__selling_price", "sku__mrp"))
        .filter(price__gt=0)
        .filter(Q(last_pushed_price__isnull=True) | ~Q(last_pushed_price=F("price")) | ~Q(price_error=""))
        .select_related("sku")
        .order_by("pk")
    )  # fmt: skip
    return list(listings if only is None else listings.filter(channel_sku__in=only))


def _push_price_batch(account, connector, run: SyncRun, batch: list[Listing]) -> None:
    updates = [_price_update(listing) for listing in batch]
    result = call(lambda: connector.push_price(updates))
    by_sku = {listing.channel_sku: listing for listing in batch}
    with transaction.atomic():
        accepted = _settle(account, run, PRICES, result, by_sku, "price_error")
        for sku in accepted:
            by_sku[sku].last_pushed_price, by_sku[sku].price_error = by_sku[sku].price, ""
        Listing.objects.bulk_update([by_sku[sku] for sku in accepted], ["last_pushed_price", "price_error"])


def _price_update(listing: Listing) -> PriceUpdate:
    return PriceUpdate(channel_sku=listing.channel_sku, price=listing.price, mrp=listing.sku.mrp,
                       channel_item_id=listing.channel_item_id, channel_product_id=listing.channel_product_id)  # fmt: skip


# --- what stock and price pushes share -------------------------------------------------------------


def _push_in_batches(account, run: SyncRun, items: list, size: int, push: Callable[[list], None],
                     progress: Callable[[str], None] | None) -> SyncRun:  # fmt: skip
    """Push ``items`` ``size`` at a time and finish the run: failed when a batch could not be sent
    (the items it did not settle stay to push), partial when the channel rejected some."""
    try:
        for start in range(0, len(items), size):
            push(items[start : start + size])
            if progress:
                progress(f"{run.items_pushed} pushed, {run.items_rejected} rejected of {len(items)}")
    except CredentialsRejected as error:
        _stop_account(account, error)
        return _finish(run, SyncRun.Status.FAILED, f"The channel rejected the credentials: {error}")
    except Exception as error:
        logger.exception("%s push of %s failed", run.stream.capitalize(), account)
        return _finish(run, SyncRun.Status.FAILED, f"{type(error).__name__}: {error}")
    status = SyncRun.Status.PARTIAL if run.items_rejected else SyncRun.Status.SUCCEEDED
    return _finish(run, status, f"{run.items_pushed} pushed, {run.items_rejected} rejected.")


def _settle(account, run: SyncRun, stream: str, result: PushResult, listings: dict[str, Listing],
            error_field: str) -> list[str]:  # fmt: skip
    """Record a push's result: the accepted SKUs' open failures resolve; each rejected listing keeps the
    channel's message in ``error_field`` and an open failure. Returns the accepted SKUs of ``listings``
    (the caller stores what they now hold on the channel)."""
    accepted = [sku for sku in result.accepted if sku in listings]
    SyncFailure.objects.filter(account=account, stream=stream, status=SyncFailure.Status.OPEN,
                               record_key__in=accepted).update(status=SyncFailure.Status.RESOLVED)  # fmt: skip
    rejected = {sku: message for sku, message in result.rejected.items() if sku in listings}
    for sku, message in rejected.items():
        Listing.objects.filter(pk=listings[sku].pk).update(**{error_field: message[:1000]})
        _keep_failure(account, run, stream, sku, message, request=result.request, response=result.response)
    run.items_pushed += len(accepted)
    run.items_rejected += len(rejected)
    run.save(update_fields=["items_pushed", "items_rejected"])
    return accepted


# --- shipments ------------------------------------------------------------------------------------


def confirm_shipment(order: Order, *, carrier: str, tracking_number: str, shipped_at: datetime | None = None,
                     carrier_code: str = "", connector: Connector | None = None) -> bool:  # fmt: skip
    """Tell the order's channel it shipped, with the carrier and tracking number; the timeline says
    whether the channel took it. A refusal is kept as a failed record (stream "shipments")."""
    account = order.account
    _check_running(account)
    with _connected(account, connector) as connector:
        lines = tuple((line.channel_line_id, line.quantity) for line in order.lines.filter(status__in=["open", "shipped"]))
        update = ShipmentUpdate(order.channel_order_id, carrier, tracking_number, shipped_at or timezone.now(), lines,
                                carrier_code=carrier_code)  # fmt: skip
        try:
            call(lambda: connector.push_shipment(update))
        except CredentialsRejected as error:
            _stop_account(account, error)
            raise
        except ConnectorError as error:
            _keep_failure(account, None, SHIPMENTS, order.channel_order_id, str(error), payload={
                "carrier": carrier, "tracking_number": tracking_number}, request=error.request, response=error.response)  # fmt: skip
            event(order, "shipment_push_failed", f"{account.get_kind_display()} refused the shipment: {error}", source="sync").save()
            return False
        event(order, "shipment_pushed", f"Shipment confirmed to {account.get_kind_display()}: {carrier} {tracking_number}.",
              source="sync", carrier=carrier, tracking_number=tracking_number).save()  # fmt: skip
        return True


# --- stock reconciliation: what the channel shows, against what the hub offers -------------------------

SHOWN_DIFFERENCES = 5  # differences a reconciliation names in its message; the rest are counted


@dataclass(frozen=True)
class Difference:
    """A listing whose quantity on the channel is not what the hub offers it."""

    channel_sku: str
    channel_quantity: int
    offered: int

    def __str__(self) -> str:
        return f"{self.channel_sku}: channel had {self.channel_quantity}, hub offers {self.offered}"


@dataclass
class Reconciliation:
    """What a reconciliation found so far: listings read, listings that could not be, and differences."""

    read: int = 0
    failed: int = 0
    differences: list[Difference] = field(default_factory=list)

    def summary(self, correction: SyncRun | None = None) -> str:
        shown = "; ".join(map(str, self.differences[:SHOWN_DIFFERENCES]))
        if len(self.differences) > SHOWN_DIFFERENCES:
            shown += f"; and {len(self.differences) - SHOWN_DIFFERENCES} more"
        parts = [f"{self.read} read", f"{len(self.differences)} differed" + (f" ({shown})" if shown else "")]
        if correction is not None or not self.differences:
            parts.append(f"{correction.items_pushed if correction else 0} corrected")
        if correction is not None and correction.items_rejected:
            parts.append(f"{correction.items_rejected} correction(s) refused by the channel")
        if self.failed:
            parts.append(f"{self.failed} could not be read")
        return ", ".join(parts) + "."


def reconcile_stock(
    account: ChannelAccount, *, connector: Connector | None = None, trigger: str = "manual",
    progress: Callable[[str], None] | None = None, only: set[str] | None = None,
) -> SyncRun:  # fmt: skip
    """Read back the quantity every active listing (or only these channel SKUs) shows on the channel, keep it
    on the listing, and correct the channel where it is not what the hub offers now.

    The listings are read in the connector's batches. Each batch's quantities are stored
    (``channel_quantity``) and compared with the offer the push would send (``selectors.offers``); every
    listing that differs is noted in the outbox (cause "reconcile") in the same transaction. Then those
    listings are pushed (``push_stock``: a stock run of its own, trigger "reconcile"). A listing the channel
    cannot report on is a failure (stream "reconcile") and makes the run partial. A run that cannot read
    fails; the differences it noted go out with the next stock push. A channel whose connector cannot
    report its stock is not asked: the run says it was skipped.
    """
    _check_running(account)
    with _connected(account, connector) as connector:
        run = SyncRun.objects.create(tenant_id=account.tenant_id, account=account, stream=RECONCILE, trigger=trigger)
        if not connector.supports(Capability.READ_STOCK):
            return _finish(run, SyncRun.Status.SUCCEEDED, f"Skipped: {_no_stock_reads(account)}")
        found = Reconciliation()
        try:
            _read_back(account, connector, run, found, only, progress)
        except CredentialsRejected as error:
            _stop_account(account, error)
            return _finish(run, SyncRun.Status.FAILED, f"The channel rejected the credentials: {error}")
        except Exception as error:
            logger.exception("Stock reconciliation of %s failed", account)
            return _finish(run, SyncRun.Status.FAILED, f"{type(error).__name__}: {error}. Before it stopped: {found.summary()} "
                                                       "The differences found wait in the outbox for the next stock push.")  # fmt: skip
        return _correct(account, connector, run, found)


def _no_stock_reads(account: ChannelAccount) -> str:
    return f"the {account.get_kind_display()} connector cannot report the stock the channel holds."


def _read_back(account, connector, run: SyncRun, found: Reconciliation, only: set[str] | None,
               progress: Callable[[str], None] | None) -> None:  # fmt: skip
    listings = Listing.objects.filter(account=account, is_active=True).select_related("sku").order_by("pk")
    listings = list(listings if only is None else listings.filter(channel_sku__in=only))
    size = connector.stock_read_batch_size
    for start in range(0, len(listings), size):
        _reconcile_batch(account, connector, run, listings[start : start + size], found)
        if progress:
            progress(f"{found.read} read, {len(found.differences)} differed, {found.failed} failed of {len(listings)}")


def _reconcile_batch(account, connector, run: SyncRun, batch: list[Listing], found: Reconciliation) -> None:
    """Read one batch; store what the channel shows, keep the failures, and note the listings that differ."""
    refs = [ListingRef(listing.channel_sku, listing.channel_item_id, listing.channel_inventory_item_id) for listing in batch]
    reading = call(lambda: connector.read_stock(refs))
    by_sku = {listing.channel_sku: listing for listing in batch}
    failures = {failure.key: failure for failure in reading.failures if failure.key in by_sku}
    for sku in by_sku.keys() - reading.quantities.keys() - failures.keys():
        failures[sku] = RecordFailure(sku, "The channel's answer does not report this listing.")
    read = [listing for sku, listing in by_sku.items() if sku in reading.quantities and sku not in failures]
    now = timezone.now()
    with transaction.atomic():
        for listing in read:
            listing.channel_quantity, listing.channel_quantity_at = reading.quantities[listing.channel_sku], now
        Listing.objects.bulk_update(read, ["channel_quantity", "channel_quantity_at"])
        SyncFailure.objects.filter(account=account, stream=RECONCILE, status=SyncFailure.Status.OPEN,
                                   record_key__in=[listing.channel_sku for listing in read]).update(status=SyncFailure.Status.RESOLVED)  # fmt: skip
        for failure in failures.values():
            _keep_failure(account, run, RECONCILE, failure.key, failure.error, payload=failure.payload, request=failure.request,
                          response=failure.response)  # fmt: skip
        differing = [item for item in offers(account, read) if item.quantity != item.listing.channel_quantity]
        outbox.mark_listings_changed([item.listing for item in differing], cause=RECONCILE)
    found.read += len(read)
    found.failed += len(failures)
    found.differences += [Difference(item.listing.channel_sku, item.listing.channel_quantity, item.quantity) for item in differing]
    run.pages += 1
    run.errors += len(failures)
    run.save(update_fields=["pages", "errors"])


def _correct(account, connector, run: SyncRun, found: Reconciliation) -> SyncRun:
    """Push the listings that differ (their outbox notes are there) and finish the run with what was found.

    The push holds the account's stock lock (``schedules.locks``), as a scheduled stock push does: two
    pushes of one listing at once could land in the wrong order and leave the older quantity on the
    channel. When a stock push is running, the corrections wait in the outbox for the next one.
    """
    if not found.differences:
        return _finish(run, _outcome(run), found.summary())
    from schedules.locks import run_once

    with run_once(account.pk, STOCK) as mine:
        if not mine:
            outbox.request_push([account.pk])
            return _finish(run, _outcome(run), f"{found.summary()} Not corrected yet: a stock push of the account was "
                                                "running; the differences wait in the outbox for the next one.")  # fmt: skip
        try:
            correction = push_stock(account, connector=connector, only={d.channel_sku for d in found.differences}, trigger=RECONCILE)
        except SyncStopped as error:
            return _finish(run, SyncRun.Status.FAILED, f"{found.summary()} Not corrected: {error}")
    run.items_pushed, run.items_rejected = correction.items_pushed, correction.items_rejected
    run.save(update_fields=["items_pushed", "items_rejected"])
    if correction.status == SyncRun.Status.FAILED:
        return _finish(run, SyncRun.Status.FAILED, f"{found.summary(correction)} The correction failed: {correction.message}")
    return _finish(run, _outcome(run), found.summary(correction))


def _outcome(run: SyncRun) -> str:
    return SyncRun.Status.PARTIAL if run.errors or run.items_rejected else SyncRun.Status.SUCCEEDED


# --- one failed record, again ------------------------------------------------------------------------

# The streams whose failed records are sent (or read back) again, alone.
PUSHES = {STOCK: push_stock, PRICES: push_prices, RECONCILE: reconcile_stock}


def retry_failure(failure: SyncFailure, *, connector: Connector | None = None) -> SyncFailure:
    """Try one failed record again, alone: an order is mapped again from its kept payload and imported;
    a stock or price item is pushed again with the quantity or price the hub offers now; a listing whose
    quantity could not be read back is reconciled again; a shipment the channel refused is confirmed again
    with the carrier and tracking number kept."""
    account = failure.account
    _check_running(account)
    with _connected(account, connector) as connector:
        if failure.stream == SHIPMENTS:
            return _confirm_again(failure, connector)
        if failure.stream == "returns":
            from hub.channels.return_pulls import link_again

            return link_again(failure)
        if failure.stream in PUSHES:
            PUSHES[failure.stream](account, connector=connector, only={failure.record_key}, trigger="retry")
        else:
            try:
                dto = _read_again(connector, failure)
            except Exception as exc:
                return _retried(failure, f"{type(exc).__name__}: {exc}")
            outcome = import_orders(account, [dto], source="retry")[0]
            if outcome.error is not None:
                return _retried(failure, str(outcome.error))
            failure.status = SyncFailure.Status.RESOLVED
        if failure.stream in PUSHES:
            failure.refresh_from_db()
        else:
            failure.save(update_fields=["status", "updated_at"])
        return failure


def _confirm_again(failure: SyncFailure, connector: Connector) -> SyncFailure:
    order = Order.objects.filter(account=failure.account, channel_order_id=failure.record_key).first()
    if order is None:
        return _retried(failure, "The order is no longer in the hub.")
    payload = failure.payload or {}
    if confirm_shipment(order, carrier=payload.get("carrier", ""), tracking_number=payload.get("tracking_number", ""),
                        connector=connector):  # fmt: skip
        failure.status = SyncFailure.Status.RESOLVED
        failure.save(update_fields=["status", "updated_at"])
    else:  # refused again: confirm_shipment wrote the new answer on this open failure (same order id)
        failure.refresh_from_db()
    return failure


def _read_again(connector: Connector, failure: SyncFailure):
    """The order as the channel serves it now (it may have fixed it), else as it was kept."""
    if failure.record_key and failure.record_key != "?":
        try:
            return call(lambda: connector.fetch_order(failure.record_key))
        except (UnsupportedOperation, RecordRejected):
            logger.info("Order %s cannot be read again from the channel; using its kept payload", failure.record_key)
    return connector.order_from_record(failure.payload)


def _retried(failure: SyncFailure, error: str) -> SyncFailure:
    failure.error, failure.attempts = error, failure.attempts + 1
    failure.save(update_fields=["error", "attempts", "updated_at"])
    return failure


# --- the account's state -------------------------------------------------------------------------


def _check_running(account: ChannelAccount) -> None:
    if not account.is_active:
        raise SyncStopped(f"{account} is inactive.")
    if account.syncs_stopped_at is not None:
        raise SyncStopped(f"{account}: syncs are stopped: {account.alert}")


def _stop_account(account: ChannelAccount, error: Exception) -> None:
    """The channel refused the credentials: stop every sync of the account until they are replaced."""
    account.syncs_stopped_at = timezone.now()
    account.alert = f"Credentials rejected by {account.get_kind_display()}: {error}. Update them to resume syncs."[:500]
    ChannelAccount.objects.filter(pk=account.pk).update(syncs_stopped_at=account.syncs_stopped_at, alert=account.alert)
    logger.error("Stopped syncs of %s: %s", account, account.alert)


def _finish(run: SyncRun, status: str, message: str) -> SyncRun:
    run.status, run.message, run.finished_at = status, message, timezone.now()
    run.save(update_fields=["status", "message", "finished_at"])
    _update_alert(run)
    return run


def _failing_alert(stream: str) -> str:
    return f"The {stream} sync keeps failing"


def _update_alert(run: SyncRun) -> None:
    """An account whose stream failed ``SYNC_ALERT_AFTER_FAILURES`` times in a row gets an alert with the
    last error; the stream's next success clears it. (Rejected credentials raise their own alert.)"""
    account = run.account
    prefix = _failing_alert(run.stream)
    if run.status != SyncRun.Status.FAILED:
        if account.alert.startswith(prefix):
            ChannelAccount.objects.filter(pk=account.pk, alert=account.alert).update(alert="")
            account.alert = ""
        return
    limit = settings.SYNC_ALERT_AFTER_FAILURES
    recent = list(SyncRun.objects.filter(account=account, stream=run.stream).order_by("-started_at", "-pk")
                  .values_list("status", flat=True)[:limit])  # fmt: skip
    if len(recent) == limit and all(status == SyncRun.Status.FAILED for status in recent) and not account.syncs_stopped_at:
        account.alert = f"{prefix} ({limit} runs in a row): {run.message}"[:500]
        ChannelAccount.objects.filter(pk=account.pk).update(alert=account.alert)
