"""Writing SKUs one at a time (the API and admin). The file importer writes in bulk (imports.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from hub.catalog.models import SKU, Barcode, BundleComponent, Product
from hub.core.errors import DomainError


@transaction.atomic
def save_sku(
    tenant,
    *,
    sku: SKU | None = None,
    fields: dict,
    product_code: str | None = None,
    barcodes: list[dict] | None = None,
    components: list[tuple[SKU, int]] | None = None,
) -> SKU:
    """Create (``sku`` None) or update a SKU with its barcodes and bundle components.

    ``barcodes`` and ``components``, when given, replace what the SKU had.
    """
    sku = sku or SKU(tenant=tenant)
    for name, value in fields.items():
        setattr(sku, name, value)
    if product_code is not None:
        sku.product = _product(tenant, product_code, default_name=sku.name) if product_code else None
    if components is not None:
        sku.is_bundle = bool(components)
    _full_clean(sku)
    sku.save()
    if barcodes is not None:
        sku.barcodes.all().delete()
        Barcode.objects.bulk_create(
            Barcode(tenant=tenant, sku=sku, code=item["code"], kind=item["kind"]) for item in barcodes
        )
    if components is not None:
        _check_components(sku, components)
        sku.components.all().delete()
        BundleComponent.objects.bulk_create(
            BundleComponent(tenant=tenant, bundle=sku, component=component, quantity=quantity)
            for component, quantity in components
        )
    return sku


def _full_clean(sku: SKU) -> None:
    """The model's own validators and unique constraints, as a DomainError naming the field."""
    try:
        sku.full_clean(exclude=["tenant", "product"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(f"{field}: {messages[0]}", field=field) from exc


def _product(tenant, code: str, *, default_name: str) -> Product:
    product, _ = Product.objects.get_or_create(tenant=tenant, code=code, defaults={"name": default_name})
    return product


def _check_components(sku: SKU, components: list[tuple[SKU, int]]) -> None:
    for component, quantity in components:
        if component.pk == sku.pk:
            raise DomainError(f"{sku.code} cannot be a component of itself.", field="components")
        if component.is_bundle:
            raise DomainError(f"{component.code} is a bundle; a bundle's components must be plain SKUs.", field="components")
        if quantity < 1:
            raise DomainError("A component quantity is a whole number of at least 1.", field="components")
    if components and sku.in_bundles.exists():
        raise DomainError(f"{sku.code} is a component of another bundle, so it cannot be a bundle itself.", field="components")
