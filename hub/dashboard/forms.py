"""The dashboard's forms: filters (GET) and the import upload (POST)."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from warehouse.models import StockMovement, Warehouse


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")


class StockFilterForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), required=False, empty_label="All warehouses"
    )
    q = forms.CharField(required=False, max_length=100, label="SKU")

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.for_tenant(tenant).order_by("code")


class LedgerFilterForm(forms.Form):
    sku = forms.CharField(required=False, max_length=64, label="SKU code")
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *StockMovement.Kind.choices])
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Catalog file (CSV or XLSX)", widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"})
    )
    dry_run = forms.BooleanField(required=False, label="Dry run (check only)")

    def clean_file(self):
        """Refuse an oversized file before reading it; the importer checks everything else."""
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            limit = filesizeformat(settings.IMPORT_MAX_BYTES)
            raise forms.ValidationError(f"The file is larger than the {limit} an import accepts.")
        return upload
