"""Bulk sync jobs: one kind of sync over every account of a tenant, as a ``Job`` row with a status.

1. ``start_job`` checks the request, writes a queued job and sends ``schedules.run_job`` to the
   ``bulk`` queue once that row is committed (embedded mode runs it then, inline).
2. ``run_job`` (in the worker) goes through the tenant's active accounts that have a connector, in id
   order, one at a time, each under its (account, stream) lock (``schedules.locks.run_once``):

   - ``push_all_stock``: mark every active listing dirty (``outbox.mark_account_changed``), push stock;
   - ``repull_orders``: ``sync.sync_orders(account, since=job.since)``;
   - ``push_catalog``: ``sync.push_prices`` (prices only: connectors cannot push catalog content yet).

   An account whose stream is running elsewhere is skipped with a note; one whose syncs are stopped,
   or whose run failed, is an error of the job, and the job goes on with the next account. After each
   account ``done`` and the counts (summed from the account's ``SyncRun``) are saved, so a poll sees
   the job move. ``cancel_requested`` is read between accounts: the job then ends ``cancelled``.
   The job fails only when every account failed (or on an unexpected error); otherwise it succeeds,
   its errors listing the accounts that failed.
3. ``cancel_job`` cancels a queued job at once and asks a running one to stop after its current account.

A redelivered message (the worker died) runs an unfinished job again from its first account: pushes
and order pulls are idempotent, so an account done twice is only work done twice.
"""

import logging
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from connectors.registry import UnknownChannel, connector_class
from hub.core.errors import Conflict, DomainError
from schedules.models import Job, zero_counts

logger = logging.getLogger(__name__)

MAX_ERRORS = 100  # errors kept on the row; the rest are only counted
STREAMS = {Job.Kind.PUSH_ALL_STOCK: "stock", Job.Kind.REPULL_ORDERS: "orders", Job.Kind.PUSH_CATALOG: "prices"}


def start_job(tenant, *, kind: str, since: datetime | None = None, user=None) -> Job:
    """Write a queued job and queue its run once the row is committed.

    Raises DomainError (field ``kind`` or ``since``) for a request that cannot run: an unknown kind, a
    re-pull without ``since`` (or with a naive one), or ``since`` for a kind that takes none.
    """
    from schedules.queues import Queue
    from schedules.tasks import run_job as run_job_task

    if kind not in Job.Kind.values:
        raise DomainError(f"Unknown job kind {kind!r}; one of {', '.join(Job.Kind.values)}.", field="kind")
    if kind == Job.Kind.REPULL_ORDERS:
        if since is None:
            raise DomainError("Re-pulling orders needs the time to re-pull from (since).", field="since")
        if timezone.is_naive(since):
            raise DomainError("since needs a time zone, e.g. 2026-11-20T00:00:00+05:30.", field="since")
    elif since is not None:
        raise DomainError("Only a re-pull of orders takes since.", field="since")
    job = Job.objects.create(tenant=tenant, kind=kind, since=since, created_by=user)
    transaction.on_commit(partial(run_job_task.apply_async, (job.pk,), queue=Queue.BULK.value))
    return job


def cancel_job(job: Job) -> Job:
    """Cancel a queued job now; ask a running one to stop after the account it is on.

    Raises Conflict for a job that has finished already.
    """
    job.refresh_from_db()
    if job.is_finished:
        raise Conflict(f"This job has finished already ({job.get_status_display().lower()}).", code="finished")
    now = timezone.now()
    cancelled = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED, cancel_requested=True, finished_at=now, message="Cancelled before it started."
    )
    if not cancelled:
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def run_job(job_id: int) -> Job | None:
    """Run one job over its tenant's accounts; returns it, or None if it is gone. A finished job
    (cancelled while queued, or redelivered after it ended) is left alone."""
    job = Job.objects.select_related("tenant").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    try:
        _run(job)
    except Exception as exc:
        logger.exception("Bulk job %s failed", job.pk)
        _save(job, status=Job.Status.FAILED, finished_at=timezone.now(),
              message=f"The job stopped on an unexpected error ({type(exc).__name__}: {exc}) "
                      f"after {job.done} of {job.total} accounts.")  # fmt: skip
    return job


