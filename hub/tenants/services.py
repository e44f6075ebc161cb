"""Onboarding tenants and users."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from hub.core.errors import DomainError
from hub.tenants.models import Tenant, User
from hub.tenants.roles import ALL_ROLES, STAFF_ROLES, Role


def create_tenant(name: str, *, slug: str = "", gstin: str = "", state: str = "") -> Tenant:
    name = name.strip()
    if not name:
        raise DomainError("A tenant needs a name.", field="name")
    slug = slug or slugify(name)[:60]
    if Tenant.objects.filter(name=name).exists() or Tenant.objects.filter(slug=slug).exists():
        raise DomainError(f"A tenant named {name!r} exists already.", field="name", code="exists")
    tenant = Tenant(name=name, slug=slug, gstin=gstin, state=state)
    try:
        tenant.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(f"{field}: {messages[0]}", field=field) from exc
    tenant.save()
    return tenant


@transaction.atomic
def create_user(
    tenant: Tenant, username: str, *, password: str, roles: Iterable[str], email: str = ""
) -> User:
    roles = set(roles)
    unknown = roles - ALL_ROLES
    if unknown or not roles:
        raise DomainError(
            f"Roles must be among {', '.join(sorted(ALL_ROLES))}; got {', '.join(sorted(roles)) or 'none'}.",
            field="roles",
        )
    if User.objects.filter(username=username).exists():
        raise DomainError(f"The username {username!r} is taken.", field="username", code="exists")
    user = User(username=username, email=email, tenant=tenant)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    set_roles(user, roles)
    return user


def set_roles(user: User, roles: Iterable[str]) -> None:
    """Give ``user`` exactly these roles; staff roles may use the admin site, pickers only the scanner."""
    roles = set(roles)
    groups = [Group.objects.get_or_create(name=role)[0] for role in sorted(roles)]
    user.groups.set(groups)
    user.is_staff = bool(roles & STAFF_ROLES) or user.is_superuser
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)


__all__ = ["Role", "create_tenant", "create_user", "set_roles"]
