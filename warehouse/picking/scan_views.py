"""The picking scanner pages, on the scanner kit (``warehouse.scanner``).

Pick (``/scan/pick/``): "Get work" hands the picker a picklist (``services.next_picklist``: their own
unfinished one, else the oldest open one; with several warehouses the picker chooses one). The pick
screen (``/scan/pick/<id>/``) leads bin by bin: one scan field for bins and units (``services.scan``), a
keyed quantity where the SKU allows, "Short pick" (a small screen: how many are missing and why), and
"Finish" once everything is picked or reported short, back to the menu. Every answer is the API's
(``selectors.answer``) with ``ok``; a refusal is the service's message.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from hub.core.errors import DomainError
from hub.dashboard.access import role_required
from hub.tenants.roles import Role
from warehouse.models import Warehouse
from warehouse.picking import selectors, services
from warehouse.picking.models import Picklist, PicklistOrder
from warehouse.picking.selectors import Stop, Walk
from warehouse.scanner import kit
from warehouse.scanner.menu import Flow, register

SHORT_REASONS = ("Not in the bin", "Fewer than expected", "Damaged units")
SUPERVISORS = (Role.ADMIN, Role.OPERATIONS)


def register_flows() -> None:
    register(Flow("pick", "Pick", "picking:scan-home", hint="Walk a picklist bin by bin", order=30))


# Getting work --------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Get work: the picker's picklists in hand, and one "Get work" button per active warehouse."""
    warehouses = _warehouses(request.user.tenant)
    answer, status, idle = None, 200, False
    supervisor = request.user.has_role(*SUPERVISORS)
    if request.method == "POST":
        data = kit.payload(request)
        if str(data.get("do") or "").startswith("build:"):
            answer, status = kit.run(request, "picklist.build", lambda key: _build(request.user, warehouses, data), data=data)
        else:
            answer, status = kit.run(request, "picklist.next", lambda key: _get_work(request.user, warehouses, data),
                                     data=data)  # fmt: skip
            idle = bool(answer.pop("idle", False)) if answer.get("ok") else False
    held = selectors.picklists(request.user.tenant).filter(picker=request.user, status__in=Picklist.HELD)
    waiting = _waiting_orders(warehouses) if supervisor else {}
    screen = kit.Screen(
        title="Pick", template="picking/scan/home.html", action=reverse("picking:scan-home"), scan=False,
        context={"warehouses": warehouses, "held": list(held.order_by("assigned_at", "pk")), "idle": idle,
                 "supervisor": supervisor, "waiting": [(w, waiting.get(w.pk, 0)) for w in warehouses]},
    )  # fmt: skip
    return kit.respond(request, screen, answer, status=status)


def _waiting_orders(warehouses: list[Warehouse]) -> dict[int, int]:
    """Allocated orders per warehouse that no picklist holds yet: what "Build picklists" would take."""
    from django.db.models import Count

    from hub.orders.models import Order
    from hub.orders.states import OrderStatus

    orders = Order.objects.filter(warehouse__in=warehouses, status=OrderStatus.ALLOCATED).exclude(
        picklist_entries__status=PicklistOrder.Status.ACTIVE
    )
    return dict(orders.values_list("warehouse_id").annotate(n=Count("pk")).values_list("warehouse_id", "n"))


def _build(user, warehouses: list[Warehouse], data: dict[str, Any]) -> kit.Answer:
    """A supervisor builds picklists from the warehouse's allocated orders: one batch walk, or one per order."""
    if not user.has_role(*SUPERVISORS):
        raise DomainError("Only a supervisor (operations or admin) builds picklists.", field="do")
    _, mode, warehouse_id = [*str(data.get("do")).split(":"), "", ""][:3]  # build:<batch|single>:<warehouse id>
    chosen = next((w for w in warehouses if str(w.pk) == warehouse_id), None)
    if chosen is None:
        raise DomainError("Choose the warehouse to build picklists for.", field="warehouse")
    mode = "single" if mode == "single" else "batch"
    result = services.build_picklists(chosen, mode=mode, user=user)
    return {"ok": True, "message": f"{chosen.code}: {result.message}"}


