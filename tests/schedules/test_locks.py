"""schedules.locks: one run at a time per (account, stream), in Redis and in the database.

Every test runs on both backends: Redis (skipped, saying why, without one) and the database lock of the
embedded mode. Races between threads or processes on the database need PostgreSQL: the in-memory SQLite
of the tests is not shared between processes, and its shared cache refuses concurrent writers at once
instead of waiting for them.
"""

import itertools
import os
import signal
import threading
import time

import pytest
from django.db import connections

from schedules.locks import is_locked, run_once, try_lock
from schedules.models import SyncLock
from tests.concurrency import race
from tests.schedules import fork, sleep_until, use_test_redis

STREAM = "orders"


def _use(backend: str, settings):
    if backend == "redis":
        yield from use_test_redis(settings)
    else:
        settings.REDIS_URL = ""
        yield None


@pytest.fixture(params=["redis", pytest.param("database", marks=pytest.mark.django_db)])
def backend(request, settings):
    """Redis, or the database lock inside the test's transaction (one connection: no other sees it)."""
    yield from _use(request.param, settings)


@pytest.fixture(params=["redis", pytest.param("database", marks=pytest.mark.django_db(transaction=True))])
def committing_backend(request, settings):
    """Redis, or the database lock committed, so the heartbeat thread's connection sees it."""
    yield from _use(request.param, settings)


@pytest.fixture
def shared_backend(request, committing_backend):
    """The backend, where other threads and processes can race for it (the database only on PostgreSQL)."""
    if committing_backend is None:
        request.getfixturevalue("postgres")
        connections.close_all()  # forked workers must not share the parent's connection
    return committing_backend


def take_turns(account_id: int, *, until: float, hold: float, ttl: float = 5) -> list[tuple[float, float]]:
    """Run a short body under the lock as often as it is free until ``until``; return when it ran."""
    runs = []
    while time.monotonic() < until:
        with run_once(account_id, STREAM, ttl=ttl) as held:
            if held:
                start = time.monotonic()
                time.sleep(hold)
                runs.append((start, time.monotonic()))
        time.sleep(0.001)
    return runs


def _take_turns_in_process(queue, account_id: int, start: float, until: float) -> None:
    sleep_until(start)
    try:
        queue.put(take_turns(account_id, until=until, hold=0.02))
    finally:
        connections.close_all()


def _hold_until_killed(ready, account_id: int, ttl: float) -> None:
    with run_once(account_id, STREAM, ttl=ttl) as held:
        if held:
            ready.set()
        time.sleep(60)


def assert_one_at_a_time(runs: list[tuple[float, float]]) -> None:
    runs = sorted(runs)
    overlapping = [(a, b) for a, b in itertools.pairwise(runs) if b[0] < a[1]]
    assert not overlapping, overlapping


def test_of_two_callers_at_once_one_runs_and_the_other_skips(shared_backend):
    def attempt():
        with run_once(1, STREAM) as held:
            time.sleep(0.2)  # still holding while the other asks
            return held

    assert sorted(race([attempt, attempt])) == [False, True]
    assert not is_locked(1, STREAM)


def test_threads_taking_turns_never_overlap(shared_backend):
    until = time.monotonic() + 0.4
    outcomes = race([lambda: take_turns(2, until=until, hold=0.02)] * 3)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    runs = [run for runs in outcomes for run in runs]
    assert len(runs) >= 5  # the lock is handed on, not stuck
    assert_one_at_a_time(runs)


def test_processes_taking_turns_never_overlap(shared_backend):
    queue = fork.Queue()
    start = time.monotonic() + 0.2
    workers = [
        fork.Process(target=_take_turns_in_process, args=(queue, 3, start, start + 0.4)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=10) for _ in workers]
    for worker in workers:
        worker.join(timeout=5)

    assert [worker.exitcode for worker in workers] == [0, 0]
    assert all(outcomes), "each process ran the body at least once"
    assert_one_at_a_time([run for runs in outcomes for run in runs])


def test_the_heartbeat_keeps_a_long_run_locked_past_its_ttl(committing_backend):
    with run_once(4, STREAM, ttl=0.2) as held:
        assert held
        for _ in range(3):  # 0.6 s in all, three times the ttl
            time.sleep(0.2)
            assert is_locked(4, STREAM)
            with run_once(4, STREAM, ttl=0.2) as again:
                assert not again
    assert not is_locked(4, STREAM)


def test_the_lock_of_a_killed_worker_expires_and_is_taken(shared_backend):
    ttl = 0.5
    ready = fork.Event()
    holder = fork.Process(target=_hold_until_killed, args=(ready, 5, ttl))
    holder.start()
    assert ready.wait(10), "the worker did not get the lock"

    os.kill(holder.pid, signal.SIGKILL)
    holder.join(timeout=5)
    killed_at = time.monotonic()
    assert holder.exitcode == -signal.SIGKILL
    assert is_locked(5, STREAM)  # nobody released it
    with run_once(5, STREAM) as held:
        assert not held

    while True:
        with run_once(5, STREAM) as held:
            if held:
                break
        assert time.monotonic() - killed_at < ttl + 0.5, "the dead worker's lock did not expire"
        time.sleep(0.02)
    assert not is_locked(5, STREAM)


def test_a_holder_that_stopped_beating_loses_the_lock_and_cannot_free_the_next_holders(backend):
    stale = try_lock(6, STREAM, ttl=0.2)  # taken, but nothing extends or releases it
    assert stale is not None
    assert try_lock(6, STREAM) is None

    time.sleep(0.25)
    assert not is_locked(6, STREAM)
    with run_once(6, STREAM) as held:
        assert held
        assert not stale.extend()
        stale.release()  # a late release by the old holder leaves the new holder's lock alone
        assert is_locked(6, STREAM)
    assert not is_locked(6, STREAM)


def test_locks_are_per_account_and_stream(backend):
    with (
        run_once(7, STREAM) as held,
        run_once(7, "stock") as other_stream,
        run_once(8, STREAM) as other_account,
    ):
        assert held and other_stream and other_account
        assert is_locked(7, STREAM) and is_locked(7, "stock") and is_locked(8, STREAM)
    assert not is_locked(7, STREAM)


def test_the_body_failing_releases_the_lock(backend):
    def failing_sync():
        with run_once(9, STREAM) as held:
            assert held
            raise RuntimeError("the sync failed")

    with pytest.raises(RuntimeError, match="the sync failed"):
        failing_sync()
    assert not is_locked(9, STREAM)


@pytest.mark.django_db
def test_a_database_lock_taken_over_is_the_same_row(settings):
    settings.REDIS_URL = ""
    stale = try_lock(10, STREAM, ttl=0.05)
    time.sleep(0.1)
    fresh = try_lock(10, STREAM, ttl=5)

    assert fresh is not None and fresh.token != stale.token
    row = SyncLock.objects.get()
    assert (row.key, row.token) == ("hub:lock:10:orders", fresh.token)


@pytest.mark.django_db
def test_inside_a_transaction_the_database_lock_starts_no_heartbeat(settings):
    settings.REDIS_URL = ""
    with run_once(11, STREAM, ttl=0.2) as held:
        assert held
        assert not [t for t in threading.enumerate() if t.name.startswith("heartbeat")]
        assert is_locked(11, STREAM)
    assert not SyncLock.objects.exists()
