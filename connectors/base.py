"""The neutral shapes every connector speaks, and nothing of Django.

A connector turns a channel's payloads into these dataclasses (and the hub's updates back into the
channel's requests). The core imports orders from ``OrderDTO``s without knowing which channel sent them.
"""

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar


class ChannelOrderState(StrEnum):
    """What the channel says about an order, reduced to what the hub acts on.

    The channel's own status string travels alongside in ``OrderDTO.channel_status``.
    """

    PENDING = "pending"  # placed, not yet confirmed or paid (Amazon "Pending"): import, do not allocate
    OPEN = "open"  # to be fulfilled by the seller: allocate and reserve
    CANCELLED = "cancelled"  # cancelled by the buyer or the channel
    SHIPPED = "shipped"  # shipped (by the seller, or by the channel for its own fulfilment)
    DELIVERED = "delivered"
    RETURNED = "returned"


class LineState(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class PaymentMode(StrEnum):
    PREPAID = "prepaid"
    COD = "cod"


@dataclass(frozen=True)
class AddressDTO:
    name: str
    line1: str
    city: str
    state: str  # a GST state code ("27") or a state name ("Maharashtra")
    pincode: str
    line2: str = ""
    country: str = "IN"
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class OrderLineDTO:
    channel_line_id: str
    channel_sku: str
    quantity: int
    unit_price: Decimal  # per unit, as the channel sells it (tax included unless the order says not)
    title: str = ""
    discount: Decimal = Decimal("0")  # for the whole line
    tax: Decimal = Decimal("0")  # for the whole line, as the channel reports it (0 when not reported)
    channel_item_id: str = ""  # ASIN, FSN, variant id, style id
    state: LineState = LineState.OPEN


@dataclass(frozen=True)
class OrderDTO:
    channel_order_id: str
    channel_status: str
    state: ChannelOrderState
    ordered_at: datetime
    lines: tuple[OrderLineDTO, ...]
    shipping_address: AddressDTO | None
    currency: str = "INR"
    payment_mode: PaymentMode = PaymentMode.PREPAID
    item_total: Decimal = Decimal("0")  # sum of unit price x quantity over the lines
    shipping_total: Decimal = Decimal("0")
    discount_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    grand_total: Decimal = Decimal("0")  # what the buyer pays
    prices_include_tax: bool = True  # Indian marketplaces quote tax-inclusive prices
    ship_by: datetime | None = None
    billing_address: AddressDTO | None = None
    buyer_name: str = ""
    buyer_email: str = ""
    buyer_phone: str = ""
    updated_at: datetime | None = None  # the channel's last-modified time, for cursors
    raw: dict = field(default_factory=dict, compare=False, repr=False)  # the channel's payload, kept


# --- What a connector can do, and the interface every connector implements -------------------------


class Capability(StrEnum):
    PULL_ORDERS = "pull_orders"
    PULL_RETURNS = "pull_returns"
    PUSH_STOCK = "push_stock"
    READ_STOCK = "read_stock"  # report the quantity each listing shows on the channel (reconciliation)
    PUSH_PRICE = "push_price"
    PUSH_CATALOG = "push_catalog"
    PUSH_SHIPMENT = "push_shipment"
    WEBHOOKS = "webhooks"
    SETTLEMENTS = "settlements"


@dataclass(frozen=True)
class RecordFailure:
    """One record of a page that could not be read or mapped: kept with its payload, retried alone."""

    key: str  # the channel's id for the record, when it could be read
    error: str
    payload: dict = field(default_factory=dict)
    request: dict = field(default_factory=dict)
    response: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OrderPage:
    """One page of a stream read: the orders, the records that failed, and where to go next.

    ``next_token`` continues the same window (None when the window is exhausted). ``high_water`` is
    the latest channel update time among the page's records: the cursor may move to it once the
    page's orders are committed, because the channel returns records sorted by update time.
    """

    orders: list[OrderDTO]
    failures: list[RecordFailure] = field(default_factory=list)
    next_token: str | None = None
    high_water: datetime | None = None


@dataclass(frozen=True)
class StockUpdate:
    """The quantity one listing should show on the channel, with the channel's own identifiers."""

    channel_sku: str
    quantity: int
    channel_item_id: str = ""
    channel_inventory_item_id: str = ""


@dataclass(frozen=True)
class ListingRef:
    """One listing whose quantity is to be read from the channel, with the channel's own identifiers."""

    channel_sku: str
    channel_item_id: str = ""
    channel_inventory_item_id: str = ""


@dataclass(frozen=True)
class StockReading:
    """What the channel reports holding: {channel SKU: quantity} of the listings it could report on, and a
    ``RecordFailure`` (keyed by channel SKU) for each it could not (unknown on the channel, an answer
    without a readable quantity). One listing's failure does not fail the others."""

    quantities: dict[str, int]
    failures: list[RecordFailure] = field(default_factory=list)


class ReturnKind(StrEnum):
    CUSTOMER = "customer"  # the buyer sends back what was delivered
    RTO = "rto"  # the courier brings back what was never delivered


@dataclass(frozen=True)
class ChannelReturnDTO:
    """A return the channel says is on its way (or was asked for): the units of one order, by channel SKU.

    ``channel_return_id`` is the channel's own id for the notice (a Shopify refund id, an Amazon RMA id),
    so a notice read twice is one return in the hub. A notice without lines is one the channel cancelled.
    """

    channel_return_id: str
    channel_order_id: str
    kind: ReturnKind
    lines: tuple[tuple[str, int], ...]  # (channel SKU, quantity)
    reason: str = ""
    requested_at: datetime | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ReturnPage:
    """One page of the returns stream, like ``OrderPage``: the notices, the records that failed, where to go
    next (``next_token``) and the latest channel update time the page covered (``high_water``)."""

    returns: list[ChannelReturnDTO]
    failures: list[RecordFailure] = field(default_factory=list)
    next_token: str | None = None
    high_water: datetime | None = None


@dataclass(frozen=True)
class PriceUpdate:
    """The price one listing should sell at on the channel, with the channel's own identifiers.

    ``price`` is what the buyer pays, tax included (Indian marketplaces quote GST-inclusive prices) and
    never above ``mrp``: the hub checks that before it asks. ``mrp`` travels along for the channels that
    take a maximum retail price next to the selling price; ``channel_product_id`` is for channels that
    price a variant through its product (Shopify).
    """

    channel_sku: str
    price: Decimal
    mrp: Decimal | None
    currency: str = "INR"
    channel_item_id: str = ""
    channel_product_id: str = ""


@dataclass(frozen=True)
class PushResult:
    """What the channel accepted (channel SKUs) and rejected ({channel SKU: the channel's message})."""

    accepted: frozenset[str]
    rejected: dict[str, str] = field(default_factory=dict)
    request: dict = field(default_factory=dict, compare=False, repr=False)
    response: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ShipmentUpdate:
    channel_order_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    lines: tuple[tuple[str, int], ...]  # (channel line id, quantity)
    carrier_code: str = ""
    ship_method: str = ""


class Connector(abc.ABC):
    """One channel behind the hub's one interface.

    A connector is built from an account's credentials and options (``base_url`` points it at a sandbox:
    sandbox mode is a setting, not a code path). It reads streams page by page and pushes updates; it
    raises the errors of ``connectors.errors`` and never returns a half-success silently. What it cannot
    do it does not claim in ``capabilities``.
    """

    kind: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    stock_batch_size: ClassVar[int] = 100  # the most stock updates one push may carry
    price_batch_size: ClassVar[int] = 100  # the most price updates one push may carry
    stock_read_batch_size: ClassVar[int] = 100  # the most listings one ``read_stock`` call is given
    order_window_overlap: ClassVar[timedelta] = timedelta(minutes=5)  # re-read this much of the last window
    # True when the order stream comes sorted by update time, so the sync may checkpoint after each page;
    # otherwise it checkpoints only when a window is read to its end.
    reads_in_update_order: ClassVar[bool] = False

    def __init__(self, credentials: Mapping[str, Any], *, options: Mapping[str, Any] | None = None) -> None:
        self.credentials = dict(credentials)
        self.options = dict(options or {})

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def close(self) -> None:  # noqa: B027 - most connectors hold nothing to release
        """Release what the connector holds (HTTP clients); it may not be used afterwards."""

    @abc.abstractmethod
    def read_orders(self, *, updated_after: datetime, token: str | None = None) -> OrderPage:
        """One page of orders updated after ``updated_after`` (``token`` continues a window)."""

    def fetch_order(self, channel_order_id: str) -> OrderDTO:
        """Read one order from the channel again (retrying a record alone, after the channel fixed it)."""
        raise UnsupportedOperation(f"{self.kind} cannot read a single order.")

    def order_from_record(self, payload: dict) -> OrderDTO:
        """Map again the payload a ``RecordFailure`` or an ``OrderDTO.raw`` kept (retrying one record alone)."""
        raise UnsupportedOperation(f"{self.kind} cannot map a stored record again.")

    def push_stock(self, updates: list[StockUpdate]) -> PushResult:
        raise UnsupportedOperation(f"{self.kind} does not take stock updates from the hub.")

    def push_price(self, updates: list[PriceUpdate]) -> PushResult:
        """Set each listing's selling price; like ``push_stock``, the result says which SKUs took."""
        raise UnsupportedOperation(f"{self.kind} does not take price updates from the hub.")

    def read_stock(self, listings: list[ListingRef]) -> StockReading:
        """The quantity each listing shows on the channel now; a listing the channel cannot report on is a
        failure of its own in the reading. Errors of the whole call (429, 5xx, 401/403) are raised."""
        raise UnsupportedOperation(f"{self.kind} cannot report the stock it holds.")

    def read_returns(self, *, updated_after: datetime, token: str | None = None) -> ReturnPage:
        """One page of the return notices the channel recorded or changed after ``updated_after`` (``token``
        continues a window); a notice that cannot be read is a failure of its own in the page."""
        raise UnsupportedOperation(f"{self.kind} cannot report returns.")

    def push_shipment(self, update: ShipmentUpdate) -> None:
        raise UnsupportedOperation(f"{self.kind} does not take shipment updates from the hub.")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> "WebhookDelivery":
        """Verify a delivery's signature and read it; raise ``WebhookRejected`` if it is not genuine."""
        raise UnsupportedOperation(f"{self.kind} sends no webhooks.")

    def order_from_webhook(self, delivery: "WebhookDelivery") -> OrderDTO | None:
        """The order a delivery carries, or None for a topic the hub does not act on."""
        raise UnsupportedOperation(f"{self.kind} sends no webhooks.")


class UnsupportedOperation(Exception):
    """Asked of a connector for something its channel does not offer."""


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified webhook: the channel's id for this event (unique per delivery attempt's event), its
    topic and its JSON body."""

    event_id: str
    topic: str
    payload: dict


class WebhookRejected(Exception):
    """The delivery is not from the channel (bad or missing signature) or is unreadable."""
