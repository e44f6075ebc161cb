"""Bulk sync jobs in the admin: read-only, with a "cancel" action.

The role groups (``hub.tenants.roles.ADMIN_PERMISSIONS``) grant nothing on the schedules app, so the
roles are checked here: admin, operations and finance see their tenant's jobs; admin and operations
may cancel them.
"""

from django.contrib import admin, messages

from hub.core.admin import ReadOnlyAdminMixin, TenantScopedAdmin
from hub.core.errors import Conflict
from hub.core.permissions import DEFAULT_WRITE
from hub.tenants.roles import STAFF_ROLES
from schedules.jobs import cancel_job
from schedules.models import Job


def _has_role(request, roles) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or (bool(user.tenant_id) and user.has_role(*roles)))


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ("id", "kind", "status", "progress", "since", "created_by", "created_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = ("progress",)
    actions = ("cancel",)

    @admin.display(description="Progress")
    def progress(self, job: Job) -> str:
        return f"{job.done}/{job.total} accounts ({job.percent}%)"

    @admin.action(description="Cancel selected jobs", permissions=["cancel"])
    def cancel(self, request, queryset):
        for job in queryset:
            try:
                job = cancel_job(job)
            except Conflict as exc:
                self.message_user(request, f"Job {job.pk}: {exc.message}", messages.WARNING)
                continue
            what = "cancelled" if job.status == Job.Status.CANCELLED else "will stop after its current account"
            self.message_user(request, f"Job {job.pk} {what}.", messages.SUCCESS)

    def has_cancel_permission(self, request) -> bool:
        return _has_role(request, DEFAULT_WRITE)

    def has_view_permission(self, request, obj=None) -> bool:
        return _has_role(request, STAFF_ROLES) or super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return _has_role(request, STAFF_ROLES) or super().has_module_permission(request)
