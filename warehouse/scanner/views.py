"""The scanner menu: the flows the user may open, as big buttons."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from hub.dashboard.access import OFFICE_ROLES, role_required
from warehouse.scanner import kit
from warehouse.scanner.menu import flows_for


@role_required()
def home(request: HttpRequest) -> HttpResponse:
    screen = kit.Screen(
        title="Scanner", template="scanner/menu.html", action=reverse("scanner:home"), scan=False, back="",
        context={"flows": flows_for(request.user), "office": request.user.has_role(*OFFICE_ROLES)},
    )  # fmt: skip
    return kit.respond(request, screen)
