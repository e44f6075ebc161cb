"""The dock's handover pages, on the scanner kit (``warehouse.scanner``).

Hand over (``/scan/dock/``): choose the courier (a button, or scan the AWB of one of its parcels). Its
manifest at the warehouse is resumed when its handover has begun, else its open one is opened or resumed
with every packed parcel of theirs added (``manifests.open_manifest``). The dock screen
(``/scan/dock/<id>/``) shows the manifest, the parcels scanned and left, and the AWBs not scanned yet;
each AWB is scanned as the agent takes the parcel (one not on the manifest, or another courier's, is
refused), and the last one hands the manifest over: the orders ship. "Hand over without the unscanned"
asks first, then ships what was scanned and puts the rest back to packed. The done screen links the
manifest PDF to print and sign.

A tenant with several warehouses chooses the dock's warehouse first; the choice is kept in the session.
"""

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from hub.core.errors import DomainError
from hub.dashboard.access import role_required
from warehouse.models import Warehouse
from warehouse.scanner import kit
from warehouse.scanner.menu import Flow, register
from warehouse.shipping import manifests, selectors
from warehouse.shipping.models import Courier, Manifest, Shipment

SESSION_WAREHOUSE = "dock_warehouse"
UNDER_WAY = (Manifest.Status.OPEN, Manifest.Status.CLOSED)


def register_flows() -> None:
    register(Flow("dock", "Hand over", "shipping:dock", hint="Hand the parcels to the courier's agent", order=50))


# Choosing the courier --------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Choose the warehouse (when there are several), then the courier: a button, or a parcel's AWB."""
    warehouses = _warehouses(request.user.tenant)
    data = kit.payload(request) if request.method == "POST" else {}
    answer, status = None, 200
    if data.get("courier") or data.get("code"):  # may open a manifest: once per key
        answer, status = kit.run(request, "dock.open", lambda key: _open(request, warehouses, data), data=data)
    elif request.method == "POST":
        answer, status = kit.attempt(lambda: _choose_warehouse(request, warehouses, data))
    return kit.respond(request, _home_screen(request, warehouses), answer, status=status)


def _warehouses(tenant) -> list[Warehouse]:
    return list(Warehouse.objects.for_tenant(tenant).filter(is_active=True).order_by("code"))


def _chosen(request: HttpRequest, warehouses: list[Warehouse]) -> Warehouse | None:
    if len(warehouses) == 1:
        return warehouses[0]
    return next((w for w in warehouses if w.pk == request.session.get(SESSION_WAREHOUSE)), None)


def _choose_warehouse(request: HttpRequest, warehouses: list[Warehouse], data: dict[str, Any]) -> kit.Answer:
    if data.get("do") == "warehouses":
        request.session.pop(SESSION_WAREHOUSE, None)
        return {"ok": True, "message": "Choose the warehouse of this dock."}
    chosen = next((w for w in warehouses if str(w.pk) == str(data.get("warehouse") or "")), None)
    if chosen is None:
        raise DomainError("Choose the warehouse of this dock.", field="warehouse")
    request.session[SESSION_WAREHOUSE] = chosen.pk
    return {"ok": True, "message": f"Dock of {chosen.code}: choose the courier."}


def _open(request: HttpRequest, warehouses: list[Warehouse], data: dict[str, Any]) -> kit.Answer:
    """The courier's manifest to hand over: the one whose handover began, else its open one (made if
    need be) with the packed parcels added. Refused, writing nothing, when there is nothing to hand over."""
    tenant, user = request.user.tenant, request.user
    courier, warehouse = _courier_and_warehouse(tenant, _chosen(request, warehouses), data)
    begun = Manifest.objects.filter(courier=courier, warehouse=warehouse, status=Manifest.Status.CLOSED).order_by("pk")
    manifest = begun.first()
    if manifest is None:
        manifest, _ = manifests.open_manifest(courier, warehouse, user=user)
        if not manifest.shipments.exists():  # raising rolls the new manifest back
            raise DomainError(f"No packed {courier.name} parcel at {warehouse.code}: nothing to hand over.",
                              field="courier", code="nothing_packed")  # fmt: skip
    answer = selectors.manifest_answer(manifest, _opened_message(manifest))
    return {"ok": True, **answer, "redirect": reverse("shipping:dock-manifest", args=[manifest.pk])}


def _courier_and_warehouse(tenant, warehouse: Warehouse | None, data: dict[str, Any]) -> tuple[Courier, Warehouse]:
    if data.get("courier"):
        courier = selectors.couriers(tenant).filter(pk=_id(data["courier"]), is_active=True).first()
        if courier is None:
            raise DomainError("That courier is not in use any more; choose another.", field="courier")
    else:
        code = str(data.get("code") or "").strip()
        parcel = next(iter(selectors.live_by_awb(tenant, code)), None)
        if parcel is not None:  # a parcel's AWB names its courier and where it was packed
            return parcel.courier, parcel.warehouse
        courier = selectors.couriers(tenant).filter(code__iexact=code, is_active=True).first()
        if courier is None:
            raise DomainError(f"Unknown AWB or courier {code}: scan a parcel's AWB, or tap the courier.", field="code")
    if warehouse is None:
        raise DomainError("Choose the warehouse of this dock first.", field="warehouse")
    return courier, warehouse


