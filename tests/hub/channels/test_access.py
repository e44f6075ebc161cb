"""The channel endpoints: who may do what (the role matrix), and that no tenant reaches another's rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from hub.channels.models import ChannelAccount, Listing
from tests import factories
from tests.conftest import api_client_for

ADMIN, OPS, PICKER, FINANCE = "admin", "operations", "picker", "finance"
EVERYONE = {ADMIN, OPS, PICKER, FINANCE}
READERS = {ADMIN, OPS, FINANCE}
MANAGERS = {ADMIN, OPS}


@pytest.fixture
def world(tenant, warehouse, sku, account):
    listing = factories.make_listing(account, sku, "AMZ-TEE-M")
    return {"tenant": tenant, "warehouse": warehouse, "sku": sku, "account": account, "listing": listing}


def import_file(world, n):
    content = f"account,channel_sku,sku\n{world['account'].pk},IMP-{n},{world['sku'].code}\n".encode()
    return {"file": SimpleUploadedFile("listings.csv", content), "dry_run": "true"}


# (method, path, payload builder, format, roles allowed, status on success)
MATRIX = [
    ("get", "/api/v1/channel-accounts/", None, "json", READERS, 200),
    ("get", "/api/v1/channel-accounts/{account}/", None, "json", READERS, 200),
    ("post", "/api/v1/channel-accounts/", lambda w, n: {"kind": "zepto", "name": f"Zepto {n}",
     "credentials": {"token": "t"}, "warehouses": [w["warehouse"].pk]}, "json", MANAGERS, 201),
    ("patch", "/api/v1/channel-accounts/{account}/", lambda w, n: {"buffer_units": 3}, "json", MANAGERS, 200),
    ("delete", "/api/v1/channel-accounts/{spare_account}/", None, "json", MANAGERS, 204),
    ("get", "/api/v1/listings/", None, "json", READERS, 200),
    ("get", "/api/v1/listings/{listing}/", None, "json", READERS, 200),
    ("post", "/api/v1/listings/", lambda w, n: {"account": w["account"].pk, "sku": w["sku"].pk,
     "channel_sku": f"NEW-{n}"}, "json", MANAGERS, 201),
    ("patch", "/api/v1/listings/{listing}/", lambda w, n: {"channel_item_id": f"B0{n}"}, "json", MANAGERS,
     200),
    ("delete", "/api/v1/listings/{spare_listing}/", None, "json", MANAGERS, 204),
    ("post", "/api/v1/listings/import/", import_file, "multipart", MANAGERS, 202),
    ("get", "/api/v1/channel-inventory/?account={account}", None, "json", READERS, 200),
]  # fmt: skip


def _url(path, world, spare_account=0, spare_listing=0):
    return path.format(
        account=world["account"].pk, listing=world["listing"].pk, spare_account=spare_account,
        spare_listing=spare_listing,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "payload", "fmt", "allowed", "ok"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX]
)
@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_role_matrix(world, role, method, path, payload, fmt, allowed, ok):
    spare_account = factories.make_account(world["tenant"], name=f"Spare {role}")
    spare_listing = factories.make_listing(world["account"], world["sku"], f"SPARE-{role}")
    client = api_client_for(factories.make_user(world["tenant"], role))
    url = _url(path, world, spare_account.pk, spare_listing.pk)
    body = payload(world, role) if payload else None

    response = getattr(client, method)(url, body, format=fmt)

    if role in allowed:
        assert response.status_code == ok, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_callers_are_refused_everywhere(world):
    client = APIClient()
    for method, path, *_ in MATRIX:
        response = getattr(client, method)(_url(path, world, 1, 1), {}, format="json")
        assert response.status_code in (401, 403), path
        assert "error" in response.json()


def test_a_finance_user_cannot_write_through_a_read_endpoint(world):
    client = api_client_for(factories.make_user(world["tenant"], FINANCE))

    response = client.put(f"/api/v1/listings/{world['listing'].pk}/", {"channel_sku": "X"}, format="json")

    assert response.status_code == 403
    assert Listing.objects.get(pk=world["listing"].pk).channel_sku == "AMZ-TEE-M"


# Tenant isolation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/channel-accounts/{account}/", "/api/v1/listings/{listing}/"])
def test_another_tenants_row_is_not_found_by_id(api, world, theirs, url):
    url = url.format(account=theirs["account"].pk, listing=theirs["listing"].pk)

    assert api.get(url).status_code == 404
    assert api.patch(url, {"name": "hijacked", "channel_sku": "hijacked"}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert api.get(url).json()["error"]["code"] == "not_found"
    assert ChannelAccount.objects.get(pk=theirs["account"].pk).name == "RIVAL Flipkart"
    assert Listing.objects.get(pk=theirs["listing"].pk).channel_sku == "RIVAL-CH"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/channel-accounts/",
        "/api/v1/channel-accounts/?search=RIVAL",
        "/api/v1/channel-accounts/?kind=flipkart",
        "/api/v1/listings/",
        "/api/v1/listings/?search=RIVAL",
        "/api/v1/listings/?sku_code=RIVAL-SKU",
        "/api/v1/listings/?channel_sku=RIVAL-CH",
        "/api/v1/listings/?dirty=true",
        "/api/v1/listings/?is_active=true",
        "/api/v1/channel-inventory/?account={account}&search=RIVAL",
    ],
)
def test_lists_filters_and_search_never_show_another_tenants_rows(api, world, theirs, url):
    from hub.channels.models import ListingOutbox

    ListingOutbox.objects.create(
        tenant=theirs["account"].tenant, account=theirs["account"], listing=theirs["listing"]
    )

    response = api.get(url.format(account=world["account"].pk))

    assert response.status_code == 200
    assert "RIVAL" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/listings/?account={account}",
        "/api/v1/listings/?sku={sku}",
        "/api/v1/channel-inventory/?account={account}",
    ],
)
def test_filtering_by_another_tenants_id_reads_like_an_unknown_id(api, world, theirs, url):
    response = api.get(url.format(account=theirs["account"].pk, sku=theirs["sku"].pk))

    assert response.status_code == 400
    assert "RIVAL" not in response.content.decode()


def test_an_import_naming_another_tenants_account_finds_no_such_account(
    api, world, theirs, django_capture_on_commit_callbacks
):
    content = (
        f"account,channel_sku,sku\n{theirs['account'].pk},X-1,{world['sku'].code}\nRIVAL Flipkart,X-2,RIVAL-SKU\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/listings/import/",
            {"file": SimpleUploadedFile("l.csv", content.encode())},
            format="multipart",
        )

    job = api.get(response.json()["links"]["self"]).json()

    assert job["status"] == "failed"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(2, "account"), (3, "account"), (3, "sku")]
    assert not Listing.objects.filter(channel_sku__startswith="X-").exists()
