"""Price pushes end to end: the real connectors against the channel sandboxes over loopback.

Each sandbox lists TEE-0 and TEE-1 at ``LISTED_PRICE``; the hub SKUs sell at 799.00 (MRP 999.00). On
Shopify both are variants of one product.
"""

from decimal import Decimal

from hub.channels import sync
from tests.e2e.conftest import CHANNEL_SKUS, LISTED_PRICE


def test_a_price_change_reaches_the_channel_in_one_call_and_is_not_sent_again(channel, account, hub_skus):
    assert channel.prices() == dict.fromkeys(CHANNEL_SKUS, Decimal(LISTED_PRICE))

    first = sync.push_prices(account)  # never priced: both listings, in one feed / one mutation

    assert (first.status, first.items_pushed, first.items_rejected) == ("succeeded", 2, 0)
    assert channel.prices() == dict.fromkeys(CHANNEL_SKUS, Decimal("799.00"))
    assert channel.price_requests() == 1

    sku = hub_skus["TEE-1"]
    sku.selling_price = Decimal("749.50")
    sku.save(update_fields=["selling_price"])
    channel.clear_calls()

    run = sync.push_prices(account)

    assert (run.stream, run.status, run.items_pushed, run.items_rejected) == ("prices", "succeeded", 1, 0)
    assert channel.price_requests() == 1
    assert channel.prices() == {"TEE-0": Decimal("799.00"), "TEE-1": Decimal("749.50")}
    assert dict(account.listings.values_list("channel_sku", "last_pushed_price")) == {"TEE-0": Decimal("799.00"),
                                                                                     "TEE-1": Decimal("749.50")}  # fmt: skip
    assert set(account.listings.values_list("price_error", flat=True)) == {""}

    channel.clear_calls()
    quiet = sync.push_prices(account)  # the channel holds every price: nothing is sent

    assert (quiet.status, quiet.items_pushed, channel.price_requests()) == ("succeeded", 0, 0)
