"""Idle output: bytes written to the terminal per second while nothing is pressed, per screen.

An operator over SSH pays for every byte a redraw writes. Each screen is opened in the real
app on a pseudo-terminal (80x24, ``TERM=xterm-256color``) against an emulator serving the
demo data in *another* process (friendly profile, so the running execution logs). After the
screen has settled (a few seconds), the bytes the app writes to the terminal are counted
for a fixed time and divided by it.

Baseline: a minimal Textual app with a clock (``Header(show_clock=True)``, a ``DataTable``
of 5 rows, ``Footer``), which redraws its clock once a second. Goal: a screen where
nothing changed (workflows, all executions, a finished execution, the inbox) writes at
most 2x the clock app; all executions (two running durations tick) and a running
execution (its new log lines, durations and Gantt bars) legitimately write, so they are
reported against the clock app without a goal.

``idle.new_runs``: what each new run costs the all-executions screen, without a goal.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks import Result, benchmark
from benchmarks.processes import EmulatorProcess, on_pty
from flowsynx_tui.emulator import seed

ROWS, COLUMNS = 24, 80
SETTLE = 12.0  # past the start-up toasts (an approval waiting), whose removal repaints all

DRIVER = """
import os, sys, time
from pathlib import Path

import httpx

import flowsynx_tui.app
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import Settings
from flowsynx_tui.emulator import seed
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.workflows import WorkflowsScreen
from flowsynx_tui.widgets.keyed_table import KeyedTable

FD = int(os.environ["BENCH_FD"])
SCREEN = sys.argv[2]
SETTLE = float(sys.argv[3])
OPEN = {
    "workflows": lambda app: None,
    "executions": lambda app: app.action_show_executions(),
    "approvals": lambda app: app.action_show_approvals(),
    "execution_finished": lambda app: app.navigate(
        ExecutionView(seed.workflow_id("nightly-csv-export"), seed.execution_id("nightly-csv-export", 6))
    ),
    "execution_running": lambda app: app.navigate(ExecutionView(WAREHOUSE, start_run(WAREHOUSE))),
}
WAREHOUSE = seed.workflow_id("warehouse-load")


def start_run(workflow_id):
    # A fresh run (minutes of work, logging), so that it is still running while measured.
    answer = httpx.post(f"{sys.argv[1]}/workflows/{workflow_id}/executions", timeout=10).json()
    return answer["data"]["executionId"]


class Driver(FlowSynxApp):
    # A relative CSS_PATH is resolved next to the subclass's module: point it back.
    CSS_PATH = str(Path(flowsynx_tui.app.__file__).with_name(FlowSynxApp.CSS_PATH))
    opened = False

    def on_mount(self) -> None:
        self.set_interval(0.05, self.check)

    def check(self) -> None:
        screen = self.screen
        if self.opened or not isinstance(screen, WorkflowsScreen):
            return
        if screen.query_one(KeyedTable).row_count > 0 and self.services.overview.index.loaded:
            self.opened = True
            OPEN[SCREEN](self)
            self.set_timer(SETTLE, lambda: os.write(FD, b"ready\\n"))


Driver(Settings(url=sys.argv[1])).run()
"""

CLOCK_DRIVER = """
import os, sys
from textual.app import App
from textual.widgets import DataTable, Footer, Header

FD = int(os.environ["BENCH_FD"])
SETTLE = float(sys.argv[1])


class Clock(App):
    def compose(self):
        yield Header(show_clock=True)
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Workflow", "Id", "Modified", "Runs", "Last run")
        for n in range(5):
            table.add_row(f"workflow-{n}", "0123abcd", "10d ago", "-", "-")
        self.set_timer(SETTLE, lambda: os.write(FD, b"ready\\n"))


