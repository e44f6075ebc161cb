"""The answers a handheld gets: plain JSON dicts, the same from the API and from the scanner pages, and
what ``warehouse.scans.once`` stores so that a repeated request gets the first answer back."""

from typing import Any

from warehouse.inbound.models import GoodsReceipt, GoodsReceiptLine
from warehouse.inbound.selectors import Suggestion
from warehouse.inbound.services import ScanResult
from warehouse.models import Bin
from warehouse.stock import StockResult


def receipt_totals(receipt: GoodsReceipt) -> dict[str, Any]:
    lines = list(receipt.lines.all())
    return {
        "id": receipt.pk,
        "number": receipt.number,
        "status": receipt.status,
        "good": sum(line.quantity_good for line in lines),
        "damaged": sum(line.quantity_damaged for line in lines),
    }


def scan_answer(result: ScanResult) -> dict[str, Any]:
    """What one receiving scan did, in words and in numbers."""
    line, po_line, sku = result.line, result.po_line, result.sku
    if result.damaged:
        message = f"{sku.code}: {result.quantity} damaged → {result.bin.code}"
    elif po_line is not None:
        to_date = po_line.quantity_received + line.quantity_good
        message = f"{sku.code} +{result.quantity} · {to_date} of {po_line.quantity_ordered}"
        if to_date > po_line.quantity_ordered:
            message += f" · {to_date - po_line.quantity_ordered} over the order"
    else:
        message = f"{sku.code} +{result.quantity} · {line.quantity_good} on this receipt"
    return {
        "ok": True,
        "message": message,
        "sku": sku.code,
        "name": sku.name,
        "quantity": result.quantity,
        "damaged": result.damaged,
        "bin": result.bin.code,
        "line": {
            "sku": sku.code,
            "good": line.quantity_good,
            "damaged": line.quantity_damaged,
            "ordered": po_line.quantity_ordered if po_line else None,
            "received_before": po_line.quantity_received if po_line else None,
        },
        "receipt": receipt_totals(result.receipt),
    }


def variance_words(line: GoodsReceiptLine) -> str:
    if line.variance is None:
        return ""
    if line.variance > 0:
        return f"{line.variance} over"
    if line.variance < 0:
        return f"{-line.variance} short"
    return "complete"


def completion_answer(receipt: GoodsReceipt) -> dict[str, Any]:
    lines = list(receipt.lines.select_related("sku").order_by("sku__code"))
    off = [f"{line.sku.code} {variance_words(line)}" for line in lines if line.variance]
    totals = receipt_totals(receipt)
    message = f"{receipt.number} completed: {totals['good']} good, {totals['damaged']} damaged"
    if receipt.purchase_order_id:
        message += "; " + ("; ".join(off) if off else "everything as ordered")
    return {
        "ok": True,
        "message": message,
        "receipt": totals,
        "purchase_order": (
            {"number": receipt.purchase_order.number, "status": receipt.purchase_order.status}
            if receipt.purchase_order_id else None
        ),
        "lines": [
            {
                "sku": line.sku.code, "good": line.quantity_good, "damaged": line.quantity_damaged,
                "ordered": line.quantity_ordered, "received_to_date": _to_date(line), "variance": line.variance,
            }
            for line in lines
        ],
    }  # fmt: skip


def _to_date(line: GoodsReceiptLine) -> int | None:
    if line.received_before is None:
        return None
    return line.received_before + line.quantity_good


def bin_brief(bin_: Bin) -> dict[str, Any]:
    return {"id": bin_.pk, "code": bin_.code, "barcode": bin_.barcode}


def suggestion_answer(sku, from_bin: Bin, available: int, suggestion: Suggestion | None) -> dict[str, Any]:
    if suggestion is None:
        message = f"No empty storage bin in {from_bin.warehouse.code}: scan any storage bin with room."
    else:
        message = f"Put {sku.code} in {suggestion.bin.code}"
    return {
        "ok": True,
        "message": message,
        "sku": sku.code,
        "name": sku.name,
        "from_bin": bin_brief(from_bin),
        "available": available,
        "suggested_bin": bin_brief(suggestion.bin) if suggestion else None,
        "reason": suggestion.reason if suggestion else "",
    }


def putaway_answer(result: StockResult, sku, from_bin: Bin, to_bin: Bin, quantity: int) -> dict[str, Any]:
    left = next((m.on_hand_after for m in result.movements if m.bin_id == from_bin.pk), None)
    return {
        "ok": True,
        "message": f"{quantity} x {sku.code} put away in {to_bin.code}",
        "sku": sku.code,
        "quantity": quantity,
        "from_bin": bin_brief(from_bin),
        "to_bin": bin_brief(to_bin),
        "left_in_from_bin": left,
    }
