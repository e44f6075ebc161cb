"""Catalog bulk import and export over the API, and the import jobs' progress and error reports.

- ``POST skus/import/`` (admin, operations): multipart ``file`` (.csv or .xlsx) and ``dry_run``.
  A file that cannot be imported at all is refused with 400 and no job; otherwise 202 with the job,
  which a worker then checks and (unless a dry run) applies all-or-nothing. Poll the job's ``self`` link.
- ``GET imports/``, ``GET imports/{id}/`` (admin, operations, finance): jobs of the caller's tenant,
  newest first, with progress, counts, message and the first errors.
- ``GET imports/{id}/errors/``: every stored error as a CSV download (row, column, value, reason).
- ``GET skus/export/`` (admin, operations, finance): the catalog as XLSX, in the import's columns.
"""

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from hub.catalog.exports import XLSX_CONTENT_TYPE, export_catalog_xlsx
from hub.core.api import TenantScopedMixin
from hub.core.imports import check_size, error_report_csv, start_import
from hub.core.models import ImportJob
from hub.core.permissions import DEFAULT_WRITE
from hub.tenants.roles import STAFF_ROLES

SHOWN_ERRORS = 50


class FileDownloadNegotiation(BaseContentNegotiation):
    """Downloads answer whatever the client accepts; their error bodies are always JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8) or .xlsx file; the header names the columns.")
    dry_run = serializers.BooleanField(default=False, help_text="Only check the rows; write nothing.")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField()
    reason = serializers.CharField()


JOB_FIELDS = (
    "id", "kind", "file_name", "file_format", "dry_run", "status", "total_rows", "processed_rows", "percent",
    "created_count", "updated_count", "error_count", "message", "created_by", "created_at", "started_at",
    "finished_at", "links",
)  # fmt: skip


class ImportJobSerializer(serializers.ModelSerializer):
    """One import job with its progress, counts, message and first errors."""

    percent = serializers.IntegerField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    links = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField(
        help_text=f"The first {SHOWN_ERRORS} errors; the report has them all."
    )

    class Meta:
        model = ImportJob
        fields = (*JOB_FIELDS, "errors")
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "ImportJobLinks", {"self": serializers.URLField(), "errors": serializers.URLField()}
        )
    )
    def get_links(self, job: ImportJob) -> dict[str, str]:
        request = self.context.get("request")
        return {
            "self": reverse("import-job-detail", kwargs={"pk": job.pk}, request=request),
            "errors": reverse("import-job-errors", kwargs={"pk": job.pk}, request=request),
        }

    @extend_schema_field(ImportErrorSerializer(many=True))
    def get_errors(self, job: ImportJob) -> list[dict]:
        return job.errors[:SHOWN_ERRORS]


class ImportJobSummarySerializer(ImportJobSerializer):
    """A job in a list: the same without its errors (kind and status as plain text, see ImportJob)."""

    kind = serializers.CharField(read_only=True, help_text="What the file holds: catalog.")
    status = serializers.CharField(
        read_only=True,
        help_text="pending, validating, applying, validated (dry run done), succeeded or failed.",
    )

    class Meta(ImportJobSerializer.Meta):
        fields = JOB_FIELDS
        read_only_fields = fields


class SKUImportView(APIView):
    """Upload a catalog file (.csv in UTF-8, or .xlsx) with ``dry_run`` true to only check it.

    A file that cannot be imported at all (size, format, encoding, header, no rows) is a 400 and makes no
    job. Otherwise the answer is 202 with the queued job: poll ``links.self`` for its progress, counts
    and errors, and download every error from ``links.errors``.
    """

    parser_classes = (MultiPartParser, FormParser)
    read_roles = DEFAULT_WRITE
    write_roles = DEFAULT_WRITE

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobSerializer},
        summary="Import SKUs from a CSV or XLSX file",
    )
    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        return queue_upload(request, kind=ImportJob.Kind.CATALOG, upload=upload.validated_data)


def queue_upload(request, *, kind: str, upload: dict, options: dict | None = None) -> Response:
    """Check an uploaded file and queue its import job: the one answer of every upload endpoint
    (202 with the job and its ``Location``; a file that cannot be imported at all raises a 400)."""
    file = upload["file"]
    check_size(file.size)
    job = start_import(
        request.user.tenant, kind=kind, file_name=file.name, content=file.read(), dry_run=upload["dry_run"],
        user=request.user, options=options,
    )  # fmt: skip
    job = ImportJob.objects.defer("content").select_related("created_by").get(pk=job.pk)
    body = ImportJobSerializer(job, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["links"]["self"]})


class SKUExportView(APIView):
    """Download the catalog as an XLSX workbook in the import's columns."""

    read_roles = STAFF_ROLES
    content_negotiation_class = FileDownloadNegotiation

    @extend_schema(
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The catalog workbook")
        },
        summary="Export SKUs to XLSX",
    )
    def get(self, request):
        tenant = request.user.tenant
        response = HttpResponse(export_catalog_xlsx(tenant), content_type=XLSX_CONTENT_TYPE)
        file_name = f"catalog-{tenant.slug}-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return response


class ImportJobViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Import jobs of the caller's tenant, newest first."""

    queryset = ImportJob.objects.defer("content").select_related("created_by")
    read_roles = STAFF_ROLES
    filterset_fields = ("kind", "status", "dry_run")
    ordering_fields = ("created_at",)
    search_fields = ("file_name",)

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.defer("content", "errors") if self.action == "list" else queryset

    def get_serializer_class(self):
        return ImportJobSummarySerializer if self.action == "list" else ImportJobSerializer

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="row, column, value, reason")
        },
        summary="Download an import's errors as CSV",
        description="Every stored error of the job as CSV (row, column, value, reason), as an attachment.",
    )
    @action(
        detail=True, methods=["get"], url_path="errors", content_negotiation_class=FileDownloadNegotiation
    )
    def errors(self, request, pk=None):
        """Every stored error of the job as CSV: row, column, value, reason."""
        job = self.get_object()
        # A byte-order mark, so that Excel opens the UTF-8 report with the right characters.
        response = HttpResponse("\ufeff" + error_report_csv(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response
