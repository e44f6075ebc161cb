"""Writing channel accounts and listings one at a time (the API and admin). The listing file importer
writes in bulk (``imports.py``) and ends in ``after_listings_written`` like ``save_listing`` does.

Two rules hold for every write, in the writer's transaction:

- whatever may change what a channel is offered (an account's policy fields, its serving warehouses,
  its re-activation; a new, changed or re-activated listing) notes the affected listings in the
  outbox (``hub.channels.outbox``), so the next push sends them;
- a listing that (newly) maps a channel SKU hands that SKU's waiting order lines their hub SKU
  (``hub.orders.actions.map_waiting_lines``), so an order that waited for the mapping allocates.

Credentials are a JSON object stored encrypted (``ChannelAccount.credentials``); they are kept out of
error reports here and are never returned by anything in this module's callers.
"""

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.debug import sensitive_variables

from hub.catalog.models import SKU
from hub.channels import outbox
from hub.channels.models import ChannelAccount, ChannelKind, Listing
from hub.core.errors import DomainError
from hub.orders.actions import map_waiting_lines
from hub.orders.models import OrderLine
from warehouse.models import Warehouse

# The fields whose change alters what every listing of the account is offered.
POLICY_FIELDS = ("buffer_units", "max_units", "percent_of_available", "out_of_stock_threshold")
# The fields that decide which waiting order lines a listing maps.
MAPPING_FIELDS = ("account_id", "channel_sku", "sku_id", "is_active")


# Accounts ---------------------------------------------------------------------------------------


@sensitive_variables("credentials")
@transaction.atomic
def save_account(
    tenant,
    *,
    account: ChannelAccount | None = None,
    fields: dict,
    warehouses: Iterable[Warehouse] | None = None,
    credentials: dict | None = None,
) -> ChannelAccount:
    """Create (``account`` None or unsaved) or update a channel account.

    ``warehouses``, when given, replace the serving warehouses; ``credentials``, when given, replace the
    stored ones (an empty dict clears them). When the policy fields or the warehouses change, or the
    account is switched back on, every active listing of the account is noted in the outbox in this
    transaction: the old values are read from the database (locked), so it does not matter whether
    the caller (a ModelForm, say) has already put the new values on ``account``.
    """
    account = _owned(account or ChannelAccount(), tenant)
    before = _stored_state(account)
    for name, value in fields.items():
        setattr(account, name, value)
    if credentials is not None:
        account.credentials = _credentials_text(credentials)
        account.syncs_stopped_at, account.alert = None, ""  # new credentials: syncs may run again
        if "credentials_expire_at" not in fields and (expiry := _expiry_of(credentials)) is not None:
            account.credentials_expire_at = expiry
    elif "credentials_expire_at" in fields and account.alert.startswith(EXPIRY_ALERT):
        account.alert = ""  # the new date is checked again at the next tick
    _check_account_name(account)
    _full_clean(account, exclude=["tenant"])
    _save_unique(account, check=_check_account_name)
    moved = warehouses is not None and _set_warehouses(tenant, account, list(warehouses))
    if before is not None and (moved or _offer_changed(before, account)):
        outbox.mark_account_changed(account, cause="policy")
    return account


EXPIRY_ALERT = "Credentials expire"


def _expiry_of(credentials: dict) -> datetime | None:
    """The expiry some channels hand out with a token (``expires_at``, ISO 8601), if it says one."""
    value = credentials.get("expires_at")
    if not isinstance(value, str):
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise DomainError(f"credentials.expires_at: {value!r} is not an ISO 8601 date and time.", field="credentials")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def flag_expiring_credentials(now: datetime | None = None) -> list[ChannelAccount]:
    """Alert on every active account whose credentials expire within ``CREDENTIALS_EXPIRY_WARNING_DAYS``
    (or have expired). A louder alert (rejected credentials, failing syncs) is left in place; the
    expiry alert comes back once it is cleared. Returns the accounts alerted now."""
    now = now or timezone.now()
    soon = now + timedelta(days=settings.CREDENTIALS_EXPIRY_WARNING_DAYS)
    alerted = []
    expiring = ChannelAccount.objects.filter(is_active=True, credentials_expire_at__lte=soon)
    for account in expiring.filter(Q(alert="") | Q(alert__startswith=EXPIRY_ALERT)):
        message = _expiry_alert(account, now)
        if account.alert != message:
            ChannelAccount.objects.filter(pk=account.pk, alert=account.alert).update(alert=message)
            account.alert = message
            alerted.append(account)
    # a date moved on (renewed outside the hub's forms): the old alert goes
    ChannelAccount.objects.filter(alert__startswith=EXPIRY_ALERT).filter(
        Q(credentials_expire_at__gt=soon) | Q(credentials_expire_at__isnull=True)
    ).update(alert="")
    return alerted


