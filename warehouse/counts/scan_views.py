"""The cycle-count scanner pages, on the scanner kit (``warehouse.scanner``).

Cycle count (``/scan/count/``): the open counts (supervisors open them in the API or the admin, or here
by scanning bins: ``/scan/count/new/``, operations and admin only). Tap a count, or scan one of its bins.
On the count (``/scan/count/<id>/``) scan a bin, then each unit in it (one scan, one unit), or key the
total of a SKU before scanning one of its units; scan the next bin, and "Finish". The outcome follows:
the differences posted, or "waiting for a supervisor's approval"; an operations or admin user sees the
differences and Approve / Reject on the same screen, a picker cannot approve.

Counting is blind: while bins are counted no one sees what the stock says they hold, only the units
counted so far; expected units and differences show on the supervisor's approval screen and, once the
count is completed, as the adjustments posted.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from hub.core.errors import DomainError
from hub.dashboard.access import role_required
from warehouse.counts import actions, answers
from warehouse.counts.models import CountBin, CountLine, CycleCount
from warehouse.counts.selectors import count_details, counts
from warehouse.inbound.selectors import find_bin
from warehouse.models import Bin
from warehouse.scanner import kit
from warehouse.scanner.menu import Flow, register

Status = CycleCount.Status
COUNTING = (Status.OPEN, Status.COUNTING)


def register_flows() -> None:
    register(Flow("count", "Cycle count", "counts:home", hint="Count the units in bins", order=70))


def _supervisor(user) -> bool:
    return user.has_role(*actions.APPROVERS)


# The open counts -------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """The open counts, to tap; or scan a bin of one of them to go straight to counting it."""
    answer, status = None, 200
    if request.method == "POST":
        data = kit.payload(request)
        answer, status = kit.run(request, "count.scan", lambda key: _bin_of_a_count(request, data), data=data)
    screen = kit.Screen(
        title="Cycle count", template="counts/scan/home.html", action=reverse("counts:home"),
        prompt="Scan a bin to count, or tap a count",
        context={
            "counts": counts(request.user.tenant).filter(status__in=CycleCount.ACTIVE).order_by("created_at")[:30],
            "supervisor": _supervisor(request.user),
        },
    )  # fmt: skip
    return kit.respond(request, screen, answer, status=status)


def _bin_of_a_count(request: HttpRequest, data: dict[str, Any]) -> kit.Answer:
    bin = _bin(request.user.tenant, _code(data))
    entry = (
        CountBin.objects.filter(bin=bin, count__status__in=COUNTING).select_related("count").order_by("-pk").first()
    )
    if entry is None:
        raise DomainError(f"Bin {bin.code} is in no open count. A supervisor opens a count for it.", field="code",
                          code="bin_not_in_count")  # fmt: skip
    count = entry.count
    answer = _start(count, bin, request.user)
    return {**answer, "redirect": reverse("counts:count", args=[count.pk]) + f"?bin={bin.pk}"}


def _start(count: CycleCount, bin: Bin, user) -> kit.Answer:
    entry = actions.start_bin(count, bin=bin, actor=user)
    message = f"Counting bin {bin.code}: scan each unit in it."
    return {"ok": True, **answers.count_answer(count, entry.bin, message, blind=answers.is_blind(user))}


# Opening a count here (supervisors) ------------------------------------------------------------------------


@role_required(*actions.APPROVERS)
def new(request: HttpRequest) -> HttpResponse:
    """Scan the bins to count (their ids ride in a hidden field), then open the count."""
    tenant = request.user.tenant
    bins: list[Bin] = []
    answer, status = None, 200
    if request.method == "POST":
        data = kit.payload(request)
        bins = list(Bin.objects.for_tenant(tenant).filter(pk__in=_ids(data.get("bins"))).select_related("warehouse"))
        if data.get("do") == "open":
            answer, status = kit.run(request, "count.open", lambda key: _open(bins, request.user), data=data)
        elif data.get("do") == "clear":
            bins, answer = [], {"ok": True, "message": "Scan the bins to count."}
        else:
            answer, status = kit.attempt(lambda: _add_bin(tenant, bins, _code(data)))
            if answer["ok"]:
                bins = [*bins, Bin.objects.get(pk=answer["bin"]["id"])]
    screen = kit.Screen(
        title="New count", template="counts/scan/new.html", action=reverse("counts:new"), back=reverse("counts:home"),
        prompt="Scan each bin to count", context={"bins": sorted(bins, key=lambda b: b.code)},
    )  # fmt: skip
    return kit.respond(request, screen, answer, status=status)


def _add_bin(tenant, bins: list[Bin], code: str) -> kit.Answer:
    """A bin for the new count: active, in the same warehouse as the others, in no open count."""
    bin = _bin(tenant, code)
    if any(other.pk == bin.pk for other in bins):
        raise DomainError(f"Bin {bin.code} is on the list already.", field="code")
    if bins and bin.warehouse_id != bins[0].warehouse_id:
        raise DomainError(f"Bin {bin.code} is in {bin.warehouse.code}; this count is of {bins[0].warehouse.code}.",
                          field="code")  # fmt: skip
    if not bin.is_active:
        raise DomainError(f"Bin {bin.code} is inactive.", field="code")
    if bin.counting_since is not None:
        raise DomainError(f"Bin {bin.code} is being counted already.", field="code", code="bin_being_counted")
    return {"ok": True, "message": f"Bin {bin.code} added: {len(bins) + 1} bin(s). Scan the next, or open the count.",
            "bin": {"id": bin.pk, "code": bin.code}}  # fmt: skip


def _open(bins: list[Bin], user) -> kit.Answer:
    if not bins:
        raise DomainError("Scan the bins to count first.", field="bins")
    count = actions.open_count(bins[0].warehouse, bins=bins, actor=user, note="Opened on the scanner")
    return {"ok": True, "message": f"Count #{count.pk} opened: {len(bins)} bin(s) of {count.warehouse.code}. "
                                   "Scan the first bin.", "redirect": reverse("counts:count", args=[count.pk])}  # fmt: skip


# One count -------------------------------------------------------------------------------------------------


@role_required(*kit.SCANNER_ROLES)
def count(request: HttpRequest, count_id: int) -> HttpResponse:
    """Scan bins and units; ``do=next`` leaves the bin, ``do=recount`` starts it over, ``do=finish`` ends the
    counting; a supervisor answers ``do=approve`` or ``do=reject``. The bin being counted rides in ``bin``."""
    tenant, user = request.user.tenant, request.user
    found = get_object_or_404(counts(tenant), pk=count_id)
    data = kit.payload(request) if request.method == "POST" else request.GET.dict()
    current = _counting_bin(found, data.get("bin"))
    answer, status = None, 200
    if request.method == "POST":
        action = data.get("do") or ""
        if action == "next":
            answer, current = {"ok": True, "message": "Scan the next bin."}, None
        elif action in WORK:
            answer, status = kit.run(request, f"count.{action}", lambda key: WORK[action](found, current, user), data=data)
        else:
            answer, status = kit.run(request, "count.scan", lambda key: _scan(found, current, data, user), data=data)
            if answer.get("ok") and answer.get("bin"):
                current = Bin.objects.get(pk=answer["bin"]["bin"])
        found.refresh_from_db()
        current = _counting_bin(found, current.pk if current else None)
    return kit.respond(request, _count_screen(found, current, user), answer, status=status)


def _counting_bin(count: CycleCount, value) -> Bin | None:
    """The bin being counted, when it still is (it is not after a finish, a reject or a cancel)."""
    entry = CountBin.objects.filter(count=count, bin_id=_id(value), status=CountBin.Status.COUNTING).first()
    return entry.bin if entry else None


def _scan(count: CycleCount, current: Bin | None, data: dict[str, Any], user) -> kit.Answer:
    """A bin's label starts counting that bin (the next one); a unit counts one (or sets a keyed total)."""
    code = _code(data)
    if not code:
        raise DomainError("Nothing was scanned: scan a bin, or a unit in it.", field="code")
    bin = find_bin(count.tenant_id, code)
    if bin is not None:
        return _start(count, bin, user)
    if current is None:
        answers.sku_for_barcode(count.tenant_id, code)  # an unknown code is refused as such
        raise DomainError("Scan the bin first, then the units in it.", field="code", code="bin_not_scanned")
    sku = answers.sku_for_barcode(count.tenant_id, code)
    total = _total(data.get("total"))
    line = actions.count_units(count, bin=current, sku=sku, quantity=None if total is not None else 1, counted=total,
                               actor=user)  # fmt: skip
    verb = "set to" if total is not None else "+1 ·"
    message = f"{sku.code} {verb} {line.counted} counted in {current.code}."
    return {"ok": True, **answers.count_answer(count, current, message, blind=answers.is_blind(user))}


