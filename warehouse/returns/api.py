"""Returns over the API, shaped for a scanner page: every answer says what happened and what to do next.

- ``GET returns/?kind=rto|customer&status=&warehouse=&order=&channel_order_id=`` (every role): RTOs and
  customer returns are listed apart by ``kind``; ``GET returns/{id}/`` one return in full.
- ``POST returns/`` ``{"kind", "code" | "order", "warehouse"?}``: open a return for the order the
  scanned AWB or order id names (201), or resume the order's open return (200).
- ``POST returns/{id}/scan/`` ``{"barcode", "grade": "good"|"damaged", "quantity"?, "key"}``: one unit
  (or a keyed number of a ``key_quantity`` SKU) back into stock; a scan sent again under the same
  idempotency key (``Idempotency-Key`` header or ``key``) gets the first answer and counts once.
- ``POST returns/{id}/putaway/`` ``{"barcode", "bin", "quantity"?, "key"}``: good units from the returns
  bin to a storage bin (by its barcode), where they are sold again.
- ``POST returns/{id}/complete/`` and ``cancel/`` (an empty return only); a ``key`` is optional there.

Scanning, putting away and completing are for admin, operations and pickers.
"""

from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hub.core.api import tenant_rows
from hub.tenants.roles import ALL_ROLES, Role
from warehouse.models import Warehouse
from warehouse.returns import actions, answers, selectors
from warehouse.returns.lookup import order_for_code
from warehouse.returns.models import Return
from warehouse.returns.serializers import (
    ReturnActionRequest,
    ReturnDetailSerializer,
    ReturnListSerializer,
    ReturnOpenRequest,
    ReturnPutawayRequest,
    ReturnScanAnswer,
    ReturnScanRequest,
)
from warehouse.scans import KEY_HEADER, once, request_key

SCANNER_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS, Role.PICKER})


class ReturnFilter(filters.FilterSet):
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    channel_order_id = filters.CharFilter(field_name="order__channel_order_id")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Return
        fields = ("kind", "status", "warehouse", "order", "channel_order_id")


class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """RTOs and customer returns received at the warehouses, newest first."""

    queryset = Return.objects.none()  # for the schema; requests use get_queryset
    read_roles = ALL_ROLES
    write_roles = SCANNER_ROLES
    filterset_class = ReturnFilter
    search_fields = ("reference", "order__channel_order_id")
    ordering_fields = ("created_at", "completed_at")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Return.objects.none()
        tenant = self.request.user.tenant
        return selectors.return_details(tenant) if self.action == "retrieve" else selectors.returns(tenant)

    def get_serializer_class(self):
        return ReturnListSerializer if self.action == "list" else ReturnDetailSerializer

    def _detail(self, ret: Return) -> dict:
        ret = selectors.return_details(self.request.user.tenant).get(pk=ret.pk)
        return ReturnDetailSerializer(ret, context=self.get_serializer_context()).data

    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data, context={"tenant": self.request.user.tenant})
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    def _once(self, name: str, work, *, key_required: bool = True) -> Response:
        request = self.request
        if not key_required and not (request.headers.get(KEY_HEADER) or request.data.get("key")):
            with transaction.atomic():
                return Response(work())
        answer, code, _ = once(request.user.tenant, request_key(request), name, work, user=request.user)
        return Response(answer, status=code)

    @extend_schema(request=ReturnOpenRequest, responses={201: ReturnDetailSerializer, 200: ReturnDetailSerializer},
                   summary="Open (or resume) a return by its AWB or order id")  # fmt: skip
    def create(self, request):
        data = self._payload(ReturnOpenRequest)
        order = data["order"] or order_for_code(request.user.tenant, data["code"])
        ret, created = actions.open_return(
            order, kind=data["kind"], warehouse=data["warehouse"], reference=data["code"].strip(), actor=request.user
        )
        return Response(self._detail(ret), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=ReturnScanRequest, responses=ReturnScanAnswer, summary="Scan and grade a returned unit")
    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        ret, data = self.get_object(), self._payload(ReturnScanRequest)

        def work():
            scan = actions.scan_unit(
                ret, barcode=data["barcode"], grade=data["grade"], quantity=data["quantity"], actor=request.user
            )
            return answers.scan_answer(scan, data["grade"])

        return self._once("return.scan", work)

    @extend_schema(request=ReturnPutawayRequest, responses=ReturnScanAnswer, summary="Put good returned units away")
    @action(detail=True, methods=["post"])
    def putaway(self, request, pk=None):
        ret, data = self.get_object(), self._payload(ReturnPutawayRequest)

        def work():
            to_bin = answers.bin_for_barcode(request.user.tenant, data["bin"])
            rows = actions.put_away(ret, barcode=data["barcode"], to_bin=to_bin, quantity=data["quantity"],
                                    actor=request.user)  # fmt: skip
            return answers.putaway_answer(ret, rows, to_bin)

        return self._once("return.putaway", work)

    @extend_schema(request=ReturnActionRequest, responses=ReturnDetailSerializer, summary="Complete a return")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        ret = self.get_object()
        return self._once("return.complete",
                          lambda: self._detail(actions.complete_return(ret, actor=request.user, source="scanner")),
                          key_required=False)  # fmt: skip

    @extend_schema(request=ReturnActionRequest, responses=ReturnDetailSerializer, summary="Cancel an empty return")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        ret = self.get_object()
        return self._once("return.cancel", lambda: self._detail(actions.cancel_return(ret, actor=request.user)),
                          key_required=False)  # fmt: skip
