"""Shopify through the ShopifyAPI library: orders over REST, stock, prices and fulfilments over GraphQL, webhooks.

Credentials: ``shop`` (``acme.myshopify.com`` or ``acme``), ``access_token`` (an Admin API token),
``api_version`` (default ``DEFAULT_API_VERSION``), ``location_id`` (the Shopify location whose
"available" quantities the hub sets) and ``webhook_secret`` (the app's secret that signs webhooks).
Options: ``base_url`` (a sandbox, e.g. ``http://127.0.0.1:8123``: sandbox mode is a setting, not a
code path), ``timeout``, ``page_size`` (at most 250), ``rest_leak_rate`` (2 calls/s, 20 on Plus),
``max_throttle_wait`` (seconds), ``notify_customer`` (Shopify's shipping e-mail on fulfilment).

Streams and pushes:

- Orders: REST ``orders.json`` (``status=any``, ``updated_at_min``, ``order=updated_at asc``), then
  cursor pages through ``page_info`` from the ``Link`` header; ``token`` carries the ``page_info``.
  Shopify forbids other filters next to ``page_info``, so a continued page sends only ``limit`` and
  ``page_info`` (the cursor remembers the filters). Pages come sorted by ``updated_at``, so a page's
  ``high_water`` is safe for the cursor once its orders are committed.
- Returns: the same ``orders.json`` pages; each refund restocking units as a return ("return") is a
  customer return notice (``connectors.shopify.returns``).
- Stock: GraphQL ``inventorySetQuantities``, 250 quantities per call (``connectors.shopify.stock``).
- Stock reads: GraphQL ``nodes`` of the listings' inventory items with their ``inventoryLevel`` at the
  account's location and its "available" quantity, ``READS_PER_CALL`` items per call.
- Prices: GraphQL ``productVariantsBulkUpdate``, one field per product, ``PRODUCTS_PER_CALL`` products
  per call (``connectors.shopify.prices``); a listing's ``channel_product_id`` is the product's id.
- Shipments: GraphQL ``fulfillmentCreate``/``fulfillmentCreateV2`` (``connectors.shopify.fulfillment``).
- Webhooks: ``webhook_event`` verifies and reads a delivery; ``order_from_webhook`` maps the order
  topics. Polling stays on as the safety net for a delivery that never came.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

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
    WebhookDelivery,
    WebhookRejected,
)
from connectors.errors import CredentialsRejected, RecordRejected
from connectors.shopify import fulfillment, prices, returns, stock, webhooks
from connectors.shopify.client import ShopifyClient, ShopSite
from connectors.shopify.mapping import MappingError, _timestamp, order_from_payload
from connectors.shopify.throttle import Throttle

DEFAULT_API_VERSION = "2025-01"
MAX_PAGE_SIZE = 250
MUTATION_COST = 10.0  # requestedQueryCost of a mutation field (inventorySetQuantities, fulfillmentCreate)
# Products priced in one request: each is a mutation field of MUTATION_COST, and Shopify refuses a single
# query costing more than 1000 points.
PRODUCTS_PER_CALL = 50
# Inventory items read in one request, each costing about READ_COST_PER_ITEM points (the item, its level
# and its quantities): well within the 1000 points a single query may cost, and the 250 ids ``nodes`` takes.
READS_PER_CALL = 100
READ_COST_PER_ITEM = 3.0


class ShopifyConnector(Connector):
    """One Shopify shop (see the module docstring for credentials, options and streams)."""

    kind = "shopify"
    capabilities = frozenset({Capability.PULL_ORDERS, Capability.PUSH_STOCK, Capability.PUSH_PRICE, Capability.PUSH_SHIPMENT,
                              Capability.WEBHOOKS, Capability.READ_STOCK, Capability.PULL_RETURNS})  # fmt: skip
    stock_batch_size: ClassVar[int] = 250
    price_batch_size: ClassVar[int] = 250
    stock_read_batch_size: ClassVar[int] = READS_PER_CALL

    def __init__(self, credentials: Mapping[str, Any], *, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(credentials, options=options)
        self.throttle = Throttle(rest_leak_rate=float(self.options.get("rest_leak_rate", 2.0)),
                                 max_wait=float(self.options.get("max_throttle_wait", 10.0)))  # fmt: skip
        self._client: ShopifyClient | None = None

    @property
    def api_version(self) -> str:
        return str(self.credentials.get("api_version") or DEFAULT_API_VERSION)

    @property
    def client(self) -> ShopifyClient:
        if self._client is None:
            self._client = ShopifyClient(self._site(), self.throttle)
        return self._client

    # --- Orders -------------------------------------------------------------------------------------

    def fetch_order(self, channel_order_id: str) -> OrderDTO:
        """One order read again from orders/{id}.json."""
        return self.order_from_record(self.client.order(channel_order_id))

    def order_from_record(self, payload: dict) -> OrderDTO:
        """A kept Shopify order (a failure's payload, an order's raw) mapped again."""
        try:
            return order_from_payload(payload)
        except MappingError as exc:
            raise RecordRejected(f"The stored Shopify order cannot be read: {exc}") from exc

    def read_orders(self, *, updated_after: datetime, token: str | None = None) -> OrderPage:
        """One page of orders updated at or after ``updated_after`` (an aware datetime)."""
        query = self._orders_query(updated_after, token)
        answer = self.client.orders(query)
        orders, failures = [], []
        for payload in answer.orders:
            try:
                orders.append(order_from_payload(payload))
            except MappingError as exc:
                failures.append(_failure(payload, exc, query))
        stamps = [order.updated_at for order in orders if order.updated_at]
        return OrderPage(orders, failures, next_token=answer.next_page_info, high_water=max(stamps, default=None))

    def _orders_query(self, updated_after: datetime, token: str | None) -> dict[str, Any]:
        limit = max(1, min(MAX_PAGE_SIZE, int(self.options.get("page_size", MAX_PAGE_SIZE))))
        if token:
            return {"limit": limit, "page_info": token}
        if updated_after.tzinfo is None:
            raise ValueError("updated_after must carry its time zone.")
        return {"status": "any", "updated_at_min": updated_after.isoformat(), "order": "updated_at asc", "limit": limit}

    # --- Returns ------------------------------------------------------------------------------------

    def read_returns(self, *, updated_after: datetime, token: str | None = None) -> ReturnPage:
        """One page of return notices: the refunds restocking units as returns (``connectors.shopify.returns``)
        on the orders updated at or after ``updated_after``, read through ``orders.json`` like the order
        stream. An order whose refunds cannot be read is a failure keyed by its id; ``high_water`` is the
        latest ``updated_at`` of the page's orders, returns or not (the page is sorted by it)."""
        query = self._orders_query(updated_after, token)
        answer = self.client.orders(query)
        notices, failures, stamps = [], [], []
        for payload in answer.orders:
            try:
                notices += returns.returns_from_order(payload)
                stamps.append(_timestamp(payload, "updated_at", required=False))
            except MappingError as exc:
                failures.append(_failure(payload, exc, query))
        return ReturnPage(notices, failures, next_token=answer.next_page_info, high_water=max(filter(None, stamps), default=None))

    # --- Stock --------------------------------------------------------------------------------------

    def push_stock(self, updates: list[StockUpdate], *, compare_quantities: Mapping[str, int] | None = None) -> PushResult:
        """Set each listing's "available" quantity at the account's location, 250 per call.

        ``compare_quantities`` ({channel SKU: the quantity Shopify holds now}) turns on compare-and-set
        for those SKUs (see ``stock.inventory_set_mutation``); the rest are set unconditionally.

        ``response["pushed"]`` is {inventory item id: quantity} of what Shopify accepted, at
        ``response["location_id"]``: the hub keeps it per listing (its last pushed quantity) and drops
        the inventory_levels/update delivery that echoes it (``webhooks.is_own_echo``). A chunk that
        fails with an error raises it; chunks before it were applied, and pushing them again is harmless
        (quantities are absolute).
        """
        location = self._credential("location_id")
        sendable, rejected = _sendable(updates)
        accepted: list[StockUpdate] = []
        calls: list[dict] = []
        for start in range(0, len(sendable), self.stock_batch_size):
            chunk = sendable[start : start + self.stock_batch_size]
            outcome = self._set_quantities(chunk, location, compare_quantities, calls)
            if outcome.retry:  # refused only because a neighbour was: once more without it
                again = self._set_quantities(list(outcome.retry), location, compare_quantities, calls)
                outcome = stock.StockOutcome(outcome.accepted + again.accepted, {**outcome.rejected, **again.rejected},
                                             again.retry)  # fmt: skip
            accepted += outcome.accepted
            rejected.update(outcome.rejected)
            rejected.update({u.channel_sku: "Not applied: Shopify refused the request it was part of." for u in outcome.retry})
        pushed = {stock.numeric_id(u.channel_inventory_item_id): u.quantity for u in accepted}
        return PushResult(accepted=frozenset(u.channel_sku for u in accepted), rejected=rejected,
                          request={"location_id": location, "calls": calls},
                          response={"location_id": stock.numeric_id(location), "pushed": pushed})  # fmt: skip

    def _set_quantities(self, chunk: list[StockUpdate], location: str, compare: Mapping[str, int] | None,
                        calls: list[dict]) -> stock.StockOutcome:  # fmt: skip
        mutation = stock.inventory_set_mutation(chunk, location, "correction", compare_quantities=compare,
                                                api_version=self.api_version, idempotency_key=str(uuid.uuid4()))  # fmt: skip
        calls.append(mutation.variables)
        data = self.client.graphql(mutation.document, mutation.variables, operation="inventorySetQuantities",
                                   cost=MUTATION_COST * len(mutation.groups))  # fmt: skip
        return stock.stock_outcome(mutation, data)

    def read_stock(self, listings: list[ListingRef]) -> StockReading:
        """Each listing's "available" quantity at the account's location, ``READS_PER_CALL`` inventory items
        a GraphQL query (``stock.LEVELS_QUERY``).

        A listing without a usable inventory item id fails without asking; an item Shopify does not know or
        does not stock at the location fails alone. A query that fails with an error raises it (reading
        again is harmless).
        """
        location = self._credential("location_id")
        asked, failures = stock.readable(listings)
        quantities: dict[str, int] = {}
        for start in range(0, len(asked), READS_PER_CALL):
            chunk = asked[start : start + READS_PER_CALL]
            variables = stock.levels_variables(chunk, location)
            data = self.client.graphql(stock.LEVELS_QUERY, variables, operation="inventoryLevels",
                                       cost=1 + READ_COST_PER_ITEM * len(variables["ids"]))  # fmt: skip
            reading = stock.stock_reading(chunk, location, data)
            quantities.update(reading.quantities)
            failures += reading.failures
        return StockReading(quantities, failures)

    # --- Prices -------------------------------------------------------------------------------------

    def push_price(self, updates: list[PriceUpdate]) -> PushResult:
        """Set each listing's variant price with productVariantsBulkUpdate, one aliased field per product
        and up to ``PRODUCTS_PER_CALL`` products a request (``connectors.shopify.prices``).

        A listing without its product or variant id is rejected without asking. A request that fails with
        an error raises it; requests before it were applied, and pricing them again is harmless.
        """
        sendable, rejected = prices.sendable(updates)
        products = prices.by_product(sendable)
        accepted: list[str] = []
        calls: list[dict] = []
        for start in range(0, len(products), PRODUCTS_PER_CALL):
            mutation = prices.variants_update_mutation(products[start : start + PRODUCTS_PER_CALL])
            calls.append(mutation.variables)
            data = self.client.graphql(mutation.document, mutation.variables, operation="productVariantsBulkUpdate",
                                       cost=MUTATION_COST * len(mutation.groups))  # fmt: skip
            took, refused = prices.price_outcome(mutation, data)
            accepted += took
            rejected.update(refused)
        return PushResult(accepted=frozenset(accepted), rejected=rejected, request={"calls": calls})

    # --- Shipments ----------------------------------------------------------------------------------

    def push_shipment(self, update: ShipmentUpdate) -> None:
        """Fulfil the shipment's lines with its tracking; a repeat of a pushed shipment is a no-op.

        Raises ``RecordRejected`` when Shopify refuses it (userErrors) or the order has less left to
        fulfil than the shipment names.
        """
        order_gid = stock.gid("Order", update.channel_order_id)
        data = self.client.graphql(fulfillment.FULFILLMENT_ORDERS_QUERY, {"id": order_gid}, operation="fulfillmentOrders",
                                   cost=fulfillment.FULFILLMENT_ORDERS_COST)  # fmt: skip
        order = data.get("order")
        if not isinstance(order, Mapping):
            raise RecordRejected(f"Shopify has no order {update.channel_order_id}.", status=404)
        if fulfillment.already_fulfilled(order, update.tracking_number):
            return
        try:
            argument = fulfillment.fulfillment_input(update, order, notify_customer=bool(self.options.get("notify_customer")))
        except fulfillment.ShipmentMismatch as exc:
            raise RecordRejected(str(exc), request={"order": update.channel_order_id}, response={"order": order}) from exc
        name = fulfillment.fulfillment_mutation_name(self.api_version)
        data = self.client.graphql(fulfillment.fulfillment_create_document(self.api_version), {"fulfillment": argument},
                                   operation=name, cost=MUTATION_COST)  # fmt: skip
        errors = (data.get(name) or {}).get("userErrors") or []
        if errors:
            message = "; ".join(str(error.get("message")) for error in errors if isinstance(error, Mapping))
            raise RecordRejected(f"Shopify refused the fulfilment of {update.channel_order_id}: {message}",
                                 request={"fulfillment": argument}, response=data)  # fmt: skip

    # --- Webhooks -----------------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Verify a delivery with the account's ``webhook_secret`` and read it (``WebhookRejected`` if not Shopify's)."""
        try:
            event = webhooks.webhook_event(headers, body, str(self.credentials.get("webhook_secret") or ""))
        except webhooks.InvalidWebhook as exc:
            raise WebhookRejected(str(exc)) from exc
        return WebhookDelivery(event.event_id, event.topic, event.payload)

    def order_from_webhook(self, delivery: WebhookDelivery) -> OrderDTO | None:
        """The order of an orders/create, orders/updated or orders/cancelled delivery; None for other topics
        (inventory_levels/update included: the hub is the source of stock, so its echo is ignored)."""
        if delivery.topic not in webhooks.ORDER_TOPICS:
            return None
        return webhooks.order_from_webhook(delivery.topic, delivery.payload)

    # --- Credentials --------------------------------------------------------------------------------

    def _site(self) -> ShopSite:
        version = self.api_version
        base = str(self.options.get("base_url") or "").rstrip("/")
        if not base:
            base = f"https://{_shop_domain(self._credential('shop'))}"
        return ShopSite(site=f"{base}/admin/api/{version}", token=self._credential("access_token"), api_version=version,
                        timeout=float(self.options.get("timeout", 30.0)))  # fmt: skip

    def _credential(self, name: str) -> str:
        value = str(self.credentials.get(name) or "").strip()
        if not value:
            raise CredentialsRejected(f"The Shopify account has no {name}.")
        return value


