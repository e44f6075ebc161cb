"""Which syncs are due: each account's own schedule, kept on the account (``order_pull_minutes``,
``stock_push_minutes``) and editable by operations staff, against the start of its latest run.

``tick()`` runs every half minute (Celery beat in production, the in-process scheduler thread in the
embedded quick start) and queues what is due; the tasks take a lock per (account, stream), so a tick
that overlaps a long run, or two beats, never run the same sync twice at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from connectors.registry import UnknownChannel, connector_class
from hub.channels.models import ChannelAccount, SyncRun

STREAM_MINUTES = {"orders": "order_pull_minutes", "stock": "stock_push_minutes"}


@dataclass(frozen=True)
class Due:
    account_id: int
    stream: str
    last_run: datetime | None
    next_run: datetime


def schedule(now: datetime | None = None) -> list[Due]:
    """Every active account's streams with their last and next run, soonest first."""
    now = now or timezone.now()
    accounts = [a for a in ChannelAccount.objects.filter(is_active=True, syncs_stopped_at__isnull=True) if _syncable(a)]
    last = {
        (row["account_id"], row["stream"]): row["last"]
        for row in SyncRun.objects.filter(account__in=accounts, stream__in=STREAM_MINUTES)
        .values("account_id", "stream")
        .annotate(last=Max("started_at"))
    }
    plan = []
    for account in accounts:
        for stream, field in STREAM_MINUTES.items():
            previous = last.get((account.pk, stream))
            every = timedelta(minutes=getattr(account, field))
            plan.append(Due(account.pk, stream, previous, previous + every if previous else now))
    return sorted(plan, key=lambda due: due.next_run)


def due(now: datetime | None = None) -> list[Due]:
    now = now or timezone.now()
    return [item for item in schedule(now) if item.next_run <= now]


def tick(now: datetime | None = None) -> list[Due]:
    """Queue every sync that is due; returns what was queued."""
    from schedules.tasks import sync_account

    queued = due(now)
    for item in queued:
        sync_account.delay(item.account_id, orders=item.stream == "orders", stock=item.stream == "stock",
                           trigger="schedule")  # fmt: skip
    return queued


def _syncable(account: ChannelAccount) -> bool:
    try:
        connector_class(account.kind)
    except UnknownChannel:
        return False
    return True
