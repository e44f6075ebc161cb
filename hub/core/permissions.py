"""Role permissions for the API.

A view says which roles may read (safe methods) and which may write, and may name roles per action::

    read_roles = {Role.ADMIN, Role.OPERATIONS, Role.FINANCE, Role.PICKER}
    write_roles = {Role.ADMIN, Role.OPERATIONS}
    action_roles = {"adjust": {Role.ADMIN, Role.OPERATIONS}}

A user with no tenant (a platform superuser) has no business data to reach through the API.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub.tenants.roles import Role

DEFAULT_READ = frozenset({Role.ADMIN, Role.OPERATIONS, Role.FINANCE})
DEFAULT_WRITE = frozenset({Role.ADMIN, Role.OPERATIONS})


class RolePermission(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.tenant_id):
            return False
        allowed = self.allowed_roles(request, view)
        return user.has_role(*allowed)

    @staticmethod
    def allowed_roles(request, view) -> frozenset[str]:
        action = getattr(view, "action", None)
        per_action = getattr(view, "action_roles", {})
        if action in per_action:
            return frozenset(per_action[action])
        if request.method in SAFE_METHODS:
            return frozenset(getattr(view, "read_roles", DEFAULT_READ))
        return frozenset(getattr(view, "write_roles", DEFAULT_WRITE))
