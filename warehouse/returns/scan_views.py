"""The returns desk's scanner pages, on the scanner kit (``warehouse.scanner``).

Returns (``/scan/returns/``): choose RTO or customer return (two big buttons, kept apart), scan the
parcel's AWB or the order id: the order's return opens (or resumes). The return screen shows the order
and what may still come back, per SKU; each unit is scanned and so received, graded good unless the
Damaged toggle was set for it. "Complete" asks first, then closes the return; its good units wait in the
returns bin, and the put-away step moves them: scan the storage bin, then each unit put in it.

Why a toggle set before the scan, not two buttons after it: the picker holds the handheld in one hand and
the unit in the other. Most returned units are good (an RTO never reached the buyer), and with the toggle
a good unit is one pull of the trigger and no tap; a damaged one is a tap and a pull, the same two actions
buttons after the scan would cost for every unit. The toggle resets after each unit, as on the receive
page, so one forgotten tap never grades the next units; the answer says the grade in words.
"""

from collections import defaultdict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from hub.core.errors import DomainError
from hub.dashboard.access import role_required
from warehouse.inbound.selectors import find_bin
from warehouse.models import Bin
from warehouse.returns import actions, answers
from warehouse.returns.lookup import order_for_code
from warehouse.returns.models import Return, ReturnLine
from warehouse.returns.selectors import expected_text, returnable_units, returns, waiting_putaway
from warehouse.scanner import kit
from warehouse.scanner.menu import Flow, register

TITLES = {Return.Kind.RTO: "RTO", Return.Kind.CUSTOMER: "Return"}  # short: the top bar of a 360-px screen


def register_flows() -> None:
    register(Flow("returns", "Returns", "returns:home", hint="Receive RTOs and customer returns", order=60))


# Choosing what comes back ----------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """RTO or customer return: two big buttons; the open returns below, to carry on with."""
    screen = kit.Screen(
        title="Returns", template="returns/scan/home.html", action=reverse("returns:home"), scan=False,
        context={"open": returns(request.user.tenant).filter(status=Return.Status.OPEN).order_by("-created_at")[:20]},
    )  # fmt: skip
    return kit.respond(request, screen)


@role_required(*kit.SCANNER_ROLES)
def start(request: HttpRequest, kind: str) -> HttpResponse:
    """Scan the AWB on the parcel (or the order id): the order's return of this kind opens or resumes."""
    answer, status = None, 200
    if request.method == "POST":
        data = kit.payload(request)
        answer, status = kit.run(request, "return.open", lambda key: _open(request, kind, data), data=data)
    screen = kit.Screen(
        title=TITLES[kind], template="returns/scan/start.html", action=request.path,
        prompt="Scan the AWB on the parcel, or the order id", back=reverse("returns:home"), context={"kind": kind},
    )  # fmt: skip
    return kit.respond(request, screen, answer, status=status)


def _open(request: HttpRequest, kind: str, data: dict[str, Any]) -> kit.Answer:
    code = str(data.get("code") or "").strip()
    order = order_for_code(request.user.tenant, code)
    ret, created = actions.open_return(order, kind=kind, reference=code, actor=request.user)
    left = sum(unit.left for unit in returnable_units(order))
    verb = "opened" if created else "carried on"
    expected = expected_text(order)
    return {
        "ok": True, "message": f"{actions.LABELS[kind]} #{ret.pk} {verb}: order {order.channel_order_id}, "
                               f"{left} unit(s) may come back" + (f"; {expected}" if expected else "") + ". Scan each unit.",
        "redirect": reverse("returns:return", args=[ret.pk]), "order_return": answers.detail(ret),
    }  # fmt: skip


