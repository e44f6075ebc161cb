"""Which syncs are due: each account's own schedule, kept on the account and editable by operations
staff (API ``channel-accounts/{id}/``, the admin), against the start of the stream's latest run.

An account has five scheduled streams (``STREAMS``): order pulls, stock pushes (the safety net: stock
changes are pushed within seconds as they happen), price pushes, the daily stock reconciliation that
reads back what the channel shows, and return pulls (the returns the channel announces). A stream is
scheduled only where the account's connector can do it.

``tick()`` runs every ``SCHEDULE_TICK_SECONDS`` (Celery beat in production, the in-process scheduler
thread of ``schedules.embedded`` in the quick start) and queues what is due, each stream on its own
queue so a long reconciliation or catalog push never delays an order pull. The tasks take a lock per
(account, stream), so a tick that overlaps a long run, or two beats, never run the same sync twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from connectors.base import Capability
from connectors.registry import UnknownChannel, connector_class
from hub.channels.models import ChannelAccount, SyncRun
from schedules.queues import Queue


@dataclass(frozen=True)
class Stream:
    name: str  # the SyncRun stream, and the ``sync_account`` flag that runs it
    minutes_field: str  # the account's field saying how often
    capability: Capability  # what the connector must be able to do
    queue: Queue


STREAMS = (
    Stream("orders", "order_pull_minutes", Capability.PULL_ORDERS, Queue.ORDERS),
    Stream("stock", "stock_push_minutes", Capability.PUSH_STOCK, Queue.STOCK),
    Stream("prices", "price_push_minutes", Capability.PUSH_PRICE, Queue.BULK),
    Stream("reconcile", "stock_reconcile_minutes", Capability.READ_STOCK, Queue.BULK),
    Stream("returns", "return_pull_minutes", Capability.PULL_RETURNS, Queue.ORDERS),
)
BY_NAME = {stream.name: stream for stream in STREAMS}


@dataclass(frozen=True)
class Due:
    account_id: int
    stream: str
    every_minutes: int
    last_run: datetime | None
    next_run: datetime


def every(minutes: int) -> timedelta:
    """An account's "every N minutes" (``SCHEDULE_MINUTE_SECONDS`` is 60 but where tests compress time)."""
    return timedelta(seconds=minutes * settings.SCHEDULE_MINUTE_SECONDS)


def schedule(now: datetime | None = None, *, accounts=None) -> list[Due]:
    """Every active account's scheduled streams with their last and next run, soonest first.

    ``accounts`` (a queryset) narrows it, e.g. to one tenant's; stopped and inactive accounts are left out.
    """
    now = now or timezone.now()
    accounts = ChannelAccount.objects.all() if accounts is None else accounts
    accounts = list(accounts.filter(is_active=True, syncs_stopped_at__isnull=True))
    last = {
        (row["account_id"], row["stream"]): row["last"]
        for row in SyncRun.objects.filter(account__in=accounts, stream__in=BY_NAME)
        .values("account_id", "stream")
        .annotate(last=Max("started_at"))
    }
    plan = []
    for account in accounts:
        for stream in streams_of(account):
            previous = last.get((account.pk, stream.name))
            minutes = getattr(account, stream.minutes_field)
            plan.append(Due(account.pk, stream.name, minutes, previous, previous + every(minutes) if previous else now))
    return sorted(plan, key=lambda due: due.next_run)


def last_runs(plan: list[Due]) -> dict[tuple[int, str], SyncRun]:
    """The latest run of each planned (account, stream), in one query: what a person reads as "outcome"."""
    latest = Q(pk__in=[])
    for item in plan:
        if item.last_run is not None:
            latest |= Q(account_id=item.account_id, stream=item.stream, started_at=item.last_run)
    runs = {}
    for run in SyncRun.objects.filter(latest).order_by("-pk"):
        runs.setdefault((run.account_id, run.stream), run)
    return runs


ABANDONED = (
    "The worker running this sync stopped before it finished (killed, or its machine lost); nothing it "
    "committed is lost, and the next run carries on from there."
)


def close_abandoned(now: datetime | None = None) -> list[int]:
    """Mark failed the runs left RUNNING by a worker that died: their (account, stream) lock is free
    although they never finished (a live run holds its lock, heartbeat and all, until it has written its
    outcome). Only runs older than the lock's expiry are looked at. Returns their ids."""
    from schedules.locks import is_locked

    now = now or timezone.now()
    stale = SyncRun.objects.filter(status=SyncRun.Status.RUNNING,
                                   started_at__lte=now - timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS))  # fmt: skip
    closed = []
    for run in stale.only("pk", "account_id", "stream"):
        if not is_locked(run.account_id, run.stream) and SyncRun.objects.filter(
            pk=run.pk, status=SyncRun.Status.RUNNING
        ).update(status=SyncRun.Status.FAILED, finished_at=now, message=ABANDONED):
            closed.append(run.pk)
    return closed


def streams_of(account: ChannelAccount) -> list[Stream]:
    """The streams the account's connector can run; none for a channel without a connector."""
    try:
        capabilities = connector_class(account.kind).capabilities
    except UnknownChannel:
        return []
    return [stream for stream in STREAMS if stream.capability in capabilities]


def due(now: datetime | None = None) -> list[Due]:
    now = now or timezone.now()
    return [item for item in schedule(now) if item.next_run <= now]


def tick(now: datetime | None = None) -> list[Due]:
    """Queue every sync that is due, each on its stream's queue; returns what was queued."""
    from schedules.tasks import sync_account

    queued = due(now)
    for item in queued:
        flags = {stream.name: stream.name == item.stream for stream in STREAMS}
        # A reconciliation pulls orders first: a sale the channel has counted but the hub has not yet
        # imported would otherwise look like drift, and the correction would offer the sold units again.
        flags["orders"] |= item.stream == "reconcile"
        sync_account.apply_async(args=[item.account_id], kwargs={**flags, "trigger": "schedule"},
                                 queue=BY_NAME[item.stream].queue)  # fmt: skip
    return queued
