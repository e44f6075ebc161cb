from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from hub.core.india import STATE_CHOICES
from hub.core.validators import validate_gstin


class Tenant(models.Model):
    """A brand or seller. Every business row belongs to one."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    legal_name = models.CharField(max_length=200, blank=True)
    gstin = models.CharField(max_length=15, blank=True, validators=[validate_gstin])
    state = models.CharField(max_length=2, choices=STATE_CHOICES, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person or script. Belongs to one tenant (platform superusers to none) and holds roles."""

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="users")

    class Meta:
        ordering = ["username"]

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role names (see ``hub.tenants.roles.Role``); a role is a group of that name."""
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
