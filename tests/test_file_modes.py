"""Files the dashboard writes are its user's alone (0600), whatever the umask: here the
screenshot of the command palette's "Screenshot" (Textual writes it with the umask's mode).
Saved logs: tests/test_log_pane.py; the debug log: tests/test_debug_log.py."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from benchmarks.processes import EmulatorProcess
from tests.test_terminal_gone import Terminal


def test_a_screenshot_is_written_0600(tmp_path: Path) -> None:
    with EmulatorProcess() as emulator:
        saved_in = tmp_path  # the working directory (no screenshot_dir is configured)
        previous = os.umask(0o022)  # the usual umask, under which a plain open() makes 0644
        try:
            term = Terminal(emulator.url, tmp_path)
        finally:
            os.umask(previous)
        try:
            term.wait_for("invoice-approval")
            mark = term.mark()
            term.press(b"\x10")  # ctrl+p: the command palette
            term.wait_for("Search for commands", since=mark, timeout=10)
            term.press(b"screenshot")
            time.sleep(0.5)
            term.press(b"\r")
            deadline = time.monotonic() + 15
            while not list(saved_in.glob("*.svg")):
                assert time.monotonic() < deadline, "no screenshot was saved"
                time.sleep(0.1)
            (shot,) = saved_in.glob("*.svg")
            time.sleep(0.3)  # written by a thread: let it finish
            assert stat.S_IMODE(shot.stat().st_mode) == 0o600
            assert "<svg" in shot.read_text()
        finally:
            term.cleanup()
