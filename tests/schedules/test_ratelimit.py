"""schedules.ratelimit: one token bucket per (channel, account, operation), shared by every worker.

The Redis tests share a bucket of 20 calls a second with a burst of 5 between threads and forked
processes, then check the calls made against what the bucket allows, and that nobody was refused.
"""

import threading
import time

import pytest
import redis

from connectors.ratelimit import Rate
from schedules.ratelimit import LocalTokenBucket, RedisTokenBucket, limiter_for
from tests.schedules import TEST_REDIS_URL, fork, sleep_until, use_test_redis

RATES = {"getOrders": Rate(20, 5)}


@pytest.fixture
def test_redis(settings):
    yield from use_test_redis(settings)


@pytest.fixture
def scope(test_redis, settings):
    return f"{settings.REDIS_KEY_PREFIX}rate:amazon:1"


def another_worker(scope: str, rates=RATES) -> RedisTokenBucket:
    """A bucket as another process would build it: its own client, the same scope."""
    return RedisTokenBucket(redis.Redis.from_url(TEST_REDIS_URL), scope=scope, rates=rates)


def take(bucket, calls: int, start: float) -> list[float]:
    """Wait for ``start``, then make ``calls`` calls; return when each was let through."""
    sleep_until(start)
    times = []
    for _ in range(calls):
        bucket.acquire("getOrders")
        times.append(time.monotonic())
    return times


def _take_in_process(queue, scope: str, calls: int, start: float) -> None:
    queue.put(take(another_worker(scope), calls, start))


def most_calls_in_any_window(times: list[float], rate: Rate) -> list[tuple[int, float]]:
    """(calls, seconds) of every window between two calls that holds more than the bucket allows (+1)."""
    times = sorted(times)
    return [
        (j - i + 1, times[j] - times[i])
        for i in range(len(times))
        for j in range(i, len(times))
        if j - i + 1 > rate.burst + rate.per_second * (times[j] - times[i]) + 1
    ]


