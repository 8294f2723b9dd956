"""Resilience: the dashboard against a server that is down, slow, broken, hostile or strict.

Every test drives the real app (Pilot, ``app.run_test``) against the emulator over real
HTTP, with the emulator's fault switches or a server that is stopped and started. Each
test belongs to one fault class; the module keeps a tally of the scenarios tried and
survived per class, and ``tests/conftest.py`` prints it at the end of the run:

    python -m pytest tests/test_resilience.py -q

Requests are watched on the client side by :class:`Tap`, a transport that forwards to
the emulator and counts the requests in flight per route (method and path), from the
moment a request is sent until its body has been read. The emulator only records when
a request ended, so overlaps are counted here.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import pty
import re
import select
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual import events
from textual.widgets import Input

from flowsynx_tui.api import BasicCredentials, BearerCredentials, Credentials
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import Settings
from flowsynx_tui.emulator import Emulator, EmulatorServer, Faults, seed
from flowsynx_tui.emulator import auth as emulator_auth
from flowsynx_tui.emulator.bulk import add_log_lines, populate
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.confirm import ConfirmDialog
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.screens.login import LoginDialog
from flowsynx_tui.screens.workflows import WorkflowsScreen
from flowsynx_tui.testing import make_app, open_inbox, running_slow_run, screen_text, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.logview import LogPane
from flowsynx_tui.widgets.status_header import StatusHeader
from flowsynx_tui.messages import ExecutionView, ExecutionsView

#: Key-to-state bound where the UI has a lot to draw (the 10 MB log page), taken as the best
#: of a few tries: a UI blocked by the work is slow every time, a busy machine only sometimes.
RESPONSIVE = 1.0

NIGHTLY = seed.workflow_id("nightly-csv-export")
INVOICE = seed.workflow_id("invoice-approval")
WAREHOUSE = seed.workflow_id("warehouse-load")
RUNNING = seed.execution_id("warehouse-load", 4)
SEED_WORKFLOWS = 5
SEED_EXECUTIONS = 27
NIGHTLY_RUNS = 8

# ------------------------------------------------------------------ the tally

SERVER_DOWN = "server not running at start"
SERVER_RESTART = "server stops mid-session and restarts"
ERROR_BURSTS = "500/503 bursts"
DROPS = "dropped connections"
PARTIAL = "one kind of request failing (the rest of each cycle goes on)"
LOSSY_LOGS = "errors and drops on log pages (no line lost or doubled)"
LATENCY = "2-5 s latency"
BROKEN_DATA = "malformed, mistyped, incomplete data"
EXPIRED = "401 mid-session"
FORBIDDEN = "403 missing role"
FAILED_ACTION = "action request fails or times out"
HOSTILE = "hostile data"
RESIZE = "terminal resize"
SIGNALS = "SIGHUP/SIGTERM"

FAULT_CLASSES = (
    SERVER_DOWN, SERVER_RESTART, ERROR_BURSTS, DROPS, PARTIAL, LOSSY_LOGS, LATENCY, BROKEN_DATA,
    EXPIRED, FORBIDDEN, FAILED_ACTION, HOSTILE, RESIZE, SIGNALS,
)

#: fault class -> [scenarios tried, scenarios survived]; printed by conftest's summary hook.
RESULTS: dict[str, list[int]] = {}


class _Run:
    def __init__(self, fault: str) -> None:
        self.fault = fault
        self.scenarios = 0
        self.failed = 0


_current: _Run | None = None


def _tally(fault: str, survived: bool) -> None:
    entry = RESULTS.setdefault(fault, [0, 0])
    entry[0] += 1
    entry[1] += int(survived)


@contextmanager
def scenario(fault: str | None = None) -> Iterator[None]:
    """A counted sub-scenario of the running test, under ``fault`` or the test's class.

    A test without any counts as one scenario."""
    run = _current
    assert run is not None, "scenario() outside a @fault_class test"
    run.scenarios += 1
    survived = False
    try:
        yield
        survived = True
    finally:
        run.failed += int(not survived)
        _tally(fault or run.fault, survived)


def fault_class(fault: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Count the test (or its ``scenario()`` blocks) under ``fault``: tried, and survived
    when the body finished without an assertion error (or any other exception)."""

    def decorate(test: Callable[..., Any]) -> Callable[..., Any]:
        def begin() -> _Run:
            global _current
            _current = _Run(fault)
            return _current

        def end(run: _Run, survived: bool) -> None:
            global _current
            _current = None
            if run.scenarios == 0:
                _tally(fault, survived)
            elif not survived and run.failed == 0:
                _tally(fault, False)  # it failed outside every scenario block: one more, lost

        if inspect.iscoroutinefunction(test):

            @functools.wraps(test)
            async def run_async(*args: Any, **kwargs: Any) -> None:
                run, survived = begin(), False
                try:
                    await test(*args, **kwargs)
                    survived = True
                finally:
                    end(run, survived)

            return run_async

        @functools.wraps(test)
        def run_sync(*args: Any, **kwargs: Any) -> None:
            run, survived = begin(), False
            try:
                test(*args, **kwargs)
                survived = True
            finally:
                end(run, survived)

        return run_sync

    return decorate


# ------------------------------------------------------------------ helpers


