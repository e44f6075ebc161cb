"""A local Amazon Selling Partner API: Login with Amazon, Orders v0, Tokens, Feeds 2021-06-30 and the
document store behind the feeds, Listings Items 2021-08-01 (getListingsItem), Reports 2021-06-30 (the
returns report, rows added with ``add_return``), serving the payload shapes of Amazon's own models and sandbox cases
(``fixtures/amazon``). The real ``python-amazon-sp-api`` client talks to it over loopback.

Endpoints (every SP-API call needs ``x-amz-access-token``: the LWA token, or a Restricted Data Token on
the path it was issued for; 403 otherwise, as Amazon answers):

- ``POST /auth/o2/token``: LWA refresh-token grant. A wrong client id or secret is 401 ``invalid_client``,
  a wrong refresh token 400 ``invalid_grant``. Like the document store, it is not the SP-API host: no
  faults, no access token.
- ``POST /tokens/2021-03-01/restrictedDataToken``: an RDT for the paths asked; getOrders served with one
  carries the buyer's name, street and phone, without one they are left out, as Amazon does.
- ``GET /orders/v0/orders``: ``LastUpdatedAfter`` (or ``CreatedAfter``) and ``MarketplaceIds`` required;
  sorted by ``LastUpdateDate``; ``MaxResultsPerPage`` (1-100) per page; ``NextToken`` pages through a
  snapshot of the matching ids taken on the first page, so every order is served exactly once per window
  and a token may be asked again (a retried page). ``GET /orders/v0/orders/{id}`` (getOrder) too.
- ``GET /orders/v0/orders/{id}/orderItems``: ``items_page_size`` items a page with ``NextToken``; a Pending
  order's items come without prices, taxes and promotions.
- ``POST /orders/v0/orders/{id}/shipmentConfirmation``: checks the body as Amazon documents it (an ISO 8601
  ``shipDate``, known order items), marks the items shipped, bumps ``LastUpdateDate``, answers 204; the
  same package confirmed again is a no-op.
- ``POST /feeds/2021-06-30/documents`` (201, an upload URL on this server), ``PUT /s3/documents/{id}``,
  ``POST /feeds/2021-06-30/feeds`` (202; a JSON_LISTINGS_FEED is processed at once: each PATCH of
  ``/attributes/fulfillment_availability`` sets its listing's quantity, each PATCH of
  ``/attributes/purchasable_offer`` its offer's ``our_price`` (``value_with_tax``); an unknown SKU, a
  negative quantity, a negative or non-numeric price or anything else is an ERROR issue of that message
  in the report, and the message changes nothing), ``GET .../feeds/{id}`` (DONE,
  with ``resultFeedDocumentId``, after ``feed_checks_in_progress`` IN_PROGRESS answers, 0 by default),
  ``GET .../documents/{id}`` (a URL to the GZIP report), ``GET /s3/documents/{id}``.
- ``GET /listings/2021-08-01/items/{sellerId}/{sku}`` (getListingsItem): ``marketplaceIds`` required (400
  otherwise); a seller id other than this selling partner's is 403, a SKU without a listing (or a
  marketplace it is not listed on) 404 ``NOT_FOUND``. Of the ``includedData`` sets (``summaries`` by default)
  it serves those it holds: ``fulfillmentAvailability`` (``[{"fulfillmentChannelCode": "DEFAULT",
  "quantity"}]``, the quantity the feeds or ``set_listing`` last set) and ``offers`` (the offer's
  ``our_price``); the others (summaries, attributes, issues, procurement) are catalog data it does not
  hold and leaves out. ``malformed`` SKUs are served with the quantity "twelve".

``load(data)`` accepts, in any combination:

- a getOrders body ``{"payload": {"Orders": [...]}}`` (a getOrder body ``{"payload": {order}}`` too), with
  an optional ``"OrderItems"`` beside ``payload``: either ``{AmazonOrderId: [items]}`` or a list of
  getOrderItems bodies ``{"payload": {"AmazonOrderId", "OrderItems"}}``;
- a getOrderItems body on its own;
- an ``x-amzn-api-sandbox`` file as published in Amazon's models (``{"200": {"static": [{"request",
  "response"}]}}``): its success responses are loaded as above;
- ``{"Listings": {sku: quantity}}``: listings the feeds may update and getListingsItem serves (a sandbox
  shape, not Amazon's);
- a list of any of these.

Every SP-API answer carries ``x-amzn-RateLimit-Limit``, the operation's rate from ``rate_limits``
(Amazon's published defaults unless a test lowers one).

So a captured real getOrders body and its getOrderItems bodies replay as they are. A later copy of an
order replaces the earlier one. Faults (``connectors.sandbox.base.Faults``) apply to SP-API calls;
``malformed`` order ids are served with ``OrderTotal.Amount`` "twelve" (and malformed SKUs as above).
"""

import copy
import gzip
import hashlib
import json
import math
import re
import uuid
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote

