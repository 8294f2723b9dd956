"""``--log FILE``: the real dashboard on a pty writes one line per request, poll cycle and
action to a file only its user can read, and never a secret: the password, the token and
their base64 (what an Authorization header would carry) are not in it."""

from __future__ import annotations

import base64
import re
import signal
import stat
import time
from pathlib import Path

import pytest

from tests.test_terminal_gone import Terminal

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX terminals only")

REQUEST_LINE = re.compile(r"flowsynx_tui\.http: GET /workflows\?page=1&pageSize=\d+ 200 \d+ ms \d+ B")


def _polled_then_quit(term: Terminal, log: Path) -> str:
    deadline = time.monotonic() + 30
    while not log.exists() or "poll overview done" not in log.read_text():
        assert time.monotonic() < deadline, "no poll cycle was logged"
        time.sleep(0.1)
    term.press(b"q")
    assert term.assert_gone() == 0
    return log.read_text()


def _assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        for form in (secret, base64.b64encode(secret.encode()).decode()):
            assert form not in text
    assert "authorization" not in text.lower()


def test_basic_auth_session_log(emulator_server, tmp_path: Path) -> None:
    server = emulator_server(auth="basic")
    log = tmp_path / "debug.log"
    term = Terminal(
        server.url, tmp_path, "--log", str(log), "--log-level", "debug",
        env={"FLOWSYNX_USERNAME": "other", "FLOWSYNX_PASSWORD": "other"},
    )
    try:
        text = _polled_then_quit(term, log)
    finally:
        term.cleanup()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert REQUEST_LINE.search(text)
    assert "poll overview done in" in text
    # other/other: neither the password nor user:password in base64 (nor the name).
    _assert_no_secret(text, "other", "other:other")


def test_bearer_session_log_with_an_action(emulator_server, tmp_path: Path) -> None:
    server = emulator_server(auth="bearer")
    token = server.emulator.issue_token("admin")
    log = tmp_path / "debug.log"
    log.write_text("")  # an existing file readable by others is made private
    log.chmod(0o644)
    term = Terminal(server.url, tmp_path, "--log", str(log), env={"FLOWSYNX_TOKEN": token})
    try:
        text = _started_then_quit(term, log)
    finally:
        term.cleanup()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert REQUEST_LINE.search(text)
    assert re.search(r"flowsynx_tui\.http: POST /workflows/[0-9a-f-]{36}/executions 200 ", text)
    assert re.search(r"action start workflow:[0-9a-f-]{36}: done", text)
    assert "poll overview done" not in text  # poll cycles are debug
    _assert_no_secret(text, token)


def _started_then_quit(term: Terminal, log: Path) -> str:
    term.wait_for("invoice-approval")
    mark = term.mark()
    term.press(b"x")
    term.wait_for("Start a new execution?", since=mark)
    term.press(b"y")
    deadline = time.monotonic() + 20
    while ": done" not in log.read_text():
        assert time.monotonic() < deadline, "the action was not logged"
        time.sleep(0.1)
    term.press(b"q")
    assert term.assert_gone() == 0
    return log.read_text()
