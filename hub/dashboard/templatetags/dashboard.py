from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import QueryDict
from django.template.defaultfilters import floatformat

from hub.dashboard.nav import nav_for
from hub.orders.states import OrderStatus

register = template.Library()

BADGES = {
    # import job statuses
    "pending": "muted",
    "validating": "info",
    "applying": "info",
    "validated": "ok",
    "succeeded": "ok",
    "failed": "bad",
    # ledger kinds
    "receive": "ok",
    "move_in": "info",
    "move_out": "info",
    "adjust": "warn",
    "reserve": "muted",
    "release": "muted",
    "consume": "bad",
    # order statuses ("pending" is above)
    "new": "info",
    "on_hold": "warn",
    "unfulfillable": "bad",
    "allocated": "info",
    "picking": "info",
    "packed": "info",
    "shipped": "ok",
    "delivered": "ok",
    "cancelled": "muted",
    "returned": "warn",
    # order line statuses
    "open": "info",
    # order timeline kinds (a status change is "status:<status>")
    "imported": "info",
    "mapped": "ok",
    "unmapped_sku": "bad",
    "attention": "warn",
    "line_cancelled": "warn",
    "channel_status": "muted",
}

EVENT_LABELS = {
    "unmapped_sku": "Unmapped SKU",
    "channel_status": "Channel status",
    "line_cancelled": "Line cancelled",
}


@register.inclusion_tag("dashboard/_nav.html", takes_context=True)
def dashboard_nav(context) -> dict:
    request = context["request"]
    return {"items": nav_for(request.user), "section": context.get("section", "")}


@register.simple_tag(takes_context=True)
def with_query(context, **changes) -> str:
    """The current query string with ``changes`` applied (a None or empty value drops the key)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def badge(status: str) -> str:
    """The badge colour class for a status, a ledger kind or an order timeline kind."""
    return f"badge badge-{BADGES.get(status.removeprefix('status:'), 'muted')}"


@register.filter
def channel_badge(kind: str) -> str:
    """The badge class of a channel account kind (each channel has its colour)."""
    return f"badge badge-channel badge-channel-{kind}"


@register.filter
def event_label(kind: str) -> str:
    """An order timeline kind in words: a status change reads as the new status."""
    if kind.startswith("status:"):
        status = kind.removeprefix("status:")
        return OrderStatus(status).label if status in OrderStatus.values else status
    return EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())


@register.filter
def policy(account) -> str:
    """A channel account's offer policy in a few words: "buffer 2 · 50% · cap 10 · zero below 3"."""
    parts = []
    if account.buffer_units:
        parts.append(f"buffer {account.buffer_units}")
    percent = Decimal(account.percent_of_available)
    if percent < 100:
        parts.append(f"{percent.normalize():f}%")
    if account.max_units is not None:
        parts.append(f"cap {account.max_units}")
    if account.out_of_stock_threshold:
        parts.append(f"zero below {account.out_of_stock_threshold}")
    return " · ".join(parts) or "all available"


@register.filter
def signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


@register.filter
def money(amount, currency: str = "INR") -> str:
    """An amount with two decimals and thousands commas: "₹1,299.00", or "USD 12.50" in another currency."""
    prefix = "₹" if currency == "INR" else f"{currency} "
    return f"{prefix}{intcomma(floatformat(amount, 2))}"
