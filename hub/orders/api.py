"""Orders over the API: every channel's orders in one list, one order's page, the actions people take on
an order, and the way in for a custom account's orders (posted as JSON or uploaded as a file).

- ``GET orders/`` and ``GET orders/{id}/`` (admin, operations, finance); ``GET orders/{id}/raw/`` (admin,
  operations): the payload the channel sent, kept as it came.
- ``POST orders/`` (admin, operations): one order of a custom account in the hub's shape
  (``OrderIntakeSerializer``); 201 with the order when it is new, 200 when it was there already.
- ``POST orders/{id}/cancel/``, ``hold/``, ``unhold/``, ``allocate/`` (admin, operations): one action of
  ``hub.orders.actions`` each, answering with the order; a move the order's status does not allow is a
  409 ``invalid_transition``.
- ``POST orders/import/`` (admin, operations): a CSV/XLSX file of a custom account's orders, as a job
  (see ``hub.orders.imports``); 202 like ``skus/import/``.
"""

import inspect

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.catalog.import_api import ImportJobSerializer, queue_upload
from hub.channels.models import ChannelAccount, ChannelKind
from hub.core.api import tenant_rows
from hub.core.models import ImportJob
from hub.core.permissions import DEFAULT_WRITE
from hub.orders import actions, intake, selectors
from hub.orders.models import Order
from hub.orders.serializers import (
    OrderDetailSerializer,
    OrderImportUploadSerializer,
    OrderIntakeSerializer,
    OrderListSerializer,
    ReasonSerializer,
)
from hub.orders.states import OrderStatus
from hub.tenants.roles import STAFF_ROLES


class OrderFilter(filters.FilterSet):
    account = filters.ModelChoiceFilter(queryset=tenant_rows(ChannelAccount), help_text="Channel account id")
    channel = filters.ChoiceFilter(field_name="account__kind", choices=ChannelKind.choices)
    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices, help_text="Repeat for several")
    ordered_after = filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="gte")
    ordered_before = filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="lt")
    sku = filters.CharFilter(method="filter_sku", help_text="Hub SKU code on any line")
    unmapped = filters.BooleanFilter(method="filter_unmapped", help_text="Has an open line without a hub SKU")
    unfulfillable = filters.BooleanFilter(method="filter_unfulfillable")
    needs_attention = filters.BooleanFilter()
    ship_by_overdue = filters.BooleanFilter(
        method="filter_overdue", help_text="Ship-by passed and not shipped"
    )

    class Meta:
        model = Order
        fields = ("account", "channel", "status", "needs_attention")

    def filter_sku(self, queryset, name, value):
        return selectors.with_sku(queryset, value)

    def filter_unmapped(self, queryset, name, value):
        return _keep(queryset, selectors.unmapped_condition(), value)

    def filter_unfulfillable(self, queryset, name, value):
        return _keep(queryset, selectors.unfulfillable_condition(), value)

    def filter_overdue(self, queryset, name, value):
        return _keep(queryset, selectors.overdue_condition(timezone.now()), value)


