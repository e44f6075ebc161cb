"""A local Shopify Admin API: REST orders with cursor pages, GraphQL stock reads, stock, price and fulfilment
mutations.

It serves the shapes Shopify publishes (the ShopifyAPI library's fixtures in ``fixtures/shopify/`` load
as they are) and behaves as Shopify documents:

- ``GET /admin/api/{version}/orders.json``: ``status`` (open by default, any, closed, cancelled),
  ``updated_at_min``/``_max``, ``created_at_min``/``_max``, ``order`` ("updated_at asc", ..., default
  "id asc"), ``limit`` (50 by default, at most 250) and ``page_info`` cursors announced in a ``Link``
  header (``<url>; rel="previous", <url>; rel="next"``). Next to ``page_info`` only ``limit`` and
  ``fields`` are allowed (400 otherwise; the wording is the sandbox's). Every REST answer carries
  ``X-Shopify-Shop-Api-Call-Limit`` from a 40-call bucket leaking 2 calls a second; a full bucket answers 429.
- ``GET /admin/api/{version}/orders/{id}.json``.
- ``POST /admin/api/{version}/graphql.json``: ``inventorySetQuantities`` (aliased fields allowed;
  ``compareQuantity``/``ignoreCompareQuantity`` before 2026-04, ``changeFromQuantity`` and
  ``@idempotent`` from it; an input with any userError changes nothing), the order's
  ``fulfillmentOrders`` (one per order, at one location), and ``fulfillmentCreate`` (from 2024-10) or
  ``fulfillmentCreateV2``, and ``productVariantsBulkUpdate`` (aliased fields allowed; variables only:
  ``productId``, ``variants`` [{id, price}] and ``allowPartialUpdates``), which sets variant prices and
  refuses an unknown product, an unknown variant or one of another product, and a negative or
  non-numeric price with userErrors naming the variant (``["variants", "<index>", ...]``); without
  ``allowPartialUpdates`` any refusal changes nothing of that product. The ``nodes(ids: $ids)`` query of
  ``InventoryItem``s with ``inventoryLevel(locationId: $loc) { quantities(names: [...]) { name quantity } }``
  (variables only; at most 250 ids, an error otherwise) reads the levels the pushes set and ``load``
  and ``stock_items`` made: null for an id the shop does not know, a null ``inventoryLevel`` for an item
  not stocked at the location, and the "available" quantity (the only one the sandbox holds) served as
  "several" for an item id in ``faults.malformed``; it costs ``COSTS["inventoryLevel"]`` a node. Answers carry
  ``extensions.cost`` from a 2000-point bucket restoring 100 points a second; a query costing more than
  is left answers THROTTLED.
- Every API call needs ``X-Shopify-Access-Token`` (401 with Shopify's message otherwise).

``load`` takes an orders.json body ({"orders": [...]}), an order body ({"order": {...}}), a refund body
({"refund": {...}}, added to its order), inventory levels ({"inventory_levels": [...]} or
{"inventory_level": {...}}), locations ({"locations": [...]} or {"location": {...}}) and products with
their variants ({"products": [...]} or {"product": {...}}). Tests and the demo change orders with
``add_order``, ``update_order``, ``cancel_order`` and ``refund_lines``, stock items with
``stock_items``, variants and their prices with ``add_product``, and build signed deliveries with
``webhook_delivery``/``order_webhook``; ``webhooks`` lists the (topic, payload) Shopify would have
delivered (orders/create, orders/updated, orders/cancelled, inventory_levels/update), the echo of every
stock push included.
"""

import base64
import copy
import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from connectors.sandbox.base import Request, Response, SandboxApp, json_response

SANDBOX_TOKEN = "shpat_sandbox"  # the sandbox's own token, not a secret
API = r"/admin/api/(?P<version>\d{4}-\d{2}|unstable)"
IST = timezone(timedelta(hours=5, minutes=30))
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMITED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
STALE_COMPARE = "The compareQuantity argument no longer matches the persisted quantity."
STALE_CHANGE_FROM = "The changeFromQuantity argument no longer matches the persisted quantity."
SORTS = {"id": "id", "updated_at": "updated_at", "created_at": "created_at"}
# Flat requested costs per operation (Shopify computes them from the query; these are of the same order
# as the connector's queries, so tests exercise the bucket without draining it).
COSTS = {"inventorySetQuantities": 10, "fulfillmentOrders": 53, "fulfillmentCreate": 10, "productVariantsBulkUpdate": 10,
         "inventoryLevel": 3}  # a read: per node asked, plus 1 for the query
