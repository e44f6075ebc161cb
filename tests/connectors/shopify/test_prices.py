"""Prices through productVariantsBulkUpdate: the grouped mutation, its answer, and the sandbox."""

import json
import urllib.request
from decimal import Decimal

import pytest

from connectors.base import Capability, PriceUpdate
from connectors.sandbox.shopify import SANDBOX_TOKEN
from connectors.shopify import ShopifyConnector
from connectors.shopify import connector as shopify_connector
from connectors.shopify.prices import by_product, money, price_outcome, sendable, variants_update_mutation
from tests.connectors.shopify.conftest import make_connector, sample

IPOD = 632910392  # product.json: four variants at 199.00
PINK, RED, GREEN, BLACK = 808950810, 49148385, 39072856, 457924702
TEE, TEE_M, TEE_L = 7001, 7101, 7102  # a second product, added in the tests


def price(sku: str, amount: str, variant: int | str = "", product: int | str = "") -> PriceUpdate:
    return PriceUpdate(sku, Decimal(amount), Decimal("999.00"), channel_item_id=str(variant), channel_product_id=str(product))


def prices_held(sandbox) -> dict[int, str]:
    return {variant["id"]: variant["price"] for variant in sandbox.state()["variants"]}


def graphql_calls(sandbox) -> int:
    return sum(1 for method, path, _ in sandbox.calls if path.endswith("/graphql.json"))


@pytest.fixture
def shop(sandbox):
    """The published product (four iPod variants) and a tee with two sizes."""
    assert sandbox.load(sample("product.json")) == {"product": 1}
    sandbox.add_product(TEE, {TEE_M: "499.00", TEE_L: "499.00"})
    return sandbox


# --- the mutation --------------------------------------------------------------------------------------


def test_variants_are_grouped_by_product_one_aliased_field_each():
    updates = [price("PINK", "149", PINK, IPOD), price("TEE-M", "449.5", TEE_M, TEE), price("RED", "159.99", RED, IPOD)]

    mutation = variants_update_mutation(by_product(updates))

    assert [[u.channel_sku for u in group] for group in mutation.groups.values()] == [["PINK", "RED"], ["TEE-M"]]
    assert mutation.variables == {
        "p0Product": f"gid://shopify/Product/{IPOD}",
        "p0Variants": [{"id": f"gid://shopify/ProductVariant/{PINK}", "price": "149.00"},
                       {"id": f"gid://shopify/ProductVariant/{RED}", "price": "159.99"}],
        "p1Product": f"gid://shopify/Product/{TEE}",
        "p1Variants": [{"id": f"gid://shopify/ProductVariant/{TEE_M}", "price": "449.50"}],
    }  # fmt: skip
    assert mutation.document.startswith("mutation variantPrices($p0Product: ID!, $p0Variants: [ProductVariantsBulkInput!]!, ")
    assert "p1: productVariantsBulkUpdate(productId: $p1Product, variants: $p1Variants, allowPartialUpdates: true)" in mutation.document
    assert "userErrors { code field message }" in mutation.document


def test_money_is_a_decimal_string_to_the_paisa():
    assert [money(Decimal(v)) for v in ("799", "0.5", "1234.555", "-3")] == ["799.00", "0.50", "1234.56", "-3.00"]


def test_listings_without_a_product_or_variant_id_are_refused_before_asking():
    updates = [price("OK", "1", PINK, IPOD), price("NO-PRODUCT", "1", RED), price("NO-VARIANT", "1", "", IPOD),
               price("TWICE", "2", f"gid://shopify/ProductVariant/{PINK}", IPOD)]  # fmt: skip
    ready, refused = sendable(updates)
    assert [u.channel_sku for u in ready] == ["OK"]
    assert "no Shopify product id (channel_product_id)" in refused["NO-PRODUCT"]
    assert "no Shopify variant id" in refused["NO-VARIANT"]
    assert refused["TWICE"] == f"Variant gid://shopify/ProductVariant/{PINK} is priced by another SKU in the same push."


def test_user_errors_reject_their_variant_and_one_naming_no_variant_rejects_the_product():
    mutation = variants_update_mutation(by_product([price("A", "1", 1, 10), price("B", "-1", 2, 10), price("C", "1", 3, 20)]))
    data = {
        "p0": {"productVariants": [{"id": "gid://shopify/ProductVariant/1", "price": "1.00"}],
               "userErrors": [{"code": "NEGATIVE_PRICE_VALUE", "field": ["variants", "1", "price"],
                               "message": "Price cannot take a negative value."}]},
        "p1": {"productVariants": None, "userErrors": [{"code": "PRODUCT_DOES_NOT_EXIST", "field": ["productId"],
                                                        "message": "Product does not exist"}]},
    }  # fmt: skip
    assert price_outcome(mutation, data) == (["A"], {"B": "Price cannot take a negative value.", "C": "Product does not exist"})
    silent = price_outcome(mutation, {"p0": {"productVariants": [], "userErrors": []}})
    assert silent == ([], {"A": "Shopify's answer does not list this variant as updated.",
                           "B": "Shopify's answer does not list this variant as updated.",
                           "C": "Shopify's answer has no result for this product."})  # fmt: skip


