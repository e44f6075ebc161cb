"""Races real threads against PostgreSQL: pickers asking for work at once never share a picklist, and copies
of one scan arriving at once count once."""

from functools import partial

import pytest
from django.core.management import call_command

from tests import factories
from tests.concurrency import race
from tests.conftest import api_client_for
from warehouse.models import StockLevel
from warehouse.picking import services
from warehouse.picking.models import Picklist

pytestmark = pytest.mark.django_db(transaction=True)


def test_pickers_asking_for_work_at_once_get_different_picklists(postgres, tenant, warehouse, floor, place):
    for n in range(4):
        place(f"O-{n}", ("RED", 1))
    assert len(services.build_picklists(warehouse, mode="single").picklists) == 4
    pickers = [factories.make_user(tenant, "picker") for _ in range(6)]

    outcomes = race([partial(services.next_picklist, picker, warehouse) for picker in pickers])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    handed = [o.pk for o in outcomes if o is not None]
    assert (len(handed), len(set(handed)), outcomes.count(None)) == (4, 4, 2)
    rows = Picklist.objects.values_list("status", "picker_id")
    assert sorted(status for status, _ in rows) == ["assigned"] * 4
    assert len({picker for _, picker in rows}) == 4


def test_two_pickers_racing_for_the_last_picklist_one_gets_it(postgres, tenant, warehouse, floor, place, picker, other_picker):
    place("O-1", ("RED", 1))
    services.build_picklists(warehouse, mode="single")

    outcomes = race([partial(services.next_picklist, p, warehouse) for p in (picker, other_picker)])

    assert sorted(o is None for o in outcomes) == [False, True], outcomes


def test_copies_of_one_scan_racing_each_other_count_once(postgres, warehouse, floor, place, picker):
    place("O-1", ("BLUE", 3))
    (picklist,) = services.build_picklists(warehouse, mode="single").picklists
    services.next_picklist(picker, warehouse)
    services.scan_bin(picklist, "A-01-02", user=picker)

    def send():
        response = api_client_for(picker).post(
            f"/api/v1/picklists/{picklist.pk}/scan-item/", {"barcode": floor.barcode["BLUE"]}, format="json",
            headers={"Idempotency-Key": "unit-1"},
        )  # fmt: skip
        return response.status_code, response.json()["replayed"]

    outcomes = race([send] * 4)

    assert sorted(outcomes) == [(200, False), (200, True), (200, True), (200, True)], outcomes
    packing = StockLevel.objects.get(sku=floor.skus["BLUE"], bin__code="PACKING")
    assert (packing.on_hand, packing.reserved) == (1, 1)
    assert picklist.lines.get().picked == 1
    call_command("audit_stock")