Clock().run()
"""

SCREENS = ("workflows", "executions", "execution_finished", "approvals", "execution_running")
#: A workflow without approval gates, its tasks a few seconds long: at ``--time-scale 0.01``
#: a run of it is over within a second.
QUICK_WORKFLOW = seed.workflow_id("nightly-csv-export")
#: Screens where nothing changes while measured (the executions list has running durations).
STILL = {"workflows", "execution_finished", "approvals"}


def idle_bytes_per_second(script: Path, seconds: float, *args: str) -> float:
    """Bytes per second ``python script args`` writes to its terminal once it says it is ready."""
    with _terminal(script, *args) as written:
        return _bytes_per_second(written, seconds)


@contextmanager
def _terminal(script: Path, *args: str) -> Iterator[Callable[[], int]]:
    """``python script args`` on a pty, once it says it is ready: the bytes it has written so far."""
    written = [0]
    lock = threading.Lock()

    def count(chunk: bytes) -> None:
        with lock:
            written[0] += len(chunk)

    def so_far() -> int:
        with lock:
            return written[0]

    with on_pty(script, *args, rows=ROWS, columns=COLUMNS, output=count) as run:
        run.report()
        yield so_far


def _bytes_per_second(written: Callable[[], int], seconds: float, meanwhile: Callable[[], None] = lambda: None) -> float:
    """Bytes per second written over ``seconds``, calling ``meanwhile`` once a second."""
    start, began = written(), time.monotonic()
    while (left := began + seconds - time.monotonic()) > 0:
        meanwhile()
        time.sleep(min(1.0, left))
    return (written() - start) / (time.monotonic() - began)


@benchmark("idle.bytes_per_second")
def idle_output(quick: bool) -> list[Result]:
    """Terminal bytes per second on each screen while nothing happens, vs a clock app."""
    seconds = 2.0 if quick else 30.0
    settle = 3.0 if quick else SETTLE  # quick: only that it runs (a toast may still be leaving)
    screens = ("workflows", "execution_finished") if quick else SCREENS
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as folder, EmulatorProcess(
        "--fidelity", "friendly", "--workers", "4"
    ) as emulator:
        driver, clock = Path(folder) / "idle_driver.py", Path(folder) / "clock_driver.py"
        driver.write_text(DRIVER, encoding="utf-8")
        clock.write_text(CLOCK_DRIVER, encoding="utf-8")
        baseline = idle_bytes_per_second(clock, seconds, str(settle))
        results.append(Result("idle.clock_app", baseline, "B/s"))
        for screen in screens:
            value = idle_bytes_per_second(driver, seconds, emulator.url, screen, str(settle))
            # A goal of 2x the clock app where nothing changes; the clock app itself otherwise.
            results.append(Result(f"idle.{screen}", value, "B/s", 2 * baseline if screen in STILL else baseline))
    return results


@benchmark("idle.new_runs")
def new_runs(quick: bool) -> list[Result]:
    """Terminal bytes a new run costs on the all-executions screen (the view at its top, as a
    list of newest runs is watched): the screen idle, then with a run started on the server
    every second. Each new row moves every row below it down a line, and Textual rewrites the
    lines that changed (no terminal scrolling), so this is about a table's worth of lines per
    run. The runs finish within a second (``--time-scale 0.01``), so each also repaints its
    status once or twice. No goal: the figure is for the operator on a slow link."""
    seconds = 3.0 if quick else 20.0
    settle = 3.0 if quick else SETTLE
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as folder, EmulatorProcess(
        "--fidelity", "friendly", "--workers", "4", "--time-scale", "0.01"
    ) as emulator:
        driver = Path(folder) / "idle_driver.py"
        driver.write_text(DRIVER, encoding="utf-8")
        started = [0]

        def start_one() -> None:
            answer = httpx.post(f"{emulator.url}/workflows/{QUICK_WORKFLOW}/executions", timeout=10)
            answer.raise_for_status()
            started[0] += 1

        with _terminal(driver, emulator.url, "executions", str(settle)) as written:
            idle = _bytes_per_second(written, seconds)
            busy = _bytes_per_second(written, seconds, start_one)
    per_run = (busy - idle) * seconds / max(1, started[0])
    return [
        Result("idle.new_runs.executions_idle", idle, "B/s"),
        Result("idle.new_runs.executions_one_a_second", busy, "B/s", idle),
        Result("idle.new_runs.bytes_per_new_run", per_run, "B"),
    ]
