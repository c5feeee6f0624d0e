"""The payment gateway's webhook: anonymous for tokens, authenticated by its HMAC signature."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiohttp import web as aioweb
from faust.web import Blueprint
from prometheus_client import Counter

from crm.settings import Settings
from domain.payments import Source
from security.webhook_signature import SecretFiles, SignatureRefused, verify
from streams.app import CrmApp
from streams.publish import EventPublisher
from web.auth import public
from web.jsonio import json_response, parse_object
from web.payments import publish_notification_with
from web.problems import ProblemError
from web.views import ApiView

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/payments/notification"
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


class WebhookIntake:
    """Take one gateway notification: signature, content, then durably on Kafka (202).

    The same steps whether the payments worker's Faust view or the intake process
    (streams/intake.py) answers the request.
    """

    def __init__(
        self,
        settings: Settings,
        publisher: Callable[[], EventPublisher],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._publisher = publisher
        self._secrets = SecretFiles(settings.payment_webhook_secrets_path)
        self._tolerance = settings.payment_webhook_tolerance_seconds
        self._clock = clock

    async def accept(self, request: aioweb.Request) -> aioweb.Response:
        raw = await _read_body(request)
        try:
            channel = verify(
                request.headers,
                raw,
                self._secrets,
                now=int(self._clock()),
                tolerance_seconds=self._tolerance,
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
        reference = await publish_notification_with(
            self._settings, self._publisher, body, Source.GATEWAY, None
        )
        resp = json_response({"referenceNumber": reference, "status": "ACCEPTED"}, status=202)
        resp.headers["Location"] = f"/api/payments/{reference}"
        return resp


def payment_webhook_blueprint(app: CrmApp, clock: Callable[[], float] = time.time) -> Blueprint:
    bp = Blueprint("payment-webhook")
    intake = WebhookIntake(app.settings, lambda: app.publisher, clock)

    @bp.route(WEBHOOK_PATH, name="gateway-notification")
    class GatewayNotification(ApiView):
        @public("The payment gateway's notification, signed with HMAC-SHA256 (no token)")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            return await intake.accept(request)

    return bp