from connectors.amazon.transport import operation_of
from connectors.sandbox.base import Handler, Request, Response, SandboxApp, json_response

SANDBOX_CREDENTIALS = {
    "refresh_token": "Atzr|sandbox-refresh-token",
    "lwa_app_id": "amzn1.application-oa2-client.sandbox",
    "lwa_client_secret": "sandbox-client-secret",
    "seller_id": "A2SANDBOXSELLER",
    "marketplace_id": "A21TJRUUN4KGV",
}
ADDRESS_STATUSES = frozenset({"Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"})
RESTRICTED_ADDRESS = ("Name", "CompanyName", "AddressLine1", "AddressLine2", "AddressLine3", "Phone", "AddressType",
                      "ExtendedFields")  # fmt: skip
RESTRICTED_BUYER = ("BuyerName", "BuyerEmail", "BuyerTaxInfo", "PurchaseOrderNumber")
PENDING_HIDDEN = ("ItemPrice", "ShippingPrice", "ItemTax", "ShippingTax", "ShippingDiscount", "ShippingDiscountTax",
                  "PromotionDiscount", "PromotionDiscountTax", "PromotionIds", "CODFee", "CODFeeDiscount", "IsGift")  # fmt: skip
PUBLISHED_RATES = {
    "getOrders": 0.0167, "getOrder": 0.5, "getOrderItems": 0.5, "confirmShipment": 2, "createRestrictedDataToken": 1,
    "createFeedDocument": 0.5, "createFeed": 0.0083, "getFeed": 2, "getFeedDocument": 0.0222, "getListingsItem": 5,
    "createReport": 0.0167, "getReport": 2, "getReportDocument": 0.0167,
}  # fmt: skip
RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
# The columns of Amazon's flat-file returns report, as its "Returns reports attributes" page lists them.
RETURNS_COLUMNS = ("Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID",
                   "Merchant RMA ID", "Label type", "Label cost", "Currency code", "Return carrier", "Tracking ID",
                   "Label to be paid by", "A-to-Z Claim", "Is prime", "ASIN", "Merchant SKU", "Item Name",
                   "Return quantity", "Return Reason", "In policy", "Return type", "Resolution", "Invoice number",
                   "Return delivery date", "Order Amount", "Order quantity")  # fmt: skip
FEED_PATH = "/attributes/fulfillment_availability"
OFFER_PATH = "/attributes/purchasable_offer"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"errors": [{"code": code, "message": message}]}, status)


def _parsed_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time(value: Any) -> datetime:
    """A stored time for sorting and filtering; an unreadable one sorts first."""
    return _parsed_time(value) or EPOCH


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _header(request: Request, name: str) -> str:
    return next((value for key, value in request.headers.items() if key.lower() == name), "")


