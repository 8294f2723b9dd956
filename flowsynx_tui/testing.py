"""Helpers to drive the dashboard headless against the emulator: the tests, the snapshot
tests and the screenshot script share them, so all three see the same deterministic demo.

Determinism comes from a frozen emulator (seed laid out at a fixed ``base_time``, the
engine never advancing), a fixed app clock, UTC as the local zone, and a fixed URL in
the header (requests are forwarded to the emulator's real, random loopback port).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from rich.cells import cell_len
from textual.pilot import Pilot

from flowsynx_tui.api.auth import Credentials
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import BACKGROUND_RATE_RANGE, Settings
from flowsynx_tui.emulator import Emulator
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.services import Clock
from flowsynx_tui.widgets.keyed_table import KeyedTable

if TYPE_CHECKING:
    from flowsynx_tui.widgets.task_tree import TaskTree

#: The frozen demo's seed is laid out relative to this instant ...
DEMO_BASE_TIME = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
#: ... and the app's clock is frozen a little later, so ages and durations are stable.
DEMO_NOW = DEMO_BASE_TIME + timedelta(seconds=30)
#: What the header shows in pictures, whatever port the emulator really got.
DEMO_URL = "http://127.0.0.1:6262"


def use_utc() -> None:
    """Local time is shown by default; pin it for pictures that must not vary by machine."""
    os.environ["TZ"] = "UTC"
    time.tzset()


class PortForward(httpx.AsyncBaseTransport):
    """Sends every request to ``port`` on loopback: real HTTP, but a stable URL on screen."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


_scratch_cache: tempfile.TemporaryDirectory[str] | None = None


def scratch_cache_dir() -> Path:
    """Where apps made here keep their workflow cache unless told otherwise: the test's
    ``FLOWSYNX_TUI_CACHE_DIR`` if set, else one temporary directory per process (removed
    at exit), never the user's real cache."""
    global _scratch_cache
    override = os.environ.get("FLOWSYNX_TUI_CACHE_DIR")
    if override:
        return Path(override)
    if _scratch_cache is None:
        _scratch_cache = tempfile.TemporaryDirectory(prefix="flowsynx-tui-cache-")
    return Path(_scratch_cache.name)


def make_app(
    url: str,
    *,
    refresh: float = 0.2,
    read_only: bool = False,
    credentials: Credentials | None = None,
    frozen_clock: bool = False,
    bell: bool = False,
    keymap: dict[str, str] | None = None,
    forward_to_port: int | None = None,
    background_rate: float = BACKGROUND_RATE_RANGE[1],
    cache_dir: Path | None = None,
    live: bool = False,
) -> FlowSynxApp:
    """The app against ``url``. ``live`` is off unless asked: most tests are about what
    polling reads, and ``forward_to_port`` carries HTTP only, not the hub's WebSocket.
    ``background_rate`` is the highest a user may set unless a test is about the budget:
    at the default 20/s, matching the demo's runs to their workflows (quirk Q1) kept every
    test that waits for the whole overview waiting ~3 s."""
    settings = Settings(
        url=url,
        credentials=credentials,
        refresh=refresh,
        read_only=read_only,
        bell=bell,
        keymap=keymap or {},
        background_rate=background_rate,
        cache_dir=cache_dir or scratch_cache_dir(),
        live=live,
    )
    clock = Clock.frozen_at(DEMO_NOW) if frozen_clock else None
    transport = PortForward(forward_to_port) if forward_to_port else None
    return FlowSynxApp(settings, clock=clock, transport=transport)


def make_demo_app(port: int, **options: object) -> FlowSynxApp:
    """The app as pictured: frozen clock, the URL of a default local server."""
    return make_app(DEMO_URL, frozen_clock=True, forward_to_port=port, **options)  # type: ignore[arg-type]


