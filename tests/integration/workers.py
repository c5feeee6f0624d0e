"""Start and stop real service workers as separate processes, as an operator would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crm.settings import PROJECT_ROOT, ServiceName, Settings


class WorkerProcess:
    """One `crm worker <service>` process with its own topic prefix and worker index."""

    def __init__(
        self,
        settings: Settings,
        service: ServiceName,
        index: int,
        log_dir: Path,
        extra_env: dict[str, str] | None = None,
    ):
        self.settings = settings.model_copy(update={"worker_index": index})
        self.extra_env = extra_env or {}
        self.service = service
        self.index = index
        self.log_path = log_dir / f"{service}-{index}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.settings.web_port(self.service)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "CRM_TOPIC_PREFIX": self.settings.topic_prefix,
            "CRM_WORKER_INDEX": str(self.index),
            **self.extra_env,
        }
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crm", "worker", self.service],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_healthy(self, deadline_s: float = 90) -> None:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"worker not healthy in {deadline_s}s; see {self.log_path}")

    def wait_exit(self, deadline_s: float) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(deadline_s)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"worker still running after {deadline_s}s") from exc

    def kill(self) -> None:
        """SIGKILL: no flush, no commit, no goodbye — a crash."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
