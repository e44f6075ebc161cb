"""Picklists over the API. Supervisors build and cancel; pickers ask for work and scan. Every scan answer
says what happened and what to do next, so the scanner page is a thin layer over these endpoints.

- ``GET picklists/`` (filters: warehouse, status, kind, picker, mine) and ``GET picklists/{id}/`` (with
  orders, lines along the walk, progress and next). A picker sees only the picklists handed to them.
- ``POST picklists/build/`` (admin, operations): ``{warehouse, mode, accounts?, channels?,
  ship_by_before?, max_orders?}`` -> 201 ``{message, orders, skipped, picklists}`` (200 when none built).
- ``POST picklists/next/`` (pickers): ``{warehouse?}`` -> 200 the picklist (detail), or 204: no work.
- ``POST picklists/{id}/scan/`` ``{barcode, quantity?}`` (a bin's label or a unit: the page needs no mode),
  or ``scan-bin/`` ``{barcode}`` and ``scan-item/`` ``{barcode, quantity?}``; ``short-pick/``
  ``{line?, missing?, reason?}``, ``finish/``: each with an idempotency key (``Idempotency-Key`` header or
  ``key``); a copy of a scan gets the first answer and counts once. Answer: ``{message, picklist, next,
  progress, replayed}``; a refused scan is the error format with a message saying what and where.
- ``POST picklists/{id}/cancel/`` (admin, operations): ``{reason?}`` -> the picklist; orders go back to
  ALLOCATED keeping their reservations.
"""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hub.core.api import tenant_rows
from hub.core.errors import DomainError
from hub.tenants.models import User
from hub.tenants.roles import Role
from warehouse.models import Warehouse
from warehouse.picking import selectors, services
from warehouse.picking.models import Picklist, PicklistLine
from warehouse.picking.serializers import (
    BuildAnswerSerializer,
    BuildRequest,
    CancelRequest,
    FinishRequest,
    NextRequest,
    PicklistDetailSerializer,
    PicklistSerializer,
    ScanAnswerSerializer,
    ScanBinRequest,
    ScanItemRequest,
    ShortPickRequest,
)
from warehouse.scans import once, request_key

SUPERVISORS = frozenset({Role.ADMIN, Role.OPERATIONS})
PICKERS = frozenset({Role.ADMIN, Role.OPERATIONS, Role.PICKER})


class PicklistFilter(filters.FilterSet):
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    status = filters.MultipleChoiceFilter(choices=Picklist.Status.choices, help_text="Repeat for several")
    picker = filters.ModelChoiceFilter(queryset=lambda request: User.objects.filter(tenant=request.user.tenant))
    mine = filters.BooleanFilter(method="filter_mine", help_text="Handed to me")

    class Meta:
        model = Picklist
        fields = ("warehouse", "status", "kind", "picker")

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(picker=user) if value else queryset.exclude(picker=user)


