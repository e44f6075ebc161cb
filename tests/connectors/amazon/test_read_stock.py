"""Stock reads: getListingsItem through the real python-amazon-sp-api client against AmazonSandbox on loopback,
and the quantity read from Amazon's published getListingsItem answer."""

import pytest

from connectors.amazon import AmazonConnector
from connectors.amazon.connector import AMAZON_RATES
from connectors.amazon.mapping import MappingError, seller_fulfilled_quantity
from connectors.base import Capability, ListingRef, StockUpdate
from connectors.errors import CredentialsRejected, RetriableConnectorError
from connectors.ratelimit import Rate, TokenBucket
from connectors.sandbox.amazon import SANDBOX_CREDENTIALS
from connectors.sandbox.base import Faults

# The 200 x-amzn-api-sandbox static response of getListingsItem in Amazon's own model,
# amzn/selling-partner-api-models, models/listings-items-api-model/listingsItems_2021-08-01.json, as published.
PUBLISHED_ITEM = {
    "sku": "GM-ZDPI-9B4E",
    "summaries": [{"marketplaceId": "ATVPDKIKX0DER", "asin": "B071VG5N9D", "productType": "LUGGAGE", "conditionType": "new_new",
                   "status": ["BUYABLE"], "itemName": "Hardside Carry-On Spinner Suitcase Luggage",
                   "createdDate": "2021-02-01T00:00:00Z", "lastUpdatedDate": "2021-03-01T00:00:00Z",
                   "mainImage": {"link": "https://www.example.com/luggage.png", "height": 500, "width": 500}}],
    "offers": [{"marketplaceId": "ATVPDKIKX0DER", "offerType": "B2C", "price": {"currencyCode": "USD", "amount": "100.00"}}],
    "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": 100}],
    "issues": [],
}  # fmt: skip
PATH = "/listings/2021-08-01/items/A2SANDBOXSELLER/"


