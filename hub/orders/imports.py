"""Orders file import for a custom account: one row per order line, each order imported or refused whole.

Columns (* required: the column must be there and its cells not blank):
channel_order_id*, ordered_at*, ship_by, payment_mode, currency, buyer_name, buyer_phone, buyer_email,
ship_name*, ship_line1*, ship_line2, ship_city*, ship_state*, ship_pincode*, ship_phone, shipping_total,
discount_total, grand_total*, line_id, sku*, title, quantity*, unit_price*, line_discount.

- Rows group into orders by channel_order_id (the rows of an order need not be next to each other).
  The order's columns (all but line_id, sku, title, quantity, unit_price and line_discount) repeat on
  every row of the order and must agree; a row that disagrees with the order's first row is an error.
- ordered_at and ship_by: ``2026-11-20 14:30``, ISO 8601 (``2026-11-20T14:30:00+05:30``) or a date
  (midnight); a time without a zone is India time (the server's ``TIME_ZONE``). payment_mode: prepaid
  (blank) or cod; currency: a 3-letter code, blank is INR. Amounts: a dot for decimals, at most 2
  places, not negative; blank shipping_total, discount_total and line_discount are 0. quantity: a
  whole number of at least 1. line_id: unique in the order, blank is the row's position in the order.
- Each order then goes through the same checks as any channel order (``hub.orders.validation``:
  totals add up, a real state and PIN code...), so a dry run reports them too, each on the row and
  column it comes from (``shipping_address.pincode`` is ship_pincode of the order's first row,
  ``lines[2].quantity`` the quantity of its third row).
- Orders are imported per order (``Importer.all_or_nothing = RECORD``): an order with any bad row is
  refused whole, every problem reported, and the good orders are imported — idempotently, so an order
  already imported (by an earlier upload or the API) is left as it is, and uploading the same file
  twice imports nothing twice. An imported order's lines are fixed: one that comes back with other
  lines, quantities or prices is refused (``hub.orders.intake.changed_orders``).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from connectors.base import OrderDTO
from hub.channels.models import ChannelAccount
from hub.core.errors import DomainError
from hub.core.imports import (
    RECORD,
    Applied,
    CellError,
    Importer,
    Progress,
    Row,
    RowError,
    chunked,
    parse_decimal,
    parse_whole,
)
from hub.core.models import ImportJob
from hub.orders import intake
from hub.orders.models import Order
from hub.orders.services import import_orders
from hub.orders.validation import MAX_QUANTITY, OrderError, check_order

LINE_COLUMNS = ("line_id", "sku", "title", "quantity", "unit_price", "line_discount")
ORDER_COLUMNS = (
    "channel_order_id", "ordered_at", "ship_by", "payment_mode", "currency", "buyer_name", "buyer_phone",
    "buyer_email", "ship_name", "ship_line1", "ship_line2", "ship_city", "ship_state", "ship_pincode",
    "ship_phone", "shipping_total", "discount_total", "grand_total",
)  # fmt: skip
COLUMNS = ORDER_COLUMNS + LINE_COLUMNS
REQUIRED = frozenset({
    "channel_order_id", "ordered_at", "ship_name", "ship_line1", "ship_city", "ship_state", "ship_pincode",
    "grand_total", "sku", "quantity", "unit_price",
})  # fmt: skip
TEXT_LIMITS = {
    "channel_order_id": 120, "buyer_name": 200, "buyer_phone": 40, "ship_name": 200, "ship_line1": 255,
    "ship_line2": 255, "ship_city": 120, "ship_state": 60, "ship_pincode": 10, "ship_phone": 40, "line_id": 120,
    "sku": 120, "title": 255,
}  # fmt: skip
MAX_MONEY = Decimal("1e12")
PAGE = 100  # orders per import_orders call: one transaction each
# A field of hub.orders.validation (in the hub's shape) -> the column it comes from.
LINE_FIELD_COLUMNS = {"line_id": "line_id", "sku": "sku", "title": "title", "quantity": "quantity",
                      "unit_price": "unit_price", "discount": "line_discount"}  # fmt: skip
ADDRESS_COLUMNS = {f"shipping_address.{part}": f"ship_{part}" for part in intake.ADDRESS_PARTS}


# Reading one cell -------------------------------------------------------------------------------


def parse_money(text: str) -> Decimal:
    value = parse_decimal(text, places=2)
    if value < 0:
        raise CellError("Must not be negative.")
    if value >= MAX_MONEY:
        raise CellError("Too large.")
    return value


def parse_when(text: str) -> datetime:
    """A date and time (or a date, read as midnight); without a zone it is the server's local time."""
    try:
        value = parse_datetime(text)
        if value is None and (day := parse_date(text)) is not None:
            value = datetime.combine(day, time())
    except ValueError as exc:
        raise CellError("Not a real date or time.") from exc
    if value is None:
        raise CellError("Write a date and time as YYYY-MM-DD HH:MM (or ISO 8601, or a date YYYY-MM-DD).")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def parse_payment_mode(text: str) -> str:
    mode = text.lower()
    if mode not in ("prepaid", "cod"):
        raise CellError("Write prepaid or cod.")
    return mode


