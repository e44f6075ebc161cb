"""Packing and shipping over the API. Every scan answers what happened and what to do next, so a scanner
page is a thin layer over these endpoints; each scan carries an idempotency key (``Idempotency-Key``
header or ``key``), and a copy gets the first answer and counts once.

Set-up (admin and operations write; everyone reads): ``couriers/``, ``boxes/``, ``invoice-series/``;
``invoices/`` is read-only (admin, operations, finance).

Packing (admin, operations, pickers):

- ``POST shipments/pack/`` ``{code, barcode?, quantity?, key}``: the packer scans a picklist number, an
  order id or an AWB. Answer: the box (``shipment``), its ``items``, ``progress`` and ``next``; or, for a
  picklist with several orders to pack, ``shipment: null`` and the ``orders`` (a unit scanned with the
  picklist opens the box of the order that needs it, and counts).
- ``POST shipments/{id}/scan/`` ``{barcode, quantity?, key}``: a unit into the box; unexpected or one too
  many is refused (400) saying what and where.
- ``POST shipments/{id}/finish/`` ``{box, weight_grams, courier?, awb?, key}``: AWB, invoice, PACKED.
- ``POST shipments/{id}/cancel/`` ``{reason?}``: drop the box, or unpack the parcel (not on a manifest).
- ``GET shipments/{id}/invoice.pdf`` and ``label.pdf``: the GST tax invoice and the 4x6 label.
- ``POST shipments/{id}/confirm/`` (admin, operations): queue the channel's ship confirmation again.

Shipping (admin, operations, pickers):

- ``POST manifests/`` ``{courier, warehouse, add_packed?}``: the courier's open manifest at the warehouse
  (201 when made, 200 when it was open), with every packed parcel of theirs on it.
- ``POST manifests/{id}/add/`` and ``remove/`` ``{awb, key}``; ``close/`` ``{agent_name?}``.
- ``POST manifests/{id}/scan/`` ``{awb, agent_name?, key}``: the agent takes a parcel; the last one hands
  the manifest over: the orders ship, their stock is consumed, their channels are told.
- ``POST manifests/{id}/hand-over/`` ``{agent_name?, remove_unscanned?, key}``: hand over now.
- ``GET manifests/{id}/manifest.pdf``: the manifest with its AWBs, counts and signature lines.

Scan answers: ``{message, shipment|manifest, next: {action, message, ...}, ..., replayed}``; a refusal is
the error format ``{"error": {"code", "message", "fields"}}``.
"""

import json

from django.db import transaction
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from hub.core.api import TenantScopedMixin, tenant_rows
from hub.core.permissions import DEFAULT_WRITE
from hub.orders.models import Order
from hub.tenants.roles import ALL_ROLES, STAFF_ROLES, Role
from warehouse.models import Warehouse
from warehouse.scans import once, request_key
from warehouse.shipping import channel, manifests, packing, printing, selectors
from warehouse.shipping.models import BoxSize, Courier, Invoice, InvoiceSeries, Manifest, Shipment
from warehouse.shipping.serializers import (
    AwbRequest,
    BoxSizeSerializer,
    CloseRequest,
    CourierSerializer,
    HandOverRequest,
    InvoiceSerializer,
    InvoiceSeriesSerializer,
    ManifestAnswerSerializer,
    ManifestDetailSerializer,
    ManifestOpenRequest,
    ManifestSerializer,
    PackAnswerSerializer,
    PackFinishRequest,
    PackRequest,
    ScanUnitRequest,
    ShipmentCancelRequest,
    ShipmentDetailSerializer,
    ShipmentSerializer,
)

SUPERVISORS = frozenset({Role.ADMIN, Role.OPERATIONS})
FLOOR = frozenset({Role.ADMIN, Role.OPERATIONS, Role.PICKER})
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")}


class PDFRenderer(BaseRenderer):
    """PDF bytes as they are; an error (a dict) as JSON, so a refusal still reads as the error format."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


def _filename(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


class _Payload:
    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data, context={"tenant": self.request.user.tenant})
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    def _once(self, name: str, work) -> Response:
        """Run a scan once per idempotency key and answer with what to do next."""
        request = self.request
        body, code, replayed = once(request.user.tenant, request_key(request), name, work, user=request.user)
        return Response({**body, "replayed": replayed}, status=code)


# Set-up --------------------------------------------------------------------------------------------


class CourierViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Couriers and where their AWBs come from (a series, the channel, or keyed at packing)."""

    queryset = Courier.objects.all()
    serializer_class = CourierSerializer
    read_roles = ALL_ROLES
    write_roles = DEFAULT_WRITE
    search_fields = ("name", "code")
    filterset_fields = ("awb_source", "is_active", "code")
    ordering_fields = ("name", "code", "created_at")


class BoxSizeViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """The cartons of the pack station."""

    queryset = BoxSize.objects.all()
    serializer_class = BoxSizeSerializer
    read_roles = ALL_ROLES
    write_roles = DEFAULT_WRITE
    search_fields = ("code", "name")
    filterset_fields = ("is_active", "code")
    ordering_fields = ("code", "name")


class InvoiceSeriesViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Invoice number series: a warehouse's own, or the tenant's default."""

    queryset = InvoiceSeries.objects.select_related("warehouse")
    serializer_class = InvoiceSeriesSerializer
    read_roles = STAFF_ROLES
    write_roles = DEFAULT_WRITE
    ordering_fields = ("prefix", "created_at")


class InvoiceFilter(filters.FilterSet):
    order = filters.ModelChoiceFilter(queryset=tenant_rows(Order))
    series = filters.ModelChoiceFilter(queryset=tenant_rows(InvoiceSeries))
    issued_after = filters.DateFilter(field_name="issued_on", lookup_expr="gte")
    issued_before = filters.DateFilter(field_name="issued_on", lookup_expr="lte")
    cancelled = filters.BooleanFilter(field_name="cancelled_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Invoice
        fields = ("order", "series", "year", "number")


class InvoiceViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Tax invoices issued at packing, newest first."""

    queryset = Invoice.objects.select_related("series", "order")
    serializer_class = InvoiceSerializer
    read_roles = STAFF_ROLES
    filterset_class = InvoiceFilter
    search_fields = ("number", "order__channel_order_id")
    ordering_fields = ("issued_on", "number", "grand_total")


# Packing -------------------------------------------------------------------------------------------


class ShipmentFilter(filters.FilterSet):
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    courier = filters.ModelChoiceFilter(queryset=tenant_rows(Courier))
    manifest = filters.ModelChoiceFilter(queryset=tenant_rows(Manifest))
    order = filters.ModelChoiceFilter(queryset=tenant_rows(Order))
    status = filters.MultipleChoiceFilter(choices=Shipment.Status.choices, help_text="Repeat for several")
    channel_order_id = filters.CharFilter(field_name="order__channel_order_id")
    unmanifested = filters.BooleanFilter(field_name="manifest", lookup_expr="isnull")

    class Meta:
        model = Shipment
        fields = ("warehouse", "courier", "manifest", "order", "status", "awb", "channel_order_id")


