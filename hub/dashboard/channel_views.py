"""The channel pages: the tenant's accounts, and what each listing of an account is offered and why."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from hub.channels.models import ChannelAccount
from hub.channels.selectors import offers
from hub.dashboard import channel_selectors
from hub.dashboard.access import OFFICE_ROLES, role_required
from hub.dashboard.views import page_of

LISTINGS_PAGE = 100


@role_required(*OFFICE_ROLES)
def channel_list(request: HttpRequest) -> HttpResponse:
    accounts = channel_selectors.channel_accounts(request.user.tenant)
    return render(request, "dashboard/channels/list.html", {"section": "channels", "accounts": accounts})


@role_required(*OFFICE_ROLES)
def channel_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    tenant = request.user.tenant
    try:
        account = channel_selectors.channel_account(tenant, account_id)
    except ChannelAccount.DoesNotExist as exc:
        raise Http404("No such channel account.") from exc
    page = page_of(request, channel_selectors.account_listings(tenant, account), size=LISTINGS_PAGE)
    page.object_list = offers(account, page.object_list)  # this page's listings only
    context = {"section": "channels", "account": account, "page": page,
               "schedule": channel_selectors.account_schedule(account)}  # fmt: skip
    return render(request, "dashboard/channels/detail.html", context)
