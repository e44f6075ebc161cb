"""Reads behind the channel pages: the tenant's accounts and what each listing is offered."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from hub.channels.models import ChannelAccount, Listing, ListingOutbox


def channel_accounts(tenant) -> QuerySet[ChannelAccount]:
    """The tenant's channel accounts with their warehouses, active listings and dirty (to push) listings."""
    dirty = (
        ListingOutbox.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("listing", distinct=True))
        .values("n")
    )
    return (
        ChannelAccount.objects.for_tenant(tenant)
        .defer("credentials")  # never shown
        .prefetch_related("warehouses")
        .annotate(
            listing_count=Count("listings", filter=Q(listings__is_active=True)),
            dirty_count=Coalesce(Subquery(dirty, output_field=IntegerField()), Value(0)),
        )
        .order_by("kind", "name")
    )


def channel_account(tenant, account_id: int) -> ChannelAccount:
    """One account of the tenant with its counts (raises ``ChannelAccount.DoesNotExist`` for another's)."""
    return channel_accounts(tenant).get(pk=account_id)


def account_listings(tenant, account: ChannelAccount) -> QuerySet[Listing]:
    """The account's listings by channel SKU, each with its hub SKU and whether it waits to be pushed."""
    return (
        Listing.objects.for_tenant(tenant)
        .filter(account=account)
        .select_related("sku")
        .annotate(is_dirty=Exists(ListingOutbox.objects.filter(listing=OuterRef("pk"))))
        .order_by("channel_sku", "pk")
    )


STREAM_NAMES = {"orders": "Order pull", "stock": "Stock push", "prices": "Price push", "reconcile": "Stock reconciliation",
                "returns": "Return pull"}


def account_schedule(account: ChannelAccount) -> list[dict]:
    """The account's scheduled streams: how often, the last run with its outcome, and the next run."""
    from schedules.planner import last_runs, schedule

    plan = schedule(accounts=ChannelAccount.objects.filter(pk=account.pk))
    runs = last_runs(plan)
    order = list(STREAM_NAMES)
    return [
        {"name": STREAM_NAMES[item.stream], "every": every_text(item.every_minutes), "next_run": item.next_run,
         "run": runs.get((item.account_id, item.stream))}
        for item in sorted(plan, key=lambda item: order.index(item.stream))
    ]  # fmt: skip


def every_text(minutes: int) -> str:
    """"5 min", "2 h", "1 day", "7 days": how a person says how often."""
    for size, unit in ((1440, "day"), (60, "h")):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if unit == 'day' and count != 1 else ''}"
    return f"{minutes} min"
