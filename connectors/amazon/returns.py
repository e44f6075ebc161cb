"""Amazon's returns report -> the hub's return notices; pure functions, no I/O.

``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` (Reports API 2021-06-30) is a tab-separated file with a
header row; the columns this reads, as Amazon's "Returns reports attributes" page names them, are
``Order ID``, ``Return request date``, ``Return request status``, ``Amazon RMA ID``, ``Merchant SKU``,
``Return quantity`` and ``Return Reason`` (the rest: label, carrier, tracking, ASIN, item name, refund, SafeT
claim, ... stay in the raw row). A row is one item of one return authorisation (RMA); an RMA's rows make
one notice, keyed by the RMA id. Headers are matched without regard to case, spaces or hyphens, so
``order-id`` reads as ``Order ID``. A row that cannot be read fails alone, keyed by its RMA id (or order id).
"""

import csv
import io
from datetime import UTC, datetime
from typing import Any

from connectors.base import ChannelReturnDTO, RecordFailure, ReturnKind

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
CANCELLED_STATUSES = frozenset({"cancelled", "canceled", "rejected"})  # an RMA that will bring nothing back
COLUMNS = {"order": "orderid", "date": "returnrequestdate", "status": "returnrequeststatus", "rma": "amazonrmaid",
           "sku": "merchantsku", "quantity": "returnquantity", "reason": "returnreason"}  # fmt: skip
DATE_FORMATS = ("%d-%b-%Y", "%b %d, %Y", "%d/%m/%Y", "%Y-%m-%d")


class ReportError(ValueError):
    """A row (or the whole file) the hub cannot read."""


def returns_from_report(text: str) -> tuple[list[ChannelReturnDTO], list[RecordFailure], datetime | None]:
    """The notices of a returns report, its unreadable rows, and the latest return request date in it."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter="\t"))
    if not rows:
        return [], [], None
    header = [_key(name) for name in rows[0]]
    missing = [name for name in ("order", "rma", "sku", "quantity") if COLUMNS[name] not in header]
    if missing:
        raise ReportError(f"The returns report lacks the columns {', '.join(COLUMNS[m] for m in missing)}.")
    grouped: dict[str, list[dict[str, str]]] = {}
    failures = []
    for values in rows[1:]:
        if not any(value.strip() for value in values):
            continue
        row = {name: values[header.index(column)].strip() if header.index(column) < len(values) else ""
               for name, column in COLUMNS.items() if column in header}  # fmt: skip
        raw = dict(zip(rows[0], values, strict=False))
        try:
            _check(row)
        except ReportError as exc:
            failures.append(RecordFailure(key=row.get("rma") or row.get("order") or "?", error=str(exc), payload=raw))
            continue
        grouped.setdefault(row["rma"], []).append({**row, "_raw": raw})
    notices = [_notice(rma, rows) for rma, rows in grouped.items()]
    stamps = [notice.requested_at for notice in notices if notice.requested_at]
    return notices, failures, max(stamps, default=None)


def _notice(rma: str, rows: list[dict[str, Any]]) -> ChannelReturnDTO:
    units: dict[str, int] = {}
    for row in rows:
        if row.get("status", "").lower() not in CANCELLED_STATUSES:
            units[row["sku"]] = units.get(row["sku"], 0) + int(row["quantity"])
    first = rows[0]
    reasons = "; ".join(dict.fromkeys(row["reason"] for row in rows if row.get("reason")))
    return ChannelReturnDTO(channel_return_id=rma, channel_order_id=first["order"], kind=ReturnKind.CUSTOMER,
                            lines=tuple(units.items()), reason=reasons, requested_at=report_date(first.get("date", "")),
                            raw={"rows": [row["_raw"] for row in rows]})  # fmt: skip


def _check(row: dict[str, str]) -> None:
    for name in ("order", "rma", "sku"):
        if not row.get(name):
            raise ReportError(f"A returns report row has no {COLUMNS[name]}.")
    if not row["quantity"].isdigit() or int(row["quantity"]) < 1:
        raise ReportError(f"RMA {row['rma']}: return quantity {row['quantity']!r} is not a number of units.")
    if row.get("date") and report_date(row["date"]) is None:
        raise ReportError(f"RMA {row['rma']}: return request date {row['date']!r} is not a date.")


def report_date(value: str) -> datetime | None:
    """A report date: ISO 8601 (a bare date or a time), or the day-month-year forms Seller Central writes."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for pattern in DATE_FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)  # noqa: DTZ007 - a date without a zone, taken as UTC
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())
