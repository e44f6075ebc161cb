"""Amazon through the Selling Partner API (``python-amazon-sp-api``).

- **Orders** (``read_orders``): one getOrders page by ``LastUpdatedAfter`` (``NextToken`` continues the
  window), then getOrderItems for each order (with its own ``NextToken`` pages). With the option
  ``restricted_data`` (on by default) getOrders is called with a Restricted Data Token, without which
  Amazon leaves the buyer's name, street and phone out of ``ShippingAddress``. An order that cannot be
  read or mapped becomes a ``RecordFailure`` with its payload; the rest of the page comes through.
- **Stock** (``push_stock``): one JSON_LISTINGS_FEED for the whole batch (thousands of SKUs): create a
  feed document, upload the feed to its URL, create the feed, wait until it is DONE, download the
  processing report and read it per SKU.
- **Prices** (``push_price``): the same feed flow, each message a ``merge`` of the SKU's
  ``purchasable_offer`` ``our_price`` (``mapping.price_feed``).
- **Stock reads** (``read_stock``): getListingsItem (Listings Items API 2021-08-01) of each SKU with
  ``includedData=fulfillmentAvailability``; the quantity is the seller-fulfilled (DEFAULT) one. A SKU
  Amazon has no listing of (404) or whose answer carries no readable quantity fails alone.
- **Returns** (``read_returns``): one ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` report (Reports API
  2021-06-30) of the returns requested since the cursor: createReport, getReport until DONE,
  getReportDocument; each RMA is a customer return notice (``connectors.amazon.returns``).
- **Shipments** (``push_shipment``): confirmShipment with carrier and tracking number.

Every call waits for its operation's token in ``self.limiter`` (Amazon's published usage plans, below;
option ``rate_limits`` overrides them, ``{"getOrders": [rate, burst]}``); the rate each answer's
``x-amzn-RateLimit-Limit`` header reports is handed to the limiter (``observe``), so a shared limiter
follows what Amazon allows the account now. Every remote error is raised
as ``connectors.errors`` classifies it. Nothing here retries: the library does not either (its retry
decorators are opt-in and unused here), and the hub's sync engine retries what may pass.

Credentials: ``refresh_token``, ``lwa_app_id``, ``lwa_client_secret``, ``seller_id``, ``marketplace_id``
(A21TJRUUN4KGV is amazon.in). Options: ``base_url`` (a sandbox; the library's regional endpoint and
Amazon's login when absent), ``login_url`` (defaults to ``base_url``), ``rate_limits``, ``page_size``
(MaxResultsPerPage, at most 100), ``restricted_data``, ``timeout``, ``feed_poll_interval`` and
``feed_poll_attempts``, ``product_type`` (of the feeds' PATCH messages).
"""

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

import httpx
from sp_api.base import Marketplaces, SellingApiException
from sp_api.base.credential_provider import FromCodeCredentialProvider, MissingCredentials

from connectors.amazon import mapping, returns
from connectors.amazon.transport import (
    Feeds,
    ListingsItems,
    Orders,
    Reports,
    library_error,
    token_client_class,
    with_wait,
)
from connectors.base import (
    Capability,
    Connector,
    ListingRef,
    OrderDTO,
    OrderPage,
    PriceUpdate,
    PushResult,
    RecordFailure,
    ReturnPage,
    ShipmentUpdate,
    StockReading,
    StockUpdate,
)
from connectors.errors import (
    ConnectorError,
    CredentialsRejected,
    RecordRejected,
    RetriableConnectorError,
    classify,
)
from connectors.ratelimit import Rate, RateLimiter, TokenBucket

