"""Tables of the workflow service (schemas agents, actions, workflow).

agents: who works (staff linked to AD users, teams). actions: what they did to whom, and the
dictionaries that say what may be recorded. workflow: who works which customer, and since when.
Dictionary tables hold data an administrator changes (DOMAIN.md); the code only reads them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Numeric,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import SERVICE_SCHEMAS, Base, CurrencyCode

SCHEMAS = SERVICE_SCHEMAS["workflow"]
AGENTS = {"schema": "agents"}
ACTIONS = {"schema": "actions"}
WORKFLOW = {"schema": "workflow"}

AGENT_TYPES = "('CALL_CENTER', 'FIELD')"
AGENT_STATUSES = "('ACTIVE', 'INACTIVE', 'ON_LEAVE')"
PROMISE_STATUSES = "('PENDING_APPROVAL', 'PENDING', 'KEPT', 'BROKEN', 'CANCELLED')"


class DirectoryUser(Base):
    """A staff account the auth service announced (USER_CREATED/UPDATED on auth.events).

    An agent is created for one of these, so an agent always names a real AD account.
    """

    __tablename__ = "directory_user"
    __table_args__ = (AGENTS,)

    user_id: Mapped[str] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(unique=True)
    seen_at: Mapped[dt.datetime]


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (AGENTS,)

    code: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    region: Mapped[str | None]
    # The agent who leads the team; no foreign key, because the lead is also a team member.
    lead_agent_id: Mapped[str | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Agent(Base):
    __tablename__ = "agent"
    __table_args__ = (
        CheckConstraint(f"agent_type IN {AGENT_TYPES}", name="agent_type"),
        CheckConstraint(f"status IN {AGENT_STATUSES}", name="status"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        AGENTS,
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("agents.directory_user.user_id"), unique=True)
    employee_id: Mapped[str] = mapped_column(unique=True)
    display_name: Mapped[str]
    team_code: Mapped[str] = mapped_column(ForeignKey("agents.team.code"), index=True)
    agent_type: Mapped[str]
    status: Mapped[str]
    # How many customers the agent can work at once: automatic assignment fills up to it.
    capacity: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class ActionType(Base):
    __tablename__ = "action_type"
    __table_args__ = (ACTIONS,)

    code: Mapped[str] = mapped_column(primary_key=True)
    name_en: Mapped[str]
    name_vi: Mapped[str]
    # Counts towards the contact limits (a letter may not, a call does).
    is_contact_attempt: Mapped[bool] = mapped_column(server_default=text("true"))
    # Whether a reference person (guarantor, spouse …) may be contacted about the debt.
    may_contact_reference: Mapped[bool] = mapped_column(server_default=text("false"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))


class ActionSubtype(Base):
    __tablename__ = "action_subtype"
    __table_args__ = (ACTIONS,)

    code: Mapped[str] = mapped_column(primary_key=True)
    name_en: Mapped[str]
    name_vi: Mapped[str]
    active: Mapped[bool] = mapped_column(server_default=text("true"))


class ResultCode(Base):
    __tablename__ = "result_code"
    __table_args__ = (ACTIONS,)

    code: Mapped[str] = mapped_column(primary_key=True)
    name_en: Mapped[str]
    name_vi: Mapped[str]
    # The person liable for the debt was reached (the right-party-contact rate counts these).
    is_right_party_contact: Mapped[bool] = mapped_column(server_default=text("false"))
    # Recording it takes a promise (amount and due date).
    creates_promise: Mapped[bool] = mapped_column(server_default=text("false"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))


class ValidCombination(Base):
    """A type → subtype → result an agent may record; anything else is refused."""

    __tablename__ = "valid_combination"
    __table_args__ = (ACTIONS,)

    action_type: Mapped[str] = mapped_column(
        ForeignKey("actions.action_type.code"), primary_key=True
    )
    subtype: Mapped[str] = mapped_column(
        ForeignKey("actions.action_subtype.code"), primary_key=True
    )
    result: Mapped[str] = mapped_column(ForeignKey("actions.result_code.code"), primary_key=True)


class ActionRecord(Base):
    """One contact attempt as the agent recorded it, or as the contact rules refused it."""

    __tablename__ = "action_record"
    __table_args__ = (
        CheckConstraint("status IN ('RECORDED', 'REFUSED')", name="status"),
        CheckConstraint("contacted_party IN ('CUSTOMER', 'REFERENCE')", name="contacted_party"),
        CheckConstraint("(status = 'REFUSED') = (refused_rule IS NOT NULL)", name="refusal_rule"),
        Index(None, "cif", "occurred_at"),
        Index(None, "agent_id", "occurred_at"),
        Index(None, "account_number", "occurred_at"),
        ACTIONS,
    )

    # The client's action id: a retried POST carries the same one and records nothing new.
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cif: Mapped[str]
    account_number: Mapped[str | None]
    agent_id: Mapped[str | None]
    user_id: Mapped[str]
    action_type: Mapped[str]
    subtype: Mapped[str]
    contacted_party: Mapped[str]
    reference_cif: Mapped[str | None]
    status: Mapped[str]
    refused_rule: Mapped[str | None]
    refused_reason: Mapped[str | None]
    occurred_at: Mapped[dt.datetime]
    recorded_at: Mapped[dt.datetime]
    notes: Mapped[str | None]
    call_trace_id: Mapped[str | None]
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    # Offset of the workflow.events message that wrote the row: replays rewrite it unchanged.
    event_offset: Mapped[int | None] = mapped_column(BigInteger)


class ActionResult(Base):
    """The outcome an agent recorded for an action; PUT …/result replaces it."""

    __tablename__ = "action_result"
    __table_args__ = (
        ForeignKeyConstraint(["action_id"], ["actions.action_record.id"]),
        ACTIONS,
    )

    action_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    result: Mapped[str]
    notes: Mapped[str | None]
    promise_amount: Mapped[Decimal | None]
    promise_due_date: Mapped[dt.date | None]
    recorded_by: Mapped[str]
    recorded_at: Mapped[dt.datetime]


class CustomerAgent(Base):
    """Who works a customer from when to when: the open row is the current assignment."""

    __tablename__ = "customer_agent"
    __table_args__ = (
        # A customer is worked by one agent at a time.
        Index(
            "uq_customer_agent_open_cif",
            "cif",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "ix_customer_agent_open_agent_id", "agent_id", postgresql_where=text("ended_at IS NULL")
        ),
        Index(None, "cif", "assigned_at"),
        WORKFLOW,
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    cif: Mapped[str]
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.agent.id"))
    team_code: Mapped[str]
    assigned_at: Mapped[dt.datetime]
    assigned_by: Mapped[str]
    reason: Mapped[str]
    ended_at: Mapped[dt.datetime | None]
    ended_reason: Mapped[str | None]


class PromiseRow(Base):
    """A promise to pay as its customer's worker last decided it (written only forward)."""

    __tablename__ = "promise"
    __table_args__ = (
        CheckConstraint(f"status IN {PROMISE_STATUSES}", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # The approval queue and the due-today lists read open promises by status and day.
        Index(None, "status", "due_date"),
        WORKFLOW,
    )

    # The id of the action that took it (one promise per action).
    promise_id: Mapped[str] = mapped_column(primary_key=True)
    cif: Mapped[str] = mapped_column(index=True)
    account_number: Mapped[str | None]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(CurrencyCode)
    due_date: Mapped[dt.date]
    status: Mapped[str]
    covered: Mapped[Decimal]
    # Payment reference → the part of it that counts for this promise.
    matched: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str]
    approved_by: Mapped[str | None]
    closed_at: Mapped[dt.datetime | None]
    version: Mapped[int]
    updated_at: Mapped[dt.datetime]


