"""The cycle-count scanner pages, driven as the kit's script drives them (JSON scans with idempotency keys)."""


import pytest

from tests import factories
from tests.warehouse.scanning import logged_in as client_for
from tests.warehouse.scanning import send
from warehouse.counts import actions
from warehouse.counts.models import CountBin, CountLine, CycleCount
from warehouse.models import Bin, ScanRequest, StockLevel
from warehouse.scanner import menu


def on_hand(sku, bin_) -> int:
    return StockLevel.objects.get(sku=sku, bin=bin_).on_hand


@pytest.fixture
def counter(picker_user):
    return client_for(picker_user)


@pytest.fixture
def supervisor(operations):
    return client_for(operations)


@pytest.fixture
def mug(tenant):
    sku = factories.make_sku(tenant, "MUG-WHITE", name="Ceramic mug")
    factories.make_barcode(sku, "8901234500017", kind="ean")
    return sku


@pytest.fixture
def open_count(warehouse, stocked, bin_b, operations):
    """Count #1 of A-01-01 (ten T-shirts) and A-01-02 (empty); a difference above 2 units waits for approval."""
    return actions.open_count(warehouse, bins=[stocked, bin_b], actor=operations, approval_units=2)


@pytest.fixture
def url(open_count):
    return f"/scan/count/{open_count.pk}/"


def test_the_menu_offers_the_count_and_lists_the_open_counts(counter, picker_user, url, tenant):
    flow = next(flow for flow in menu.flows_for(picker_user) if flow.key == "count")
    assert (flow.label, flow.order, flow.url) == ("Cycle count", 70, "/scan/count/")
    assert "count" not in [flow.key for flow in menu.flows_for(factories.make_user(tenant, "finance"))]

    page = counter.get("/scan/count/").content.decode()
    assert f'href="{url}"' in page and "PNQ1 · 2 bin(s)" in page
    assert "New count" not in page  # a picker does not open counts


def test_scanning_a_bin_on_the_first_screen_starts_counting_it_in_its_count(counter, url, stocked):
    response = send(counter, "/scan/count/", code="A-01-01")
    nowhere = send(counter, "/scan/count/", code="NOPE")

    assert response.json()["message"] == "Counting bin A-01-01: scan each unit in it."
    assert response.json()["redirect"] == f"{url}?bin={stocked.pk}"
    assert CountBin.objects.get(bin=stocked).status == "counting"
    assert nowhere.status_code == 400 and nowhere.json()["message"] == "No bin has the label 'NOPE': scan a bin's label."
    page = counter.get(response.json()["redirect"]).content.decode()
    assert f'name="bin" value="{stocked.pk}"' in page and "Scan each unit in A-01-01, or the next bin" in page


def test_each_unit_scan_counts_one_once_and_the_count_stays_blind(counter, url, stocked, sku):
    started = send(counter, url, code="A-01-01")
    assert started.json()["prompt"] == "Scan each unit in A-01-01, or the next bin"

    first = send(counter, url, key="u-1", code=sku.code, bin=str(stocked.pk))
    again = send(counter, url, key="u-1", code=sku.code, bin=str(stocked.pk))
    second = send(counter, url, key="u-2", code=sku.code, bin=str(stocked.pk))

    assert first.json()["message"] == again.json()["message"] == "TSHIRT-RED-M +1 · 1 counted in A-01-01."
    assert again.json()["replayed"] is True
    assert second.json()["message"] == "TSHIRT-RED-M +1 · 2 counted in A-01-01."
    assert CountLine.objects.get(sku=sku).counted == 2
    assert ScanRequest.objects.get(key="u-1").action == "count.scan"
    body = second.json()
    assert all("expected" not in line for line in body["count"]["lines"])  # blind for a picker
    assert "10" not in body["html"] and "expected" not in body["html"].lower()
    assert 'data-sku="TSHIRT-RED-M"' in body["html"] and '<span class="sk-qty">2</span>' in body["html"]


def test_a_keyed_total_sets_the_count_and_refusals_say_what_to_scan(counter, url, stocked, bin_b, sku, mug):
    early = send(counter, url, code=sku.code)
    unknown = send(counter, url, code="ZZZ", bin=str(stocked.pk))
    send(counter, url, code="A-01-01")
    keyed = send(counter, url, code=sku.code, bin=str(stocked.pk), total="9")
    bad = send(counter, url, code=sku.code, bin=str(stocked.pk), total="nine")
    stray = send(counter, url, code="8901234500017", bin=str(stocked.pk))  # a mug the bin was not known to hold

    assert (early.status_code, early.json()["message"]) == (400, "Scan the bin first, then the units in it.")
    assert unknown.json()["message"] == "No SKU has the barcode 'ZZZ'."
    assert keyed.json()["message"] == "TSHIRT-RED-M set to 9 counted in A-01-01."
    assert bad.json()["message"] == "The total is a whole number of units (0 or more)."
    assert stray.json()["message"] == "MUG-WHITE +1 · 1 counted in A-01-01."
    assert dict(CountLine.objects.values_list("sku__code", "counted")) == {"TSHIRT-RED-M": 9, "MUG-WHITE": 1}


def test_scanning_the_next_bin_moves_on_and_a_bin_counted_again_starts_from_zero(counter, url, stocked, bin_b, sku):
    send(counter, url, code="A-01-01")
    send(counter, url, code=sku.code, bin=str(stocked.pk))

    again = send(counter, url, do="recount", bin=str(stocked.pk))
    assert again.json()["message"] == "Bin A-01-01 starts over: scan each unit in it again."
    assert not CountLine.objects.filter(counted__gt=0).exists()

    moved = send(counter, url, code="A-01-02", bin=str(stocked.pk))
    assert moved.json()["message"] == "Counting bin A-01-02: scan each unit in it."
    assert f'name="bin" value="{bin_b.pk}"' in moved.json()["html"]
    left = send(counter, url, do="next", bin=str(bin_b.pk))
    assert left.json()["prompt"] == "Scan a bin to count" and 'name="bin"' not in left.json()["html"]