def parse_currency(text: str) -> str:
    if len(text) != 3 or not text.isalpha():
        raise CellError("A 3-letter currency code such as INR.")
    return text.upper()


def parse_email(text: str) -> str:
    try:
        validate_email(text)
    except ValidationError as exc:
        raise CellError("Not an email address.") from exc
    return text


def _text(limit: int):
    def parse(text: str) -> str:
        if len(text) > limit:
            raise CellError(f"At most {limit} characters.")
        return text

    return parse


PARSERS = {
    **{column: _text(limit) for column, limit in TEXT_LIMITS.items()},
    "ordered_at": parse_when,
    "ship_by": parse_when,
    "payment_mode": parse_payment_mode,
    "currency": parse_currency,
    "buyer_email": parse_email,
    **dict.fromkeys(
        ("shipping_total", "discount_total", "grand_total", "unit_price", "line_discount"), parse_money
    ),
    "quantity": lambda text: parse_whole(text, minimum=1, maximum=MAX_QUANTITY),
}


# Reading rows and orders ------------------------------------------------------------------------


@dataclass
class OrderRow:
    """One row with its cells typed (``None`` for a blank or unreadable cell) and its cell problems."""

    row: Row
    typed: dict[str, Any]
    problems: dict[str, str]

    @classmethod
    def read(cls, row: Row) -> "OrderRow":
        typed: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for column, text in row.values.items():
            typed[column] = None
            if not text:
                if column in REQUIRED:
                    problems[column] = "Required; this cell is blank."
                continue
            try:
                typed[column] = PARSERS[column](text)
            except CellError as exc:
                problems[column] = str(exc)
        return cls(row, typed, problems)

    def error(self, column: str, reason: str) -> RowError:
        return RowError(self.row.number, column, self.row.values.get(column, ""), reason)


@dataclass
class FileOrder:
    """The rows of one order (by channel_order_id), its problems, and its DTO once it has none."""

    key: str
    rows: list[OrderRow]
    errors: list[RowError] = field(default_factory=list)
    dto: OrderDTO | None = None

    @property
    def refused(self) -> bool:
        return self.dto is None

    def check(self) -> None:
        """Find every problem of the order; if there is none, build its DTO. A row the framework found
        a problem with (and reports) refuses the order too: an order is never imported without a line."""
        self.errors = [
            row.error(column, reason) for row in self.rows for column, reason in row.problems.items()
        ]
        self.errors += self._disagreements()
        if self.errors or any(row.row.has_error for row in self.rows):
            return
        dto = intake.build_order(
            self.values(), raw={"rows": [{"row": r.row.number, **r.row.values} for r in self.rows]}
        )
        try:
            check_order(dto)
        except OrderError as error:
            self.errors = self.errors_of(error)
            return
        self.dto = dto

    def refuse(self, error: DomainError) -> None:
        """Refuse an order that passed its own checks (the hub holds it with other lines)."""
        self.dto, self.errors = None, self.errors_of(error)

    def _disagreements(self) -> list[RowError]:
        first = self.rows[0]
        errors = []
        for row in self.rows[1:]:
            for column in self._comparable(row):
                if row.typed[column] != first.typed[column]:
                    reason = (f"Row {first.row.number}, the order's first row, has {first.row.values[column]!r}; "
                              "the rows of one order must agree.")  # fmt: skip
                    errors.append(row.error(column, reason))
        return errors

    def _comparable(self, row: OrderRow) -> list[str]:
        """The order's columns in the file that both ``row`` and the first row could be read in."""
        first = self.rows[0]
        return [
            column for column in ORDER_COLUMNS
            if column in row.row.values and column not in row.problems and column not in first.problems
        ]  # fmt: skip

    def values(self) -> dict[str, Any]:
        """The order in the hub's shape (``hub.orders.intake``)."""
        first = self.rows[0].typed
        zero = Decimal("0")
        return {
            "channel_order_id": self.key, "ordered_at": first["ordered_at"], "ship_by": first.get("ship_by"),
            "payment_mode": first.get("payment_mode") or "prepaid", "currency": first.get("currency") or "INR",
            "shipping_total": first.get("shipping_total") or zero, "discount_total": first.get("discount_total") or zero,
            "grand_total": first["grand_total"],
            "buyer": {part: first.get(f"buyer_{part}") or "" for part in ("name", "email", "phone")},
            "shipping_address": {part: first.get(f"ship_{part}") or "" for part in intake.ADDRESS_PARTS},
            "lines": [
                {"line_id": row.typed.get("line_id"), "sku": row.typed["sku"], "title": row.typed.get("title") or "",
                 "quantity": row.typed["quantity"], "unit_price": row.typed["unit_price"],
                 "discount": row.typed.get("line_discount") or zero}
                for row in self.rows
            ],
        }  # fmt: skip

    def errors_of(self, error: DomainError) -> list[RowError]:
        """A refusal of the whole order as row errors, each on the row and column its field comes from."""
        if not isinstance(error, OrderError):
            return [self.rows[0].error("", f"Order {self.key}: {error.message}")]
        return [self._locate(intake.shape_field(name), reason) for name, reason in error.problems]

    def _locate(self, name: str, reason: str) -> RowError:
        line, _, part = name.partition("].")
        if line.startswith("lines[") and part:
            index = int(line.removeprefix("lines["))
            row = self.rows[index] if index < len(self.rows) else self.rows[0]
            return row.error(LINE_FIELD_COLUMNS.get(part, ""), reason)
        column = ADDRESS_COLUMNS.get(name) or (name if name in ORDER_COLUMNS else "")
        return self.rows[0].error(column, reason)


