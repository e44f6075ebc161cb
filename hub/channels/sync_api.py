"""``POST /api/v1/channel-accounts/{id}/sync/``: pull orders and/or push stock or prices now, or see what a dry
run would do."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from connectors.registry import UnknownChannel, connector_class
from hub.channels import sync
from hub.channels.models import ChannelAccount, ChannelReturn, SyncFailure, SyncRun
from hub.core.api import TenantScopedMixin
from hub.core.errors import Conflict, DomainError
from hub.core.permissions import DEFAULT_WRITE


class SyncRequestSerializer(serializers.Serializer):
    orders = serializers.BooleanField(default=True)
    stock = serializers.BooleanField(default=True)
    prices = serializers.BooleanField(default=False, help_text="Push the listings' prices that changed")
    since = serializers.DateTimeField(required=False, help_text="Read orders updated since this time, not the cursor")
    dry_run = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if not (attrs["orders"] or attrs["stock"] or attrs["prices"]):
            raise serializers.ValidationError("Ask for orders, stock, prices or several of them.")
        return attrs


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = (
            "id", "stream", "trigger", "status", "started_at", "finished_at", "window_start", "pages",
            "orders_created", "orders_updated", "items_pushed", "items_rejected", "errors", "message",
        )  # fmt: skip
        read_only_fields = fields


class SyncResponseSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
    runs = SyncRunSerializer(many=True)
    dry_run = serializers.DictField(required=False, help_text="What a dry run found, per stream")


def run_sync_request(account: ChannelAccount, data: dict) -> tuple[dict, int]:
    """The response body and status for a sync request."""
    from schedules.tasks import sync_account

    if not account.is_active or account.syncs_stopped_at:
        raise Conflict(f"Syncs of {account} are stopped. {account.alert}".strip(), code="syncs_stopped")
    try:
        connector_class(account.kind)
    except UnknownChannel as exc:
        raise DomainError(f"There is no connector for {account.get_kind_display()} to sync with.", code="no_connector") from exc
    if data["dry_run"]:
        return {"queued": False, "runs": [], "dry_run": _dry_run(account, data)}, status.HTTP_200_OK
    result = sync_account.delay(account.pk, orders=data["orders"], stock=data["stock"], prices=data["prices"],
                                since=data["since"].isoformat() if data.get("since") else None, trigger="api")  # fmt: skip
    run_ids = result.get() if result.ready() else []
    runs = SyncRunSerializer(SyncRun.objects.filter(pk__in=run_ids).order_by("pk"), many=True).data
    return {"queued": not result.ready(), "runs": runs}, status.HTTP_202_ACCEPTED


def _dry_run(account: ChannelAccount, data: dict) -> dict:
    reports = {}
    if data["orders"]:
        reports["orders"] = asdict(sync.sync_orders(account, since=data.get("since"), dry_run=True))
    if data["stock"]:
        reports["stock"] = asdict(sync.push_stock(account, dry_run=True))
    if data["prices"]:
        reports["prices"] = asdict(sync.push_prices(account, dry_run=True))
    return reports


class SyncFailureSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncFailure
        fields = ("id", "account", "run", "stream", "record_key", "error", "status", "attempts", "payload", "request",
                  "response", "created_at", "updated_at")  # fmt: skip
        read_only_fields = fields


class SyncRunViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Every sync run: stream, when, pages, orders created and updated, items pushed, errors."""

    queryset = SyncRun.objects.all()
    serializer_class = SyncRunSerializer
    filterset_fields = ("account", "stream", "status", "trigger")
    ordering_fields = ("started_at",)


class ChannelReturnSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    units = serializers.IntegerField(read_only=True)

    class Meta:
        model = ChannelReturn
        fields = (
            "id", "account", "account_name", "channel_return_id", "channel_order_id", "order", "kind", "lines", "units",
            "reason", "requested_at", "status", "received_return", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class ChannelReturnViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The returns the channels announced (``sync.pull_returns``): expected, received at the desk, or cancelled."""

    queryset = ChannelReturn.objects.select_related("account")
    serializer_class = ChannelReturnSerializer
    filterset_fields = ("account", "status", "kind")
    search_fields = ("channel_return_id", "channel_order_id")
    ordering_fields = ("created_at", "requested_at")


class SyncFailureViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Records that failed, with the channel's request, response and error; ``retry/`` tries one alone."""

    queryset = SyncFailure.objects.all()
    serializer_class = SyncFailureSerializer
    filterset_fields = ("account", "stream", "status")
    search_fields = ("record_key", "error")
    action_roles = {"retry": DEFAULT_WRITE}

    @extend_schema(request=None, responses={200: SyncFailureSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        failure = self.get_object()
        if failure.status != SyncFailure.Status.OPEN:
            raise Conflict("This record is resolved already.", code="resolved")
        try:
            failure = sync.retry_failure(failure)
        except sync.SyncStopped as exc:
            raise Conflict(str(exc), code="syncs_stopped") from exc
        return Response(SyncFailureSerializer(failure).data)


class ScheduleRowSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_name = serializers.CharField()
    stream = serializers.CharField(help_text="orders, stock, prices, reconcile or returns")
    every_minutes = serializers.IntegerField(
        help_text="Edit it on the channel account (order_pull_minutes, stock_push_minutes, price_push_minutes, "
        "stock_reconcile_minutes, return_pull_minutes)"
    )
    last_run = serializers.DateTimeField(allow_null=True)
    next_run = serializers.DateTimeField()
    last_status = serializers.CharField(allow_null=True)
    last_message = serializers.CharField(allow_null=True)


class ScheduleView(generics.GenericAPIView):
    """Every account's scheduled syncs: how often, the last run and its outcome, and the next run."""

    serializer_class = ScheduleRowSerializer
    pagination_class = None
    queryset = SyncRun.objects.none()  # rows come from the planner; this only names the model for the schema

    @extend_schema(responses={200: ScheduleRowSerializer(many=True)})
    def get(self, request):
        from schedules.planner import last_runs, schedule

        tenant = request.user.tenant
        accounts = ChannelAccount.objects.for_tenant(tenant)
        names = dict(accounts.values_list("pk", "name"))
        plan = schedule(accounts=accounts)
        latest = last_runs(plan)
        rows = []
        for item in plan:
            run = latest.get((item.account_id, item.stream))
            rows.append({
                "account": item.account_id, "account_name": names[item.account_id], "stream": item.stream,
                "every_minutes": item.every_minutes, "last_run": item.last_run, "next_run": item.next_run,
                "last_status": run.status if run else None, "last_message": run.message if run else None,
            })  # fmt: skip
        return Response(ScheduleRowSerializer(rows, many=True).data)
