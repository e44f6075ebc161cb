"""The dashboard's forms: filters (GET) and the import upload (POST)."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from hub.channels.models import ChannelAccount
from hub.dashboard.order_selectors import ALL, TABS
from hub.orders.states import OrderStatus
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


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *OrderStatus.choices])
    account = forms.ModelChoiceField(
        queryset=ChannelAccount.objects.none(), required=False, empty_label="All accounts"
    )
    q = forms.CharField(required=False, max_length=120, label="Order id or buyer")
    tab = forms.ChoiceField(required=False, choices=[(tab, tab) for tab in TABS], widget=forms.HiddenInput)

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        accounts = ChannelAccount.objects.for_tenant(tenant).only("tenant_id", "kind", "name")
        self.fields["account"].queryset = accounts.order_by("kind", "name")

    def clean_tab(self) -> str:
        return self.cleaned_data["tab"] or ALL


class OrderActionForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, reason_required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        self.fields["reason"].error_messages["required"] = "Give a reason."


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
