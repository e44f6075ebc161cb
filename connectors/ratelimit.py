"""Client-side rate limits: wait before a call instead of being throttled by the channel.

Channels publish a usage plan per operation: a steady rate and a burst (Amazon's "Usage Plan" tables,
for example getOrders 0.0167 requests per second with a burst of 20). A token bucket is exactly that
plan: it holds up to ``burst`` tokens, refills at ``per_second``, and every call takes one token.

The interface is one method, ``acquire(operation)``, which returns when the call may go. This module's
``TokenBucket`` keeps its buckets in the process; a limiter shared by every worker (Redis) only has to
offer the same method. A call the limiter does not know is not limited.
"""

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol


class RateLimiter(Protocol):
    def acquire(self, operation: str) -> None:
        """Return when a call of ``operation`` may be made (waiting if need be)."""


@dataclass(frozen=True)
class Rate:
    """A usage plan: ``per_second`` steady requests, up to ``burst`` at once after a quiet spell."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"A rate needs a positive rate and a burst of at least 1, not {self}.")


class TokenBucket:
    """One token bucket per operation, thread-safe, in this process.

    A caller takes its token at once (the bucket may go below zero) and then sleeps outside the lock
    until the bucket would have refilled to that point, so concurrent callers queue fairly in the
    order they asked and nobody holds the lock while sleeping.
    """

    def __init__(self, rates: Mapping[str, Rate], *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.rates = dict(rates)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = {operation: float(rate.burst) for operation, rate in self.rates.items()}
        self._stamp = {operation: clock() for operation in self.rates}

    def acquire(self, operation: str) -> None:
        wait = self.reserve(operation)
        if wait > 0:
            self._sleep(wait)

    def reserve(self, operation: str) -> float:
        """Take a token of ``operation`` now; return how many seconds the caller must wait before using it."""
        rate = self.rates.get(operation)
        if rate is None:
            return 0.0
        with self._lock:
            now = self._clock()
            elapsed = now - self._stamp[operation]
            tokens = min(float(rate.burst), self._tokens[operation] + elapsed * rate.per_second) - 1
            self._tokens[operation], self._stamp[operation] = tokens, now
        return 0.0 if tokens >= 0 else -tokens / rate.per_second
