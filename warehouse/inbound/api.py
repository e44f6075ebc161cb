"""Inbound over the API.

- ``suppliers/``: CRUD (admin, operations; finance reads).
- ``purchase-orders/``: CRUD with nested ``lines`` while a PO is a draft; ``POST {id}/open/``,
  ``{id}/cancel/``, ``{id}/close/`` (admin, operations; finance reads). A move the PO's status does not
  allow is a 409 ``invalid_transition``.
- ``grns/``: list and read (every role), create (admin, operations, picker): against ``purchase_order``
  or blind. ``POST grns/{id}/scan/`` with ``{barcode, quantity?, damaged?}`` and an idempotency key (the
  ``Idempotency-Key`` header or ``key``): a scan sent twice counts once and gets the first answer.
  ``POST grns/{id}/complete/`` records over/short per PO line and moves the PO's status.
- ``putaway/``: ``GET`` lists what waits in receiving bins, or with ``from_bin`` and ``sku`` (barcodes)
  suggests the storage bin; ``POST {from_bin, sku, to_bin, quantity}`` with an idempotency key moves the
  units (admin, operations, picker).
"""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.api import TenantScopedMixin, tenant_rows
from hub.core.errors import DomainError
from hub.core.permissions import DEFAULT_READ, DEFAULT_WRITE
from hub.tenants.roles import ALL_ROLES, Role
from warehouse.inbound import answers, selectors, services
from warehouse.inbound.models import GoodsReceipt, PurchaseOrder, Supplier
from warehouse.inbound.serializers import (
    AwaitingPutawaySerializer,
    CompleteRequest,
    GoodsReceiptSerializer,
    PurchaseOrderSerializer,
    PutawayQuery,
    PutawayRequest,
    ReceiptScanRequest,
    SupplierSerializer,
)
from warehouse.models import Bin, Warehouse
from warehouse.scans import KEY_HEADER, once, request_key

RECEIVING_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS, Role.PICKER})
KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="One key per scan, the same on a retry (or send it as \"key\" in the body)",
)  # fmt: skip


class SupplierViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    read_roles = DEFAULT_READ
    write_roles = DEFAULT_WRITE
    search_fields = ("name", "gstin", "contact_name")
    filterset_fields = ("is_active",)
    ordering_fields = ("name", "created_at")


class PurchaseOrderFilter(filters.FilterSet):
    supplier = filters.ModelChoiceFilter(queryset=tenant_rows(Supplier))
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    status = filters.MultipleChoiceFilter(choices=PurchaseOrder.Status.choices, help_text="Repeat for several")

    class Meta:
        model = PurchaseOrder
        fields = ("supplier", "warehouse", "status", "number")


class PurchaseOrderViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Purchase orders, newest first. Edited and deleted only while a draft."""

    queryset = PurchaseOrder.objects.select_related("supplier", "warehouse").prefetch_related("lines__sku")
    serializer_class = PurchaseOrderSerializer
    read_roles = DEFAULT_READ
    write_roles = DEFAULT_WRITE
    filterset_class = PurchaseOrderFilter
    search_fields = ("number", "supplier__name")
    ordering_fields = ("created_at", "expected_date", "number")

    def perform_destroy(self, instance):
        services.delete_purchase_order(instance)

    def _moved(self, po: PurchaseOrder) -> Response:
        po = self.get_queryset().get(pk=po.pk)
        return Response(self.get_serializer(po).data)

    @extend_schema(request=None, responses=PurchaseOrderSerializer, summary="Open a draft PO")
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._moved(services.open_purchase_order(self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=PurchaseOrderSerializer, summary="Cancel a PO nothing was received on")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._moved(services.cancel_purchase_order(self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=PurchaseOrderSerializer, summary="Close a PO, short or not")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._moved(services.close_purchase_order(self.get_object(), actor=request.user))


class GoodsReceiptFilter(filters.FilterSet):
    purchase_order = filters.ModelChoiceFilter(queryset=tenant_rows(PurchaseOrder))
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    blind = filters.BooleanFilter(field_name="purchase_order", lookup_expr="isnull")

    class Meta:
        model = GoodsReceipt
        fields = ("purchase_order", "warehouse", "status", "number", "blind")


class GoodsReceiptViewSet(
    TenantScopedMixin, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Goods receipts (GRNs), newest first."""

    queryset = GoodsReceipt.objects.select_related("received_by", "receiving_bin").prefetch_related("lines__sku")
    serializer_class = GoodsReceiptSerializer
    read_roles = ALL_ROLES
    write_roles = RECEIVING_ROLES
    filterset_class = GoodsReceiptFilter
    search_fields = ("number", "purchase_order__number")
    ordering_fields = ("created_at", "number")

    @extend_schema(
        request=ReceiptScanRequest, responses=OpenApiTypes.OBJECT, parameters=[KEY_PARAMETER],
        summary="Scan units into a GRN",
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        """Receive the scanned units; a repeated idempotency key gets the first answer (``replayed``)."""
        receipt = self.get_object()
        key = request_key(request)
        payload = ReceiptScanRequest(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data

        def work():
            result = services.receive_scan(
                receipt, barcode=data["barcode"], quantity=data["quantity"], damaged=data["damaged"], key=key,
                actor=request.user,
            )  # fmt: skip
            return answers.scan_answer(result)

        answer, code, replayed = once(request.user.tenant, key, "grn.scan", work, user=request.user)
        return Response({**answer, "replayed": replayed}, status=code)

    @extend_schema(
        request=CompleteRequest, responses=OpenApiTypes.OBJECT, parameters=[KEY_PARAMETER], summary="Complete a GRN"
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Complete the GRN: over/short per PO line, the PO's status moved. With a key, a repeat is a replay."""
        receipt = self.get_object()

        def work():
            return answers.completion_answer(services.complete_receipt(receipt, actor=request.user))

        if request.headers.get(KEY_HEADER) or request.data.get("key"):
            answer, code, replayed = once(request.user.tenant, request_key(request), "grn.complete", work, user=request.user)
            return Response({**answer, "replayed": replayed}, status=code)
        return Response({**work(), "replayed": False})


class PutawayView(APIView):
    """Putaway of units waiting in receiving bins (admin, operations, picker)."""

    read_roles = RECEIVING_ROLES
    write_roles = RECEIVING_ROLES

    @extend_schema(
        parameters=[
            OpenApiParameter("from_bin", str, description="Barcode of a receiving bin (with sku: a suggestion)"),
            OpenApiParameter("sku", str, description="Barcode or SKU code"),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="What waits for putaway, or where one SKU should go",
    )
    def get(self, request):
        tenant = request.user.tenant
        if "from_bin" not in request.query_params and "sku" not in request.query_params:
            waiting = selectors.awaiting_putaway(tenant)[:500]
            return Response({"results": AwaitingPutawaySerializer(waiting, many=True).data})
        query = PutawayQuery(data=request.query_params, context={"tenant": tenant})
        query.is_valid(raise_exception=True)
        sku, from_bin = query.validated_data["sku"], query.validated_data["from_bin"]
        level = _waiting(sku, from_bin)
        return Response(answers.suggestion_answer(sku, from_bin, level.available, selectors.suggest_putaway_bin(sku, from_bin)))

    @extend_schema(request=PutawayRequest, responses=OpenApiTypes.OBJECT, parameters=[KEY_PARAMETER],
                   summary="Confirm a putaway")  # fmt: skip
    def post(self, request):
        tenant = request.user.tenant
        key = request_key(request)
        payload = PutawayRequest(data=request.data, context={"tenant": tenant})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data

        def work():
            result = services.put_away(
                data["sku"], data["from_bin"], data["to_bin"], data["quantity"], key=key, actor=request.user
            )
            return answers.putaway_answer(result, data["sku"], data["from_bin"], data["to_bin"], data["quantity"])

        answer, code, replayed = once(tenant, key, "putaway.confirm", work, user=request.user)
        return Response({**answer, "replayed": replayed}, status=status.HTTP_201_CREATED if not replayed else code)


def _waiting(sku, from_bin: Bin):
    if from_bin.kind != Bin.Kind.RECEIVING:
        raise DomainError(f"Bin {from_bin.code} is not a receiving bin; putaway starts in one.", field="from_bin")
    level = selectors.awaiting_putaway(from_bin.tenant_id, bin=from_bin, sku=sku).first()
    if level is None:
        raise DomainError(f"No units of {sku.code} are waiting in {from_bin.code}.", field="sku")
    return level
