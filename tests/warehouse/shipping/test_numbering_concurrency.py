"""Racing real threads against PostgreSQL for AWBs and invoice numbers: no number twice, none skipped."""

from datetime import date

import pytest
from django.db import transaction

from tests import factories
from tests.concurrency import race
from warehouse.shipping import numbering
from warehouse.shipping.models import Courier, InvoiceCounter, InvoiceSeries

pytestmark = pytest.mark.django_db(transaction=True)


def test_sixteen_packers_taking_awbs_at_once_never_share_one_and_the_series_runs_out_cleanly(postgres):
    tenant = factories.make_tenant()
    courier = Courier.objects.create(tenant=tenant, name="Delhivery", code="DLV", awb_source="series", awb_prefix="DL",
                                     awb_next=1, awb_last=12, awb_digits=6)  # fmt: skip

    def pack():
        with transaction.atomic():
            return numbering.take_awb(Courier.objects.get(pk=courier.pk))

    outcomes = race([pack] * 16)

    awbs = sorted(o for o in outcomes if isinstance(o, str))
    refused = [o for o in outcomes if not isinstance(o, str)]
    assert awbs == [f"DL{n:06d}" for n in range(1, 13)]  # twelve numbers, each once
    assert len(refused) == 4 and all(isinstance(o, numbering.SeriesExhausted) for o in refused)
    courier.refresh_from_db()
    assert (courier.awb_next, courier.awbs_left) == (13, 0)


def test_invoice_numbers_taken_at_once_are_gap_free_even_when_some_packings_fail(postgres):
    tenant = factories.make_tenant()
    warehouse = factories.make_warehouse(tenant)
    series = numbering.series_for(warehouse)

    class Failed(Exception):
        pass

    def pack(fail: bool):
        with transaction.atomic():
            _, serial, number = numbering.take_invoice_number(series, date(2026, 11, 21))
            if fail:
                raise Failed(number)  # the packing fails after numbering: the number goes back
            return serial

    outcomes = race([(lambda n=n: pack(n % 4 == 0)) for n in range(12)])

    serials = sorted(o for o in outcomes if isinstance(o, int))
    assert serials == list(range(1, 10))  # nine packings, numbered 1..9 with no gap
    assert sum(isinstance(o, Failed) for o in outcomes) == 3
    assert InvoiceCounter.objects.get(series=series, year=2026).last_number == 9
    assert InvoiceSeries.objects.get().prefix == "INV"
