"""python-amazon-sp-api, adapted: pointed at any base URL and speaking the hub's errors.

How the library (2.1.35, transport httpx) is pointed at a sandbox, with no code path of its own:

- the login (Login with Amazon) goes to ``AccessTokenClient.scheme + host + path``: ``token_client_class``
  makes a subclass whose ``scheme`` and ``host`` are those of the given URL (``/auth/o2/token`` stays);
- the API calls go to the client's ``endpoint`` attribute, which the connector sets to the base URL;
- the library sends ``Host: endpoint[8:]`` (it assumes ``https://``), so these clients send the
  endpoint's real host instead, which also lets the sandbox hand out URLs on itself.

The library caches access tokens for the whole process, keyed by the refresh token alone; the key here
also holds the login URL and the client id and secret, so one process can talk to several sandboxes and
a wrong client secret is not hidden behind another account's token.

Errors: the library raises a ``SellingApiException`` only when a body carries an ``errors`` list, as a
bare ``SellingApiException`` (code 999) for a status it has no class for (401, 502), and lets a 5xx with
an HTML body pass as an empty success. So the clients here read the HTTP status before the library does
and raise ``connectors.errors.classify``'s error, with the status, headers and body.
"""

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from sp_api.api.feeds.feeds_2021_06_30 import FeedsV20210630
from sp_api.api.listings_items.listings_items_2021_08_01 import ListingsItemsV20210801
from sp_api.api.orders.orders_v0 import OrdersV0
from sp_api.api.reports.reports import Reports as ReportsV20210630
from sp_api.auth import AccessTokenClient
from sp_api.base import SellingApiException

from connectors.errors import (
    ConnectorError,
    CredentialsRejected,
    RateLimited,
    RetriableConnectorError,
    classify,
)


class HubAccessTokenClient(AccessTokenClient):
    """Login with Amazon, with the hub's errors: a refused login is ``CredentialsRejected``."""

    def _request(self, url: str, data: dict, headers: dict) -> dict:
        try:
            response = self._transport.request("POST", url, data=data, headers=headers)
        except httpx.TransportError as exc:
            raise RetriableConnectorError(f"Login with Amazon did not answer: {exc}") from exc
        body = _json(response)
        if response.status_code == 200 and body.get("access_token"):
            return body
        raise login_error(response.status_code, body, response.headers)

    def _get_cache_key(self, token_flavor: str = "") -> str:
        client = hashlib.sha256(f"{self.cred.client_id}|{self.cred.client_secret}".encode()).hexdigest()
        return super()._get_cache_key(f"{token_flavor}|{self.scheme}{self.host}|{client}")


def token_client_class(login_url: str | None) -> type[AccessTokenClient]:
    """The token client for a login URL (``http://127.0.0.1:8123`` for a sandbox); Amazon's own when None."""
    if not login_url:
        return HubAccessTokenClient
    parts = urlsplit(login_url)
    return type("HubAccessTokenClient", (HubAccessTokenClient,), {"scheme": f"{parts.scheme}://", "host": parts.netloc})


def login_error(status: int, body: Mapping[str, Any], headers: Mapping[str, str]) -> ConnectorError:
    """LWA answers 400 ``invalid_grant`` for a bad refresh token and 401 ``invalid_client`` for a bad
    client id or secret: both stop the account. Throttling and server errors are retried as usual."""
    message = f"Login with Amazon refused: {body.get('error', status)}: {body.get('error_description', '')}".rstrip(": ")
    details = {"request": {"url": "/auth/o2/token"}, "response": {"status": status, "body": dict(body)}}
    if status == 429 or status >= 500:
        return classify(status, message, headers=headers, **details)
    if status == 200:
        return RetriableConnectorError("Login with Amazon answered without an access token.", status=status, **details)
    return CredentialsRejected(message, status=status, **details)


# The SP-API operations the hub calls, by method and path, so a rate header is credited to the right one
# (a library call may make two requests: getOrders asks for a restricted-data token first).
OPERATIONS = tuple((method, re.compile(pattern), name) for method, pattern, name in (
    ("GET", r"/orders/v0/orders", "getOrders"),
    ("GET", r"/orders/v0/orders/[^/]+", "getOrder"),
    ("GET", r"/orders/v0/orders/[^/]+/orderItems", "getOrderItems"),
    ("POST", r"/orders/v0/orders/[^/]+/shipmentConfirmation", "confirmShipment"),
    ("POST", r"/tokens/2021-03-01/restrictedDataToken", "createRestrictedDataToken"),
    ("POST", r"/feeds/2021-06-30/documents", "createFeedDocument"),
    ("POST", r"/feeds/2021-06-30/feeds", "createFeed"),
    ("GET", r"/feeds/2021-06-30/feeds/[^/]+", "getFeed"),
    ("GET", r"/feeds/2021-06-30/documents/[^/]+", "getFeedDocument"),
    ("GET", r"/listings/2021-08-01/items/[^/]+/[^/]+", "getListingsItem"),
    ("POST", r"/reports/2021-06-30/reports", "createReport"),
    ("GET", r"/reports/2021-06-30/reports/[^/]+", "getReport"),
    ("GET", r"/reports/2021-06-30/documents/[^/]+", "getReportDocument"),
))  # fmt: skip


