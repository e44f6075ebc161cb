from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hub.tenants.models import Tenant, User
from hub.tenants.roles import Role
from hub.tenants.services import set_roles


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "gstin", "state", "is_active", "created_at")
    search_fields = ("name", "slug", "gstin")
    prepopulated_fields = {"slug": ("name",)}


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class TenantUserChangeForm(forms.ModelForm):
    roles = RolesField(choices=Role.choices, required=True)

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "is_active")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Superusers manage every user; a tenant admin manages the users of their own tenant and their roles."""

    list_display = ("username", "tenant", "role_names", "email", "is_active", "last_login")
    list_filter = ("tenant", "is_active", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Tenant", {"fields": ("tenant",)}),
    )

    def get_list_filter(self, request):
        # Only platform superusers may see the list of tenants.
        return self.list_filter if request.user.is_superuser else ("is_active", "groups")

    @admin.display(description="Roles")
    def role_names(self, obj: User) -> str:
        return ", ".join(sorted(obj.roles))

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("groups")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(tenant=request.user.tenant, is_superuser=False)

    def get_form(self, request, obj=None, **kwargs):
        if request.user.is_superuser:
            return super().get_form(request, obj, **kwargs)
        if obj is None:
            return super().get_form(request, obj, **kwargs)
        kwargs["form"] = TenantUserChangeForm
        kwargs["fields"] = [*TenantUserChangeForm.Meta.fields, "roles"]
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["roles"].initial = sorted(obj.roles)
        return form

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_fieldsets(request, obj)
        return ((None, {"fields": (*TenantUserChangeForm.Meta.fields, "roles")}),)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.tenant = request.user.tenant
            obj.is_superuser = False
        super().save_model(request, obj, form, change)
        if "roles" in form.cleaned_data:
            set_roles(obj, form.cleaned_data["roles"])
