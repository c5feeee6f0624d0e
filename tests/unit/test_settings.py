"""Settings: read once from the environment, validated, and passed on to child processes."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from crm.settings import Environment, Settings


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_PAYMENTS_WEB_PORT", "7000")
    monkeypatch.setenv("CRM_WORKER_INDEX", "2")
    monkeypatch.setenv("CRM_TOPIC_PREFIX", "t1.")
    s = Settings()
    assert s.web_port("payments") == 7200
    assert s.topic("payments.events") == "t1.payments.events"


def test_password_is_url_quoted_and_never_in_repr() -> None:
    s = Settings(pg_password=SecretStr("p@ss/word"))
    assert "p%40ss%2Fword@" in s.database_url()
    assert "p@ss" not in repr(s)


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TOPIC_PARTITIONS", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_environment_defaults_to_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_ENVIRONMENT", raising=False)
    assert Settings().environment is Environment.PRODUCTION


def test_settings_survive_the_trip_to_a_child_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from runtime.ownership import child_env

    original = Settings(
        group_roles={"G-1": "ADMIN"},
        topic_prefix="t9.",
        uvloop_services=frozenset({"workflow", "auth"}),
        service_nice={"sync": 3, "payments-intake": -2},
    )
    for key, value in child_env(original, with_settings=True).items():
        if key.startswith("CRM_"):
            monkeypatch.setenv(key, value)
    rebuilt = Settings()
    assert rebuilt.group_roles == {"G-1": "ADMIN"}
    assert rebuilt.topic_prefix == "t9."
    assert rebuilt.uvloop_services == {"workflow", "auth"}
    assert rebuilt.service_nice == {"sync": 3, "payments-intake": -2}
