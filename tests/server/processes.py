"""Real ``python -m emulator ...`` processes for the tests: a server whose readiness is its
first stdout line (no fixed sleep), and one-shot commands."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from emulator.server.cli import READY_PREFIX

READY_TIMEOUT = 30.0


class Serve:
    """``python -m emulator serve ...`` in a subprocess, with its stdout read line by line."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.cwd = cwd
        self.stderr_path = cwd / f"stderr-{time.monotonic_ns()}.log"
        # A file, not a pipe, so access logs never block the server; closed by stop().
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "serve", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        self.url = self._wait_ready()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _wait_ready(self) -> str:
        while True:
            line = self.lines.get(timeout=READY_TIMEOUT)
            if line is None:
                raise AssertionError(f"server exited before ready:\n{self.stderr()}")
            self.output.append(line)
            if line.startswith(READY_PREFIX):
                return line.removeprefix(READY_PREFIX)

    def banner(self) -> list[str]:
        """The lines printed after the ready line, up to the Ctrl-C hint."""
        while not self.output or self.output[-1] != "Press Ctrl-C to stop.":
            line = self.lines.get(timeout=READY_TIMEOUT)
            assert line is not None
            self.output.append(line)
        return self.output

    def stderr(self) -> str:
        """What the process wrote on stderr so far (the file is flushed by the process)."""
        return self.stderr_path.read_text()

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=READY_TIMEOUT)
        self._pump_thread.join(timeout=READY_TIMEOUT)
        assert self.process.stdout is not None
        self.process.stdout.close()
        self._stderr.close()
        return code

    def rest(self) -> str:
        """Everything printed on stdout after the banner (once the process ended)."""
        tail: list[str] = []
        while (line := self.lines.get(timeout=READY_TIMEOUT)) is not None:
            tail.append(line)
        return "\n".join(tail)


def run_command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m emulator ARGS`` to completion; its output is captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def serve_folder(folder: Path, cwd: Path, servers: list[Serve]) -> Serve:
    """``serve --port 0 --persist-to FOLDER``, registered in ``servers`` for clean-up."""
    server = Serve("--port", "0", "--persist-to", str(folder), cwd=cwd)
    servers.append(server)
    return server
