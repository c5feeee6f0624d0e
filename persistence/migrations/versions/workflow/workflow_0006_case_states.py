"""Case processing states, substates, allowed transitions, customer statuses; case history.

The dictionaries are data an administrator maintains (DOMAIN.md: "customer status dictionaries
... are data"); the seed below is documented in docs/workflow.md, "Case states".

Revision ID: workflow_0006
Revises: workflow_0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workflow_0006"
down_revision: str | None = "workflow_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the dictionaries and the history, seed them, add the case's state columns."""
    _create_dictionaries()
    _create_history()
    op.add_column("customer_case", sa.Column("processing_state", sa.Text()), schema="workflow")
    op.add_column("customer_case", sa.Column("substate", sa.Text()), schema="workflow")
    op.add_column("customer_case", sa.Column("customer_status", sa.Text()), schema="workflow")
    # Cases opened before states existed start where a new case starts (domain.cases.Case).
    op.execute(
        "UPDATE workflow.customer_case"
        " SET processing_state = 'INVESTIGATION', substate = 'NEW'"
        " WHERE processing_state IS NULL"
    )
    _seed()


def downgrade() -> None:
    """Drop the columns, the history and the dictionaries."""
    for column in ("customer_status", "substate", "processing_state"):
        op.drop_column("customer_case", column, schema="workflow")
    op.drop_index(
        op.f("ix_customer_case_action_cif_sequence"),
        table_name="customer_case_action",
        schema="workflow",
    )
    op.drop_table("customer_case_action", schema="workflow")
    op.drop_table("case_state_transition", schema="workflow")
    op.drop_table("case_substate", schema="workflow")
    op.drop_table("customer_status", schema="workflow")
    op.drop_table("case_processing_state", schema="workflow")


