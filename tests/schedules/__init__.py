"""Helpers for the scheduler's tests: a Redis of their own, and workers in threads and processes."""

import multiprocessing
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

# Database 15 of the local Redis, under a key prefix of each test's own, which it deletes afterwards.
TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
# Forked workers inherit the test's settings (REDIS_URL, the key prefix, the test database's name).
fork = multiprocessing.get_context("fork")


def use_test_redis(settings) -> Iterator[redis.Redis]:
    """Point the hub at the test Redis under a fresh key prefix (skipping, with the reason, without Redis)."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {TEST_REDIS_URL}: {exc}")
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    settings.REDIS_URL, settings.REDIS_KEY_PREFIX = TEST_REDIS_URL, prefix
    try:
        yield client
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


def sleep_until(moment: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``moment`` (one clock for every process on the machine)."""
    time.sleep(max(0.0, moment - time.monotonic()))
