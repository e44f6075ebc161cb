"""The orders pages: the list with its filters and tabs, an order's page, and the buttons that act on it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hub.core.errors import DomainError
from hub.dashboard import order_selectors
from hub.dashboard.access import OFFICE_ROLES, OPERATE_ROLES, can_operate, role_required
from hub.dashboard.forms import OrderActionForm, OrderFilterForm
from hub.dashboard.order_selectors import ALL, OrderFilters
from hub.dashboard.views import page_of, valid_filters
from hub.orders import actions
from hub.orders.models import Order
from hub.orders.states import OrderStatus


@role_required(*OFFICE_ROLES)
def order_list(request: HttpRequest) -> HttpResponse:
    tenant = request.user.tenant
    form = OrderFilterForm(request.GET, tenant=tenant)
    filters = valid_filters(form)
    account = filters.get("account")
    orders = order_selectors.filtered_orders(
        tenant,
        OrderFilters(
            status=filters.get("status", ""),
            account_id=account.pk if account else None,
            query=filters.get("q", ""),
        ),
    )
    tab, now = filters.get("tab") or ALL, timezone.now()
    context = {
        "section": "orders",
        "form": form,
        "tab": tab,
        "counts": order_selectors.tab_counts(orders, now=now),
        "page": page_of(request, order_selectors.order_list(orders, tab, now=now)),
    }
    return render(request, "dashboard/orders/list.html", context)


@role_required(*OFFICE_ROLES)
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        detail = order_selectors.order_detail(request.user.tenant, order_id)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc
    context = {"section": "orders", "detail": detail, "can_operate": can_operate(request.user)}
    return render(request, "dashboard/orders/detail.html", context)


@dataclass(frozen=True)
class OrderAction:
    """A button on the order page: the action it calls and what it says when done."""

    run: Callable[..., Order]
    done: str  # formatted with the order's ``id`` (channel order id) and new ``status``
    takes_reason: bool = False
    needs_reason: bool = False


ORDER_ACTIONS = {
    "cancel": OrderAction(
        actions.cancel_order, "Order {id} cancelled.", takes_reason=True, needs_reason=True
    ),
    "hold": OrderAction(actions.hold_order, "Order {id} is on hold.", takes_reason=True),
    "release": OrderAction(actions.release_hold, "Hold released: order {id} is {status}."),
    "allocate": OrderAction(actions.allocate_order, "Allocation tried again: order {id} is {status}."),
}


@require_POST
@role_required(*OPERATE_ROLES)
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    """Run one order action and go back to the order's page, saying what happened."""
    spec = ORDER_ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action.")
    try:
        order = order_selectors.tenant_order(request.user.tenant, order_id)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc
    form = OrderActionForm(request.POST, reason_required=spec.needs_reason)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
    else:
        _run(request, spec, order, form.cleaned_data["reason"])
    return redirect("dashboard:order-detail", order_id=order.pk)


def _run(request: HttpRequest, spec: OrderAction, order: Order, reason: str) -> None:
    try:
        order = spec.run(order, actor=request.user, **({"reason": reason} if spec.takes_reason else {}))
    except DomainError as exc:
        messages.error(request, exc.message)
        return
    level = messages.WARNING if order.status == OrderStatus.UNFULFILLABLE else messages.SUCCESS
    messages.add_message(
        request, level, spec.done.format(id=order.channel_order_id, status=order.get_status_display())
    )
