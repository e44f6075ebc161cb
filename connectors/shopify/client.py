"""The ShopifyAPI library, used safely from many threads, paced by Shopify's buckets, and its failures
turned into the hub's errors.

The library keeps its site, headers and timeout on ``ShopifyResource`` (thread-local values with
class-level fallbacks that ``set_site`` also writes), so one process serving several shops must not
let two calls interleave their settings. Every call here sets them for its own shop under one
process-wide lock and clears them (the access token included) when it is done. Waiting for the buckets
happens before the lock is taken, so a shop being paced does not hold up the others.

For a sandbox the site is set directly (``Session`` insists on a ``*.myshopify.com`` host):
``<base_url>/admin/api/<version>``; REST resources and GraphQL both follow it.
"""

import http.client
import json
import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import shopify
from pyactiveresource import connection as arc
from pyactiveresource import formats

from connectors.errors import (
    ConnectorError,
    FatalConnectorError,
    RetriableConnectorError,
    classify,
)
from connectors.shopify.throttle import Throttle

_LIBRARY_LOCK = threading.RLock()
USER_AGENT = f"channel-hub ShopifyPythonAPI/{shopify.VERSION}"
NETWORK_ERRORS = (arc.Error, formats.Error, OSError, http.client.HTTPException)

TOKEN_HEADER = re.compile(r"(?im)^(x-shopify-access-token):.*$")


class _RedactToken(logging.Filter):
    """pyactiveresource logs every request's headers at DEBUG, the access token among them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and "headers" in str(record.msg):
            record.args = tuple(TOKEN_HEADER.sub(r"\1:[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


logging.getLogger("pyactiveresource.connection").addFilter(_RedactToken())

# GraphQL answers 200 with ``errors`` for what REST says with a status; the codes map to the status
# REST would have used, so that connectors.errors classifies both alike.
GRAPHQL_ERROR_STATUS = {"THROTTLED": 429, "ACCESS_DENIED": 403, "INTERNAL_SERVER_ERROR": 500, "SERVICE_UNAVAILABLE": 503}


@dataclass(frozen=True)
class ShopSite:
    """Where one shop's Admin API lives: ``site`` is ``https://<shop>/admin/api/<version>``."""

    site: str
    token: str
    api_version: str
    timeout: float = 30.0


@dataclass(frozen=True)
class OrdersAnswer:
    """The raw ``orders`` of one orders.json page, and the ``page_info`` of the next page (or None)."""

    orders: list
    next_page_info: str | None


@contextmanager
def active(site: ShopSite) -> Iterator[None]:
    """Point the library at one shop for the calls inside, under the process-wide lock."""
    with _LIBRARY_LOCK:
        shopify.ShopifyResource.set_site(site.site)
        shopify.ShopifyResource.set_headers({"User-Agent": USER_AGENT, "X-Shopify-Access-Token": site.token})
        shopify.ShopifyResource.set_timeout(site.timeout)
        shopify.ShopifyResource.set_version(site.api_version)
        try:
            yield
        finally:
            shopify.ShopifyResource.clear_session()


