"""Shared model parts: every business row belongs to a tenant, and long work is a row with a status."""

from django.conf import settings
from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant) -> "TenantQuerySet":
        """Rows of one tenant. ``tenant`` may be a Tenant or its id; None matches nothing."""
        if tenant is None:
            return self.none()
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    """Abstract base of every business row: the tenant it belongs to, and a tenant-scoped manager."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class ImportJob(TenantOwned):
    """One upload of a file (catalog, listings, orders): validated in full, then applied all-or-nothing
    for the whole file or per record, as its importer declares (``hub.core.imports``)."""

    class Kind(models.TextChoices):
        CATALOG = "catalog", "Catalog"
        LISTINGS = "listings", "Listings (SKU mapping)"
        ORDERS = "orders", "Orders"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        VALIDATING = "validating", "Checking rows"
        APPLYING = "applying", "Writing"
        VALIDATED = "validated", "Dry run finished"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Failed"

    FINISHED = (Status.VALIDATED, Status.SUCCEEDED, Status.FAILED)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)
    content = models.BinaryField()
    dry_run = models.BooleanField(default=False)
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the importer needs besides the file (an orders file: its account)",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status in self.FINISHED:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))