def _expiry_alert(account: ChannelAccount, now: datetime) -> str:
    when = timezone.localtime(account.credentials_expire_at)
    channel = account.get_kind_display()
    if account.credentials_expire_at <= now:
        return f"{EXPIRY_ALERT}d: the {channel} credentials expired on {when:%d %b %Y %H:%M}; renew them to keep syncing."
    days = (account.credentials_expire_at - now).days
    left = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return f"{EXPIRY_ALERT} {left}: the {channel} credentials expire on {when:%d %b %Y %H:%M}; renew them before then."


def _stored_state(account: ChannelAccount) -> dict | None:
    """The account's policy fields and active flag as committed, with the row locked; None if new."""
    if account.pk is None:
        return None
    return (
        ChannelAccount.objects.select_for_update()
        .filter(pk=account.pk)
        .values(*POLICY_FIELDS, "is_active")
        .get()
    )


def _offer_changed(before: dict, account: ChannelAccount) -> bool:
    policy_changed = any(before[name] != getattr(account, name) for name in POLICY_FIELDS)
    return policy_changed or (account.is_active and not before["is_active"])


@sensitive_variables("credentials")
def _credentials_text(credentials: dict) -> str:
    if not isinstance(credentials, dict):
        raise DomainError("Credentials are a JSON object of names and values.", field="credentials")
    return json.dumps(credentials, sort_keys=True) if credentials else ""


def _check_account_name(account: ChannelAccount) -> None:
    if message := account_name_error(account.tenant, kind=account.kind, name=account.name, account=account):
        raise DomainError(message, field="name")


def account_name_error(tenant, *, kind: str, name: str, account: ChannelAccount | None = None) -> str | None:
    """Why this name cannot be used for an account of this channel (the tenant has one so named), or None.

    Shared with the admin form, which must refuse the name before the admin says "saved"."""
    others = ChannelAccount.objects.for_tenant(tenant).filter(kind=kind, name=name)
    if account is not None and account.pk is not None:
        others = others.exclude(pk=account.pk)
    if others.exists():
        return f"Another {ChannelKind(kind).label} account is already named {name!r}."
    return None


def _set_warehouses(tenant, account: ChannelAccount, warehouses: list[Warehouse]) -> bool:
    """Give the account exactly these warehouses; returns whether that changed anything."""
    if foreign := [w for w in warehouses if w.tenant_id != tenant.pk]:
        raise DomainError(
            f"Unknown warehouse: no such id {foreign[0].pk} in your account.", field="warehouses"
        )
    wanted = {w.pk for w in warehouses}
    if wanted == set(account.warehouses.values_list("pk", flat=True)):
        return False
    account.warehouses.set(wanted)
    return True


# Listings ---------------------------------------------------------------------------------------


@transaction.atomic
def save_listing(tenant, *, listing: Listing | None = None, fields: dict, actor=None) -> Listing:
    """Create (``listing`` None or unsaved) or update one listing (a channel SKU of an account mapped to
    a hub SKU), note it in the outbox and map the order lines waiting on its channel SKU.

    The account and the SKU must be the tenant's, and a channel SKU is listed once per account (the
    database enforces it too; a race that loses answers like the check).
    """
    listing = _owned(listing or Listing(), tenant)
    before = _stored_mapping(listing)
    for name, value in fields.items():
        setattr(listing, name, value)
    _check_listing_owner(tenant, listing)
    _check_channel_sku(listing)
    _full_clean(listing, exclude=["tenant", "account", "sku"])
    _save_unique(listing, check=_check_channel_sku)
    after = {name: getattr(listing, name) for name in MAPPING_FIELDS}
    after_listings_written([listing], remap=[listing] if after != before else [], actor=actor)
    return listing