class PicklistViewSet(viewsets.ReadOnlyModelViewSet):
    """Picklists of the caller's tenant, newest first."""

    queryset = Picklist.objects.none()  # for the schema; requests use get_queryset
    read_roles = PICKERS
    write_roles = SUPERVISORS
    action_roles = {
        "build": SUPERVISORS, "cancel": SUPERVISORS,
        **dict.fromkeys(("next", "scan", "scan_bin", "scan_item", "short_pick", "finish"), PICKERS),
    }  # fmt: skip
    filterset_class = PicklistFilter
    search_fields = ("number",)
    ordering_fields = ("created_at", "number", "status")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Picklist.objects.none()
        user = self.request.user
        rows = selectors.picklist_details(user.tenant) if self.action == "retrieve" else selectors.picklists(user.tenant)
        if self.action == "list":
            rows = selectors.with_totals(rows)
        if not user.has_role(*SUPERVISORS):
            rows = rows.filter(picker=user)  # a picker sees the work handed to them
        return rows

    def get_serializer_class(self):
        return PicklistSerializer if self.action == "list" else PicklistDetailSerializer

    def _detail(self, picklist: Picklist, *, code: int = status.HTTP_200_OK) -> Response:
        picklist = selectors.picklist_details(self.request.user.tenant).get(pk=picklist.pk)
        return Response(PicklistDetailSerializer(picklist, context=self.get_serializer_context()).data, status=code)

    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data, context={"tenant": self.request.user.tenant})
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    def _scan(self, name: str, picklist: Picklist, work) -> Response:
        """Run a picker's scan once per idempotency key and answer with what to do next."""
        request = self.request
        key = request_key(request)

        def answer() -> dict:
            result = work()
            return selectors.answer(result.picklist, result.message, **result.extra)

        body, code, replayed = once(
            request.user.tenant, key, f"picklist.{picklist.pk}.{name}", answer, user=request.user
        )
        return Response({**body, "replayed": replayed}, status=code)

    @extend_schema(request=BuildRequest, responses={201: BuildAnswerSerializer, 200: BuildAnswerSerializer},
                   summary="Build picklists from allocated orders")  # fmt: skip
    @action(detail=False, methods=["post"])
    def build(self, request):
        """Put a warehouse's allocated orders on picklists: single (one order each) or batch (one walk)."""
        data = self._payload(BuildRequest)
        result = services.build_picklists(
            data["warehouse"], mode=data["mode"], account_ids=[a.pk for a in data.get("accounts", [])],
            channels=data.get("channels"), ship_by_before=data.get("ship_by_before"),
            max_orders=data["max_orders"], user=request.user,
        )  # fmt: skip
        rows = selectors.with_totals(selectors.picklists(request.user.tenant).filter(pk__in=[p.pk for p in result.picklists]))
        body = {
            "message": result.message, "orders": result.orders,
            "skipped": {"counting": result.skipped_counting, "split": result.skipped_split},
            "picklists": PicklistSerializer(rows.order_by("pk"), many=True).data,
        }  # fmt: skip
        return Response(body, status=status.HTTP_201_CREATED if result.picklists else status.HTTP_200_OK)

    @extend_schema(request=NextRequest, responses={200: PicklistDetailSerializer, 204: OpenApiResponse(description="No work")},
                   summary="Get work: my unfinished picklist, else the oldest open one")  # fmt: skip
    @action(detail=False, methods=["post"])
    def next(self, request):
        """Hand the caller a picklist: their own unfinished one, else the oldest open one; 204 when none."""
        warehouse = self._payload(NextRequest).get("warehouse") or self._only_warehouse()
        picklist = services.next_picklist(request.user, warehouse)
        if picklist is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self._detail(picklist)

    def _only_warehouse(self) -> Warehouse:
        warehouses = list(Warehouse.objects.for_tenant(self.request.user.tenant).filter(is_active=True)[:2])
        if len(warehouses) != 1:
            raise DomainError("Say which warehouse you pick in.", field="warehouse")
        return warehouses[0]

    @extend_schema(request=ScanItemRequest, responses=ScanAnswerSerializer, summary="Scan a bin or a unit")
    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        """One input for every scan: a bin's label scans the bin, a unit's barcode the unit."""
        picklist, data = self.get_object(), self._payload(ScanItemRequest)
        return self._scan("scan", picklist, lambda: services.scan(
            picklist, data["barcode"], quantity=data["quantity"], user=request.user
        ))  # fmt: skip

    @extend_schema(request=ScanBinRequest, responses=ScanAnswerSerializer, summary="Scan a bin")
    @action(detail=True, methods=["post"], url_path="scan-bin")
    def scan_bin(self, request, pk=None):
        """The picker is at a bin; it must be the next one on the path."""
        picklist, data = self.get_object(), self._payload(ScanBinRequest)
        return self._scan("scan-bin", picklist, lambda: services.scan_bin(picklist, data["barcode"], user=request.user))

    @extend_schema(request=ScanItemRequest, responses=ScanAnswerSerializer, summary="Scan a unit")
    @action(detail=True, methods=["post"], url_path="scan-item")
    def scan_item(self, request, pk=None):
        """A unit taken from the current bin (or one scan and a keyed quantity, where the SKU allows)."""
        picklist, data = self.get_object(), self._payload(ScanItemRequest)
        return self._scan("scan-item", picklist, lambda: services.scan_item(
            picklist, data["barcode"], quantity=data["quantity"], user=request.user
        ))  # fmt: skip

    @extend_schema(request=ShortPickRequest, responses=ScanAnswerSerializer, summary="Report units missing")
    @action(detail=True, methods=["post"], url_path="short-pick")
    def short_pick(self, request, pk=None):
        """Units are not in the bin: the ledger is adjusted and the order is allocated afresh."""
        picklist, data = self.get_object(), self._payload(ShortPickRequest)

        def work():
            line = self._line(picklist, data.get("line"))
            return services.short_pick(line, missing=data.get("missing"), reason=data["reason"], user=request.user)

        return self._scan("short-pick", picklist, work)

    def _line(self, picklist: Picklist, line_id: int | None) -> PicklistLine:
        if line_id is None:
            line = selectors.Walk.of(picklist).next_line()
            if line is None:
                raise DomainError("Say which line is short: there is no unit to pick at a bin right now.", field="line")
            return line
        line = picklist.lines.filter(pk=line_id).first()
        if line is None:
            raise DomainError(f"Picklist {picklist.number} has no line {line_id}.", field="line")
        return line

    @extend_schema(request=FinishRequest, responses=ScanAnswerSerializer, summary="Finish a picklist")
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        """Every unit picked or reported short: the picklist is picked, its orders ready for packing."""
        picklist = self.get_object()
        return self._scan("finish", picklist, lambda: services.finish_picklist(picklist, user=request.user))

    @extend_schema(request=CancelRequest, responses=PicklistDetailSerializer, summary="Cancel a picklist")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop a picklist: its orders go back to allocated, keeping their reservations."""
        picklist = services.cancel_picklist(
            self.get_object(), user=request.user, reason=self._payload(CancelRequest)["reason"]
        )
        return self._detail(picklist)
