"""Price pushes against a scripted connector: what is stale, batches, rejections, retries, dry runs, skips."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from connectors.base import Capability, Connector, OrderPage, PushResult
from connectors.errors import CredentialsRejected, RetriableConnectorError
from hub.channels import sync
from hub.channels.models import Listing, SyncFailure, SyncRun
from schedules.tasks import sync_account
from tests import factories

CODES = ("TEE-S", "TEE-M", "TEE-L")


class PriceConnector(Connector):
    """Takes prices two at a time, records each push, and rejects the SKUs it is told to."""

    kind = "scripted"
    capabilities = frozenset({Capability.PUSH_PRICE})
    price_batch_size = 2

    def __init__(self, *, rejected_skus=(), faults=()):
        super().__init__({})
        self.rejected_skus, self.faults = set(rejected_skus), list(faults)
        self.pushes: list[list] = []

    def read_orders(self, *, updated_after, token=None):
        return OrderPage([])

    def push_price(self, updates):
        if self.faults:
            raise self.faults.pop(0)
        self.pushes.append(updates)
        rejected = {u.channel_sku: "Price is below the category floor" for u in updates if u.channel_sku in self.rejected_skus}
        return PushResult(frozenset(u.channel_sku for u in updates) - rejected.keys(), rejected, request={"n": len(updates)})

    def pushed(self) -> list[list[tuple[str, Decimal]]]:
        return [[(u.channel_sku, u.price) for u in batch] for batch in self.pushes]


class StockOnlyConnector(PriceConnector):
    capabilities = frozenset({Capability.PUSH_STOCK})


@pytest.fixture
def skus(tenant):
    return {code: factories.make_sku(tenant, f"HUB-{code}", mrp=Decimal("999.00"), selling_price=Decimal("799.00")) for code in CODES}


@pytest.fixture
def account(tenant, warehouse, skus):
    account = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")
    for code, sku in skus.items():
        factories.make_listing(account, sku, code, channel_item_id=f"B0{code}", channel_product_id=f"P-{code}")
    return account


def reprice(sku, amount: str) -> None:
    sku.selling_price = Decimal(amount)
    sku.save(update_fields=["selling_price"])


def held(account) -> dict[str, tuple]:
    return {listing.channel_sku: (listing.last_pushed_price, listing.price_error) for listing in Listing.objects.filter(account=account)}


def test_every_listing_is_priced_once_in_batches_then_only_changed_prices_are_sent(account, skus):
    connector = PriceConnector()

    first = sync.push_prices(account, connector=connector)

    assert (first.stream, first.status, first.items_pushed, first.items_rejected) == ("prices", "succeeded", 3, 0)
    assert connector.pushed() == [[("TEE-S", Decimal("799.00")), ("TEE-M", Decimal("799.00"))], [("TEE-L", Decimal("799.00"))]]
    assert held(account) == dict.fromkeys(CODES, (Decimal("799.00"), ""))
    update = connector.pushes[0][0]
    assert (update.mrp, update.currency, update.channel_item_id, update.channel_product_id) == (Decimal("999.00"), "INR", "B0TEE-S", "P-TEE-S")

    reprice(skus["TEE-M"], "749.00")
    second = sync.push_prices(account, connector=connector)

    assert (second.status, second.items_pushed) == ("succeeded", 1)
    assert connector.pushed()[2:] == [[("TEE-M", Decimal("749.00"))]]
    assert held(account)["TEE-M"] == (Decimal("749.00"), "")

    quiet = sync.push_prices(account, connector=connector)  # the channel holds every price: nothing is sent

    assert (quiet.status, quiet.items_pushed, quiet.message) == ("succeeded", 0, "0 pushed, 0 rejected.")
    assert len(connector.pushes) == 3


def test_the_price_sent_is_the_selling_price_and_inactive_listings_are_left_alone(account, skus):
    reprice(skus["TEE-S"], "999.00")  # at the MRP, the most the hub may ask
    Listing.objects.filter(channel_sku="TEE-L").update(is_active=False)
    connector = PriceConnector()

    sync.push_prices(account, connector=connector)

    assert connector.pushed() == [[("TEE-S", Decimal("999.00")), ("TEE-M", Decimal("799.00"))]]


def test_a_sku_priced_at_zero_is_never_sent(account, skus):
    reprice(skus["TEE-M"], "0")
    connector = PriceConnector()

    sync.push_prices(account, connector=connector)

    assert [sku for batch in connector.pushed() for sku, _ in batch] == ["TEE-S", "TEE-L"]


def test_a_rejected_price_keeps_its_error_and_a_failure_and_is_sent_again_until_it_takes(account, skus):
    run = sync.push_prices(account, connector=PriceConnector(rejected_skus={"TEE-M"}))

    assert (run.status, run.items_pushed, run.items_rejected, run.message) == ("partial", 2, 1, "2 pushed, 1 rejected.")
    assert held(account)["TEE-M"] == (None, "Price is below the category floor")
    failure = SyncFailure.objects.get(account=account)
    assert (failure.stream, failure.record_key, failure.status, failure.run) == ("prices", "TEE-M", "open", run)
    assert failure.request == {"n": 2}

    again = PriceConnector(rejected_skus={"TEE-M"})
    sync.push_prices(account, connector=again)

    assert again.pushed() == [[("TEE-M", Decimal("799.00"))]]  # the accepted ones are not sent again
    assert SyncFailure.objects.get(account=account).attempts == 2

    fixed = PriceConnector()
    sync.push_prices(account, connector=fixed)

    assert fixed.pushed() == [[("TEE-M", Decimal("799.00"))]]
    assert held(account)["TEE-M"] == (Decimal("799.00"), "")
    assert SyncFailure.objects.get(account=account).status == "resolved"


def test_a_refused_price_changed_back_to_the_accepted_one_is_sent_to_clear_the_refusal(account, skus):
    sync.push_prices(account, connector=PriceConnector())
    reprice(skus["TEE-S"], "5.00")
    sync.push_prices(account, connector=PriceConnector(rejected_skus={"TEE-S"}))
    reprice(skus["TEE-S"], "799.00")  # back to what the channel holds, but its refusal is still open

    connector = PriceConnector()
    sync.push_prices(account, connector=connector)

    assert connector.pushed() == [[("TEE-S", Decimal("799.00"))]]
    assert held(account)["TEE-S"] == (Decimal("799.00"), "")
    assert not SyncFailure.objects.filter(status="open").exists()


def test_retrying_a_price_failure_pushes_that_listing_alone(account, skus):
    sync.push_prices(account, connector=PriceConnector(rejected_skus={"TEE-M", "TEE-L"}))
    failure = SyncFailure.objects.get(record_key="TEE-M")
    connector = PriceConnector()

    retried = sync.retry_failure(failure, connector=connector)

    assert connector.pushed() == [[("TEE-M", Decimal("799.00"))]]
    assert retried.status == "resolved"
    assert SyncFailure.objects.get(record_key="TEE-L").status == "open"
    assert SyncRun.objects.filter(stream="prices", trigger="retry").count() == 1


def test_a_dry_run_counts_the_stale_prices_and_writes_nothing(account, skus):
    connector = PriceConnector()

    report = sync.push_prices(account, dry_run=True, connector=connector)

    assert (report.stream, report.items, report.failures) == ("prices", 3, [])
    assert connector.pushes == []
    assert not SyncRun.objects.exists()
    assert held(account) == dict.fromkeys(CODES, (None, ""))


def test_a_channel_that_takes_no_prices_is_skipped_with_a_message(account):
    connector = StockOnlyConnector()

    run = sync.push_prices(account, connector=connector)
    report = sync.push_prices(account, dry_run=True, connector=connector)

    assert (run.stream, run.status, run.items_pushed) == ("prices", "succeeded", 0)
    assert run.message == "Skipped: the Amazon connector takes no price updates from the hub."
    assert (report.items, report.failures) == (0, ["the Amazon connector takes no price updates from the hub."])
    assert connector.pushes == []


def test_a_batch_that_cannot_be_sent_fails_the_run_and_stores_nothing(account, settings):
    settings.SYNC_RETRY_ATTEMPTS, settings.SYNC_RETRY_BASE_SECONDS, settings.SYNC_RETRY_MAX_SECONDS = 2, 0, 0
    down = RetriableConnectorError("503 Service Unavailable")

    run = sync.push_prices(account, connector=PriceConnector(faults=[down, down]))

    assert (run.status, run.items_pushed) == ("failed", 0)
    assert "503" in run.message
    assert held(account) == dict.fromkeys(CODES, (None, ""))


def test_rejected_credentials_stop_the_account(account):
    run = sync.push_prices(account, connector=PriceConnector(faults=[CredentialsRejected("401", status=401)]))

    account.refresh_from_db()
    assert run.status == "failed" and account.syncs_stopped_at is not None
    with pytest.raises(sync.SyncStopped):
        sync.push_prices(account, connector=PriceConnector())


# --- the command, the API and the task ---------------------------------------------------------------


@pytest.fixture
def scripted(monkeypatch):
    """The connector every sync builds for an account."""
    connector = PriceConnector()
    monkeypatch.setattr(sync, "connector_for", lambda account: connector)
    return connector


def test_the_command_pushes_prices_only_when_asked(account, scripted):
    dry = StringIO()
    call_command("sync", str(account.pk), "--prices", "--dry-run", stdout=dry)
    assert "prices (dry run)" in dry.getvalue() and "would push 3 listing(s)" in dry.getvalue()

    out = StringIO()
    call_command("sync", str(account.pk), "--prices", stdout=out)

    assert "Succeeded: 3 pushed, 0 rejected." in out.getvalue()
    assert [run.stream for run in SyncRun.objects.all()] == ["prices"]  # not orders, not stock
    assert len(scripted.pushes) == 2


def test_the_api_pushes_prices_when_asked_and_never_by_default(account, scripted, api):
    url = f"/api/v1/channel-accounts/{account.pk}/sync/"

    dry = api.post(url, {"orders": False, "stock": False, "prices": True, "dry_run": True}, format="json")
    default = api.post(url, {"orders": False, "stock": True, "dry_run": True}, format="json")
    response = api.post(url, {"orders": False, "stock": False, "prices": True}, format="json")
    nothing = api.post(url, {"orders": False, "stock": False}, format="json")

    assert dry.status_code == 200 and dry.json()["dry_run"] == {"prices": {"stream": "prices", "pages": 0, "orders_new": 0,
                                                                           "orders_known": 0, "failures": [], "items": 3}}  # fmt: skip
    assert set(default.json()["dry_run"]) == {"stock"}
    assert response.status_code == 202, response.content
    assert [(run["stream"], run["items_pushed"], run["trigger"]) for run in response.json()["runs"]] == [("prices", 3, "api")]
    assert nothing.status_code == 400


def test_the_sync_task_pushes_prices_after_stock(account, scripted):
    run_ids = sync_account(account.pk, orders=False, prices=True)
    assert [SyncRun.objects.get(pk=pk).stream for pk in run_ids] == ["stock", "prices"]
    assert [SyncRun.objects.get(pk=pk).stream for pk in sync_account(account.pk, orders=False)] == ["stock"]


def test_the_sync_command_refuses_while_the_same_stream_runs_elsewhere(account):
    from django.core.management import CommandError

    from schedules.locks import try_lock

    held = try_lock(account.pk, "prices")
    try:
        with pytest.raises(CommandError, match="a prices sync is running elsewhere"):
            call_command("sync", str(account.pk), "--prices", stdout=StringIO())
    finally:
        held.release()
