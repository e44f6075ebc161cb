"""The scanner pages of inbound, on the scanner kit (``warehouse.scanner``).

Receive (``/scan/receive/``): scan a PO number (or tap one) to start or carry on its GRN, or start a
blind receipt by scanning a receiving bin; then scan each unit (damaged toggle, keyed quantity for SKUs
that allow it), and complete. Put away (``/scan/putaway/``): scan a receiving bin or an item in one,
see the suggested bin, scan it (or another storage bin) to move the units.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from hub.catalog.models import SKU
from hub.core.errors import DomainError
from hub.dashboard.access import role_required
from warehouse.inbound import answers, selectors, services
from warehouse.inbound.models import GoodsReceipt, PurchaseOrder
from warehouse.models import Bin, StockLevel
from warehouse.scanner import kit
from warehouse.scanner.menu import Flow, register


def register_flows() -> None:
    register(Flow("receive", "Receive", "inbound:receive", hint="Count a delivery in against its PO", order=10))
    register(Flow("putaway", "Put away", "inbound:putaway", hint="Move received units onto the shelves", order=20))


# Receive ---------------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def receive(request: HttpRequest) -> HttpResponse:
    """Choose what to receive: scan a PO number, tap an open PO or GRN, or go blind."""
    tenant = request.user.tenant
    data = kit.payload(request) if request.method == "POST" else {}
    answer, status = None, 200
    if data.get("po") or data.get("code"):  # may open a GRN: once per key, so a resent scan opens one
        answer, status = kit.run(request, "grn.start", lambda key: _receive_step(request, data), data=data)
    elif request.method == "POST":
        answer, status = kit.attempt(lambda: _receive_step(request, data))
    # Blind mode: asked for just now, or a blind scan was refused (the receiver tries another bin).
    blind = data.get("do") == "blind" or (answer is not None and not answer.get("ok") and data.get("mode") == "blind")
    prompt = "Scan the receiving bin for the blind receipt" if blind else "Scan the PO number"
    screen = kit.Screen(
        title="Receive", template="inbound/scan/receive.html", action=reverse("inbound:receive"), prompt=prompt,
        context={
            "blind": blind, "orders": selectors.receivable_orders(tenant)[:30],
            "receipts": selectors.open_receipts(tenant)[:30],
        },
    )  # fmt: skip
    return kit.respond(request, screen, answer, status=status)


def _receive_step(request: HttpRequest, data: dict[str, Any]) -> kit.Answer:
    tenant, user = request.user.tenant, request.user
    if data.get("do") == "blind":
        return {"ok": True, "message": "Blind receipt: scan the receiving bin."}
    if data.get("do") == "back":
        return {"ok": True, "message": "Scan the PO number."}
    if data.get("po"):
        po = PurchaseOrder.objects.for_tenant(tenant).filter(pk=_id(data["po"])).first()
        if po is None:
            raise DomainError("That purchase order is gone; scan its number.", field="po")
        return _into(_receipt_for(po, user))
    code = str(data.get("code") or "").strip()
    if not code:
        raise DomainError("Nothing was scanned; scan the PO number.", field="code")
    if data.get("mode") == "blind":
        bin_ = selectors.find_bin(tenant, code)
        if bin_ is None or bin_.kind != Bin.Kind.RECEIVING:
            raise DomainError(f"{code} is not a receiving bin; scan the label of a receiving (dock) bin.", field="code")
        return _into(services.start_receipt(tenant, receiving_bin=bin_, actor=user))
    po = PurchaseOrder.objects.for_tenant(tenant).filter(number__iexact=code).first()
    if po is None:
        raise DomainError(f"No purchase order {code}. Scan the PO number, or start a blind receipt.", field="code")
    return _into(_receipt_for(po, user))


def _receipt_for(po: PurchaseOrder, user) -> GoodsReceipt:
    """The PO's open GRN to carry on with, else a new one."""
    return selectors.open_receipt_for(po) or services.start_receipt(user.tenant, purchase_order=po, actor=user)


