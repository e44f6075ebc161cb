"""Real Celery workers and beats for the scheduler tests (``schedules.processes``), on the test database and
the test Redis under a key prefix of the test's own; their logs' tails are added to a failing test's report.
"""

import pytest

from schedules.processes import Environment, ProcessGroup
from tests.schedules import use_test_redis

# What the processes run with, unless a test says otherwise: time compressed (a tick a second, an account's
# "minute" a second), a killed holder's lock free 3 s after its last heartbeat, a killed worker's message
# back in the queue after 10 s, quick retries, and event-driven stock pushes coalesced over half a second.
PROCESS_SETTINGS = {
    "SCHEDULE_TICK_SECONDS": "1", "SCHEDULE_MINUTE_SECONDS": "1", "SYNC_LOCK_TTL_SECONDS": "3",
    "CELERY_VISIBILITY_TIMEOUT": "10", "SYNC_RETRY_ATTEMPTS": "12", "SYNC_RETRY_BASE_SECONDS": "0.05",
    "SYNC_RETRY_MAX_SECONDS": "0.3", "STOCK_PUSH_ON_CHANGE": "1", "STOCK_PUSH_DEBOUNCE_SECONDS": "0.5",
    "LOG_LEVEL": "INFO",
}  # fmt: skip
GROUPS = pytest.StashKey[list[ProcessGroup]]()


@pytest.fixture
def test_redis(settings):
    """The test Redis under a fresh key prefix (skipped, saying why, without one); its keys deleted after."""
    yield from use_test_redis(settings)


@pytest.fixture
def processes(request, postgres, transactional_db, test_redis, tmp_path):
    """Make a ``ProcessGroup`` on the test database (its real name: the rows a test writes are committed)
    and the test Redis: ``processes(**settings)``. Every group is stopped before the database is flushed."""
    groups = request.node.stash.setdefault(GROUPS, [])

    def make(**settings: str) -> ProcessGroup:
        env = Environment.from_settings(extra={**PROCESS_SETTINGS, **settings})
        group = ProcessGroup(env, directory=tmp_path / f"processes-{len(groups) + 1}")
        groups.append(group)
        return group

    yield make
    for group in groups:
        group.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that ran processes shows the end of each one's log."""
    report = yield
    groups = item.stash.get(GROUPS, [])
    if report.failed and groups:
        report.sections.append(("worker and beat logs", "\n".join(group.log_tails() for group in groups)))
    return report
