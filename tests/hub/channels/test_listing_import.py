"""Listing import (hub/channels/imports.py) through the job runner and POST /api/v1/listings/import/."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.channels.imports import COLUMNS
from hub.channels.models import Listing, ListingOutbox
from hub.core.models import ImportJob
from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto

URL = "/api/v1/listings/import/"


def csv_bytes(rows: list[dict[str, str]], columns=None) -> bytes:
    columns = columns or [c for c in COLUMNS if any(c in r for r in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[r.get(c, "") for c in columns] for r in rows])
    return buffer.getvalue().encode()


def row(
    channel_sku: str, sku: str = "TSHIRT-RED-M", account: str = "Amazon IN", **cells: str
) -> dict[str, str]:
    return {"account": account, "channel_sku": channel_sku, "sku": sku, **cells}


@pytest.fixture
def upload(api, django_capture_on_commit_callbacks):
    """POST a file and return the job as a poll sees it once the (eager) worker has run it."""

    def post(content: bytes, *, name: str = "listings.csv", dry_run: bool = False, client=None) -> dict:
        client = client or api
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                URL, {"file": SimpleUploadedFile(name, content), "dry_run": dry_run}, format="multipart"
            )
        assert response.status_code == 202, response.json()
        assert response.json()["kind"] == "listings"
        return client.get(response.json()["links"]["self"]).json()

    return post


def problems(job: dict) -> list[tuple[int, str]]:
    return [(error["row"], error["column"]) for error in job["errors"]]


def reason(job: dict, row_number: int, column: str) -> str:
    return next(e["reason"] for e in job["errors"] if e["row"] == row_number and e["column"] == column)


def test_a_file_creates_listings_with_the_channels_identifiers(upload, account, sku, tenant):
    factories.make_sku(tenant, "TSHIRT-BLUE-M")
    content = csv_bytes([
        row("AMZ-RED", channel_item_id="B0RED", channel_product_id="P1", channel_inventory_item_id="I1"),
        row("AMZ-BLUE", sku="TSHIRT-BLUE-M", active="no"),
    ])  # fmt: skip

    job = upload(content)

    assert (job["status"], job["created_count"], job["updated_count"], job["error_count"]) == (
        "succeeded",
        2,
        0,
        0,
    )
    red = Listing.objects.get(account=account, channel_sku="AMZ-RED")
    identifiers = (red.channel_item_id, red.channel_product_id, red.channel_inventory_item_id)
    assert (red.sku, identifiers, red.is_active) == (
        sku, ("B0RED", "P1", "I1"), True,
    )  # fmt: skip
    assert red.tenant == tenant
    assert Listing.objects.get(channel_sku="AMZ-BLUE").is_active is False
    assert list(ListingOutbox.objects.values_list("listing_id", flat=True)) == [red.pk]  # the active one


def test_a_second_file_updates_by_account_and_channel_sku(upload, account, sku, tenant):
    blue = factories.make_sku(tenant, "TSHIRT-BLUE-M")
    kept = factories.make_listing(account, sku, "AMZ-KEEP", channel_item_id="B0KEEP")
    moved = factories.make_listing(account, sku, "AMZ-MOVE", channel_item_id="B0MOVE")

    job = upload(csv_bytes([row("AMZ-KEEP", channel_item_id="B0KEEP"), row("AMZ-MOVE", sku="TSHIRT-BLUE-M"),
                            row("AMZ-NEW")]))  # fmt: skip

    assert (job["status"], job["created_count"], job["updated_count"]) == ("succeeded", 1, 1)
    assert job["message"] == "Imported 3 rows: 1 created, 1 updated, 1 unchanged."
    moved.refresh_from_db()
    kept.refresh_from_db()
    assert (moved.sku, moved.channel_item_id) == (blue, "")  # a blank cell clears, the file is the truth
    assert (kept.sku, kept.channel_item_id) == (sku, "B0KEEP")
    noted = set(ListingOutbox.objects.values_list("listing_id", flat=True))
    assert noted == {moved.pk, Listing.objects.get(channel_sku="AMZ-NEW").pk}


def test_a_column_left_out_leaves_that_field_alone(upload, account, sku):
    listing = factories.make_listing(account, sku, "AMZ-RED", channel_item_id="B0RED", is_active=False)

    job = upload(csv_bytes([row("AMZ-RED")], columns=["account", "channel_sku", "sku"]))

    listing.refresh_from_db()
    assert (job["status"], job["updated_count"]) == ("succeeded", 0)
    assert (listing.channel_item_id, listing.is_active) == ("B0RED", False)


def test_the_account_is_named_or_given_by_id(upload, account, sku, tenant, warehouse):
    site = factories.make_account(tenant, warehouse, name="Own site")

    job = upload(csv_bytes([row("BY-NAME", account="Own site"), row("BY-ID", account=str(account.pk))]))

    assert job["status"] == "succeeded"
    assert Listing.objects.get(channel_sku="BY-NAME").account == site
    assert Listing.objects.get(channel_sku="BY-ID").account == account


def test_a_dry_run_reports_every_bad_row_and_writes_nothing(upload, account, sku, theirs):
    content = csv_bytes([
        row("OK-1"),
        row("BAD-ACCOUNT", account="Nope"),
        row("BAD-SKU", sku="NO-SUCH-SKU"),
        row("OK-1"),
        row("", active="maybe"),
        row("RIVAL", account="RIVAL Flipkart", sku="RIVAL-SKU"),
        row("X" * 121),
    ])  # fmt: skip

    job = upload(content, dry_run=True)

    assert (job["status"], job["dry_run"], job["error_count"]) == ("validated", True, 8)
    assert problems(job) == [
        (3, "account"), (4, "sku"), (5, "channel_sku"), (6, "channel_sku"), (6, "active"), (7, "account"),
        (7, "sku"), (8, "channel_sku"),
    ]  # fmt: skip
    assert (
        reason(job, 3, "account")
        == "Unknown channel account 'Nope': give the name or id of one of your accounts."
    )
    assert reason(job, 4, "sku") == "Unknown SKU NO-SUCH-SKU: it is not in your catalog."
    assert reason(job, 5, "channel_sku") == "Channel SKU OK-1 of this account is also on row 2; list it once."
    assert reason(job, 6, "channel_sku") == "Required; this cell is blank."
    assert reason(job, 8, "channel_sku") == "At most 120 characters."
    assert job["message"].startswith("Dry run: 6 rows have errors")
    assert not Listing.objects.filter(tenant=account.tenant).exists()
    assert not ListingOutbox.objects.filter(tenant=account.tenant).exists()


def test_a_clean_dry_run_says_what_it_would_do(upload, account, sku):
    factories.make_listing(account, sku, "AMZ-OLD")

    job = upload(csv_bytes([row("AMZ-OLD"), row("AMZ-NEW")]), dry_run=True)

    assert job["status"] == "validated"
    assert job["message"] == (
        "Dry run: all 2 rows are valid; 1 listing would be created and 1 listing updated. "
        "Nothing was written."
    )
    assert Listing.objects.count() == 1


def test_a_file_with_a_bad_row_writes_nothing_and_the_report_lists_the_errors(upload, api, account, sku):
    job = upload(csv_bytes([row("OK-1"), row("OK-2"), row("BAD", sku="NOPE")]))

    assert (job["status"], job["created_count"], job["error_count"]) == ("failed", 0, 1)
    assert job["message"] == "1 row has errors; nothing was imported."
    assert not Listing.objects.exists()

    report = api.get(job["links"]["errors"])

    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines == [
        ["row", "column", "value", "reason"],
        ["4", "sku", "NOPE", "Unknown SKU NOPE: it is not in your catalog."],
    ]


def test_a_name_shared_by_two_channels_needs_the_id(upload, account, sku, tenant, warehouse):
    factories.make_account(tenant, warehouse, kind="flipkart", name="Amazon IN")

    job = upload(csv_bytes([row("AMZ-1")]), dry_run=True)

    assert problems(job) == [(2, "account")]
    assert "write the account's id instead" in reason(job, 2, "account")
    assert "Amazon (id" in reason(job, 2, "account") and "Flipkart (id" in reason(job, 2, "account")


def test_the_same_channel_sku_on_two_accounts_is_two_listings(upload, account, sku, tenant, warehouse):
    factories.make_account(tenant, warehouse, name="Own site")

    job = upload(csv_bytes([row("TEE"), row("TEE", account="Own site")]))

    assert (job["status"], job["created_count"]) == ("succeeded", 2)


def test_an_xlsx_file_imports(upload, account, sku):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Account", "Channel SKU", "SKU", "Channel Item ID", "Active"])
    workbook.active.append([account.pk, 12345, "TSHIRT-RED-M", "B0X", True])
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = upload(buffer.getvalue(), name="listings.xlsx")

    assert (job["status"], job["file_format"]) == ("succeeded", "xlsx")
    assert Listing.objects.get().channel_sku == "12345"


def test_importing_a_mapping_allocates_the_order_waiting_on_it(upload, account, stocked):
    order = import_order(account, order_dto("402-9", ("AMZ-TEE-M", 3, "799.00")))
    other = import_order(account, order_dto("402-10", ("UNRELATED", 1, "799.00")))
    assert order.status == "new"

    job = upload(csv_bytes([row("AMZ-TEE-M"), row("AMZ-OTHER")]))

    assert job["status"] == "succeeded"
    order.refresh_from_db()
    other.refresh_from_db()
    assert (order.status, order.needs_attention) == ("allocated", False)
    assert other.status == "new"


def test_a_header_that_is_not_a_listings_file_is_refused_without_a_job(api, account):
    content = csv_bytes([{"sku": "A", "name": "Tee"}], columns=["sku", "name"])

    response = api.post(URL, {"file": SimpleUploadedFile("x.csv", content)}, format="multipart")

    assert response.status_code == 400
    assert "missing required columns: account, channel_sku" in response.json()["error"]["message"]
    assert not ImportJob.objects.exists()


def test_another_tenant_cannot_read_the_job(upload, account, sku, other_tenant):
    from tests.hub.channels.conftest import client_with

    job = upload(csv_bytes([row("AMZ-1")]), dry_run=True)

    response = client_with(other_tenant, "admin").get(f"/api/v1/imports/{job['id']}/")

    assert response.status_code == 404
