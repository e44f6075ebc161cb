import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from warehouse import stock
from warehouse.models import StockLevel


def test_clean_ledger_passes(sku, bin_a, capsys):
    stock.receive(sku, bin_a, 3, key="r")
    stock.reserve(sku, bin_a, 1, key="o")

    call_command("audit_stock")

    assert "match the ledger" in capsys.readouterr().out


def test_a_level_written_behind_the_ledgers_back_is_listed_and_fails(sku, bin_a, capsys):
    stock.receive(sku, bin_a, 3, key="r")
    level = StockLevel.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE warehouse_stocklevel SET on_hand = 5 WHERE id = %s", [level.pk])

    with pytest.raises(CommandError, match="1 stock level"):
        call_command("audit_stock")

    err = capsys.readouterr().err
    assert f"sku {sku.pk} bin {bin_a.pk}: level 5 on hand / 0 reserved, ledger 3 / 0" in err


def test_unknown_tenant_is_an_error(db):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("audit_stock", "--tenant", "nope")
