"""Rows the scheduler keeps for itself (embedded mode, when there is no Redis)."""

from django.db import models


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
