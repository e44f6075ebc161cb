"""Cycle counts over the API, shaped for a scanner page: every answer says what to do next.

- ``GET cycle-counts/?status=&warehouse=`` and ``GET cycle-counts/{id}/`` (every role; a picker sees no
  expected units: counts are blind).
- ``POST cycle-counts/`` ``{"warehouse", "bins": [ids], "approval_units"?, "note"?}`` (admin,
  operations): open a count; its bins are marked and not picked from until it closes.
- ``POST cycle-counts/{id}/scan-bin/`` ``{"barcode", "key"}``: start counting the bin (its stock is noted).
- ``POST cycle-counts/{id}/count/`` ``{"bin", "barcode", "quantity"? | "counted"?, "key"}``: a unit scanned
  (or a number of them), or the SKU's total in the bin keyed. A scan sent again under the same
  idempotency key (``Idempotency-Key`` header or ``key``) gets the first answer and counts once.
- ``POST cycle-counts/{id}/recount/`` ``{"bin"}``: start a bin over.
- ``POST cycle-counts/{id}/finish/``: post the differences within the threshold; the rest wait.
- ``POST cycle-counts/{id}/approve/``, ``reject/`` ``{"reason"?}``, ``cancel/`` ``{"reason"?}`` (admin,
  operations).

Scanning, counting and finishing are for admin, operations and pickers. ``key`` is optional on every
action but scan-bin and count.
"""

from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hub.core.api import tenant_rows
from hub.core.permissions import DEFAULT_WRITE
from hub.tenants.roles import ALL_ROLES, Role
from warehouse.counts import actions, answers, selectors
from warehouse.counts.models import CycleCount
from warehouse.counts.serializers import (
    CountAnswer,
    CountBinRequest,
    CountOpenRequest,
    CountReasonRequest,
    CountRequest,
    CountScanBinRequest,
    CycleCountDetailSerializer,
    CycleCountSerializer,
    FinishAnswer,
)
from warehouse.models import Bin, Warehouse
from warehouse.scans import KEY_HEADER, once, request_key

SCANNER_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS, Role.PICKER})


class CycleCountFilter(filters.FilterSet):
    warehouse = filters.ModelChoiceFilter(queryset=tenant_rows(Warehouse))
    status = filters.MultipleChoiceFilter(choices=CycleCount.Status.choices, help_text="Repeat for several")

    class Meta:
        model = CycleCount
        fields = ("warehouse", "status")


class CycleCountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cycle counts of the tenant's warehouses, newest first."""

    queryset = CycleCount.objects.none()  # for the schema; requests use get_queryset
    read_roles = ALL_ROLES
    write_roles = SCANNER_ROLES
    action_roles = {"create": DEFAULT_WRITE, "approve": DEFAULT_WRITE, "reject": DEFAULT_WRITE, "cancel": DEFAULT_WRITE}
    filterset_class = CycleCountFilter
    ordering_fields = ("created_at", "closed_at")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CycleCount.objects.none()
        return selectors.count_details(self.request.user.tenant)

    def get_serializer_class(self):
        return CycleCountSerializer if self.action == "list" else CycleCountDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        context["blind"] = answers.is_blind(user)  # the counters
        return context

    def _detail(self, count: CycleCount) -> dict:
        return answers.detail(count, blind=answers.is_blind(self.request.user))

    def _payload(self, serializer_class) -> dict:
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

    @extend_schema(request=CountOpenRequest, responses={201: CycleCountDetailSerializer}, summary="Open a cycle count")
    def create(self, request):
        data = self._payload(CountOpenRequest)
        count = actions.open_count(
            data["warehouse"], bins=data["bins"], actor=request.user, approval_units=data["approval_units"],
            note=data["note"],
        )  # fmt: skip
        return Response(self._detail(count), status=status.HTTP_201_CREATED)

    @extend_schema(request=CountScanBinRequest, responses=CountAnswer, summary="Scan a bin to count it")
    @action(detail=True, methods=["post"], url_path="scan-bin")
    def scan_bin(self, request, pk=None):
        count, data = self.get_object(), self._payload(CountScanBinRequest)

        def work():
            bin = answers.bin_for_barcode(count.tenant_id, data["barcode"])
            entry = actions.start_bin(count, bin=bin, actor=request.user)
            return self._answer(count, entry.bin, f"Counting bin {bin.code}: scan its units.")

        return self._once("count.scan_bin", work)

    @extend_schema(request=CountRequest, responses=CountAnswer, summary="Count units of a SKU in a bin")
    @action(detail=True, methods=["post"])
    def count(self, request, pk=None):
        count, data = self.get_object(), self._payload(CountRequest)

        def work():
            sku = answers.sku_for_barcode(count.tenant_id, data["barcode"])
            line = actions.count_units(count, bin=data["bin"], sku=sku, quantity=data["quantity"],
                                       counted=data["counted"], actor=request.user)  # fmt: skip
            return self._answer(count, data["bin"], f"{sku.code}: {line.counted} counted in bin {data['bin'].code}.")

        return self._once("count.count", work)

    @extend_schema(request=CountBinRequest, responses=CycleCountDetailSerializer, summary="Start a bin over")
    @action(detail=True, methods=["post"])
    def recount(self, request, pk=None):
        count, data = self.get_object(), self._payload(CountBinRequest)

        def work():
            actions.recount_bin(count, bin=data["bin"], actor=request.user)
            return self._detail(count)

        return self._once("count.recount", work, key_required=False)

    @extend_schema(request=CountReasonRequest, responses=FinishAnswer, summary="Finish counting")
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        count = self.get_object()

        def work():
            return answers.finish_answer(actions.finish_count(count, actor=request.user),
                                         blind=answers.is_blind(request.user))  # fmt: skip

        return self._once("count.finish", work, key_required=False)

    @extend_schema(request=CountReasonRequest, responses=CycleCountDetailSerializer, summary="Approve the differences")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        count = self.get_object()
        return self._once("count.approve", lambda: self._detail(actions.approve_count(count, actor=request.user)),
                          key_required=False)  # fmt: skip

    @extend_schema(request=CountReasonRequest, responses=CycleCountDetailSerializer, summary="Reject: count again")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        count, data = self.get_object(), self._payload(CountReasonRequest)
        return self._once("count.reject", lambda: self._detail(
            actions.reject_count(count, actor=request.user, reason=data["reason"])), key_required=False)  # fmt: skip

    @extend_schema(request=CountReasonRequest, responses=CycleCountDetailSerializer, summary="Cancel a count")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        count, data = self.get_object(), self._payload(CountReasonRequest)
        return self._once("count.cancel", lambda: self._detail(
            actions.cancel_count(count, actor=request.user, reason=data["reason"])), key_required=False)  # fmt: skip

    def _answer(self, count: CycleCount, bin: Bin, message: str) -> dict:
        return answers.count_answer(count, bin, message, blind=answers.is_blind(self.request.user))
