"""Numbers that must never repeat and never skip: AWBs from a courier's series and invoice serials.

Each is taken under a row lock (``select_for_update``) inside the caller's transaction, so two packers
finishing at once wait for each other and get different numbers, and a packing that fails after taking
one rolls the number back with everything else: invoice serials stay gap-free.
"""

import re
from datetime import date

from django.db import IntegrityError, transaction

from hub.core.errors import Conflict, DomainError
from warehouse.models import Warehouse
from warehouse.shipping.models import FY_PART, INVOICE_NUMBER_LENGTH, Courier, InvoiceCounter, InvoiceSeries

DEFAULT_PREFIX = "INV"
PREFIX_RE = re.compile(r"^[A-Za-z0-9]+$")


class SeriesExhausted(Conflict):
    code = "awb_series_exhausted"


def financial_year(day: date) -> int:
    """The Indian financial year (April to March) ``day`` falls in, by its first year: 2026 for 2026-27."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(year: int) -> str:
    """2026 -> "26-27", as the invoice number prints it."""
    return f"{year % 100:02d}-{(year + 1) % 100:02d}"


def prefix_error(prefix: str, digits: int) -> str | None:
    """Why a series cannot print its numbers within rule 46's 16 characters, or None."""
    if not PREFIX_RE.match(prefix or ""):
        return "The prefix is letters and digits only (the number adds '/' and the year)."
    if len(prefix) + FY_PART + digits > INVOICE_NUMBER_LENGTH:
        room = INVOICE_NUMBER_LENGTH - FY_PART - digits
        return (f"{prefix}/26-27/{'0' * digits} is longer than {INVOICE_NUMBER_LENGTH} characters (CGST Rules, "
                f"rule 46): use a prefix of at most {room} characters, or fewer digits.")  # fmt: skip
    return None


def take_awb(courier: Courier) -> str:
    """The next AWB of the courier's series; refused when the series is used up."""
    locked = Courier.objects.select_for_update().get(pk=courier.pk)
    if locked.awb_source != Courier.AwbSource.SERIES:
        raise DomainError(f"{locked.name} AWBs are not from a series; key or scan the AWB.", field="awb")
    number = locked.awb_next
    if number is None or locked.awb_last is None or number > locked.awb_last:
        raise SeriesExhausted(
            f"{locked.name}'s AWB series is used up (last {locked.format_awb(locked.awb_last or 0)}): ask the "
            "courier for a new range and enter it on the courier before packing more parcels for it.",
            field="courier",
        )  # fmt: skip
    Courier.objects.filter(pk=locked.pk).update(awb_next=number + 1)
    courier.awb_next = number + 1
    return locked.format_awb(number)


def series_for(warehouse: Warehouse) -> InvoiceSeries:
    """The warehouse's own series, else the tenant's default one (made on first use)."""
    own = InvoiceSeries.objects.filter(warehouse=warehouse).first()
    if own is not None:
        return own
    default = InvoiceSeries.objects.filter(tenant_id=warehouse.tenant_id, warehouse__isnull=True).first()
    if default is not None:
        return default
    try:
        with transaction.atomic():
            return InvoiceSeries.objects.create(tenant_id=warehouse.tenant_id, prefix=DEFAULT_PREFIX)
    except IntegrityError:  # another packer made it first, or the prefix INV is taken by a warehouse's series
        default = InvoiceSeries.objects.filter(tenant_id=warehouse.tenant_id, warehouse__isnull=True).first()
        if default is None:
            raise Conflict(
                f"Warehouse {warehouse.code} has no invoice series, and the default prefix {DEFAULT_PREFIX} is "
                "taken: make an invoice series for it.", code="no_invoice_series",
            ) from None  # fmt: skip
        return default


def take_invoice_number(series: InvoiceSeries, issued_on: date) -> tuple[int, int, str]:
    """(financial year, serial, number) of the next invoice of ``series`` issued on ``issued_on``."""
    InvoiceSeries.objects.select_for_update().get(pk=series.pk)  # serialises every numbering of the series
    year = financial_year(issued_on)
    counter = InvoiceCounter.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        counter = InvoiceCounter.objects.create(tenant_id=series.tenant_id, series=series, year=year)
    serial = counter.last_number + 1
    number = f"{series.prefix}/{year_label(year)}/{serial:0{series.digits}d}"
    if len(number) > INVOICE_NUMBER_LENGTH:
        raise Conflict(
            f"Invoice series {series.prefix} has run out of numbers for {year_label(year)}: {number} is longer "
            f"than {INVOICE_NUMBER_LENGTH} characters. Give the warehouse a new series.", code="invoice_series_full",
        )  # fmt: skip
    counter.last_number = serial
    counter.save(update_fields=["last_number"])
    return year, serial, number
