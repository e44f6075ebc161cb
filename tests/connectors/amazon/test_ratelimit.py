"""The token bucket the Amazon connector waits on (``connectors/ratelimit.py``), on a fake clock."""

import threading

import pytest

from connectors.amazon.connector import AMAZON_RATES, rates_from
from connectors.ratelimit import Rate, TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def bucket(rates: dict[str, Rate]) -> tuple[TokenBucket, FakeTime]:
    time = FakeTime()
    return TokenBucket(rates, clock=time.clock, sleep=time.sleep), time


def test_a_burst_goes_at_once_then_calls_wait_for_the_rate():
    limiter, time = bucket({"getOrderItems": Rate(0.5, 30)})
    for _ in range(30):
        limiter.acquire("getOrderItems")
    assert time.slept == []
    limiter.acquire("getOrderItems")
    limiter.acquire("getOrderItems")
    assert time.slept == [pytest.approx(2.0), pytest.approx(2.0)]


def test_a_quiet_spell_refills_up_to_the_burst_only():
    limiter, time = bucket({"getOrders": Rate(0.0167, 20)})
    for _ in range(20):
        limiter.acquire("getOrders")
    time.now += 3600  # an hour would refill 60 tokens, but the bucket holds 20
    for _ in range(20):
        limiter.acquire("getOrders")
    assert time.slept == []
    limiter.acquire("getOrders")
    assert time.slept == [pytest.approx(1 / 0.0167)]


def test_an_operation_without_a_plan_is_not_limited():
    limiter, time = bucket({})
    for _ in range(1000):
        limiter.acquire("anything")
    assert time.slept == []


def test_concurrent_callers_queue_one_interval_apart():
    limiter = TokenBucket({"confirmShipment": Rate(2, 1)}, clock=lambda: 0.0)
    waits: list[float] = []
    threads = [threading.Thread(target=lambda: waits.append(limiter.reserve("confirmShipment"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [0.0, 0.5, 1.0, 1.5]


def test_a_rate_needs_a_positive_rate_and_burst():
    with pytest.raises(ValueError, match="positive rate"):
        Rate(0, 1)
    with pytest.raises(ValueError, match="burst"):
        Rate(1, 0)


def test_account_options_override_amazons_published_plans():
    rates = rates_from({"getOrders": [50, 100]})
    assert rates["getOrders"] == Rate(50, 100)
    assert rates["getOrderItems"] == AMAZON_RATES["getOrderItems"] == Rate(0.5, 30)


def test_the_connector_follows_the_rate_amazon_reports_for_each_operation(sandbox, connect):
    """Amazon answers every call with the operation's rate now (x-amzn-RateLimit-Limit); the hub's limiter
    takes it up for that operation only, even when one library call made two requests."""
    from connectors.base import ListingRef
    from schedules.ratelimit import LocalTokenBucket

    sandbox.set_listing("TEE-0", 3)
    sandbox.rate_limits["getListingsItem"] = 0.5
    connector = connect()
    connector.limiter = LocalTokenBucket(connector.rates)

    connector.read_stock([ListingRef("TEE-0")])

    assert connector.limiter.rates["getListingsItem"] == Rate(0.5, connector.rates["getListingsItem"].burst)
    assert connector.limiter.rates["getOrders"] == connector.rates["getOrders"]


def test_the_sandbox_reports_the_published_rate_even_on_a_refusal(sandbox):
    import httpx

    from connectors.amazon.transport import rate_limit_of

    answer = httpx.get(f"{sandbox.url}/listings/2021-08-01/items/A2SANDBOXSELLER/TEE-0",
                       params={"marketplaceIds": "A21TJRUUN4KGV"}, headers={"x-amz-access-token": "wrong"})  # fmt: skip

    assert answer.status_code == 403
    assert rate_limit_of(answer.headers) == 5.0