async def wait_for(
    pilot: Pilot[None], predicate: Callable[[], object], timeout: float = 15.0, what: str = "condition"
) -> None:
    """Let the app run until ``predicate()`` is true; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.05)


async def wait_for_screen(pilot: Pilot[None], app: FlowSynxApp, screen_type: type, timeout: float = 15.0) -> None:
    """Wait until the active screen is a ``screen_type`` whose widgets are mounted."""
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, screen_type) and app.screen.is_mounted,
        timeout,
        what=f"{screen_type.__name__} on screen",
    )
    await pilot.pause()


async def settle(pilot: Pilot[None], app: FlowSynxApp) -> None:
    """Wait until every poll has answered at least once and none is in flight."""
    await wait_for(
        pilot,
        lambda: all(job.runs > 0 and not job.in_flight for job in app.services.poller.jobs.values()),
        what="polls to finish",
    )
    await pilot.pause(0.2)
    app.clear_notifications()
    await asyncio.sleep(0)
    await pilot.pause()


_SVG_TEXT = re.compile(r'<text [^>]*?x="([\d.]+)"[^>]*?clip-path="url\(#[\w-]*?-line-(\d+)\)"[^>]*>(.*?)</text>', re.S)
_CELL_WIDTH = 12.2  # Rich's SVG export: 0.61 of its 20 px font per terminal cell


def screen_rows(app: FlowSynxApp) -> list[list[str]]:
    """The screen as rows of cells, read from Textual's SVG screenshot, each segment at its
    column, so a widget's part can be cut out. A wide character takes its first cell and
    leaves the next one empty. Every character a segment would send to the terminal is in
    there, control characters included, so tests can assert none reached it. (Toasts are
    drawn only in ``run_test(notifications=True)``.)"""
    width, height = app.size
    grid = [[" "] * width for _ in range(height)]
    for x, line, content in _SVG_TEXT.findall(app.export_screenshot()):
        row, column = int(line), round(float(x) / _CELL_WIDTH)
        if row >= height:
            continue
        for character in html.unescape(content).replace("\xa0", " "):
            if character == "\n":
                continue
            cells = max(cell_len(character), 1)
            for offset in range(cells):
                if column + offset < width:
                    grid[row][column + offset] = "" if offset else character
            column += cells
    return grid


def screen_text(app: FlowSynxApp) -> str:
    """What the terminal shows now, line by line (see ``screen_rows``)."""
    return "\n".join("".join(row).rstrip() for row in screen_rows(app))


def running_slow_run(emulator: Emulator, seconds: float = 60) -> tuple[str, str]:
    """A workflow "slow" of one task that sleeps ``seconds``, and a run of it, Running:
    (workflow id, execution id)."""
    workflow_id = emulator.add_workflow(
        {"Name": "slow", "Tasks": [{"Name": "Sleep", "Type": "Demo:1.0",
                                     "Execution": {"Parameters": {"emulator": {"seconds": seconds}}}}]}
    )
    execution_id = emulator.start_execution(workflow_id)
    emulator.wait_for_status(execution_id, {"Running"})
    return workflow_id, execution_id


async def open_inbox(pilot: Pilot[None], app: FlowSynxApp, approvals: int = 1) -> KeyedTable:
    """The inbox (key 3), once the overview knows of ``approvals`` pending approvals (or
    more) and as many rows are shown; its table."""
    from flowsynx_tui.screens.approvals import ApprovalInbox

    overview = app.services.overview
    await wait_for(pilot, lambda: len(overview.approvals.all()) >= approvals, what="the pending approvals")
    await pilot.press("3")
    await wait_for_screen(pilot, app, ApprovalInbox)
    table = app.screen.query_one(KeyedTable)
    await wait_for(pilot, lambda: table.row_count >= approvals, what="the approvals' rows")
    return table


async def open_task_tree(pilot: Pilot[None], app: FlowSynxApp, workflow_id: str, execution_id: str) -> TaskTree:
    """The execution's screen, opened as from a list; its task tree."""
    from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
    from flowsynx_tui.widgets.task_tree import TaskTree

    app.navigate(ExecutionView(workflow_id, execution_id), top_level=True)
    await wait_for_screen(pilot, app, ExecutionDetailScreen)
    return app.screen.query_one(TaskTree)


def footer_keys(app: FlowSynxApp) -> str:
    """The footer's keys and their labels, as offered now ("" while it is composed again)."""
    return " ".join(str(key.render()) for key in app.screen.query("FooterKey"))


async def footer_now(pilot: Pilot[None], app: FlowSynxApp) -> str:
    """``footer_keys`` once the footer shows its keys (help is always among them): read
    while it is composed again, under load, it is empty, and a key "not in" it proves nothing."""
    await wait_for(pilot, lambda: "Help" in footer_keys(app), what="the footer's keys")
    return footer_keys(app)


# ------------------------------------------------------------------ scenes
# Each scene brings the frozen demo to one screen; snapshot tests and the screenshot
# script both use them.

Scene = Callable[[Pilot[None], FlowSynxApp], Awaitable[None]]


async def _overview_loaded(pilot: Pilot[None], app: FlowSynxApp) -> None:
    overview = app.services.overview
    await wait_for(
        pilot,
        lambda: overview.index.loaded
        and overview.index.unmatched == 0
        and app.services.status.metrics is not None
        and app.approvals_swept,
        what="overview loaded",
    )


async def scene_workflows(pilot: Pilot[None], app: FlowSynxApp) -> None:
    await _overview_loaded(pilot, app)
    await settle(pilot, app)


async def scene_executions(pilot: Pilot[None], app: FlowSynxApp) -> None:
    from flowsynx_tui.screens.executions import ExecutionsScreen

    await _overview_loaded(pilot, app)
    await pilot.press("2")
    await wait_for_screen(pilot, app, ExecutionsScreen)
    await settle(pilot, app)


