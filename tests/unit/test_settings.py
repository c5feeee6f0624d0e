"""Settings: validated once; the development token cannot exist in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from crm.settings import Environment, Settings


def test_dev_token_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="CRM_DEV_TOKEN"):
        Settings(environment=Environment.PRODUCTION, dev_token=SecretStr("x"))


def test_production_ignores_a_leftover_token_file(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "dev-token").write_text("leftover\n")
    assert Settings(data_dir=tmp_path).development_token() == "leftover"
    prod = Settings(data_dir=tmp_path, environment=Environment.PRODUCTION)
    assert prod.development_token() is None


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


def test_environment_defaults_to_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CRM_ENVIRONMENT", raising=False)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "dev-token").write_text("leftover\n")
    s = Settings(data_dir=tmp_path)
    assert s.environment is Environment.PRODUCTION
    assert s.development_token() is None


def test_settings_survive_the_trip_to_a_child_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from runtime.ownership import child_env

    original = Settings(group_roles={"G-1": "ADMIN"}, topic_prefix="t9.")
    for key, value in child_env(original, with_settings=True).items():
        if key.startswith("CRM_"):
            monkeypatch.setenv(key, value)
    rebuilt = Settings()
    assert rebuilt.group_roles == {"G-1": "ADMIN"}
    assert rebuilt.topic_prefix == "t9."