def _warehouses(tenant) -> list[Warehouse]:
    return list(Warehouse.objects.for_tenant(tenant).filter(is_active=True).order_by("code"))


def _get_work(user, warehouses: list[Warehouse], data: dict[str, Any]) -> kit.Answer:
    chosen = next((w for w in warehouses if str(w.pk) == str(data.get("warehouse") or "")), None)
    if chosen is None and len(warehouses) == 1:
        chosen = warehouses[0]
    if chosen is None:
        raise DomainError("Choose the warehouse you pick in." if warehouses else "There is no active warehouse.",
                          field="warehouse")  # fmt: skip
    picklist = services.next_picklist(user, chosen)
    if picklist is None:
        return {"ok": True, "idle": True, "message": f"No picklists waiting in {chosen.code}."}
    walk = Walk.of(picklist)
    return {
        **selectors.answer(picklist, f"{picklist.number}: {_size(walk)}. {walk.next()['message']}"),
        "ok": True, "redirect": reverse("picking:scan-pick", args=[picklist.pk]),
    }  # fmt: skip


def _size(walk: Walk) -> str:
    progress = walk.progress()
    orders = len({line.order_id for line in walk.lines})
    return f"{orders} order(s), {progress['left']} unit(s) in {progress['bins_left']} bin(s)"


# Picking ---------------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def pick(request: HttpRequest, picklist_id: int) -> HttpResponse:
    """The pick screen. A scan is a bin or a unit; ``do=short`` asks what is missing, ``do=short_confirm``
    reports it, ``do=finish`` finishes the picklist."""
    picklist = get_object_or_404(selectors.picklists(request.user.tenant), pk=picklist_id)
    answer, status, short, data = None, 200, None, {}
    if request.method == "POST":
        data = kit.payload(request)
        action = data.get("do") or ""
        if action == "short":
            answer, status = kit.attempt(lambda: _short_question(picklist, data))
            short = answer.pop("stop", None)
        elif action == "short_confirm":
            answer, status = kit.run(request, f"picklist.{picklist.pk}.short-pick",
                                     lambda key: _short(picklist, data, request.user), data=data)  # fmt: skip
            if not answer.get("ok"):  # stay on the short screen, to correct the quantity
                short = _stop(Walk.of(picklist), data.get("sku"))
        elif action == "finish":
            answer, status = kit.run(request, f"picklist.{picklist.pk}.finish",
                                     lambda key: _finish(picklist, request.user), data=data)  # fmt: skip
        elif action == "back":
            answer = {"ok": True, "message": "Carry on picking."}
        else:
            answer, status = kit.run(request, f"picklist.{picklist.pk}.scan",
                                     lambda key: _scan(picklist, data, request.user), data=data)  # fmt: skip
        picklist.refresh_from_db()
    screen = _short_screen(picklist, short, data) if short is not None else _pick_screen(picklist)
    return kit.respond(request, screen, answer, status=status)


def _scan(picklist: Picklist, data: dict[str, Any], user) -> kit.Answer:
    code = str(data.get("code") or "").strip()
    if not code:
        raise DomainError("Nothing was scanned; scan the bin's label or the unit.", field="code")
    result = services.scan(picklist, code, quantity=_quantity(data.get("quantity")), user=user)
    return {**selectors.answer(result.picklist, result.message, **result.extra), "ok": True}


def _finish(picklist: Picklist, user) -> kit.Answer:
    result = services.finish_picklist(picklist, user=user)
    picklist = result.picklist
    orders = picklist.entries.filter(status=PicklistOrder.Status.PICKED).count()
    message = (f"Picklist {picklist.number} picked: take the tote to packing ({picklist.packing_bin.code}). "
               f"{orders} order(s) ready to pack.")  # fmt: skip
    return {**selectors.answer(picklist, message), "ok": True, "redirect": reverse("scanner:home")}


