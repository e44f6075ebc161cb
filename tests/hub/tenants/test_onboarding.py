import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from hub.tenants.models import Tenant, User


def test_create_tenant_onboards_a_tenant_with_its_admin(db, capsys):
    call_command("create_tenant", "Kavya Crafts", "--admin", "kavya", "--password", "Str0ng-pass!", "--gstin",
                 "27AAPFU0939F1ZV", "--state", "27")  # fmt: skip

    tenant = Tenant.objects.get(slug="kavya-crafts")
    user = authenticate(username="kavya", password="Str0ng-pass!")
    assert user is not None
    assert user.tenant == tenant
    assert user.roles == {"admin"}
    assert user.is_staff
    assert not user.is_superuser
    assert "Kavya Crafts" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gstin", "27AAPFU0939F1ZX"], "check character"),
        (["--state", "99"], "state"),
        (["--password", "short"], "too short"),
    ],
)
def test_create_tenant_refuses_bad_details_and_writes_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_tenant", "Bad Co", "--admin", "bad", "--password", "x-Pass-1234", *args)

    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_create_tenant_refuses_a_taken_username_and_keeps_no_tenant(db, tenant):
    User.objects.create_user("taken", password="x")

    with pytest.raises(CommandError, match="taken"):
        call_command("create_tenant", "New Co", "--admin", "taken", "--password", "x-Pass-1234")

    assert not Tenant.objects.filter(name="New Co").exists()


def test_pickers_do_not_get_the_admin_site(tenant):
    from tests.factories import make_user

    picker = make_user(tenant, "picker")
    finance = make_user(tenant, "finance")

    assert not picker.is_staff
    assert finance.is_staff
    assert finance.has_perm("catalog.view_sku")
    assert not finance.has_perm("catalog.change_sku")
