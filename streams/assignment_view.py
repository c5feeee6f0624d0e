"""Every service's local view of who works which customer, for the customers' row scope.

Services never read the workflow service's tables (ARCHITECTURE.md): the workflow service
publishes current assignments on the compacted workflow.assignments (CIF → agent and team)
and team leads on workflow.team-leads; each worker reads both whole and follows them, like
the revocations. An agent sees the customers assigned to them; a lead those of their teams.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass

from crm.settings import Settings
from security.row_rules import Caller, Scope
from streams.avro import AvroCodec, codec_for
from streams.topic_follower import follow_topics
from streams.topics import WORKFLOW_ASSIGNMENTS, WORKFLOW_TEAM_LEADS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Holder:
    user_id: str
    team_code: str


class AssignmentView:
    def __init__(self, settings: Settings, codec: AvroCodec | None = None) -> None:
        self._settings = settings
        self._codec = codec or codec_for(settings)
        self._holder: dict[str, Holder] = {}
        self._by_user: defaultdict[str, set[str]] = defaultdict(set)
        self._by_team: defaultdict[str, set[str]] = defaultdict(set)
        self._lead_of: dict[str, str] = {}
        self.caught_up = asyncio.Event()

    def scope(self, user_id: str) -> Scope:
        cifs = set(self._by_user.get(user_id, ()))
        for team, lead in self._lead_of.items():
            if lead == user_id:
                cifs |= self._by_team.get(team, set())
        return Scope(cifs=frozenset(cifs))

    async def rule(self, caller: Caller) -> Scope:
        """security.row_rules.Rule for resource `customers`."""
        return self.scope(caller.user_id)

    def _decode(self, what: str, key: bytes | None, value: bytes) -> dict[str, object] | None:
        try:
            _, record = self._codec.decode(value)
        except ValueError as exc:
            # The workflow service's tables stay the truth; a bad record only narrows scope.
            log.error("unreadable %s for %r: %s", what, key, exc)
            return None
        return record

    def apply_assignment(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        cif = key.decode()
        previous = self._holder.pop(cif, None)
        if previous is not None:
            self._by_user[previous.user_id].discard(cif)
            self._by_team[previous.team_code].discard(cif)
        if value is None:
            return
        record = self._decode("assignment", key, value)
        if record is None:
            return
        holder = Holder(str(record["agentUserId"]), str(record["teamCode"]))
        self._holder[cif] = holder
        self._by_user[holder.user_id].add(cif)
        self._by_team[holder.team_code].add(cif)

    def apply_team_lead(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        team = key.decode()
        record = None if value is None else self._decode("team lead", key, value)
        lead = None if record is None else record.get("leadUserId")
        if lead is None:
            self._lead_of.pop(team, None)
        else:
            self._lead_of[team] = str(lead)

    async def follow(self) -> None:
        s = self._settings
        await follow_topics(
            s,
            {
                s.topic(WORKFLOW_ASSIGNMENTS.name): self.apply_assignment,
                s.topic(WORKFLOW_TEAM_LEADS.name): self.apply_team_lead,
            },
            self.caught_up,
        )
