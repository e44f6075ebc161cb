"""A rate limiter shared by every worker: one token bucket per (channel kind, account, operation) in Redis.

``RedisTokenBucket`` offers the ``connectors.ratelimit.RateLimiter`` interface, so a connector's
``limiter`` may be one: ``acquire(operation)`` returns when a token was taken, sleeping meanwhile; no
caller is ever refused. Each attempt is one Lua script, atomic in Redis: it refills the bucket for the
time elapsed (by Redis's own clock, ``TIME``, so the workers' clocks do not matter), then either takes a
token or answers how many milliseconds until one is there.

The buckets start from the channel's published usage plan (``Rate(per_second, burst)``) and follow what
the channel says, through ``observe``: a per-second limit the channel reports (Amazon's
``x-amzn-RateLimit-Limit`` header) replaces the bucket's rate for every worker, and a 429's
``Retry-After`` empties the bucket until then, pausing every worker on that operation.

``limiter_for(kind, account_id, rates)`` picks one: with ``REDIS_URL`` the shared bucket, embedded the
in-process ``TokenBucket`` (one per (kind, account) in the process, so its threads share it).
"""

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from django.conf import settings
from redis import Redis

from connectors.ratelimit import Rate, RateLimiter, TokenBucket
from schedules.locks import key_prefix, redis_client

# A bucket is a hash {tokens, stamp (µs, Redis TIME), rate (an observed per-second rate, if any)}.
# ``stamp`` may lie ahead (after a Retry-After): the bucket then holds ``tokens`` from that moment on.
# Numbers are written with string.format: Redis turns Lua numbers into strings with 14 digits, fewer
# than a stamp in microseconds has.
REFILL = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'rate')
local burst = tonumber(ARGV[2])
local rate = tonumber(state[3]) or tonumber(ARGV[1])
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
if now > stamp then
  tokens = math.min(burst, tokens + (now - stamp) * rate / 1000000)
  stamp = now
end
"""
SAVE = """
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'stamp', string.format('%.0f', stamp))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
"""
# ARGV: configured per_second, burst, key ttl (ms). Returns 0 when a token was taken, else the wait in ms.
TAKE = (
    REFILL
    + """
local wait = 0
if now >= stamp and tokens >= 1 then
  tokens = tokens - 1
else
  wait = (stamp - now) + math.max(0, (1 - tokens) * 1000000 / rate)
end
"""
    + SAVE
    + "return math.ceil(wait / 1000)"
)
# ARGV: configured per_second, burst, key ttl (ms), observed per_second or '', Retry-After in ms or ''.
OBSERVE = (
    REFILL
    + """
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'rate', ARGV[4])
end
if ARGV[5] ~= '' then
  local resume = now + tonumber(ARGV[5]) * 1000
  if resume > stamp then
    tokens, stamp = 1, resume
  end
end
"""
    + SAVE
    + "return 1"
)
# Seconds an idle bucket (and a rate it observed) is kept; a bucket left that long is full anyway.
KEY_TTL = 3600.0


class ObservingLimiter(RateLimiter, Protocol):
    def observe(
        self, operation: str, *, limit_per_second: float | None = None, retry_after: float | None = None
    ) -> None:
        """Follow what the channel said about ``operation``: its current rate, or a 429's Retry-After (s)."""


class RedisTokenBucket:
    """Token buckets in Redis, one per operation under ``scope``, shared by every process that uses them."""

    def __init__(self, redis: Redis, *, scope: str, rates: Mapping[str, Rate], max_sleep: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.redis = redis
        self.scope = scope
        self.rates = dict(rates)
        self.max_sleep = max_sleep  # look again at least this often: an observed rate may have sped things up
        self._sleep = sleep
        self._take = redis.register_script(TAKE)
        self._observe = redis.register_script(OBSERVE)

    def key(self, operation: str) -> str:
        return f"{self.scope}:{operation}"

    def acquire(self, operation: str) -> None:
        """Return once a token of ``operation`` was taken; an operation without a rate is not limited."""
        while (wait := self.try_acquire(operation)) > 0:
            # a little jitter, so the workers that waited for the same token do not all ask at once
            self._sleep(min(wait, self.max_sleep) * (1 + 0.1 * random.random()))  # noqa: S311

    def try_acquire(self, operation: str) -> float:
        """Take a token of ``operation`` if there is one (0.0), else the seconds until there will be."""
        rate = self.rates.get(operation)
        if rate is None:
            return 0.0
        return int(self._take(keys=[self.key(operation)], args=self._args(rate))) / 1000

    def observe(
        self, operation: str, *, limit_per_second: float | None = None, retry_after: float | None = None
    ) -> None:
        """Adopt the channel's reported per-second rate, and/or empty the bucket for ``retry_after`` seconds."""
        rate = self.rates.get(operation)
        limit = limit_per_second if limit_per_second and limit_per_second > 0 else None
        pause = math.ceil(retry_after * 1000) if retry_after and retry_after > 0 else None
        if rate is None or (limit is None and pause is None):
            return
        args = [*self._args(rate), repr(float(limit)) if limit else "", str(pause) if pause else ""]
        self._observe(keys=[self.key(operation)], args=args)

    @staticmethod
    def _args(rate: Rate) -> list:
        ttl = max(KEY_TTL, 2 * rate.burst / rate.per_second)
        return [repr(float(rate.per_second)), rate.burst, round(ttl * 1000)]


class LocalTokenBucket(TokenBucket):
    """The in-process ``TokenBucket`` that also follows what the channel said (``observe``)."""

    def __init__(self, rates: Mapping[str, Rate], **kwargs) -> None:
        super().__init__(rates, **kwargs)
        self.configured = dict(rates)

    def observe(
        self, operation: str, *, limit_per_second: float | None = None, retry_after: float | None = None
    ) -> None:
        rate = self.rates.get(operation)
        if rate is None:
            return
        with self._lock:
            now = self._clock()
            elapsed = now - self._stamp[operation]
            if elapsed > 0:  # bring the bucket up to now at the rate it had
                self._tokens[operation] = min(
                    float(rate.burst), self._tokens[operation] + elapsed * rate.per_second
                )
                self._stamp[operation] = now
            if limit_per_second and limit_per_second > 0:
                self.rates[operation] = Rate(float(limit_per_second), rate.burst)
            if retry_after and retry_after > 0 and now + retry_after > self._stamp[operation]:
                # one token at the end of the pause; fewer if callers already reserved some
                self._tokens[operation] = min(self._tokens[operation], 1.0)
                self._stamp[operation] = now + retry_after


_local_buckets: dict[tuple[str, str], LocalTokenBucket] = {}
_local_lock = threading.Lock()


def limiter_for(kind: str, account_id: int | str, rates: Mapping[str, Rate]) -> ObservingLimiter:
    """The rate limiter of one channel account: shared through Redis with ``REDIS_URL``, else in-process."""
    if settings.REDIS_URL:
        scope = f"{key_prefix()}rate:{kind}:{account_id}"
        return RedisTokenBucket(redis_client(settings.REDIS_URL), scope=scope, rates=rates)
    with _local_lock:
        bucket = _local_buckets.get((kind, str(account_id)))
        if bucket is None or bucket.configured != dict(rates):
            bucket = _local_buckets[kind, str(account_id)] = LocalTokenBucket(rates)
        return bucket
