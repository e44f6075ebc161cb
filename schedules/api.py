"""Bulk sync jobs over the API.

- ``POST jobs/`` (admin, operations): ``{"kind": "push_all_stock" | "repull_orders" | "push_catalog",
  "since": ISO time (re-pull only, required there)}``; 202 with the queued job and its ``Location``.
- ``GET jobs/``, ``GET jobs/{id}/`` (admin, operations, finance): the caller's tenant's jobs, newest
  first, with status, progress (accounts done of total), counts, message and errors.
- ``POST jobs/{id}/cancel/`` (admin, operations): a queued job is cancelled at once, a running one
  stops after its current account; 409 for a finished job.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from hub.core.api import TenantScopedMixin
from hub.core.permissions import DEFAULT_WRITE
from hub.tenants.roles import STAFF_ROLES
from schedules.jobs import cancel_job, start_job
from schedules.models import Job


class JobCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Orders new to the hub")
    updated = serializers.IntegerField(help_text="Orders that changed")
    pushed = serializers.IntegerField(help_text="Items the channels accepted")
    rejected = serializers.IntegerField(help_text="Items the channels rejected")
    errors = serializers.IntegerField(help_text="Records that failed, and accounts that could not be synced")


class JobErrorSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_name = serializers.CharField()
    error = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    """One bulk job with its progress, counts, message and errors."""

    # Plain text here: one enum in two components ("kind" names other enums too) gets a hashed name.
    kind = serializers.CharField(read_only=True, help_text="push_all_stock, repull_orders or push_catalog")
    percent = serializers.IntegerField(read_only=True)
    counts = JobCountsSerializer(read_only=True)
    errors = JobErrorSerializer(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Job
        fields = (
            "id", "kind", "status", "since", "total", "done", "percent", "counts", "message", "errors",
            "cancel_requested", "created_by", "created_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields


class JobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Job.Kind.choices)
    since = serializers.DateTimeField(
        required=False, allow_null=True, help_text="repull_orders only (required there): re-pull orders updated since"
    )


class JobViewSet(TenantScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bulk sync jobs of the caller's tenant, newest first: push all stock, re-pull orders, push catalog."""

    queryset = Job.objects.select_related("created_by")
    serializer_class = JobSerializer
    read_roles = STAFF_ROLES
    write_roles = DEFAULT_WRITE
    action_roles = {"cancel": DEFAULT_WRITE}
    filterset_fields = ("kind", "status")
    ordering_fields = ("created_at",)

    @extend_schema(request=JobCreateSerializer, responses={202: JobSerializer}, summary="Start a bulk sync job")
    def create(self, request, *args, **kwargs):
        data = JobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = start_job(request.user.tenant, kind=data.validated_data["kind"],
                        since=data.validated_data.get("since"), user=request.user)  # fmt: skip
        job = self.get_queryset().get(pk=job.pk)
        location = reverse("job-detail", kwargs={"pk": job.pk}, request=request)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(request=None, responses={200: JobSerializer}, summary="Cancel a bulk sync job")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = cancel_job(self.get_object())
        return Response(self.get_serializer(job).data)