def _opened_message(manifest: Manifest) -> str:
    rows = manifest.shipments.all()
    total, scanned = len(rows), sum(1 for s in rows if s.status == Shipment.Status.HANDED_OVER)
    if scanned:
        return f"{manifest.number}: {scanned} of {total} scanned. Scan the next AWB."
    return f"{manifest.number}: {total} {manifest.courier.name} parcel(s). Scan each AWB as the agent takes it."


def _home_screen(request: HttpRequest, warehouses: list[Warehouse]) -> kit.Screen:
    warehouse = _chosen(request, warehouses)
    context: dict[str, Any] = {"warehouse": warehouse, "warehouses": warehouses if warehouse is None else None,
                               "several": len(warehouses) > 1}  # fmt: skip
    if warehouse is not None:
        context["couriers"] = _courier_rows(request.user.tenant, warehouse)
    return kit.Screen(
        title="Hand over", template="shipping/scan/dock.html", action=reverse("shipping:dock"),
        prompt="Scan a parcel's AWB, or tap the courier", scan=warehouse is not None,
        context=context,
    )  # fmt: skip


def _courier_rows(tenant, warehouse: Warehouse) -> list[dict[str, Any]]:
    """Each courier in use, with its parcels packed and waiting here and its manifest under way."""
    packed = dict(
        Shipment.objects.filter(warehouse=warehouse, status=Shipment.Status.PACKED, manifest__isnull=True)
        .values_list("courier").annotate(n=Count("pk")).order_by()
    )  # fmt: skip
    under_way = {
        m.courier_id: m
        for m in selectors.manifests(tenant).filter(warehouse=warehouse, status__in=UNDER_WAY).order_by("-status", "pk")
    }  # a handover begun (closed) wins over an open manifest of the same courier
    rows = [
        {"courier": courier, "packed": packed.get(courier.pk, 0), "manifest": under_way.get(courier.pk)}
        for courier in selectors.couriers(tenant).filter(is_active=True).order_by("name")
    ]
    return sorted(rows, key=lambda row: not (row["packed"] or row["manifest"]))  # couriers with parcels first


# The dock screen -------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def manifest(request: HttpRequest, manifest_id: int) -> HttpResponse:
    """Scan each AWB; ``do=short`` asks to hand over without the unscanned, ``do=handover`` does it."""
    found = get_object_or_404(Manifest.objects.for_tenant(request.user.tenant), pk=manifest_id)
    answer, status, confirming = None, 200, False
    if request.method == "POST":
        data = kit.payload(request)
        agent, action = str(data.get("agent_name") or ""), data.get("do") or ""
        if action == "short":
            answer, status = kit.attempt(lambda: _short_question(found))
            confirming = answer["ok"]
        elif action == "back":
            answer = {"ok": True, "message": "Carry on scanning."}
        elif action == "handover":
            answer, status = kit.run(request, "dock.hand-over", lambda key: _result(manifests.hand_over(
                found, user=request.user, agent_name=agent, remove_unscanned=True)), data=data)  # fmt: skip
        else:
            answer, status = kit.run(request, "dock.scan", lambda key: _result(manifests.scan_handover(
                found, str(data.get("code") or ""), user=request.user, agent_name=agent)), data=data)  # fmt: skip
        found.refresh_from_db()
    return kit.respond(request, _dock_screen(found, confirming=confirming), answer, status=status)


def _result(result: manifests.ManifestResult) -> kit.Answer:
    return {"ok": True, **selectors.manifest_answer(result.manifest, result.message, shipped=result.shipped)}


def _short_question(manifest: Manifest) -> kit.Answer:
    if manifest.status == Manifest.Status.HANDED_OVER:
        raise DomainError(f"Manifest {manifest.number} was handed over already.", code="manifest_handed_over")
    rows = selectors.manifest_shipments(manifest)
    scanned = sum(1 for s in rows if s.status == Shipment.Status.HANDED_OVER)
    if not scanned:
        raise DomainError(f"No parcel of {manifest.number} is scanned yet: scan each AWB as the agent takes it.",
                          code="nothing_scanned")  # fmt: skip
    left = len(rows) - scanned
    return {"ok": True, "message": f"Hand over {scanned} parcel(s) to {manifest.courier.name}? The {left} unscanned "
                                   "go back to packed, for the next manifest."}  # fmt: skip


def _dock_screen(manifest: Manifest, *, confirming: bool) -> kit.Screen:
    rows = selectors.manifest_shipments(manifest)
    scanned = [s for s in rows if s.status == Shipment.Status.HANDED_OVER]
    unscanned = [s for s in rows if s.status == Shipment.Status.MANIFESTED]
    done = manifest.status == Manifest.Status.HANDED_OVER
    return kit.Screen(
        title=manifest.number, template="shipping/scan/dock_manifest.html",
        action=reverse("shipping:dock-manifest", args=[manifest.pk]), back=reverse("shipping:dock"),
        prompt="" if done or confirming else "Scan each AWB as the agent takes the parcel",
        scan=not (done or confirming),
        context={
            "manifest": manifest, "scanned": scanned, "unscanned": unscanned, "done": done, "confirming": confirming,
            "pdf": reverse("manifest-manifest-pdf", kwargs={"pk": manifest.pk, "format": "pdf"}),
        },
    )  # fmt: skip


def _id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None