# One return ------------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def order_return(request: HttpRequest, return_id: int) -> HttpResponse:
    """Scan and grade the units; ``do=finish`` asks to complete, ``do=complete`` completes; then put away."""
    ret = get_object_or_404(returns(request.user.tenant), pk=return_id)
    answer, status, confirming, to_bin = None, 200, False, None
    if request.method == "POST":
        data = kit.payload(request)
        action = data.get("do") or ""
        if action == "finish":
            answer, status = kit.attempt(lambda: _confirm_question(ret))
            confirming = answer["ok"]
        elif action == "back":
            answer = {"ok": True, "message": "Carry on scanning."}
        elif action == "complete":
            answer, status = kit.run(request, "return.complete", lambda key: _complete(ret, request.user), data=data)
        elif action == "cancel":
            answer, status = kit.run(request, "return.cancel", lambda key: _cancel(ret, request.user), data=data)
        elif ret.status == Return.Status.OPEN:
            answer, status = kit.run(request, "return.scan", lambda key: _scan(ret, data, request.user), data=data)
        else:
            answer, status, to_bin = _put_away_step(request, ret, data)
        ret.refresh_from_db()
    return kit.respond(request, _return_screen(ret, confirming=confirming, to_bin=to_bin), answer, status=status)


def _scan(ret: Return, data: dict[str, Any], user) -> kit.Answer:
    grade = ReturnLine.Grade.DAMAGED if _flag(data.get("damaged")) else ReturnLine.Grade.GOOD
    scan = actions.scan_unit(ret, barcode=_code(data), grade=grade, quantity=_quantity(data), actor=user)
    return {"ok": True, **answers.scan_answer(scan, grade)}


def _confirm_question(ret: Return) -> kit.Answer:
    if ret.status != Return.Status.OPEN:
        raise DomainError(f"Return #{ret.pk} is {ret.get_status_display().lower()}.", code="return_closed")
    good, damaged = _graded(ret)
    if not (good or damaged):
        raise DomainError("Nothing was scanned on this return: scan its units first.", code="empty_return")
    left = sum(unit.left for unit in returnable_units(ret.order))
    out = f" {left} unit(s) stay out." if left else ""
    return {"ok": True, "message": f"Complete the return? {good} good, {damaged} damaged.{out}"}


def _complete(ret: Return, user) -> kit.Answer:
    done = actions.complete_return(ret, actor=user, source="scanner")
    good, damaged = _graded(done)
    message = f"{actions.LABELS[done.kind]} #{done.pk} complete: {good} good, {damaged} damaged."
    if waiting_putaway(done):
        message += " Now put the good units away: scan the storage bin."
    return {"ok": True, "message": message, "order_return": answers.detail(done)}


def _cancel(ret: Return, user) -> kit.Answer:
    actions.cancel_return(ret, actor=user)
    return {"ok": True, "message": f"Return #{ret.pk} cancelled: nothing was received.",
            "redirect": reverse(f"returns:{ret.kind}")}  # fmt: skip


def _put_away_step(request: HttpRequest, ret: Return, data: dict[str, Any]) -> tuple[kit.Answer, int, Bin | None]:
    """A completed return's good units go to storage: a bin's label chooses the bin (changing nothing),
    then each unit scanned is put in it. The bin stays chosen (a hidden field) until another is scanned."""
    tenant = request.user.tenant
    chosen = Bin.objects.for_tenant(tenant).filter(pk=_id(data.get("to_bin"))).first()
    code = _code(data)
    scanned_bin = find_bin(tenant, code)
    if data.get("do") == "other_bin":
        return {"ok": True, "message": "Scan the storage bin you put the units in."}, 200, None
    if scanned_bin is not None:
        answer, status = kit.attempt(lambda: _bin_chosen(ret, scanned_bin))
        return answer, status, scanned_bin if answer["ok"] else chosen
    if chosen is None:
        answer, status = kit.attempt(lambda: _no_bin_yet(tenant, code))
        return answer, status, None
    answer, status = kit.run(request, "return.putaway", lambda key: _put_away(ret, chosen, data, request.user), data=data)
    return answer, status, chosen