def test_shopify_takes_prices():
    assert Capability.PUSH_PRICE in ShopifyConnector.capabilities
    assert ShopifyConnector.price_batch_size == 250


# --- through the sandbox -------------------------------------------------------------------------------


def test_prices_of_two_products_go_in_one_call_and_a_negative_one_is_rejected_alone(shop):
    updates = [price("PINK", "149", PINK, IPOD), price("RED", "-5", RED, IPOD), price("GREEN", "179.50", GREEN, IPOD),
               price("TEE-M", "449", TEE_M, TEE)]  # fmt: skip

    result = make_connector(shop.url).push_price(updates)

    assert result.accepted == {"PINK", "GREEN", "TEE-M"}
    assert result.rejected == {"RED": "Price cannot take a negative value."}
    assert graphql_calls(shop) == 1
    assert prices_held(shop) == {PINK: "149.00", RED: "199.00", GREEN: "179.50", BLACK: "199.00", TEE_M: "449.00", TEE_L: "499.00"}
    [call] = result.request["calls"]
    assert set(call) == {"p0Product", "p0Variants", "p1Product", "p1Variants"}


def test_unknown_variants_products_and_strangers_are_user_errors(shop):
    updates = [price("GHOST", "1", 999, IPOD), price("STRANGER", "1", TEE_M, IPOD), price("NO-SHOP", "1", 5, 404),
               price("BLACK", "189", BLACK, IPOD)]  # fmt: skip

    result = make_connector(shop.url).push_price(updates)

    assert result.accepted == {"BLACK"}
    assert result.rejected == {"GHOST": "Product variant does not exist", "STRANGER": "Input must be for this product.",
                               "NO-SHOP": "Product does not exist"}  # fmt: skip
    assert prices_held(shop)[BLACK] == "189.00" and prices_held(shop)[TEE_M] == "499.00"


def test_a_listing_without_its_product_id_is_rejected_without_a_call(shop):
    result = make_connector(shop.url).push_price([price("PINK", "149", PINK)])
    assert result.accepted == frozenset() and "channel_product_id" in result.rejected["PINK"]
    assert graphql_calls(shop) == 0


def test_many_products_are_split_across_calls(shop, monkeypatch):
    monkeypatch.setattr(shopify_connector, "PRODUCTS_PER_CALL", 1)
    result = make_connector(shop.url).push_price([price("PINK", "150", PINK, IPOD), price("TEE-L", "450", TEE_L, TEE)])
    assert result.accepted == {"PINK", "TEE-L"} and graphql_calls(shop) == 2
    assert len(result.request["calls"]) == 2


def test_without_partial_updates_one_refusal_changes_nothing_of_the_product(shop):
    query = ("mutation m($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p, variants: $v) "
             "{ productVariants { id price } userErrors { code field message } } }")  # fmt: skip
    variables = {"p": f"gid://shopify/Product/{IPOD}", "v": [{"id": f"gid://shopify/ProductVariant/{PINK}", "price": "1.00"},
                                                             {"id": f"gid://shopify/ProductVariant/{RED}", "price": "cheap"}]}  # fmt: skip
    request = urllib.request.Request(f"{shop.url}/admin/api/2025-01/graphql.json", json.dumps({"query": query, "variables": variables}).encode(),
                                     {"X-Shopify-Access-Token": SANDBOX_TOKEN, "Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())["data"]["productVariantsBulkUpdate"]
    assert answer["productVariants"] is None
    assert answer["userErrors"] == [{"code": "INVALID_INPUT", "field": ["variants", "1", "price"],
                                     "message": "Price 'cheap' is not a decimal amount."}]  # fmt: skip
    assert prices_held(shop)[PINK] == "199.00"


def test_the_published_product_loads_with_its_variants(sandbox):
    sandbox.load(sample("product.json"))
    assert {(v["id"], v["product_id"], v["sku"], v["price"]) for v in sandbox.state()["variants"]} == {
        (PINK, IPOD, "IPOD2008PINK", "199.00"), (RED, IPOD, "IPOD2008RED", "199.00"),
        (GREEN, IPOD, "IPOD2008GREEN", "199.00"), (BLACK, IPOD, "IPOD2008BLACK", "199.00")}  # fmt: skip
    sandbox.reset()
    assert sandbox.state()["variants"] == []