class Tap(httpx.AsyncBaseTransport):
    """Real HTTP, with the requests in flight counted per route and answers optionally edited.

    A request counts as in flight from the moment it is handed to the transport until its
    whole body has been read, so a slow body counts too.
    """

    def __init__(self, edit: Callable[[httpx.Request, Any], Any] | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.edit = edit
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.largest_body: dict[str, int] = {}
        self.answers: list[tuple[str, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        route = f"{request.method} {request.url.path}"
        self.in_flight[route] += 1
        self.peak[route] = max(self.peak[route], self.in_flight[route])
        try:
            response = await self.inner.handle_async_request(request)
            body = await response.aread()
            self.largest_body[route] = max(self.largest_body.get(route, 0), len(body))
            self.answers.append((route, response.status_code))
            headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-length"]
            if self.edit is not None and body[:1] == b"{":
                import json

                edited = self.edit(request, json.loads(body))
                if edited is not None:
                    body = json.dumps(edited).encode()
            return httpx.Response(response.status_code, headers=headers, content=body, request=request)
        finally:
            self.in_flight[route] -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()

    def piled_up(self) -> dict[str, int]:
        """Routes that ever had more than one request in flight, with the peak."""
        return {route: peak for route, peak in self.peak.items() if peak > 1}


def new_app(
    url: str, tap: Tap, *, refresh: float = 0.5, credentials: Credentials | None = None
) -> FlowSynxApp:
    # Polling only: these are the REST requests' faults, and the tap sees HTTP, not the hub's
    # WebSocket (tests/test_live_*.py cover the hub, its faults and its fallback).
    settings = Settings(url=url, credentials=credentials, refresh=refresh, bell=False, live=False)
    return FlowSynxApp(settings, transport=tap)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def header_text(app: FlowSynxApp) -> str:
    for screen in reversed(app.screen_stack):
        headers = screen.query(StatusHeader)
        if headers:
            return headers.first().render().plain
    return ""


def notifications(app: FlowSynxApp) -> str:
    return " | ".join(f"{n.title}: {n.message}" for n in app.notices)


def main_table(app: FlowSynxApp) -> KeyedTable:
    return app.screen.query_one(KeyedTable)


def cell(table: KeyedTable, row_key: str, column_key: str) -> str:
    value = table.get_cell(row_key, column_key)
    return getattr(value, "plain", str(value))


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def rendered_text(app: FlowSynxApp) -> str:
    """Every character the screen would send to the terminal, line by line."""
    return screen_text(app)


def assert_rendered_safely(app: FlowSynxApp, *, screenshot: bool = False) -> str:
    """No control character in any segment on screen (nor in the SVG screenshot, if asked)."""
    text = rendered_text(app)
    bad = sorted({hex(ord(c)) for line in text.split("\n") for c in _CONTROL.findall(line)})
    assert not bad, f"control characters reached the terminal: {bad}"
    return text


async def loaded(pilot: Any, app: FlowSynxApp, executions: int = SEED_EXECUTIONS) -> None:
    await wait_for(
        pilot,
        lambda: len(app.services.overview.index) >= executions and len(app.services.overview.index.workflow_of) >= executions
        and app.approvals_swept,
        what="the overview loaded",
    )


async def timed(pilot: Any, condition: Callable[[], object], key: str, limit: float = 5.0) -> float:
    """Seconds from a key press until ``condition()`` holds.

    The key goes in through the driver, as a terminal's would; unlike ``pilot.press`` this
    does not also wait for the screen to be repainted, which is CPU work unrelated to the
    network and slow on a busy machine.
    """
    app = pilot.app
    start = time.monotonic()
    event = events.Key(key, {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None))
    event.set_sender(app)
    app.post_message(event)
    while not condition():
        if time.monotonic() - start > limit:
            raise AssertionError(f"no reaction to {key!r} within {limit}s")
        await asyncio.sleep(0.005)
    took = time.monotonic() - start
    await pilot.pause()
    return took


# ------------------------------------------------------------------ server down, restarts


@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_narrow_header_keeps_the_connection_state_and_drops_the_details_first(width: int) -> None:
    from flowsynx_tui.services.status import ConnectionState, ServerStatus
    from flowsynx_tui.widgets.status_header import render_header

    status = ServerStatus(url="https://flowsynx.example.com:6262", user="admin", version="1.3.0")
    status.connection = ConnectionState(
        "retrying", reason="cannot reach the server (connection refused)", route="GET /workflows", retry_at=7.0, last_ok=0.0
    )
    first = render_header(status, now=3.0, width=width).plain.split("\n")[0]
    # Textual cuts the line at the terminal's width: what is past it is not seen.
    assert ("↻ reconnecting · retrying in 4s" + (" · data 3s old" if width > 40 else "")) in first[:width], first
    assert ("flowsynx.example.com:6262" in first) is (width > 60)
    wide = render_header(status, now=3.0, width=200).plain.split("\n")[0]
    assert wide.startswith("◆ FlowSynx https://flowsynx.example.com:6262 · admin · v1.3.0  ↻ reconnecting")
    assert wide.endswith("connection refused) · GET /workflows")


def test_a_narrow_header_shortens_a_long_host_but_keeps_it_and_its_port() -> None:
    from flowsynx_tui.services.status import ConnectionState, ServerStatus
    from flowsynx_tui.widgets.status_header import render_header

    status = ServerStatus(url="https://flowsynx-prod-eu-west.corp.example.com:6262/api", user="admin", version="1.3.0")
    status.connection = ConnectionState("partial", reason="HTTP 500", route="GET /workflows", retry_at=454.0, last_ok=0.0)
    first = render_header(status, now=434.0, width=80).plain.split("\n")[0]
    # Textual cuts the line at the terminal's width: what is past it is not seen.
    assert re.match(r"◆ flowsynx-prod-eu-w\S*…:6262  ● ⚠ a read failed · again in 20s · failing for 434s", first[:80]), first


async def test_the_state_keeps_clear_of_the_ellipsis_that_ends_a_cut_header_line() -> None:
    # At 70 columns the line read "failing for 31…": cut with the reason after it, the
    # line's last cell is an ellipsis, and the state had been fitted into that cell too.
    from textual.app import App, ComposeResult

    from flowsynx_tui.services.clock import Clock
    from flowsynx_tui.services.status import ConnectionState, ServerStatus
    from flowsynx_tui.widgets.status_header import StatusHeader

    status = ServerStatus(url="http://127.0.0.1:47322", user="admin", version="1.3.0")
    status.connection = ConnectionState("partial", reason="HTTP 500", route="GET /approvals", retry_at=56.0, last_ok=0.0)

    class HeaderAlone(App[None]):
        # The header's padding and ellipsis, as in the dashboard.
        CSS_PATH = Path(inspect.getfile(FlowSynxApp)).parent / str(FlowSynxApp.CSS_PATH)

        def compose(self) -> ComposeResult:
            yield StatusHeader(status, Clock(monotonic=lambda: 31.0))

    app = HeaderAlone()
    async with app.run_test(size=(60, 5)) as pilot:
        for width in range(60, 90):
            await pilot.resize_terminal(width, 5)
            await pilot.pause()
            first = screen_text(app).splitlines()[0]  # type: ignore[arg-type]  # any app's screen
            assert "again in 25s · failing for 31s" in first, (width, first)


def test_a_part_that_keeps_failing_is_said_failing_not_all_the_data_old() -> None:
    # Only the approvals read failing: "data 434s old" beside lists read on time.
    from flowsynx_tui.services.status import ConnectionState, ServerStatus
    from flowsynx_tui.widgets.status_header import render_header

    status = ServerStatus(url="http://127.0.0.1:6262", user="admin", version="1.3.0")
    status.connection = ConnectionState("partial", reason="HTTP 500", route="GET /workflows/x/executions/y/approvals",
                                        retry_at=454.0, last_ok=0.0)
    first = render_header(status, now=434.0, width=200).plain.split("\n")[0]
    assert "● connected · ⚠ a read failed · again in 20s · failing for 434s · HTTP 500" in first and "old" not in first, first


def test_matching_that_waits_for_the_server_says_it_stopped() -> None:
    # After a token expired the header said "matched 10 of 27" for minutes, nothing moving.
    from flowsynx_tui.services.status import ConnectionState, ServerStatus
    from flowsynx_tui.widgets.status_header import render_header

    status = ServerStatus(url="http://127.0.0.1:6262", user="admin", version="1.3.0", matching=(10, 27))
    assert render_header(status, now=3.0, width=200).plain.endswith("matched 10 of 27")
    status.connection = ConnectionState("error", reason="the server refused the credentials", auth_failed=True)
    assert render_header(status, now=3.0, width=200).plain.endswith("matched 10 of 27, stopped")


@pytest.mark.parametrize("width", [40, 60, 78, 120])
def test_a_narrow_header_shortens_the_counts_before_it_cuts_the_approvals_waiting(width: int) -> None:
    from flowsynx_tui.api.models import Metrics
    from flowsynx_tui.services.status import ServerStatus
    from flowsynx_tui.widgets.status_header import render_header

    status = ServerStatus(url="http://127.0.0.1:6262", user="admin", version="1.3.0")
    status.metrics = Metrics(active_workflows=15, running_tasks=8, completed_today=234, failed_workflows=16)
    status.approvals_waiting = 12
    second = render_header(status, now=0.0, width=width).plain.split("\n")[1]
    # Textual cuts the line at the terminal's width: what is past it is not seen.
    assert "⚑ 12 approvals waiting" in second[:width], second
    if width >= 78:
        assert "failed 16" in second[:width] and second.startswith("active 15"), second
    status.approvals_waiting = 0
    alone = render_header(status, now=0.0, width=width).plain.split("\n")[1]
    assert alone.endswith("16") and len(alone) <= width, alone  # every count, none cut


async def test_failed_lookups_of_runs_workflows_do_not_say_the_server_is_down(emulator_server) -> None:
    # v1.3.0 lists every run under any workflow (Q1): each run's workflow is found by
    # reading its details under one workflow after another. Those reads fail here, and are
    # tried again later by themselves; the lists on screen answer.
    server = emulator_server(frozen=True, fidelity="real", faults=Faults(only=r"/executions/[0-9a-f-]+$", error_rate=1.0))
    app = new_app(server.url, Tap(), refresh=0.2)
    states: set[str] = set()
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(
            pilot, lambda: sum(1 for r in server.emulator.requests if r.status == 500) >= 9, what="lookups failing"
        )
        cycles = app.services.poller.jobs["overview"].runs
        while app.services.poller.jobs["overview"].runs < cycles + 5:  # five polling cycles after
            states.add(app.services.status.connection.state)
            await pilot.pause(0.05)
        assert app.services.overview.index.unmatched > 0  # still failing: nothing was matched
    assert states == {"ok"}, states


async def test_the_data_age_in_the_header_is_that_of_what_fails_not_of_any_answer(emulator_server) -> None:
    server = emulator_server(frozen=True)
    running = seed.execution_id("warehouse-load", 4)
    app = new_app(server.url, Tap(), refresh=0.2)
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(pilot, app)
        app.navigate(ExecutionView(seed.workflow_id("warehouse-load"), running), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await wait_for(pilot, lambda: app.screen.snapshot.details is not None, what="the run's details")
        # Only this run's details fail; the lists around it answer five times a second.
        server.emulator.faults.only, server.emulator.faults.error_rate = f"/executions/{running}$", 1.0
        await wait_for(pilot, lambda: "HTTP 500" in header_text(app), what="the failure in the header")
        await wait_for(
            # The rest is read: the part that fails is said failing, for how long.
            pilot, lambda: int(re.search(r"failing for (\d+)s", header_text(app))[1]) >= 2, what="the run's data aging"
        )
        assert len([r for r in server.emulator.requests if r.path == "/workflows"]) > 0


async def test_at_80_columns_the_header_still_names_the_server_while_a_read_fails(emulator_server) -> None:
    # "● connected · ⚠ a read failed · again in 1s · failing for 2s" took the first line
    # whole at 80 columns, and the server's address was left out to make room for it.
    server = emulator_server(frozen=True)
    app = make_app("http://flowsynx-prod:6262", forward_to_port=server.port, refresh=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        fail_only(server.emulator, r"^/workflows$")

        def first_line() -> str:
            return screen_text(app).splitlines()[0]

        await wait_for(pilot, lambda: "a read failed" in first_line() and "failing for" in first_line(), what="the failure")
        assert re.match(r" ◆ flowsynx-prod:6262  ● ⚠ a read failed · again in \d+s · failing for \d+s", first_line()), first_line()


async def test_a_run_whose_first_read_fails_while_the_rest_answers_is_not_called_reconnecting(emulator_server) -> None:
    server = emulator_server(frozen=True)
    running = seed.execution_id("warehouse-load", 4)
    app = new_app(server.url, Tap(), refresh=0.2)
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(pilot, app)
        server.emulator.faults.only, server.emulator.faults.error_rate = f"/executions/{running}$", 1.0
        app.navigate(ExecutionView(seed.workflow_id("warehouse-load"), running), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        # The lists around it answer five times a second: the server is there.
        await wait_for(pilot, lambda: "● connected · ⚠ a read failed" in header_text(app), what="the failure named")
        assert "reconnecting" not in header_text(app)


@fault_class(SERVER_DOWN)
async def test_server_not_running_at_start_then_data_appears_by_itself() -> None:
    port = free_port()
    server = EmulatorServer(Emulator(time_scale=0.02, frozen=True), port=port)
    tap = Tap()
    app = new_app(f"http://127.0.0.1:{port}", tap, refresh=0.2)
    delays: list[float] = []
    seen_failures = 0

    def record_backoff() -> bool:
        # Each failed poll of the overview pushes its next attempt further out.
        nonlocal seen_failures
        job = app.services.poller.jobs.get("overview")
        if job is not None and job.failures > seen_failures:
            seen_failures = job.failures
            delays.append(job.backoff)
        return len(delays) >= 2
    try:
        async with app.run_test(size=(200, 30)) as pilot:
            assert isinstance(app.screen, WorkflowsScreen)
            await wait_for(pilot, record_backoff, what="two failed polls")
            await wait_for(pilot, lambda: "retrying in" in header_text(app), what="retrying in the header")
            text = header_text(app)
            # When, then why, then which request: the line is cut at the terminal's width.
            assert re.search(r"reconnecting · retrying in \d+s · cannot reach the server \(connection refused\) · GET /\w+\n", text), text
            # Backoff: each wait at least a third longer than the one before (doubling, ±20% jitter).
            assert delays[1] >= delays[0] * 1.3, delays
            assert main_table(app).row_count == 0
            # Nothing read yet: the empty screen's title says why, whole (the header is cut
            # at 80 columns).
            title = str(app.screen.query_one("#title").render())
            assert re.search(r"Workflows \(0\) · cannot reach http://127\.0\.0\.1:\d+ \(connection refused\)", title), title
            server.start()
            table = main_table(app)
            await wait_for(pilot, lambda: table.row_count == SEED_WORKFLOWS, timeout=20, what="the workflows")
            assert "cannot reach" not in str(app.screen.query_one("#title").render())
            await wait_for(pilot, lambda: "connected" in header_text(app), what="connected")
            assert app.is_running
    finally:
        server.stop()
    assert not tap.piled_up()


@fault_class(SERVER_RESTART)
async def test_server_restart_keeps_stale_rows_with_their_age_and_reconnects(emulator_server) -> None:
    server = emulator_server(frozen=True)
    tap = Tap()
    app = new_app(server.url, tap, refresh=0.2)
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS, what="all executions")
        before = [cell(table, key, "status") for key in table.keys]
        server.stop()
        await wait_for(
            pilot,
            lambda: re.search(r"data [1-9]\d*s old", header_text(app)) and "reconnecting" in header_text(app),
            what="stale data marked with its age",
        )
        assert "cannot reach" in header_text(app)
        assert [cell(table, key, "status") for key in table.keys] == before  # last good data stays
        server.start()
        await wait_for(pilot, lambda: "connected" in header_text(app), timeout=20, what="reconnected")
        server.emulator.start_execution(NIGHTLY)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS + 1, what="fresh data after the restart")
        assert isinstance(app.screen, ExecutionsScreen) and app.is_running
        assert "Traceback" not in notifications(app)
    assert not tap.piled_up()


# ------------------------------------------------------------------ 5xx and drops


@fault_class(ERROR_BURSTS)
async def test_500_503_bursts_and_dropped_connections_keep_data_and_never_pile_up(emulator_server) -> None:
    server = emulator_server(frozen=True)
    emulator = server.emulator
    tap = Tap()
    app = new_app(server.url, tap, refresh=0.2)
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(pilot, app)
        app.navigate(ExecutionView(WAREHOUSE, RUNNING))  # more routes polled: details, tasks, logs
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        pane = screen.query_one(LogPane)
        await wait_for(pilot, lambda: pane.line_count > 0 and screen.snapshot.details is not None, what="log lines and details")
        lines = pane.line_count
        for fault, switch, words in ((ERROR_BURSTS, "error_rate", "HTTP 50"),
                                     (DROPS, "drop_rate", "dropped the connection")):
            with scenario(fault):
                hit_before = sum(1 for r in emulator.requests if r.fault in ("error", "drop"))
                emulator.faults.latency = 0.1
                setattr(emulator.faults, switch, 1.0)
                await wait_for(pilot, lambda: words in header_text(app), what=f"{words!r} in the header")
                await pilot.pause(0.6)  # a few failing cycles, with the client's retries
                text = header_text(app)
                assert "reconnecting" in text and re.search(r"GET /\S+", text) and "retrying in" in text, text
                assert app.screen is screen and pane.line_count == lines and screen.snapshot.details is not None
                setattr(emulator.faults, switch, 0.0)
                emulator.faults.latency = 0.0
                await wait_for(pilot, lambda: "connected" in header_text(app), timeout=20, what="recovered")
                hit = sum(1 for r in emulator.requests if r.fault in ("error", "drop")) - hit_before
                assert hit >= 3, "the fault was not exercised"
                assert not tap.piled_up(), tap.piled_up()
                known = len(app.services.overview.index)
                emulator.start_execution(NIGHTLY)
                await wait_for(pilot, lambda: len(app.services.overview.index) == known + 1, what="fresh data")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS + 2, what="the new runs on screen")
    assert not tap.piled_up(), tap.piled_up()


@fault_class(ERROR_BURSTS)
async def test_a_server_failing_every_read_is_not_called_connected_because_of_its_optional_routes(
    emulator_server,
) -> None:
    server = emulator_server(frozen=True)
    emulator = server.emulator
    app = new_app(server.url, Tap(), refresh=0.2)
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(pilot, app)
        poller = app.services.poller
        await wait_for(pilot, lambda: app.services.status.version is not None, what="the server's version read")
        emulator.faults.error_rate = 1.0
        # A cycle under way at the switch reads a part before it: wait for one failing whole.
        await wait_for(pilot, lambda: poller.jobs["overview"].failures > 0, timeout=20, what="a read failing whole")
        await wait_for(pilot, lambda: "reconnecting" in header_text(app), what="the failure in the header")
        # /metrics is read after the lists failed, and fails as they do (a 500 is no answer).
        server_job = poller.jobs["server"]
        runs = server_job.runs
        poller.refresh("server")
        await wait_for(pilot, lambda: server_job.runs > runs, what="the optional routes read again")
        await pilot.pause(0.1)
        text = header_text(app)
        assert "reconnecting" in text and "connected ·" not in text, text
        emulator.faults.error_rate = 0.0
        await wait_for(pilot, lambda: "● connected" in header_text(app), timeout=20, what="recovered")


# ------------------------------------------------------------------ one kind of request failing


def fail_only(emulator: Emulator, path_pattern: str) -> None:
    emulator.faults.only = path_pattern
    emulator.faults.error_rate = 1.0


def heal(emulator: Emulator) -> None:
    emulator.faults.error_rate = 0.0
    emulator.faults.only = ""


@fault_class(PARTIAL)
async def test_a_failing_workflow_list_does_not_hide_a_new_approval(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = new_app(server.url, Tap(), refresh=0.3)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        table = main_table(app)
        approvals = app.services.overview.approvals
        waiting = len(approvals.all())
        fail_only(emulator, r"^/workflows$")
        await wait_for(pilot, lambda: "· GET /workflows\n" in header_text(app), what="the failing route named")
        execution_id = emulator.start_execution(INVOICE)
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Paused", what="the run at its gate")
        # Every cycle fails its first request; the executions, their workflows and the
        # approvals are still read in each of them.
        await wait_for(pilot, lambda: len(approvals.all()) == waiting + 1, timeout=20, what="the new approval")
        await wait_for(pilot, lambda: "New approval" in notifications(app), what="its toast")
        assert table.row_count == SEED_WORKFLOWS, "the last good workflow list left the screen"
        # The server answers the rest: connected, with what fails named (not "reconnecting").
        assert "● connected · ⚠ a read failed" in header_text(app) and "· GET /workflows\n" in header_text(app)
        heal(emulator)
        await wait_for(pilot, lambda: "connected" in header_text(app), timeout=20, what="recovered")


@fault_class(PARTIAL)
async def test_one_unreadable_approval_list_does_not_hide_the_others(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = new_app(server.url, Tap(), refresh=0.3)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        approvals = app.services.overview.approvals
        known = {a.id for a in approvals.all()}
        assert len(known) == 1
        seeded_paused = seed.execution_id("invoice-approval", 5)
        fail_only(emulator, f"{seeded_paused}/approvals$")
        await wait_for(pilot, lambda: "/approvals\n" in header_text(app), what="the failing route named")
        new_run = emulator.start_execution(INVOICE)
        # The seeded paused run comes first in every cycle and fails; the new one is still read.
        await wait_for(pilot, lambda: any(a.execution_id == new_run for a in approvals.all()), timeout=20,
                       what="the new run's approval")
        assert known <= {a.id for a in approvals.all()}, "the approval that could not be re-read was dropped"
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        await wait_for(pilot, lambda: main_table(app).row_count == 2, what="both approvals in the inbox")
        heal(emulator)
        await wait_for(pilot, lambda: "connected" in header_text(app), timeout=20, what="recovered")


@fault_class(PARTIAL)
async def test_approvals_never_read_are_unknown_not_none(emulator_server) -> None:
    # Every approvals read failing from the start: the inbox said "Approvals waiting (0) ·
    # none" for as long as it lasted, the header no approvals at all, and a on the paused
    # run "No pending approval is known" - an operator read that nothing waited.
    server = emulator_server(frozen=True)
    emulator = server.emulator
    fail_only(emulator, "/approvals$")
    app = new_app(server.url, Tap(), refresh=0.3)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        title = app.screen.query_one("#title")
        await wait_for(pilot, lambda: "Approvals waiting (unknown) · approvals of 1 paused run unknown: their read "
                       "failed (HTTP 50" in str(title.render()), what="the inbox unsure")
        assert "none" not in str(title.render())
        assert "⚑ approvals unknown" in header_text(app)
        paused = seed.execution_id("invoice-approval", 5)
        app.navigate(ExecutionView(INVOICE, paused))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.snapshot.details is not None and screen.snapshot.failures, what="read")
        await pilot.press("a")
        await wait_for(pilot, lambda: "Its approvals could not be read (HTTP 50" in notifications(app),
                       what="why there is nothing to approve")
        heal(emulator)
        await wait_for(pilot, lambda: "⚑ 1 approval waiting" in header_text(app), timeout=20, what="read at last")


@fault_class(PARTIAL)
async def test_failing_task_list_keeps_the_tree_while_the_status_moves_on(emulator_server) -> None:
    server = emulator_server(time_scale=0.05, seed=False)
    emulator = server.emulator
    hints = {"emulator": {"seconds": 60}}  # 3 s each at this time scale
    workflow_id = emulator.add_workflow(
        {"Name": "two-steps", "Tasks": [
            {"Name": "First", "Type": "Demo:1.0", "Execution": {"Parameters": hints}},
            {"Name": "Second", "Type": "Demo:1.0", "Execution": {"Parameters": hints},
             "FlowControl": {"Dependencies": ["First"]}},
        ]}
    )
    gate = emulator.add_workflow(
        {"Name": "held", "Tasks": [{"Name": "Hold", "Type": "Demo:1.0", "ManualApproval": {"Enabled": True}}]}
    )
    # The real server runs one execution at a time: a paused run keeps the queue free.
    emulator.start_execution(gate)
    app = new_app(server.url, Tap(), refresh=0.3)
    async with app.run_test(size=(160, 40)) as pilot:
        # The run starts once the dashboard is up, which on a busy machine takes longer than it.
        await wait_for(pilot, lambda: "connected" in header_text(app), what="connected")
        execution_id = emulator.start_execution(workflow_id)
        await asyncio.to_thread(emulator.wait_for_status, execution_id, "Running", 15)
        app.navigate(ExecutionView(workflow_id, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.snapshot.tasks, what="the task rows")
        assert not screen.snapshot.final
        fail_only(emulator, r"/tasks$")
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Completed", timeout=20)
        # The details still come in: the header says Completed while the task rows wait.
        info = screen.query_one("#exec-info")
        await wait_for(pilot, lambda: "Completed" in str(info.render()), timeout=20, what="Completed shown")
        assert screen.snapshot.tasks and not screen.snapshot.final, "final before the task rows were read"
        assert "/tasks\n" in header_text(app)  # the failing request, last on its line
        heal(emulator)
        await wait_for(pilot, lambda: screen.snapshot.final, timeout=20, what="final once the tasks are read")
        assert {t.name: t.status.value for t in screen.snapshot.tasks} == {"First": "Completed", "Second": "Completed"}


# ------------------------------------------------------------------ lossy log pages

#: Entries read by the pane vs on the server, per fault mix; printed in the summary.
LOG_FIGURES: list[str] = []


@fault_class(LOSSY_LOGS)
@pytest.mark.parametrize("faults", ["error_rate=0.6", "drop_rate=0.6", "error_rate=0.4,drop_rate=0.3"])
async def test_log_pages_that_fail_lose_no_line_and_repeat_none(emulator_server, faults: str) -> None:
    server = emulator_server(seed=False)
    emulator = server.emulator
    population = populate(emulator, workflows=1, finished=1, paused=0)
    (execution_id,) = population.finished_ids
    total = add_log_lines(emulator, execution_id, 4_537)
    expected = [record.message for record in sorted(emulator.store.logs(execution_id), key=lambda r: r.timestamp)]
    assert len(expected) >= total
    emulator.faults = Faults.parse(f"{faults},only=/logs$,seed=3")
    app = new_app(server.url, Tap(), refresh=0.2)
    async with app.run_test(size=(160, 40)) as pilot:
        app.navigate(ExecutionView(population.workflow_of[execution_id], execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        pane = screen.query_one(LogPane)
        await wait_for(pilot, lambda: screen.logs_complete, timeout=60, what="every log page read")
        failed = sum(1 for r in emulator.requests if r.fault in ("error", "drop") and r.path.endswith("/logs"))
        assert failed >= 3, "the faults were not exercised"
        # Entry lines as saved (exception texts follow their entry, indented).
        shown = [line for line in pane.visible_text() if not line.startswith(" ")]
        assert len(shown) == len(expected), f"{len(shown)} lines in the pane, {len(expected)} on the server"
        for line, message in zip(shown, expected, strict=True):
            assert line.endswith(" " + message), (line, message)
        assert f"{len(expected):,} lines" in pane.status_text
        LOG_FIGURES.append(f"{faults}: {len(shown):,} of {len(expected):,} entries, {failed} log requests failed")


# ------------------------------------------------------------------ latency


@fault_class(LATENCY)
async def test_keys_stay_responsive_on_a_slow_server_with_one_request_per_route(emulator_server) -> None:
    server = emulator_server(frozen=True)
    tap = Tap()
    app = new_app(server.url, tap)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        server.emulator.faults.latency = 2.0
        server.emulator.faults.latency_jitter = 3.0
        await wait_for(pilot, lambda: any(tap.in_flight.values()), timeout=3, what="a slow poll in flight")
        # Every request now takes 2-5 s. What is checked is that each key takes effect before
        # any answer could have come, not a speed: a UI that waited for one would need 2 s or
        # more (quiet, these keys take 10-40 ms; a busy CI machine once took 1.1 s).
        sooner = server.emulator.faults.latency
        took = await timed(pilot, lambda: isinstance(app.screen, ExecutionsScreen) and app.screen.is_mounted, "2")
        assert took < sooner, f"'2' took {took:.2f}s"
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS, what="rows from memory")
        row = table.cursor_row
        took = await timed(pilot, lambda: table.cursor_row == row + 1, "down")
        assert took < sooner, f"down took {took:.2f}s"
        took = await timed(pilot, lambda: table.cursor_row > row + 1, "pagedown")
        assert took < sooner, f"pagedown took {took:.2f}s"
        # Opening, leaving and reopening a detail view while its first requests are slow.
        table.select_key(RUNNING)
        for _ in range(2):
            took = await timed(pilot, lambda: isinstance(app.screen, ExecutionDetailScreen), "enter")
            assert took < sooner, f"enter took {took:.2f}s"
            assert app.screen.snapshot.details is None, "the detail screen waited for its first read"
            await pilot.pause(0.2)
            took = await timed(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "escape")
            assert took < sooner, f"escape took {took:.2f}s"
        await pilot.pause(0.3)
        # Slow is not down: no request timed out, so the header never says "reconnecting".
        assert "connected" in header_text(app) and app.services.poller.connection.state == "ok"
    assert not tap.piled_up(), f"more than one request in flight: {tap.piled_up()}"


@fault_class(LATENCY)
async def test_the_first_rows_say_connected_while_the_rest_is_slow(emulator_server) -> None:
    server = emulator_server(frozen=True)
    # Everything but the workflow list is slow: the first rows come long before the cycle ends.
    server.emulator.faults.only = r"/(executions|version|approvals)"
    server.emulator.faults.latency = 5.0
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_WORKFLOWS, what="the first rows")
        await wait_for(pilot, lambda: "connected" in header_text(app), timeout=2, what="'connected' beside them")
        assert "connecting" not in header_text(app)
        assert not app.services.overview.index.workflow_of, "the rest of the cycle was not slow"


# ------------------------------------------------------------------ broken data


@fault_class(BROKEN_DATA)
async def test_malformed_json_is_named_and_the_rest_keeps_working(emulator_server) -> None:
    server = emulator_server(frozen=True)
    emulator = server.emulator
    app = new_app(server.url, Tap())
    async with app.run_test(size=(220, 30)) as pilot:
        await loaded(pilot, app)
        table = main_table(app)
        emulator.faults.malformed_rate = 1.0
        await wait_for(pilot, lambda: "not JSON" in header_text(app), what="malformed answer reported")
        assert re.search(r"the server's answer was not JSON · GET /(workflows|metrics)\S*\n", header_text(app))
        assert table.row_count == SEED_WORKFLOWS
        emulator.faults.malformed_rate = 0.0
        emulator.start_execution(NIGHTLY)
        await wait_for(pilot, lambda: "connected" in header_text(app), what="recovered")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        executions = main_table(app)
        await wait_for(pilot, lambda: executions.row_count == SEED_EXECUTIONS + 1, what="the new execution")


@fault_class(BROKEN_DATA)
async def test_wrong_field_types_are_named_and_the_rest_keeps_working(emulator_server) -> None:
    server = emulator_server(frozen=True)
    emulator = server.emulator
    app = new_app(server.url, Tap())
    async with app.run_test(size=(220, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS)
        emulator.faults.wrong_types_rate = 1.0

        def reported() -> bool:
            told = header_text(app) + notifications(app)
            return bool(re.search(r"GET /\S+: (unexpected|expected a list|item \d+ skipped)", told))

        await wait_for(pilot, reported, what="the mistyped answer named with its route")
        assert table.row_count >= SEED_EXECUTIONS - 1
        emulator.faults.wrong_types_rate = 0.0
        emulator.start_execution(NIGHTLY)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS + 1, what="updates once the fault is off")
        assert any(r.fault == "wrong_types" for r in emulator.requests)


@fault_class(BROKEN_DATA)
async def test_missing_fields_and_unknown_status_values(emulator_server) -> None:
    server = emulator_server(frozen=True)
    broken = {"on": True}
    weird = seed.execution_id("nightly-csv-export", 1)
    incomplete = seed.execution_id("nightly-csv-export", 2)

    def edit(request: httpx.Request, body: dict[str, Any]) -> dict[str, Any] | None:
        if not broken["on"] or request.method != "GET" or not request.url.path.endswith("/executions"):
            return None
        for item in body.get("data") or []:
            if item.get("id") == weird:
                item["status"] = "Quarantined"
            if item.get("id") == incomplete:
                del item["id"]
        return body

    app = new_app(server.url, Tap(edit))
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.services.overview.index.workflow_of) >= SEED_EXECUTIONS - 1, what="loaded")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS - 1, what="all readable executions")
        assert cell(table, weird, "status").startswith("? Quarantined")
        await wait_for(pilot, lambda: "item" in notifications(app), what="the skipped item reported")
        told = notifications(app)
        assert re.search(r"GET /workflows/[0-9a-f-]+/executions: item \d+ skipped: id", told), told
        broken["on"] = False
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS, what="the item back once readable")
        await wait_for(pilot, lambda: cell(table, weird, "status").startswith("✔ Completed"), what="known status")


@fault_class(BROKEN_DATA)
async def test_an_unreadable_log_entry_is_named_and_the_rest_of_the_log_shown(emulator_server) -> None:
    server = emulator_server(frozen=True)

    def edit(request: httpx.Request, body: dict[str, Any]) -> dict[str, Any] | None:
        if not request.url.path.endswith("/logs"):
            return None
        for item in (body.get("data") or [])[:1]:
            item["timeStamp"] = "yesterday"
        return body

    app = new_app(server.url, Tap(edit))
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(pilot, app)
        app.navigate(ExecutionView(WAREHOUSE, seed.execution_id("warehouse-load", 1)))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        pane = app.screen.query_one(LogPane)
        await wait_for(pilot, lambda: app.screen.logs_complete and pane.line_count > 0, what="the readable lines")
        await wait_for(pilot, lambda: "item 1 skipped" in notifications(app), what="the unreadable entry named")
        assert re.search(r"GET /workflows/\S+/logs: item 1 skipped: timeStamp", notifications(app))


@fault_class(BROKEN_DATA)
async def test_an_unreadable_workflow_item_is_named(emulator_server) -> None:
    server = emulator_server(frozen=True)

    def edit(request: httpx.Request, body: dict[str, Any]) -> dict[str, Any] | None:
        if request.url.path != "/workflows":
            return None
        for item in (body.get("data") or [])[:1]:
            item["name"] = ["not", "a", "string"]
        return body

    app = new_app(server.url, Tap(edit))
    async with app.run_test(size=(200, 30)) as pilot:
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_WORKFLOWS - 1, what="the readable workflows")
        await wait_for(pilot, lambda: "GET /workflows: item 1 skipped" in notifications(app), timeout=1,
                       what="the unreadable workflow named")