class ShipmentViewSet(_Payload, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Parcels: packed at the pack station, newest first."""

    queryset = Shipment.objects.none()  # for the schema; requests use get_queryset
    read_roles = ALL_ROLES
    write_roles = FLOOR
    action_roles = {"confirm": SUPERVISORS}
    filterset_class = ShipmentFilter
    search_fields = ("awb", "order__channel_order_id", "invoice__number")
    ordering_fields = ("started_at", "packed_at", "status")
    ordering = ("-started_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Shipment.objects.none()
        tenant = self.request.user.tenant
        return selectors.shipment_details(tenant) if self.action == "retrieve" else selectors.shipments(tenant)

    def get_serializer_class(self):
        return ShipmentSerializer if self.action == "list" else ShipmentDetailSerializer

    @extend_schema(request=PackRequest, responses=PackAnswerSerializer,
                   summary="Start or resume packing: scan a picklist, an order or an AWB")  # fmt: skip
    @action(detail=False, methods=["post"])
    def pack(self, request):
        data = self._payload(PackRequest)

        def work() -> dict:
            result = packing.start_packing(request.user.tenant, data["code"], user=request.user,
                                           barcode=data["barcode"], quantity=data["quantity"])  # fmt: skip
            return selectors.pack_answer(result)

        return self._once("packing.start", work)

    @extend_schema(request=ScanUnitRequest, responses=PackAnswerSerializer, summary="Scan a unit into the box")
    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        shipment, data = self.get_object(), self._payload(ScanUnitRequest)
        return self._once(f"shipment.{shipment.pk}.scan", lambda: selectors.pack_answer(packing.scan_unit(
            shipment, data["barcode"], quantity=data["quantity"], user=request.user)))  # fmt: skip

    @extend_schema(request=PackFinishRequest, responses=PackAnswerSerializer,
                   summary="Close the box: box size, weight, AWB, invoice; the order is packed")  # fmt: skip
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        shipment, data = self.get_object(), self._payload(PackFinishRequest)

        def work() -> dict:
            box = packing.find_box(request.user.tenant, data["box"])
            result = packing.finish_packing(shipment, box=box, weight_grams=data["weight_grams"],
                                            courier=data.get("courier"), awb=data["awb"], user=request.user)  # fmt: skip
            return selectors.pack_answer(result)

        return self._once(f"shipment.{shipment.pk}.finish", work)

    @extend_schema(request=ShipmentCancelRequest, responses=PackAnswerSerializer, summary="Drop the box, or unpack the parcel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self._payload(ShipmentCancelRequest)
        with transaction.atomic():
            shipment = packing.cancel_shipment(self.get_object(), user=request.user, reason=data["reason"])
            body = selectors.box_answer(shipment, "Shipment cancelled.")
        return Response({**body, "replayed": False})

    @extend_schema(request=None, responses=PDF, summary="The GST tax invoice (PDF)")
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def invoice(self, request, pk=None, format=None):  # DRF passes the .pdf suffix as format
        shipment = self.get_object()
        return _pdf(printing.invoice_pdf(shipment), _filename(f"invoice-{shipment.invoice.number}"))

    @extend_schema(request=None, responses=PDF, summary="The shipping label with the AWB barcode (PDF)")
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def label(self, request, pk=None, format=None):
        shipment = self.get_object()
        return _pdf(printing.label_pdf(shipment), _filename(f"label-{shipment.awb}"))

    @extend_schema(request=None, responses={202: OpenApiResponse(description="{message}")},
                   summary="Queue the channel's ship confirmation again")  # fmt: skip
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        with transaction.atomic():
            message = channel.requeue(self.get_object())
        return Response({"message": message}, status=status.HTTP_202_ACCEPTED)


# Shipping ------------------------------------------------------------------------------------------


class ManifestFilter(filters.FilterSet):
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    courier = filters.ModelChoiceFilter(queryset=tenant_rows(Courier))
    status = filters.MultipleChoiceFilter(choices=Manifest.Status.choices, help_text="Repeat for several")

    class Meta:
        model = Manifest
        fields = ("warehouse", "courier", "status", "number")


class ManifestViewSet(_Payload, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Courier manifests, newest first."""

    queryset = Manifest.objects.none()  # for the schema; requests use get_queryset
    read_roles = ALL_ROLES
    write_roles = FLOOR
    filterset_class = ManifestFilter
    search_fields = ("number", "agent_name")
    ordering_fields = ("created_at", "handed_over_at", "number")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Manifest.objects.none()
        return selectors.manifests(self.request.user.tenant)

    def get_serializer_class(self):
        return ManifestSerializer if self.action == "list" else ManifestDetailSerializer

    @extend_schema(request=ManifestOpenRequest, responses={201: ManifestAnswerSerializer, 200: ManifestAnswerSerializer},
                   summary="Open (or resume) the courier's manifest at a warehouse")  # fmt: skip
    def create(self, request):
        data = self._payload(ManifestOpenRequest)
        manifest, created = manifests.open_manifest(data["courier"], data["warehouse"], user=request.user,
                                                    add_packed=data["add_packed"])  # fmt: skip
        verb = "opened" if created else "is open"
        body = selectors.manifest_answer(manifest, f"Manifest {manifest.number} {verb}.")
        return Response({**body, "replayed": False}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _step(self, name: str, manifest: Manifest, work) -> Response:
        def answer() -> dict:
            result = work()
            extra = {"shipped": result.shipped} if isinstance(result, manifests.ManifestResult) else {}
            message = result.message if isinstance(result, manifests.ManifestResult) else "Manifest closed."
            return selectors.manifest_answer(result if isinstance(result, Manifest) else result.manifest, message, **extra)

        return self._once(f"manifest.{manifest.pk}.{name}", answer)

    @extend_schema(request=AwbRequest, responses=ManifestAnswerSerializer, summary="Add a parcel by its AWB")
    @action(detail=True, methods=["post"])
    def add(self, request, pk=None):
        manifest, data = self.get_object(), self._payload(AwbRequest)
        return self._step("add", manifest, lambda: manifests.add_shipment(manifest, data["awb"], user=request.user))

    @extend_schema(request=AwbRequest, responses=ManifestAnswerSerializer, summary="Take a parcel off (back to packed)")
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        manifest, data = self.get_object(), self._payload(AwbRequest)
        return self._step("remove", manifest, lambda: manifests.remove_shipment(manifest, data["awb"], user=request.user))

    @extend_schema(request=CloseRequest, responses=ManifestAnswerSerializer, summary="Close: no more parcels go on it")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        manifest, data = self.get_object(), self._payload(CloseRequest)
        return self._step("close", manifest, lambda: manifests.close_manifest(
            manifest, user=request.user, agent_name=data["agent_name"]))  # fmt: skip

    @extend_schema(request=AwbRequest, responses=ManifestAnswerSerializer,
                   summary="Hand a parcel to the agent: scan its AWB (the last one ships the manifest)")  # fmt: skip
    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        manifest, data = self.get_object(), self._payload(AwbRequest)
        return self._step("scan", manifest, lambda: manifests.scan_handover(
            manifest, data["awb"], user=request.user, agent_name=data["agent_name"]))  # fmt: skip

    @extend_schema(request=HandOverRequest, responses=ManifestAnswerSerializer, summary="Hand the manifest over now")
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        manifest, data = self.get_object(), self._payload(HandOverRequest)
        return self._step("hand-over", manifest, lambda: manifests.hand_over(
            manifest, user=request.user, agent_name=data["agent_name"], remove_unscanned=data["remove_unscanned"]))  # fmt: skip

    @extend_schema(request=None, responses=PDF, summary="The manifest with signature lines (PDF)")
    @action(detail=True, methods=["get"], url_path="manifest", renderer_classes=[PDFRenderer, JSONRenderer])
    def manifest_pdf(self, request, pk=None, format=None):
        manifest = self.get_object()
        return _pdf(printing.manifest_pdf(manifest), _filename(f"manifest-{manifest.number}"))