SET_QUANTITIES = re.compile(r"(?:(\w+)\s*:\s*)?inventorySetQuantities\s*\(\s*input\s*:\s*\$(\w+)\s*\)")
BULK_UPDATE = re.compile(r"(?:(\w+)\s*:\s*)?productVariantsBulkUpdate\s*\(([^)]*)\)")
ARGUMENT = re.compile(r"(\w+)\s*:\s*(\$\w+|true|false)")
MUTATION_FIELDS = {"inventorySetQuantities": SET_QUANTITIES, "productVariantsBulkUpdate": BULK_UPDATE}  # cost per field
DUPLICATE_PAIR = ("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "inventoryItemId",
                  "The combination of inventoryItemId and locationId must be unique.")  # fmt: skip
NODES = re.compile(r"\bnodes\s*\(\s*ids\s*:\s*\$(\w+)\s*\)")
LEVEL_AT = re.compile(r"\binventoryLevel\s*\(\s*locationId\s*:\s*\$(\w+)\s*\)")
MAX_INPUT_SIZE = 250  # Shopify refuses any input array longer than this
FULFILLMENT_CREATE = re.compile(r"\b(fulfillmentCreate(?:V2)?)\s*\(\s*fulfillment\s*:")


@dataclass
class Bucket:
    """A leaky bucket: ``level`` drains at ``rate`` per second towards 0, up to ``size``."""

    size: float
    rate: float
    level: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    def fill(self, level: float) -> None:
        """Set the level now (tests and the demo use it to bring a bucket near its limit)."""
        self.level, self.stamp = level, time.monotonic()

    def drained(self) -> float:
        now = time.monotonic()
        self.level, self.stamp = max(0.0, self.level - (now - self.stamp) * self.rate), now
        return self.level

    def add(self, amount: float) -> bool:
        """Pour ``amount`` in if it fits; False (and nothing poured) if it would overflow."""
        if self.drained() + amount > self.size:
            return False
        self.level += amount
        return True


def now_text() -> str:
    """Shopify writes times with the shop's offset; the sandbox shop is in India."""
    return datetime.now(IST).isoformat(timespec="seconds")


def numeric(value: Any) -> int:
    return int(str(value).rsplit("/", 1)[-1])


def _numeric_or_none(value: Any) -> int | None:
    """A global id's (or a numeric id's) number, or None for what is neither."""
    try:
        return numeric(value)
    except (TypeError, ValueError):
        return None


