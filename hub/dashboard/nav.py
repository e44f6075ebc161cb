"""The navigation: which links each role sees."""

from dataclasses import dataclass

from django.urls import reverse

from hub.tenants.roles import Role

ADMIN, OPERATIONS, FINANCE, PICKER = Role.ADMIN, Role.OPERATIONS, Role.FINANCE, Role.PICKER


@dataclass(frozen=True)
class NavItem:
    label: str
    target: str  # a URL name, or a path when it starts with "/"
    roles: frozenset[str]
    section: str = ""  # the dashboard section it lights up for (see views' ``section``)

    @property
    def url(self) -> str:
        return self.target if self.target.startswith("/") else reverse(self.target)


NAV = (
    NavItem("Home", "dashboard:home", frozenset({ADMIN, OPERATIONS, FINANCE}), "home"),
    NavItem("Orders", "dashboard:orders", frozenset({ADMIN, OPERATIONS, FINANCE}), "orders"),
    NavItem("Channels", "dashboard:channels", frozenset({ADMIN, OPERATIONS, FINANCE}), "channels"),
    NavItem("Catalog", "dashboard:catalog", frozenset({ADMIN, OPERATIONS, FINANCE}), "catalog"),
    NavItem("Stock", "dashboard:stock", frozenset({ADMIN, OPERATIONS, FINANCE}), "stock"),
    NavItem("Stock ledger", "dashboard:ledger", frozenset({ADMIN, OPERATIONS, FINANCE}), "ledger"),
    NavItem("Imports", "dashboard:imports", frozenset({ADMIN, OPERATIONS}), "imports"),
    NavItem("Scanner", "scanner:home", frozenset({ADMIN, OPERATIONS, PICKER}), "scanner"),
    NavItem("API docs", "/api/v1/docs/", frozenset({ADMIN, OPERATIONS, FINANCE})),
    NavItem("Admin", "/admin/", frozenset({ADMIN, OPERATIONS})),
)


def nav_for(user) -> list[NavItem]:
    """The links ``user`` sees, in menu order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in NAV if user.has_role(*item.roles)]