def _stored_mapping(listing: Listing) -> dict | None:
    if listing.pk is None:
        return None
    return Listing.objects.select_for_update().filter(pk=listing.pk).values(*MAPPING_FIELDS).get()


def _check_listing_owner(tenant, listing: Listing) -> None:
    """Another tenant's account or SKU reads exactly like one that does not exist."""
    account = ChannelAccount.objects.filter(pk=listing.account_id, tenant=tenant).first()
    if account is None:
        raise DomainError(
            f"Unknown channel account: no such id {listing.account_id} in your account.", field="account"
        )
    sku = SKU.objects.filter(pk=listing.sku_id, tenant=tenant).first()
    if sku is None:
        raise DomainError(f"Unknown SKU: no such id {listing.sku_id} in your account.", field="sku")
    listing.account, listing.sku = account, sku


def _check_channel_sku(listing: Listing) -> None:
    others = Listing.objects.filter(account_id=listing.account_id, channel_sku=listing.channel_sku)
    if listing.pk is not None:
        others = others.exclude(pk=listing.pk)
    if others.exists():
        message = f"Channel SKU {listing.channel_sku!r} is already mapped on this account; edit that listing."
        raise DomainError(message, field="channel_sku")


def after_listings_written(listings: Iterable[Listing], *, remap: Iterable[Listing], actor=None) -> int:
    """What follows writing listings, inside the writer's transaction: note the active ones in the
    outbox, and map the order lines waiting on the channel SKUs of the active ``remap`` listings (new
    ones, or ones whose account, channel SKU, hub SKU or active flag changed).

    The waiting lines are found for all of them in one query, so a file of thousands of mappings calls
    ``map_waiting_lines`` only for the few that have orders waiting. Returns how many orders allocated.
    """
    outbox.mark_listings_changed([listing for listing in listings if listing.is_active], cause="listing")
    candidates = [listing for listing in remap if listing.is_active]
    waiting = _waiting_keys(candidates)
    completed = 0
    for listing in candidates:
        if (listing.account_id, listing.channel_sku) in waiting:
            completed += len(map_waiting_lines(listing, actor=actor))
    return completed


def _waiting_keys(listings: list[Listing]) -> set[tuple[int, str]]:
    """(account id, channel SKU) of these listings that unmapped order lines are waiting on."""
    by_account: dict[int, set[str]] = {}
    for listing in listings:
        by_account.setdefault(listing.account_id, set()).add(listing.channel_sku)
    keys: set[tuple[int, str]] = set()
    for account_id, channel_skus in by_account.items():
        ordered = sorted(channel_skus)
        for start in range(0, len(ordered), 1000):
            lines = OrderLine.objects.filter(
                order__account_id=account_id, sku__isnull=True, channel_sku__in=ordered[start : start + 1000]
            )
            keys |= {(account_id, sku) for sku in lines.values_list("channel_sku", flat=True).distinct()}
    return keys


# Shared -----------------------------------------------------------------------------------------


def _owned(instance, tenant):
    """A new row is stamped with the tenant; an existing one must already be the tenant's."""
    if instance.pk is None:
        instance.tenant = tenant
    elif instance.tenant_id != tenant.pk:
        raise DomainError(f"No such {instance._meta.verbose_name} in your account.", code="not_found")
    return instance


def _full_clean(instance, *, exclude: list[str]) -> None:
    """The model's own validators as a DomainError naming the field (uniqueness is checked apart)."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(f"{field}: {messages[0]}", field=field) from exc


def _save_unique(instance, *, check: Callable[[Any], None]) -> None:
    """Save in a savepoint. A unique constraint lost to a concurrent writer after ``check`` passed is
    answered by running ``check`` again, so it reads exactly like the check; anything else goes on up."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        check(instance)
        raise