def job_accounts(tenant) -> list:
    """The accounts a job goes through: the tenant's active ones whose channel has a connector."""
    from hub.channels.models import ChannelAccount

    accounts = []
    for account in ChannelAccount.objects.for_tenant(tenant).filter(is_active=True).order_by("pk"):
        try:
            connector_class(account.kind)
        except UnknownChannel:
            continue
        accounts.append(account)
    return accounts


def _run(job: Job) -> None:
    accounts = job_accounts(job.tenant)
    _save(job, status=Job.Status.RUNNING, started_at=timezone.now(), total=len(accounts), done=0,
          counts=zero_counts(), errors=[], message="")  # fmt: skip
    failed, skipped, dropped = 0, 0, 0
    for account in accounts:
        if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            _save(job, status=Job.Status.CANCELLED, cancel_requested=True, finished_at=timezone.now(),
                  message=f"Cancelled after {job.done} of {job.total} accounts.")  # fmt: skip
            return
        outcome, note = _run_account(job, account)
        failed += outcome == "failed"
        skipped += outcome == "skipped"
        if note:
            if len(job.errors) < MAX_ERRORS:
                job.errors.append({"account": account.pk, "account_name": str(account), "error": note[:1000]})
            else:
                dropped += 1
        job.done += 1
        _save(job, done=job.done, counts=job.counts, errors=job.errors)
    status = Job.Status.FAILED if accounts and failed == len(accounts) else Job.Status.SUCCEEDED
    _save(job, status=status, finished_at=timezone.now(), message=_summary(job, failed, skipped, dropped))


def _run_account(job: Job, account) -> tuple[str, str]:
    """Run the job's stream on one account; ("ok" | "failed" | "skipped", a note for the errors)."""
    from hub.channels import sync
    from hub.channels.models import SyncRun
    from schedules.locks import run_once

    stream = STREAMS[job.kind]
    with run_once(account.pk, stream) as mine:
        if not mine:
            return "skipped", f"Skipped: a {stream} sync of this account was already running."
        try:
            run = _sync(job, account, sync)
        except sync.SyncStopped as exc:
            job.counts["errors"] += 1
            return "failed", str(exc)
        except Exception as exc:
            logger.exception("Bulk job %s: account %s failed", job.pk, account.pk)
            job.counts["errors"] += 1
            return "failed", f"{type(exc).__name__}: {exc}"
    _add_counts(job.counts, run)
    if run.status == SyncRun.Status.FAILED:
        job.counts["errors"] += 1
        return "failed", run.message or "The run failed."
    if run.status == SyncRun.Status.PARTIAL:
        return "ok", f"Finished with failed records: {run.message}"
    return "ok", ""


def _sync(job: Job, account, sync):
    if job.kind == Job.Kind.PUSH_ALL_STOCK:
        from hub.channels.outbox import mark_account_changed

        mark_account_changed(account, cause="bulk")
        return sync.push_stock(account, trigger="bulk")
    if job.kind == Job.Kind.REPULL_ORDERS:
        return sync.sync_orders(account, since=job.since, trigger="bulk")
    return sync.push_prices(account, trigger="bulk")


def _add_counts(counts: dict[str, int], run) -> None:
    """Add one SyncRun's numbers: orders created and updated, items pushed and rejected, failed records."""
    counts["created"] += run.orders_created
    counts["updated"] += run.orders_updated
    counts["pushed"] += run.items_pushed
    counts["rejected"] += run.items_rejected
    counts["errors"] += run.errors


def _summary(job: Job, failed: int, skipped: int, dropped: int) -> str:
    if not job.total:
        return "No active account with a connector: nothing to do."
    c = job.counts
    parts = [f"{job.done} of {job.total} accounts"]
    if job.kind == Job.Kind.REPULL_ORDERS:
        parts.append(f"{c['created']} orders new, {c['updated']} updated")
    else:
        parts.append(f"{c['pushed']} pushed, {c['rejected']} rejected")
    if failed:
        parts.append(f"{failed} account(s) failed")
    if skipped:
        parts.append(f"{skipped} skipped (already running)")
    if dropped:
        parts.append(f"{dropped} more error(s) not kept")
    return "; ".join(parts) + "."


def _save(job: Job, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