def group_orders(rows: list[OrderRow]) -> Iterator[FileOrder]:
    """The file's orders in the order they first appear; a row without an order id is an order of its own
    (refused: its id cell is blank)."""
    orders: dict[str, FileOrder] = {}
    for row in rows:
        key = row.typed.get("channel_order_id")
        if key is None:
            yield FileOrder(key="", rows=[row])
            continue
        if key not in orders:
            orders[key] = FileOrder(key=key, rows=[])
        orders[key].rows.append(row)
    yield from orders.values()


# Importing --------------------------------------------------------------------------------------


@dataclass
class OrderPlan:
    account: ChannelAccount
    orders: list[FileOrder]  # the good ones
    refused: int
    existing: set[str]  # channel order ids already imported for the account


class OrderImporter(Importer):
    kind = ImportJob.Kind.ORDERS
    columns = COLUMNS
    required_columns = REQUIRED
    all_or_nothing = RECORD
    record_name = "order"

    def validate(self, tenant, rows: list[Row], progress: Progress) -> tuple[OrderPlan, list[RowError]]:
        account = self._account(tenant)
        read: list[OrderRow] = []
        for done, row in enumerate(rows, start=1):
            read.append(OrderRow.read(row))
            progress(done)
        orders = list(group_orders(read))
        for order in orders:
            order.check()
        checked = [order for order in orders if not order.refused]
        changed = intake.changed_orders(account, [order.dto for order in checked])
        for order in checked:
            if order.key in changed:
                order.refuse(changed[order.key])
        good = [order for order in orders if not order.refused]
        errors = [error for order in orders for error in order.errors]
        plan = OrderPlan(
            account, good, len(orders) - len(good), _existing(account, [order.key for order in good])
        )
        return plan, errors

    def _account(self, tenant) -> ChannelAccount:
        account = ChannelAccount.objects.for_tenant(tenant).filter(pk=self.options.get("account")).first()
        if account is None:
            raise DomainError("The channel account of this import no longer exists.", field="account")
        intake.check_intake_account(account)
        return account

    def apply(self, tenant, plan: OrderPlan) -> Applied:
        """Import the good orders a page at a time (``import_orders`` gives each page its transaction and
        still refuses an order on its own); an order refused only now joins the refused ones."""
        applied = Applied(created=0, updated=0, refused=plan.refused)
        for start in range(0, len(plan.orders), PAGE):
            page = plan.orders[start : start + PAGE]
            outcomes = import_orders(
                plan.account, [order.dto for order in page], actor=self.actor, source="import"
            )
            for order, outcome in zip(page, outcomes, strict=True):
                if outcome.error is not None:
                    applied.refused += 1
                    applied.errors += order.errors_of(outcome.error)
                elif outcome.created:
                    applied.created += 1
                else:
                    applied.updated += 1
        return applied

    def describe(self, plan: OrderPlan) -> str:
        new = sum(1 for order in plan.orders if order.key not in plan.existing)
        text = f"{len(plan.orders)} order(s) would be imported ({new} new, {len(plan.orders) - new} already there)"
        return f"{text} and {plan.refused} refused" if plan.refused else text


def _existing(account: ChannelAccount, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(keys):
        found.update(
            Order.objects.filter(account=account, channel_order_id__in=chunk).values_list(
                "channel_order_id", flat=True
            )
        )
    return found
