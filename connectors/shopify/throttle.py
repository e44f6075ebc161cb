"""Shopify's leaky buckets, read from its answers, so the connector waits before it would be throttled.

Facts followed (Shopify's "API rate limits" page):

- REST: every answer carries ``X-Shopify-Shop-Api-Call-Limit: <used>/<size>`` ("32/40"); the bucket
  leaks a fixed number of calls per second (2 on standard plans, 20 on Plus; the header does not say
  which, so the rate is a setting). A full bucket answers 429 with ``Retry-After``.
- GraphQL: every answer carries ``extensions.cost`` with the query's ``requestedQueryCost`` and a
  ``throttleStatus`` of ``maximumAvailable``, ``currentlyAvailable`` and ``restoreRate`` (points per
  second). A query costing more than is available answers 200 with an error whose code is THROTTLED.

Waits are bounded (``max_wait``): if the bucket needs longer, the call goes anyway and Shopify's 429 or
THROTTLED comes back as ``RateLimited``, which the sync retries later.
"""

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class RestBucket:
    """The REST call bucket as last reported, draining at ``leak_rate`` calls per second since then."""

    leak_rate: float = 2.0
    headroom: int = 4  # calls kept free for other clients of the same shop
    used: float = 0.0
    size: int = 40
    seen_at: float = 0.0

    def observe(self, header: str | None, now: float) -> None:
        """Record an ``X-Shopify-Shop-Api-Call-Limit`` value ("32/40"); ignore one that is absent or odd."""
        try:
            used, size = (int(part) for part in str(header).split("/"))
        except ValueError:
            return
        self.used, self.size, self.seen_at = float(used), size, now

    def wait(self, now: float) -> float:
        """Seconds until one more call leaves ``headroom`` calls free."""
        used = max(0.0, self.used - (now - self.seen_at) * self.leak_rate)
        excess = used + 1 - (self.size - self.headroom)
        return max(0.0, excess / self.leak_rate)


@dataclass
class CostBucket:
    """The GraphQL cost points as last reported, restoring at ``restore_rate`` points per second."""

    available: float = math.inf
    maximum: float = math.inf
    restore_rate: float = 50.0
    last_cost: float = 0.0
    seen_at: float = 0.0

    def observe(self, cost: Mapping[str, Any] | None, now: float) -> None:
        """Record an answer's ``extensions.cost``."""
        status = (cost or {}).get("throttleStatus") or {}
        try:
            self.available, self.maximum = float(status["currentlyAvailable"]), float(status["maximumAvailable"])
            self.restore_rate = float(status["restoreRate"]) or self.restore_rate
        except (KeyError, TypeError, ValueError):
            return
        self.last_cost = float((cost or {}).get("requestedQueryCost") or self.last_cost)
        self.seen_at = now

    def wait(self, cost: float, now: float) -> float:
        """Seconds until ``cost`` points are available."""
        if math.isinf(self.available):
            return 0.0
        available = min(self.maximum, self.available + (now - self.seen_at) * self.restore_rate)
        return max(0.0, (cost - available) / self.restore_rate)

    def retry_after(self, cost: float) -> float:
        """How long a THROTTLED query should wait, from the status that came with it."""
        if math.isinf(self.available):
            return 1.0
        return max(1.0, (cost - self.available) / self.restore_rate)


class Throttle:
    """Both buckets of one shop, with a bounded wait before each call. Thread-safe."""

    def __init__(self, *, rest_leak_rate: float = 2.0, max_wait: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.rest = RestBucket(leak_rate=rest_leak_rate)
        self.graphql = CostBucket()
        self.max_wait = max_wait
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()

    def before_rest(self) -> float:
        """Wait (bounded) until the REST bucket has room; returns the seconds waited."""
        with self._lock:
            wait = self.rest.wait(self.clock())
        return self._pause(wait)

    def before_graphql(self, cost: float | None = None) -> float:
        """Wait (bounded) until ``cost`` points (default: the last query's cost) are available."""
        with self._lock:
            wait = self.graphql.wait(cost if cost is not None else self.graphql.last_cost, self.clock())
        return self._pause(wait)

    def after_rest(self, headers: Mapping[str, str]) -> None:
        lowered = {str(key).lower(): value for key, value in headers.items()}
        with self._lock:
            self.rest.observe(lowered.get("x-shopify-shop-api-call-limit"), self.clock())

    def after_graphql(self, body: Mapping[str, Any]) -> None:
        cost = (body.get("extensions") or {}).get("cost") if isinstance(body, Mapping) else None
        with self._lock:
            self.graphql.observe(cost, self.clock())

    def _pause(self, wait: float) -> float:
        wait = min(wait, self.max_wait)
        if wait > 0:
            self.sleep(wait)
        return wait
