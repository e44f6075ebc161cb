"""The scanner kit's view helper: a screen, a scan run once per idempotency key, and the answer as JSON
for the kit's script or as the whole page without it. How a flow uses it: see ``warehouse.scanner``."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from hub.core.errors import DomainError
from warehouse.scanner.menu import WAREHOUSE_ROLES
from warehouse.scans import KEY_HEADER, MAX_KEY_LENGTH, MissingKey, once

SCANNER_ROLES = WAREHOUSE_ROLES  # who works the warehouse flows: admin, operations, picker
PAGE = "scanner/page.html"

Answer = dict[str, Any]


@dataclass
class Screen:
    """One screen of a flow: its title, the prompt above the scan field, the fragment under it (rendered
    with ``context``), and the URL scans post to."""

    title: str
    template: str
    action: str
    prompt: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    back: str | None = None  # the top bar's back link; None is the scanner menu, "" none at all
    scan: bool = True  # False hides the scan field (a screen of buttons only, like the menu)


def wants_json(request: HttpRequest) -> bool:
    """A scan sent by the kit's script (it asks for JSON), not a page load or a plain form post."""
    return "application/json" in request.headers.get("Accept", "")


def payload(request: HttpRequest) -> dict[str, Any]:
    """The fields of a scan: the script's JSON body, or the form a page without JavaScript posts.
    A body that is not a JSON object reads as no fields (the flow then refuses it as nothing scanned)."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def scan_key(request: HttpRequest, data: dict[str, Any]) -> str:
    """The scan's idempotency key: the ``Idempotency-Key`` header, else ``key`` in the fields."""
    key = str(request.headers.get(KEY_HEADER) or data.get("key") or "").strip()
    if not key:
        raise MissingKey("This scan carried no idempotency key; reload the page and scan again.", field="key")
    if len(key) > MAX_KEY_LENGTH:
        raise MissingKey(f"The idempotency key is longer than {MAX_KEY_LENGTH} characters.", field="key")
    return key


def refusal(error: DomainError) -> Answer:
    return {"ok": False, "message": error.message, "code": error.code, "field": error.field}


def run(request: HttpRequest, action: str, work: Callable[[str], Answer], *, data=None) -> tuple[Answer, int]:
    """Run ``work(key)`` once per idempotency key (``warehouse.scans.once``); return (answer, HTTP status).

    ``work`` gets the scan's key, to build the ledger keys of the stock it moves from. A repeated key gets
    the first answer back, with ``"replayed": True``. A ``DomainError`` (raised by the work, or a missing
    key) becomes a refusal answer with the error's status; nothing is stored for it.
    """
    data = payload(request) if data is None else data
    try:
        key = scan_key(request, data)
        answer, status, replayed = once(request.user.tenant, key, action, lambda: work(key), user=request.user)
    except DomainError as error:
        return refusal(error), error.status
    return {**answer, "replayed": replayed}, status


def attempt(work: Callable[[], Answer]) -> tuple[Answer, int]:
    """Run ``work`` that changes nothing (a step from one screen to the next), refusals as answers."""
    try:
        return work(), 200
    except DomainError as error:
        return refusal(error), error.status


def respond(request: HttpRequest, screen: Screen, answer: Answer | None = None, *, status: int = 200) -> HttpResponse:
    """Answer with ``screen``: JSON for the kit's script, the whole page otherwise.

    An answer with ``redirect`` sends the handheld to that URL, its message carried to the next page.
    """
    answer = answer or {}
    target = answer.get("redirect")
    if target:
        if answer.get("message"):
            (messages.success if answer.get("ok") else messages.error)(request, answer["message"])
        return JsonResponse(answer, status=status) if wants_json(request) else redirect(target)
    context = {**screen.context, "screen": screen}
    if wants_json(request):
        body = {
            **answer, "title": screen.title, "prompt": screen.prompt, "action": screen.action, "scan": screen.scan,
            "html": render_to_string(screen.template, context, request=request),
        }  # fmt: skip
        return JsonResponse(body, status=status)
    context.update(_shown(request, answer), form_key=uuid.uuid4().hex)
    return render(request, PAGE, context, status=status)


def _shown(request: HttpRequest, answer: Answer) -> dict[str, str]:
    """The message line of a full page: this request's answer, else the last message carried over."""
    carried = list(messages.get_messages(request))
    if answer.get("message"):
        return {"message": answer["message"], "state": "ok" if answer.get("ok") else "error"}
    if carried:
        last = carried[-1]
        return {"message": str(last), "state": "error" if last.level_tag == "error" else "ok"}
    return {"message": "", "state": "idle"}