# ------------------------------------------------------------------ 401


@pytest.fixture
def clean_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME, XDG dirs and the working directory in an empty tmp dir."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = home / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    monkeypatch.chdir(home)
    return home


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


@fault_class(EXPIRED)
async def test_expired_token_asks_for_a_new_one_and_resumes_in_place(emulator_server, clean_home: Path) -> None:
    server = emulator_server(auth="bearer", frozen=True)
    emulator = server.emulator
    app = new_app(server.url, Tap(), credentials=BearerCredentials(emulator.issue_token("admin", 3600)))
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        screen = app.screen
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS)
        emulator.faults.token_expires_after_requests = 0  # the session expires now
        emulator.start_execution(NIGHTLY)  # something new to see once signed in again
        await wait_for_screen(pilot, app, LoginDialog)
        dialog_text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "rejected the credentials" in dialog_text
        assert table.row_count == SEED_EXECUTIONS  # still there behind the dialog
        token = emulator.issue_token("admin", 3600)
        emulator.faults.token_expires_after_requests = None
        field = app.screen.query_one("#token", Input)
        assert app.screen.focused is field
        field.value = token
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="back on the same screen")
        await wait_for(pilot, lambda: table.row_count == SEED_EXECUTIONS + 1, what="fresh data after signing in")
        await wait_for(pilot, lambda: "connected" in header_text(app), what="connected")
    assert files_under(clean_home) == []