def _bin_chosen(ret: Return, bin: Bin) -> kit.Answer:
    """Refuse a bin the units cannot go into at once (``actions.put_away`` checks it again, with the rest)."""
    if ret.status != Return.Status.COMPLETED:
        raise DomainError(f"Return #{ret.pk} is {ret.get_status_display().lower()}.", code="return_closed")
    if bin.warehouse_id != ret.warehouse_id:
        raise DomainError(f"Bin {bin.code} is in another warehouse than this return.", field="bin")
    if bin.kind != Bin.Kind.STORAGE:
        raise DomainError(f"Bin {bin.code} is a {bin.get_kind_display().lower()} bin; put good units in a storage bin.",
                          field="bin")  # fmt: skip
    return {"ok": True, "message": f"Bin {bin.code}: scan each unit you put in it."}


def _no_bin_yet(tenant, code: str) -> kit.Answer:
    if not code:
        raise DomainError("Scan the storage bin you put the units in.", field="bin")
    try:
        actions.sku_for_barcode(tenant.pk, code)
    except DomainError:
        raise DomainError(f"No bin has the barcode {code!r}: scan the storage bin's label.", field="bin") from None
    raise DomainError(f"{code} is an item: scan the storage bin first, then each unit you put in it.", field="bin")


def _put_away(ret: Return, to_bin: Bin, data: dict[str, Any], user) -> kit.Answer:
    rows = actions.put_away(ret, barcode=_code(data), to_bin=to_bin, quantity=_quantity(data), actor=user)
    answer = answers.putaway_answer(ret, rows, to_bin)
    if not answer["left"]:
        answer["message"] += " Every good unit is put away."
    return {"ok": True, **answer}


def _graded(ret: Return) -> tuple[int, int]:
    totals: dict[str, int] = defaultdict(int)
    for grade, quantity in ret.lines.values_list("grade", "quantity"):
        totals[grade] += quantity
    return totals[ReturnLine.Grade.GOOD], totals[ReturnLine.Grade.DAMAGED]


def _return_screen(ret: Return, *, confirming: bool, to_bin: Bin | None) -> kit.Screen:
    units = returnable_units(ret.order)
    waiting = waiting_putaway(ret) if ret.status == Return.Status.COMPLETED else []
    putting_away = bool(waiting)
    done = ret.status != Return.Status.OPEN and not putting_away
    if putting_away:
        prompt = f"Scan each unit you put in {to_bin.code}, or another bin" if to_bin else "Scan the storage bin"
    else:
        prompt = "" if done or confirming else "Scan each unit"
    good, damaged = _graded(ret)
    return kit.Screen(
        title=f"{TITLES[ret.kind]} #{ret.pk}", template="returns/scan/return.html",
        action=reverse("returns:return", args=[ret.pk]), back=reverse("returns:home"), prompt=prompt,
        scan=not (done or confirming),
        context={
            "ret": ret, "order": ret.order, "rows": _by_sku(units), "left": sum(unit.left for unit in units),
            "keyed": any(unit.sku.key_quantity for unit in units), "good": good, "damaged": damaged,
            "confirming": confirming, "putting_away": putting_away, "waiting": waiting, "to_bin": to_bin, "done": done,
            "lines": ret.lines.select_related("sku", "bin").order_by("-pk")[:20],
        },
    )  # fmt: skip


def _by_sku(units) -> list[dict[str, Any]]:
    """What the order shipped and what may still come back, one row per SKU (a SKU on two lines adds up)."""
    rows: dict[int, dict[str, Any]] = {}
    for unit in units:
        row = rows.setdefault(unit.sku.pk, {"sku": unit.sku, "shipped": 0, "left": 0})
        row["shipped"] += unit.shipped
        row["left"] += unit.left
    return list(rows.values())


# Parsing -----------------------------------------------------------------------------------------------------


def _code(data: dict[str, Any]) -> str:
    return str(data.get("code") or "").strip()


def _id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _quantity(data: dict[str, Any]) -> int:
    text = str(data.get("quantity") or "").strip()
    if not text:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise DomainError("The quantity is a whole number of units, at least 1.", field="quantity")
    return int(text)


def _flag(value) -> bool:
    return value is True or str(value).lower() in ("on", "true", "1", "yes")
