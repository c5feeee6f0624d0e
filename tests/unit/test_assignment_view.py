"""The row scope every service builds from workflow.assignments and workflow.team-leads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crm.settings import Settings
from streams.assignment_view import AssignmentView
from streams.avro import AvroCodec, codec_for
from streams.workflow_assignments import CUSTOMER_ASSIGNMENT, TEAM_LEAD

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def view(tmp_path: Path) -> tuple[AssignmentView, AvroCodec]:
    settings = Settings(store="memory://", data_dir=tmp_path)
    return AssignmentView(settings), codec_for(settings)


def holder(codec: AvroCodec, cif: str, user: str, team: str) -> bytes:
    record = {
        "cif": cif,
        "assignmentId": 1,
        "agentId": f"AG-{user}",
        "agentUserId": user,
        "teamCode": team,
        "assignedAt": AT,
    }
    return codec.encode(CUSTOMER_ASSIGNMENT, record)


def lead(codec: AvroCodec, team: str, user: str | None) -> bytes:
    record = {"teamCode": team, "leadUserId": user, "changedAt": AT}
    return codec.encode(TEAM_LEAD, record)


def test_an_agent_sees_their_customers_and_a_lead_their_team_s(tmp_path: Path) -> None:
    v, codec = view(tmp_path)
    v.apply_assignment(b"C1", holder(codec, "C1", "u-ann", "HN"))
    v.apply_assignment(b"C2", holder(codec, "C2", "u-bao", "HN"))
    v.apply_assignment(b"C3", holder(codec, "C3", "u-chi", "SG"))
    v.apply_team_lead(b"HN", lead(codec, "HN", "u-lan"))
    assert v.scope("u-ann").cifs == {"C1"}
    assert v.scope("u-lan").cifs == {"C1", "C2"}
    assert v.scope("u-nobody").cifs == frozenset()


def test_reassignment_moves_the_customer_and_a_tombstone_removes_it(tmp_path: Path) -> None:
    v, codec = view(tmp_path)
    v.apply_assignment(b"C1", holder(codec, "C1", "u-ann", "HN"))
    v.apply_assignment(b"C1", holder(codec, "C1", "u-chi", "SG"))
    assert (v.scope("u-ann").cifs, v.scope("u-chi").cifs) == (frozenset(), {"C1"})
    v.apply_assignment(b"C1", None)
    assert v.scope("u-chi").cifs == frozenset()


def test_a_lead_removed_sees_nothing_and_bad_records_narrow_scope(tmp_path: Path) -> None:
    v, codec = view(tmp_path)
    v.apply_assignment(b"C1", holder(codec, "C1", "u-ann", "HN"))
    v.apply_team_lead(b"HN", lead(codec, "HN", "u-lan"))
    v.apply_team_lead(b"HN", lead(codec, "HN", None))
    assert v.scope("u-lan").cifs == frozenset()
    v.apply_assignment(b"C1", b"not avro")
    assert v.scope("u-ann").cifs == frozenset()