@fault_class(EXPIRED)
@pytest.mark.parametrize("fidelity", ["friendly", "real"])
async def test_a_token_refused_by_the_servers_counters_asks_for_a_new_one_at_once(emulator_server, fidelity: str) -> None:
    # real: v1.3.0 answers /metrics 404 without an identity (Q14), not 401; a 404 where it
    # answered before has the lists read now, whose 401 asks (they are read every 10 minutes).
    server = emulator_server(auth="bearer", frozen=True, fidelity=fidelity)
    emulator = server.emulator
    app = new_app(server.url, Tap(), refresh=600, credentials=BearerCredentials(emulator.issue_token("admin", 3600)))
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        await wait_for(pilot, lambda: app.services.status.metrics is not None, what="the counters")
        emulator.faults.token_expires_after_requests = 0  # the session expires now
        # The next read is the header's (the lists are read again in 10 minutes): its 401
        # is the credentials', not "metrics unavailable".
        app.services.poller.refresh("server")
        await wait_for_screen(pilot, app, LoginDialog, timeout=5)
        if fidelity == "friendly":
            assert app.services.status.metrics_missing is None


@fault_class(EXPIRED)
async def test_changed_password_asks_again_and_resumes_in_place(
    emulator_server, clean_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = emulator_server(auth="basic", frozen=True)
    app = new_app(server.url, Tap(), credentials=BasicCredentials("admin", "admin"))
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        workflows = app.screen
        main_table(app).select_key(NIGHTLY)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        screen = app.screen
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == NIGHTLY_RUNS, what="the nightly runs")
        # The admin's password is changed on the server mid-session.
        admin = emulator_auth.DEMO_USERS["admin"]
        monkeypatch.setitem(emulator_auth.DEMO_USERS, "admin", emulator_auth.DemoUser("n3w-pass", admin.user))
        server.emulator.start_execution(NIGHTLY)
        await wait_for_screen(pilot, app, LoginDialog)
        assert app.screen.query_one("#username", Input).value == "admin"
        # Typed once the dialog has put the cursor in the password field, as a person would.
        password = app.screen.query_one("#password", Input)
        await wait_for(pilot, lambda: password.has_focus, what="the password field focused")
        await pilot.press(*"n3w-pass", "enter")
        await wait_for(pilot, lambda: app.screen is screen, what="back on the same screen")
        await wait_for(pilot, lambda: table.row_count == NIGHTLY_RUNS + 1, what="fresh data after signing in")
        assert app.screen_stack[-2] is workflows  # the way back is kept too
    assert files_under(clean_home) == []


