"""Admin plumbing: non-superusers see and choose only their own tenant's rows."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from hub.core.errors import DomainError
from hub.core.models import ImportJob


def run_action(modeladmin, request, queryset, action: Callable, *, done: str, noun: str,
               name: Callable = str) -> None:  # fmt: skip
    """Apply a service ``action`` to each chosen row (oldest first), reporting each refusal by the row's
    ``name`` instead of failing the lot: "3 order(s) cancelled." and one warning per row refused."""
    changed, refused = 0, []
    for row in queryset.order_by("pk"):
        try:
            action(row)
        except DomainError as error:
            refused.append(f"{name(row)}: {error.message}")
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, f"{changed} {noun}(s) {done}.", messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.WARNING)


class TenantScopedAdmin(admin.ModelAdmin):
    """ModelAdmin for a TenantOwned model. Superusers see every tenant; everyone else only theirs."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.for_tenant(request.user.tenant)

    def get_list_display(self, request):
        display = list(super().get_list_display(request))
        if request.user.is_superuser and "tenant" not in display:
            display.append("tenant")
        return display

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append("tenant")
        return exclude

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if not request.user.is_superuser and hasattr(model, "tenant"):
            kwargs["queryset"] = model._default_manager.for_tenant(request.user.tenant)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            if not request.user.tenant_id:
                raise PermissionDenied
            obj.tenant = request.user.tenant
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if hasattr(instance, "tenant_id") and not instance.tenant_id:
                instance.tenant_id = form.instance.tenant_id
            instance.save()
        formset.save_m2m()


class TenantScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if not request.user.is_superuser and hasattr(model, "tenant"):
            kwargs["queryset"] = model._default_manager.for_tenant(request.user.tenant)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_exclude(self, request, obj=None):
        return [*list(super().get_exclude(request, obj) or []), "tenant"]


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ("file_name", "kind", "status", "dry_run", "total_rows", "error_count", "created_at")
    list_filter = ("kind", "status", "dry_run")
    exclude = ("content",)