def _shop_domain(shop: str) -> str:
    """``acme``, ``acme.myshopify.com`` or ``https://acme.myshopify.com/`` -> ``acme.myshopify.com``."""
    domain = shop.removeprefix("https://").removeprefix("http://").strip("/")
    return domain if "." in domain else f"{domain}.myshopify.com"


def _sendable(updates: list[StockUpdate]) -> tuple[list[StockUpdate], dict[str, str]]:
    """The updates Shopify can take, and those refused before asking: no inventory item id, or an
    inventory item already set by another SKU of the same push (Shopify refuses duplicates)."""
    sendable, rejected, seen = [], {}, set()
    for update in updates:
        item = update.channel_inventory_item_id
        if not item:
            rejected[update.channel_sku] = "The listing has no Shopify inventory item id."
        elif item in seen:
            rejected[update.channel_sku] = f"Inventory item {item} is set by another SKU in the same push."
        else:
            seen.add(item)
            sendable.append(update)
    return sendable, rejected


def _failure(payload: Any, exc: MappingError, query: dict) -> RecordFailure:
    key = str(payload.get("id") or "") if isinstance(payload, Mapping) else ""
    return RecordFailure(key=key, error=str(exc), payload=dict(payload) if isinstance(payload, Mapping) else {"value": payload},
                         request={"path": "orders.json", "query": query})  # fmt: skip
