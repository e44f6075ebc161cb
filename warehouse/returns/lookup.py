"""Which order a code scanned at the returns desk names: an AWB (air waybill) or a channel order id.

AWBs belong to shipments, which the shipping app owns; this module does not know its models. Instead
the shipping app registers a lookup when it loads, in its ``AppConfig.ready()``::

    from warehouse.returns.lookup import register_awb_lookup

    def order_for_awb(tenant, awb: str) -> Order | None:
        shipment = Shipment.objects.for_tenant(tenant).filter(awb=awb).select_related("order").first()
        return shipment.order if shipment else None

    register_awb_lookup(order_for_awb)

Until one is registered, a code is looked up as a channel order id only. An AWB is tried first: it is
what is printed on the parcel, and it names one shipment, where a channel order id may repeat across
channel accounts.
"""

from collections.abc import Callable

from hub.core.errors import Conflict, DomainError
from hub.orders.models import Order

AwbLookup = Callable[..., Order | None]
_awb_lookups: list[AwbLookup] = []


class UnknownCode(DomainError):
    code = "unknown_order"


def register_awb_lookup(lookup: AwbLookup) -> None:
    """Add ``lookup(tenant, awb) -> Order | None``; registering the same function twice adds it once."""
    if lookup not in _awb_lookups:
        _awb_lookups.append(lookup)


def unregister_awb_lookup(lookup: AwbLookup) -> None:
    if lookup in _awb_lookups:
        _awb_lookups.remove(lookup)


def order_for_code(tenant, code: str) -> Order:
    """The tenant's order an AWB or a channel order id names; refuses an unknown or ambiguous code."""
    code = (code or "").strip()
    if not code:
        raise UnknownCode("Scan the AWB on the parcel, or the order id.", field="code")
    for lookup in _awb_lookups:
        order = lookup(tenant, code)
        if order is not None and order.tenant_id == getattr(tenant, "pk", tenant):
            return order
    matches = list(Order.objects.for_tenant(tenant).filter(channel_order_id=code).select_related("account")[:5])
    if not matches:
        raise UnknownCode(f"No order or AWB {code}.", field="code")
    if len(matches) > 1:
        accounts = ", ".join(sorted(order.account.name for order in matches))
        raise Conflict(
            f"Order id {code} is on several channel accounts ({accounts}); scan the AWB instead.",
            field="code", code="ambiguous_order",
        )  # fmt: skip
    return matches[0]
