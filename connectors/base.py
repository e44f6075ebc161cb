"""The neutral shapes every connector speaks, and nothing of Django.

A connector turns a channel's payloads into these dataclasses (and the hub's updates back into the
channel's requests). The core imports orders from ``OrderDTO``s without knowing which channel sent them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


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
