"""Celery tasks. Each takes ids, loads its rows and calls one service; it returns quietly when the row
is gone or its work is already done (a redelivered message is harmless)."""

from celery import shared_task
from django.db import OperationalError

from connectors.errors import RetriableConnectorError
from hub.core.imports import run_import_job


@shared_task(name="schedules.run_import", acks_late=True, reject_on_worker_lost=True)
def run_import(job_id: int) -> str | None:
    """Validate and (unless a dry run) apply one uploaded import file; returns the job's final status.

    Sent to the ``Queue.BULK`` queue (see ``hub.core.imports.start_import``), so a large file never
    delays an order pull. Celery 5.7 deprecates a ``queue`` attribute on the task itself.
    """
    job = run_import_job(job_id)
    return job.status if job is not None else None


@shared_task(
    name="schedules.retry_waiting_orders", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=60, max_retries=5,
)  # fmt: skip
def retry_waiting_orders(tenant_id: int, sku_ids: list[int]) -> int:
    """Stock arrived for these SKUs: allocate the orders waiting for them, oldest ship-by date first."""
    from hub.orders.waiting import retry_waiting

    return retry_waiting(tenant_id, sku_ids)


@shared_task(name="schedules.sync_account", acks_late=True, reject_on_worker_lost=True)
def sync_account(account_id: int, *, orders: bool = True, stock: bool = True, prices: bool = False,
                 reconcile: bool = False, returns: bool = False, since: str | None = None,
                 trigger: str = "manual") -> list[int]:  # fmt: skip
    """Pull the account's orders, push its stock and prices, reconcile its stock with what the channel
    shows, and/or pull the returns it announces, in that order; returns the sync run ids.

    Each stream runs under its (account, stream) lock: a stream already running elsewhere (another
    beat, a retry, a person's "sync now") is skipped, not run twice. Quiet if the account is gone or
    its syncs are stopped (the run that stopped them already says why)."""
    from datetime import datetime

    from hub.channels import sync
    from hub.channels.models import ChannelAccount
    from schedules.locks import run_once

    account = ChannelAccount.objects.filter(pk=account_id).first()
    if account is None:
        return []
    streams = [
        ("orders", orders, lambda: sync.sync_orders(account, since=datetime.fromisoformat(since) if since else None,
                                                    trigger=trigger)),
        ("stock", stock, lambda: sync.push_stock(account, trigger=trigger)),
        ("prices", prices, lambda: sync.push_prices(account, trigger=trigger)),
        ("reconcile", reconcile, lambda: sync.reconcile_stock(account, trigger=trigger)),
        ("returns", returns, lambda: sync.pull_returns(account, trigger=trigger)),
    ]  # fmt: skip
    runs = []
    for stream, wanted, run in streams:
        if not wanted:
            continue
        with run_once(account.pk, stream) as mine:
            if not mine:
                continue
            try:
                runs.append(run())
            except sync.SyncStopped:
                break
    return [run.pk for run in runs]


@shared_task(name="schedules.process_webhook", acks_late=True, reject_on_worker_lost=True)
def process_webhook(event_id: int) -> str | None:
    """Process one stored webhook delivery (a redelivered message finds it processed and stops)."""
    from hub.channels.webhooks import process

    event = process(event_id)
    return event.status if event is not None else None


@shared_task(
    name="schedules.push_account_stock", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=60, max_retries=5,
)  # fmt: skip
def push_account_stock(account_id: int, *, trigger: str = "stock_change") -> int | None:
    """Push one account's dirty listings now (event-driven; the periodic push is the safety net).

    Clears the account's "push pending" mark first, so a change made while this push reads the outbox
    queues the next one. Quiet when the account is gone, stopped, or its channel has no connector."""
    from django.core.cache import cache

    from connectors.registry import UnknownChannel, connector_class
    from hub.channels import sync
    from hub.channels.models import ChannelAccount
    from hub.channels.outbox import pending_key, request_push

    cache.delete(pending_key(account_id))
    account = ChannelAccount.objects.filter(pk=account_id, is_active=True, syncs_stopped_at__isnull=True).first()
    if account is None:
        return None
    try:
        connector_class(account.kind)
    except UnknownChannel:
        return None
    from schedules.locks import run_once

    with run_once(account.pk, "stock") as mine:
        if not mine:  # a push is running, which may have read the outbox before these notes: come back
            request_push([account.pk])
            return None
        try:
            return sync.push_stock(account, trigger=trigger).pk
        except sync.SyncStopped:
            return None


@shared_task(name="schedules.tick", acks_late=False, ignore_result=True)
def tick() -> dict[str, int]:
    """Beat calls this every ``SCHEDULE_TICK_SECONDS``: close the runs a dead worker left running, queue
    every account's syncs that are due, pick up webhook deliveries that failed or never ran, and raise
    alerts for credentials about to expire."""
    from hub.channels.services import flag_expiring_credentials
    from hub.channels.webhooks import pick_up_stale
    from schedules.planner import close_abandoned
    from schedules.planner import tick as queue_due

    abandoned = close_abandoned()
    return {"abandoned": len(abandoned), "syncs": len(queue_due()), "webhooks": len(pick_up_stale()),
            "expiring": len(flag_expiring_credentials())}  # fmt: skip


@shared_task(name="schedules.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str | None:
    """Run one bulk sync job (push all stock, re-pull orders, push catalog) over its tenant's accounts;
    returns the job's final status. Sent to the ``Queue.BULK`` queue (see ``schedules.jobs.start_job``)."""
    from schedules.jobs import run_job as run

    job = run(job_id)
    return job.status if job is not None else None


@shared_task(
    name="schedules.confirm_shipment", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=(OperationalError, RetriableConnectorError), retry_backoff=2, retry_backoff_max=300, max_retries=5,
)  # fmt: skip
def confirm_shipment(order_id: int) -> bool | None:
    """Tell the channel a shipped order's carrier and AWB (queued when its manifest is handed over). Quiet
    when the order is gone, not shipped, or its channel takes no shipments; a redelivered message finds
    the confirmation on the order's timeline and sends nothing again."""
    from warehouse.shipping.channel import confirm

    return confirm(order_id)
