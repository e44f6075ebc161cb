"""The in-process scheduler of the quick start: ticks on its clock, survives a failed tick, stops when told."""

import threading

import pytest

from schedules import embedded


def test_it_ticks_goes_on_after_a_failed_tick_and_stops(monkeypatch, settings):
    settings.REDIS_URL = ""
    ticks, enough = [], threading.Event()

    def tick():
        ticks.append(1)
        if len(ticks) == 1:
            raise RuntimeError("the database blinked")
        if len(ticks) >= 3:
            enough.set()
        return {"syncs": 0}

    monkeypatch.setattr("schedules.tasks.tick", tick)
    seen = []
    scheduler = embedded.start(every=0.01, on_tick=seen.append)

    assert enough.wait(5)
    scheduler.stop(timeout=5)
    assert not scheduler.is_alive()
    assert len(seen) >= 2 and seen[0] == {"syncs": 0}  # the failed first tick reported nothing


def test_with_redis_the_workers_run_the_schedules_not_this_thread(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    with pytest.raises(RuntimeError, match="celery beat"):
        embedded.start()