@fault_class(EXPIRED)
async def test_a_first_start_against_a_server_with_sign_in_does_not_say_again(emulator_server) -> None:
    server = emulator_server(auth="basic", frozen=True)
    app = new_app(server.url, Tap())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, app, LoginDialog)
        said = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert said.startswith("Sign in ") and "Sign in again" not in said, said


@fault_class(EXPIRED)
async def test_a_start_with_a_user_name_and_no_password_asks_for_it_without_saying_rejected(emulator_server) -> None:
    # Nothing was rejected: no password was ever given (none on the command line, in the
    # environment or the profile). It said "Sign in again: the server rejected the credentials".
    server = emulator_server(auth="basic", frozen=True)
    app = new_app(server.url, Tap(), credentials=BasicCredentials("admin", ""))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, app, LoginDialog)
        said = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "Sign in" in said and "again" not in said and "rejected" not in said, said
        assert "No password was given for admin" in said
        assert "needs a password; none was given" in header_text(app)
        password = app.screen.query_one("#password", Input)
        await wait_for(pilot, lambda: password.has_focus, what="the password field focused")
        await pilot.press(*"admin", "enter")
        await wait_for(pilot, lambda: main_table(app).row_count == SEED_WORKFLOWS, what="signed in, the workflows")


# ------------------------------------------------------------------ 403


