"""One run at a time per (account, stream), whichever worker, beat or retry starts it.

``run_once(account_id, stream)`` is a context manager that yields True when this caller holds the lock
and False when someone else does (the caller then skips quietly: the run in progress does the work).

- With ``REDIS_URL``: ``SET key token NX PX ttl``. While the body runs, a heartbeat thread extends the
  expiry every ttl/3, but only while the key still holds this caller's token (compare-and-pexpire in
  Lua), and the lock is released by compare-and-delete (Lua), so a holder whose lock expired never
  extends or deletes the next holder's.
- Embedded (no ``REDIS_URL``): a ``SyncLock`` row. Acquiring is one statement, an insert that takes
  over a row whose ``expires_at`` has passed (``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired``);
  the heartbeat moves ``expires_at`` on, and release deletes the row where the token matches.

Either way, a lock left by a worker that was killed expires ``ttl`` after its last heartbeat.

The database lock belongs outside a transaction (as a sync runs: it commits page by page). Inside one,
its row appears to other connections only at the commit, so it excludes nobody before that, and no
heartbeat thread could see it either; none is started then.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from typing import Protocol

import redis
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from schedules.models import SyncLock

logger = logging.getLogger(__name__)


# KEYS[1] the lock, ARGV[1] the holder's token, ARGV[2] the new expiry in ms
EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# KEYS[1] the lock, ARGV[1] the holder's token
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@cache
def redis_client(url: str) -> redis.Redis:
    """One client (and connection pool) per URL in this process; redis-py renews the pool after a fork."""
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30)


def key_prefix() -> str:
    """What every scheduler key in Redis starts with (``REDIS_KEY_PREFIX``, tests set their own)."""
    return getattr(settings, "REDIS_KEY_PREFIX", "hub:")


def lock_key(account_id: int, stream: str) -> str:
    return f"{key_prefix()}lock:{account_id}:{stream}"


def new_token() -> str:
    """Unique to one acquisition, and says who holds the lock when someone looks."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


class Lock(Protocol):
    key: str
    token: str
    ttl: float
    can_heartbeat: bool  # whether another thread can extend it (see the module's docstring)

    def extend(self) -> bool:
        """Push the expiry ``ttl`` on if this holder still holds it; False if it was lost."""

    def release(self) -> None:
        """Let go, if this holder still holds it."""


class RedisLock:
    can_heartbeat = True

    def __init__(self, client: redis.Redis, key: str, token: str, ttl: float) -> None:
        self.client, self.key, self.token, self.ttl = client, key, token, ttl

    @classmethod
    def acquire(cls, client: redis.Redis, key: str, *, ttl: float) -> "RedisLock | None":
        lock = cls(client, key, new_token(), ttl)
        return lock if client.set(key, lock.token, nx=True, px=_ms(ttl)) else None

    def extend(self) -> bool:
        return bool(self.client.register_script(EXTEND)(keys=[self.key], args=[self.token, _ms(self.ttl)]))

    def release(self) -> None:
        self.client.register_script(RELEASE)(keys=[self.key], args=[self.token])


class DatabaseLock:
    def __init__(self, key: str, token: str, ttl: float) -> None:
        self.key, self.token, self.ttl = key, token, ttl
        self.can_heartbeat = not connection.in_atomic_block

    @classmethod
    def acquire(cls, key: str, *, ttl: float) -> "DatabaseLock | None":
        """Insert the row, or take over an expired one, in one statement; None if it is held."""
        lock = cls(key, new_token(), ttl)
        now = timezone.now()
        table, quote = SyncLock._meta.db_table, connection.ops.quote_name
        key_, token, expires_at = quote("key"), quote("token"), quote("expires_at")
        sql = (
            f"INSERT INTO {quote(table)} ({key_}, {token}, {expires_at}) VALUES (%s, %s, %s) "  # noqa: S608 - names, not values
            f"ON CONFLICT ({key_}) DO UPDATE SET {token} = excluded.{token}, {expires_at} = excluded.{expires_at} "
            f"WHERE {quote(table)}.{expires_at} <= %s RETURNING {token}"
        )
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, lock.token, adapt(now + timedelta(seconds=ttl)), adapt(now)])
            row = cursor.fetchone()
        return lock if row is not None else None

    def extend(self) -> bool:
        expires_at = timezone.now() + timedelta(seconds=self.ttl)
        return SyncLock.objects.filter(key=self.key, token=self.token).update(expires_at=expires_at) == 1

    def release(self) -> None:
        SyncLock.objects.filter(key=self.key, token=self.token).delete()


def try_lock(account_id: int, stream: str, *, ttl: float | None = None) -> Lock | None:
    """Take the (account, stream) lock if it is free, without a heartbeat; None if someone holds it.

    The caller must ``release()`` it (``run_once`` does all this). Left alone, it expires after ``ttl``
    seconds (``SYNC_LOCK_TTL_SECONDS`` by default).
    """
    key = lock_key(account_id, stream)
    ttl = ttl or settings.SYNC_LOCK_TTL_SECONDS
    if settings.REDIS_URL:
        return RedisLock.acquire(redis_client(settings.REDIS_URL), key, ttl=ttl)
    return DatabaseLock.acquire(key, ttl=ttl)


class Heartbeat(threading.Thread):
    """Extends a held lock every ttl/3 until stopped; notes (and logs) when the lock was lost."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(name=f"heartbeat {lock.key}", daemon=True)
        self.lock = lock
        self.lost = False
        self._halt = threading.Event()

    def run(self) -> None:
        try:
            while not self._halt.wait(self.lock.ttl / 3):
                if not self._beat():
                    return
        finally:
            connections.close_all()  # this thread's connections only

    def _beat(self) -> bool:
        try:
            if self.lock.extend():
                return True
        except (redis.RedisError, DatabaseError):  # a blip: the next beat may pass, ttl/3 from now
            logger.warning("Could not extend the lock %s", self.lock.key, exc_info=True)
            return True
        self.lost = True
        logger.error("Lost the lock %s: it expired and may be held by another run", self.lock.key)
        return False

    def stop(self) -> None:
        self._halt.set()
        self.join()


@contextmanager
def run_once(account_id: int, stream: str, *, ttl: float | None = None) -> Iterator[bool]:
    """Yield True while holding the (account, stream) lock, or False at once if another run holds it.

    ``ttl`` (seconds, ``SYNC_LOCK_TTL_SECONDS`` by default) bounds how long the lock outlives a holder that died; a live holder's heartbeat
    keeps it for as long as the body runs.
    """
    lock = try_lock(account_id, stream, ttl=ttl)
    if lock is None:
        logger.info("%s of account %s is already running elsewhere; skipped", stream, account_id)
        yield False
        return
    heartbeat = Heartbeat(lock) if lock.can_heartbeat else None
    if heartbeat is not None:
        heartbeat.start()
    try:
        yield True
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        try:
            lock.release()
        except (redis.RedisError, DatabaseError):  # it expires after ttl all the same
            logger.warning("Could not release the lock %s", lock.key, exc_info=True)


def is_locked(account_id: int, stream: str) -> bool:
    """Whether some run holds the (account, stream) lock now."""
    key = lock_key(account_id, stream)
    if settings.REDIS_URL:
        return bool(redis_client(settings.REDIS_URL).exists(key))
    return SyncLock.objects.filter(key=key, expires_at__gt=timezone.now()).exists()


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
