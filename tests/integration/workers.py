"""Start and stop real service workers as separate processes, as an operator would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

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

    def get_json(self, path: str, token: str) -> dict[str, Any] | None:
        """GET one of this worker's endpoints with a token; None while it cannot answer 200."""
        req = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                body: dict[str, Any] = json.loads(resp.read())
                return body
        except OSError:
            return None

    def diagnosis(self, lines: int = 40) -> str:
        """Whether the worker runs, and its last warnings and errors, for a failure message."""
        state = "not started"
        if self.proc is not None:
            code = self.proc.poll()
            state = "running" if code is None else f"exited with {code}"
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            text = []
        # The producer's buffer warnings are routine under load and would crowd out the rest.
        notable = [
            line
            for line in text
            if (" WARNING " in line or " ERROR " in line or "Traceback" in line)
            and "producer buffer full" not in line
        ]
        excerpt = "\n".join(notable[-lines:]) or "(no warnings or errors)"
        return f"{self.service}-{self.index} {state}; log {self.log_path}:\n{excerpt}"

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
