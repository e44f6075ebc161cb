"""Rows the scheduler keeps: its locks (embedded mode, when there is no Redis) and bulk sync jobs."""

from django.conf import settings
from django.db import models

from hub.core.models import TenantOwned


class SyncLock(models.Model):
    """One run at a time per (account, stream) without Redis: whoever holds the row's ``token`` runs.

    The holder extends ``expires_at`` while it works (a heartbeat) and deletes the row when done; a row
    whose ``expires_at`` has passed was left by a worker that died, and the next caller takes it over.
    See ``schedules.locks``.
    """

    key = models.CharField(max_length=200, unique=True)
    token = models.CharField(max_length=200, help_text="host:pid:random of the holder")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


JOB_COUNTS = ("created", "updated", "pushed", "rejected", "errors")


def zero_counts() -> dict[str, int]:
    """A job's counts before it ran: orders created and updated, items pushed and rejected, errors."""
    return dict.fromkeys(JOB_COUNTS, 0)


class Job(TenantOwned):
    """One bulk sync over every active account of a tenant that has a connector, account by account
    (``schedules.jobs``): its status, progress (accounts done of total), summed counts and errors.

    - ``push_all_stock``: every active listing is marked dirty, then the account's stock is pushed.
    - ``repull_orders``: the account's orders updated since ``since`` are read again and imported.
    - ``push_catalog``: every listing's price is pushed (``sync.push_prices``). Only prices: no
      connector can push catalog content (titles, images, attributes) yet, so that is not sent.
    """

    class Kind(models.TextChoices):
        PUSH_ALL_STOCK = "push_all_stock", "Push all stock to all channels"
        REPULL_ORDERS = "repull_orders", "Re-pull orders since a date"
        PUSH_CATALOG = "push_catalog", "Push catalog (prices)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    since = models.DateTimeField(null=True, blank=True, help_text="Re-pull orders updated since this time")
    total = models.PositiveIntegerField(default=0, help_text="Accounts to go through")
    done = models.PositiveIntegerField(default=0, help_text="Accounts gone through")
    counts = models.JSONField(default=zero_counts, blank=True, help_text="created, updated, pushed, rejected, errors")
    message = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="Per account: what went wrong (the first ones)")
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))