class ShopifyClient:
    """REST orders and GraphQL calls for one shop, through the library."""

    def __init__(self, site: ShopSite, throttle: Throttle) -> None:
        self.site = site
        self.throttle = throttle

    def orders(self, query: Mapping[str, Any]) -> OrdersAnswer:
        """GET orders.json with ``query`` through ``shopify.Order.find``; the next page from its Link header.

        The payloads are read from the answer's body rather than from the library's objects, which drop
        nested ids it takes for URL prefixes (a fulfilment's ``order_id``); the raw payload is kept whole.
        """
        request = {"method": "GET", "path": "orders.json", "query": dict(query)}
        self.throttle.before_rest()
        with active(self.site):
            try:
                collection = shopify.Order.find(**query)
                body = shopify.Order.connection.response.body
            except NETWORK_ERRORS as exc:
                raise rest_error(exc, request) from exc
            finally:
                self._observe_rest()
        try:
            orders = json.loads(body)["orders"]
        except (ValueError, KeyError, TypeError) as exc:
            raise RetriableConnectorError("Shopify answered orders.json without an orders list.", request=request) from exc
        if not isinstance(orders, list):
            raise RetriableConnectorError("Shopify answered orders.json without an orders list.", request=request)
        return OrdersAnswer(orders, page_info(collection.next_page_url))

    def order(self, order_id: str) -> dict:
        """GET orders/{id}.json: one order's payload, read from the answer's body."""
        request = {"method": "GET", "path": f"orders/{order_id}.json"}
        self.throttle.before_rest()
        with active(self.site):
            try:
                shopify.Order.find(order_id)
                body = shopify.Order.connection.response.body
            except NETWORK_ERRORS as exc:
                raise rest_error(exc, request) from exc
            finally:
                self._observe_rest()
        try:
            return dict(json.loads(body)["order"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RetriableConnectorError(f"Shopify answered orders/{order_id}.json without an order.", request=request) from exc

    def graphql(self, document: str, variables: Mapping[str, Any], *, operation: str, cost: float | None = None) -> dict:
        """POST one GraphQL document; returns its ``data``. Top-level ``errors`` raise, classified."""
        request = {"method": "POST", "path": "graphql.json", "operation": operation}
        self.throttle.before_graphql(cost)
        with active(self.site):
            status, headers, raw = _GraphQL(self.site.timeout).post(document, variables, request)
        body = _json(raw)
        if not 200 <= status < 300:
            raise classify(status, f"Shopify refused {operation}: {error_message(body, raw)}", headers=headers,
                           request=request, response=body if isinstance(body, dict) else {"body": _text(raw)})  # fmt: skip
        if not isinstance(body, dict):
            raise RetriableConnectorError(f"Shopify's answer to {operation} is not JSON.", request=request)
        self.throttle.after_graphql(body)
        if body.get("errors"):
            raise self._graphql_error(body, operation, request, cost)
        return body.get("data") or {}

    def _graphql_error(self, body: dict, operation: str, request: dict, cost: float | None) -> ConnectorError:
        codes = [str((error.get("extensions") or {}).get("code") or "") for error in _error_list(body)]
        status = next((GRAPHQL_ERROR_STATUS[code] for code in codes if code in GRAPHQL_ERROR_STATUS), 400)
        headers = {}
        if status == 429:
            requested = ((body.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost")
            headers["Retry-After"] = f"{self.throttle.graphql.retry_after(float(requested or cost or 0)):.2f}"
        return classify(status, f"Shopify refused {operation}: {error_message(body, b'')}", headers=headers,
                        request=request, response=body)  # fmt: skip

    def _observe_rest(self) -> None:
        response = shopify.Order.connection.response
        if response is not None:
            self.throttle.after_rest(response.headers or {})


class _GraphQL(shopify.GraphQL):
    """The library's GraphQL client: its endpoint and headers are those of the active site.

    Calls go through ``post`` rather than the library's ``execute``, which opens the URL without a
    timeout (a stalled shop would hold the lock for ever), prints error bodies to stdout, and drops the
    status and headers (``Retry-After``).
    """

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def post(self, query: str, variables: Mapping[str, Any], request_info: dict) -> tuple[int, dict[str, str], bytes]:
        headers = self.merge_headers({"Accept": "application/json", "Content-Type": "application/json"}, self.headers)
        data = json.dumps({"query": query, "variables": dict(variables)}).encode()
        request = urllib.request.Request(self.endpoint, data, headers)  # noqa: S310 - the shop's (or sandbox's) configured site
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise RetriableConnectorError(f"Shopify could not be reached: {exc}", request=request_info) from exc


def rest_error(exc: Exception, request: dict) -> ConnectorError:
    """The hub's error for what pyactiveresource raised.

    ClientError (and its UnauthorizedAccess, ForbiddenAccess, ResourceNotFound, BadRequest,
    ResourceInvalid...) and ServerError carry the HTTP status, classified by ``connectors.errors``; a
    redirect means the shop's domain is wrong (fatal until someone fixes it); ``arc.Error`` without a
    status is a refused connection or a timeout, which may pass.
    """
    if isinstance(exc, arc.Redirection):
        return FatalConnectorError(f"Shopify redirected the call ({exc}); check the shop's domain.", status=exc.code, request=request)
    status = getattr(exc, "code", None)
    if isinstance(exc, arc.Error) and isinstance(status, int):
        response = getattr(exc, "response", None)
        raw = getattr(response, "body", b"") or b""
        body = _json(raw)
        return classify(status, f"Shopify answered {status}: {error_message(body, raw) or exc}",
                        headers=getattr(response, "headers", None) or {}, request=request,
                        response=body if isinstance(body, dict) else {"body": _text(raw)})  # fmt: skip
    return RetriableConnectorError(f"Shopify could not be reached or answered unreadably: {exc}", request=request)


def error_message(body: Any, raw: bytes) -> str:
    """Shopify's words: ``errors`` is a string (REST), a {field: [messages]} object, or a list of
    {message} (GraphQL)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, str):
        return errors
    if isinstance(errors, dict):
        return "; ".join(f"{key}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for key, v in errors.items())
    if isinstance(errors, list):
        return "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in errors)
    return _text(raw)


def page_info(url: str | None) -> str | None:
    """The ``page_info`` cursor of a Link header URL."""
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("page_info")
    return values[0] if values else None


def _error_list(body: dict) -> list[dict]:
    errors = body.get("errors")
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


def _text(raw: bytes) -> str:
    return raw[:500].decode("utf-8", "replace") if raw else ""
