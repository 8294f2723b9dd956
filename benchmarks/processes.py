"""Child processes for the benchmarks that measure the real app from outside: an emulator in
its own process (its own GIL), a driver script on a pseudo-terminal, a driver that reports
one JSON line."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """``flowsynx-tui emulator`` in a child process (its own GIL), serving the seeded demo data."""

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> EmulatorProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flowsynx_tui", "emulator", "--port", str(self.port), *self.options],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                if httpx.get(f"{self.url}/version", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("emulator process did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        """The server gone at once, as if its machine went away."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class PtyRun:
    """A driver running on a pty: ``process``, and ``report()`` for the line it writes to the
    inherited pipe whose descriptor is in ``BENCH_FD``."""

    def __init__(self, script: Path, process: subprocess.Popen[bytes], report_fd: int) -> None:
        self.script = script
        self.process = process
        self._report_fd = report_fd

    def report(self) -> str:
        line = b""
        deadline = time.monotonic() + TIMEOUT
        while not line.endswith(b"\n"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.script.name} reported nothing within {TIMEOUT}s")
            chunk = os.read(self._report_fd, 64)
            if not chunk:
                raise RuntimeError(f"{self.script.name} exited without reporting (exit {self.process.wait()})")
            line += chunk
        return line.decode().strip()


@contextmanager
def on_pty(
    script: Path, *args: str, rows: int, columns: int, output: Callable[[bytes], None] = lambda _chunk: None
) -> Iterator[PtyRun]:
    """``python script args`` on a fresh pty of ``rows`` x ``columns`` (``TERM=xterm-256color``);
    everything it writes to the terminal goes to ``output``. Killed on leaving."""
    read_end, write_end = os.pipe()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = dict(os.environ, BENCH_FD=str(write_end), TERM="xterm-256color", COLUMNS=str(columns), LINES=str(rows))
    env.pop("TEXTUAL", None)

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            output(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        pass_fds=(write_end,),
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    os.close(write_end)
    try:
        yield PtyRun(script, process, read_end)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(read_end)
        reader.join(2.0)
        os.close(master)


def run_json_driver(script: Path, *args: str, timeout: float, what: str) -> dict[str, Any]:
    """Run ``python script args`` and read the JSON object on the last line of its stdout."""
    completed = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0 or not completed.stdout.strip():
        raise RuntimeError(f"{what} driver failed ({completed.returncode}): {completed.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return report