class CustomerCase(Base):
    """One collection case per customer, as their worker last decided it (written forward)."""

    __tablename__ = "customer_case"
    __table_args__ = (
        CheckConstraint("status IN ('OPEN', 'CLOSED')", name="status"),
        Index(None, "status", "priority"),
        WORKFLOW,
    )

    cif: Mapped[str] = mapped_column(primary_key=True)
    status: Mapped[str]
    max_dpd: Mapped[int]
    bucket: Mapped[str]
    priority: Mapped[int]
    # Past-due totals per currency, and the VND total the queue sorts by.
    outstanding: Mapped[dict[str, Any]]
    due_amount: Mapped[dict[str, Any]]
    outstanding_vnd: Mapped[Decimal]
    # The past-due loans: account → {dpd, outstanding, dueAmount, currency, product}.
    loans: Mapped[dict[str, Any]]
    opened_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    version: Mapped[int]
    updated_at: Mapped[dt.datetime]
    # Where the staff's processing stands (codes of the case dictionaries below); null only
    # until the migration that brought them filled older rows.
    processing_state: Mapped[str | None]
    substate: Mapped[str | None]
    # What the staff know about the customer (cooperative, deceased …); null until set.
    customer_status: Mapped[str | None]


class CustomerPayment(Base):
    """A customer's payment as the workflow service learned it (payments.events), for
    attributing collected amounts to agents; reversed ones keep the time of reversal."""

    __tablename__ = "customer_payment"
    __table_args__ = (Index(None, "cif", "paid_at"), Index(None, "paid_at"), WORKFLOW)

    reference_number: Mapped[str] = mapped_column(primary_key=True)
    cif: Mapped[str]
    account_number: Mapped[str]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(CurrencyCode)
    paid_at: Mapped[dt.datetime]
    reversed_at: Mapped[dt.datetime | None]


