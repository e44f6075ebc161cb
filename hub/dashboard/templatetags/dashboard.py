from django import template
from django.http import QueryDict

from hub.dashboard.nav import nav_for

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
    """The badge colour class for a status or ledger kind."""
    return f"badge badge-{BADGES.get(status, 'muted')}"


@register.filter
def signed(value: int) -> str:
    return f"{value:+d}" if value else "0"
