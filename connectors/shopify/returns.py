"""Shopify refunds -> the hub's return notices; pure functions, no I/O.

Shopify has no return object in the REST Admin API the hub reads: a merchant who accepts a return
refunds the units with ``restock_type`` "return" (``refunds[].refund_line_items[]``, on the order in
``orders.json``). Such a refund is the channel's word that those units come back; its id is the notice's
id. A refund that only cancels units ("cancel"), or gives money back without stock ("no_restock"), is not
a return. Older payloads carry no ``restock_type`` but the refund's ``restock`` boolean; it counts as a
return only for a line that had shipped (restocking an unshipped unit is a cancellation).
"""

from collections.abc import Mapping
from typing import Any

from connectors.base import ChannelReturnDTO, ReturnKind
from connectors.shopify.mapping import SHIPPED_FULFILMENT, MappingError, _id, _list, _quantity, _timestamp


def returns_from_order(order: Mapping[str, Any]) -> list[ChannelReturnDTO]:
    """One customer return notice per refund of ``order`` that restocks units as a return."""
    if not isinstance(order, Mapping):
        raise MappingError(f"An order is a JSON object, not {type(order).__name__}.")
    order_id = _id(order.get("id"), "id")
    skus = {str(line.get("id")): _line_sku(line) for line in _list(order, "line_items") if isinstance(line, Mapping)}
    shipped = {str(line.get("id")) for line in _list(order, "line_items")
               if isinstance(line, Mapping) and line.get("fulfillment_status") in SHIPPED_FULFILMENT}  # fmt: skip
    notices = []
    for refund in _list(order, "refunds"):
        if not isinstance(refund, Mapping):
            raise MappingError(f"Order {order_id}: refunds: each refund is a JSON object.")
        notice = _notice(order_id, refund, skus, shipped)
        if notice is not None:
            notices.append(notice)
    return notices


def _notice(order_id: str, refund: Mapping[str, Any], skus: dict[str, str], shipped: set[str]) -> ChannelReturnDTO | None:
    refund_id = _id(refund.get("id"), "refunds.id")
    units: dict[str, int] = {}
    for item in _list(refund, "refund_line_items"):
        if not isinstance(item, Mapping):
            raise MappingError(f"Refund {refund_id}: each refund line item is a JSON object.")
        line_id = _id(item.get("line_item_id"), "refund_line_items.line_item_id")
        if not _is_return(item, refund, line_id in shipped):
            continue
        sku = _line_sku(item["line_item"]) if isinstance(item.get("line_item"), Mapping) else skus.get(line_id, "")
        if not sku:
            raise MappingError(f"Refund {refund_id}: line item {line_id} is not on the order and names no SKU.")
        quantity = _quantity(item.get("quantity"), "refund_line_items.quantity")
        if quantity:
            units[sku] = units.get(sku, 0) + quantity
    if not units:
        return None
    return ChannelReturnDTO(
        channel_return_id=refund_id, channel_order_id=order_id, kind=ReturnKind.CUSTOMER, lines=tuple(units.items()),
        reason=str(refund.get("note") or "").strip(), requested_at=_timestamp(refund, "created_at", required=False),
        raw=dict(refund),
    )  # fmt: skip


def _is_return(item: Mapping[str, Any], refund: Mapping[str, Any], line_shipped: bool) -> bool:
    restock_type = item.get("restock_type")
    if restock_type:
        return restock_type == "return"
    return bool(refund.get("restock")) and line_shipped


def _line_sku(line: Mapping[str, Any]) -> str:
    """The channel SKU the order mapping gives the line: its ``sku``, else its variant id."""
    return str(line.get("sku") or "").strip() or str(line.get("variant_id") or "")