def test_four_threads_and_two_processes_share_one_bucket_and_all_get_their_calls(scope, test_redis):
    bucket = RedisTokenBucket(test_redis, scope=scope, rates=RATES)
    calls, rate = 4, RATES["getOrders"]
    start = time.monotonic() + 0.3
    queue = fork.Queue()
    processes = [fork.Process(target=_take_in_process, args=(queue, scope, calls, start)) for _ in range(2)]
    for process in processes:  # forked before the threads start
        process.start()
    thread_times: list[list[float]] = []
    threads = [
        threading.Thread(target=lambda: thread_times.append(take(bucket, calls, start))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    process_times = [queue.get(timeout=10) for _ in processes]
    for process in processes:
        process.join(timeout=5)

    per_worker = thread_times + process_times
    assert [len(times) for times in per_worker] == [calls] * 6  # nobody refused: every call went, in time
    times = sorted(t for worker in per_worker for t in worker)
    elapsed = times[-1] - start
    assert len(times) <= rate.burst + rate.per_second * elapsed + 1
    assert not most_calls_in_any_window(times, rate)
    # 24 calls: the burst of 5 at once, then one every 50 ms; so about 0.95 s, and not much more
    assert 0.85 <= elapsed < 1.5, elapsed


def test_a_rate_the_channel_reports_sets_the_pace_for_every_worker(scope, test_redis):
    bucket = RedisTokenBucket(test_redis, scope=scope, rates={"getOrders": Rate(50, 1)})
    bucket.acquire("getOrders")  # the burst is spent
    began = time.monotonic()
    for _ in range(3):
        bucket.acquire("getOrders")
    fast = time.monotonic() - began

    another_worker(scope).observe("getOrders", limit_per_second=5)  # e.g. x-amzn-RateLimit-Limit: 5.0
    began = time.monotonic()
    for _ in range(2):
        bucket.acquire("getOrders")
    slow = time.monotonic() - began

    assert 0.04 <= fast < 0.15, fast  # 20 ms a call
    assert 0.3 <= slow < 0.6, slow  # 200 ms a call
    assert float(test_redis.hget(bucket.key("getOrders"), "rate")) == 5.0


def test_retry_after_pauses_every_worker_then_lets_them_all_through(scope, test_redis):
    bucket = RedisTokenBucket(test_redis, scope=scope, rates={"getOrders": Rate(50, 5)})
    bucket.observe("getOrders", retry_after=0.4)  # a 429 said: come back in 0.4 s
    paused_at = time.monotonic()
    assert bucket.try_acquire("getOrders") > 0.3  # the burst the bucket had is gone

    times = [t for times in _in_threads(lambda: take(another_worker(scope), 1, 0), 3) for t in times]
    times += take(bucket, 1, 0)

    assert len(times) == 4
    assert min(times) - paused_at >= 0.38, min(times) - paused_at
    assert max(times) - paused_at < 0.4 + 3 / 50 + 0.2


def test_an_operation_without_a_rate_is_not_limited_and_leaves_no_key(scope, test_redis):
    bucket = RedisTokenBucket(test_redis, scope=scope, rates=RATES)
    began = time.monotonic()
    for _ in range(50):
        bucket.acquire("getOrder")
    bucket.observe("getOrder", limit_per_second=1, retry_after=10)

    assert time.monotonic() - began < 0.5
    assert not test_redis.exists(bucket.key("getOrder"))


def test_with_redis_the_limiter_is_shared_per_kind_account_and_operation(test_redis, settings):
    rates = {"getOrders": Rate(0.5, 2)}
    for limiter in (limiter_for("amazon", 7, rates), limiter_for("amazon", 7, rates)):
        assert isinstance(limiter, RedisTokenBucket)
        limiter.acquire("getOrders")  # the two calls spend the account's burst

    assert limiter_for("amazon", 7, rates).try_acquire("getOrders") > 1  # a third would wait ~2 s
    assert limiter_for("amazon", 8, rates).try_acquire("getOrders") == 0  # another account has its own
    assert limiter_for("shopify", 7, rates).try_acquire("getOrders") == 0  # and another channel
    prefix = settings.REDIS_KEY_PREFIX
    assert {key.decode() for key in test_redis.scan_iter(match=f"{prefix}*")} == {
        f"{prefix}rate:amazon:7:getOrders", f"{prefix}rate:amazon:8:getOrders", f"{prefix}rate:shopify:7:getOrders",
    }  # fmt: skip


# --- embedded: the in-process bucket ---------------------------------------------------------------


def test_without_redis_threads_share_one_bucket_per_account(settings):
    settings.REDIS_URL = ""
    rates = {"getOrders": Rate(1, 2)}
    seen = _in_threads(lambda: limiter_for("amazon", "local-1", rates), 4)

    assert len({id(limiter) for limiter in seen}) == 1
    assert isinstance(seen[0], LocalTokenBucket)
    assert limiter_for("amazon", "local-2", rates) is not seen[0]
    assert limiter_for("shopify", "local-1", rates) is not seen[0]
    assert limiter_for("amazon", "local-1", {"getOrders": Rate(2, 2)}) is not seen[0]  # new rates, new bucket


def test_the_local_bucket_follows_the_rate_the_channel_reports():
    clock = FakeClock()
    bucket = LocalTokenBucket({"getOrders": Rate(10, 1)}, clock=clock, sleep=clock.sleep)
    assert bucket.reserve("getOrders") == 0
    assert bucket.reserve("getOrders") == pytest.approx(0.1)

    bucket.observe("getOrders", limit_per_second=2)

    assert bucket.reserve("getOrders") == pytest.approx(1.0)  # two calls queued at 2 a second
    assert bucket.rates["getOrders"] == Rate(2, 1)
    assert bucket.configured["getOrders"] == Rate(10, 1)


def test_the_local_bucket_pauses_for_retry_after():
    clock = FakeClock()
    bucket = LocalTokenBucket({"getOrders": Rate(10, 5)}, clock=clock, sleep=clock.sleep)

    bucket.observe("getOrders", retry_after=3)

    assert bucket.reserve("getOrders") == pytest.approx(3.0)
    assert bucket.reserve("getOrders") == pytest.approx(3.1)
    clock.now += 10
    assert bucket.reserve("getOrders") == 0  # refilled since


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _in_threads(work, count: int) -> list:
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(work())) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return results
