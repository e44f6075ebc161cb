"""connectors/sandbox/shopify.py over raw HTTP: the shapes Shopify answers with."""

import json
import re
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from connectors.sandbox.shopify import INVALID_TOKEN, SANDBOX_TOKEN
from tests.connectors.shopify.conftest import LOCATION, START, indian_order, sample

LINK = re.compile(r'^<(http://[^>]+/admin/api/2025-01/orders\.json\?limit=\d+&page_info=[\w=-]+)>; rel="(previous|next)"$')


def get(url: str, token: str = SANDBOX_TOKEN) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, headers={"X-Shopify-Access-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), json.loads(error.read())


def links(headers: dict) -> dict[str, str]:
    parts = [LINK.match(part) for part in headers.get("Link", "").split(", ") if part]
    assert all(parts), headers.get("Link")
    return {match.group(2): match.group(1) for match in parts}


def test_link_header_cursors_walk_forward_and_back(sandbox):
    for n in range(5):
        sandbox.add_order(indian_order(3001 + n, updated_at=START + timedelta(minutes=n)))
    base = f"{sandbox.url}/admin/api/2025-01/orders.json?status=any&order=updated_at+asc&limit=2"
    status, headers, first = get(base)
    assert status == 200 and [o["id"] for o in first["orders"]] == [3001, 3002]
    assert headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    assert set(links(headers)) == {"next"}
    _, headers, second = get(links(headers)["next"])
    assert [o["id"] for o in second["orders"]] == [3003, 3004] and set(links(headers)) == {"previous", "next"}
    _, _, back = get(links(headers)["previous"])
    assert [o["id"] for o in back["orders"]] == [3001, 3002]
    _, headers, last = get(links(headers)["next"])
    assert [o["id"] for o in last["orders"]] == [3005] and set(links(headers)) == {"previous"}


def test_page_info_with_another_filter_is_refused(sandbox):
    for n in range(3):
        sandbox.add_order(indian_order(3101 + n, updated_at=START + timedelta(minutes=n)))
    _, headers, _ = get(f"{sandbox.url}/admin/api/2025-01/orders.json?limit=1")
    status, _, body = get(links(headers)["next"] + "&status=any")
    assert status == 400 and "page_info" in body["errors"]


def test_a_wrong_token_gets_shopifys_401(sandbox):
    status, _, body = get(f"{sandbox.url}/admin/api/2025-01/orders.json", token="nope")
    assert (status, body) == (401, {"errors": INVALID_TOKEN})


def test_load_takes_shopifys_bodies_and_state_shows_them(sandbox):
    assert sandbox.load(sample("orders.json")) == {"orders": 1}
    assert sandbox.load(sample("order.json")) == {"order": 1}  # the same order id: replaced
    assert sandbox.load(sample("refund.json")) == {"refund": 1}
    assert sandbox.load(sample("inventory_levels.json")) == {"inventory_levels": 4}
    state = sandbox.state()
    assert [o["id"] for o in state["orders"]] == [450789469] and len(state["orders"][0]["refunds"]) == 1
    assert {(lv["inventory_item_id"], lv["location_id"], lv["available"]) for lv in state["inventory_levels"]} == {
        (39072856, 487838322, 27), (808950810, 905684977, 1), (808950810, 487838322, 9), (39072856, 905684977, 3)}  # fmt: skip
    status, _, body = get(f"{sandbox.url}/admin/api/2025-01/orders/450789469.json")
    assert status == 200 and body["order"]["name"] == "#1001"
    assert get(f"{sandbox.url}/admin/api/2025-01/orders/1.json")[:3:2] == (404, {"errors": "Not Found"})
    with pytest.raises(ValueError, match="Load takes a Shopify body"):
        sandbox.load({"customers": []})


def test_set_quantities_needs_a_compare_quantity_unless_told_to_ignore_it(sandbox):
    sandbox.stock_items(LOCATION, {11: 5})
    query = "mutation s($i: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $i) { userErrors { code } } }"
    row = {"inventoryItemId": "gid://shopify/InventoryItem/11", "locationId": f"gid://shopify/Location/{LOCATION}", "quantity": 3}
    body = json.dumps({"query": query, "variables": {"i": {"name": "available", "reason": "correction", "quantities": [row]}}})
    request = urllib.request.Request(f"{sandbox.url}/admin/api/2025-01/graphql.json", body.encode(),
                                     {"X-Shopify-Access-Token": SANDBOX_TOKEN, "Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    assert answer["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"
    assert answer["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 2000
    assert sandbox.state()["inventory_levels"][0]["available"] == 5