def test_finishing_with_a_bin_not_scanned_is_refused(counter, url):
    send(counter, url, code="A-01-01")

    response = send(counter, url, do="finish")

    assert response.status_code == 409
    assert response.json()["message"] == ("Scan and count bin(s) A-01-02 first (an empty bin: scan it and count "
                                          "nothing).")  # fmt: skip


def count_all(client, url, bin_, sku, units: int) -> None:
    send(client, url, code="A-01-01")
    send(client, url, code=sku.code, bin=str(bin_.pk), total=str(units))
    send(client, url, code="A-01-02")


def test_a_small_difference_is_posted_at_once(counter, url, stocked, sku, open_count):
    count_all(counter, url, stocked, sku, 9)

    done = send(counter, url, key="f-1", do="finish")

    assert done.json()["message"] == "1 difference(s) posted."
    assert done.json()["scan"] is False and "Adjustments posted" in done.json()["html"]
    assert '<span class="sk-qty">-1</span>' in done.json()["html"]
    assert on_hand(sku, stocked) == 9
    assert CycleCount.objects.get().status == "completed" and Bin.objects.get(pk=stocked.pk).counting_since is None


def test_a_big_difference_waits_for_a_supervisor_who_approves_it_on_the_same_screen(
    counter, supervisor, url, stocked, sku
):
    count_all(counter, url, stocked, sku, 6)
    waiting = send(counter, url, do="finish")

    assert waiting.json()["message"] == "0 difference(s) posted; 1 wait for a supervisor's approval."
    html = waiting.json()["html"]
    assert "Waiting for a supervisor's approval" in html and 'value="approve"' not in html
    assert "-4" not in html and "expected" not in html  # still blind for the counter
    refused = send(counter, url, do="approve")
    assert (refused.status_code, refused.json()["message"]) == (403, "Only a supervisor (operations or admin) may do this.")

    page = supervisor.get(url).content.decode()
    assert 'value="approve"' in page and 'value="reject"' in page
    assert "10 expected, 6 counted" in page and '<span class="sk-qty">-4</span>' in page
    approved = send(supervisor, url, do="approve")
    assert approved.json()["message"] == f"Approved: count #{CycleCount.objects.get().pk} is complete, 1 adjustment(s) posted."
    assert on_hand(sku, stocked) == 6 and CycleCount.objects.get().status == "completed"


def test_a_supervisor_who_rejects_has_the_bin_counted_again(counter, supervisor, url, stocked, sku):
    count_all(counter, url, stocked, sku, 6)
    send(counter, url, do="finish")

    rejected = send(supervisor, url, do="reject")

    assert rejected.json()["message"] == "Rejected: count bin(s) A-01-01 again."
    assert rejected.json()["scan"] is True and rejected.json()["prompt"] == "Scan a bin to count"
    assert CountBin.objects.get(bin=stocked).status == "pending" and on_hand(sku, stocked) == 10


def test_a_supervisor_opens_a_count_by_scanning_bins(supervisor, counter, warehouse, bin_a, bin_b, tenant):
    other = factories.make_bin(factories.make_warehouse(tenant, "BLR1"), "B-01-01")
    assert 'href="/scan/count/new/"' in supervisor.get("/scan/count/").content.decode()

    first = send(supervisor, "/scan/count/new/", code="A-01-01")
    assert first.json()["message"] == "Bin A-01-01 added: 1 bin(s). Scan the next, or open the count."
    assert f'name="bins" value="{bin_a.pk}"' in first.json()["html"]
    twice = send(supervisor, "/scan/count/new/", code="A-01-01", bins=str(bin_a.pk))
    elsewhere = send(supervisor, "/scan/count/new/", code=other.code, bins=str(bin_a.pk))
    second = send(supervisor, "/scan/count/new/", code="A-01-02", bins=str(bin_a.pk))
    opened = send(supervisor, "/scan/count/new/", key="n-1", do="open", bins=f"{bin_a.pk},{bin_b.pk}")

    assert twice.json()["message"] == "Bin A-01-01 is on the list already."
    assert elsewhere.json()["message"] == "Bin B-01-01 is in BLR1; this count is of PNQ1."
    assert f'value="{bin_a.pk},{bin_b.pk}"' in second.json()["html"] or f'value="{bin_b.pk},{bin_a.pk}"' in second.json()["html"]
    count = CycleCount.objects.get()
    assert opened.json()["redirect"] == f"/scan/count/{count.pk}/"
    assert set(count.count_bins.values_list("bin__code", flat=True)) == {"A-01-01", "A-01-02"}
    busy = send(supervisor, "/scan/count/new/", code="A-01-01")
    assert busy.json()["message"] == "Bin A-01-01 is being counted already."
    assert counter.get("/scan/count/new/").status_code == 302  # a picker is sent back to the scanner


def test_finance_may_not_count_and_another_tenant_cannot_see_the_count(tenant, other_tenant, url):
    finance = client_for(factories.make_user(tenant, "finance"))
    rival = client_for(factories.make_user(other_tenant, "picker"))

    assert finance.get("/scan/count/").status_code == 403
    assert finance.get(url).status_code == 403
    assert rival.get(url).status_code == 404