def _recount(count: CycleCount, current: Bin | None, user) -> kit.Answer:
    if current is None:
        raise DomainError("Scan the bin to count again first.", field="bin")
    actions.recount_bin(count, bin=current, actor=user)
    answer = _start(count, current, user)
    return {**answer, "message": f"Bin {current.code} starts over: scan each unit in it again."}


def _finish(count: CycleCount, current: Bin | None, user) -> kit.Answer:
    return {"ok": True, **answers.finish_answer(actions.finish_count(count, actor=user), blind=answers.is_blind(user))}


def _approve(count: CycleCount, current: Bin | None, user) -> kit.Answer:
    done = actions.approve_count(count, actor=user)
    posted = done.lines.filter(status=CountLine.Status.POSTED).exclude(difference=0).count()
    return {"ok": True, "message": f"Approved: count #{done.pk} is complete, {posted} adjustment(s) posted.",
            "count": answers.detail(done, blind=False)}  # fmt: skip


def _reject(count: CycleCount, current: Bin | None, user) -> kit.Answer:
    done = actions.reject_count(count, actor=user, reason="rejected on the scanner")
    again = ", ".join(e.bin.code for e in done.count_bins.select_related("bin").filter(status=CountBin.Status.PENDING))
    return {"ok": True, "message": f"Rejected: count bin(s) {again} again.", "count": answers.detail(done, blind=False)}