def _pick_screen(picklist: Picklist) -> kit.Screen:
    walk = Walk.of(picklist)
    step = walk.next()
    target = walk.next_bin
    here = walk.stops_at(target.pk) if target is not None else []
    progress = walk.progress()
    prompts = {
        "scan_bin": f"Scan bin {target.code}" if target else "", "scan_item": "Scan each unit",
        "wait": "Scan a bin when its count closes",
    }  # fmt: skip
    action = step["action"]
    return kit.Screen(
        title=picklist.number, template="picking/scan/pick.html", prompt=prompts.get(action, ""),
        action=reverse("picking:scan-pick", args=[picklist.pk]), scan=action in prompts, back=reverse("picking:scan-home"),
        context={
            "picklist": picklist, "step": step, "bin": target, "stop": here[0] if here else None, "here": here,
            "keyed": [stop.sku.code for stop in here if stop.sku.key_quantity] if action == "scan_item" else [],
            "progress": progress, "bins_done": progress["bins"] - progress["bins_left"],
            "percent": round(100 * (progress["units"] - progress["left"]) / progress["units"]) if progress["units"] else 100,
        },
    )  # fmt: skip


# Short pick ------------------------------------------------------------------------------------------------


def _stop(walk: Walk, sku_id) -> Stop | None:
    """The stop at the bin to pick from now for ``sku_id`` (the first there when none is named)."""
    target = walk.next_bin
    here = walk.stops_at(target.pk) if target is not None else []
    if not sku_id:
        return here[0] if here else None
    return next((stop for stop in here if str(stop.sku.pk) == str(sku_id)), None)


def _short_question(picklist: Picklist, data: dict[str, Any]) -> kit.Answer:
    stop = _stop(Walk.of(picklist), data.get("sku"))
    if stop is None:
        raise DomainError("Nothing is left to pick at a bin right now: nothing to report short.", field="sku")
    return {"ok": True, "message": f"Short pick in bin {stop.bin.code}: how many are missing?", "stop": stop}


def _short(picklist: Picklist, data: dict[str, Any], user) -> kit.Answer:
    """Report ``missing`` units of a stop (one SKU in one bin) short (``services.short_pick_item``)."""
    stop = _stop(Walk.of(picklist), data.get("sku"))
    if stop is None:
        raise DomainError("That item is not left to pick at this bin any more; scan on.", field="sku")
    missing = _quantity(data.get("missing"), what="number of missing units", field="missing", default=None)
    reason = str(data.get("reason") or "").strip()[:100]
    results = services.short_pick_item(picklist, stop.sku.pk, missing=missing, reason=reason, user=user)
    if not results:
        raise DomainError("Nothing is left to report short there; scan on.", field="missing")
    message = " ".join(result.message for result in results)
    left_orders = [result.extra["left_order"] for result in results]
    return {**selectors.answer(results[-1].picklist, message, left_orders=left_orders), "ok": True}


def _short_screen(picklist: Picklist, stop: Stop, data: dict[str, Any]) -> kit.Screen:
    reason = str(data.get("reason") or "") if data.get("do") == "short_confirm" else ""
    return kit.Screen(
        title="Short pick", template="picking/scan/short.html", scan=False,
        action=reverse("picking:scan-pick", args=[picklist.pk]), back=reverse("picking:scan-pick", args=[picklist.pk]),
        context={
            "picklist": picklist, "stop": stop, "reasons": SHORT_REASONS,
            "reason": reason if reason in SHORT_REASONS else SHORT_REASONS[0],
            "missing": data.get("missing") if data.get("do") == "short_confirm" else stop.left,
        },
    )  # fmt: skip


# Parsing -----------------------------------------------------------------------------------------------------


def _quantity(value, *, what: str = "quantity", field: str = "quantity", default: int | None = 1) -> int:
    text = str(value if value is not None else "").strip()
    if not text and default is not None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise DomainError(f"The {what} must be a whole number, 1 or more.", field=field)
    return int(text)
