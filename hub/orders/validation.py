"""Checks of an incoming order before anything is written: pure functions over the neutral ``OrderDTO``.

An order that fails any check is refused whole, with every problem named by field; the others in the
same page go on. Amounts must add up within a paisa per line (channels round per line):

- the lines' unit price x quantity add up to ``item_total``;
- ``grand_total`` = ``item_total`` + ``shipping_total`` - ``discount_total`` (+ ``tax_total`` when the
  prices exclude tax).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from connectors.base import AddressDTO, ChannelOrderState, LineState, OrderDTO
from hub.core import india
from hub.core.errors import DomainError

PAISA = Decimal("0.01")
MAX_LINES = 500
MAX_QUANTITY = 100_000
INDIA = frozenset({"IN", "IND", "INDIA"})


class OrderError(DomainError):
    """An order the hub refuses; ``problems`` lists every (field, reason)."""

    code = "invalid_order"

    def __init__(self, channel_order_id: str, problems: list[tuple[str, str]]) -> None:
        self.channel_order_id = channel_order_id
        self.problems = problems
        field, reason = problems[0]
        super().__init__(f"Order {channel_order_id or '(no id)'}: {field}: {reason}", field=field)

    @property
    def fields(self) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for field, reason in self.problems:
            fields.setdefault(field, []).append(reason)
        return fields


@dataclass(frozen=True)
class Address:
    """An address with its state resolved to a GST state code."""

    values: dict
    state_code: str
    pincode: str


def check_order(dto: OrderDTO) -> tuple[Address | None, Address | None]:
    """Raise ``OrderError`` with every problem of ``dto``; return its shipping and billing addresses."""
    problems: list[tuple[str, str]] = []
    if not (dto.channel_order_id or "").strip():
        problems.append(("channel_order_id", "An order needs the channel's order id."))
    if not isinstance(dto.state, ChannelOrderState):
        problems.append(("state", f"{dto.state!r} is not an order state the hub knows."))
    if dto.ordered_at is None or dto.ordered_at.tzinfo is None:
        problems.append(("ordered_at", "The order date must be a date and time with its time zone."))
    if len(dto.currency or "") != 3:
        problems.append(("currency", "The currency is a 3-letter ISO code such as INR."))
    problems += _line_problems(dto)
    problems += _total_problems(dto)
    shipping = _address(dto.shipping_address, "shipping_address", problems, required=_needs_address(dto))
    billing = _address(dto.billing_address, "billing_address", problems, required=False)
    if problems:
        raise OrderError(dto.channel_order_id, problems)
    return shipping, billing


def _needs_address(dto: OrderDTO) -> bool:
    # Amazon withholds the address of Pending orders; cancelled ones never ship.
    return dto.state not in (ChannelOrderState.PENDING, ChannelOrderState.CANCELLED)


def _line_problems(dto: OrderDTO) -> list[tuple[str, str]]:
    problems = []
    if not dto.lines:
        return [("lines", "An order needs at least one line.")]
    if len(dto.lines) > MAX_LINES:
        problems.append(("lines", f"An order may have at most {MAX_LINES} lines."))
    seen = set()
    for index, line in enumerate(dto.lines):
        where = f"lines[{index}]"
        if not (line.channel_line_id or "").strip():
            problems.append((f"{where}.channel_line_id", "Each line needs the channel's line id."))
        elif line.channel_line_id in seen:
            problems.append((f"{where}.channel_line_id", f"Line id {line.channel_line_id} appears twice."))
        seen.add(line.channel_line_id)
        if not (line.channel_sku or "").strip():
            problems.append((f"{where}.channel_sku", "Each line needs the channel SKU."))
        least = 0 if line.state == LineState.CANCELLED else 1  # Amazon reports a cancelled item as 0 ordered
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < least:
            problems.append((f"{where}.quantity", f"The quantity must be a whole number of at least {least}, not {line.quantity!r}."))
        elif line.quantity > MAX_QUANTITY:
            problems.append((f"{where}.quantity", f"The quantity {line.quantity} is beyond {MAX_QUANTITY}."))
        for name in ("unit_price", "discount", "tax"):
            problems += _money_problem(getattr(line, name), f"{where}.{name}")
    return problems


def _money_problem(value, field: str) -> list[tuple[str, str]]:
    if not isinstance(value, Decimal):
        return [(field, f"{value!r} is not an amount.")]
    try:
        if not value.is_finite() or value < 0:
            return [(field, f"{value} must be a finite amount of at least 0.")]
        if value != value.quantize(PAISA):
            return [(field, f"{value} has more than 2 decimal places.")]
    except InvalidOperation:
        return [(field, f"{value!r} is not an amount.")]
    return []


def _total_problems(dto: OrderDTO) -> list[tuple[str, str]]:
    problems = []
    for name in ("item_total", "shipping_total", "discount_total", "tax_total", "grand_total"):
        problems += _money_problem(getattr(dto, name), name)
    if problems or any(_money_problem(line.unit_price, "x") for line in dto.lines):
        return problems
    if any(isinstance(line.quantity, bool) or not isinstance(line.quantity, int) for line in dto.lines):
        return problems
    tolerance = PAISA * max(1, len(dto.lines))
    items = sum((line.unit_price * line.quantity for line in dto.lines), Decimal("0"))
    if abs(items - dto.item_total) > tolerance:
        problems.append(("item_total", f"The lines add up to {items}, not the item total {dto.item_total}."))
    expected = dto.item_total + dto.shipping_total - dto.discount_total
    if not dto.prices_include_tax:
        expected += dto.tax_total
    if abs(expected - dto.grand_total) > tolerance:
        problems.append(("grand_total", f"Items, shipping and discounts come to {expected}, not the grand total {dto.grand_total}."))
    return problems


def _address(address: AddressDTO | None, field: str, problems: list, *, required: bool) -> Address | None:
    if address is None:
        if required:
            problems.append((field, "The order needs a shipping address."))
        return None
    before = len(problems)
    for name in ("name", "line1", "city"):
        if not (getattr(address, name) or "").strip():
            problems.append((f"{field}.{name}", "This part of the address is missing."))
    country = (address.country or "IN").strip().upper()
    if country in INDIA:
        state, pincode = _indian_state_and_pincode(address, field, problems)
    else:  # an export order: no GST state, a foreign postal code
        state, pincode = "", (address.pincode or "").strip()[:12]
    if len(problems) > before:
        return None
    values = {
        "name": address.name.strip(), "line1": address.line1.strip(), "line2": (address.line2 or "").strip(),
        "city": address.city.strip(), "state": state or (address.state or "").strip(),
        "state_name": india.STATE_CODES.get(state, (address.state or "").strip()), "pincode": pincode,
        "country": "IN" if country in INDIA else country, "phone": address.phone or "", "email": address.email or "",
    }  # fmt: skip
    return Address(values=values, state_code=state, pincode=pincode)


def _indian_state_and_pincode(address: AddressDTO, field: str, problems: list) -> tuple[str, str]:
    state = india.state_code(address.state or "")
    if state is None:
        problems.append((f"{field}.state", f"{address.state!r} is not an Indian state or its GST code."))
    pincode = (address.pincode or "").replace(" ", "")
    if message := india.pincode_error(pincode):
        problems.append((f"{field}.pincode", message))
    return state or "", pincode
