"""Orders file import (hub/orders/imports.py): per-order all-or-nothing through the job runner
(hub/core/imports.py, RECORD mode), and its endpoint POST /api/v1/orders/import/."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.core.imports import start_import
from hub.core.models import ImportJob
from hub.orders import imports as order_imports
from hub.orders.imports import COLUMNS
from hub.orders.models import Order, OrderLine
from hub.orders.services import ImportOutcome
from hub.orders.validation import OrderError
from tests import factories
from tests.conftest import api_client_for
from warehouse import stock
from warehouse.models import StockLevel

URL = "/api/v1/orders/import/"


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse, name="Own site")


@pytest.fixture
def stocked(tenant, sku, bin_a, account):
    stock.receive(sku, bin_a, 20, key="opening")
    factories.make_listing(account, sku, "SITE-TEE-M")
    cap = factories.make_sku(tenant, "CAP-BLK")
    stock.receive(cap, bin_a, 20, key="cap-opening")
    factories.make_listing(account, cap, "SITE-CAP")
    return sku


def line(
    order_id: str,
    sku: str = "SITE-TEE-M",
    quantity: str = "1",
    unit_price: str = "799.00",
    *,
    grand_total: str = "799.00",
    **cells: str,
) -> dict[str, str]:
    """One valid row (an order line) of ``order_id``; ``cells`` override or add columns."""
    return {
        "channel_order_id": order_id, "ordered_at": "2026-11-20 10:30", "payment_mode": "prepaid",
        "buyer_name": "Asha Rao", "ship_name": "Asha Rao", "ship_line1": "14 MG Road", "ship_city": "Pune",
        "ship_state": "Maharashtra", "ship_pincode": "411001", "grand_total": grand_total, "sku": sku,
        "quantity": quantity, "unit_price": unit_price, **cells,
    }  # fmt: skip


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    columns = [c for c in COLUMNS if any(c in r for r in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[r.get(c, "") for c in columns] for r in rows])
    return buffer.getvalue().encode()


def run_file(
    capture, account, content: bytes, *, dry_run: bool = False, file_name: str = "orders.csv", user=None
):
    with capture(execute=True):
        job = start_import(
            account.tenant, kind=ImportJob.Kind.ORDERS, file_name=file_name, content=content, dry_run=dry_run,
            user=user, options={"account": account.pk},
        )  # fmt: skip
    job.refresh_from_db()
    return job


def errors_of(job) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in job.errors]


def reserved() -> int:
    return sum(StockLevel.objects.values_list("reserved", flat=True))


def mixed_file() -> bytes:
    """Rows 2-3: good order F-1 (two lines); 4: good F-2; 5-6: F-3 with a fractional quantity on its second
    row; 7: F-4 whose total does not add up; 8-9: F-5 whose rows disagree on the city."""
    return csv_bytes([
        line("F-1", "SITE-TEE-M", "2", grand_total="1897.00"),
        line("F-1", "SITE-CAP", "1", "299.00", grand_total="1897.00"),
        line("F-2", "SITE-CAP", "3", "299.00", grand_total="897.00"),
        line("F-3", grand_total="1598.00"),
        line("F-3", quantity="1.5", grand_total="1598.00"),
        line("F-4", grand_total="700.00"),
        line("F-5", grand_total="1598.00"),
        line("F-5", grand_total="1598.00", ship_city="Mumbai"),
    ])  # fmt: skip


def test_good_orders_are_imported_and_bad_ones_reported_row_by_row(django_capture_on_commit_callbacks, account,
                                                                   stocked, admin_user):  # fmt: skip
    job = run_file(django_capture_on_commit_callbacks, account, mixed_file(), user=admin_user)

    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.message == "2 orders imported, 3 refused (see the error report)."
    assert (job.total_rows, job.created_count, job.updated_count, job.error_count) == (8, 2, 0, 3)
    assert errors_of(job) == [(6, "quantity"), (7, "grand_total"), (9, "ship_city")]
    assert "Row 8, the order's first row, has 'Pune'" in job.errors[2]["reason"]
    assert set(Order.objects.values_list("channel_order_id", "status")) == {
        ("F-1", "allocated"),
        ("F-2", "allocated"),
    }
    assert OrderLine.objects.count() == 3
    assert reserved() == 6
    imported = Order.objects.get(channel_order_id="F-1").events.first()
    assert (imported.source, imported.actor) == ("import", admin_user)


def test_a_dry_run_reports_the_same_and_writes_nothing(django_capture_on_commit_callbacks, account, stocked):
    job = run_file(django_capture_on_commit_callbacks, account, mixed_file(), dry_run=True)

    assert job.status == ImportJob.Status.VALIDATED
    assert errors_of(job) == [(6, "quantity"), (7, "grand_total"), (9, "ship_city")]
    assert job.message == (
        "Dry run: 3 rows have errors (3 problems in 8 rows); 2 order(s) would be imported (2 new, 0 already there) "
        "and 3 refused. Nothing was written."
    )
    assert (Order.objects.count(), reserved()) == (0, 0)


def test_a_clean_dry_run_says_what_would_happen(django_capture_on_commit_callbacks, account, stocked):
    job = run_file(django_capture_on_commit_callbacks, account, csv_bytes([line("F-1")]), dry_run=True)

    assert (
        job.message
        == "Dry run: all 1 rows are valid; 1 order(s) would be imported (1 new, 0 already there). Nothing was written."
    )


def test_importing_the_same_file_twice_imports_each_order_once(
    django_capture_on_commit_callbacks, account, stocked
):
    run_file(django_capture_on_commit_callbacks, account, mixed_file())

    again = run_file(django_capture_on_commit_callbacks, account, mixed_file())

    assert (again.status, again.created_count, again.updated_count) == (ImportJob.Status.SUCCEEDED, 0, 2)
    assert (Order.objects.count(), OrderLine.objects.count(), reserved()) == (2, 3, 6)


def test_a_file_of_only_bad_orders_fails(django_capture_on_commit_callbacks, account, stocked):
    job = run_file(
        django_capture_on_commit_callbacks,
        account,
        csv_bytes([line("F-1", quantity="0"), line("F-2", unit_price="12,5")]),
    )

    assert job.status == ImportJob.Status.FAILED
    assert job.message == "0 orders imported, 2 refused (see the error report)."
    assert [e["reason"] for e in job.errors] == [
        "Must be at least 1.", "Use a dot for decimals and no thousands separators (1299.50, not 1,299.50 or 1299,50).",
    ]  # fmt: skip


def test_order_checks_land_on_the_row_and_column_they_come_from(
    django_capture_on_commit_callbacks, account, stocked
):
    content = csv_bytes([
        line("F-1", grand_total="2397.00", line_id="A"),
        line("F-1", grand_total="2397.00", line_id="B"),
        line("F-1", grand_total="2397.00", line_id="A"),
        line("F-2", ship_pincode="012345", ship_state="Narnia"),
    ])  # fmt: skip

    job = run_file(django_capture_on_commit_callbacks, account, content, dry_run=True)

    assert errors_of(job) == [(4, "line_id"), (5, "ship_state"), (5, "ship_pincode")]
    assert job.errors[0]["reason"] == "Line id A appears twice."


def test_blank_line_ids_are_the_rows_positions_and_blank_amounts_zero(
    django_capture_on_commit_callbacks, account, stocked
):
    content = csv_bytes([line("F-1", grand_total="848.00", shipping_total="49"), line("F-1", "SITE-CAP", unit_price="0",
                                                                                      grand_total="848.00", shipping_total="49")])  # fmt: skip

    job = run_file(django_capture_on_commit_callbacks, account, content)

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    order = Order.objects.get()
    assert list(order.lines.values_list("channel_line_id", "discount")) == [
        ("1", Decimal("0")),
        ("2", Decimal("0")),
    ]
    assert (order.shipping_total, order.item_total, order.ordered_at.isoformat()) == (
        Decimal("49.00"), Decimal("799.00"), "2026-11-20T05:00:00+00:00"
    )  # fmt: skip
    assert order.raw_payload["rows"][0]["row"] == 2


def test_a_row_without_an_order_id_is_refused_on_its_own(
    django_capture_on_commit_callbacks, account, stocked
):
    job = run_file(django_capture_on_commit_callbacks, account, csv_bytes([line("F-1"), line("")]))

    assert (job.status, job.message) == (
        ImportJob.Status.SUCCEEDED,
        "1 order imported, 1 refused (see the error report).",
    )
    assert errors_of(job) == [(3, "channel_order_id")]


def test_a_row_with_cells_past_the_header_refuses_its_order(
    django_capture_on_commit_callbacks, account, stocked
):
    header, first, second = csv_bytes([line("F-1"), line("F-2")]).decode().splitlines()
    content = "\n".join([header, first, second + ",stray"]).encode()

    job = run_file(django_capture_on_commit_callbacks, account, content)

    assert job.message == "1 order imported, 1 refused (see the error report)."
    assert errors_of(job) == [(3, "")]
    assert list(Order.objects.values_list("channel_order_id", flat=True)) == ["F-1"]


def test_an_order_refused_while_writing_joins_the_report(
    django_capture_on_commit_callbacks, account, stocked, monkeypatch
):
    real = order_imports.import_orders

    def refuse_the_second(account, dtos, **kwargs):
        outcomes = real(account, dtos[:1], **kwargs)
        return [
            *outcomes,
            ImportOutcome(
                dtos[1].channel_order_id,
                error=OrderError(dtos[1].channel_order_id, [("lines[1].channel_sku", "Taken meanwhile.")]),
            ),
        ]

    monkeypatch.setattr(order_imports, "import_orders", refuse_the_second)
    content = csv_bytes(
        [
            line("F-1"),
            line("F-2", grand_total="1098.00"),
            line("F-2", "SITE-CAP", unit_price="299.00", grand_total="1098.00"),
        ]
    )

    job = run_file(django_capture_on_commit_callbacks, account, content)

    assert (job.status, job.created_count, job.error_count) == (ImportJob.Status.SUCCEEDED, 1, 1)
    assert job.message == "1 order imported, 1 refused (see the error report)."
    assert job.errors == [{"row": 4, "column": "sku", "value": "SITE-CAP", "reason": "Taken meanwhile."}]


def test_an_xlsx_file_with_typed_cells_imports(django_capture_on_commit_callbacks, account, stocked):
    workbook = openpyxl.Workbook()
    columns = ["channel_order_id", "ordered_at", "ship_name", "ship_line1", "ship_city", "ship_state", "ship_pincode",
               "grand_total", "sku", "quantity", "unit_price"]  # fmt: skip
    workbook.active.append(columns)
    workbook.active.append(
        [
            1001,
            datetime(2026, 11, 20, 14, 30),
            "Asha",
            "14 MG Road",
            "Pune",
            27,
            411001,
            1598,
            "SITE-TEE-M",
            2,
            799,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = run_file(django_capture_on_commit_callbacks, account, buffer.getvalue(), file_name="orders.xlsx")

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    order = Order.objects.get()
    assert (order.channel_order_id, order.ship_pincode, order.grand_total, order.ordered_at.isoformat()) == (
        "1001", "411001", Decimal("1598.00"), "2026-11-20T09:00:00+00:00"
    )  # fmt: skip


def test_an_account_that_is_gone_or_not_custom_fails_the_job(
    django_capture_on_commit_callbacks, account, tenant, stocked
):
    account.kind = "amazon"
    account.save()

    job = run_file(django_capture_on_commit_callbacks, account, csv_bytes([line("F-1")]))

    assert job.status == ImportJob.Status.FAILED
    assert job.message.startswith("Orders of an Amazon account come from its sync")
    assert job.message.endswith("Nothing was imported.")


# The endpoint -----------------------------------------------------------------------------------


@pytest.fixture
def upload(api, django_capture_on_commit_callbacks):
    def post(content: bytes, *, account, dry_run: bool = False, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or api).post(
                URL, {"file": SimpleUploadedFile("orders.csv", content), "dry_run": dry_run, "account": account},
                format="multipart",
            )  # fmt: skip

    return post


def test_an_upload_answers_202_and_the_job_reports_per_order(upload, api, account, stocked):
    response = upload(mixed_file(), account=account.pk)

    assert response.status_code == 202, response.json()
    assert response.json()["kind"] == "orders"
    job = api.get(response["Location"]).json()
    assert (job["status"], job["created_count"], job["error_count"]) == ("succeeded", 2, 3)
    assert [(e["row"], e["column"]) for e in job["errors"]] == [
        (6, "quantity"),
        (7, "grand_total"),
        (9, "ship_city"),
    ]


@pytest.mark.parametrize("which", ["amazon", "theirs", "missing", "unknown"])
def test_an_upload_for_an_account_that_takes_no_files_is_a_400_without_a_job(
    upload, tenant, other_tenant, warehouse, which
):
    accounts = {
        "amazon": lambda: factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN").pk,
        "theirs": lambda: factories.make_account(other_tenant, name="Their site").pk,
        "missing": lambda: "",
        "unknown": lambda: 999_999,
    }

    response = upload(csv_bytes([line("F-1")]), account=accounts[which]())

    assert response.status_code == 400
    assert "account" in response.json()["error"]["fields"]
    assert not ImportJob.objects.exists()


def test_an_unreadable_file_is_a_400_without_a_job(upload, account):
    response = upload(b"order,when\nF-1,today\n", account=account.pk)

    assert (response.status_code, list(response.json()["error"]["fields"])) == (400, ["file"])
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("operations", True), ("finance", False), ("picker", False)]
)
def test_only_admin_and_operations_upload_orders(upload, tenant, account, stocked, role, allowed):
    client = api_client_for(factories.make_user(tenant, role))

    response = upload(csv_bytes([line("F-1")]), account=account.pk, client=client)

    assert response.status_code == (202 if allowed else 403)


def test_an_order_that_comes_back_with_other_lines_is_refused(
    django_capture_on_commit_callbacks, account, stocked
):
    run_file(django_capture_on_commit_callbacks, account, csv_bytes([line("F-1"), line("F-2")]))

    again = run_file(
        django_capture_on_commit_callbacks,
        account,
        csv_bytes([line("F-1"), line("F-2", quantity="2", grand_total="1598.00")]),
    )

    assert again.message == "1 order imported, 1 refused (see the error report)."
    assert errors_of(again) == [(3, "quantity")]
    assert Order.objects.get(channel_order_id="F-2").lines.get().quantity == 1
