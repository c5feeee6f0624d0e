"""Failpoints end the process only where and when a test armed them, never in production."""

from __future__ import annotations

import pytest

from streams import failpoints


@pytest.fixture
def exits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(failpoints.os, "_exit", calls.append)
    monkeypatch.setattr(failpoints, "_hits", failpoints.Counter())
    return calls


def test_the_armed_pass_exits_like_a_kill(
    monkeypatch: pytest.MonkeyPatch, exits: list[int]
) -> None:
    monkeypatch.setenv(failpoints.ENV, "payments.before-sink:5")
    monkeypatch.setenv("CRM_ENVIRONMENT", "development")
    failpoints.reached("payments.before-sink")
    failpoints.reached("payments.before-sink", 3)
    failpoints.reached("another.point", 10)
    failpoints.reached("payments.before-sink", 0)
    assert exits == []
    failpoints.reached("payments.before-sink", 2)
    assert exits == [failpoints.KILLED]


@pytest.mark.parametrize(
    ("spec", "environment"),
    [
        ("", "development"),
        ("payments.before-sink", "development"),
        ("payments.before-sink:1", "production"),
    ],
)
def test_unarmed_or_production_never_exits(
    monkeypatch: pytest.MonkeyPatch, exits: list[int], spec: str, environment: str
) -> None:
    monkeypatch.setenv(failpoints.ENV, spec)
    monkeypatch.setenv("CRM_ENVIRONMENT", environment)
    failpoints.reached("payments.before-sink")
    assert exits == []
