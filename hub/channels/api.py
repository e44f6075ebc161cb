"""Channel accounts, listings (SKU mapping), their file import, and what each listing is offered.

- ``channel-accounts/`` CRUD. ``credentials`` is write-only (a JSON object, stored encrypted); responses
  only say ``has_credentials``. ``warehouses`` are ids of the caller's warehouses. A change of the
  offer policy or of the warehouses puts every listing of the account in the stock-push outbox.
- ``listings/`` CRUD, filtered by account, sku, sku_code, channel_sku, is_active and dirty (waiting
  in the outbox), searched by channel SKU, channel item id, SKU code and name, account name. Creating a
  listing maps the order lines waiting on its channel SKU, so their orders allocate.
- ``listings/import/`` a mapping file (.csv or .xlsx, see ``hub.channels.imports``) with ``dry_run``:
  202 and a job, exactly like ``skus/import/``.
- ``channel-inventory/?account=ID`` per active listing of the account: available, the quantity the
  channel would be offered, why, and whether it waits to be pushed. ``account`` is required.

Reading is for admin, operations and finance; writing for admin and operations.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.catalog.import_api import ImportJobSerializer, ImportUploadSerializer, queue_upload
from hub.catalog.models import SKU
from hub.channels.models import ChannelAccount, Listing, ListingOutbox
from hub.channels.policy import Offer
from hub.channels.selectors import offers
from hub.channels.serializers import (
    ChannelAccountSerializer,
    ChannelInventoryQuery,
    ListingOfferSerializer,
    ListingSerializer,
)
from hub.channels.services import save_account, save_listing
from hub.channels.sync_api import SyncRequestSerializer, SyncResponseSerializer, run_sync_request
from hub.core.api import TenantScopedMixin, tenant_rows
from hub.core.models import ImportJob
from hub.core.permissions import DEFAULT_READ, DEFAULT_WRITE


def _with_dirty(queryset):
    """Listings annotated with ``dirty``: whether the outbox holds a note for them."""
    return queryset.annotate(dirty=Exists(ListingOutbox.objects.filter(listing=OuterRef("pk"))))


class ChannelAccountFilter(filters.FilterSet):
    alerting = filters.BooleanFilter(method="filter_alerting", label="Only accounts with an alert (or only without)")

    class Meta:
        model = ChannelAccount
        fields = ("kind", "is_active")

    def filter_alerting(self, queryset, name, value):
        return queryset.exclude(alert="") if value else queryset.filter(alert="")


@method_decorator(sensitive_post_parameters("credentials"), name="dispatch")
class ChannelAccountViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """The tenant's channel accounts; credentials can be written, never read."""

    queryset = ChannelAccount.objects.prefetch_related("warehouses")
    serializer_class = ChannelAccountSerializer
    read_roles = DEFAULT_READ
    write_roles = DEFAULT_WRITE
    filterset_class = ChannelAccountFilter
    search_fields = ("name",)
    ordering_fields = ("kind", "name", "created_at")

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer, account=None)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, account=serializer.instance)

    def _save(self, serializer, *, account):
        fields = dict(serializer.validated_data)
        warehouses = fields.pop("warehouses", None)
        credentials = fields.pop("credentials", None)
        saved = save_account(
            self.request.user.tenant,
            account=account,
            fields=fields,
            warehouses=warehouses,
            credentials=credentials,
        )
        return self.get_queryset().get(pk=saved.pk)

    @extend_schema(request=SyncRequestSerializer, responses={202: SyncResponseSerializer, 200: SyncResponseSerializer})
    @action(detail=True, methods=["post"], url_path="sync")
    def sync(self, request, pk=None):
        """Pull orders and/or push stock now. A dry run reads and reports at once and writes nothing;
        otherwise the sync is queued (202) and its runs are listed once finished."""
        account = self.get_object()
        body = SyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(*run_sync_request(account, body.validated_data))


