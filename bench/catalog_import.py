"""Benchmark: import a 5,000-row catalog CSV, first as a dry run (validation only), then for real.

Runs against whatever database ``DATABASE_URL`` names (SQLite by default), in a throwaway tenant inside
one transaction that is rolled back at the end, so it leaves nothing behind. Prints one line::

    catalog import: N rows/s (validate: N rows/s, 5000 rows)

where the first figure is a full import (file checks, validation and writing) and the second a dry run.
"""

import csv
import io
import os
import sys
import time
import uuid
from pathlib import Path

ROWS = 5000
PER_PRODUCT = 5
BUNDLES = 100


def _ean13(number: int) -> str:
    body = f"890{number:09d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _row(n: int) -> list[str]:
    plain = n < ROWS - BUNDLES
    components = (
        "" if plain else f"BENCH-{2 * (n - ROWS + BUNDLES):05d}:2; BENCH-{2 * (n - ROWS + BUNDLES) + 1:05d}:1"
    )
    return [
        f"BENCH-{n:05d}", f"Cotton tee {n}", f"STYLE-{n // PER_PRODUCT:04d}", f"Style {n // PER_PRODUCT}", "Acme",
        "Tops", "6109", "5", "999.00", f"{500 + n % 400}.50", "250", str(150 + n % 50), "300", "200", "20",
        "yes", f"ean:{_ean13(n)}; internal:BC-{n:05d}", components,
    ]  # fmt: skip


def build_csv(rows: int = ROWS) -> bytes:
    """A catalog file of ``rows`` SKUs: products of five SKUs, two barcodes each, the last 100 bundles."""
    from hub.catalog.imports import COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(n) for n in range(rows))
    return buffer.getvalue().encode()


def _timed_import(tenant, content: bytes, *, dry_run: bool) -> float:
    from hub.core.imports import run_import_job, start_import
    from hub.core.models import ImportJob

    started = time.perf_counter()
    job = start_import(
        tenant, kind=ImportJob.Kind.CATALOG, file_name="bench.csv", content=content, dry_run=dry_run
    )
    job = run_import_job(job.id)
    elapsed = time.perf_counter() - started
    expected = ImportJob.Status.VALIDATED if dry_run else ImportJob.Status.SUCCEEDED
    if job.status != expected or job.error_count:
        raise RuntimeError(f"benchmark import ended {job.status}: {job.message} {job.errors[:3]}")
    return elapsed


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        from bench.stock_reserve import bench_database

        with bench_database("channel_hub_bench_catalog"):  # never the user's own database
            _measure()
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # the embedded SQLite file may be new
        _measure()


def _measure() -> None:
    from django.db import transaction

    from hub.tenants.models import Tenant

    content = build_csv()
    with transaction.atomic():
        slug = f"bench-{uuid.uuid4().hex[:12]}"
        tenant = Tenant.objects.create(name=slug, slug=slug)
        validate = _timed_import(tenant, content, dry_run=True)
        full = _timed_import(tenant, content, dry_run=False)
        transaction.set_rollback(True)  # the queued task and every row go with the throwaway tenant
    print(f"catalog import: {ROWS / full:.0f} rows/s (validate: {ROWS / validate:.0f} rows/s, {ROWS} rows)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
