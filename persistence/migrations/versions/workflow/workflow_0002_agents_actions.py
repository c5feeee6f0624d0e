"""Agents and teams, the action dictionaries with DOMAIN.md's defaults, actions, assignments.

Revision ID: workflow_0002
Revises: workflow_0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workflow_0002"
down_revision: str | None = "workflow_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables and seed the dictionaries an administrator then maintains."""
    op.create_table(
        "action_record",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=True),
        sa.Column("agent_id", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("action_type", sa.Text(), nullable=False),
        sa.Column("subtype", sa.Text(), nullable=False),
        sa.Column("contacted_party", sa.Text(), nullable=False),
        sa.Column("reference_cif", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("refused_rule", sa.Text(), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("call_trace_id", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("event_offset", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "(status = 'REFUSED') = (refused_rule IS NOT NULL)",
            name=op.f("ck_action_record_refusal_rule"),
        ),
        sa.CheckConstraint(
            "contacted_party IN ('CUSTOMER', 'REFERENCE')",
            name=op.f("ck_action_record_contacted_party"),
        ),
        sa.CheckConstraint(
            "status IN ('RECORDED', 'REFUSED')", name=op.f("ck_action_record_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_record")),
        schema="actions",
    )
    op.create_index(
        op.f("ix_action_record_account_number_occurred_at"),
        "action_record",
        ["account_number", "occurred_at"],
        unique=False,
        schema="actions",
    )
    op.create_index(
        op.f("ix_action_record_agent_id_occurred_at"),
        "action_record",
        ["agent_id", "occurred_at"],
        unique=False,
        schema="actions",
    )
    op.create_index(
        op.f("ix_action_record_cif_occurred_at"),
        "action_record",
        ["cif", "occurred_at"],
        unique=False,
        schema="actions",
    )
    op.create_table(
        "action_subtype",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_vi", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_action_subtype")),
        schema="actions",
    )
    op.create_table(
        "action_type",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_vi", sa.Text(), nullable=False),
        sa.Column(
            "is_contact_attempt", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column(
            "may_contact_reference", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_action_type")),
        schema="actions",
    )
    op.create_table(
        "result_code",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_vi", sa.Text(), nullable=False),
        sa.Column(
            "is_right_party_contact", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("creates_promise", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_result_code")),
        schema="actions",
    )
    op.create_table(
        "directory_user",
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_directory_user")),
        sa.UniqueConstraint("username", name=op.f("uq_directory_user_username")),
        schema="agents",
    )
    op.create_table(
        "team",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("lead_agent_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_team")),
        schema="agents",
    )
    op.create_table(
        "action_result",
        sa.Column("action_id", sa.UUID(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("promise_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("promise_due_date", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.action_record.id"],
            name=op.f("fk_action_result_action_id_action_record"),
        ),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_action_result")),
        schema="actions",
    )
    op.create_table(
        "valid_combination",
        sa.Column("action_type", sa.Text(), nullable=False),
        sa.Column("subtype", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_type"],
            ["actions.action_type.code"],
            name=op.f("fk_valid_combination_action_type_action_type"),
        ),
        sa.ForeignKeyConstraint(
            ["result"],
            ["actions.result_code.code"],
            name=op.f("fk_valid_combination_result_result_code"),
        ),
        sa.ForeignKeyConstraint(
            ["subtype"],
            ["actions.action_subtype.code"],
            name=op.f("fk_valid_combination_subtype_action_subtype"),
        ),
        sa.PrimaryKeyConstraint(
            "action_type", "subtype", "result", name=op.f("pk_valid_combination")
        ),
        schema="actions",
    )
    op.create_table(
        "agent",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("employee_id", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("team_code", sa.Text(), nullable=False),
        sa.Column("agent_type", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "agent_type IN ('CALL_CENTER', 'FIELD')", name=op.f("ck_agent_agent_type")
        ),
        sa.CheckConstraint(
            "status IN ('ACTIVE', 'INACTIVE', 'ON_LEAVE')", name=op.f("ck_agent_status")
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_agent_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["team_code"], ["agents.team.code"], name=op.f("fk_agent_team_code_team")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["agents.directory_user.user_id"],
            name=op.f("fk_agent_user_id_directory_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent")),
        sa.UniqueConstraint("employee_id", name=op.f("uq_agent_employee_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_agent_user_id")),
        schema="agents",
    )
    op.create_index(
        op.f("ix_agent_team_code"), "agent", ["team_code"], unique=False, schema="agents"
    )
    op.create_table(
        "customer_agent",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("team_code", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.agent.id"], name=op.f("fk_customer_agent_agent_id_agent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_agent")),
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_agent_cif_assigned_at"),
        "customer_agent",
        ["cif", "assigned_at"],
        unique=False,
        schema="workflow",
    )
    op.create_index(
        "ix_customer_agent_open_agent_id",
        "customer_agent",
        ["agent_id"],
        unique=False,
        schema="workflow",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_index(
        "uq_customer_agent_open_cif",
        "customer_agent",
        ["cif"],
        unique=True,
        schema="workflow",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    _seed_dictionaries()


def downgrade() -> None:
    """Drop the tables (and the dictionaries' data with them)."""
    op.drop_index(
        "uq_customer_agent_open_cif",
        table_name="customer_agent",
        schema="workflow",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.drop_index(
        "ix_customer_agent_open_agent_id",
        table_name="customer_agent",
        schema="workflow",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.drop_index(
        op.f("ix_customer_agent_cif_assigned_at"), table_name="customer_agent", schema="workflow"
    )
    op.drop_table("customer_agent", schema="workflow")
    op.drop_index(op.f("ix_agent_team_code"), table_name="agent", schema="agents")
    op.drop_table("agent", schema="agents")
    op.drop_table("valid_combination", schema="actions")
    op.drop_table("action_result", schema="actions")
    op.drop_table("team", schema="agents")
    op.drop_table("directory_user", schema="agents")
    op.drop_table("result_code", schema="actions")
    op.drop_table("action_type", schema="actions")
    op.drop_table("action_subtype", schema="actions")
    op.drop_index(
        op.f("ix_action_record_cif_occurred_at"), table_name="action_record", schema="actions"
    )
    op.drop_index(
        op.f("ix_action_record_agent_id_occurred_at"), table_name="action_record", schema="actions"
    )
    op.drop_index(
        op.f("ix_action_record_account_number_occurred_at"),
        table_name="action_record",
        schema="actions",
    )
    op.drop_table("action_record", schema="actions")


# (code, English, Vietnamese, counts as a contact attempt, may contact a reference person)
_TYPES: list[tuple[object, ...]] = [
    ("CALL", "Phone call", "Gọi điện", True, False),
    ("SMS", "Text message", "Tin nhắn SMS", True, False),
    ("EMAIL", "E-mail", "Thư điện tử", True, False),
    # A posted letter is a written notice, not a reminder that can harass: not counted.
    ("LETTER", "Letter", "Thư gửi bưu điện", False, False),
    ("VISIT", "Field visit", "Đi thực địa", True, False),
]
_SUBTYPES: list[tuple[object, ...]] = [
    ("REMINDER_CALL", "Reminder call", "Gọi nhắc nợ"),
    ("FOLLOW_UP_CALL", "Follow-up call", "Gọi theo dõi"),
    ("COURTESY_CALL", "Courtesy call", "Gọi chăm sóc"),
    ("FIELD_VISIT", "Field visit", "Thăm thực địa"),
    ("PAYMENT_REMINDER", "Payment reminder", "Nhắc thanh toán"),
    ("DISPUTE_RESOLUTION", "Dispute resolution", "Giải quyết khiếu nại"),
]
# (code, English, Vietnamese, right-party contact, creates a promise)
_RESULTS: list[tuple[object, ...]] = [
    ("PROMISE_TO_PAY", "Promise to pay", "Hứa trả nợ", True, True),
    ("PAYMENT_MADE", "Payment made", "Đã thanh toán", True, False),
    ("PARTIAL_PAYMENT", "Partial payment", "Thanh toán một phần", True, False),
    ("NO_CONTACT", "No contact", "Không liên hệ được", False, False),
    ("NO_ANSWER", "No answer", "Không nghe máy", False, False),
    ("WRONG_NUMBER", "Wrong number", "Sai số điện thoại", False, False),
    ("NOT_HOME", "Not at home", "Không có nhà", False, False),
    ("REFUSED_TO_PAY", "Refused to pay", "Từ chối trả nợ", True, False),
    ("DISPUTE", "Dispute", "Khiếu nại", True, False),
    ("HARDSHIP_CLAIM", "Hardship claim", "Báo khó khăn tài chính", True, False),
    ("RESCHEDULED", "Rescheduled", "Hẹn lại", True, False),
    ("RIGHT_PARTY_CONTACT", "Right-party contact", "Gặp đúng người", True, False),
    ("THIRD_PARTY_CONTACT", "Third-party contact", "Gặp người thứ ba", False, False),
]
_ALL_RESULTS = [str(row[0]) for row in _RESULTS]
_CALL_SUBTYPES = [
    "REMINDER_CALL",
    "FOLLOW_UP_CALL",
    "COURTESY_CALL",
    "PAYMENT_REMINDER",
    "DISPUTE_RESOLUTION",
]
_COMBINATIONS: list[tuple[object, ...]] = [
    *[("CALL", s, r) for s in _CALL_SUBTYPES for r in _ALL_RESULTS if r != "NOT_HOME"],
    *[
        ("VISIT", s, r)
        for s in ("FIELD_VISIT", "DISPUTE_RESOLUTION")
        for r in _ALL_RESULTS
        if r not in ("NO_ANSWER", "WRONG_NUMBER")
    ],
    *[
        ("SMS", "PAYMENT_REMINDER", r)
        for r in ("NO_CONTACT", "WRONG_NUMBER", "PROMISE_TO_PAY", "PAYMENT_MADE")
    ],
    *[
        ("EMAIL", "PAYMENT_REMINDER", r)
        for r in ("NO_CONTACT", "PROMISE_TO_PAY", "PAYMENT_MADE", "DISPUTE")
    ],
    ("LETTER", "PAYMENT_REMINDER", "NO_CONTACT"),
]


def _insert(name: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    table = sa.table(name, *(sa.column(c) for c in columns), schema="actions")
    op.bulk_insert(table, [dict(zip(columns, row, strict=True)) for row in rows])


def _seed_dictionaries() -> None:
    names = ("code", "name_en", "name_vi")
    _insert("action_type", (*names, "is_contact_attempt", "may_contact_reference"), _TYPES)
    _insert("action_subtype", names, _SUBTYPES)
    _insert("result_code", (*names, "is_right_party_contact", "creates_promise"), _RESULTS)
    _insert("valid_combination", ("action_type", "subtype", "result"), _COMBINATIONS)
