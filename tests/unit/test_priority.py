"""The runtime's CPU priorities: set on what ranks a service against the machine's others."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.settings import PAYMENTS_INTAKE, Settings
from runtime import processes
from runtime.priority import priority_of, set_priority


@pytest.fixture
def session_leader() -> Iterator[int]:
    """A process in a session of its own, as the runtime starts every service."""
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    yield proc.pid
    proc.kill()
    proc.wait()


def test_a_started_process_takes_the_nice_value_it_is_given(session_leader: int) -> None:
    assert priority_of(session_leader) == 0
    assert set_priority(session_leader, 7)
    assert priority_of(session_leader) == 7


def test_the_runtime_starts_a_component_at_its_configured_priority(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, service_nice={"slow-one": 6})
    ranked = processes.start(settings, "slow-one", ["sleep", "60"])
    plain = processes.start(settings, "other-one", ["sleep", "60"])
    try:
        assert priority_of(ranked) == 6
        assert priority_of(plain) == 0
    finally:
        for name in ("slow-one", "other-one"):
            processes.stop(settings, name, "sleep 60", timeout=5)


def test_a_process_that_is_gone_keeps_the_runtime_going(caplog: pytest.LogCaptureFixture) -> None:
    proc = subprocess.Popen(["true"], start_new_session=True)
    proc.wait()
    assert not set_priority(proc.pid, 5)
    assert "keeps the default CPU priority" in caplog.text


def test_only_the_webhook_intake_is_ranked_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_SERVICE_NICE", raising=False)
    assert Settings().service_nice == {PAYMENTS_INTAKE: -5}


def test_a_nice_value_outside_linux_range_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_SERVICE_NICE", '{"payments-intake": -21}')
    with pytest.raises(ValueError, match="service_nice"):
        Settings()