class ListingFilter(filters.FilterSet):
    account = filters.ModelChoiceFilter(queryset=tenant_rows(ChannelAccount))
    sku = filters.ModelChoiceFilter(queryset=tenant_rows(SKU))
    sku_code = filters.CharFilter(field_name="sku__code", lookup_expr="iexact")
    channel_sku = filters.CharFilter(lookup_expr="iexact")
    dirty = filters.BooleanFilter(help_text="true: waiting in the outbox to be pushed")

    class Meta:
        model = Listing
        fields = ("account", "sku", "sku_code", "channel_sku", "is_active", "dirty")


class ListingViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Channel SKUs mapped to hub SKUs, one per (account, channel SKU)."""

    queryset = Listing.objects.select_related("account", "sku")
    serializer_class = ListingSerializer
    read_roles = DEFAULT_READ
    write_roles = DEFAULT_WRITE
    filterset_class = ListingFilter
    search_fields = ("channel_sku", "channel_item_id", "sku__code", "sku__name", "account__name")
    ordering_fields = ("channel_sku", "created_at", "updated_at", "last_pushed_at")
    ordering = ("account_id", "channel_sku")

    def get_queryset(self):
        return _with_dirty(super().get_queryset())

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer, listing=None)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, listing=serializer.instance)

    def _save(self, serializer, *, listing):
        saved = save_listing(
            self.request.user.tenant,
            listing=listing,
            fields=dict(serializer.validated_data),
            actor=self.request.user,
        )
        return self.get_queryset().get(pk=saved.pk)


class ListingImportView(APIView):
    """Upload a listings (SKU mapping) file (.csv in UTF-8, or .xlsx) with ``dry_run`` true to only check it.

    Columns: account, channel_sku, sku (required), channel_item_id, channel_product_id,
    channel_inventory_item_id, active. ``account`` is the account's name or id. Rows are created or
    updated by (account, channel_sku). A file that cannot be imported at all is a 400 and makes no job;
    otherwise 202 with the queued job: poll ``links.self``, download every error from ``links.errors``.
    """

    parser_classes = (MultiPartParser, FormParser)
    read_roles = DEFAULT_WRITE
    write_roles = DEFAULT_WRITE

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobSerializer},
        summary="Import listings (SKU mappings) from a CSV or XLSX file",
    )
    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        return queue_upload(request, kind=ImportJob.Kind.LISTINGS, upload=upload.validated_data)


@dataclass(frozen=True)
class OfferRow:
    listing: Listing
    offer: Offer
    dirty: bool

    @property
    def quantity(self) -> int:
        return self.offer.quantity


class ChannelInventoryFilter(filters.FilterSet):
    sku_code = filters.CharFilter(field_name="sku__code", lookup_expr="iexact")
    channel_sku = filters.CharFilter(lookup_expr="iexact")
    dirty = filters.BooleanFilter(help_text="true: waiting in the outbox to be pushed")

    class Meta:
        model = Listing
        fields = ("sku_code", "channel_sku", "dirty")


class ChannelInventoryView(generics.ListAPIView):
    """What each active listing of one account would be offered now: available, the quantity after the
    account's policy (threshold, percentage, buffer, cap), why, and whether it waits to be pushed.

    The figures are computed for the page's listings only, so a large account pages cheaply.
    """

    serializer_class = ListingOfferSerializer
    read_roles = DEFAULT_READ
    filter_backends = (filters.DjangoFilterBackend, SearchFilter)
    filterset_class = ChannelInventoryFilter
    search_fields = ("channel_sku", "sku__code", "sku__name")

    queryset = Listing.objects.none()  # the schema's model; requests read get_queryset

    def get_queryset(self):
        listings = Listing.objects.for_tenant(getattr(self.request.user, "tenant", None)).filter(
            is_active=True
        )
        return _with_dirty(listings.select_related("sku")).order_by("channel_sku", "pk")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "account", OpenApiTypes.INT, required=True, description="Id of the channel account"
            )
        ],
        summary="What each listing of an account would be offered, and why",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        query = ChannelInventoryQuery(data=request.query_params, context={"tenant": request.user.tenant})
        query.is_valid(raise_exception=True)
        account = query.validated_data["account"]
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset().filter(account=account)))
        rows = [OfferRow(item.listing, item.offer, item.listing.dirty) for item in offers(account, page)]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