def shape(value):
    """The structure of a JSON value: its keys all the way down, with lists reduced to their first element."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def refs(*skus: str) -> list[ListingRef]:
    return [ListingRef(sku, channel_item_id=f"B0{n:08d}") for n, sku in enumerate(skus)]


def reads(sandbox) -> list[tuple[str, int]]:
    """(SKU as sent in the path, status) of every getListingsItem call."""
    return [(path.removeprefix(PATH), status) for method, path, status in sandbox.calls if path.startswith(PATH)]


def test_the_published_answer_reads_as_its_seller_fulfilled_quantity():
    assert seller_fulfilled_quantity(PUBLISHED_ITEM) == 100
    amazon_fulfilled = {**PUBLISHED_ITEM, "fulfillmentAvailability": [{"fulfillmentChannelCode": "AMAZON_IN", "quantity": 9}]}
    with pytest.raises(MappingError, match=r"no seller-fulfilled \(DEFAULT\) availability"):
        seller_fulfilled_quantity(amazon_fulfilled)
    for broken in ({"fulfillmentChannelCode": "DEFAULT"}, {"fulfillmentChannelCode": "DEFAULT", "quantity": -1},
                   {"fulfillmentChannelCode": "DEFAULT", "quantity": "12"}):  # fmt: skip
        with pytest.raises(MappingError, match="is not a whole number"):
            seller_fulfilled_quantity({**PUBLISHED_ITEM, "fulfillmentAvailability": [broken]})
    with pytest.raises(MappingError, match="has no fulfillmentAvailability"):
        seller_fulfilled_quantity({"sku": "GM-ZDPI-9B4E", "summaries": PUBLISHED_ITEM["summaries"]})


def test_the_connector_claims_stock_reads_at_amazons_published_rate():
    assert Capability.READ_STOCK in AmazonConnector.capabilities
    assert AMAZON_RATES["getListingsItem"] == Rate(5, 10)


def test_the_sandbox_answers_in_the_published_shape(sandbox, connect):
    sandbox.set_listing("TEE-0", 7, price=499.0)
    connector = connect()
    item = connector.listings_client.get_listings_item(connector.seller_id, "TEE-0", marketplaceIds=connector.marketplace_id,
                                                       includedData="fulfillmentAvailability,offers").payload  # fmt: skip
    assert item["sku"] == "TEE-0"
    assert shape(item["fulfillmentAvailability"]) == shape(PUBLISHED_ITEM["fulfillmentAvailability"])
    assert shape(item["offers"]) == shape(PUBLISHED_ITEM["offers"])
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 7}]
    assert item["offers"][0]["price"] == {"currencyCode": "INR", "amount": "499.00"}


def test_quantities_a_feed_set_are_read_back_one_call_a_sku(sandbox, connect):
    for sku in ("TEE-0", "TEE-1", "TEE-2"):
        sandbox.set_listing(sku, 0)
    connector = connect()
    connector.push_stock([StockUpdate("TEE-0", 4), StockUpdate("TEE-1", 0), StockUpdate("TEE-2", 12)])
    sandbox.set_listing("TEE-2", 11)  # a sale on Amazon since

    reading = connector.read_stock(refs("TEE-0", "TEE-1", "TEE-2"))

    assert reading.quantities == {"TEE-0": 4, "TEE-1": 0, "TEE-2": 11}
    assert reading.failures == []
    assert reads(sandbox) == [("TEE-0", 200), ("TEE-1", 200), ("TEE-2", 200)]


def test_a_sku_with_a_slash_and_a_space_is_read_by_its_own_path(sandbox, connect):
    sandbox.set_listing("KURTA/RED M", 5)
    reading = connect().read_stock(refs("KURTA/RED M"))
    assert reading.quantities == {"KURTA/RED M": 5}
    assert reads(sandbox) == [("KURTA%2FRED%20M", 200)]


def test_an_unknown_sku_and_a_malformed_answer_fail_alone(sandbox, connect):
    sandbox.set_listing("TEE-0", 3)
    sandbox.set_listing("TEE-1", 3)
    sandbox.faults = Faults(malformed={"TEE-1"})

    reading = connect().read_stock(refs("TEE-0", "TEE-1", "TEE-9"))

    assert reading.quantities == {"TEE-0": 3}
    failures = {failure.key: failure for failure in reading.failures}
    assert set(failures) == {"TEE-1", "TEE-9"}
    assert failures["TEE-9"].error.endswith("answered 404 NOT_FOUND: SKU 'TEE-9' not found in marketplace A21TJRUUN4KGV")
    assert failures["TEE-9"].response["status"] == 404
    assert "DEFAULT quantity 'twelve' is not a whole number" in failures["TEE-1"].error
    assert failures["TEE-1"].payload["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": "twelve"}]


def test_reads_wait_for_tokens_at_the_published_rate(sandbox):
    skus = [f"TEE-{n}" for n in range(12)]
    for sku in skus:
        sandbox.set_listing(sku, 1)
    connector = AmazonConnector(SANDBOX_CREDENTIALS, options={"base_url": sandbox.url})  # Amazon's own usage plans
    slept: list[float] = []
    connector.limiter = TokenBucket(connector.rates, clock=lambda: 0.0, sleep=slept.append)
    try:
        reading = connector.read_stock(refs(*skus))
    finally:
        connector.close()
    assert len(reading.quantities) == 12
    assert slept == [pytest.approx(0.2), pytest.approx(0.4)]  # a burst of 10, then 5 a second


def test_a_failed_call_is_raised_and_the_next_attempt_goes_on_from_the_sku_that_failed(sandbox, connect):
    skus = [f"TEE-{n}" for n in range(5)]
    for n, sku in enumerate(skus):
        sandbox.set_listing(sku, n)
    sandbox.faults = Faults(error_every=3, rate_limit_every=5, retry_after=2)  # the 3rd, 5th and 6th calls fail
    connector = connect()
    errors = []

    while True:
        try:
            reading = connector.read_stock(refs(*skus))
            break
        except RetriableConnectorError as error:
            errors.append(error)

    assert [(type(e).__name__, e.status) for e in errors] == [("RetriableConnectorError", 500), ("RateLimited", 429),
                                                               ("RetriableConnectorError", 500)]  # fmt: skip
    assert errors[1].retry_after == 2
    assert reading.quantities == dict(zip(skus, range(5), strict=True))
    assert [sku for sku, status in reads(sandbox) if status == 200] == skus  # each read once: no attempt started over
    assert len(reads(sandbox)) == 8


def test_refused_credentials_fail_the_whole_read(sandbox, connect):
    sandbox.set_listing("TEE-0", 1)
    with pytest.raises(CredentialsRejected, match="invalid_client"):
        connect(credentials={"lwa_client_secret": "not-the-secret"}).read_stock(refs("TEE-0"))
    with pytest.raises(CredentialsRejected, match="403"):
        connect(credentials={"seller_id": "A2SOMEONEELSE"}).read_stock(refs("TEE-0"))