class ShopifySandbox(SandboxApp):
    name = "shopify"

    def __init__(self, access_token: str = SANDBOX_TOKEN, *, shop: str = "hub-sandbox.myshopify.com") -> None:
        super().__init__()
        self.access_token, self.shop = access_token, shop
        self._clear()
        self.route("GET", rf"{API}/orders\.json", self._list_orders)
        self.route("GET", rf"{API}/orders/(?P<order_id>\d+)\.json", self._get_order)
        self.route("POST", rf"{API}/graphql\.json", self._graphql)

    def _clear(self) -> None:
        self.orders: dict[int, dict] = {}
        self.levels: dict[tuple[int, int], dict] = {}  # (inventory item, location) -> inventory_level
        self.items: set[int] = set()
        self.locations: set[int] = set()
        self.products: set[int] = set()
        self.variants: dict[int, dict] = {}  # variant id -> {id, product_id, sku, price, compare_at_price, updated_at}
        self.fulfillments: list[dict] = []
        self.webhooks: list[tuple[str, dict]] = []  # (topic, payload) Shopify would deliver
        self.rest_bucket = Bucket(size=40, rate=2)
        self.cost_bucket = Bucket(size=2000, rate=100)
        self._ids = 1000

    # --- Control: load, state, reset ----------------------------------------------------------------

    def load(self, data: Any) -> dict:
        loaders = {"orders": self._load_orders, "order": lambda o: self._load_orders([o]),
                   "refund": self._load_refund, "inventory_levels": self._load_levels,
                   "inventory_level": lambda lv: self._load_levels([lv]), "locations": self._load_locations,
                   "location": lambda loc: self._load_locations([loc]), "products": self._load_products,
                   "product": lambda product: self._load_products([product])}  # fmt: skip
        if not isinstance(data, dict) or not set(data) & set(loaders):
            raise ValueError(f"Load takes a Shopify body with one of {sorted(loaders)}.")
        with self.lock:
            return {key: loaders[key](value) for key, value in data.items() if key in loaders}

    def state(self) -> dict:
        with self.lock:
            return {
                "shop": self.shop,
                "orders": [copy.deepcopy(self.orders[key]) for key in sorted(self.orders)],
                "inventory_levels": [dict(level) for _, level in sorted(self.levels.items())],
                "variants": [dict(variant) for _, variant in sorted(self.variants.items())],
                "fulfillments": copy.deepcopy(self.fulfillments),
                "webhooks": [{"topic": topic, "payload": payload} for topic, payload in self.webhooks],
            }

    def reset(self) -> dict:
        with self.lock:
            self._clear()
        return super().reset()

    def _load_orders(self, orders: list) -> int:
        for order in orders:
            self.orders[int(order["id"])] = copy.deepcopy(order)
            self._ids = max(self._ids, int(order["id"]))
        return len(orders)

    def _load_refund(self, refund: dict) -> int:
        order = self.orders[int(refund["order_id"])]
        order.setdefault("refunds", []).append(copy.deepcopy(refund))
        return 1

    def _load_levels(self, levels: list) -> int:
        for level in levels:
            self._stock(int(level["inventory_item_id"]), int(level["location_id"]), level.get("available") or 0,
                        level.get("updated_at") or now_text())  # fmt: skip
        return len(levels)

    def _load_locations(self, locations: list) -> int:
        self.locations.update(int(location["id"]) for location in locations)
        return len(locations)

    def _load_products(self, products: list) -> int:
        for product in products:
            self.products.add(int(product["id"]))
            for variant in product.get("variants") or []:
                self._variant(int(product["id"]), int(variant["id"]), str(variant.get("price") or "0.00"),
                              sku=variant.get("sku"), compare_at_price=variant.get("compare_at_price"))  # fmt: skip
        return len(products)

    def _variant(self, product: int, variant: int, price: str, *, sku: str | None = None,
                 compare_at_price: str | None = None) -> None:  # fmt: skip
        self.products.add(product)
        self.variants[variant] = {"id": variant, "product_id": product, "sku": sku, "price": price,
                                  "compare_at_price": compare_at_price, "updated_at": now_text()}  # fmt: skip

    def _stock(self, item: int, location: int, available: int, updated_at: str) -> dict:
        self.items.add(item)
        self.locations.add(location)
        level = {"inventory_item_id": item, "location_id": location, "available": available, "updated_at": updated_at,
                 "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{item}?inventory_item_id={location}"}  # fmt: skip
        self.levels[(item, location)] = level
        return level

    # --- Helpers for tests and the demo -------------------------------------------------------------

    def add_order(self, order: dict) -> dict:
        """Add an order (a copy); it gets an id, a name and times when it has none."""
        with self.lock:
            order = copy.deepcopy(order)
            if not order.get("id"):
                self._ids += 1
                order["id"] = self._ids
            self._ids = max(self._ids, int(order["id"]))
            order.setdefault("name", f"#{order['id']}")
            order.setdefault("created_at", now_text())
            order.setdefault("updated_at", order["created_at"])
            self.orders[int(order["id"])] = order
            self.webhooks.append(("orders/create", copy.deepcopy(order)))
            return copy.deepcopy(order)

    def update_order(self, order_id: int, **changes: Any) -> dict:
        """Change an order's fields and bump its ``updated_at``, as any edit on Shopify does."""
        return self._touch(order_id, "orders/updated", changes)

    def cancel_order(self, order_id: int, *, reason: str = "customer", financial_status: str | None = None) -> dict:
        changes: dict[str, Any] = {"cancelled_at": now_text(), "cancel_reason": reason}
        if financial_status:
            changes["financial_status"] = financial_status
        return self._touch(order_id, "orders/cancelled", changes)

    def refund_lines(self, order_id: int, quantities: dict[int, int], *, restock_type: str = "cancel") -> dict:
        """Refund units of lines ({line id: quantity}) as a refund on the order, in Shopify's shape."""
        with self.lock:
            order = self.orders[order_id]
            lines = {int(line["id"]): line for line in order.get("line_items") or []}
            self._ids += 1
            refund = {"id": self._ids, "order_id": order_id, "created_at": now_text(), "restock": restock_type != "no_restock",
                      "refund_line_items": [{"id": self._ids * 10 + n, "line_item_id": line_id, "quantity": quantity,
                                             "restock_type": restock_type, "line_item": copy.deepcopy(lines[line_id])}
                                            for n, (line_id, quantity) in enumerate(quantities.items())]}  # fmt: skip
            order.setdefault("refunds", []).append(refund)
            whole = all(self._remaining(order, int(line["id"])) == 0 for line in lines.values())
            return self._touch(order_id, "orders/updated", {"financial_status": "refunded" if whole else "partially_refunded"})

    def stock_items(self, location_id: int, quantities: dict[int, int]) -> None:
        """Make inventory items stocked at a location, with their "available" quantities."""
        with self.lock:
            for item, available in quantities.items():
                self._stock(int(item), int(location_id), available, now_text())

    def add_product(self, product_id: int, prices: dict[int, str]) -> None:
        """Make a product with these variants ({variant id: price, "499.00"})."""
        with self.lock:
            for variant, price in prices.items():
                self._variant(int(product_id), int(variant), str(price))

    def order_webhook(self, order_id: int, topic: str, secret: str) -> tuple[bytes, dict[str, str]]:
        with self.lock:
            payload = copy.deepcopy(self.orders[order_id])
        return self.webhook_delivery(topic, payload, secret)

    def webhook_delivery(self, topic: str, payload: dict, secret: str, *, event_id: str | None = None,
                         api_version: str = "2025-01") -> tuple[bytes, dict[str, str]]:  # fmt: skip
        """The body and headers Shopify would POST to a webhook subscription signed with ``secret``."""
        body = json.dumps(payload).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        return body, {
            "Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": self.shop, "X-Shopify-API-Version": api_version,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        }  # fmt: skip

    def _touch(self, order_id: int, topic: str, changes: dict) -> dict:
        with self.lock:
            order = self.orders[order_id]
            order.update(copy.deepcopy(changes))
            order["updated_at"] = now_text()
            self.webhooks.append((topic, copy.deepcopy(order)))
            return copy.deepcopy(order)

    # --- Authentication and rate limits --------------------------------------------------------------

    def authorise(self, request: Request) -> Response | None:
        headers = {key.lower(): value for key, value in request.headers.items()}
        if headers.get("x-shopify-access-token") != self.access_token:
            return json_response({"errors": INVALID_TOKEN}, 401)
        return None

    def rate_limited(self, retry_after: float) -> Response:
        return json_response({"errors": RATE_LIMITED}, 429, **{"Retry-After": f"{retry_after:.1f}"})

    def _rest(self, body: Any, status: int = 200, **headers: str) -> Response:
        """A REST answer from the call bucket: 429 when it is full, else ``body`` with the bucket's level."""
        with self.lock:
            poured = self.rest_bucket.add(1)
            level, size = self.rest_bucket.level, self.rest_bucket.size
        limit = {"X-Shopify-Shop-Api-Call-Limit": f"{round(level)}/{int(size)}"}
        if not poured:
            return json_response({"errors": RATE_LIMITED}, 429, **{"Retry-After": "2.0"}, **limit)
        return json_response(body, status, **limit, **headers)

    # --- REST orders --------------------------------------------------------------------------------

    def _get_order(self, request: Request, match: re.Match) -> Response:
        with self.lock:
            order = self.orders.get(int(match["order_id"]))
            served = self._served(order) if order else None
        return self._rest({"order": served} if served else {"errors": "Not Found"}, 200 if served else 404)

    def _list_orders(self, request: Request, match: re.Match) -> Response:
        limit = int(request.arg("limit") or 50)
        if not 1 <= limit <= 250:
            return self._rest({"errors": {"limit": ["must be between 1 and 250"]}}, 400)
        token = request.arg("page_info")
        if token:
            if set(request.query) - {"page_info", "limit", "fields"}:
                return self._rest({"errors": {"page_info": ["can only be combined with limit and fields"]}}, 400)
            try:
                cursor = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
                filters = cursor["filters"]
            except (ValueError, KeyError, TypeError):
                return self._rest({"errors": {"page_info": ["Invalid value."]}}, 400)
        else:
            cursor, filters = None, {key: values[0] for key, values in request.query.items() if key != "limit"}
        try:
            page, before, after = self._page(filters, cursor, limit)
        except ValueError as exc:
            return self._rest({"errors": str(exc)}, 400)
        links = self._links(request, match["version"], filters, limit, page, before, after)
        return self._rest({"orders": page}, **({"Link": links} if links else {}))

    def _page(self, filters: dict, cursor: dict | None, limit: int) -> tuple[list[dict], bool, bool]:
        """The page's orders as served, and whether there are orders before and after it."""
        sort_field, _, direction = str(filters.get("order") or "id asc").partition(" ")
        if sort_field not in SORTS:
            raise ValueError(f"order: {sort_field} is not a sort field")
        descending = direction.strip().lower() == "desc"
        with self.lock:
            rows = sorted((o for o in self.orders.values() if _matches(o, filters)), key=lambda o: _sort_key(o, sort_field),
                          reverse=descending)  # fmt: skip
            keys = [_sort_key(o, sort_field) for o in rows]
            if cursor is None:
                start, end = 0, min(len(rows), limit)
            elif cursor["dir"] == "next":  # the orders after the last one of the page before
                start = sum(1 for key in keys if _not_after(key, _key(cursor["key"]), descending))
                end = min(len(rows), start + limit)
            else:  # the ``limit`` orders before the first one of the page after
                end = sum(1 for key in keys if _before(key, _key(cursor["key"]), descending))
                start = max(0, end - limit)
            return [self._served(o) for o in rows[start:end]], start > 0, end < len(rows)

    def _links(self, request: Request, version: str, filters: dict, limit: int, page: list, before: bool,
               after: bool) -> str:  # fmt: skip
        """Shopify's Link header: ``<url>; rel="previous", <url>; rel="next"``."""
        sort_field = str(filters.get("order") or "id asc").partition(" ")[0]
        host = {k.lower(): v for k, v in request.headers.items()}.get("host", "127.0.0.1")
        links = []
        for rel, wanted, edge in (("previous", before, page[:1]), ("next", after, page[-1:])):
            if wanted and edge:
                key = list(_sort_key(self.orders[int(edge[0]["id"])], sort_field))
                key[0] = key[0].isoformat() if isinstance(key[0], datetime) else key[0]
                token = base64.urlsafe_b64encode(json.dumps({"filters": filters, "key": key, "dir": rel[:4]}).encode()).decode().rstrip("=")
                query = urlencode({"limit": limit, "page_info": token})
                links.append(f'<http://{host}/admin/api/{version}/orders.json?{query}>; rel="{rel}"')
        return ", ".join(links)

    def _served(self, order: dict) -> dict:
        """The order as served: a copy, broken on purpose when its id is in ``faults.malformed``."""
        served = copy.deepcopy(order)
        if str(order.get("id")) in self.faults.malformed:
            served.update({"created_at": "not a date", "line_items": [{"id": None, "quantity": "several"}]})
        return served

    # --- GraphQL ------------------------------------------------------------------------------------

    def _graphql(self, request: Request, match: re.Match) -> Response:
        body = request.json() or {}
        query, variables, version = str(body.get("query") or ""), body.get("variables") or {}, match["version"]
        operation = next((name for name in COSTS if name in query), "")
        cost = _requested_cost(operation, query, variables)
        with self.lock:
            if not self.cost_bucket.add(cost):
                return json_response({"errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                    "extensions": self._cost(cost, None)})  # fmt: skip
            handler = {"inventorySetQuantities": self._set_quantities, "fulfillmentOrders": self._fulfillment_orders,
                       "fulfillmentCreate": self._fulfillment_create, "productVariantsBulkUpdate": self._update_variants,
                       "inventoryLevel": self._inventory_levels}.get(operation)  # fmt: skip
            data, errors = handler(query, variables, version) if handler else (None, [_error("Sandbox: unsupported operation", "undefinedField")])
            extensions = self._cost(cost, cost if data is not None else None)
        return json_response({"errors": errors, "extensions": extensions} if errors else {"data": data, "extensions": extensions})

    def _cost(self, requested: float, actual: float | None) -> dict:
        bucket = self.cost_bucket
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": {
            "maximumAvailable": bucket.size, "currentlyAvailable": round(bucket.size - bucket.drained()),
            "restoreRate": bucket.rate}}}  # fmt: skip

    def _set_quantities(self, query: str, variables: dict, version: str) -> tuple[dict | None, list]:
        change_from = version == "unstable" or version >= "2026-04"
        if change_from and "@idempotent" not in query:
            return None, [_error("The @idempotent directive is required for this mutation but was not provided.", "BAD_REQUEST")]
        data = {}
        for alias, variable in SET_QUANTITIES.findall(query):
            data[alias or "inventorySetQuantities"] = self._apply_input(variables.get(variable) or {}, change_from)
        return data, []

    def _apply_input(self, given: dict, change_from: bool) -> dict:
        """Apply one InventorySetQuantitiesInput whole, or nothing of it when any quantity is refused."""
        quantities = given.get("quantities") or []
        errors = []
        if given.get("name") not in ("available", "on_hand"):
            errors.append(_user_error("INVALID_NAME", ["input", "name"], "The quantity name must be either 'available' or 'on_hand'."))
        seen = set()
        for index, row in enumerate(quantities):
            pair = (numeric(row.get("inventoryItemId")), numeric(row.get("locationId")))
            problem = DUPLICATE_PAIR if pair in seen else self._quantity_problem(pair, row, given, change_from)
            seen.add(pair)
            if problem:
                code, argument, message = problem
                errors.append(_user_error(code, ["input", "quantities", str(index), argument], message))
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = []
        for row in quantities:
            item, location = numeric(row["inventoryItemId"]), numeric(row["locationId"])
            before = self.levels[(item, location)]["available"]
            level = self._stock(item, location, int(row["quantity"]), now_text())
            changes.append({"name": given["name"], "delta": level["available"] - before, "quantityAfterChange": level["available"]})
            self.webhooks.append(("inventory_levels/update", dict(level)))
        self._ids += 1
        group = {"id": f"gid://shopify/InventoryAdjustmentGroup/{self._ids}", "reason": given.get("reason"), "changes": changes}
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    def _quantity_problem(self, pair: tuple[int, int], row: dict, given: dict,
                          change_from: bool) -> tuple[str, str, str] | None:  # fmt: skip
        item, location = pair
        if item not in self.items:
            return "INVALID_INVENTORY_ITEM", "inventoryItemId", "The specified inventory item could not be found."
        if location not in self.locations:
            return "INVALID_LOCATION", "locationId", "The specified location could not be found."
        if pair not in self.levels:
            return "ITEM_NOT_STOCKED_AT_LOCATION", "inventoryItemId", "The specified inventory item is not stocked at the location."
        if not isinstance(row.get("quantity"), int) or row["quantity"] < 0:
            return "INVALID_QUANTITY_NEGATIVE", "quantity", "The quantity can't be negative."
        current = self.levels[pair]["available"]
        if change_from:
            expected = row.get("changeFromQuantity")
            if expected is not None and expected != current:
                return "CHANGE_FROM_QUANTITY_STALE", "changeFromQuantity", STALE_CHANGE_FROM
            return None
        if given.get("ignoreCompareQuantity"):
            return None
        if row.get("compareQuantity") is None:
            return ("COMPARE_QUANTITY_REQUIRED", "compareQuantity",
                    "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.")  # fmt: skip
        if row["compareQuantity"] != current:
            return "COMPARE_QUANTITY_STALE", "compareQuantity", STALE_COMPARE
        return None

    # --- GraphQL stock reads -------------------------------------------------------------------------

    def _inventory_levels(self, query: str, variables: dict, version: str) -> tuple[dict | None, list]:
        ids_variable, location_variable = NODES.search(query), LEVEL_AT.search(query)
        if not ids_variable or not location_variable:
            return None, [_error("Sandbox: nodes(ids: $ids) and inventoryLevel(locationId: $loc) take variables only", "undefinedField")]
        ids = variables.get(ids_variable.group(1))
        if not isinstance(ids, list):
            return None, [_error(f"Variable ${ids_variable.group(1)} of type [ID!]! was provided invalid value", "INVALID_VARIABLE")]
        if len(ids) > MAX_INPUT_SIZE:
            return None, [_error(f"The input array size of {len(ids)} is greater than the maximum allowed of {MAX_INPUT_SIZE}.",
                                 "MAX_INPUT_SIZE_EXCEEDED")]  # fmt: skip
        broken = next((value for value in ids if not re.fullmatch(r"gid://shopify/\w+/\d+", str(value))), None)
        if broken is not None:
            return None, [_error(f"Variable ${ids_variable.group(1)} of type [ID!]! was provided invalid value (Invalid global id '{broken}')",
                                 "INVALID_VARIABLE")]  # fmt: skip
        location = _numeric_or_none(variables.get(location_variable.group(1)))
        return {"nodes": [self._inventory_node(str(value), location) for value in ids]}, []

    def _inventory_node(self, global_id: str, location: int | None) -> dict | None:
        """An ``InventoryItem`` as the read's fragment shows it; null for an id the shop does not know, and
        an empty object for another kind of node the shop has (the fragment selects nothing of it)."""
        kind, number = global_id.split("/")[-2], numeric(global_id)
        if kind != "InventoryItem":
            known = {"ProductVariant": self.variants, "Product": self.products, "Location": self.locations}.get(kind, ())
            return {} if number in known else None
        if number not in self.items:
            return None
        level = self.levels.get((number, location))
        if level is None:
            return {"id": global_id, "inventoryLevel": None}
        available = "several" if str(number) in self.faults.malformed else level["available"]
        return {"id": global_id, "inventoryLevel": {"quantities": [{"name": "available", "quantity": available}]}}

    # --- GraphQL prices ------------------------------------------------------------------------------

    def _update_variants(self, query: str, variables: dict, version: str) -> tuple[dict, list]:
        data = {}
        for alias, arguments in BULK_UPDATE.findall(query):
            given = {name: variables.get(value[1:]) if value.startswith("$") else value == "true"
                     for name, value in ARGUMENT.findall(arguments)}  # fmt: skip
            data[alias or "productVariantsBulkUpdate"] = self._price_variants(
                given.get("productId"), given.get("variants") or [], partial=given.get("allowPartialUpdates") is True)
        return data, []

    def _price_variants(self, product_id: Any, rows: list, *, partial: bool) -> dict:
        """Set the prices of one product's variants; refused rows are userErrors, and without ``partial``
        one refusal leaves every variant of the product as it was."""
        product = _numeric_or_none(product_id)
        if product not in self.products:
            return {"product": None, "productVariants": None,
                    "userErrors": [_user_error("PRODUCT_DOES_NOT_EXIST", ["productId"], "Product does not exist")]}  # fmt: skip
        errors, valid = [], []
        for index, row in enumerate(rows):
            problem = self._variant_problem(product, row)
            if problem:
                code, argument, message = problem
                errors.append(_user_error(code, ["variants", str(index), argument], message))
            else:
                valid.append(row)
        if errors and not partial:
            return {"product": None, "productVariants": None, "userErrors": errors}
        updated = []
        for row in valid:
            variant = self.variants[numeric(row["id"])]
            variant.update(price=f"{Decimal(str(row['price'])):.2f}", updated_at=now_text())
            updated.append({"id": f"gid://shopify/ProductVariant/{variant['id']}", "price": variant["price"]})
        return {"product": {"id": f"gid://shopify/Product/{product}"}, "productVariants": updated, "userErrors": errors}

    def _variant_problem(self, product: int, row: Any) -> tuple[str, str, str] | None:
        variant = self.variants.get(_numeric_or_none(row.get("id")) if isinstance(row, dict) else None)
        if variant is None:
            return "PRODUCT_VARIANT_DOES_NOT_EXIST", "id", "Product variant does not exist"
        if variant["product_id"] != product:
            return "MUST_BE_FOR_THIS_PRODUCT", "id", "Input must be for this product."
        try:
            price = Decimal(str(row["price"])) if isinstance(row.get("price"), str | int | float) else None
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite():
            return "INVALID_INPUT", "price", f"Price {row.get('price')!r} is not a decimal amount."
        if price < 0:
            return "NEGATIVE_PRICE_VALUE", "price", "Price cannot take a negative value."
        return None

    # --- GraphQL fulfilments ------------------------------------------------------------------------

    def _fulfillment_orders(self, query: str, variables: dict, version: str) -> tuple[dict, list]:
        order = self.orders.get(numeric(variables.get("id") or "0"))
        if order is None:
            return {"order": None}, []
        fulfillments = [{"id": f"gid://shopify/Fulfillment/{f['id']}", "status": str(f.get("status") or "").upper(),
                         "trackingInfo": [{"company": f.get("tracking_company"), "number": n} for n in f.get("tracking_numbers") or []]}
                        for f in order.get("fulfillments") or []]  # fmt: skip
        return {"order": {"id": f"gid://shopify/Order/{order['id']}", "fulfillments": fulfillments,
                          "fulfillmentOrders": {"nodes": [self._fulfillment_order(order)]}}}, []  # fmt: skip

    def _fulfillment_order(self, order: dict) -> dict:
        """One fulfilment order per order (the sandbox shop ships from one location), id = the order's id."""
        items = [{"id": f"gid://shopify/FulfillmentOrderLineItem/{line['id']}", "remainingQuantity": self._remaining(order, int(line["id"])),
                  "lineItem": {"id": f"gid://shopify/LineItem/{line['id']}"}} for line in order.get("line_items") or []]  # fmt: skip
        if order.get("cancelled_at"):
            status = "CANCELLED"
        elif not any(item["remainingQuantity"] for item in items):
            status = "CLOSED"
        else:
            status = "IN_PROGRESS" if order.get("fulfillment_status") == "partial" else "OPEN"
        return {"id": f"gid://shopify/FulfillmentOrder/{order['id']}", "status": status, "lineItems": {"nodes": items}}

    def _remaining(self, order: dict, line_id: int) -> int:
        line = next(line for line in order.get("line_items") or [] if int(line["id"]) == line_id)
        shipped = sum(int(item["quantity"]) for f in order.get("fulfillments") or [] if f.get("status") == "success"
                      for item in f.get("line_items") or [] if int(item["id"]) == line_id)  # fmt: skip
        refunded = sum(int(item["quantity"]) for refund in order.get("refunds") or []
                       for item in refund.get("refund_line_items") or [] if int(item["line_item_id"]) == line_id)  # fmt: skip
        return max(0, int(line["quantity"]) - shipped - refunded)

    def _fulfillment_create(self, query: str, variables: dict, version: str) -> tuple[dict | None, list]:
        name = FULFILLMENT_CREATE.search(query)
        name = name.group(1) if name else "fulfillmentCreate"
        if name == "fulfillmentCreate" and version != "unstable" and version < "2024-10":
            return None, [_error("Field 'fulfillmentCreate' doesn't exist on type 'Mutation'", "undefinedField")]
        given = variables.get("fulfillment") or {}
        try:
            order, shipped = self._to_ship(given.get("lineItemsByFulfillmentOrder") or [])
        except ValueError as exc:
            return {name: {"fulfillment": None, "userErrors": [{"field": ["fulfillment"], "message": str(exc)}]}}, []
        tracking = given.get("trackingInfo") or {}
        fulfillment = self._record_fulfillment(order, shipped, tracking)
        info = [{"company": tracking.get("company"), "number": tracking.get("number"), "url": tracking.get("url")}]
        return {name: {"fulfillment": {"id": f"gid://shopify/Fulfillment/{fulfillment['id']}", "status": "SUCCESS",
                                       "trackingInfo": info}, "userErrors": []}}, []  # fmt: skip

    def _to_ship(self, by_fulfillment_order: list) -> tuple[dict, dict[int, int]]:
        """The order and {line id: quantity} a fulfilment input ships; ValueError in Shopify's words."""
        orders = {numeric(entry.get("fulfillmentOrderId") or "0") for entry in by_fulfillment_order}
        if len(orders) != 1 or next(iter(orders)) not in self.orders:
            raise ValueError("Fulfillment orders must belong to the same order.")
        order = self.orders[next(iter(orders))]
        if self._fulfillment_order(order)["status"] not in ("OPEN", "IN_PROGRESS"):
            raise ValueError(f"Fulfillment order {order['id']} has an unfulfillable status= {self._fulfillment_order(order)['status'].lower()}.")
        shipped: dict[int, int] = {}
        for entry in by_fulfillment_order:
            items = entry.get("fulfillmentOrderLineItems")
            if items is None:  # everything left
                items = [{"id": line["id"], "quantity": self._remaining(order, int(line["id"]))} for line in order.get("line_items") or []]
            for item in items:
                line_id, quantity = numeric(item["id"]), int(item["quantity"])
                if quantity > self._remaining(order, line_id) - shipped.get(line_id, 0):
                    raise ValueError("Invalid fulfillment order line item quantity requested.")
                if quantity:
                    shipped[line_id] = shipped.get(line_id, 0) + quantity
        return order, shipped

    def _record_fulfillment(self, order: dict, shipped: dict[int, int], tracking: dict) -> dict:
        """Add the fulfilment to the order in the REST shape and mark its lines and the order fulfilled."""
        self._ids += 1
        lines = {int(line["id"]): line for line in order.get("line_items") or []}
        number, stamp = tracking.get("number"), now_text()
        fulfillment = {"id": self._ids, "order_id": order["id"], "status": "success", "service": "manual",
                       "created_at": stamp, "updated_at": stamp, "tracking_company": tracking.get("company"),
                       "tracking_number": number, "tracking_numbers": [number] if number else [],
                       "tracking_url": tracking.get("url"), "tracking_urls": [tracking["url"]] if tracking.get("url") else [],
                       "shipment_status": None,
                       "line_items": [{**copy.deepcopy(lines[line_id]), "quantity": q} for line_id, q in shipped.items()]}  # fmt: skip
        order.setdefault("fulfillments", []).append(fulfillment)
        for line_id, line in lines.items():
            remaining = self._remaining(order, line_id)
            line["fulfillment_status"] = "fulfilled" if remaining == 0 else ("partial" if line_id in shipped else line.get("fulfillment_status"))
        done = all(self._remaining(order, line_id) == 0 for line_id in lines)
        self.fulfillments.append(copy.deepcopy(fulfillment))
        self._touch(int(order["id"]), "orders/updated", {"fulfillment_status": "fulfilled" if done else "partial"})
        return fulfillment


