from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.catalog.models import SKU
from hub.core.api import LedgerPagination, TenantScopedMixin, tenant_rows
from hub.core.permissions import DEFAULT_WRITE
from hub.tenants.roles import ALL_ROLES, Role
from warehouse import stock
from warehouse.models import Bin, StockLevel, StockMovement, Warehouse
from warehouse.serializers import (
    BinSerializer,
    StockAdjustRequest,
    StockLevelSerializer,
    StockMovementSerializer,
    StockMoveRequest,
    StockResultSerializer,
    WarehouseSerializer,
)


class WarehouseViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    queryset = Warehouse.objects.all()
    serializer_class = WarehouseSerializer
    read_roles = ALL_ROLES
    write_roles = DEFAULT_WRITE
    search_fields = ("code", "name", "city", "pincode")
    filterset_fields = ("state", "is_active", "code")
    ordering_fields = ("code", "name", "created_at")


class BinFilter(filters.FilterSet):
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    warehouse_code = filters.CharFilter(field_name="warehouse__code", lookup_expr="iexact")

    class Meta:
        model = Bin
        fields = ("warehouse", "warehouse_code", "kind", "is_active", "barcode", "code")


class BinViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    queryset = Bin.objects.select_related("warehouse")
    serializer_class = BinSerializer
    read_roles = ALL_ROLES
    write_roles = DEFAULT_WRITE
    search_fields = ("code", "barcode")
    filterset_class = BinFilter
    ordering_fields = ("code", "warehouse", "kind")


class StockLevelFilter(filters.FilterSet):
    sku = filters.ModelChoiceFilter(queryset=tenant_rows(SKU))
    bin = filters.ModelChoiceFilter(queryset=tenant_rows(Bin))
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    sku_code = filters.CharFilter(field_name="sku__code", lookup_expr="iexact")
    bin_code = filters.CharFilter(field_name="bin__code", lookup_expr="iexact")
    warehouse_code = filters.CharFilter(field_name="warehouse__code", lookup_expr="iexact")
    in_stock = filters.BooleanFilter(field_name="on_hand", method="filter_in_stock")

    class Meta:
        model = StockLevel
        fields = ("sku", "bin", "warehouse", "sku_code", "bin_code", "warehouse_code")

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(on_hand__gt=0) if value else queryset.filter(on_hand=0)


class StockLevelViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Stock per (SKU, bin): on hand, reserved and available."""

    queryset = StockLevel.objects.select_related("sku", "bin", "warehouse")
    serializer_class = StockLevelSerializer
    read_roles = ALL_ROLES
    filterset_class = StockLevelFilter
    search_fields = ("sku__code", "sku__name", "bin__code")
    ordering_fields = ("on_hand", "reserved", "updated_at", "sku__code", "bin__code")
    ordering = ("sku__code", "bin__code")


class StockMovementFilter(filters.FilterSet):
    sku = filters.ModelChoiceFilter(queryset=tenant_rows(SKU))
    bin = filters.ModelChoiceFilter(queryset=tenant_rows(Bin))
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    sku_code = filters.CharFilter(field_name="sku__code", lookup_expr="iexact")
    since = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = ("sku", "bin", "warehouse", "kind", "reference", "idempotency_key", "sku_code")


class StockMovementViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The append-only stock ledger, newest first, in cursor pages."""

    queryset = StockMovement.objects.select_related("sku", "bin", "actor")
    serializer_class = StockMovementSerializer
    pagination_class = LedgerPagination
    read_roles = frozenset({Role.ADMIN, Role.OPERATIONS, Role.FINANCE})
    filterset_class = StockMovementFilter
    search_fields = ("reference", "reason", "sku__code")
    ordering_fields = None


class _StockCallView(APIView):
    """POST one stock call; answers 201 with the ledger rows, or 200 with the original rows on a replay."""

    request_serializer = None

    def post(self, request):
        payload = self.request_serializer(data=request.data, context={"tenant": request.user.tenant})
        payload.is_valid(raise_exception=True)
        result = self.call(payload.validated_data, actor=request.user)
        levels = StockLevel.objects.for_tenant(request.user.tenant).filter(
            sku_id__in={m.sku_id for m in result.movements}, bin_id__in={m.bin_id for m in result.movements}
        ).select_related("sku", "bin", "warehouse")
        body = StockResultSerializer({"replayed": result.replayed, "movements": result.movements, "levels": levels}).data
        return Response(body, status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED)


class StockAdjustView(_StockCallView):
    """Correct the units of a SKU in a bin, with a reason. Admin and operations only."""

    request_serializer = StockAdjustRequest
    write_roles = DEFAULT_WRITE

    @extend_schema(request=StockAdjustRequest, responses={201: StockResultSerializer, 200: StockResultSerializer})
    def post(self, request):
        return super().post(request)

    def call(self, data, *, actor):
        return stock.adjust(
            data["sku"], data["bin"], data["delta"], reason=data["reason"], key=data["idempotency_key"],
            actor=actor, reference=data["reference"],
        )  # fmt: skip


class StockMoveView(_StockCallView):
    """Move unreserved units between two bins of one warehouse (putaway, replenishment)."""

    request_serializer = StockMoveRequest
    write_roles = DEFAULT_WRITE | {Role.PICKER}

    @extend_schema(request=StockMoveRequest, responses={201: StockResultSerializer, 200: StockResultSerializer})
    def post(self, request):
        return super().post(request)

    def call(self, data, *, actor):
        return stock.move(
            data["sku"], data["from_bin"], data["to_bin"], data["quantity"], key=data["idempotency_key"],
            actor=actor, reference=data["reference"], reason=data["reason"],
        )  # fmt: skip
