"""Startup: process start to the first workflow rows on screen, vs a minimal Textual app.

Both apps run as child processes on a pseudo-terminal (120x40, ``TERM=xterm-256color``),
not headless, so terminal setup and the escape sequences of the first frame are
part of the measurement; the benchmark drains the terminal. The clock starts just
before the child is spawned and stops at the ``time.monotonic()`` the child writes
to an inherited pipe (``CLOCK_MONOTONIC`` is system-wide on Linux):

* flowsynx-tui: a small driver imports ``FlowSynxApp`` (with the command line's garbage
  collection policy, ``gc_policy``: off while the modules load, spaced out once the app
  runs), runs it against an emulator
  serving the seeded demo data in *another* process (``python -m flowsynx_tui
  emulator --port P``), and reports from ``call_after_refresh`` once the first
  overview poll has put rows into the ``WorkflowsScreen`` table, i.e. after the
  frame that shows them;
* baseline: a minimal Textual app (Header, DataTable with 5 rows, Footer) reporting
  from ``call_after_refresh`` in ``on_mount``: its first frame.

Runs alternate (quick: 2 each, full: 9 after one unmeasured warm-up run each) and the
median is reported; goal: within 1.5x.

The children cache their bytecode (in a directory of the run, whatever
``PYTHONDONTWRITEBYTECODE`` says): an installed package has its ``.pyc`` files, as Textual
in site-packages has them, so compiling flowsynx-tui's sources on every start (~100 ms)
would be a cost no user pays.
``startup.python_bare`` (``python -c pass``) is the floor both stand on.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks import Result, benchmark
from benchmarks.processes import TIMEOUT, EmulatorProcess, on_pty

ROWS, COLUMNS = 40, 120

FLOWSYNX_DRIVER = """
import os, sys, time
from pathlib import Path

from flowsynx_tui import gc_policy

gc_policy.starting()  # as flowsynx_tui.cli does before it imports the app
import flowsynx_tui.app
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import Settings
from flowsynx_tui.screens.workflows import WorkflowsScreen
from flowsynx_tui.widgets.keyed_table import KeyedTable

FD = int(os.environ["BENCH_FD"])


class Driver(FlowSynxApp):
    # A relative CSS_PATH is resolved next to the subclass's module: point it back.
    CSS_PATH = str(Path(flowsynx_tui.app.__file__).with_name(FlowSynxApp.CSS_PATH))
    reported = False

    # Rows can appear before the first full poll (workflows are shown as soon as they
    # are read), so look for them after every refresh rather than on a poll message.
    def on_mount(self) -> None:
        self.set_interval(0.01, self.check_rows)

    def check_rows(self) -> None:
        screen = self.screen
        if self.reported or not isinstance(screen, WorkflowsScreen):
            return
        if screen.query_one(KeyedTable).row_count > 0:
            self.reported = True
            os.write(FD, f"{time.monotonic():.6f}\\n".encode())
            self.exit()


app = Driver(Settings(url=sys.argv[1]))
gc_policy.settle()  # as flowsynx_tui.cli does before it runs the app
app.run()
"""

MINIMAL_DRIVER = """
import os, time
from textual.app import App
from textual.widgets import DataTable, Footer, Header

FD = int(os.environ["BENCH_FD"])


class Minimal(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Workflow", "Id", "Modified", "Runs", "Last run")
        for n in range(5):
            table.add_row(f"workflow-{n}", "0123abcd", "10d ago", "-", "-")
        self.call_after_refresh(self.first_frame)

    def first_frame(self):
        os.write(FD, f"{time.monotonic():.6f}\\n".encode())
        self.exit()


Minimal().run()
"""

BARE_DRIVER = """
import os, time
os.write(int(os.environ["BENCH_FD"]), f"{time.monotonic():.6f}\\n".encode())
"""


def run_on_pty(script: Path, *args: str) -> float:
    """Seconds from spawning ``python script args`` on a fresh pty to the time it reports."""
    started = time.monotonic()
    with on_pty(script, *args, rows=ROWS, columns=COLUMNS) as run:
        reported = float(run.report())
        run.process.wait(TIMEOUT)
    return reported - started


@contextmanager
def bytecode_cached(folder: Path) -> Iterator[None]:
    """Child processes started inside write and reuse ``.pyc`` files under ``folder``."""
    saved = {name: os.environ.get(name) for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@benchmark("startup.first_rows")
def first_rows(quick: bool) -> list[Result]:
    """Process start to first workflow rows on screen vs a minimal Textual app's first frame."""
    runs = 2 if quick else 9
    with (
        tempfile.TemporaryDirectory(prefix="bench-startup-") as folder,
        bytecode_cached(Path(folder) / "pycache"),
        EmulatorProcess() as emulator,
    ):
        scripts = {}
        for name, text in (("flowsynx", FLOWSYNX_DRIVER), ("minimal", MINIMAL_DRIVER), ("bare", BARE_DRIVER)):
            scripts[name] = Path(folder) / f"{name}_driver.py"
            scripts[name].write_text(text, encoding="utf-8")
        if not quick:
            # One unmeasured run each: the first start pays for cold caches (.pyc, page cache).
            run_on_pty(scripts["minimal"])
            run_on_pty(scripts["flowsynx"], emulator.url)
        timings: dict[str, list[float]] = {name: [] for name in scripts}
        for _ in range(runs):
            timings["bare"].append(run_on_pty(scripts["bare"]))
            timings["minimal"].append(run_on_pty(scripts["minimal"]))
            timings["flowsynx"].append(run_on_pty(scripts["flowsynx"], emulator.url))
    minimal = statistics.median(timings["minimal"])
    return [
        Result("startup.python_bare", statistics.median(timings["bare"]) * 1e3, "ms"),
        Result("startup.minimal_textual_first_frame", minimal * 1e3, "ms"),
        Result("startup.flowsynx_first_rows", statistics.median(timings["flowsynx"]) * 1e3, "ms", minimal * 1e3),
        Result("startup.flowsynx_first_rows.worst", max(timings["flowsynx"]) * 1e3, "ms", max(timings["minimal"]) * 1e3),
    ]
