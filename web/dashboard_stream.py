"""GET /api/dashboard/events: the caller's live workflow events as server-sent events.

The page opens it with fetch() and its bearer token in the Authorization header (an
EventSource cannot send one, and a token in a URL ends up in logs). The token is checked
when the stream opens and again every heartbeat, so a logout or an expired token ends the
stream; each batch of events is audited before it leaves, like every read of customers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable

from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.actions_read import agent_id_of
from streams.app import CrmApp, crm_app
from web.auth import authenticate, principal_of, requires
from web.dashboard_events import HEARTBEAT, control_message
from web.dashboard_hub import Hub, HubFull, Outgoing, Subscriber
from web.middleware import REQUEST_ID
from web.problems import ProblemError
from web.sync_access import audit_reads
from web.views import ApiView

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
# A browser that cannot take a few hundred bytes in this long is gone or stuck.
WRITE_TIMEOUT_SECONDS = 10.0
BATCH = 100
SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    # nginx's own switch for this response, beside proxy_buffering off in its config.
    "X-Accel-Buffering": "no",
}


def _take(queue: asyncio.Queue[Outgoing | None], first: Outgoing | None) -> list[Outgoing | None]:
    """What is queued now, up to a batch: one audit event covers them all."""
    batch = [first]
    while len(batch) < BATCH and not queue.empty() and batch[-1] is not None:
        batch.append(queue.get_nowait())
    return batch


class _Stream:
    def __init__(self, app: CrmApp, request: aioweb.Request, response: aioweb.StreamResponse):
        self._app, self._request, self._response = app, request, response
        self._checked = time.monotonic()

    def _send(self, chunk: bytes) -> Awaitable[None]:
        return asyncio.wait_for(self._response.write(chunk), WRITE_TIMEOUT_SECONDS)

    async def _still_signed_in(self) -> bool:
        """Check the caller's token again; if it no longer holds, end the stream saying why."""
        self._checked = time.monotonic()
        try:
            await authenticate(self._request, self._app)
        except ProblemError as exc:
            await self._send(control_message("end", code=exc.code))
            return False
        return True

    async def pump(self, sub: Subscriber) -> None:
        await self._send(
            control_message("ready", agentId=sub.agent_id, heartbeatSeconds=HEARTBEAT_SECONDS)
        )
        while True:
            try:
                first = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                if not await self._still_signed_in():
                    return
                await self._send(HEARTBEAT)
                continue
            # Busy streams never go idle: the token is checked as often all the same.
            stale = time.monotonic() - self._checked > HEARTBEAT_SECONDS
            if stale and not await self._still_signed_in():
                return
            batch = _take(sub.queue, first)
            cifs = [m[0] for m in batch if m is not None and m[0] is not None]
            try:
                await audit_reads(self._app, self._request, [(c, "dashboard") for c in cifs])
            except ProblemError as exc:
                await self._send(control_message("end", code=exc.code))
                return
            for message in batch:
                if message is None:
                    await self._send(control_message("end", code=sub.ended or "ENDED"))
                    return
                await self._send(message[1])


def stream_blueprint(hub: Hub) -> Blueprint:
    bp = Blueprint("dashboard-events")

    @bp.route("/api/dashboard/events", name="events")
    class Events(ApiView):
        @requires("customers:read", "Live workflow events of the caller's customers (SSE)")
        async def get(self, request: aioweb.Request) -> aioweb.StreamResponse:
            app = crm_app(self.app)
            caller = principal_of(request)
            agent_id = await agent_id_of(await app.db_pool(), caller.user_id)
            try:
                sub = await hub.subscribe(caller, agent_id)
            except HubFull as exc:
                raise ProblemError(
                    503,
                    "TOO_MANY_STREAMS",
                    "This server holds as many live streams as it can; retry shortly.",
                    headers={"Retry-After": "5"},
                ) from exc
            response = aioweb.StreamResponse(headers=SSE_HEADERS)
            if REQUEST_ID in request.headers:
                response.headers[REQUEST_ID] = request.headers[REQUEST_ID]
            try:
                await response.prepare(request)
                await _Stream(app, request, response).pump(sub)
            except (ConnectionError, TimeoutError):
                pass  # the browser went away or stopped reading: it reconnects if it lives
            except Exception:
                # The response has started: a problem document can no longer be sent.
                log.exception("dashboard stream failed")
            finally:
                hub.unsubscribe(sub)
            return response

    return bp
