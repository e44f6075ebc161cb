"""Home, catalog and stock pages: each parses its filters, calls a selector and renders.

``page_of`` and ``valid_filters`` serve every list page of the dashboard."""

from django import forms
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from hub.catalog.models import SKU
from hub.dashboard import order_selectors, selectors
from hub.dashboard.access import OFFICE_ROLES, role_required
from hub.dashboard.forms import LedgerFilterForm, SearchForm, StockFilterForm

PAGE_SIZE = 50


def page_of(request: HttpRequest, rows, *, size: int = PAGE_SIZE) -> Page:
    return Paginator(rows, size).get_page(request.GET.get("page"))


def valid_filters(form: forms.Form) -> dict:
    """The filters that are valid; a wrong one (say, a warehouse of another tenant) is left out."""
    form.is_valid()
    return form.cleaned_data


@role_required(*OFFICE_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    tenant = request.user.tenant
    context = {
        "section": "home",
        "figures": selectors.tenant_figures(tenant),
        "orders": order_selectors.attention_figures(tenant),
        "warehouses": selectors.warehouse_stock(tenant),
        "imports": selectors.recent_imports(tenant),
    }
    return render(request, "dashboard/home.html", context)


@role_required(*OFFICE_ROLES)
def catalog(request: HttpRequest) -> HttpResponse:
    tenant = request.user.tenant
    form = SearchForm(request.GET)
    query = valid_filters(form).get("q", "")
    page = page_of(request, selectors.sku_search(tenant, query))
    page.object_list = selectors.with_bundle_stock(tenant, list(page.object_list))
    context = {"section": "catalog", "form": form, "query": query, "page": page}
    return render(request, "dashboard/catalog/list.html", context)


@role_required(*OFFICE_ROLES)
def sku_detail(request: HttpRequest, sku_id: int) -> HttpResponse:
    try:
        detail = selectors.sku_detail(request.user.tenant, sku_id)
    except SKU.DoesNotExist as exc:
        raise Http404("No such SKU.") from exc
    return render(request, "dashboard/catalog/detail.html", {"section": "catalog", "detail": detail})


@role_required(*OFFICE_ROLES)
def stock(request: HttpRequest) -> HttpResponse:
    tenant = request.user.tenant
    form = StockFilterForm(request.GET, tenant=tenant)
    filters = valid_filters(form)
    warehouse = filters.get("warehouse")
    levels = selectors.stock_levels(
        tenant, warehouse_id=warehouse.pk if warehouse else None, query=filters.get("q", "")
    )
    context = {
        "section": "stock",
        "form": form,
        "page": page_of(request, levels),
        "totals": selectors.stock_totals(levels),
    }
    return render(request, "dashboard/stock/levels.html", context)


@role_required(*OFFICE_ROLES)
def ledger(request: HttpRequest) -> HttpResponse:
    form = LedgerFilterForm(request.GET)
    filters = valid_filters(form)
    page = selectors.ledger_page(
        request.user.tenant,
        sku_code=filters.get("sku", ""),
        kind=filters.get("kind", ""),
        before=filters.get("before"),
    )
    context = {"section": "ledger", "form": form, "ledger": page, "is_first_page": not filters.get("before")}
    return render(request, "dashboard/stock/ledger.html", context)
