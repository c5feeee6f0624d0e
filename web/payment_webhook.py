"""The payment gateway's webhook: anonymous for tokens, authenticated by its HMAC signature."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiohttp import web as aioweb
from faust.web import Blueprint
from prometheus_client import Counter

from domain.payments import Source
from security.webhook_signature import SecretFiles, SignatureRefused, verify
from streams.app import CrmApp, crm_app
from web.auth import public
from web.jsonio import json_response, parse_object
from web.payments import publish_notification
from web.problems import ProblemError
from web.views import ApiView

log = logging.getLogger(__name__)

# A notification is a few hundred bytes; refuse anything that could only be abuse.
MAX_WEBHOOK_BYTES = 64 * 1024
REFUSED = Counter(
    "crm_payment_webhook_refused_total", "Webhook calls refused before publishing", ["code"]
)


async def _read_body(request: aioweb.Request) -> bytes:
    """The raw body (what was signed), never more than MAX_WEBHOOK_BYTES of it."""
    too_large = ProblemError(
        413, "BODY_TOO_LARGE", f"Notifications are limited to {MAX_WEBHOOK_BYTES} bytes."
    )
    if request.content_length is not None and request.content_length > MAX_WEBHOOK_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > MAX_WEBHOOK_BYTES:
            raise too_large
    return bytes(body)


def payment_webhook_blueprint(app: CrmApp, clock: Callable[[], float] = time.time) -> Blueprint:
    bp = Blueprint("payment-webhook")
    secrets = SecretFiles(app.settings.payment_webhook_secrets_path)
    tolerance = app.settings.payment_webhook_tolerance_seconds

    @bp.route("/api/payments/notification", name="gateway-notification")
    class GatewayNotification(ApiView):
        @public("The payment gateway's notification, signed with HMAC-SHA256 (no token)")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            raw = await _read_body(request)
            try:
                channel = verify(
                    request.headers, raw, secrets, now=int(clock()), tolerance_seconds=tolerance
                )
            except SignatureRefused as exc:
                REFUSED.labels(exc.reason.value).inc()
                log.warning("payment webhook refused: %s", exc.reason.value)
                raise ProblemError(
                    401, exc.reason.value, exc.detail, headers={"WWW-Authenticate": "Signature"}
                ) from exc
            body = parse_object(raw)
            if body.get("channel") != channel.value:
                REFUSED.labels("CHANNEL_MISMATCH").inc()
                raise ProblemError(
                    400,
                    "CHANNEL_MISMATCH",
                    "channel must equal the X-Payment-Channel the body is signed for.",
                    field="channel",
                )
            reference = await publish_notification(crm_app(self.app), body, Source.GATEWAY, None)
            resp = json_response({"referenceNumber": reference, "status": "ACCEPTED"}, status=202)
            resp.headers["Location"] = f"/api/payments/{reference}"
            return resp

    return bp
