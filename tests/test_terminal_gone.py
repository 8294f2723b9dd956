"""The real dashboard on a pseudo-terminal: when the terminal goes away (its master closed,
as an SSH drop or ``tmux kill-session`` does) or a signal asks, the process is gone within
seconds, whatever it was doing; SIGTERM and SIGQUIT restore the terminal; ctrl+z suspends
and SIGCONT (what ``fg`` sends) resumes.

The app is the session leader of its pty, as under tmux, so closing the master sends it
SIGHUP and SIGCONT from the kernel. The emulator runs in its own process so that it can be
killed outright ("server gone").
"""

from __future__ import annotations

import fcntl
import gc
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.text import Text

from benchmarks.processes import EmulatorProcess

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals only")

#: How long the process may take to go: the app's grace period (3 s) and a margin for a
#: loaded machine. Not a speed assertion: without the fix these processes never end.
GONE_WITHIN = 8.0
STARTUP = 40.0

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
ENTER_ALT_SCREEN = b"\x1b[?1049h"


#: The dashboard as session leader with the pty as its controlling terminal, as under tmux
#: (done in the child itself: a preexec_fn is unsafe with the test's reader threads).
_SESSION_LEADER = (
    "import fcntl, os, sys, termios, runpy; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "sys.argv[0] = 'flowsynx-tui'; runpy.run_module('flowsynx_tui', run_name='__main__', alter_sys=True)"
)