def _names() -> list[sa.Column[object]]:
    return [
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_vi", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    ]


def _create_dictionaries() -> None:
    op.create_table(
        "case_processing_state",
        sa.Column("code", sa.Text(), nullable=False),
        *_names(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_case_processing_state")),
        schema="workflow",
    )
    op.create_table(
        "case_substate",
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        *_names(),
        sa.ForeignKeyConstraint(
            ["state"],
            ["workflow.case_processing_state.code"],
            name=op.f("fk_case_substate_state_case_processing_state"),
        ),
        sa.PrimaryKeyConstraint("state", "code", name=op.f("pk_case_substate")),
        schema="workflow",
    )
    op.create_table(
        "case_state_transition",
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_state"],
            ["workflow.case_processing_state.code"],
            name=op.f("fk_case_state_transition_from_state_case_processing_state"),
        ),
        sa.ForeignKeyConstraint(
            ["to_state"],
            ["workflow.case_processing_state.code"],
            name=op.f("fk_case_state_transition_to_state_case_processing_state"),
        ),
        sa.CheckConstraint("from_state <> to_state", name=op.f("ck_case_state_transition_moves")),
        sa.PrimaryKeyConstraint("from_state", "to_state", name=op.f("pk_case_state_transition")),
        schema="workflow",
    )
    op.create_table(
        "customer_status",
        sa.Column("code", sa.Text(), nullable=False),
        *_names(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_customer_status")),
        schema="workflow",
    )


def _create_history() -> None:
    timestamptz = sa.DateTime(timezone=True)
    op.create_table(
        "customer_case_action",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        # The case's count of decided changes after this one: the history's order.
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=True),
        sa.Column("from_substate", sa.Text(), nullable=True),
        sa.Column("from_customer_status", sa.Text(), nullable=True),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("to_substate", sa.Text(), nullable=False),
        sa.Column("customer_status", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=True),
        sa.Column("requested_at", timestamptz, nullable=False),
        sa.Column("decided_at", timestamptz, nullable=False),
        sa.Column("refused_code", sa.Text(), nullable=True),
        sa.Column("refused_field", sa.Text(), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.Column("event_offset", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('ACCEPTED', 'REFUSED')", name=op.f("ck_customer_case_action_status")
        ),
        sa.CheckConstraint(
            "(status = 'REFUSED') = (refused_code IS NOT NULL)",
            name=op.f("ck_customer_case_action_refusal_code"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_case_action")),
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_case_action_cif_sequence"),
        "customer_case_action",
        ["cif", "sequence"],
        schema="workflow",
    )


STATES: list[tuple[object, ...]] = [
    ("INVESTIGATION", "Investigation", "Xác minh", 1),
    ("CONTACT", "Contact", "Liên hệ", 2),
    ("NEGOTIATION", "Negotiation", "Thương lượng", 3),
    ("LEGAL", "Legal", "Pháp lý", 4),
    ("RESOLUTION", "Resolution", "Kết thúc xử lý", 5),
]
SUBSTATES: list[tuple[object, ...]] = [
    ("INVESTIGATION", "NEW", "New case", "Hồ sơ mới", 1),
    ("INVESTIGATION", "SKIP_TRACING", "Skip tracing", "Truy tìm khách hàng", 2),
    ("INVESTIGATION", "VERIFYING_INFORMATION", "Verifying information", "Xác minh thông tin", 3),
    ("CONTACT", "FIRST_CONTACT", "First contact", "Liên hệ lần đầu", 1),
    ("CONTACT", "FOLLOW_UP", "Follow-up", "Theo dõi", 2),
    ("CONTACT", "PROMISE_MONITORING", "Monitoring a promise", "Theo dõi cam kết trả nợ", 3),
    ("NEGOTIATION", "PROMISE_PENDING", "Promise pending", "Chờ thực hiện cam kết", 1),
    (
        "NEGOTIATION",
        "RESTRUCTURING_REQUESTED",
        "Restructuring requested",
        "Đề nghị cơ cấu nợ",
        2,
    ),
    ("NEGOTIATION", "SETTLEMENT_OFFERED", "Settlement offered", "Đề xuất tất toán", 3),
    ("LEGAL", "DEMAND_LETTER", "Demand letter sent", "Đã gửi thư đòi nợ", 1),
    ("LEGAL", "LAWSUIT_FILED", "Lawsuit filed", "Đã khởi kiện", 2),
    ("LEGAL", "JUDGMENT", "Judgment", "Đã có bản án", 3),
    ("LEGAL", "ENFORCEMENT", "Enforcement", "Thi hành án", 4),
    ("RESOLUTION", "PAID_IN_FULL", "Paid in full", "Đã trả hết nợ", 1),
    ("RESOLUTION", "SETTLED", "Settled", "Đã tất toán theo thỏa thuận", 2),
    ("RESOLUTION", "RESTRUCTURED", "Restructured", "Đã cơ cấu lại nợ", 3),
    ("RESOLUTION", "WRITTEN_OFF", "Written off", "Đã xóa nợ", 4),
]
# Forward moves; back from NEGOTIATION to CONTACT and from CONTACT to INVESTIGATION (the
# customer cannot be reached any more); LEGAL only from CONTACT or NEGOTIATION, and back to
# NEGOTIATION (a settlement during proceedings); any state to RESOLUTION; RESOLUTION back to
# CONTACT when the resolution fails (a settlement or restructuring is not honoured).
TRANSITIONS: list[tuple[object, ...]] = [
    ("INVESTIGATION", "CONTACT"),
    ("INVESTIGATION", "RESOLUTION"),
    ("CONTACT", "INVESTIGATION"),
    ("CONTACT", "NEGOTIATION"),
    ("CONTACT", "LEGAL"),
    ("CONTACT", "RESOLUTION"),
    ("NEGOTIATION", "CONTACT"),
    ("NEGOTIATION", "LEGAL"),
    ("NEGOTIATION", "RESOLUTION"),
    ("LEGAL", "NEGOTIATION"),
    ("LEGAL", "RESOLUTION"),
    ("RESOLUTION", "CONTACT"),
]
STATUSES: list[tuple[object, ...]] = [
    ("COOPERATIVE", "Cooperative", "Hợp tác", 1),
    ("UNCONTACTABLE", "Uncontactable", "Không liên lạc được", 2),
    ("REFUSES_TO_PAY", "Refuses to pay", "Từ chối trả nợ", 3),
    ("FINANCIAL_HARDSHIP", "Financial hardship", "Khó khăn tài chính", 4),
    ("DISPUTE", "Dispute", "Khiếu nại", 5),
    ("FRAUD_CLAIM", "Claims fraud", "Báo bị lừa đảo, giả mạo", 6),
    ("ABSCONDED", "Absconded", "Bỏ trốn", 7),
    ("HOSPITALISED", "Hospitalised or seriously ill", "Nằm viện, ốm nặng", 8),
    ("INCARCERATED", "Incarcerated", "Đang chấp hành án phạt tù", 9),
    ("BANKRUPT", "Bankrupt", "Phá sản", 10),
    ("DECEASED", "Deceased", "Đã qua đời", 11),
]


def _insert(name: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    table = sa.table(name, *(sa.column(c) for c in columns), schema="workflow")
    op.bulk_insert(table, [dict(zip(columns, row, strict=True)) for row in rows])


def _seed() -> None:
    names = ("name_en", "name_vi", "position")
    _insert("case_processing_state", ("code", *names), STATES)
    _insert("case_substate", ("state", "code", *names), SUBSTATES)
    _insert("case_state_transition", ("from_state", "to_state"), TRANSITIONS)
    _insert("customer_status", ("code", *names), STATUSES)
