"""Channel accounts, listings and what each listing is offered, as the API reads and writes them.

Credentials are write-only: a request may send them, a response only says ``has_credentials``.
Uniqueness and the state-dependent rules are the services' (``hub.channels.services``); these check
the shape of the input and that every id names a row of the caller's tenant.
"""

from rest_framework import serializers

from hub.catalog.models import SKU
from hub.channels.models import ChannelAccount, Listing
from warehouse.models import Warehouse
from warehouse.serializers import TenantRowField

MAX_SYNC_MINUTES = 24 * 60
MAX_RECONCILE_MINUTES = 7 * 24 * 60


class ChannelAccountSerializer(serializers.ModelSerializer):
    credentials = serializers.DictField(
        write_only=True,
        required=False,
        help_text="The channel's keys and tokens as a JSON object; stored encrypted, never shown again. "
        "Sending it replaces what is stored ({} clears it); leaving it out keeps it.",
    )
    has_credentials = serializers.BooleanField(read_only=True)
    warehouses = TenantRowField(
        Warehouse, many=True, required=False, help_text="Ids of the warehouses whose stock this account sells"
    )

    class Meta:
        model = ChannelAccount
        fields = (
            "id", "kind", "name", "credentials", "has_credentials", "warehouses", "buffer_units", "max_units",
            "percent_of_available", "out_of_stock_threshold", "allow_split", "order_pull_minutes",
            "stock_push_minutes", "price_push_minutes", "stock_reconcile_minutes", "return_pull_minutes",
            "credentials_expire_at", "options", "is_active", "alert", "syncs_stopped_at", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = ("id", "alert", "syncs_stopped_at", "created_at", "updated_at")
        extra_kwargs = {
            "order_pull_minutes": {"min_value": 1, "max_value": MAX_SYNC_MINUTES},
            "stock_push_minutes": {"min_value": 1, "max_value": MAX_SYNC_MINUTES},
            "price_push_minutes": {"min_value": 1, "max_value": MAX_SYNC_MINUTES},
            "stock_reconcile_minutes": {"min_value": 60, "max_value": MAX_RECONCILE_MINUTES},
            "return_pull_minutes": {"min_value": 1, "max_value": MAX_SYNC_MINUTES},
        }
        # The name is unique per (tenant, kind): save_account checks it with a message that says so.
        validators = []

    def validate_kind(self, value):
        if self.instance is not None and value != self.instance.kind:
            raise serializers.ValidationError(
                "The channel of an account cannot change; connect a new account."
            )
        return value


class ListingSerializer(serializers.ModelSerializer):
    account = TenantRowField(ChannelAccount, help_text="Id of the channel account")
    account_name = serializers.CharField(source="account.name", read_only=True)
    sku = TenantRowField(SKU, help_text="Id of the hub SKU this channel SKU sells")
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    dirty = serializers.BooleanField(
        read_only=True, help_text="Waiting in the outbox to be pushed to the channel"
    )

    class Meta:
        model = Listing
        fields = (
            "id", "account", "account_name", "sku", "sku_code", "channel_sku", "channel_item_id",
            "channel_product_id", "channel_inventory_item_id", "is_active", "dirty", "last_pushed_quantity",
            "last_pushed_at", "push_error", "last_pushed_price", "price_error", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = (
            "id",
            "last_pushed_quantity",
            "last_pushed_at",
            "push_error",
            "last_pushed_price",
            "price_error",
            "created_at",
            "updated_at",
        )
        # (account, channel_sku) is unique: save_listing checks it and names the channel_sku field.
        validators = []

    def validate_account(self, value):
        if self.instance is not None and value.pk != self.instance.account_id:
            raise serializers.ValidationError(
                "A listing stays on its account; delete it and create one on the other account."
            )
        return value


class ChannelInventoryQuery(serializers.Serializer):
    account = TenantRowField(ChannelAccount, help_text="Id of the channel account")


class ListingOfferSerializer(serializers.Serializer):
    """One listing and what its account would be offered now, with the policy's reasons."""

    listing = serializers.IntegerField(source="listing.pk", help_text="Id of the listing")
    channel_sku = serializers.CharField(source="listing.channel_sku")
    sku = serializers.IntegerField(source="listing.sku_id", help_text="Id of the hub SKU")
    sku_code = serializers.CharField(source="listing.sku.code")
    available = serializers.IntegerField(
        source="offer.available",
        help_text="On hand minus reserved in the account's warehouses' sellable bins",
    )
    quantity = serializers.IntegerField(help_text="What the channel would be offered")
    why = serializers.CharField(
        source="offer.why", help_text="How the account's policy got from available to quantity"
    )
    dirty = serializers.BooleanField(help_text="Waiting in the outbox to be pushed")
    last_pushed_quantity = serializers.IntegerField(source="listing.last_pushed_quantity", allow_null=True)
