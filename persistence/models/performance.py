"""agents.agent_performance: each agent's figures per day in the bank's time zone.

Rolled up from stored actions, promises and payments (persistence/performance.py) by a timer
of the workflow service, for reports and downstream readers; the API's own figures for an
arbitrary period are computed from the same rows directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base


class AgentPerformance(Base):
    __tablename__ = "agent_performance"
    __table_args__ = (Index(None, "team_code", "day"), {"schema": "agents"})

    agent_id: Mapped[str] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    # The agent's team when the day was rolled up.
    team_code: Mapped[str]
    actions: Mapped[int]
    contact_attempts: Mapped[int]
    right_party_contacts: Mapped[int]
    promises: Mapped[int]
    promises_kept: Mapped[int]
    promises_broken: Mapped[int]
    # Currency → amount attributed to the agent.
    collected: Mapped[dict[str, Any]]
    payments_collected: Mapped[int]
    computed_at: Mapped[dt.datetime]
