"""Catalog imports: the upload form, the list of recent jobs and a job's page with live progress."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub.core import imports
from hub.core.errors import DomainError
from hub.core.models import ImportJob
from hub.dashboard import selectors
from hub.dashboard.access import OFFICE_ROLES, UPLOAD_ROLES, can_upload, role_required
from hub.dashboard.forms import ImportForm

RECENT_JOBS = 20
ERRORS_SHOWN = 100


def _imports_page(request: HttpRequest, form: ImportForm, *, status: int = 200) -> HttpResponse:
    context = {
        "section": "imports",
        "form": form,
        "can_upload": can_upload(request.user),
        "jobs": selectors.recent_imports(request.user.tenant, limit=RECENT_JOBS),
    }
    return render(request, "dashboard/imports/list.html", context, status=status)


@role_required(*OFFICE_ROLES)
def import_list(request: HttpRequest) -> HttpResponse:
    return _imports_page(request, ImportForm())


@require_POST
@role_required(*UPLOAD_ROLES)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _imports_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        job = imports.start_import(
            request.user.tenant,
            kind=ImportJob.Kind.CATALOG,
            file_name=upload.name,
            content=upload.read(),
            dry_run=form.cleaned_data["dry_run"],
            user=request.user,
        )
    except DomainError as exc:
        form.add_error("file", exc.message)
        return _imports_page(request, form, status=400)
    return redirect("dashboard:import-detail", job_id=job.pk)


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    try:
        return selectors.import_job(request.user.tenant, job_id)
    except ImportJob.DoesNotExist as exc:
        raise Http404("No such import.") from exc


def _job_context(job: ImportJob) -> dict:
    return {"job": job, "errors": job.errors[:ERRORS_SHOWN] if job.is_finished else []}


@role_required(*OFFICE_ROLES)
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    context = {"section": "imports", **_job_context(_job(request, job_id))}
    return render(request, "dashboard/imports/detail.html", context)


@role_required(*OFFICE_ROLES)
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job panel alone: the detail page polls it until the job is finished."""
    return render(request, "dashboard/imports/_job.html", _job_context(_job(request, job_id)))