WORK = {"recount": _recount, "finish": _finish, "approve": _approve, "reject": _reject}


def _count_screen(count: CycleCount, current: Bin | None, user) -> kit.Screen:
    count = count_details(count.tenant_id).get(pk=count.pk)
    entries = sorted(count.count_bins.all(), key=lambda e: e.bin.code)
    lines = list(count.lines.all())
    counting = count.status in COUNTING
    if not counting:
        prompt = ""
    elif current is not None:
        prompt = f"Scan each unit in {current.code}, or the next bin"
    else:
        prompt = "Scan a bin to count"
    here = sorted((line for line in lines if current and line.bin_id == current.pk and line.status == "counting"
                   and line.counted), key=lambda line: line.sku.code)  # fmt: skip
    return kit.Screen(
        title=f"Count #{count.pk}", template="counts/scan/count.html",
        action=reverse("counts:count", args=[count.pk]), back=reverse("counts:home"), prompt=prompt, scan=counting,
        context={
            "count": count, "entries": entries, "current": current, "here": here, "counting": counting,
            "pending": sum(1 for e in entries if e.status == CountBin.Status.PENDING),
            "supervisor": _supervisor(user),
            "waiting": sorted((line for line in lines if line.status == CountLine.Status.NEEDS_APPROVAL),
                              key=lambda line: (line.bin.code, line.sku.code)),
            "posted": sorted((line for line in lines if line.status == CountLine.Status.POSTED and line.difference),
                             key=lambda line: (line.bin.code, line.sku.code)),
            "matched": sum(1 for line in lines if line.status == CountLine.Status.MATCHED),
        },
    )  # fmt: skip


# Parsing -----------------------------------------------------------------------------------------------------


def _bin(tenant, code: str) -> Bin:
    """The bin whose label was scanned (its code, typed by hand, too)."""
    found = find_bin(tenant, code)
    if found is None:
        raise DomainError(f"No bin has the label {code!r}: scan a bin's label." if code else "Scan a bin's label.",
                          field="code", code="unknown_bin")  # fmt: skip
    return found


def _code(data: dict[str, Any]) -> str:
    return str(data.get("code") or "").strip()


def _id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _ids(value) -> list[int]:
    return [int(part) for part in str(value or "").split(",") if part.strip().isdigit()]


def _total(value) -> int | None:
    """A keyed total of a SKU in the bin (blank: the scan counts one unit)."""
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise DomainError("The total is a whole number of units (0 or more).", field="total")
    return int(text)
