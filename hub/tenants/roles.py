"""The four roles. A role is a Django group of the same name, which also carries the admin permissions
that role has on the business models (tenant scoping is applied on top, see ``hub.core.admin``)."""

from django.db import models

READ = ("view",)
WRITE = ("view", "add", "change", "delete")


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPERATIONS = "operations", "Operations"
    PICKER = "picker", "Picker"
    FINANCE = "finance", "Finance"


ALL_ROLES = frozenset(Role.values)
STAFF_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS, Role.FINANCE})

# Accounts and listings are edited; the outbox is the push job's, so it is only looked at.
CHANNELS_MANAGE = {"*": WRITE, "listingoutbox": READ}
# Orders change only through their actions (the admin's list actions need "change"); lines, allocations
# and the timeline are written by those actions, never by hand.
ORDERS_MANAGE = {"*": READ, "order": ("view", "change")}
# Suppliers and POs are edited (a PO's status only through its actions); GRNs are the scanner's, only looked at.
INBOUND_MANAGE = {"*": WRITE, "goodsreceipt": READ, "goodsreceiptline": READ}
# Picklists and cycle counts change only through their actions (cancel; approve, reject, cancel), which the
# admin offers as list actions needing "change"; their orders, lines and bins are written by those actions.
PICKING_MANAGE = {"*": READ, "picklist": ("view", "change")}
COUNTS_MANAGE = {"*": READ, "cyclecount": ("view", "change")}
# Couriers, box sizes and invoice series are set up by hand; invoices, parcels and manifests are the pack
# station's and the dock's, only looked at, a parcel changing only through its actions (cancel, confirm again).
SHIPPING_MANAGE = {
    "*": READ, "courier": WRITE, "boxsize": WRITE, "invoiceseries": WRITE, "shipment": ("view", "change"),
}  # fmt: skip

# Admin-site permissions per role: {app_label: {model: actions}}; "*" is every model of the app.
ADMIN_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    Role.ADMIN: {
        "catalog": {"*": WRITE},
        "warehouse": {"*": WRITE, "stockmovement": READ, "stocklevel": READ},
        "channels": CHANNELS_MANAGE,
        "orders": ORDERS_MANAGE,
        "inbound": INBOUND_MANAGE,
        "picking": PICKING_MANAGE,
        "returns": {"*": READ},
        "counts": COUNTS_MANAGE,
        "shipping": SHIPPING_MANAGE,
        "core": {"importjob": READ},
        "schedules": {"job": READ},
        "tenants": {"user": WRITE},
    },
    Role.OPERATIONS: {
        "catalog": {"*": WRITE},
        "warehouse": {"*": WRITE, "stockmovement": READ, "stocklevel": READ},
        "channels": CHANNELS_MANAGE,
        "orders": ORDERS_MANAGE,
        "inbound": INBOUND_MANAGE,
        "picking": PICKING_MANAGE,
        "returns": {"*": READ},
        "counts": COUNTS_MANAGE,
        "shipping": SHIPPING_MANAGE,
        "core": {"importjob": READ},
        "schedules": {"job": READ},
    },
    Role.FINANCE: {
        "catalog": {"*": READ},
        "warehouse": {"*": READ},
        "channels": {"*": READ},
        "orders": {"*": READ},
        "inbound": {"*": READ},
        "picking": {"*": READ},
        "returns": {"*": READ},
        "counts": {"*": READ},
        "shipping": {"*": READ},
        "core": {"importjob": READ},
        "schedules": {"job": READ},
    },
    Role.PICKER: {},
}


def ensure_role_groups(**kwargs) -> None:
    """Create the role groups and give each its admin permissions (runs after every migrate)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    for role, grants in ADMIN_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, per_model in grants.items():
            try:
                app = apps.get_app_config(app_label)
            except LookupError:
                continue
            for model in app.get_models():
                name = model._meta.model_name
                actions = per_model.get(name, per_model.get("*", ()))
                wanted += [f"{action}_{name}" for action in actions]
        perms = Permission.objects.filter(
            content_type__app_label__in=list(grants), codename__in=wanted
        )
        group.permissions.set(perms)