def operation_of(method: str, path: str) -> str | None:
    return next((name for verb, pattern, name in OPERATIONS if verb == method and pattern.fullmatch(path)), None)


def rate_limit_of(headers: Mapping[str, str]) -> float | None:
    """The requests per second ``x-amzn-RateLimit-Limit`` says the operation is allowed now, if it says."""
    value = next((v for k, v in headers.items() if k.lower() == "x-amzn-ratelimit-limit"), None)
    try:
        rate = float(value) if value is not None else None
    except ValueError:
        return None
    return rate if rate and rate > 0 else None


class HubClientMixin:
    """Mixed into the library's clients: the real ``Host`` header, errors raised from the HTTP status, and
    every answer's ``x-amzn-RateLimit-Limit`` handed to ``on_rate_limit(operation, per_second)``."""

    endpoint: str
    on_rate_limit: Callable[[str, float], None] | None = None

    @property
    def headers(self) -> dict:
        return {**super().headers, "host": urlsplit(self.endpoint).netloc}

    def _check_response(self, res: httpx.Response, *args: Any, **kwargs: Any):
        self._observe(res)
        if res.status_code >= 400:
            raise http_error(res)
        return super()._check_response(res, *args, **kwargs)

    def _observe(self, res: httpx.Response) -> None:
        rate = rate_limit_of(res.headers)
        operation = operation_of(res.request.method, res.request.url.path) if rate else None
        if operation is not None and self.on_rate_limit is not None:
            self.on_rate_limit(operation, rate)


class Orders(HubClientMixin, OrdersV0):
    """Orders API v0 (getOrders, getOrderItems, confirmShipment, and the Tokens API for restricted data)."""


class Feeds(HubClientMixin, FeedsV20210630):
    """Feeds API 2021-06-30 (createFeedDocument, createFeed, getFeed, getFeedDocument)."""


class Reports(HubClientMixin, ReportsV20210630):
    """Reports API 2021-06-30 (createReport, getReport, getReportDocument)."""


class ListingsItems(HubClientMixin, ListingsItemsV20210801):
    """Listings Items API 2021-08-01 (getListingsItem: what a listing shows, its quantity among it)."""


def http_error(response: httpx.Response) -> ConnectorError:
    """The hub's error for an SP-API answer that was not a success (body ``{"errors": [{code, message}]}``)."""
    body = _json(response)
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], Mapping) else {}
    request = response.request
    what = f"{request.method} {request.url.path}"
    reason = f"{first.get('code', '')}: {first.get('message', '')}".strip(": ") or response.reason_phrase
    return classify(response.status_code, f"{what} answered {response.status_code} {reason}".rstrip(),
                    headers=wait_headers(response.headers), request={"method": request.method, "url": str(request.url)},
                    response={"status": response.status_code, "body": body or response.text[:2000]})  # fmt: skip


def library_error(exc: SellingApiException) -> ConnectorError:
    """The hub's error for an exception the library raised itself (a 2xx body with ``errors``, say)."""
    status = exc.code if 400 <= exc.code < 600 else 502
    message = f"SP-API error {getattr(exc, 'amzn_code', '')}: {getattr(exc, 'message', '')}".strip()
    return classify(status, message, headers=wait_headers(exc.headers or {}), response={"errors": exc.error})


def wait_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers, with ``Retry-After`` worked out from Amazon's ``x-amzn-RateLimit-Limit`` when there is
    none: Amazon's 429s carry the operation's rate (requests per second), not a time to wait."""
    result = dict(headers.items())
    lowered = {key.lower(): value for key, value in result.items()}
    if "retry-after" not in lowered and lowered.get("x-amzn-ratelimit-limit"):
        try:
            rate = float(lowered["x-amzn-ratelimit-limit"])
        except ValueError:
            return result
        if rate > 0:
            result["Retry-After"] = f"{1 / rate:g}"
    return result


def with_wait(error: ConnectorError, per_second: float | None) -> ConnectorError:
    """A 429 that said nothing of when to come back waits one interval of the operation's published rate."""
    if isinstance(error, RateLimited) and error.retry_after is None and per_second:
        error.retry_after = 1 / per_second
    return error


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {"body": body}
