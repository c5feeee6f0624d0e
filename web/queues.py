"""The calling agent's work queue.

The queue is the agent's assigned customers whose case is open (a past-due loan), ordered by
what needs the agent most — their strategy's priority, a broken or due promise, the case's
priority, DPD, the amount past due, then who was contacted longest ago — and keeps only those
the contact rules and their strategy's cadence allow to be contacted now. PostgreSQL ranks and
renders it (`persistence.work_queue`); this view checks who asks and audits what is shown.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.actions_read import agent_id_of
from persistence.work_queue import QueuePage, agent_queue
from streams.app import crm_app
from web.auth import principal_of, requires
from web.problems import ProblemError
from web.sync_access import audit_reads
from web.views import ApiView


def _body(page: QueuePage) -> str:
    # The items are already JSON: spliced in, not decoded and encoded again.
    return (
        f'{{"agentId": {json.dumps(page.agent_id)}, "items": {page.items_json},'
        f' "notContactableNow": {page.not_contactable_now}}}'
    )


def queues_blueprint() -> Blueprint:
    bp = Blueprint("queues")

    @bp.route("/api/queues/me", name="mine")
    class MyQueue(ApiView):
        @requires("actions:write", "The caller's customers to contact now, most urgent first (all)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            pool = await app.db_pool()
            user_id = principal_of(request).user_id
            # ?all=true: the whole queue with a flag (planning the day, or after hours).
            everything = request.query.get("all") == "true"
            policy = app.settings.contact_policy()
            page = await agent_queue(
                pool, user_id, datetime.now(UTC), policy, everything=everything
            )
            if page is None:
                agent_id = await agent_id_of(pool, user_id)
                if agent_id is None:
                    raise ProblemError(404, "NOT_AN_AGENT", "The caller has no agent record.")
                page = QueuePage(agent_id, "[]", [], 0)
            await audit_reads(app, request, [(cif, "queue") for cif in page.cifs])
            return aioweb.Response(text=_body(page), content_type="application/json")

    return bp
