"""The scanner menu: flows register themselves here (from their ``AppConfig.ready``) and the menu page
lists the ones a user's roles allow."""

from dataclasses import dataclass

from django.urls import reverse

from hub.tenants.roles import Role

WAREHOUSE_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS, Role.PICKER})


@dataclass(frozen=True)
class Flow:
    key: str
    label: str
    url_name: str  # a URL name (reversed without arguments) or a path starting with "/"
    hint: str = ""
    roles: frozenset[str] = WAREHOUSE_ROLES
    order: int = 100

    @property
    def url(self) -> str:
        return self.url_name if self.url_name.startswith("/") else reverse(self.url_name)


_flows: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    """Add a flow to the menu (again under the same key replaces it, so a reload is harmless)."""
    _flows[flow.key] = flow
    return flow


def flows_for(user) -> list[Flow]:
    """The flows ``user`` may open, in menu order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(
        (flow for flow in _flows.values() if user.has_role(*flow.roles)), key=lambda flow: (flow.order, flow.label)
    )