class AmazonSandbox(SandboxApp):
    name = "amazon"

    def __init__(self, credentials: Mapping[str, str] | None = None, *, items_page_size: int = 30,
                 feed_checks_in_progress: int = 0) -> None:  # fmt: skip
        super().__init__()
        self.credentials = {**SANDBOX_CREDENTIALS, **(credentials or {})}
        self.items_page_size = items_page_size
        self.feed_checks_in_progress = feed_checks_in_progress  # getFeed answers IN_PROGRESS this often first
        # Requests per second each operation allows, sent back as ``x-amzn-RateLimit-Limit`` (Amazon's
        # published default usage plans; a test lowers one to see the hub follow).
        self.rate_limits: dict[str, float] = dict(PUBLISHED_RATES)
        self.access_token = "Atza|sandbox-" + hashlib.sha256(
            f"{self.credentials['lwa_app_id']}|{self.credentials['refresh_token']}".encode()).hexdigest()[:40]  # fmt: skip
        self._side_routes: list[tuple[str, re.Pattern, Handler]] = []
        self._forget()
        self._routes_for_lwa_and_documents()
        self._routes_for_orders()
        self._routes_for_feeds()
        self._routes_for_listings()
        self._routes_for_reports()

    def _forget(self) -> None:
        self.orders: dict[str, dict] = {}
        self.items: dict[str, list[dict]] = {}
        self.listings: dict[str, int] = {}
        self.prices: dict[str, dict] = {}  # sku -> its purchasable_offer: selectors and our_price
        self.documents: dict[str, dict] = {}
        self.feeds: dict[str, dict] = {}
        self.shipments: dict[str, list[dict]] = {}
        self.returns: list[dict] = []  # rows of the returns report, by RETURNS_COLUMNS
        self.reports: dict[str, dict] = {}
        self._cursors: dict[str, tuple[list[str], int]] = {}
        self._restricted_tokens: dict[str, set[str]] = {}

    def reset(self) -> dict:
        with self.lock:
            self._forget()
            self.rate_limits = dict(PUBLISHED_RATES)
        return super().reset()

    # --- routing: LWA and the document store are other Amazon hosts, so no SP-API faults or token -----

    def _routes_for_lwa_and_documents(self) -> None:
        for method, pattern, handler in (
            ("POST", r"/auth/o2/token", self._login),
            ("PUT", r"/s3/documents/(?P<doc>[^/]+)", self._upload),
            ("GET", r"/s3/documents/(?P<doc>[^/]+)", self._download),
        ):
            self._side_routes.append((method, re.compile(f"^{pattern}$"), handler))

    def dispatch(self, request: Request) -> Response:
        for method, pattern, handler in self._side_routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                with self.lock:
                    response = handler(request, match)
                    self.calls.append((request.method, request.path, response.status))
                return response
        response = super().dispatch(request)
        rate = self.rate_limits.get(operation_of(request.method, request.path) or "")
        if rate is not None:  # as Amazon does: the operation's rate for this selling partner, on every answer
            response.headers["x-amzn-RateLimit-Limit"] = f"{rate:g}"
        return response

    def authorise(self, request: Request) -> Response | None:
        token = _header(request, "x-amz-access-token")
        if token == self.access_token or request.path in self._restricted_tokens.get(token, ()):
            return None
        return json_response({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.",
                                          "details": "The access token you provided is revoked, malformed or invalid."}]}, 403)  # fmt: skip

    def _login(self, request: Request, match: re.Match) -> Response:
        form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
        if self.faults.reject_credentials or (form.get("client_id"), form.get("client_secret")) != (
                self.credentials["lwa_app_id"], self.credentials["lwa_client_secret"]):  # fmt: skip
            return json_response({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        if form.get("grant_type") != "refresh_token":
            return json_response({"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}, 400)
        if form.get("refresh_token") != self.credentials["refresh_token"]:
            return json_response({"error": "invalid_grant",
                                  "error_description": "The request has an invalid grant parameter : refresh_token"}, 400)  # fmt: skip
        return json_response({"access_token": self.access_token, "refresh_token": form["refresh_token"],
                              "token_type": "bearer", "expires_in": 3600})  # fmt: skip

    # --- orders ------------------------------------------------------------------------------------------

    def _routes_for_orders(self) -> None:
        order = r"/orders/v0/orders/(?P<order_id>[^/]+)"
        self.route("POST", r"/tokens/2021-03-01/restrictedDataToken", self._locked(self._restricted_token))
        self.route("GET", r"/orders/v0/orders", self._locked(self._get_orders))
        self.route("GET", order, self._locked(self._get_order))
        self.route("GET", order + "/orderItems", self._locked(self._get_order_items))
        self.route("POST", order + "/shipmentConfirmation", self._locked(self._confirm_shipment))

    def _locked(self, handler: Handler) -> Handler:
        def locked(request: Request, match: re.Match) -> Response:
            with self.lock:
                return handler(request, match)

        return locked

    def _restricted_token(self, request: Request, match: re.Match) -> Response:
        resources = (request.json() or {}).get("restrictedResources")
        if not resources or not all(isinstance(r, Mapping) and r.get("path") for r in resources):
            return _error(400, "InvalidInput", "restrictedResources must list a method, path and dataElements.")
        token = "Atz.sprdt|sandbox-" + uuid.uuid4().hex
        self._restricted_tokens[token] = {str(r["path"]) for r in resources}
        return json_response({"restrictedDataToken": token, "expiresIn": 3600})

    def _get_orders(self, request: Request, match: re.Match) -> Response:
        if not request.arg("MarketplaceIds"):
            return _error(400, "InvalidInput", "MarketplaceIds is required.")
        size = request.arg("MaxResultsPerPage", "100")
        if not (size.isdigit() and 1 <= int(size) <= 100):
            return _error(400, "InvalidInput", "MaxResultsPerPage must be a number from 1 to 100.")
        token = request.arg("NextToken")
        if token:
            if token not in self._cursors:
                return _error(400, "InvalidInput", "Invalid NextToken.")
            ids, offset = self._cursors[token]
        else:
            ids, problem = self._matching(request)
            if problem:
                return _error(400, "InvalidInput", problem)
            offset = 0
        end = offset + int(size)
        personal = _header(request, "x-amz-access-token") != self.access_token  # called with an RDT
        payload: dict[str, Any] = {"Orders": [self._served(order_id, personal=personal) for order_id in ids[offset:end]],
                                   "LastUpdatedBefore": _iso(datetime.now(UTC))}  # fmt: skip
        if end < len(ids):
            payload["NextToken"] = next_token = uuid.uuid4().hex
            self._cursors[next_token] = (ids, end)
        return json_response({"payload": payload})

    def _matching(self, request: Request) -> tuple[list[str], str]:
        """The ids matching a first getOrders request, sorted by LastUpdateDate; or why the request is wrong."""
        updated, created = request.arg("LastUpdatedAfter"), request.arg("CreatedAfter")
        if bool(updated) == bool(created):
            return [], "Exactly one of LastUpdatedAfter and CreatedAfter is required."
        field, after = ("LastUpdateDate", updated) if updated else ("PurchaseDate", created)
        if _parsed_time(after) is None:
            return [], f"{after!r} is not an ISO 8601 date."
        before = request.arg("LastUpdatedBefore") if updated else request.arg("CreatedBefore")
        statuses = set(filter(None, (request.arg("OrderStatuses") or "").split(",")))
        ids = [
            order_id for order_id, order in self.orders.items()
            if _time(order.get(field)) >= _time(after) and (not before or _time(order.get(field)) <= _time(before))
            and (not statuses or order.get("OrderStatus") in statuses)
        ]  # fmt: skip
        return sorted(ids, key=lambda order_id: (_time(self.orders[order_id].get("LastUpdateDate")), order_id)), ""

    def _served(self, order_id: str, *, personal: bool) -> dict:
        """An order as Amazon shows it: no address before it may ship, no personal data without an RDT."""
        order = copy.deepcopy(self.orders[order_id])
        if order.get("OrderStatus") not in ADDRESS_STATUSES:
            order.pop("ShippingAddress", None)
        if not personal:
            for part, names in (("ShippingAddress", RESTRICTED_ADDRESS), ("BuyerInfo", RESTRICTED_BUYER)):
                for name in names:
                    (order.get(part) or {}).pop(name, None)
        if order_id in self.faults.malformed:
            order["OrderTotal"] = {"CurrencyCode": (order.get("OrderTotal") or {}).get("CurrencyCode", "INR"), "Amount": "twelve"}
        return order

    def _get_order(self, request: Request, match: re.Match) -> Response:
        order_id = unquote(match["order_id"])
        if order_id not in self.orders:
            return _error(404, "NotFound", f"Order {order_id} was not found.")
        personal = _header(request, "x-amz-access-token") != self.access_token
        return json_response({"payload": self._served(order_id, personal=personal)})

    def _get_order_items(self, request: Request, match: re.Match) -> Response:
        order_id = unquote(match["order_id"])
        if order_id not in self.orders:
            return _error(404, "NotFound", f"Order {order_id} was not found.")
        offset = self._item_offset(order_id, request.arg("NextToken"))
        if offset is None:
            return _error(400, "InvalidInput", "Invalid NextToken.")
        items = copy.deepcopy(self.items.get(order_id, []))
        if self.orders[order_id].get("OrderStatus") in ("Pending", "PendingAvailability"):
            items = [{k: v for k, v in item.items() if k not in PENDING_HIDDEN} for item in items]
        end = offset + self.items_page_size
        payload: dict[str, Any] = {"AmazonOrderId": order_id, "OrderItems": items[offset:end]}
        if end < len(items):
            payload["NextToken"] = urlsafe_b64encode(json.dumps([order_id, end]).encode()).decode()
        return json_response({"payload": payload})

    @staticmethod
    def _item_offset(order_id: str, token: str | None) -> int | None:
        if not token:
            return 0
        try:
            token_order, offset = json.loads(urlsafe_b64decode(token.encode()))
        except (ValueError, TypeError):
            return None
        return offset if token_order == order_id and isinstance(offset, int) else None

    # --- shipments ---------------------------------------------------------------------------------------

    def _confirm_shipment(self, request: Request, match: re.Match) -> Response:
        order_id = unquote(match["order_id"])
        if order_id not in self.orders:
            return _error(404, "NotFound", f"Order {order_id} was not found.")
        body = request.json() or {}
        detail = body.get("packageDetail") or {}
        problem = self._shipment_problem(order_id, body, detail)
        if problem:
            return _error(400, "InvalidInput", problem)
        done = self.shipments.setdefault(order_id, [])
        if all(package["packageReferenceId"] != detail["packageReferenceId"] for package in done):
            done.append(copy.deepcopy(detail))
            self._ship(order_id, detail["orderItems"])
        return Response(204)

    def _shipment_problem(self, order_id: str, body: dict, detail: dict) -> str:
        if not body.get("marketplaceId"):
            return "Marketplace ID is not defined"
        missing = [name for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
                   if not detail.get(name)]  # fmt: skip
        if missing:
            return f"packageDetail lacks {', '.join(missing)}."
        if "T" not in str(detail["shipDate"]) or _parsed_time(detail["shipDate"]) is None:
            return "Invalid Input: shipDate must be an ISO 8601 date and time."
        if self.orders[order_id].get("OrderStatus") in ("Canceled", "Pending", "PendingAvailability"):
            return f"Order {order_id} is {self.orders[order_id]['OrderStatus']} and cannot be shipped."
        known = {str(item["OrderItemId"]): item for item in self.items.get(order_id, [])}
        for line in detail["orderItems"]:
            item = known.get(str(line.get("orderItemId")))
            if item is None:
                return f"Order item {line.get('orderItemId')} is not in order {order_id}."
            if not isinstance(line.get("quantity"), int) or line["quantity"] < 1:
                return f"Quantity {line.get('quantity')!r} of order item {line['orderItemId']} is not a positive number."
        return ""

    def _ship(self, order_id: str, lines: list[dict]) -> None:
        known = {str(item["OrderItemId"]): item for item in self.items.get(order_id, [])}
        for line in lines:
            item = known[str(line["orderItemId"])]
            item["QuantityShipped"] = min(item.get("QuantityOrdered", 0), item.get("QuantityShipped", 0) + line["quantity"])
        ordered = sum(item.get("QuantityOrdered", 0) for item in known.values())
        shipped = sum(item.get("QuantityShipped", 0) for item in known.values())
        self.update_order(order_id, OrderStatus="Shipped" if shipped >= ordered else "PartiallyShipped",
                          NumberOfItemsShipped=shipped, NumberOfItemsUnshipped=ordered - shipped)  # fmt: skip

    # --- feeds and the document store ------------------------------------------------------------------

    def _routes_for_feeds(self) -> None:
        base = r"/feeds/2021-06-30"
        self.route("POST", base + r"/documents", self._locked(self._create_document))
        self.route("POST", base + r"/feeds", self._locked(self._create_feed))
        self.route("GET", base + r"/feeds/(?P<feed>[^/]+)", self._locked(self._get_feed))
        self.route("GET", base + r"/documents/(?P<doc>[^/]+)", self._locked(self._get_document))

    def _document_url(self, request: Request, document_id: str) -> str:
        return f"http://{_header(request, 'host')}/s3/documents/{document_id}"

    def _create_document(self, request: Request, match: re.Match) -> Response:
        content_type = (request.json() or {}).get("contentType")
        if not content_type:
            return _error(400, "InvalidInput", "contentType is required.")
        document_id = "amzn1.tortuga.4.sandbox." + uuid.uuid4().hex
        self.documents[document_id] = {"contentType": content_type, "content": None}
        return json_response({"feedDocumentId": document_id, "url": self._document_url(request, document_id)}, 201)

    def _upload(self, request: Request, match: re.Match) -> Response:
        document = self.documents.get(match["doc"])
        if document is None or document.get("report"):
            return Response(403, b"<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"})
        document["content"] = request.body
        return Response(200, b"")

    def _download(self, request: Request, match: re.Match) -> Response:
        document = self.documents.get(match["doc"])
        if document is None or document["content"] is None:
            return Response(404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"})
        return Response(200, document["content"], {"Content-Type": "application/octet-stream"})

    def _get_document(self, request: Request, match: re.Match) -> Response:
        document_id = unquote(match["doc"])
        document = self.documents.get(document_id)
        if document is None:
            return _error(404, "NotFound", f"Feed document {document_id} was not found.")
        body = {"feedDocumentId": document_id, "url": self._document_url(request, document_id)}
        if document.get("report"):
            body["compressionAlgorithm"] = "GZIP"
        return json_response(body)

    def _create_feed(self, request: Request, match: re.Match) -> Response:
        body = request.json() or {}
        document = self.documents.get(str(body.get("inputFeedDocumentId")))
        if body.get("feedType") != "JSON_LISTINGS_FEED":
            return _error(400, "InvalidInput", f"The sandbox processes JSON_LISTINGS_FEED only, not {body.get('feedType')!r}.")
        if not body.get("marketplaceIds"):
            return _error(400, "InvalidInput", "marketplaceIds is required.")
        if document is None or document["content"] is None:
            return _error(400, "InvalidInput", "inputFeedDocumentId names no uploaded feed document.")
        feed_id = str(50_000_000_000 + len(self.feeds) + 1)
        status, report = self._process(feed_id, document["content"])
        report_id = "amzn1.tortuga.4.sandbox." + uuid.uuid4().hex
        self.documents[report_id] = {"contentType": "application/json", "report": True,
                                     "content": gzip.compress(json.dumps(report).encode())}  # fmt: skip
        now = _iso(datetime.now(UTC))
        self.feeds[feed_id] = {
            "feedId": feed_id, "feedType": body["feedType"], "marketplaceIds": body["marketplaceIds"], "createdTime": now,
            "processingStatus": status, "processingStartTime": now, "processingEndTime": now,
            "resultFeedDocumentId": report_id, "_feed": _parsed(document["content"]), "_report": report,
            "_checks_in_progress": self.feed_checks_in_progress,
        }  # fmt: skip
        return json_response({"feedId": feed_id}, 202)

    def _get_feed(self, request: Request, match: re.Match) -> Response:
        feed = self.feeds.get(unquote(match["feed"]))
        if feed is None:
            return _error(404, "NotFound", f"Feed {match['feed']} was not found.")
        shown = {key: value for key, value in feed.items() if not key.startswith("_")}
        if feed["_checks_in_progress"] > 0:
            feed["_checks_in_progress"] -= 1
            shown = {**shown, "processingStatus": "IN_PROGRESS"}
            for name in ("processingEndTime", "resultFeedDocumentId"):
                shown.pop(name)
        return json_response(shown)

    def _process(self, feed_id: str, content: bytes) -> tuple[str, dict]:
        """Apply a JSON_LISTINGS_FEED to the listings; the processing report, shaped like Amazon's example."""
        feed = _parsed(content)
        header = {"sellerId": self.credentials["seller_id"], "version": "2.0", "feedId": feed_id}
        if not isinstance(feed, dict) or not isinstance(feed.get("messages"), list):
            fatal = {"code": "sandbox-invalid-feed", "severity": "ERROR", "message": "The feed is not a JSON_LISTINGS_FEED document."}
            return "FATAL", {"header": header, "issues": [fatal], "summary": _summary([fatal], 0)}
        if (feed.get("header") or {}).get("sellerId") != self.credentials["seller_id"]:
            fatal = {"code": "sandbox-seller", "severity": "ERROR", "message": "The header's sellerId is not this selling partner."}
            return "FATAL", {"header": header, "issues": [fatal], "summary": _summary([fatal], 0)}
        issues = [issue for message in feed["messages"] for issue in self._apply(message)]
        return "DONE", {"header": header, "issues": issues, "summary": _summary(issues, len(feed["messages"]))}

    def _apply(self, message: Any) -> list[dict]:
        sku = str(message.get("sku", "")) if isinstance(message, dict) else ""
        ref = {"messageId": message.get("messageId") if isinstance(message, dict) else None, "sku": sku}
        problem = _message_problem(message)
        if not problem and sku not in self.listings:
            problem = ("sandbox-unknown-sku", f"The SKU '{sku}' has no listing for this selling partner.")
        if problem:
            return [{**ref, "code": problem[0], "severity": "ERROR", "message": problem[1]}]
        for patch in message["patches"]:
            value = patch["value"][0]
            if patch["path"] == FEED_PATH:
                self.listings[sku] = value["quantity"]
            else:
                offer = {key: value[key] for key in ("marketplace_id", "currency", "audience") if key in value}
                self.prices[sku] = {**self.prices.get(sku, {}), **offer, "our_price": _our_price(value)}
        return []

    # --- listings items ---------------------------------------------------------------------------------

    def _routes_for_listings(self) -> None:
        self.route("GET", r"/listings/2021-08-01/items/(?P<seller>[^/]+)/(?P<sku>[^/]+)", self._locked(self._get_listings_item))

    def _get_listings_item(self, request: Request, match: re.Match) -> Response:
        seller, sku = unquote(match["seller"]), unquote(match["sku"])
        marketplaces = set(filter(None, (request.arg("marketplaceIds") or "").split(",")))
        if not marketplaces:
            return json_response({"errors": [{"code": "BAD_REQUEST", "message": "Invalid input",
                                              "details": "marketplaceIds is required."}]}, 400)  # fmt: skip
        if seller != self.credentials["seller_id"]:
            return _error(403, "Unauthorized", "Access to requested resource is denied.")
        marketplace = self.credentials["marketplace_id"]
        if sku not in self.listings or marketplace not in marketplaces:
            return _error(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {','.join(sorted(marketplaces))}")
        included = set((request.arg("includedData") or "summaries").split(","))
        item: dict[str, Any] = {"sku": sku}
        if "offers" in included and sku in self.prices:
            offer = self.prices[sku]
            item["offers"] = [{"marketplaceId": offer.get("marketplace_id", marketplace), "offerType": "B2C",
                               "price": {"currencyCode": offer.get("currency", "INR"), "amount": f"{offer['our_price']:.2f}"}}]  # fmt: skip
        if "fulfillmentAvailability" in included:
            quantity = "twelve" if sku in self.faults.malformed else self.listings[sku]
            item["fulfillmentAvailability"] = [{"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}]
        return json_response(item)

    # --- reports: the returns report ------------------------------------------------------------------

    def _routes_for_reports(self) -> None:
        base = r"/reports/2021-06-30"
        self.route("POST", base + r"/reports", self._locked(self._create_report))
        self.route("GET", base + r"/reports/(?P<report>[^/]+)", self._locked(self._get_report))
        self.route("GET", base + r"/documents/(?P<doc>[^/]+)", self._locked(self._get_report_document))

    def _create_report(self, request: Request, match: re.Match) -> Response:
        body = request.json() or {}
        if body.get("reportType") != RETURNS_REPORT:
            return _error(400, "InvalidInput", f"The sandbox makes {RETURNS_REPORT} only, not {body.get('reportType')!r}.")
        if not body.get("marketplaceIds"):
            return _error(400, "InvalidInput", "marketplaceIds is required.")
        start = _parsed_time(body.get("dataStartTime")) or EPOCH
        rows = [row for row in self.returns if _time(row["Return request date"]) >= start]
        lines = ["\t".join(RETURNS_COLUMNS)] + ["\t".join(str(row.get(c, "")) for c in RETURNS_COLUMNS) for row in rows]
        document_id = "amzn1.spdoc.1.4.sandbox." + uuid.uuid4().hex
        self.documents[document_id] = {"contentType": "text/tab-separated-values", "report": True,
                                       "content": gzip.compress(("\n".join(lines) + "\n").encode())}  # fmt: skip
        report_id = str(60_000_000_000 + len(self.reports) + 1)
        now = _iso(datetime.now(UTC))
        self.reports[report_id] = {"reportId": report_id, "reportType": RETURNS_REPORT, "marketplaceIds": body["marketplaceIds"],
                                   "dataStartTime": _iso(start), "createdTime": now, "processingStatus": "DONE",
                                   "processingStartTime": now, "processingEndTime": now, "reportDocumentId": document_id,
                                   "_checks_in_progress": self.feed_checks_in_progress}  # fmt: skip
        return json_response({"reportId": report_id}, 202)

    def _get_report(self, request: Request, match: re.Match) -> Response:
        report = self.reports.get(unquote(match["report"]))
        if report is None:
            return _error(404, "NotFound", f"Report {match['report']} was not found.")
        shown = {key: value for key, value in report.items() if not key.startswith("_")}
        if report["_checks_in_progress"] > 0:
            report["_checks_in_progress"] -= 1
            shown = {**shown, "processingStatus": "IN_PROGRESS"}
            for name in ("processingEndTime", "reportDocumentId"):
                shown.pop(name)
        return json_response(shown)

    def _get_report_document(self, request: Request, match: re.Match) -> Response:
        document_id = unquote(match["doc"])
        if document_id not in self.documents:
            return _error(404, "NotFound", f"Report document {document_id} was not found.")
        return json_response({"reportDocumentId": document_id, "url": self._document_url(request, document_id),
                              "compressionAlgorithm": "GZIP"})  # fmt: skip

    def add_return(self, order_id: str, sku: str, quantity: int = 1, *, rma_id: str | None = None, reason: str = "",
                   requested_at: datetime | None = None, status: str = "Approved") -> str:  # fmt: skip
        """A return the buyer asked for: one row of the returns report (an RMA of several SKUs is one row each,
        under the same ``rma_id``). Returns the RMA id."""
        with self.lock:
            rma = rma_id or f"D{uuid.uuid4().hex[:8].upper()}RRMA"
            when = requested_at or datetime.now(UTC)
            self.returns.append({"Order ID": order_id, "Return request date": _iso(when), "Return request status": status,
                                 "Amazon RMA ID": rma, "Merchant SKU": sku, "Return quantity": quantity,
                                 "Return Reason": reason, "Return type": "C-Returns", "Currency code": "INR",
                                 "Is prime": "N", "A-to-Z Claim": "N", "In policy": "Y"})  # fmt: skip
        return rma

    # --- load, state and the helpers for tests and the demo ---------------------------------------------

    def load(self, data: Any) -> dict:
        counts = {"orders": 0, "items": 0, "listings": 0}
        with self.lock:
            self._load(data, counts)
        return counts

    def _load(self, data: Any, counts: dict) -> None:
        if isinstance(data, list):
            for part in data:
                self._load(part, counts)
            return
        if not isinstance(data, dict):
            raise ValueError(f"Cannot load {type(data).__name__}: see the module docstring for the shapes.")
        for status, cases in data.items():  # an x-amzn-api-sandbox file: {"200": {"static": [...]}}
            if str(status).startswith("2") and isinstance(cases, dict):
                self._load([case.get("response") for case in cases.get("static", []) if case.get("response")], counts)
        payload = data.get("payload") or {}
        orders = payload.get("Orders") or ([payload] if payload.get("OrderStatus") else [])
        for order in orders:
            self.orders[str(order["AmazonOrderId"])] = copy.deepcopy(order)
            counts["orders"] += 1
        if isinstance(payload.get("OrderItems"), list):
            self._load_items(str(payload["AmazonOrderId"]), payload["OrderItems"], counts)
        items = data.get("OrderItems") or {}
        for part in items if isinstance(items, list) else [{"payload": {"AmazonOrderId": k, "OrderItems": v}} for k, v in items.items()]:
            self._load(part, counts)
        for sku, quantity in (data.get("Listings") or {}).items():
            self.listings[str(sku)] = int(quantity)
            counts["listings"] += 1

    def _load_items(self, order_id: str, items: list[dict], counts: dict) -> None:
        self.items[order_id] = copy.deepcopy(items)
        counts["items"] += len(items)

    def state(self) -> dict:
        with self.lock:
            return {
                "orders": len(self.orders),
                "order_statuses": {order_id: order.get("OrderStatus") for order_id, order in self.orders.items()},
                "listings": dict(self.listings),
                "prices": copy.deepcopy(self.prices),
                "feeds": [{"feedId": feed["feedId"], "feedType": feed["feedType"], "processingStatus": feed["processingStatus"],
                           "skus": [m.get("sku") for m in (feed["_feed"] or {}).get("messages", [])],
                           "summary": feed["_report"]["summary"]} for feed in self.feeds.values()],
                "shipments": copy.deepcopy(self.shipments),
                "calls": len(self.calls),
            }  # fmt: skip

    def add_order(self, order: dict, items: list[dict] | None = None) -> str:
        """Add (or replace) an order and its items, as getOrders and getOrderItems would show them."""
        with self.lock:
            order_id = str(order["AmazonOrderId"])
            self.orders[order_id] = copy.deepcopy(order)
            self.items[order_id] = copy.deepcopy(items or [])
        return order_id

    def update_order(self, order_id: str, **fields: Any) -> dict:
        """Change an order's fields (``OrderStatus="Unshipped"``, say) and move its LastUpdateDate on."""
        with self.lock:
            order = self.orders[order_id]
            order.update(copy.deepcopy(fields))
            previous = _time(order.get("LastUpdateDate"))
            order["LastUpdateDate"] = _iso(max(datetime.now(UTC), previous + timedelta(seconds=1)))
            return copy.deepcopy(order)

    def cancel_order(self, order_id: str) -> dict:
        """The buyer or Amazon cancelled the order."""
        return self.update_order(order_id, OrderStatus="Canceled")

    def set_listing(self, sku: str, quantity: int = 0, *, price: float | None = None) -> None:
        """A listing the feeds may update, with its quantity and (when given) its offer's price in rupees."""
        with self.lock:
            self.listings[sku] = quantity
            if price is not None:
                self.prices[sku] = {"marketplace_id": self.credentials["marketplace_id"], "currency": "INR",
                                    "audience": "ALL", "our_price": price}  # fmt: skip


def _parsed(content: bytes | None) -> Any:
    try:
        return json.loads(content or b"")
    except (ValueError, UnicodeDecodeError):
        return None


def _message_problem(message: Any) -> tuple[str, str] | None:
    """Why the sandbox refuses a feed message (it takes quantity and price PATCHes only), or None."""
    if not isinstance(message, dict) or not message.get("sku"):
        return "sandbox-invalid-message", "A message needs a messageId and a sku."
    if message.get("operationType") != "PATCH" or not message.get("productType"):
        return "sandbox-unsupported", "The sandbox takes PATCH messages with a productType only."
    patches = message.get("patches")
    if not isinstance(patches, list) or not patches:
        return "sandbox-invalid-message", "A PATCH message needs patches."
    return next(filter(None, map(_patch_problem, patches)), None)


def _patch_problem(patch: Any) -> tuple[str, str] | None:
    """Why the sandbox refuses one patch: one replace or merge of a quantity or of a price, each checked."""
    patch = patch if isinstance(patch, dict) else {}
    path, value = patch.get("path"), patch.get("value")
    one = isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict)
    if path not in PATCH_CHECKS or patch.get("op") not in ("replace", "merge") or not one:
        return "sandbox-unsupported", f"The sandbox takes one replace or merge of {FEED_PATH} or {OFFER_PATH} only."
    return PATCH_CHECKS[path](value[0])


def _quantity_problem(value: dict) -> tuple[str, str] | None:
    if value.get("fulfillment_channel_code") != "DEFAULT":
        return "sandbox-unsupported", "The sandbox holds seller-fulfilled (DEFAULT) quantities only."
    quantity = value.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        return "sandbox-invalid-quantity", f"The quantity {quantity!r} is not a whole number of at least 0."
    return None


def _price_problem(value: dict) -> tuple[str, str] | None:
    """An offer must name its selectors (merge needs them) and carry one ``our_price`` of at least 0."""
    if not value.get("marketplace_id") or not value.get("currency"):
        return "sandbox-invalid-offer", "A purchasable_offer needs its marketplace_id and currency selectors."
    try:
        price = _our_price(value)
    except (KeyError, IndexError, TypeError):
        return "sandbox-invalid-offer", "our_price must be [{\"schedule\": [{\"value_with_tax\": <price>}]}]."
    if isinstance(price, bool) or not isinstance(price, int | float) or not math.isfinite(price):
        return "sandbox-invalid-price", f"The price {price!r} is not a number."
    if price < 0:
        return "sandbox-invalid-price", f"The price {price!r} is below 0."
    return None


def _our_price(offer: dict) -> Any:
    return offer["our_price"][0]["schedule"][0]["value_with_tax"]


PATCH_CHECKS = {FEED_PATH: _quantity_problem, OFFER_PATH: _price_problem}


def _summary(issues: list[dict], processed: int) -> dict:
    errors = [issue for issue in issues if issue["severity"] == "ERROR"]
    invalid = len({issue.get("messageId") for issue in errors if issue.get("messageId") is not None})
    return {"errors": len(errors), "warnings": len(issues) - len(errors), "messagesProcessed": processed,
            "messagesAccepted": processed - invalid, "messagesInvalid": invalid}  # fmt: skip
