"""The scanner: a handheld page that looks a scanned code up as a bin or a SKU."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub.dashboard import selectors
from hub.dashboard.access import role_required

MAX_CODE = 64


def _scanned(request: HttpRequest) -> str:
    return request.GET.get("code", "").strip()[:MAX_CODE]


@role_required()
def scanner(request: HttpRequest) -> HttpResponse:
    """The page; with ``?code=`` (a scan without JavaScript) it shows that code's result too."""
    code = _scanned(request)
    lookup = selectors.lookup_code(request.user.tenant, code) if code else None
    return render(request, "dashboard/scanner/page.html", {"section": "scanner", "lookup": lookup})


@role_required()
def scanner_lookup(request: HttpRequest) -> HttpResponse:
    """The result panel for one scan, swapped into the page by htmx."""
    lookup = selectors.lookup_code(request.user.tenant, _scanned(request))
    return render(request, "dashboard/scanner/_result.html", {"lookup": lookup})