class Terminal:
    """The dashboard on a fresh pty (100x30), as the session leader with it as controlling
    terminal; everything it writes is collected in ``output``."""

    def __init__(self, url: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.output = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.draining = threading.Event()
        self.draining.set()
        environment = dict(
            os.environ,
            TERM="xterm-256color",
            HOME=str(tmp_path),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_CACHE_HOME=str(tmp_path / "cache"),
        )
        for name in ("TEXTUAL", "TEXTUAL_DRIVER", "FLOWSYNX_URL", "FLOWSYNX_TOKEN", "FLOWSYNX_USERNAME"):
            environment.pop(name, None)
        environment.update(env or {})

        self.process = subprocess.Popen(
            [sys.executable, "-c", _SESSION_LEADER, "--url", url, *extra],
            cwd=tmp_path,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        # A read blocked on the master would keep it open after os.close (the pty would not
        # hang up): wait with a timeout, and stop before closing.
        while not self._stop.is_set():
            if not self.draining.wait(0.05):
                continue
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output.extend(chunk)

    def mark(self) -> int:
        with self._lock:
            return len(self.output)

    def since(self, mark: int) -> bytes:
        with self._lock:
            return bytes(self.output[mark:])

    def wait_for(self, text: str | bytes, *, since: int = 0, timeout: float = STARTUP) -> None:
        wanted = text.encode() if isinstance(text, str) else text
        deadline = time.monotonic() + timeout
        while wanted not in self.since(since):
            if self.process.poll() is not None:
                raise AssertionError(f"the app exited ({self.process.returncode}) before showing {text!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not show {text!r}; last output: {self.since(since)[-400:]!r}")
            time.sleep(0.05)

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        """The terminal goes away: its master is closed (the pty hangs up)."""
        self._stop.set()
        self._reader.join(5)
        os.close(self.master)
        self.master = -1

    def assert_gone(self) -> int:
        """The process ended by itself within GONE_WITHIN seconds; its exit code."""
        try:
            return self.process.wait(GONE_WITHIN)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the dashboard (pid {self.process.pid}) still runs {GONE_WITHIN:g} s later") from None

    def state(self) -> str:
        """The process state letter from /proc (T: stopped), or '' once it is gone."""
        try:
            return Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return ""

    def cleanup(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.master != -1:
            self._stop.set()
            self._reader.join(5)
            os.close(self.master)


@pytest.fixture
def emulator() -> Iterator[EmulatorProcess]:
    # Slow tasks: the run an approval resumes goes on for minutes, and approve with it.
    with EmulatorProcess("--time-scale", "100") as server:
        yield server


@pytest.fixture
def terminal(emulator: EmulatorProcess, tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start(*extra: str, env: dict[str, str] | None = None) -> Terminal:
        term = Terminal(emulator.url, tmp_path, *extra, env=env)
        started.append(term)
        term.wait_for("invoice-approval")  # the workflows list is up
        return term

    yield start
    for term in started:
        term.cleanup()


def _pending_approvals(url: str) -> int:
    workflows = httpx.get(f"{url}/workflows", timeout=5).json()["data"]
    count = 0
    for workflow in workflows:
        runs = httpx.get(f"{url}/workflows/{workflow['id']}/executions", params={"pageSize": 100}, timeout=5)
        for run in runs.json()["data"]:
            if run["status"] == "Paused":
                approvals = httpx.get(f"{url}/workflows/{workflow['id']}/executions/{run['id']}/approvals", timeout=5)
                count += len(approvals.json()["data"])
    return count


def _approve_in_flight(term: Terminal, emulator: EmulatorProcess) -> None:
    """Approve the demo's pending gate: the server resumes the run inside the request, which
    then stays open for minutes (slow tasks), so the action is in flight."""
    term.press(b"3")
    term.wait_for("Check totals")
    mark = term.mark()
    term.press(b"a")
    term.wait_for("Approve task", since=mark)
    term.press(b"y")
    deadline = time.monotonic() + 15
    while _pending_approvals(emulator.url):
        assert time.monotonic() < deadline, "the approval never reached the server"
        time.sleep(0.1)


def _dialog_open(term: Terminal) -> None:
    mark = term.mark()
    term.press(b"x")
    term.wait_for("Start a new execution?", since=mark)


def _server_gone(term: Terminal, emulator: EmulatorProcess) -> None:
    emulator.kill()
    term.wait_for("reconnecting", timeout=30)


def _into(state: str, term: Terminal, emulator: EmulatorProcess) -> None:
    if state == "action":
        _approve_in_flight(term, emulator)
    elif state == "dialog":
        _dialog_open(term)
    elif state == "server_gone":
        _server_gone(term, emulator)
    elif state == "action_server_gone":
        _approve_in_flight(term, emulator)
        emulator.kill()


STATES = ("idle", "server_gone", "action", "dialog", "action_server_gone")


@pytest.mark.parametrize("state", STATES)
def test_a_closed_terminal_ends_the_dashboard(state: str, terminal, emulator: EmulatorProcess) -> None:
    term = terminal()
    _into(state, term, emulator)
    # The pty hangs up while the app paints a new screen: the writes that then fail (EIO)
    # are what used to wedge it.
    term.press(b"1" if state != "idle" else b"3")
    time.sleep(0.02)
    term.close()
    assert term.assert_gone() == 128 + signal.SIGHUP


@pytest.mark.parametrize("state", ("idle", "server_gone", "action"))
def test_sighup_after_the_terminal_went_ends_the_dashboard(state: str, terminal, emulator: EmulatorProcess) -> None:
    term = terminal()
    _into(state, term, emulator)
    term.close()
    term.process.send_signal(signal.SIGHUP)
    assert term.assert_gone() == 128 + signal.SIGHUP


@pytest.mark.parametrize(
    ("signum", "state"),
    [
        (signal.SIGTERM, "idle"),
        (signal.SIGTERM, "action"),
        (signal.SIGQUIT, "dialog"),
        (signal.SIGQUIT, "server_gone"),
    ],
)
def test_sigterm_and_sigquit_end_it_and_restore_the_terminal(
    signum: int, state: str, terminal, emulator: EmulatorProcess
) -> None:
    term = terminal()
    _into(state, term, emulator)
    mark = term.mark()
    term.process.send_signal(signum)
    assert term.assert_gone() == 128 + signum
    time.sleep(0.2)  # the last bytes still in the pty
    written = term.since(mark)
    assert LEAVE_ALT_SCREEN in written, "the alternate screen was not left"


def test_a_terminal_nobody_reads_still_lets_sigterm_end_it(terminal) -> None:
    """Output blocks (nobody drains the pty, as over a stalled SSH link): the exit cannot
    write its last screen, and the process still ends after the grace period."""
    term = terminal()
    term.draining.clear()
    time.sleep(0.1)
    for _ in range(12):  # whole screens, far more than the pty buffer holds
        term.press(b"3")
        time.sleep(0.15)
        term.press(b"1")
        time.sleep(0.15)
    term.process.send_signal(signal.SIGTERM)
    assert term.assert_gone() == 128 + signal.SIGTERM


def test_ctrl_z_suspends_and_sigcont_resumes(terminal) -> None:
    term = terminal()
    term.press(b"\x1a")  # ctrl+z
    deadline = time.monotonic() + 10
    while term.state() != "T":
        assert time.monotonic() < deadline, "ctrl+z did not suspend the dashboard"
        time.sleep(0.05)
    # The last bytes before the stop may still be on their way through the pty to our reader.
    term.wait_for(LEAVE_ALT_SCREEN, timeout=5)  # suspending handed the terminal back
    mark = term.mark()
    term.process.send_signal(signal.SIGCONT)  # what the shell's fg sends
    term.wait_for(ENTER_ALT_SCREEN, since=mark, timeout=10)
    term.press(b"3")
    term.wait_for("Approvals waiting", since=mark, timeout=10)  # it answers keys again
    assert term.state() not in ("T", "")
    term.process.send_signal(signal.SIGTERM)
    assert term.assert_gone() == 128 + signal.SIGTERM


def _opened(app: Any, kind: str) -> None:  # noqa: ANN401
    from flowsynx_tui.emulator import seed
    from flowsynx_tui.messages import ApprovalsView, DefinitionView, ExecutionsView, ExecutionView, TaskView
    from flowsynx_tui.screens.confirm import ConfirmDialog
    from flowsynx_tui.screens.login import LoginDialog

    workflow = seed.workflow_id("nightly-csv-export")
    execution = seed.execution_id("nightly-csv-export", 1)
    destinations = {
        "executions": ExecutionsView(workflow),
        "approvals": ApprovalsView(),
        "execution": ExecutionView(workflow, execution),
        "task": TaskView(workflow, execution, "ListFiles"),
        "definition": DefinitionView(workflow),
    }
    if kind in destinations:
        app.navigate(destinations[kind])
    elif kind == "confirm":
        app.push_screen(ConfirmDialog(Text("Cancel?"), [Text("a run")]))
    else:
        app.push_screen(LoginDialog("expired", None))


@pytest.mark.parametrize("kind", ["executions", "approvals", "execution", "task", "definition", "confirm", "login"])
async def test_an_exit_as_a_screen_opens_is_clean(kind: str, emulator_server) -> None:
    """The terminal hangs up (or `q` comes) just as a key opens a screen: Textual, exiting,
    mounts none of the screen's widgets but still sends it Mount. The exit stays clean: no
    crash report, status 0 (on a vanished terminal the report failed to print: status 1),
    and no work the screen asked for is left as a coroutine never awaited."""
    from flowsynx_tui.testing import make_app, wait_for

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.services.status.connection.state == "ok", what="connected")
            _opened(app, kind)
            app.exit()
        gc.collect()  # a coroutine never awaited is reported when it is freed
    assert app.return_code == 0
    assert [str(w.message) for w in caught if "never awaited" in str(w.message) and _ours(w.source)] == []


def _ours(coroutine: object) -> bool:
    """Whether a coroutine never awaited is this project's. One of anyio's (its TCP connect
    races addresses in coroutines it starts in a task group) is left unawaited when the exit
    cancels a request between their making and their start: the library's, not work a
    screen asked for (seen once in a loaded parallel run)."""
    code = getattr(coroutine, "cr_code", None)
    return code is None or "flowsynx_tui" in Path(code.co_filename).parts


#: Put on the PYTHONPATH of a dashboard: opening the inbox fails, once its terminal is gone.
_CRASH_AS_THE_TERMINAL_GOES = '''
import termios, time
from flowsynx_tui.screens.approvals import ApprovalInbox

def on_mount(self):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            termios.tcgetattr(0)
        except termios.error:
            break
        time.sleep(0.01)
    raise RuntimeError("a bug met as the terminal went away")

ApprovalInbox.on_mount = on_mount
'''


def test_an_error_met_as_the_terminal_goes_still_ends_with_the_hang_ups_status(terminal, tmp_path: Path) -> None:
    """Textual prints its error report on the way out; to a vanished terminal that fails
    too (EIO). The exit status stays the hang-up's, not Python's 1 for what escaped."""
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(_CRASH_AS_THE_TERMINAL_GOES)
    term = terminal(env={"PYTHONPATH": str(inject)})
    term.press(b"3")
    time.sleep(0.5)  # the inbox is mounting, held until the terminal goes
    term.close()
    assert term.assert_gone() == 128 + signal.SIGHUP