class CaseProcessingState(Base):
    """A processing state of cases (INVESTIGATION … RESOLUTION), in `position` order."""

    __tablename__ = "case_processing_state"
    __table_args__ = (WORKFLOW,)

    code: Mapped[str] = mapped_column(primary_key=True)
    name_en: Mapped[str]
    name_vi: Mapped[str]
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(server_default=text("true"))


class CaseSubstate(Base):
    """A substate within one processing state (CONTACT → FIRST_CONTACT, FOLLOW_UP …)."""

    __tablename__ = "case_substate"
    __table_args__ = (WORKFLOW,)

    state: Mapped[str] = mapped_column(
        ForeignKey("workflow.case_processing_state.code"), primary_key=True
    )
    code: Mapped[str] = mapped_column(primary_key=True)
    name_en: Mapped[str]
    name_vi: Mapped[str]
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(server_default=text("true"))


class CaseStateTransition(Base):
    """A move between two processing states staff may make; others are refused."""

    __tablename__ = "case_state_transition"
    __table_args__ = (CheckConstraint("from_state <> to_state", name="moves"), WORKFLOW)

    from_state: Mapped[str] = mapped_column(
        ForeignKey("workflow.case_processing_state.code"), primary_key=True
    )
    to_state: Mapped[str] = mapped_column(
        ForeignKey("workflow.case_processing_state.code"), primary_key=True
    )


class CustomerStatusCode(Base):
    """A customer status staff may give (COOPERATIVE, UNCONTACTABLE, DECEASED …)."""

    __tablename__ = "customer_status"
    __table_args__ = (WORKFLOW,)

    code: Mapped[str] = mapped_column(primary_key=True)
    name_en: Mapped[str]
    name_vi: Mapped[str]
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(server_default=text("true"))


class CustomerCaseAction(Base):
    """One requested change of a case's state, as the customer's worker decided it."""

    __tablename__ = "customer_case_action"
    __table_args__ = (
        CheckConstraint("status IN ('ACCEPTED', 'REFUSED')", name="status"),
        CheckConstraint("(status = 'REFUSED') = (refused_code IS NOT NULL)", name="refusal_code"),
        Index(None, "cif", "sequence"),
        WORKFLOW,
    )

    # The client's case action id: a retried POST carries the same one and changes nothing.
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cif: Mapped[str]
    # The case's count of decided changes after this one: the history's order.
    sequence: Mapped[int]
    status: Mapped[str]
    from_state: Mapped[str | None]
    from_substate: Mapped[str | None]
    from_customer_status: Mapped[str | None]
    to_state: Mapped[str]
    to_substate: Mapped[str]
    customer_status: Mapped[str | None]
    note: Mapped[str | None]
    user_id: Mapped[str]
    agent_id: Mapped[str | None]
    requested_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime]
    refused_code: Mapped[str | None]
    refused_field: Mapped[str | None]
    refused_reason: Mapped[str | None]
    # Offset of the workflow.commands message decided: replays rewrite nothing.
    event_offset: Mapped[int | None] = mapped_column(BigInteger)
