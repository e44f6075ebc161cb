"""The answers of a cycle count: plain JSON dicts, the same from the API and from the scanner pages, and
what ``warehouse.scans.once`` stores so that a repeated scan gets the first answer back. Counts are blind
for the counters (pickers): their answers carry no expected units."""

from typing import Any

from hub.catalog.models import SKU, Barcode
from hub.core.errors import DomainError
from hub.tenants.roles import STAFF_ROLES
from warehouse.counts.actions import Finish
from warehouse.counts.models import CountBin, CountLine, CycleCount
from warehouse.counts.selectors import count_details
from warehouse.counts.serializers import CountBinSerializer, CycleCountDetailSerializer
from warehouse.models import Bin


def is_blind(user) -> bool:
    """A counter who is not office staff counts blind: no expected units, no differences while counting."""
    return bool(user and user.is_authenticated and not user.has_role(*STAFF_ROLES))


def detail(count: CycleCount, *, blind: bool) -> dict[str, Any]:
    fresh = count_details(count.tenant_id).get(pk=count.pk)
    return CycleCountDetailSerializer(fresh, context={"blind": blind}).data


def count_answer(count: CycleCount, bin: Bin, message: str, *, blind: bool) -> dict[str, Any]:
    """After a bin is scanned or units counted in it: the bin, the SKUs counted in it so far, the count."""
    entry = CountBin.objects.select_related("bin").get(count=count, bin=bin)
    lines = CountLine.objects.filter(count=count, bin=bin, status=CountLine.Status.COUNTING, counted__gt=0)
    return {
        "message": message,
        "next": "count_units",
        "bin": CountBinSerializer(entry).data,
        "counted": [{"sku": line.sku_id, "sku_code": line.sku.code, "counted": line.counted}
                    for line in lines.select_related("sku").order_by("sku__code")],
        "count": detail(count, blind=blind),
    }  # fmt: skip


def finish_answer(result: Finish, *, blind: bool) -> dict[str, Any]:
    body = detail(result.count, blind=blind)
    return {
        "message": finish_message(result), "next": body["next"], "posted": len(result.posted),
        "waiting": len(result.waiting), "recount": [bin.code for bin in result.recount], "count": body,
    }  # fmt: skip


def finish_message(result: Finish) -> str:
    parts = [f"{len(result.posted)} difference(s) posted"]
    if result.waiting:
        parts.append(f"{len(result.waiting)} wait for a supervisor's approval")
    if result.recount:
        parts.append(f"stock moved while counting: count bin(s) {', '.join(b.code for b in result.recount)} again")
    return "; ".join(parts) + "."


def bin_for_barcode(tenant, code: str) -> Bin:
    """The tenant's bin whose label was scanned (``tenant``: a tenant or its id)."""
    found = Bin.objects.for_tenant(tenant).filter(barcode=(code or "").strip()).first()
    if found is None:
        raise DomainError(f"No bin has the barcode {code!r}.", field="barcode", code="unknown_bin")
    return found


def sku_for_barcode(tenant, code: str) -> SKU:
    """The SKU a unit's barcode (or SKU code) names; a bin's barcode is told apart, to move on to it."""
    code = (code or "").strip()
    barcode = Barcode.objects.for_tenant(tenant).filter(code=code).select_related("sku").first()
    sku = barcode.sku if barcode else SKU.objects.for_tenant(tenant).filter(code=code).first()
    if sku is not None:
        return sku
    if Bin.objects.for_tenant(tenant).filter(barcode=code).exists():
        raise DomainError(f"{code} is a bin: finish this bin, then scan {code} on the bin screen.", field="barcode",
                          code="is_a_bin")  # fmt: skip
    raise DomainError(f"No SKU has the barcode {code!r}.", field="barcode", code="unknown_barcode")
