"""The answers of the returns desk: plain JSON dicts, the same from the API and from the scanner pages, and
what ``warehouse.scans.once`` stores so that a repeated scan gets the first answer back."""

from typing import Any

from hub.core.errors import DomainError
from warehouse.models import Bin
from warehouse.returns.actions import Scan
from warehouse.returns.models import Return, ReturnPutaway
from warehouse.returns.selectors import return_details
from warehouse.returns.serializers import ReturnDetailSerializer


def detail(order_return: Return) -> dict[str, Any]:
    """The whole return as the API shows it: units shipped and back, lines, what waits, what is next."""
    fresh = return_details(order_return.tenant_id).get(pk=order_return.pk)
    return ReturnDetailSerializer(fresh).data


def scan_answer(scan: Scan, grade: str) -> dict[str, Any]:
    """What one graded scan did: the units, the bin they went into, what the order still owes."""
    units, sku = sum(line.quantity for line in scan.lines), scan.lines[0].sku.code
    message = f"{units} x {sku} graded {grade}: into bin {scan.bin.code}."
    return _answer(detail(scan.order_return), message, scan.bin, scan.lines, scan.left_of_sku, scan.left)


def putaway_answer(order_return: Return, rows: list[ReturnPutaway], to_bin: Bin) -> dict[str, Any]:
    """What a put-away did; ``left`` counts the return's good units still waiting in the returns bin."""
    body, sku = detail(order_return), rows[0].sku
    message = f"{sum(row.quantity for row in rows)} x {sku.code} put away in bin {to_bin.code}."
    waiting = body["waiting_putaway"]
    left_of_sku = sum(item["quantity"] for item in waiting if item["sku"] == sku.pk)
    return _answer(body, message, to_bin, [], left_of_sku, sum(item["quantity"] for item in waiting))


def _answer(body: dict, message: str, bin: Bin, lines, left_of_sku: int, left: int) -> dict[str, Any]:
    return {
        "message": message,
        "next": body["next"],
        "bin": {"id": bin.pk, "code": bin.code, "barcode": bin.barcode, "kind": bin.kind},
        "lines": [line for line in body["lines"] if line["id"] in {row.pk for row in lines}],
        "left_of_sku": left_of_sku,
        "left": left,
        "order_return": body,
    }


def bin_for_barcode(tenant, code: str) -> Bin:
    """The tenant's bin whose label was scanned."""
    found = Bin.objects.for_tenant(tenant).filter(barcode=(code or "").strip()).first()
    if found is None:
        raise DomainError(f"No bin has the barcode {code!r}.", field="bin", code="unknown_bin")
    return found