# Amazon's usage plans (requests per second, burst), from the SP-API reference and the library's docstrings.
AMAZON_RATES = {
    "getOrders": Rate(0.0167, 20),
    "getOrder": Rate(0.5, 30),
    "getOrderItems": Rate(0.5, 30),
    "createRestrictedDataToken": Rate(1, 10),
    "confirmShipment": Rate(2, 10),
    "createFeedDocument": Rate(0.5, 15),
    "createFeed": Rate(0.0083, 15),
    "getFeed": Rate(2, 15),
    "getFeedDocument": Rate(0.0222, 10),
    "getListingsItem": Rate(5, 10),
    "createReport": Rate(0.0167, 15),
    "getReport": Rate(2, 15),
    "getReportDocument": Rate(0.0167, 15),
}
FINISHED = frozenset({"DONE", "FATAL", "CANCELLED"})  # a feed's processingStatus once Amazon is done with it


class AmazonConnector(Connector):
    kind = "amazon"
    capabilities = frozenset({Capability.PULL_ORDERS, Capability.PUSH_STOCK, Capability.PUSH_PRICE, Capability.PUSH_SHIPMENT,
                              Capability.READ_STOCK, Capability.PULL_RETURNS})  # fmt: skip
    stock_batch_size: ClassVar[int] = 10_000  # one JSON_LISTINGS_FEED carries thousands of SKUs
    price_batch_size: ClassVar[int] = 10_000
    stock_read_batch_size: ClassVar[int] = 50  # one getListingsItem call per SKU, 5 a second: ten seconds a batch

    def __init__(self, credentials: Mapping[str, Any], *, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(credentials, options=options)
        self.marketplace_id = str(self.credentials.get("marketplace_id") or mapping.INDIA)
        self.seller_id = str(self.credentials.get("seller_id") or "")
        self.rates = rates_from(self.options.get("rate_limits"))
        self.limiter: RateLimiter = TokenBucket(self.rates)
        self.sleep: Callable[[float], None] = time.sleep
        self._orders: Orders | None = None
        self._feeds: Feeds | None = None
        self._listings: ListingsItems | None = None
        self._reports: Reports | None = None
        # What was read of the page being read, kept across attempts (see read_orders).
        self._page_key: tuple | None = None
        self._page_payload: dict | None = None
        self._items_read: dict[str, list[dict]] = {}
        # What was read of the listings being read, kept across attempts (see read_stock).
        self._stock_key: tuple[str, ...] | None = None
        self._stock_read: dict[str, int | RecordFailure] = {}

    # --- orders ---------------------------------------------------------------------------------------

    def fetch_order(self, channel_order_id: str) -> OrderDTO:
        """getOrder (with the restricted data the address needs) and getOrderItems for one order."""
        params = {}
        if self.options.get("restricted_data", True):
            self.limiter.acquire("createRestrictedDataToken")
            params["RestrictedResources"] = list(mapping.RESTRICTED_RESOURCES)
        client = self.orders_client
        try:
            with self._call("getOrder"):
                raw = dict(client.get_order(channel_order_id, **params).payload or {})
        finally:
            client.restricted_data_token = None
        result = self._read_order(raw)
        if isinstance(result, RecordFailure):
            raise RecordRejected(result.error, request={"order": channel_order_id}, response=result.payload)
        return result

    def order_from_record(self, payload: dict) -> OrderDTO:
        """A kept ``{"order": ..., "items": [...]}`` (a failure's payload, an order's raw) mapped again."""
        try:
            return mapping.order_from_payload(payload["order"], payload.get("items") or [])
        except (KeyError, TypeError, mapping.MappingError) as exc:
            raise RecordRejected(f"The stored Amazon order cannot be read: {exc}") from exc

    def read_orders(self, *, updated_after: datetime, token: str | None = None) -> OrderPage:
        """One getOrders page and every order's items. ``high_water`` is the page's latest LastUpdateDate.

        A page costs one getOrders call and one getOrderItems call per order; when one of them fails (a
        429, a 500) the caller asks for the same page again. What this connector already read of that page
        is kept, so the next attempt goes on from the call that failed instead of starting over (and
        spends no getOrders quota twice): each attempt makes progress.
        """
        page_key = (updated_after, token)
        if self._page_key != page_key:
            self._page_key, self._page_payload, self._items_read = page_key, None, {}
        if self._page_payload is None:
            self._page_payload = self._get_orders(updated_after, token)
        payload = self._page_payload
        raw_orders = payload.get("Orders")
        if not isinstance(raw_orders, list):
            self._page_payload = None
            raise RetriableConnectorError("getOrders answered without an Orders list.", response=payload)
        orders, failures = [], []
        for raw in raw_orders:
            result = self._read_order(raw)
            (orders if isinstance(result, OrderDTO) else failures).append(result)
        self._page_key = None  # the page is complete: forget it
        return OrderPage(orders, failures, next_token=payload.get("NextToken") or None, high_water=high_water(raw_orders))

    def _get_orders(self, updated_after: datetime, token: str | None) -> dict:
        params = {"LastUpdatedAfter": mapping.amazon_time(updated_after), "MarketplaceIds": [self.marketplace_id],
                  "MaxResultsPerPage": min(100, int(self.options.get("page_size", 100)))}  # fmt: skip
        if token:
            params["NextToken"] = token
        if self.options.get("restricted_data", True):
            self.limiter.acquire("createRestrictedDataToken")
            params["RestrictedResources"] = list(mapping.RESTRICTED_RESOURCES)
        client = self.orders_client
        try:
            with self._call("getOrders"):
                return dict(client.get_orders(**params).payload or {})
        finally:
            client.restricted_data_token = None  # the library leaves it set when the call after the token fails

    def _read_order(self, raw: Any) -> OrderDTO | RecordFailure:
        key = str(raw.get("AmazonOrderId") or "") if isinstance(raw, Mapping) else ""
        payload = {"order": raw}
        if not key:
            return RecordFailure(key="", error="An order without an AmazonOrderId.", payload=payload)
        try:
            items = self._order_items(key)
        except RecordRejected as exc:  # this order only: the channel refused to list its items
            return RecordFailure(key, str(exc), payload=payload, request=exc.request, response=exc.response)
        try:
            return mapping.order_from_payload(raw, items)
        except mapping.MappingError as exc:
            return RecordFailure(key, str(exc), payload={"order": raw, "items": items})

    def _order_items(self, order_id: str) -> list[dict]:
        if order_id in self._items_read:
            return self._items_read[order_id]
        items: list[dict] = []
        token = None
        while True:
            with self._call("getOrderItems"):
                payload = self.orders_client.get_order_items(order_id, **({"NextToken": token} if token else {})).payload
            items += list((payload or {}).get("OrderItems") or [])
            token = (payload or {}).get("NextToken")
            if not token:
                self._items_read[order_id] = items
                return items

    # --- stock and prices: one JSON_LISTINGS_FEED a push ------------------------------------------------

    def push_stock(self, updates: list[StockUpdate]) -> PushResult:
        """All of ``updates`` in one JSON_LISTINGS_FEED; the processing report says which SKUs took."""
        return self._submit_feed(mapping.listings_feed(self.seller_id, updates, product_type=self.product_type))

    def push_price(self, updates: list[PriceUpdate]) -> PushResult:
        """All of ``updates`` in one JSON_LISTINGS_FEED of ``purchasable_offer`` patches, read back per SKU
        like stock: a price Amazon refuses is rejected alone, the rest of the feed takes."""
        feed = mapping.price_feed(self.seller_id, updates, product_type=self.product_type, marketplace_id=self.marketplace_id)
        return self._submit_feed(feed)

    def _submit_feed(self, feed: dict) -> PushResult:
        """Send a JSON_LISTINGS_FEED and read its processing report per SKU: createFeedDocument, upload,
        createFeed, getFeed until Amazon is done, getFeedDocument. An empty feed makes no calls.

        Submitting the same feed again is harmless (its values are absolute), so every failure on the
        way is left to the sync engine, which retries the whole batch.
        """
        if not feed["messages"]:
            return PushResult(accepted=frozenset())
        document_id = self._upload_feed(feed)
        with self._call("createFeed"):
            feed_id = self.feeds_client.create_feed(mapping.FEED_TYPE, document_id, marketplaceIds=[self.marketplace_id]).payload["feedId"]
        status = self._wait_for_feed(feed_id)
        report = self._feed_report(feed_id, status)
        try:
            accepted, rejected = mapping.feed_results(report, mapping.feed_message_ids(feed))
        except mapping.MappingError as exc:
            raise RetriableConnectorError(f"Feed {feed_id}: {exc}", response=report) from exc
        return PushResult(accepted, rejected, request={"feedId": feed_id, "feed": feed}, response={"feed": status, "report": report})

    def _upload_feed(self, feed: dict) -> str:
        with self._call("createFeedDocument"):
            document = self.feeds_client.create_feed_document(None, mapping.FEED_CONTENT_TYPE).payload
            document_id, url = document["feedDocumentId"], document["url"]
        with self._call("uploadFeedDocument"):
            response = httpx.put(url, content=json.dumps(feed).encode(), timeout=self.timeout,
                                 headers={"Content-Type": mapping.FEED_CONTENT_TYPE})  # fmt: skip
        if response.status_code >= 300:
            # a presigned URL that expired or was refused: a new feed document is the cure
            raise RetriableConnectorError(f"The feed document upload answered {response.status_code}.",
                                          status=response.status_code, response={"body": response.text[:2000]})  # fmt: skip
        return document_id

    def _wait_for_feed(self, feed_id: str) -> dict:
        attempts = int(self.options.get("feed_poll_attempts", 20))
        for attempt in range(attempts):
            with self._call("getFeed"):
                status = dict(self.feeds_client.get_feed(feed_id).payload or {})
            if status.get("processingStatus") in FINISHED:
                return status
            if attempt + 1 < attempts:
                self.sleep(float(self.options.get("feed_poll_interval", 30)))
        # submitting the same quantities or prices again is harmless: the sync may simply retry the batch
        raise RetriableConnectorError(f"Feed {feed_id} was not processed after {attempts} checks.", response=status)

    def _feed_report(self, feed_id: str, status: dict) -> dict:
        document_id = status.get("resultFeedDocumentId")
        if not document_id:
            raise RetriableConnectorError(f"Feed {feed_id} ended {status.get('processingStatus')} without a report.",
                                          response=status)  # fmt: skip
        with self._call("getFeedDocument"):
            text = self.feeds_client.get_feed_document(document_id)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise RetriableConnectorError(f"Feed {feed_id}: the processing report is not JSON.",
                                          response={"body": text[:2000]}) from exc  # fmt: skip

    # --- returns: the returns report -------------------------------------------------------------------

    def read_returns(self, *, updated_after: datetime, token: str | None = None) -> ReturnPage:
        """The returns requested since ``updated_after``, from one ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE``
        report (``connectors.amazon.returns``): createReport, getReport until DONE, getReportDocument. One
        report is one page; ``high_water`` is the latest return request date in it. A report Amazon
        cancels (no data) is an empty page; one that fails, or is not done in time, is retried whole."""
        with self._call("createReport"):
            report_id = self.reports_client.create_report(
                reportType=returns.REPORT_TYPE, marketplaceIds=[self.marketplace_id],
                dataStartTime=mapping.amazon_time(updated_after)).payload["reportId"]  # fmt: skip
        status = self._wait_for_report(report_id)
        if status.get("processingStatus") == "CANCELLED":
            return ReturnPage([])
        if status.get("processingStatus") != "DONE" or not status.get("reportDocumentId"):
            raise RetriableConnectorError(f"Report {report_id} ended {status.get('processingStatus')} without a document.",
                                          response=status)  # fmt: skip
        with self._call("getReportDocument"):
            text = self.reports_client.get_report_document(status["reportDocumentId"], download=True).payload["document"]
        try:
            notices, failures, latest = returns.returns_from_report(text)
        except returns.ReportError as exc:
            raise RetriableConnectorError(f"Report {report_id}: {exc}", response={"body": text[:2000]}) from exc
        return ReturnPage(notices, failures, high_water=latest)

    def _wait_for_report(self, report_id: str) -> dict:
        attempts = int(self.options.get("feed_poll_attempts", 20))
        status: dict = {}
        for attempt in range(attempts):
            with self._call("getReport"):
                status = dict(self.reports_client.get_report(report_id).payload or {})
            if status.get("processingStatus") in FINISHED:
                return status
            if attempt + 1 < attempts:
                self.sleep(float(self.options.get("feed_poll_interval", 30)))
        raise RetriableConnectorError(f"Report {report_id} was not done after {attempts} checks.", response=status)

    # --- stock reads: one getListingsItem a SKU ---------------------------------------------------------

    def read_stock(self, listings: list[ListingRef]) -> StockReading:
        """Each listing's seller-fulfilled quantity, one getListingsItem call a SKU at its published rate.

        An error of the whole call (429, 5xx, rejected credentials) is raised and the caller asks for the
        same listings again: what was read of them is kept, so the next attempt goes on from the SKU that
        failed instead of starting over (as ``read_orders`` does with a page).
        """
        key = tuple(listing.channel_sku for listing in listings)
        if self._stock_key != key:
            self._stock_key, self._stock_read = key, {}
        for sku in dict.fromkeys(key):
            if sku not in self._stock_read:
                self._stock_read[sku] = self._read_listing(sku)
        read, self._stock_key, self._stock_read = self._stock_read, None, {}  # complete: forget it
        return StockReading(quantities={sku: value for sku, value in read.items() if isinstance(value, int)},
                            failures=[value for value in read.values() if isinstance(value, RecordFailure)])  # fmt: skip

    def _read_listing(self, sku: str) -> int | RecordFailure:
        """One SKU's quantity, or its failure: Amazon has no such listing (404, any 4xx but 401/403/429),
        or its answer has no readable seller-fulfilled quantity."""
        request = {"operation": "getListingsItem", "sellerId": self.seller_id, "sku": sku}
        try:
            with self._call("getListingsItem"):
                item = self.listings_client.get_listings_item(self.seller_id, sku, marketplaceIds=self.marketplace_id,
                                                              includedData="fulfillmentAvailability").payload  # fmt: skip
        except RecordRejected as exc:
            return RecordFailure(sku, str(exc), request=exc.request or request, response=exc.response)
        try:
            return mapping.seller_fulfilled_quantity(item)
        except mapping.MappingError as exc:
            return RecordFailure(sku, f"getListingsItem of {sku}: {exc}", payload=item if isinstance(item, dict) else {"body": item},
                                 request=request)  # fmt: skip

    # --- shipments ------------------------------------------------------------------------------------

    def push_shipment(self, update: ShipmentUpdate) -> None:
        """confirmShipment of one package: Amazon answers 204 and marks the items shipped."""
        body = mapping.confirm_shipment_body(update, self.marketplace_id)
        with self._call("confirmShipment"):
            self.orders_client.confirm_shipment(update.channel_order_id, **body)

    # --- the library's clients, and one way of calling them ---------------------------------------------

    @property
    def timeout(self) -> float:
        return float(self.options.get("timeout", 30))

    @property
    def product_type(self) -> str:
        """The productType of the feeds' PATCH messages (option ``product_type``)."""
        return str(self.options.get("product_type") or mapping.GENERIC_PRODUCT_TYPE)

    @property
    def orders_client(self) -> Orders:
        if self._orders is None:
            self._orders = self._client(Orders)
        return self._orders

    @property
    def feeds_client(self) -> Feeds:
        if self._feeds is None:
            self._feeds = self._client(Feeds)
        return self._feeds

    @property
    def reports_client(self) -> Reports:
        if self._reports is None:
            self._reports = self._client(Reports)
        return self._reports

    @property
    def listings_client(self) -> ListingsItems:
        if self._listings is None:
            self._listings = self._client(ListingsItems)
        return self._listings

    def _client(self, cls: type) -> Any:
        """A library client for the account's marketplace, pointed at ``base_url`` when there is one."""
        marketplace = marketplace_for(self.marketplace_id)
        base_url = (self.options.get("base_url") or "").rstrip("/")
        login_url = self.options.get("login_url") or base_url or None
        with self._translated("login"):
            client = cls(marketplace, refresh_token=self.credentials.get("refresh_token"),
                         credentials={"lwa_app_id": self.credentials.get("lwa_app_id"),
                                      "lwa_client_secret": self.credentials.get("lwa_client_secret")},
                         credential_providers=(FromCodeCredentialProvider,), timeout=self.timeout,
                         auth_token_client_class=token_client_class(login_url))  # fmt: skip
        client.endpoint = base_url or marketplace.endpoint
        client.marketplace_id = self.marketplace_id
        client.on_rate_limit = self._observe_rate
        return client

    def _observe_rate(self, operation: str, per_second: float) -> None:
        """Amazon said what ``operation`` may do now (``x-amzn-RateLimit-Limit``): a limiter that can follow
        it (the shared one of ``schedules.ratelimit``) paces every worker of the account to that rate."""
        observe = getattr(self.limiter, "observe", None)
        if observe is not None and operation in self.rates:
            observe(operation, limit_per_second=per_second)

    @contextmanager
    def _call(self, operation: str) -> Iterator[None]:
        """Wait for ``operation``'s token, then run the block; any failure leaves as a ``ConnectorError``."""
        self.limiter.acquire(operation)
        with self._translated(operation):
            yield

    @contextmanager
    def _translated(self, operation: str) -> Iterator[None]:
        per_second = self.rates[operation].per_second if operation in self.rates else None
        try:
            yield
        except ConnectorError as exc:
            with_wait(exc, per_second)
            raise
        except SellingApiException as exc:
            raise with_wait(library_error(exc), per_second) from exc
        except httpx.TransportError as exc:  # timeouts, refused and dropped connections
            raise RetriableConnectorError(f"{operation}: {type(exc).__name__}: {exc}") from exc
        except MissingCredentials as exc:
            raise CredentialsRejected(f"The Amazon account lacks credentials: {exc}") from exc
        except (KeyError, TypeError, AttributeError) as exc:  # an answer without the fields Amazon documents
            raise classify(502, f"{operation} answered in an unexpected shape: {exc!r}") from exc

    def close(self) -> None:
        """Close the library's HTTP connections."""
        for client in (self._orders, self._feeds, self._listings, self._reports):
            if client is not None:
                client.close()
        self._orders = self._feeds = self._listings = self._reports = None


def rates_from(overrides: Mapping[str, Any] | None) -> dict[str, Rate]:
    """Amazon's usage plans, with ``{"operation": [per_second, burst]}`` overrides (tests and the demo go faster)."""
    rates = dict(AMAZON_RATES)
    for operation, value in (overrides or {}).items():
        rates[operation] = value if isinstance(value, Rate) else Rate(float(value[0]), int(value[1]))
    return rates


def marketplace_for(marketplace_id: str) -> Marketplaces:
    """The library's marketplace (and so its regional endpoint) for a marketplace id."""
    for marketplace in Marketplaces:
        if marketplace.marketplace_id == marketplace_id:
            return marketplace
    raise CredentialsRejected(f"{marketplace_id!r} is not an Amazon marketplace id.")


def high_water(orders: list[Any]) -> datetime | None:
    """The latest LastUpdateDate among a page's orders (unreadable ones are left out: they fail alone)."""
    times = []
    for order in orders:
        try:
            times.append(mapping.timestamp(order["LastUpdateDate"], "LastUpdateDate"))
        except (mapping.MappingError, KeyError, TypeError):
            continue
    return max(times, default=None)
