"""Who may open which dashboard page.

Every page needs a signed-in user who belongs to a tenant. A page names the roles that may open it;
a picker who opens any other page is sent to the scanner, anyone else without the role gets 403.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from hub.tenants.roles import ALL_ROLES, Role

UPLOAD_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS})
OPERATE_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS})  # who may cancel, hold or allocate an order
OFFICE_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS, Role.FINANCE})

View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
    """Let users holding one of ``roles`` in; send pickers to the scanner, refuse the rest (403)."""
    allowed = frozenset(roles or ALL_ROLES)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.tenant_id:
                raise PermissionDenied("Your account belongs to no tenant; use the admin site.")
            if user.has_role(*allowed):
                return view(request, *args, **kwargs)
            if user.has_role(Role.PICKER):
                return redirect("scanner:home")
            raise PermissionDenied("Your role does not allow this page.")

        return login_required(wrapped)

    return decorator


def can_upload(user) -> bool:
    return bool(user.tenant_id) and user.has_role(*UPLOAD_ROLES)


def can_operate(user) -> bool:
    return bool(user.tenant_id) and user.has_role(*OPERATE_ROLES)
