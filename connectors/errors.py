"""Remote errors, classified in one place.

| what the channel answered                     | raised                      | what the sync does                     |
| --------------------------------------------- | --------------------------- | -------------------------------------- |
| 429 Too Many Requests                         | ``RateLimited``             | waits (Retry-After or the rate headers) and retries |
| 5xx, a timeout, a refused or dropped connection | ``RetriableConnectorError`` | retries with exponential backoff       |
| 401, 403                                      | ``CredentialsRejected``     | stops the account's syncs and alerts   |
| any other 4xx                                 | ``RecordRejected``          | fails that record, keeps its payload, goes on |
"""

from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from time import time


class ConnectorError(Exception):
    """Something went wrong talking to a channel. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, request: dict | None = None,
                 response: dict | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.request = request or {}
        self.response = response or {}


class RetriableConnectorError(ConnectorError):
    """It may work if tried again (5xx, timeout, connection)."""


class RateLimited(RetriableConnectorError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class FatalConnectorError(ConnectorError):
    """It will not work until a person acts."""


class CredentialsRejected(FatalConnectorError):
    """The channel refused the account's credentials (401/403): stop its syncs and alert."""


class RecordRejected(ConnectorError):
    """The channel refused this one record (a 4xx other than 401/403/429); the rest go on."""


def retry_after_seconds(headers: Mapping[str, str], *, default: float | None = None) -> float | None:
    """Seconds to wait, from ``Retry-After`` (seconds or an HTTP date) or a rate-limit reset header."""
    lowered = {key.lower(): value for key, value in headers.items()}
    value = lowered.get("retry-after") or lowered.get("x-ratelimit-reset-after")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError):
            return default


def classify(status: int, message: str, *, headers: Mapping[str, str] | None = None, request: dict | None = None,
             response: dict | None = None) -> ConnectorError:  # fmt: skip
    """The error for an HTTP answer that was not a success."""
    details = {"status": status, "request": request, "response": response}
    if status == 429:
        return RateLimited(message, retry_after=retry_after_seconds(headers or {}), **details)
    if status in (401, 403):
        return CredentialsRejected(message, **details)
    if status >= 500 or status in (408, 425):
        return RetriableConnectorError(message, **details)
    return RecordRejected(message, **details)