@fault_class(FORBIDDEN)
async def test_without_the_approvals_role_the_inbox_says_why_and_the_rest_works(emulator_server) -> None:
    server = emulator_server(auth="bearer", frozen=True)
    token = server.emulator.issue_token("viewer", 3600, roles=["workflows", "executions"])
    app = new_app(server.url, Tap(), credentials=BearerCredentials(token))
    async with app.run_test(size=(160, 40)) as pilot:
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == SEED_WORKFLOWS, what="workflows")
        await wait_for(pilot, lambda: "Missing role: approvals hidden" in notifications(app), what="the role named")
        assert "admin or approvals" in notifications(app)
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        title = str(app.screen.query_one("#title").render())
        assert "hidden" in title and "admin or approvals" in title, title
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        executions = main_table(app)
        await wait_for(pilot, lambda: executions.row_count == SEED_EXECUTIONS, what="executions")
        assert "connected" in header_text(app)


@fault_class(FORBIDDEN)
async def test_viewer_sees_executions_and_is_told_which_role_the_rest_needs(emulator_server) -> None:
    server = emulator_server(auth="basic", frozen=True)
    app = new_app(server.url, Tap(), credentials=BasicCredentials("viewer", "viewer"))
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for(
            pilot, lambda: "admin or workflows" in header_text(app) + notifications(app)
            + str(app.screen.query_one("#title").render()),
            what="the role /workflows needs",
        )
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        executions = main_table(app)
        await wait_for(pilot, lambda: executions.row_count == SEED_EXECUTIONS, what="the viewer's executions")
        assert "connected" in header_text(app)
        await pilot.press("enter")  # the execution routes need a workflow id the viewer cannot list
        await wait_for(pilot, lambda: "Cannot open it" in notifications(app), what="why it cannot open")
        assert "admin or workflows" in notifications(app)
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        title = str(app.screen.query_one("#title").render())
        assert "nothing waits" not in title, title
        # Not "(0)", which read as nothing to decide; and what it would take, in words.
        assert title.startswith("Approvals waiting (unknown) · needs the role admin or workflows to find the "
                                "approvals of 1 paused run"), title
        assert "admin or workflows" in title[:80], "the role within 80 columns"
        assert "⚑ approvals unknown" in header_text(app)
        assert app.is_running


# ------------------------------------------------------------------ failed actions


async def inbox_with_one_approval(pilot: Any, app: FlowSynxApp) -> KeyedTable:
    """The overview loaded, then the inbox open on the demo's one pending approval."""
    await loaded(pilot, app)
    return await open_inbox(pilot, app)


