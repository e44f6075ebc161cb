"""API plumbing shared by every endpoint: one error format, pagination, tenant-scoped viewsets."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from hub.core.errors import DomainError


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class LedgerPagination(CursorPagination):
    """Cursor pages for append-only tables that grow without end (the stock ledger)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error detail (nested dicts and lists) as {"field.sub": [messages]}."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # DRF reports a list's errors as {index: errors}
                path = f"{prefix}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY and prefix:  # a nested object's own errors
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for name, messages in _flatten(value, path).items():
                fields.setdefault(name, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    for name, messages in _flatten(item, f"{prefix}[{index}]").items():
                        fields.setdefault(name, []).extend(messages)
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    """Every error as ``{"error": {"code", "message", "fields"}}``."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            error_body("in_use", "This row is still used by other records (stock, orders or bundles); deactivate it instead."),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", ["Invalid input."]))
        message = first[1][0] if first[0] == "non_field_errors" else f"{first[0]}: {first[1][0]}"
        response.data = error_body("invalid", message, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response


class TenantScopedMixin:
    """Viewset mixin: every query is the request user's tenant's rows; creates are stamped with it."""

    def get_queryset(self):
        return super().get_queryset().for_tenant(self.request.user.tenant)

    def perform_create(self, serializer):
        serializer.save(tenant=self.request.user.tenant)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self.request, "user", None) is not None and self.request.user.is_authenticated:
            context["tenant"] = self.request.user.tenant
        return context


def tenant_rows(model):
    """A django-filter ``queryset`` callable: only the requesting user's tenant's rows are valid choices,
    so another tenant's id reads exactly like an id that does not exist."""

    def rows(request):
        tenant = getattr(getattr(request, "user", None), "tenant", None)
        return model._default_manager.for_tenant(tenant)

    return rows
