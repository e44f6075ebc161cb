"""The schedules without Celery: one thread in the hub's own process (the embedded quick start).

Without ``REDIS_URL`` tasks run in-process (``CELERY_TASK_ALWAYS_EAGER``), so ``schedules.tasks.tick``
called here runs what is due right away, in this thread: order pulls, stock and price pushes,
reconciliations, the pickup of stale webhook deliveries and the credentials expiry alerts, under the
same (account, stream) locks as the workers, kept in the database (``schedules.locks``). Two hub
processes on one database therefore never run the same sync at once either.

It is for the quick start (``make demo`` with nothing else installed) and small single-process
deployments; with ``REDIS_URL``, run ``celery worker`` and ``celery beat`` instead (see
``schedules.processes`` and docker-compose.yml) and do not start this thread.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


class Scheduler(threading.Thread):
    """Calls the beat's tick every ``SCHEDULE_TICK_SECONDS`` until stopped. A tick that fails is logged
    and the next one runs as usual; a tick that runs long delays the next, never overlaps it."""

    def __init__(self, *, every: float | None = None, on_tick=None) -> None:
        super().__init__(name="hub-scheduler", daemon=True)
        self.every = settings.SCHEDULE_TICK_SECONDS if every is None else every
        self.on_tick = on_tick  # called with the tick's counts (the demo prints them)
        self.ticks = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        from schedules.tasks import tick

        try:
            while not self._stopping.is_set():
                started = time.monotonic()
                try:
                    counts = tick()
                    self.ticks += 1
                    if self.on_tick is not None:
                        self.on_tick(counts)
                except Exception:
                    logger.exception("A scheduler tick failed; the next one runs in %s s", self.every)
                finally:
                    close_old_connections()
                self._stopping.wait(max(0.0, self.every - (time.monotonic() - started)))
        finally:
            connection.close()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to stop and wait for the tick in progress to end (``timeout`` seconds at most)."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)


def start(**kwargs) -> Scheduler:
    """Start the in-process scheduler; refuses when Celery workers are meant to run the schedules."""
    if settings.REDIS_URL:
        raise RuntimeError("With REDIS_URL the schedules run in `celery beat` and `celery worker`, not in-process.")
    scheduler = Scheduler(**kwargs)
    scheduler.start()
    return scheduler