async def _open_execution(pilot: Pilot[None], app: FlowSynxApp, workflow: str, index: int) -> None:
    from flowsynx_tui.emulator import seed
    from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
    from flowsynx_tui.widgets.logview import LogPane

    await _overview_loaded(pilot, app)
    app.navigate(ExecutionView(seed.workflow_id(workflow), seed.execution_id(workflow, index)))
    await wait_for_screen(pilot, app, ExecutionDetailScreen)
    screen = app.screen
    await wait_for(pilot, lambda: screen.snapshot.details is not None, what="execution details")
    await wait_for(pilot, lambda: screen.query_one(LogPane).line_count > 0, what="log lines")
    await settle(pilot, app)


async def scene_execution_running(pilot: Pilot[None], app: FlowSynxApp) -> None:
    await _open_execution(pilot, app, "warehouse-load", 4)


async def scene_execution_paused(pilot: Pilot[None], app: FlowSynxApp) -> None:
    await _open_execution(pilot, app, "invoice-approval", 5)


async def scene_approvals(pilot: Pilot[None], app: FlowSynxApp) -> None:
    from flowsynx_tui.screens.approvals import ApprovalInbox

    await _overview_loaded(pilot, app)
    await pilot.press("3")
    await wait_for_screen(pilot, app, ApprovalInbox)
    await settle(pilot, app)


async def _confirm_after(pilot: Pilot[None], app: FlowSynxApp, key: str) -> None:
    from flowsynx_tui.screens.confirm import ConfirmDialog

    await pilot.press(key)
    await wait_for_screen(pilot, app, ConfirmDialog)
    await pilot.pause(0.2)


async def scene_confirm_approve(pilot: Pilot[None], app: FlowSynxApp) -> None:
    await scene_approvals(pilot, app)
    await _confirm_after(pilot, app, "a")


async def scene_confirm_reject(pilot: Pilot[None], app: FlowSynxApp) -> None:
    await scene_approvals(pilot, app)
    await _confirm_after(pilot, app, "d")


async def scene_confirm_cancel(pilot: Pilot[None], app: FlowSynxApp) -> None:
    await scene_execution_running(pilot, app)
    await _confirm_after(pilot, app, "c")


async def scene_confirm_start(pilot: Pilot[None], app: FlowSynxApp) -> None:
    await scene_workflows(pilot, app)
    await _confirm_after(pilot, app, "x")


async def scene_help(pilot: Pilot[None], app: FlowSynxApp) -> None:
    from flowsynx_tui.screens.help import HelpScreen

    await scene_workflows(pilot, app)
    await pilot.press("question_mark")
    await wait_for_screen(pilot, app, HelpScreen)
    await pilot.pause(0.2)


async def scene_task_details(pilot: Pilot[None], app: FlowSynxApp) -> None:
    """`i` on the failed task of nightly-csv-export's run three days back (SaveLocal)."""
    from flowsynx_tui.screens.task_details import TaskDetailsScreen
    from flowsynx_tui.widgets.task_tree import TaskTree

    await _open_execution(pilot, app, "nightly-csv-export", 6)
    tree = app.screen.query_one(TaskTree)
    await wait_for(pilot, lambda: tree.select_key("SaveLocal"), what="the SaveLocal row")
    await pilot.press("i")
    await wait_for_screen(pilot, app, TaskDetailsScreen)
    screen = app.screen
    await wait_for(pilot, lambda: screen.snapshot.final, what="the task's details")
    await settle(pilot, app)


async def scene_definition(pilot: Pilot[None], app: FlowSynxApp) -> None:
    """`v` on nightly-csv-export in the workflows screen."""
    from flowsynx_tui.emulator import seed
    from flowsynx_tui.screens.definition import DefinitionScreen

    await scene_workflows(pilot, app)
    app.screen.query_one(KeyedTable).select_key(seed.workflow_id("nightly-csv-export"))
    await pilot.press("v")
    await wait_for_screen(pilot, app, DefinitionScreen)
    screen = app.screen
    await wait_for(pilot, lambda: screen.document is not None, what="the definition")
    await settle(pilot, app)


async def scene_sign_in(pilot: Pilot[None], app: FlowSynxApp) -> None:
    """`L` on the workflows screen: the sign-in dialog."""
    from flowsynx_tui.screens.login import LoginDialog

    await scene_workflows(pilot, app)
    await pilot.press("L")
    await wait_for_screen(pilot, app, LoginDialog)
    await pilot.pause(0.2)


SCENES: dict[str, Scene] = {
    "workflows": scene_workflows,
    "executions": scene_executions,
    "execution_running": scene_execution_running,
    "execution_paused": scene_execution_paused,
    "approvals": scene_approvals,
    "confirm_approve": scene_confirm_approve,
    "confirm_reject": scene_confirm_reject,
    "confirm_cancel": scene_confirm_cancel,
    "confirm_start": scene_confirm_start,
    "help": scene_help,
    "task_details": scene_task_details,
    "definition": scene_definition,
    "sign_in": scene_sign_in,
}
