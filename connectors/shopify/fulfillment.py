"""Shipments pushed back to Shopify as fulfilments of its fulfilment orders; pure functions, no I/O.

Facts followed: since 2022-07 a fulfilment is created from an order's *fulfilment orders* (one per
assigned location), naming the fulfilment order line items and quantities to ship, with ``trackingInfo``
{company, number, url}. The GraphQL mutation is ``fulfillmentCreateV2`` up to 2024-07 and
``fulfillmentCreate`` from 2024-10 (the same input under a new name, "Removing V2 suffix from
fulfillmentCreateV2", Shopify changelog); the connector picks the name from its API version. Only
fulfilment orders in status OPEN or IN_PROGRESS can be fulfilled.
"""

from collections.abc import Mapping
from typing import Any

from connectors.base import ShipmentUpdate
from connectors.shopify.mapping import MappingError
from connectors.shopify.stock import numeric_id

RENAMED_IN = "2024-10"
FULFILLABLE = frozenset({"OPEN", "IN_PROGRESS"})

# Shopify refuses a query whose requested cost exceeds 1000 points (objects cost 1, a connection 2 plus
# ``first`` times its node): 5 fulfilment orders of up to 50 lines each and 10 fulfilments ask for about
# 540. A line beyond those is not found, so its shipment is refused by name rather than half sent.
FULFILLMENT_ORDERS_COST = 540.0
FULFILLMENT_ORDERS_QUERY = """query fulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 10) { id status trackingInfo { company number } }
    fulfillmentOrders(first: 5) {
      nodes { id status lineItems(first: 50) { nodes { id remainingQuantity lineItem { id } } } }
    }
  }
}"""


class ShipmentMismatch(MappingError):
    """The shipment names lines or quantities the order has no open fulfilment for."""


def fulfillment_mutation_name(api_version: str) -> str:
    renamed = api_version == "unstable" or api_version >= RENAMED_IN
    return "fulfillmentCreate" if renamed else "fulfillmentCreateV2"


def fulfillment_create_document(api_version: str) -> str:
    name = fulfillment_mutation_name(api_version)
    input_type = "FulfillmentInput" if name == "fulfillmentCreate" else "FulfillmentV2Input"
    return (f"mutation {name}($fulfillment: {input_type}!) {{\n"
            f"  {name}(fulfillment: $fulfillment) {{\n"
            "    fulfillment { id status trackingInfo { company number url } }\n"
            "    userErrors { field message }\n  }\n}")  # fmt: skip


def already_fulfilled(order: Mapping[str, Any], tracking_number: str) -> bool:
    """Whether a fulfilment with this tracking number exists: a push whose answer was lost, repeated."""
    for fulfillment in order.get("fulfillments") or []:
        numbers = {str(info.get("number") or "") for info in fulfillment.get("trackingInfo") or []}
        if fulfillment.get("status") != "CANCELLED" and tracking_number in numbers:
            return True
    return False


def fulfillment_input(update: ShipmentUpdate, order: Mapping[str, Any], *, notify_customer: bool = False) -> dict:
    """The ``fulfillment`` argument for the shipment's lines (all that is left to ship when it names none).

    ``order`` is the ``order`` of ``FULFILLMENT_ORDERS_QUERY``. Each (line id, quantity) is taken from
    the open fulfilment orders holding that line, in their order; raises ``ShipmentMismatch`` when the
    order has less of a line left to ship than the shipment says.
    """
    open_orders = [fo for fo in _nodes(order.get("fulfillmentOrders")) if fo.get("status") in FULFILLABLE]
    if update.lines:
        by_order = _allocate(update, open_orders)
    else:
        by_order = {fo["id"]: [] for fo in open_orders if any(li.get("remainingQuantity", 0) > 0 for li in _nodes(fo.get("lineItems")))}
    if not by_order:
        raise ShipmentMismatch(f"Order {update.channel_order_id} has nothing left to fulfil on Shopify.")
    tracking = {"company": update.carrier or update.carrier_code, "number": update.tracking_number}
    return {
        "notifyCustomer": notify_customer,
        "trackingInfo": {key: value for key, value in tracking.items() if value},
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo_id, **({"fulfillmentOrderLineItems": items} if items else {})}
            for fo_id, items in by_order.items()
        ],
    }  # fmt: skip


def _allocate(update: ShipmentUpdate, open_orders: list[Mapping[str, Any]]) -> dict[str, list[dict]]:
    """{fulfilment order id: [{id, quantity}]} covering every (line id, quantity) of the shipment."""
    by_order: dict[str, list[dict]] = {}
    for line_id, quantity in update.lines:
        left = quantity
        for fo in open_orders:
            for item in _nodes(fo.get("lineItems")):
                if left and numeric_id((item.get("lineItem") or {}).get("id", "")) == str(line_id):
                    take = min(left, int(item.get("remainingQuantity") or 0))
                    if take:
                        by_order.setdefault(fo["id"], []).append({"id": item["id"], "quantity": take})
                        left -= take
        if left:
            raise ShipmentMismatch(f"Line {line_id}: {quantity} to ship, but only {quantity - left} left to fulfil on Shopify.")
    return by_order


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    if not isinstance(connection, Mapping):
        return []
    return [node for node in connection.get("nodes") or [] if isinstance(node, Mapping)]