@fault_class(FAILED_ACTION)
async def test_dropped_approve_is_reported_reread_and_not_resent(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        table = await inbox_with_one_approval(pilot, app)
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        emulator.faults.drop_rate = 1.0
        await pilot.press("y")
        await wait_for(pilot, lambda: "may or may not have been applied" in notifications(app), what="the warning")
        assert "not sent again" in notifications(app)
        emulator.faults.drop_rate = 0.0
        # The server did apply it; the re-read shows that, and the user is told.
        await wait_for(pilot, lambda: table.row_count == 0, timeout=20, what="the state re-read")
        await wait_for(pilot, lambda: any(n.title == "Approve taken" for n in app.notices), what="the outcome told")
        assert re.search(
            r"PublishInvoices of run \w+ of invoice-approval no longer waits for a decision: the approve sent at "
            r"\d\d:\d\d:\d\d got no answer and was taken", notifications(app)
        ), notifications(app)
        await pilot.press("a", "y")  # nothing left to approve: no second request
        await pilot.pause(1.0)
    posts = [r.path for r in emulator.requests if r.method == "POST"]
    assert len(posts) == 1 and posts[0].endswith("/approve"), posts
    assert len(app.services.actions.sent) == 1


@fault_class(FAILED_ACTION)
async def test_an_approval_decided_with_an_answer_is_not_decided_again_while_its_reads_fail(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        table = await inbox_with_one_approval(pilot, app)
        (approval_id,) = table.keys
        # From now on the lists are not read, nor the run itself after the answer (which would
        # tell it no longer paused, see the next test): the row stays, read before the answer.
        emulator.faults.only, emulator.faults.error_rate = "/approvals$|/executions$|/executions/[0-9a-f-]+$", 1.0
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: any(n.title == "Approve sent" for n in app.notices), what="the answer")
        await wait_for(pilot, lambda: cell(table, approval_id, "state") == "approved", what="the row marked decided")
        await pilot.press("d")  # a reject went out for it, and was then told as "taken"
        await wait_for(pilot, lambda: "Already approved: the approve sent at" in notifications(app), what="the refusal")
        assert not isinstance(app.screen, ConfirmDialog)
    posts = [r.path for r in emulator.requests if r.method == "POST"]
    assert len(posts) == 1 and posts[0].endswith("/approve"), posts


@fault_class(FAILED_ACTION)
async def test_an_approved_run_read_after_the_answer_leaves_the_inbox_while_its_reads_fail(emulator_server) -> None:
    # The run read after the answer says it is no longer paused: it waits for no decision,
    # and its row goes with the toast that says so, though the lists are not read.
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        table = await inbox_with_one_approval(pilot, app)
        emulator.faults.only, emulator.faults.error_rate = "/approvals$|/executions$", 1.0
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: "; the run is now Completed" in notifications(app), what="the answer")
        await wait_for(pilot, lambda: table.row_count == 0, what="the row gone")
    posts = [r.path for r in emulator.requests if r.method == "POST"]
    assert len(posts) == 1 and posts[0].endswith("/approve"), posts


@fault_class(FAILED_ACTION)
async def test_a_start_to_a_server_that_went_away_is_said_not_sent(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app)
        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog)
        server.stop()  # refused from now on: no connection, so no request
        await pilot.press("y")
        await wait_for(pilot, lambda: "start request was not sent" in notifications(app), what="the failure")
        said = notifications(app)
        assert "Nothing changed on the server." in said and "connection refused" in said, said
        assert "may or may not" not in said, said
    assert len(app.services.actions.sent) == 1


async def asked_to_decide(pilot: Any, app: FlowSynxApp, key: str) -> tuple[KeyedTable, str]:
    """The inbox's one approval, and its question asked (``a`` or ``d``): the table and the id."""
    table = await inbox_with_one_approval(pilot, app)
    (approval_id,) = table.keys
    await pilot.press(key)
    await wait_for_screen(pilot, app, ConfirmDialog)
    return table, approval_id


@fault_class(FAILED_ACTION)
async def test_a_decision_answered_with_an_error_and_still_pending_after_is_told_not_applied(emulator_server) -> None:
    # The server answered the approve with a 503 and the approval stayed pending: the row
    # read "approved?" and the title "it may have been taken" for as long as the dashboard
    # ran, so an operator walked away from a run left paused.
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        table, approval_id = await asked_to_decide(pilot, app, "a")
        emulator.faults.only, emulator.faults.error_rate = "/approve$", 1.0
        await pilot.press("y")
        await wait_for(pilot, lambda: "may or may not have been applied" in notifications(app), what="the warning")
        heal(emulator)
        await wait_for(pilot, lambda: any(n.title == "Approve not applied" for n in app.notices), timeout=20,
                       what="the outcome told")
        assert re.search(r"the approve sent at \d\d:\d\d:\d\d failed \(HTTP 50[03]", notifications(app)), notifications(app)
        # The row is redrawn from the read that told it, a moment after the toast.
        await wait_for(pilot, lambda: cell(table, approval_id, "state") == "⚑", timeout=2,
                       what="the row still waiting, and shown so")
        await wait_for(pilot, lambda: "outcome unknown" not in str(app.screen.query_one("#title").render()),
                       timeout=2, what="the title no longer unsure")
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        dialog = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "⚠" not in dialog, "nothing to warn of: it was not applied"
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0, timeout=20, what="approved this time")
    assert len([r for r in emulator.requests if r.method == "POST"]) == 2