def _keep(queryset, condition, value: bool):
    """The rows meeting ``condition`` for ``=true``, the others for ``=false``."""
    return queryset.filter(condition) if value else queryset.exclude(condition)


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Orders of every channel of the caller's tenant, newest first."""

    queryset = Order.objects.none()  # for the schema; requests use get_queryset
    parser_classes = (JSONParser,)  # the order shape nests, which a form cannot
    read_roles = STAFF_ROLES
    write_roles = DEFAULT_WRITE
    action_roles = {"raw": DEFAULT_WRITE}
    filterset_class = OrderFilter
    search_fields = ("channel_order_id", "buyer_name")
    ordering_fields = ("ordered_at", "ship_by")
    ordering = ("-ordered_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        tenant = self.request.user.tenant
        if self.action == "list":
            return selectors.order_rows(tenant)
        if self.action == "retrieve":
            return selectors.order_details(tenant)
        return selectors.orders(tenant)

    def get_serializer_class(self):
        return OrderListSerializer if self.action == "list" else OrderDetailSerializer

    def _detail(self, order: Order, *, code: int = status.HTTP_200_OK) -> Response:
        order = selectors.order_details(self.request.user.tenant).get(pk=order.pk)
        return Response(OrderDetailSerializer(order, context=self.get_serializer_context()).data, status=code)

    def _reason(self) -> str:
        payload = ReasonSerializer(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data["reason"]

    @extend_schema(
        request=OrderIntakeSerializer,
        responses={201: OrderDetailSerializer, 200: OrderDetailSerializer},
        summary="Post an order of a custom account",
        description=inspect.cleandoc(OrderIntakeSerializer.__doc__ or ""),
    )
    def create(self, request):
        """Import one order of a custom account: 201 when new, 200 when it was there (replay or update)."""
        payload = OrderIntakeSerializer(data=request.data, context={"tenant": request.user.tenant})
        payload.is_valid(raise_exception=True)
        account = payload.validated_data["account"]
        order, created = intake.receive_order(account, payload.to_dto(), actor=request.user, source="api")
        return self._detail(order, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=ReasonSerializer, responses=OrderDetailSerializer, summary="Cancel an order")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an order that has not shipped; its reserved stock is released."""
        order = actions.cancel_order(
            self.get_object(), actor=request.user, reason=self._reason(), source="api"
        )
        return self._detail(order)

    @extend_schema(request=ReasonSerializer, responses=OrderDetailSerializer, summary="Put an order on hold")
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Hold an order; an allocated one gives its stock back until the hold is released."""
        order = actions.hold_order(self.get_object(), actor=request.user, reason=self._reason(), source="api")
        return self._detail(order)

    @extend_schema(request=None, responses=OrderDetailSerializer, summary="Release an order's hold")
    @action(detail=True, methods=["post"])
    def unhold(self, request, pk=None):
        """Release a hold: the order becomes new and is allocated again."""
        order = actions.release_hold(self.get_object(), actor=request.user, source="api")
        return self._detail(order)

    @extend_schema(request=None, responses=OrderDetailSerializer, summary="Retry an order's allocation")
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """Try again to reserve stock for a new or unfulfillable order."""
        order = actions.allocate_order(self.get_object(), actor=request.user, source="api")
        return self._detail(order)

    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The payload as the channel sent it")
        },
        summary="An order's raw channel payload",
    )
    @action(detail=True, methods=["get"])
    def raw(self, request, pk=None):
        """The channel's payload of the order, kept as it came (admin and operations only)."""
        return Response(self.get_object().raw_payload)


class OrderImportView(APIView):
    """Upload a file of a custom account's orders (.csv in UTF-8, or .xlsx), one row per order line.

    Columns: channel_order_id*, ordered_at*, ship_by, payment_mode, currency, buyer_name, buyer_phone,
    buyer_email, ship_name*, ship_line1*, ship_line2, ship_city*, ship_state*, ship_pincode*, ship_phone,
    shipping_total, discount_total, grand_total*, line_id, sku*, title, quantity*, unit_price*,
    line_discount (* required). The order's values repeat on each of its rows and must agree. Each order
    is imported or refused whole: the good orders are imported and the refused ones listed row by row in
    the job's errors. A file that cannot be read at all, or an account that is not a custom one of your
    tenant, is a 400 and makes no job; otherwise 202 with the queued job (poll ``links.self``).
    """

    parser_classes = (MultiPartParser, FormParser)
    read_roles = DEFAULT_WRITE
    write_roles = DEFAULT_WRITE

    @extend_schema(
        request={"multipart/form-data": OrderImportUploadSerializer},
        responses={202: ImportJobSerializer},
        summary="Import a custom account's orders from a CSV or XLSX file",
    )
    def post(self, request):
        tenant = request.user.tenant
        upload = OrderImportUploadSerializer(data=request.data, context={"tenant": tenant})
        upload.is_valid(raise_exception=True)
        account = upload.validated_data["account"]
        intake.check_intake_account(account)
        return queue_upload(request, kind=ImportJob.Kind.ORDERS, upload=upload.validated_data,
                            options={"account": account.pk})  # fmt: skip
