"""The shipping scanner pages, on the scanner kit (``warehouse.scanner``).

Pack (``/scan/pack/``): scan a picklist number, an order id or an AWB (``packing.start_packing``), or tap
an order waiting to be packed. A picklist with several orders left lists them: a unit scanned next opens
the box of the order that needs it (and counts). The box (``/scan/pack/<id>/``): scan every unit in
(``packing.scan_unit``: anything unexpected is refused); once all are in, choose the box, key the weight,
choose the courier when more than one is active, key or scan the AWB when that courier's AWBs are not
from a series, and finish (``packing.finish_packing``): the order is packed, and the screen offers the
invoice and the label (the API's PDFs) and the next order. Every answer is the API's
(``selectors.pack_answer``) with ``ok``.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from hub.dashboard.access import role_required
from hub.orders.models import Order
from warehouse.models import Warehouse
from warehouse.picking.models import Picklist
from warehouse.picking.selectors import ready_for_packing
from warehouse.scanner import kit
from warehouse.scanner.menu import Flow, register
from warehouse.shipping import packing, selectors
from warehouse.shipping.models import BoxSize, Courier, Shipment
from warehouse.shipping.packing import PackRefused

WAITING_SHOWN = 20


def register_flows() -> None:
    register(Flow("pack", "Pack", "shipping:pack-home", hint="Box picked orders, print invoice and label", order=40))


# Choosing what to pack -------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def pack_home(request: HttpRequest) -> HttpResponse:
    """Scan a picklist, an order id or an AWB; with a picklist of several orders, a unit finds its box."""
    tenant, user = request.user.tenant, request.user
    data = kit.payload(request) if request.method == "POST" else {}
    answer, status = None, 200
    if data.get("do") == "back":
        answer = {"ok": True, "message": "Scan a picklist, an order or an AWB."}
    elif request.method == "POST":
        work = _open_tapped if data.get("order") else _start
        answer, status = kit.run(request, "packing.start", lambda key: work(tenant, data, user), data=data)
    picklist = _choice(tenant, data, answer)
    if picklist is not None:
        screen = kit.Screen(
            title=picklist.number, template="shipping/scan/pack_choose.html", action=reverse("shipping:pack-home"),
            prompt="Scan a unit to find its order, or the order", back=reverse("shipping:pack-home"),
            context={"picklist": picklist, "orders": packing.to_pack(picklist)},
        )  # fmt: skip
    else:
        screen = kit.Screen(
            title="Pack", template="shipping/scan/pack_start.html", action=reverse("shipping:pack-home"),
            prompt="Scan a picklist, an order or an AWB", context={"waiting": _waiting(tenant)},
        )  # fmt: skip
    return kit.respond(request, screen, answer, status=status)


def _start(tenant, data: dict[str, Any], user) -> kit.Answer:
    code = str(data.get("code") or "").strip()
    if not code:
        raise PackRefused("Nothing was scanned; scan the picklist, the order id or the AWB.", field="code")
    picklist = str(data.get("picklist") or "").strip()
    if picklist and selectors.find_sku(tenant, code) is not None:  # a unit, with the picklist on screen
        return _started(packing.start_packing(tenant, picklist, user=user, barcode=code))
    return _started(packing.start_packing(tenant, code, user=user))


def _open_tapped(tenant, data: dict[str, Any], user) -> kit.Answer:
    order = Order.objects.for_tenant(tenant).filter(pk=_id(data.get("order"))).first()
    if order is None:
        raise PackRefused("That order is gone; scan its id or AWB.", field="order")
    shipment, created = packing.open_box(order, user=user)
    verb = "Packing" if created else "Back to packing"
    return _started(packing.PackResult(shipment, f"{verb} order {order.channel_order_id}.", created=created))


def _started(result: packing.PackResult) -> kit.Answer:
    answer = {**selectors.pack_answer(result), "ok": True}
    if result.shipment is not None:
        answer["redirect"] = reverse("shipping:pack-box", args=[result.shipment.pk])
    return answer


def _choice(tenant, data: dict[str, Any], answer: kit.Answer | None) -> Picklist | None:
    """The picklist whose orders to show: the one just scanned, or the one on screen after a refusal."""
    number = ""
    if answer and answer.get("ok") and answer.get("orders"):
        number = answer["picklist"]["number"]
    elif answer and not answer.get("ok") and data.get("do") != "back":
        number = str(data.get("picklist") or "")
    if not number:
        return None
    return Picklist.objects.for_tenant(tenant).filter(number=number).first()


def _waiting(tenant) -> list[dict[str, Any]]:
    """Orders picked in full and not packed yet (an open box or none), oldest ship-by first."""
    orders: list[Order] = []
    for warehouse in Warehouse.objects.for_tenant(tenant).filter(is_active=True):
        orders += ready_for_packing(warehouse).select_related("account")[:WAITING_SHOWN]
    orders.sort(key=lambda o: (o.ship_by is None, o.ship_by, o.ordered_at, o.pk))
    boxes = dict(
        Shipment.objects.filter(order__in=orders).exclude(status=Shipment.Status.CANCELLED).values_list("order_id", "status")
    )
    return [
        {"order": order, "box": boxes.get(order.pk), "channel": _channel(order)}
        for order in orders
        if boxes.get(order.pk) in (None, Shipment.Status.PACKING)
    ][:WAITING_SHOWN]


def _channel(order: Order) -> str:
    """The channel as the packer knows it: "Amazon", "Custom" (the kind's name without its explanation)."""
    return order.account.get_kind_display().split(" (")[0]


# The box -----------------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def pack_box(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """Scan the units in; once all are in, ``choose_box`` and ``choose_courier`` set the choices (kept in
    hidden fields with the weight and the AWB) and ``do=finish`` closes the box."""
    shipment = get_object_or_404(selectors.shipments(request.user.tenant), pk=shipment_id)
    form = _form(shipment, {})
    answer, status = None, 200
    if request.method == "POST":
        data = kit.payload(request)
        form = _form(shipment, data)
        if data.get("do") == "finish":
            answer, status = kit.run(request, f"shipment.{shipment.pk}.finish",
                                     lambda key: _finish(shipment, form, request.user), data=data)  # fmt: skip
        elif data.get("choose_box") or data.get("choose_courier"):
            answer = {"ok": True, "message": _chosen(form)}
        elif _all_in(shipment) and selectors.find_sku(shipment.tenant_id, str(data.get("code") or "")) is None:
            answer, status = kit.attempt(lambda: _finish_scan(shipment, form, data))  # a box code or the AWB
        else:
            answer, status = kit.run(request, f"shipment.{shipment.pk}.scan",
                                     lambda key: _scan(shipment, data, request.user), data=data)  # fmt: skip
        shipment = selectors.shipments(request.user.tenant).get(pk=shipment.pk)
    screen = _box_screen(shipment, form)
    if answer is not None and not answer.get("ok"):
        screen.context["refused"] = answer.get("message", "")  # again by the Finish button, in view
    return kit.respond(request, screen, answer, status=status)


def _scan(shipment: Shipment, data: dict[str, Any], user) -> kit.Answer:
    code = str(data.get("code") or "").strip()
    if not code:
        raise PackRefused("Nothing was scanned; scan the unit's barcode.", field="code")
    result = packing.scan_unit(shipment, code, quantity=_number(data.get("quantity"), "quantity", default=1), user=user)
    return {**selectors.pack_answer(result), "ok": True}


def _all_in(shipment: Shipment) -> bool:
    return shipment.status == Shipment.Status.PACKING and not any(item.left for item in shipment.items.all())


def _finish_scan(shipment: Shipment, form: dict[str, Any], data: dict[str, Any]) -> kit.Answer:
    """A code scanned once every unit is in (a unit goes to ``scan_unit``, which refuses it saying why): a
    box's code chooses the box; any other code is the AWB, when the courier's AWBs are keyed."""
    code = str(data.get("code") or "").strip()
    if not code:
        raise PackRefused(f"Nothing was scanned. {_todo(form)}", field="code")
    box = BoxSize.objects.for_tenant(shipment.tenant_id).filter(code__iexact=code, is_active=True).first()
    if box is not None:
        form["box"] = box.code
        return {"ok": True, "message": _chosen(form)}
    courier = form["courier_row"]
    if courier is not None and courier.awb_source != Courier.AwbSource.SERIES:
        form["awb"] = code
        return {"ok": True, "message": f"{courier.name} AWB {code}. {_todo(form)}"}
    raise PackRefused(f"{code} is not a box size or a unit of this order. {_todo(form)}", field="code")


def _finish(shipment: Shipment, form: dict[str, Any], user) -> kit.Answer:
    box = packing.find_box(shipment.tenant_id, form["box"]) if form["box"] else None
    weight = _number(form["weight_grams"], "weight_grams", default=None)
    result = packing.finish_packing(shipment, box=box, weight_grams=weight, courier=form["courier_row"],
                                    awb=form["awb"], user=user)  # fmt: skip
    return {**selectors.pack_answer(result), "ok": True}


def _form(shipment: Shipment, data: dict[str, Any]) -> dict[str, Any]:
    """The finishing choices on screen: box code, weight, courier (id), AWB; a button press overrides."""
    couriers = list(Courier.objects.for_tenant(shipment.tenant_id).filter(is_active=True).order_by("name"))
    courier_id = str(data.get("choose_courier") or data.get("courier") or "")
    courier = next((c for c in couriers if str(c.pk) == courier_id), None)
    if courier is None and len(couriers) == 1:
        courier = couriers[0]  # the only courier: fixed, nothing to choose
    return {
        "box": str(data.get("choose_box") or data.get("box") or "").strip(),
        "weight_grams": str(data.get("weight_grams") or "").strip(), "awb": str(data.get("awb") or "").strip(),
        "couriers": couriers, "courier": str(courier.pk) if courier else "", "courier_row": courier,
    }  # fmt: skip


def _chosen(form: dict[str, Any]) -> str:
    said = []
    if form["box"]:
        said.append(f"Box {form['box'].upper()}")
    if form["courier_row"] is not None and len(form["couriers"]) > 1:
        said.append(form["courier_row"].name)
    return (", ".join(said) + ". " if said else "") + _todo(form)


def _todo(form: dict[str, Any]) -> str:
    """What is still to do before Finish, in words."""
    todo = []
    if not form["box"]:
        todo.append("choose the box")
    if not form["weight_grams"]:
        todo.append("key the weight")
    courier = form["courier_row"]
    if courier is None:
        todo.append("choose the courier")
    elif courier.awb_source != Courier.AwbSource.SERIES and not form["awb"]:
        todo.append(f"scan the {courier.name} AWB")
    if not todo:
        return "Tap Finish."
    said = ", ".join(todo[:-1]) + " and " + todo[-1] if len(todo) > 1 else todo[0]
    return said[0].upper() + said[1:] + ", then Finish."


def _box_screen(shipment: Shipment, form: dict[str, Any]) -> kit.Screen:
    items = list(shipment.items.select_related("sku").order_by("pk"))
    step = selectors.box_next(shipment, items)
    order = shipment.order
    action = step["action"]
    courier = form["courier_row"]
    keyed_awb = courier is not None and courier.awb_source != Courier.AwbSource.SERIES
    prompts = {
        "scan_unit": "Scan each unit into the box",
        "finish": "Scan the AWB label, or a box code" if keyed_awb else "Scan a box code, or tap one",
        "print": "Scan the next picklist, order or AWB",
    }  # fmt: skip
    here = reverse("shipping:pack-box", args=[shipment.pk])
    units = sum(item.expected for item in items)
    return kit.Screen(
        title=f"Pack {order.channel_order_id}", template="shipping/scan/pack_box.html", prompt=prompts.get(action, ""),
        action=reverse("shipping:pack-home") if action in ("print", "done") else here, scan=action in prompts,
        back=reverse("shipping:pack-home"),
        context={
            "shipment": shipment, "order": order, "items": items, "step": step, "form": form,
            "channel": _channel(order),
            "keyed_awb": keyed_awb, "units": units, "packed": sum(item.packed for item in items),
            "left": sum(item.left for item in items),
            "keyed": any(item.left and item.sku.key_quantity for item in items),
            "boxes": BoxSize.objects.for_tenant(shipment.tenant_id).filter(is_active=True).order_by("code"),
        },
    )  # fmt: skip


# Parsing -----------------------------------------------------------------------------------------------------

_NUMBER_WORDS = {"quantity": "The quantity is a whole number of units", "weight_grams": "The weight is a whole number of grams"}


def _number(value, field: str, *, default: int | None) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        if default is None:
            raise PackRefused("Weigh the box and key its weight in grams.", field=field)
        return default
    if not text.isdigit() or int(text) < 1:
        raise PackRefused(f"{_NUMBER_WORDS[field]}, 1 or more, not {text!r}.", field=field)
    return int(text)


def _id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None
