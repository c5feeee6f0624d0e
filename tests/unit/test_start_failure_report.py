"""A component that fails to start is reported with its log's last lines, since CI keeps only
what `make test` printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime import processes


def test_error_names_the_log(tmp_path: Path) -> None:
    log = tmp_path / "kafka.log"
    error = processes.RuntimeStartError("formatting Kafka storage failed", log)
    assert str(error) == f"formatting Kafka storage failed; see {log}"
    assert error.log == log


def test_error_without_a_log_is_the_message() -> None:
    error = processes.RuntimeStartError("PostgreSQL: port taken")
    assert str(error) == "PostgreSQL: port taken"
    assert error.log is None


def test_tail_is_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)))
    assert processes.log_tail(log, lines=3) == ["line 97", "line 98", "line 99"]


def test_tail_reads_only_the_end_of_a_large_log(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_bytes(b"x" * 1_000_000 + b"\nException in thread main\n")
    assert processes.log_tail(log, lines=1) == ["Exception in thread main"]


def test_tail_of_a_missing_log_is_empty(tmp_path: Path) -> None:
    assert processes.log_tail(tmp_path / "absent.log") == []


def test_wait_until_names_the_log_when_the_process_exits(tmp_path: Path) -> None:
    log = tmp_path / "kafka.log"
    with pytest.raises(processes.RuntimeStartError) as caught:
        processes.wait_until(lambda: False, 5, "Kafka broker", log=log, alive=lambda: False)
    assert caught.value.log == log
    assert "the process exited" in str(caught.value)