@fault_class(FAILED_ACTION)
async def test_a_decision_without_an_answer_is_marked_and_deciding_again_is_warned_and_explained(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        table, approval_id = await asked_to_decide(pilot, app, "d")
        # The reject reaches the server 3 s late; the client gives up after 0.4 s.
        app.services.client.timeout = 0.4
        emulator.faults.only, emulator.faults.latency = "/reject$", 3.0
        await pilot.press("y")
        await wait_for(pilot, lambda: "may or may not have been applied" in notifications(app), what="the warning")
        # Still pending on the server (the request is on its way): marked, not plain.
        await wait_for(pilot, lambda: cell(table, approval_id, "state") == "rejected?", what="the row marked")
        title = str(app.screen.query_one("#title").render())
        assert "1 decision sent, outcome unknown: it may have been taken" in title, title
        app.services.client.timeout = 10.0
        await pilot.press("d")
        await wait_for_screen(pilot, app, ConfirmDialog)
        dialog = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert re.search(r"The reject sent at \d\d:\d\d:\d\d got no answer \(no answer from .* within 0\.4 s\): it may have been applied", dialog), dialog
        await pilot.press("y")  # sent by hand, after the warning: a second request
        await wait_for(pilot, lambda: "got no answer and was taken" in notifications(app), timeout=20, what="the second explained")
        assert "Someone else decided first" not in notifications(app)
        await wait_for(pilot, lambda: table.row_count == 0, timeout=20, what="the inbox empty")
    assert len([r for r in emulator.requests if r.method == "POST"]) == 2
    assert len(app.services.actions.sent) == 2


@fault_class(FAILED_ACTION)
async def test_timed_out_cancel_is_reported_reread_and_not_resent(emulator_server) -> None:
    server = emulator_server(time_scale=1.0, seed=False)
    emulator = server.emulator
    workflow_id, execution_id = running_slow_run(emulator)
    app = new_app(server.url, Tap())
    async with app.run_test(size=(160, 40)) as pilot:
        app.navigate(ExecutionsView(workflow_id), top_level=True)
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("c")
        await wait_for_screen(pilot, app, ConfirmDialog)
        app.services.client.timeout = 0.4
        emulator.faults.latency = 1.0
        await pilot.press("y")
        await wait_for(pilot, lambda: "may or may not have been applied" in notifications(app), what="the warning")
        assert "no answer" in notifications(app)
        emulator.faults.latency = 0.0
        app.services.client.timeout = 10.0
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Failed", what="cancel applied late")
        await wait_for(pilot, lambda: "Failed" in cell(table, execution_id, "status"), what="state re-read")
        await pilot.pause(1.0)
    assert len([r for r in emulator.requests if r.method == "POST"]) == 1
    assert len(app.services.actions.sent) == 1


# ------------------------------------------------------------------ hostile data

HOSTILE_TEXT = (
    "[bold red]markup[/] [link=http://evil]x[/link] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]8;;http://evil\x1b\\l\x1b]8;;\x1b\\"
    " bell\x07 nul\x00 bs\x08 cr\r del\x7f c1\x9b2J tab\t 漢字テキスト 😀🎉👩‍👩‍👧 مرحبا \u202eevil\u202c"
)


@fault_class(HOSTILE)
async def test_hostile_names_render_safely_on_every_screen(emulator_server) -> None:
    server = emulator_server(time_scale=0.05, seed=False)
    emulator = server.emulator
    long_name = "very-long-name-" + "汉" * 300 + "x" * 3000
    workflow_id = emulator.add_workflow(
        {
            "Name": HOSTILE_TEXT,
            "Description": HOSTILE_TEXT,
            "Tasks": [
                {"Name": "Gate " + HOSTILE_TEXT[:60], "Type": "Demo:1.0",
                 "ManualApproval": {"Enabled": True, "Comment": HOSTILE_TEXT},
                 "Execution": {"Parameters": {"emulator": {"seconds": 0.1}}}},
            ],
        }
    )
    emulator.add_workflow({"Name": long_name, "Tasks": [{"Name": "T", "Type": "Demo:1.0"}]})
    execution_id = emulator.start_execution(workflow_id)
    emulator.wait_for_status(execution_id, {"Paused"}, timeout=15)
    app = new_app(server.url, Tap(), refresh=1.0)
    async with app.run_test(size=(120, 30)) as pilot:
        table = main_table(app)
        await wait_for(pilot, lambda: table.row_count == 2 and app.services.overview.approvals.all(), what="both workflows")
        await pilot.pause(0.3)
        text = assert_rendered_safely(app)
        assert "[bold red]markup[/]" in text and "…" in text, text  # literal markup; long name cut
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        await wait_for(pilot, lambda: main_table(app).row_count == 1)
        assert_rendered_safely(app)
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        await wait_for(pilot, lambda: main_table(app).row_count == 1)
        assert_rendered_safely(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await wait_for(pilot, lambda: app.screen.snapshot.approvals, what="the gate")
        await wait_for(pilot, lambda: app.screen.query_one(LogPane).line_count > 0, what="log lines")
        await pilot.pause(0.3)
        assert_rendered_safely(app, screenshot=True)
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        assert_rendered_safely(app)
        await pilot.press("escape")
        assert app.is_running


@fault_class(HOSTILE)
async def test_huge_log_lines_and_a_10_mb_log_page_are_cut_and_shown_safely(emulator_server) -> None:
    server = emulator_server(time_scale=0.05, seed=False)
    emulator = server.emulator
    huge = HOSTILE_TEXT + " " + ("0123456789abcdef" * 6_400) + "\x1b[2J"  # ~100 KB
    # One task failing 50 times: 50 lines of ~100 KB, each with a stack trace quoting it.
    retry = {"MaxRetries": 49, "InitialDelayMilliseconds": 1, "MaxDelayMilliseconds": 1}
    tasks = [
        {"Name": "Boom", "Type": "Demo:1.0",
         "Execution": {"Parameters": {"emulator": {"seconds": 0.02, "fail": True, "failMessage": huge}}},
         "ErrorHandling": {"Strategy": "Retry", "RetryPolicy": retry}}
    ]
    workflow_id = emulator.add_workflow({"Name": "huge-logs", "Tasks": tasks})
    execution_id = emulator.start_execution(workflow_id)
    emulator.wait_for_status(execution_id, {"Completed", "Failed"}, timeout=30)
    tap = Tap()
    app = new_app(server.url, tap, refresh=0.5)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.index.workflow_of.get(execution_id), what="the execution")
        app.navigate(ExecutionView(workflow_id, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        pane = app.screen.query_one(LogPane)
        await wait_for(pilot, lambda: app.screen.logs_complete, timeout=30, what="all log pages read")
        await pilot.pause(0.3)
        logs_route = f"GET /workflows/{workflow_id}/executions/{execution_id}/logs"
        assert tap.largest_body.get(logs_route, 0) >= 10_000_000, tap.largest_body.get(logs_route)
        assert not any(_CONTROL.search(line) for line in pane.visible_text())
        assert_rendered_safely(app)
        # The best of three: a UI blocked by the page would be slow every time, a busy
        # machine only some of the time.
        tries = []
        for _ in range(3):
            tries.append(await timed(pilot, lambda: pane.lines_view.has_focus, "o"))
            await timed(pilot, lambda: not pane.lines_view.has_focus, "t")
        assert min(tries) < RESPONSIVE, f"focusing the logs took {', '.join(f'{t:.2f}' for t in tries)} s"
        # The ends of the longest lines, scrolled to: cut, with a marker saying how much.
        view = pane.lines_view
        # Message and collapsed exception cut at 10,000 characters each (uncut: over 200,000).
        assert 10_000 <= view.max_scroll_x < 25_000, view.max_scroll_x
        view.scroll_to(x=view.max_scroll_x, animate=False, immediate=True)
        await pilot.pause(0.2)
        text = assert_rendered_safely(app)
        assert re.search(r"… \[\+[\d,]+ chars\]", text), "no cut marker on screen"
        await pilot.press("end", "home", "pagedown", "w")
        assert_rendered_safely(app)
        assert app.is_running


# ------------------------------------------------------------------ resize


@pytest.mark.long
@fault_class(RESIZE)
async def test_every_screen_adapts_to_tiny_and_very_large_terminals(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = new_app(server.url, Tap(), refresh=2.0)  # the default: nothing here waits for new data

    def body_fits(width: int, height: int) -> None:
        screen = app.screen
        assert screen.query_one(StatusHeader).region.y == 0
        assert screen.query_one("Footer").region.y == height - 1
        for widget in screen.query("#workflows, #executions, #approvals"):
            assert widget.region.width == width and widget.region.height >= 1, widget.region
        panes = [widget.region for widget in screen.query("TaskTree, LogPane")]
        for region in panes:  # side by side when wide, stacked otherwise
            assert region.width >= 1 and region.height >= 1 and region.right <= width, region
        if panes:
            assert sum(r.width for r in panes) == width or all(r.width == width for r in panes), panes

    def dialog_fits(box: str, must_show: str) -> Callable[[int, int], None]:
        def check(width: int, height: int) -> None:
            region = app.screen.query_one(box).region
            assert region.y >= 0 and region.bottom <= height and region.right <= width, region
            assert must_show in rendered_text(app), f"{must_show!r} not on screen"

        return check

    async def at_every_size(check: Callable[[int, int], None]) -> None:
        for width, height in ((300, 100), (40, 12)):
            with scenario():
                await pilot.resize_terminal(width, height)
                await pilot.pause(0.05)
                assert app.size == (width, height)
                check(width, height)

    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        await at_every_size(body_fits)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        await at_every_size(body_fits)
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        await at_every_size(body_fits)
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await at_every_size(dialog_fits("#confirm-box", "Approve task PublishInvoices?"))
        await pilot.press("escape", "enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await at_every_size(body_fits)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        await at_every_size(dialog_fits("#help-box", "Keys · Execution"))
        await pilot.press("escape")
        app.action_login("Testing the sign-in dialog at every size.")
        await wait_for_screen(pilot, app, LoginDialog)
        await at_every_size(dialog_fits("#login-box", "password"))


# ------------------------------------------------------------------ signals


def _start_dashboard(home: Path) -> tuple[int, int]:
    """The dashboard in a pty against a closed port: (pid, pty fd)."""
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    env.pop("FLOWSYNX_URL", None)
    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            os.execve(sys.executable, [sys.executable, "-m", "flowsynx_tui", "--url", f"http://127.0.0.1:{port}"], env)
        finally:
            os._exit(127)
    return pid, fd


def _signal_once_drawn(children: dict[int, tuple[int, int]]) -> dict[int, tuple[int, bytes]]:
    """For each signal: send it once its dashboard drew; then read to the end. Exit code and output."""
    output = {signum: bytearray() for signum in children}
    sent: set[int] = set()
    open_fds = {fd: signum for signum, (_, fd) in children.items()}
    deadline = time.monotonic() + 40
    while open_fds and time.monotonic() < deadline:
        for signum, (pid, _) in children.items():
            if signum not in sent and b"\x1b[?1049h" in output[signum] and b"reconnecting" in output[signum]:
                os.kill(pid, signum)
                sent.add(signum)
        ready, _, _ = select.select(list(open_fds), [], [], 0.1)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if chunk:
                output[open_fds[fd]].extend(chunk)
            else:
                del open_fds[fd]
    results = {}
    for signum, (pid, fd) in children.items():
        if fd in open_fds:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        assert signum in sent, f"the dashboard never drew: {bytes(output[signum][-500:])!r}"
        results[signum] = (os.waitstatus_to_exitcode(status), bytes(output[signum]))
    return results


@fault_class(SIGNALS)
def test_sighup_and_sigterm_exit_cleanly_and_restore_the_terminal(tmp_path: Path) -> None:
    signals = (signal.SIGTERM, signal.SIGHUP)
    results = _signal_once_drawn({signum: _start_dashboard(tmp_path) for signum in signals})
    for signum in signals:
        with scenario():
            code, output = results[signum]
            assert code == 128 + signum, (signum, code, output[-300:])
            tail = output[output.rfind(b"\x1b[?1049h"):]
            assert b"\x1b[?1049l" in tail, "the alternate screen was not left"
            assert b"Traceback" not in output
