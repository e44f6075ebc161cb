"""The sync engine against a scripted connector: pages, cursors, faults, failures, stock pushes, dry runs."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Connector, OrderPage, PushResult, RecordFailure
from connectors.errors import CredentialsRejected, RateLimited, RetriableConnectorError
from hub.channels import sync
from hub.channels.models import ListingOutbox, SyncCursor, SyncFailure, SyncRun
from hub.orders.models import Order
from tests import factories
from tests.factories import order_dto
from warehouse import stock
from warehouse.models import StockLevel

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


class ScriptedConnector(Connector):
    """Serves ``orders`` updated after the window start, ``page_size`` at a time; raises what it is told."""

    kind = "scripted"
    stock_batch_size = 2

    def __init__(self, orders, *, page_size=2, faults=None, malformed=(), rejected_skus=()):
        super().__init__({})
        self.orders, self.page_size, self.faults = orders, page_size, list(faults or [])
        self.malformed, self.rejected_skus = set(malformed), set(rejected_skus)
        self.calls, self.pushes = 0, []

    def _fault(self):
        self.calls += 1
        if self.faults:
            fault = self.faults.pop(0)
            if fault is not None:
                raise fault

    def read_orders(self, *, updated_after, token=None):
        self._fault()
        window = sorted((o for o in self.orders if o.updated_at > updated_after), key=lambda o: o.updated_at)
        offset = int(token or 0)
        page = window[offset : offset + self.page_size]
        good = [o for o in page if o.channel_order_id not in self.malformed]
        failures = [RecordFailure(o.channel_order_id, "OrderTotal is not a number", payload={"id": o.channel_order_id})
                    for o in page if o.channel_order_id in self.malformed]  # fmt: skip
        more = offset + self.page_size < len(window)
        return OrderPage(good, failures, str(offset + self.page_size) if more else None,
                         max((o.updated_at for o in page), default=None))  # fmt: skip

    def push_stock(self, updates):
        self._fault()
        self.pushes.append([(u.channel_sku, u.quantity) for u in updates])
        rejected = {u.channel_sku: "SKU not found in the catalog" for u in updates if u.channel_sku in self.rejected_skus}
        return PushResult(frozenset(u.channel_sku for u in updates) - rejected.keys(), rejected)


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0
    settings.SYNC_RETRY_MAX_SECONDS = 0


@pytest.fixture
def account(tenant, warehouse, sku, bin_a):
    account = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")
    factories.make_listing(account, sku, "AMZ-TEE")
    stock.receive(sku, bin_a, 100, key="opening")
    return account


def orders(n, start=0):
    return [order_dto(f"AMZ-{i}", ("AMZ-TEE", 1, "500"), updated_at=T0 + timedelta(minutes=10 * i)) for i in range(start, start + n)]


def test_a_sync_reads_every_page_and_imports_each_order_once(account):
    connector = ScriptedConnector(orders(5))

    run = sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=connector)
    again = sync.sync_orders(account, connector=connector)

    assert (run.status, run.pages, run.orders_created, run.errors) == ("succeeded", 3, 5, 0)
    assert Order.objects.filter(account=account).count() == 5
    assert (again.orders_created, again.pages) == (0, 1)  # the overlap re-reads the last order only
    assert SyncCursor.objects.get(account=account, stream="orders").position == T0 + timedelta(minutes=40)


def test_429s_and_500s_are_retried_and_nothing_is_lost(account):
    faults = [None, RateLimited("slow down", retry_after=0), RetriableConnectorError("502 Bad Gateway")]
    connector = ScriptedConnector(orders(6), faults=faults)

    run = sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=connector)

    assert (run.status, run.orders_created) == ("succeeded", 6)
    assert connector.calls == 5  # 3 pages + 2 retries


def test_a_malformed_order_is_kept_with_its_payload_and_the_rest_go_on(account):
    connector = ScriptedConnector(orders(4), malformed={"AMZ-1"})

    run = sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=connector)

    failure = SyncFailure.objects.get()
    assert (run.status, run.orders_created, run.errors) == ("partial", 3, 1)
    assert (failure.record_key, failure.payload, failure.status) == ("AMZ-1", {"id": "AMZ-1"}, "open")


def test_an_order_the_hub_refuses_is_kept_as_a_failure_with_its_reason(account):
    bad = order_dto("AMZ-BAD", ("AMZ-TEE", 1, "500"), updated_at=T0, ship_state="Narnia")

    run = sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=ScriptedConnector([bad]))

    assert run.status == "partial"
    assert "shipping_address.state" in SyncFailure.objects.get(record_key="AMZ-BAD").error


def test_a_failure_mid_window_leaves_the_cursor_where_no_order_can_be_skipped(account):
    unsorted_failure = ScriptedConnector(orders(6), faults=[None] + [RetriableConnectorError("down")] * 10)

    run = sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=unsorted_failure)

    assert run.status == "failed"
    assert Order.objects.count() == 2  # the first page was stored ...
    assert not SyncCursor.objects.filter(account=account, position__isnull=False).exists()  # ... the cursor stayed
    recovered = sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=ScriptedConnector(orders(6)))
    assert (recovered.orders_created, Order.objects.count()) == (4, 6)


def test_rejected_credentials_stop_the_account_with_an_alert(account):
    run = sync.sync_orders(account, connector=ScriptedConnector([], faults=[CredentialsRejected("403 Forbidden", status=403)]))

    account.refresh_from_db()
    assert run.status == "failed"
    assert account.syncs_stopped_at is not None
    assert "Credentials rejected" in account.alert
    with pytest.raises(sync.SyncStopped):
        sync.sync_orders(account, connector=ScriptedConnector([]))


def test_a_dry_run_changes_nothing(account):
    report = sync.sync_orders(account, since=T0 - timedelta(hours=1), dry_run=True, connector=ScriptedConnector(orders(3)))

    assert (report.orders_new, report.pages) == (3, 2)
    assert not Order.objects.exists()
    assert not SyncRun.objects.exists()
    assert not SyncCursor.objects.exists()


def test_stock_is_pushed_in_batches_and_only_accepted_items_leave_the_outbox(account, tenant, bin_a):
    for code in ("CAP", "SOCK", "BAG"):
        sku = factories.make_sku(tenant, code)
        factories.make_listing(account, sku, f"AMZ-{code}")
        stock.receive(sku, bin_a, 7, key=f"r-{code}")
    connector = ScriptedConnector([], rejected_skus={"AMZ-BAG"})

    run = sync.push_stock(account, connector=connector)

    assert [len(batch) for batch in connector.pushes] == [2, 2]
    assert (run.status, run.items_pushed, run.items_rejected) == ("partial", 3, 1)
    assert set(ListingOutbox.objects.values_list("listing__channel_sku", flat=True)) == {"AMZ-BAG"}
    assert account.listings.get(channel_sku="AMZ-BAG").push_error == "SKU not found in the catalog"
    assert account.listings.get(channel_sku="AMZ-TEE").last_pushed_quantity == 100


def test_a_cancellation_in_the_next_sync_releases_stock_and_queues_the_push(account, sku):
    first = orders(1)
    sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=ScriptedConnector(first))
    sync.push_stock(account, connector=ScriptedConnector([]))
    cancelled = order_dto("AMZ-0", ("AMZ-TEE", 1, "500"), state="cancelled", updated_at=T0 + timedelta(hours=1))

    sync.sync_orders(account, connector=ScriptedConnector([cancelled]))
    pushed = ScriptedConnector([])
    sync.push_stock(account, connector=pushed)

    assert Order.objects.get().status == "cancelled"
    assert StockLevel.objects.get(sku=sku).reserved == 0
    assert pushed.pushes == [[("AMZ-TEE", 100)]]


def test_a_failed_stock_item_is_retried_alone_and_resolves_once_accepted(account, tenant, bin_a):
    bag = factories.make_sku(tenant, "BAG")
    factories.make_listing(account, bag, "AMZ-BAG")
    stock.receive(bag, bin_a, 4, key="bag")
    sync.push_stock(account, connector=ScriptedConnector([], rejected_skus={"AMZ-BAG"}))
    failure = SyncFailure.objects.get(record_key="AMZ-BAG")

    fixed = ScriptedConnector([])
    failure = sync.retry_failure(failure, connector=fixed)

    assert fixed.pushes == [[("AMZ-BAG", 4)]]
    assert failure.status == "resolved"
    assert not ListingOutbox.objects.exists()


def test_a_refused_order_is_retried_alone_from_its_kept_payload(account):
    class Remapping(ScriptedConnector):
        def order_from_record(self, payload):
            return order_dto(payload["id"], ("AMZ-TEE", 1, "500"), updated_at=T0)

    bad = order_dto("AMZ-9", ("AMZ-TEE", 1, "500"), updated_at=T0, ship_state="Narnia", raw={"id": "AMZ-9"})
    sync.sync_orders(account, since=T0 - timedelta(hours=1), connector=ScriptedConnector([bad]))
    failure = SyncFailure.objects.get(record_key="AMZ-9")

    failure = sync.retry_failure(failure, connector=Remapping([]))

    assert failure.status == "resolved"
    assert Order.objects.get(channel_order_id="AMZ-9").status == "allocated"


def test_runs_and_failures_are_listed_per_tenant_and_a_failure_can_be_retried_by_api(account, api, other_tenant):
    from tests.conftest import api_client_for

    sync.push_stock(account, connector=ScriptedConnector([], rejected_skus={"AMZ-TEE"}))
    failure = SyncFailure.objects.get()
    rival = api_client_for(factories.make_user(other_tenant, "admin"))
    finance = api_client_for(factories.make_user(account.tenant, "finance"))

    runs = api.get("/api/v1/sync-runs/").json()
    listed = api.get("/api/v1/sync-failures/?status=open").json()

    assert [(r["stream"], r["items_rejected"]) for r in runs["results"]] == [("stock", 1)]
    assert [f["record_key"] for f in listed["results"]] == ["AMZ-TEE"]
    assert rival.get(f"/api/v1/sync-failures/{failure.pk}/").status_code == 404
    assert rival.get("/api/v1/sync-runs/").json()["count"] == 0
    assert finance.post(f"/api/v1/sync-failures/{failure.pk}/retry/").status_code == 403


def test_operations_can_sync_an_account_from_the_admin(account, tenant, monkeypatch):
    from django.test import Client

    monkeypatch.setattr(sync, "connector_for", lambda account: ScriptedConnector(orders(2)))
    ops = factories.make_user(tenant, "operations")
    client = Client()
    client.force_login(ops)

    response = client.post("/admin/channels/channelaccount/", {"action": "sync_now", "_selected_action": [account.pk]},
                           follow=True)  # fmt: skip

    assert response.status_code == 200
    assert "orders: 1 page(s): 2 new" in response.content.decode()
    assert Order.objects.filter(account=account).count() == 2
    assert client.get("/admin/channels/syncrun/").status_code == 200


def test_an_account_whose_sync_keeps_failing_gets_an_alert_until_it_succeeds(account):
    down = [RetriableConnectorError("503 Service Unavailable")] * 100

    for _ in range(2):
        sync.sync_orders(account, connector=ScriptedConnector([], faults=list(down)))
    account.refresh_from_db()
    assert account.alert == ""

    sync.sync_orders(account, connector=ScriptedConnector([], faults=list(down)))
    account.refresh_from_db()
    assert account.alert.startswith("The orders sync keeps failing (3 runs in a row)")
    assert "503" in account.alert

    sync.sync_orders(account, connector=ScriptedConnector([]))
    account.refresh_from_db()
    assert account.alert == ""


def test_alerts_show_in_the_api_and_can_be_listed(account, api):
    account.alert = "The orders sync keeps failing (3 runs in a row): 503"
    account.save(update_fields=["alert"])

    alerting = api.get("/api/v1/channel-accounts/?alerting=true").json()["results"]
    quiet = api.get("/api/v1/channel-accounts/?alerting=false").json()["results"]

    assert [(a["name"], a["alert"]) for a in alerting] == [("Amazon IN", account.alert)]
    assert quiet == []