def _into(receipt: GoodsReceipt) -> kit.Answer:
    against = receipt.purchase_order.number if receipt.purchase_order_id else "no PO (blind)"
    return {
        "ok": True,
        "message": f"{receipt.number}: {against}, into {receipt.receiving_bin.code}. Scan the units.",
        "redirect": reverse("inbound:receipt", args=[receipt.pk]),
    }


@role_required(*kit.SCANNER_ROLES)
def receipt(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """Scan the units of one GRN; ``do=finish`` asks to complete, ``do=complete`` completes."""
    grn = get_object_or_404(GoodsReceipt.objects.for_tenant(request.user.tenant), pk=receipt_id)
    answer, status, confirming = None, 200, False
    if request.method == "POST":
        data = kit.payload(request)
        action = data.get("do") or ""
        if action == "finish":
            answer, status = kit.attempt(lambda: _confirm_question(grn))
            confirming = answer["ok"]
        elif action == "complete":
            answer, status = kit.run(request, "grn.complete", lambda key: _complete(grn, request.user), data=data)
        elif action == "back":
            answer = {"ok": True, "message": "Carry on scanning."}
        else:
            answer, status = kit.run(request, "grn.scan", lambda key: _scan(grn, data, key, request.user), data=data)
        grn.refresh_from_db()
    return kit.respond(request, _receipt_screen(grn, confirming=confirming), answer, status=status)


def _scan(grn: GoodsReceipt, data: dict[str, Any], key: str, user) -> kit.Answer:
    result = services.receive_scan(
        grn, barcode=str(data.get("code") or ""), key=key, quantity=_quantity(data.get("quantity")),
        damaged=_flag(data.get("damaged")), actor=user,
    )  # fmt: skip
    return answers.scan_answer(result)


def _complete(grn: GoodsReceipt, user) -> kit.Answer:
    return answers.completion_answer(services.complete_receipt(grn, actor=user))


def _confirm_question(grn: GoodsReceipt) -> kit.Answer:
    totals = answers.receipt_totals(grn)
    if not (totals["good"] or totals["damaged"]):
        raise DomainError(f"Nothing was scanned on {grn.number}; scan the units first.", field="lines")
    return {"ok": True, "message": f"Complete {grn.number}? {totals['good']} good, {totals['damaged']} damaged."}


def _receipt_screen(grn: GoodsReceipt, *, confirming: bool) -> kit.Screen:
    lines = _receipt_rows(grn)
    done = grn.status == GoodsReceipt.Status.COMPLETED
    prompt = "" if done or confirming else "Scan each unit"
    return kit.Screen(
        title=grn.number, template="inbound/scan/receipt.html", action=reverse("inbound:receipt", args=[grn.pk]),
        prompt=prompt, scan=not (done or confirming), back=reverse("inbound:receive"),
        context={
            "grn": grn, "rows": lines, "done": done, "confirming": confirming,
            "totals": answers.receipt_totals(grn), "keyed": _keyed_allowed(grn),
        },
    )  # fmt: skip


def _receipt_rows(grn: GoodsReceipt) -> list[dict[str, Any]]:
    """One row per SKU: PO lines (ordered, received before, on this GRN), then SKUs only on the GRN."""
    scanned = {line.sku_id: line for line in grn.lines.select_related("sku")}
    rows = []
    if grn.purchase_order_id:
        for po_line in grn.purchase_order.lines.select_related("sku").order_by("sku__code"):
            line = scanned.pop(po_line.sku_id, None)
            good = line.quantity_good if line else 0
            # An open GRN adds to the completed ones; a completed one shows the standing it recorded.
            before = po_line.quantity_received
            if line is not None and line.received_before is not None:
                before = line.received_before
            to_date = before + good
            rows.append({
                "sku": po_line.sku, "ordered": po_line.quantity_ordered, "good": good, "to_date": to_date,
                "damaged": line.quantity_damaged if line else 0,
                "state": "over" if to_date > po_line.quantity_ordered else "done" if to_date == po_line.quantity_ordered else "",
                "variance": line.variance if line else None, "note": _standing(to_date, po_line.quantity_ordered),
            })  # fmt: skip
    for line in sorted(scanned.values(), key=lambda line: line.sku.code):
        rows.append({
            "sku": line.sku, "ordered": None, "good": line.quantity_good, "to_date": line.quantity_good,
            "damaged": line.quantity_damaged, "state": "", "variance": None, "note": "",
        })  # fmt: skip
    return rows


def _standing(to_date: int, ordered: int) -> str:
    if to_date > ordered:
        return f"{to_date - ordered} over"
    if to_date < ordered:
        return f"{ordered - to_date} short"
    return "complete"


def _keyed_allowed(grn: GoodsReceipt) -> bool:
    """Show the quantity field when some SKU of this receipt may be keyed (any SKU, on a blind one)."""
    if grn.purchase_order_id is None:
        return True
    return grn.purchase_order.lines.filter(sku__key_quantity=True).exists()


# Putaway ---------------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def putaway(request: HttpRequest) -> HttpResponse:
    """Steps, carried in the screen's hidden fields: no bin yet → a receiving bin chosen (``from_bin``) →
    an item chosen in it (``sku``), with the suggested bin → scan the destination → back to the bin."""
    tenant = request.user.tenant
    state: dict[str, Any] = {}
    answer, status = None, 200
    if request.method == "POST":
        data = kit.payload(request)
        state = _putaway_state(tenant, data)
        if state.get("sku") is not None:
            answer, status = kit.run(
                request, "putaway.confirm", lambda key: _confirm_putaway(state, data, key, request.user), data=data
            )
            if answer.get("ok"):
                state = {"from_bin": state["from_bin"]}
        else:
            answer, status = kit.attempt(lambda: _choose(tenant, state, data))
            if answer.get("ok"):
                state = answer.pop("state")
    return kit.respond(request, _putaway_screen(tenant, state), answer, status=status)


def _putaway_state(tenant, data: dict[str, Any]) -> dict[str, Any]:
    """The receiving bin and item the screen was showing (ids in hidden fields), re-read for the tenant.
    An item stays chosen even when its units are gone, so a repeated confirmation gets its first answer."""
    state: dict[str, Any] = {}
    if data.get("do") == "restart":
        return state
    bins = Bin.objects.for_tenant(tenant).filter(kind=Bin.Kind.RECEIVING).select_related("warehouse")
    from_bin = bins.filter(pk=_id(data.get("from_bin"))).first()
    if from_bin is None:
        return state
    state["from_bin"] = from_bin
    if data.get("do") == "other":
        return state
    sku = SKU.objects.for_tenant(tenant).filter(pk=_id(data.get("sku"))).first()
    if sku is not None:
        state["sku"] = sku
    return state


def _choose(tenant, state: dict[str, Any], data: dict[str, Any]) -> kit.Answer:
    """No item chosen yet: the scan names a receiving bin, or an item (in the chosen bin, or in any)."""
    if data.get("do") in ("restart", "other"):
        return {"ok": True, "message": "Scan a receiving bin or an item.", "state": state}
    if data.get("take"):  # a tap on an item waiting in a receiving bin: "bin id:sku id"
        bin_id, _, sku_id = str(data["take"]).partition(":")
        level = selectors.awaiting_putaway(tenant).filter(bin_id=_id(bin_id), sku_id=_id(sku_id)).first()
        if level is None:
            raise DomainError("Those units are not waiting there any more; scan the receiving bin.", field="take")
        return _item_chosen(level)
    code = str(data.get("code") or "").strip()
    if not code:
        raise DomainError("Nothing was scanned; scan a receiving bin or an item.", field="code")
    bin_ = selectors.find_bin(tenant, code)
    if bin_ is not None:
        if bin_.kind != Bin.Kind.RECEIVING:
            raise DomainError(f"{bin_.code} is a {bin_.get_kind_display().lower()} bin; scan a receiving bin or an item in one.", field="code")
        levels = list(selectors.awaiting_putaway(tenant, bin=bin_))
        if not levels:
            raise DomainError(f"Receiving bin {bin_.code} is empty; nothing to put away there.", field="code")
        if len(levels) == 1:
            return _item_chosen(levels[0])
        return {"ok": True, "message": f"{bin_.code}: {len(levels)} items. Scan the one to put away.", "state": {"from_bin": bin_}}
    sku = selectors.find_sku(tenant, code)
    if sku is None:
        raise DomainError(f"Unknown code {code}: not a bin or an item.", field="code")
    levels = list(selectors.awaiting_putaway(tenant, bin=state.get("from_bin"), sku=sku))
    if not levels:
        where = f"receiving bin {state['from_bin'].code}" if state.get("from_bin") else "any receiving bin"
        raise DomainError(f"{sku.code} is not waiting in {where}.", field="code")
    if len(levels) > 1:
        bins = ", ".join(level.bin.code for level in levels)
        raise DomainError(f"{sku.code} waits in {bins}; scan the receiving bin first.", field="code")
    return _item_chosen(levels[0])


def _item_chosen(level: StockLevel) -> kit.Answer:
    suggestion = selectors.suggest_putaway_bin(level.sku, level.bin)
    answer = answers.suggestion_answer(level.sku, level.bin, level.available, suggestion)
    answer["state"] = {"from_bin": level.bin, "sku": level.sku}
    return answer


def _confirm_putaway(state: dict[str, Any], data: dict[str, Any], key: str, user) -> kit.Answer:
    sku, from_bin = state["sku"], state["from_bin"]
    code = str(data.get("code") or "").strip()
    if not code:
        raise DomainError("Scan the bin you put the units in.", field="code")
    to_bin = selectors.find_bin(from_bin.tenant_id, code)
    if to_bin is None:
        if selectors.find_sku(from_bin.tenant_id, code) is not None:
            raise DomainError(f"{code} is an item; scan the label of the bin you put {sku.code} in.", field="code")
        raise DomainError(f"Unknown bin {code}; scan the bin's label.", field="code")
    quantity = _quantity(data.get("quantity"))
    result = services.put_away(sku, from_bin, to_bin, quantity, key=key, actor=user)
    return answers.putaway_answer(result, sku, from_bin, to_bin, quantity)


def _putaway_screen(tenant, state: dict[str, Any]) -> kit.Screen:
    from_bin, sku = state.get("from_bin"), state.get("sku")
    level = selectors.awaiting_putaway(tenant, bin=from_bin, sku=sku).first() if sku is not None else None
    if level is None:
        sku = None  # nothing (left) to put away of it: back to the bin's items
    context: dict[str, Any] = {"from_bin": from_bin, "sku": sku}
    if level is not None:
        suggestion = selectors.suggest_putaway_bin(sku, from_bin)
        context.update(available=level.available, suggestion=suggestion)
        prompt = f"Scan {suggestion.bin.code}, or another storage bin" if suggestion else "Scan a storage bin"
    elif from_bin is not None:
        context["levels"] = list(selectors.awaiting_putaway(tenant, bin=from_bin))
        prompt = f"Scan an item in {from_bin.code}"
        if not context["levels"]:
            context["levels"] = None
            context["waiting"] = list(selectors.awaiting_putaway(tenant)[:30])
            prompt = "Scan a receiving bin or an item"
            context["from_bin"] = None
    else:
        context["waiting"] = list(selectors.awaiting_putaway(tenant)[:30])
        prompt = "Scan a receiving bin or an item"
    return kit.Screen(
        title="Put away", template="inbound/scan/putaway.html", action=reverse("inbound:putaway"), prompt=prompt,
        context=context,
    )


# Parsing -----------------------------------------------------------------------------------------------------


def _id(value) -> int | None:
    """A row id from a hidden field; None for anything else (the row is then simply not found)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _quantity(value) -> int:
    if value in (None, ""):
        return 1
    text = str(value).strip()
    if not text.isdigit():
        raise DomainError("The quantity must be a whole number of units.", field="quantity")
    return int(text)


def _flag(value) -> bool:
    return value is True or str(value).lower() in ("on", "true", "1", "yes")