def _requested_cost(operation: str, query: str, variables: dict) -> float:
    """A query's requested cost: a read per node asked (plus 1), a mutation per aliased field."""
    if operation == "inventoryLevel":
        ids = NODES.search(query)
        asked = variables.get(ids.group(1)) if ids else None
        return 1 + COSTS[operation] * (len(asked) if isinstance(asked, list) else 1)
    fields = MUTATION_FIELDS[operation].findall(query) if operation in MUTATION_FIELDS else []
    return COSTS.get(operation, 1) * max(1, len(fields))


def _matches(order: dict, filters: dict) -> bool:
    status = filters.get("status") or "open"
    if status == "open" and (order.get("cancelled_at") or order.get("closed_at")):
        return False
    if (status == "closed" and not order.get("closed_at")) or (status == "cancelled" and not order.get("cancelled_at")):
        return False
    for name in ("updated_at", "created_at"):
        stamp = _time(order.get(name))
        if filters.get(f"{name}_min") and stamp < _time(filters[f"{name}_min"], f"{name}_min"):
            return False
        if filters.get(f"{name}_max") and stamp > _time(filters[f"{name}_max"], f"{name}_max"):
            return False
    return True


def _sort_key(order: dict, sort_field: str) -> tuple:
    return (int(order["id"]),) if sort_field == "id" else (_time(order.get(sort_field)), int(order["id"]))


def _before(key: tuple, cursor: tuple, descending: bool) -> bool:
    return key > cursor if descending else key < cursor


def _not_after(key: tuple, cursor: tuple, descending: bool) -> bool:
    return key >= cursor if descending else key <= cursor


def _key(value: list) -> tuple:
    """A cursor's sort key back from JSON."""
    return (value[0],) if len(value) == 1 else (_time(value[0]), value[1])


def _time(value: Any, name: str = "time") -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _error(message: str, code: str) -> dict:
    return {"message": message, "extensions": {"code": code}}


def _user_error(code: str, path: list[str], message: str) -> dict:
    return {"code": code, "field": path, "message": message}
