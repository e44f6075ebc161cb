"""``POST /hooks/<account id>/``: where a channel delivers its webhooks for one account.

No session and no CSRF token: the channel proves itself with the signature the connector verifies
(Shopify: an HMAC of the body with the app's secret). The answer is quick and says nothing about
the hub: 200 once the delivery is stored (or was stored before), 401 for a bad signature, 404 for an
account that does not exist, is inactive or takes no webhooks.
"""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from connectors.base import UnsupportedOperation, WebhookRejected
from connectors.registry import UnknownChannel
from hub.channels import webhooks
from hub.channels.models import ChannelAccount
from hub.channels.sync import connector_for

logger = logging.getLogger(__name__)
MAX_BODY = 5 * 1024 * 1024


@csrf_exempt
@require_POST
def receive_webhook(request: HttpRequest, account_id: int) -> JsonResponse:
    account = ChannelAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None or len(request.body) > MAX_BODY:
        return JsonResponse({"error": "not found"}, status=404)
    try:
        delivery = connector_for(account).parse_webhook(request.headers, request.body)
    except (UnknownChannel, UnsupportedOperation):
        return JsonResponse({"error": "not found"}, status=404)
    except WebhookRejected as exc:
        logger.warning("Webhook for %s refused: %s", account, exc)
        return JsonResponse({"error": "signature not valid"}, status=401)
    event, created = webhooks.receive(account, delivery)
    return JsonResponse({"received": event.event_id, "duplicate": not created})
