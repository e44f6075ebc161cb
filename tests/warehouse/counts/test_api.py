"""The cycle-count endpoints, as a scanner page and a supervisor use them."""

from warehouse.counts.models import CountLine
from warehouse.models import Bin, StockLevel, StockMovement


def open_count(client, warehouse, *bins, **extra):
    return client.post("/api/v1/cycle-counts/", {"warehouse": warehouse.pk, "bins": [b.pk for b in bins], **extra},
                       format="json")  # fmt: skip


def post(client, count_id, step, **body):
    return client.post(f"/api/v1/cycle-counts/{count_id}/{step}/", body, format="json")


def test_a_count_through_the_api_from_opening_to_approval(api, picker, warehouse, stocked, sku):
    opened = open_count(api, warehouse, stocked)
    assert opened.status_code == 201, opened.json()
    count_id = opened.json()["id"]
    assert opened.json()["next"] == "scan_bin"
    assert Bin.objects.get(pk=stocked.pk).counting_since is not None

    scanned = post(picker, count_id, "scan-bin", key="b-1", barcode=stocked.barcode)
    assert scanned.status_code == 200, scanned.json()
    assert (scanned.json()["message"], scanned.json()["next"]) == ("Counting bin A-01-01: scan its units.", "count_units")

    counted = post(picker, count_id, "count", key="c-1", bin=stocked.pk, barcode=sku.code, counted=6)
    assert counted.status_code == 200, counted.json()
    assert counted.json()["message"] == "TSHIRT-RED-M: 6 counted in bin A-01-01."
    assert counted.json()["counted"] == [{"sku": sku.pk, "sku_code": "TSHIRT-RED-M", "counted": 6}]

    finished = post(picker, count_id, "finish")
    assert finished.status_code == 200, finished.json()
    assert (finished.json()["waiting"], finished.json()["next"]) == (1, "approve")

    assert post(picker, count_id, "approve").status_code == 403
    approved = post(api, count_id, "approve")
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["next"]) == ("completed", "done")
    assert StockLevel.objects.get(sku=sku, bin=stocked).on_hand == 6
    assert Bin.objects.get(pk=stocked.pk).counting_since is None


def test_a_scan_sent_twice_with_the_same_key_counts_once(api, picker, warehouse, stocked, sku):
    count_id = open_count(api, warehouse, stocked).json()["id"]
    post(picker, count_id, "scan-bin", key="b-1", barcode=stocked.barcode)

    first = post(picker, count_id, "count", key="unit-1", bin=stocked.pk, barcode=sku.code)
    again = post(picker, count_id, "count", key="unit-1", bin=stocked.pk, barcode=sku.code)
    other = post(picker, count_id, "count", key="unit-2", bin=stocked.pk, barcode=sku.code)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert other.json()["counted"][0]["counted"] == 2
    assert CountLine.objects.get(count_id=count_id).counted == 2


def test_a_picker_counts_blind_and_cannot_open_or_cancel_a_count(api, picker, warehouse, stocked, sku):
    assert open_count(picker, warehouse, stocked).status_code == 403
    count_id = open_count(api, warehouse, stocked).json()["id"]
    post(picker, count_id, "scan-bin", key="b-1", barcode=stocked.barcode)

    seen_by_picker = picker.get(f"/api/v1/cycle-counts/{count_id}/").json()["lines"][0]
    seen_by_admin = api.get(f"/api/v1/cycle-counts/{count_id}/").json()["lines"][0]

    assert "expected" not in seen_by_picker and seen_by_admin["expected"] == 10
    assert post(picker, count_id, "cancel").status_code == 403


def test_a_small_difference_is_posted_when_the_picker_finishes(api, picker, warehouse, stocked, sku):
    count_id = open_count(api, warehouse, stocked).json()["id"]
    post(picker, count_id, "scan-bin", key="b-1", barcode=stocked.barcode)
    post(picker, count_id, "count", key="c-1", bin=stocked.pk, barcode=sku.code, counted=11)

    finished = post(picker, count_id, "finish", key="f-1")

    assert (finished.json()["posted"], finished.json()["count"]["status"]) == (1, "completed")
    assert StockMovement.objects.get(kind="adjust").reason == "cycle count"
    assert post(picker, count_id, "finish", key="f-1").json() == finished.json()  # a retried tap


def test_wrong_scans_say_what_to_do(api, picker, warehouse, stocked, bin_b, sku):
    count_id = open_count(api, warehouse, stocked).json()["id"]

    not_scanned = post(picker, count_id, "count", key="c-0", bin=stocked.pk, barcode=sku.code)
    assert (not_scanned.status_code, not_scanned.json()["error"]["message"]) == (409, "Scan bin A-01-01 first.")
    other_bin = post(picker, count_id, "scan-bin", key="b-0", barcode=bin_b.barcode)
    assert other_bin.json()["error"]["message"] == "Bin A-01-02 is not in this count."

    post(picker, count_id, "scan-bin", key="b-1", barcode=stocked.barcode)
    a_bin = post(picker, count_id, "count", key="c-1", bin=stocked.pk, barcode=bin_b.barcode)
    assert a_bin.json()["error"]["code"] == "is_a_bin"
    unknown = post(picker, count_id, "count", key="c-2", bin=stocked.pk, barcode="???")
    assert unknown.json()["error"]["message"] == "No SKU has the barcode '???'."


def test_a_bin_already_under_count_is_refused(api, warehouse, stocked):
    first = open_count(api, warehouse, stocked).json()["id"]
    second = open_count(api, warehouse, stocked)

    assert second.status_code == 409
    assert second.json()["error"]["message"] == (
        f"Already being counted: A-01-01 (count #{first}); finish or cancel that count first."
    )


def test_counts_are_listed_by_status(api, warehouse, stocked, bin_b):
    open_count(api, warehouse, stocked)
    done = open_count(api, warehouse, bin_b).json()["id"]
    post(api, done, "cancel", reason="not today")

    open_ids = [c["id"] for c in api.get("/api/v1/cycle-counts/?status=open").json()["results"]]
    cancelled = api.get("/api/v1/cycle-counts/?status=cancelled").json()["results"]

    assert done not in open_ids and len(open_ids) == 1
    assert [(c["id"], c["note"]) for c in cancelled] == [(done, "Cancelled: not today")]
