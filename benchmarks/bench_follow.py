"""Following a chatty execution, and the memory a very long log costs.

``follow.burst``: the real app (``FlowSynxApp`` on a pseudo-terminal of 160x48, the
default 2 s refresh) follows an execution while the emulator writes ~5,000 lines/s for
3 s (quick) or 30 s (full): one task with the hint ``{"seconds": S, "logLines": 5000 *
S}``, added and started over the API. App and emulator run in **their own processes**
(``flowsynx-tui emulator --no-seed --fidelity friendly``: the friendly profile lets the
caller read the engine's lines), so neither one's work stalls the other's event loop or
shares its GIL, as with a real server. A driver script runs the app; after a settle it
records the idle baseline, starts the run, opens it and waits until its logs are
complete, then writes what it saw to a file:

* ``lost`` / ``duplicated``: ids the emulator holds (read over its API afterwards) that
  never reached the pane, and ids handed to ``LogPane.append_entries`` more than once
  (the driver wraps the method to see the entries); ``pane_lines`` is what the pane
  retained, against the emulator's count (the 200k cap is not reached);
  ``follows_at_end``: the pane still follows, scrolled to the bottom, at the end.
* ``batches_to_pane`` / ``largest_batch``: how the lines arrived (baselines: one
  batch per polling interval, of one interval's lines); ``display_delay_*``: from
  the line's timestamp (the emulator's clock, which is this machine's) to the moment
  it was handed to the pane, against the 2 s polling interval.
* ``ui_lag_p99`` / ``ui_lag_max``: a 10 ms ``set_interval`` timer on the app records
  when it runs; lateness is the gap minus 10 ms, and a gap of several periods also
  counts the ticks it swallowed (Textual skips missed ticks), late by 10 ms less
  each. Baseline: the same measure over 2 s (quick: 1 s) of the idle app before the
  burst. Goal: p99 under 50 ms.
* ``cpu_pct.app_process``: the app process's CPU time (all its threads) over the wall
  time of the follow window, in % of one core (goal: under 50 %);
  ``cpu_pct.emulator_process``: the emulator's, sampled from ``/proc/<pid>/stat``.
* ``terminal_kb_per_s``: what the app wrote to its terminal during the follow window.

``BENCH_PROFILE=path`` makes the driver write a cProfile of the follow window there
(``python -m pstats path``).

``follow.memory``: a finished execution with 1M log lines (``FULL_LINES``; quick: 50k),
written into the emulator's store with ``bulk.add_log_lines`` (~20 s), is opened in
the app, which runs in a **child process** (so the emulator's own copy of the log
does not count); the child reports its RSS after everything is loaded and its peak
(``VmHWM``), against the 250 MB goal, with the pane's retain cap and retained lines.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

import httpx

from benchmarks import Result, benchmark
from benchmarks.processes import TIMEOUT, EmulatorProcess, on_pty, run_json_driver
from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.emulator.bulk import add_log_lines, populate

RATE = 5_000
TICK = 0.01
GOAL_RSS_MB = 250.0
GOAL_APP_CPU_PCT = 50.0
#: Lines of the long log in a full run.
FULL_LINES = 1_000_000
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- measuring ------------------------------------------------------------------------------------


class LagProbe:
    """Lateness of a periodic timer, counting the ticks a long stall swallowed."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def tick(self) -> None:
        self.stamps.append(time.monotonic())

    def lateness(self, since: float = 0.0, until: float = float("inf")) -> list[float]:
        stamps = [s for s in self.stamps if since <= s <= until]
        late: list[float] = []
        for before, after in zip(stamps, stamps[1:]):
            gap = after - before - TICK  # how late the tick at ``after`` ran
            late.append(max(gap, 0.0))
            swallowed = gap - TICK
            while swallowed > 0:  # ticks due during the stall, skipped by Textual
                late.append(swallowed)
                swallowed -= TICK
        return late


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# -- follow under burst ------------------------------------------------------------------------------

BURST_DRIVER = """
import asyncio, json, os, resource, sys, time
from pathlib import Path

import httpx

import flowsynx_tui.app
from flowsynx_tui import gc_policy
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import DEFAULT_REFRESH, Settings
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.widgets.logview import LogPane

FD = int(os.environ["BENCH_FD"])
URL, WORKFLOW, OUT = sys.argv[1], sys.argv[2], Path(sys.argv[3])
SETTLE, IDLE, TIMEOUT, TICK = (float(value) for value in sys.argv[4:8])
PROFILE = os.environ.get("BENCH_PROFILE")

delivered, delays, batches, stamps = [], [], [], []
original = LogPane.append_entries


def recording(pane, entries):
    now = time.time()
    delivered.extend(entry.id for entry in entries)
    delays.extend(now - entry.time_stamp.timestamp() for entry in entries)
    batches.append(len(entries))
    original(pane, entries)


# Wrapped before any screen exists: the first poll of the run may already bring lines.
LogPane.append_entries = recording


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the app's process
    return usage.ru_utime + usage.ru_stime


class Driver(FlowSynxApp):
    # A relative CSS_PATH is resolved next to the subclass's module: point it back.
    CSS_PATH = str(Path(flowsynx_tui.app.__file__).with_name(FlowSynxApp.CSS_PATH))

    def on_mount(self):
        self.set_interval(TICK, lambda: stamps.append(time.monotonic()), name="lag-probe")
        self.run_worker(self.burst(), name="bench-burst")

    async def burst(self):
        await asyncio.sleep(SETTLE)  # startup and the overview's first polls settle
        idle = (time.monotonic(), None)
        await asyncio.sleep(IDLE)
        idle = (idle[0], time.monotonic())
        profiler = None
        if PROFILE:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        wall0, cpu0 = time.monotonic(), cpu()
        answer = await asyncio.to_thread(httpx.post, f"{URL}/workflows/{WORKFLOW}/executions", timeout=10)
        execution_id = answer.json()["data"]["executionId"]
        self.navigate(ExecutionView(WORKFLOW, execution_id))
        deadline = time.monotonic() + TIMEOUT
        timed_out = False
        while not (isinstance(self.screen, ExecutionDetailScreen) and self.screen.logs_complete):
            if time.monotonic() > deadline:
                timed_out = True
                break
            await asyncio.sleep(0.05)
        wall1, cpu1 = time.monotonic(), cpu()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(PROFILE)
        pane = self.screen.query_one(LogPane)
        await asyncio.sleep(0.2)
        OUT.write_text(json.dumps({
            "execution_id": execution_id,
            "timed_out": timed_out,
            "delivered": delivered,
            "delays": delays,
            "batches": batches,
            "stamps": stamps,
            "idle": idle,
            "follow": (wall0, wall1),
            "app_cpu": cpu1 - cpu0,
            "pane_lines": pane.line_count,
            "following": pane.follow,
            "at_bottom": pane.lines_view.is_vertical_scroll_end,
            "refresh": DEFAULT_REFRESH,
        }))
        os.write(FD, b"done\\n")
        self.exit()


app = Driver(Settings(url=URL))
gc_policy.settle()  # as flowsynx_tui.cli does before it runs the app
app.run()
"""


class _ProcessCpu:
    """CPU seconds of another process over time, sampled from ``/proc/<pid>/stat``."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid = pid
        self.samples: list[tuple[float, float]] = []
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return
            self.samples.append((time.monotonic(), (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS))
            self._stop.wait(self._every)

    def between(self, start: float, end: float) -> float:
        """CPU seconds from the last sample at or before ``start`` to the first at or after ``end``."""
        before = [cpu for moment, cpu in self.samples if moment <= start]
        after = [cpu for moment, cpu in self.samples if moment >= end]
        if not before or not after:
            return 0.0
        return after[0] - before[-1]


def _stored_ids(url: str, workflow_id: str, execution_id: str) -> list[str]:
    """Every log line id the emulator holds for the execution, read over its API (a page
    size below 1 is the whole list on one page, as on the real server)."""
    answer = httpx.get(
        f"{url}/workflows/{workflow_id}/executions/{execution_id}/logs", params={"pageSize": 0}, timeout=60
    ).json()
    return [item["id"] for item in answer["data"]]


@benchmark("follow.burst")
def burst(quick: bool) -> list[Result]:
    """Follow an execution writing ~5k lines/s, app and emulator in their own processes."""
    seconds = 3 if quick else 30
    settle, idle_seconds = (2.0, 1.0) if quick else (3.0, 2.0)
    timeout = seconds * 4 + 60
    hints = {"emulator": {"seconds": seconds, "logLines": RATE * seconds}}
    definition = {"Name": "burst", "Tasks": [{"Name": "Chatty", "Type": "Demo:1.0", "Execution": {"Parameters": hints}}]}
    written: list[tuple[float, int]] = []

    def count(chunk: bytes) -> None:
        written.append((time.monotonic(), len(chunk)))

    # friendly: the engine's lines belong to the run's owner, so the caller can read them (Q3).
    with (
        tempfile.TemporaryDirectory(prefix="bench-burst-") as folder,
        EmulatorProcess("--no-seed", "--fidelity", "friendly") as emulator,
    ):
        assert emulator.process is not None
        answer = httpx.post(f"{emulator.url}/workflows", json=definition, timeout=10).json()
        workflow_id = answer["data"]["id"]
        script = Path(folder) / "burst_driver.py"
        script.write_text(BURST_DRIVER, encoding="utf-8")
        out = Path(folder) / "burst.json"
        args = (str(settle), str(idle_seconds), str(timeout), str(TICK))
        with (
            _ProcessCpu(emulator.process.pid) as emulator_cpu,
            on_pty(script, emulator.url, workflow_id, str(out), *args, rows=48, columns=160, output=count) as run,
        ):
            run.report()
            run.process.wait(TIMEOUT)
        report = json.loads(out.read_text(encoding="utf-8"))
        if report["timed_out"]:
            raise RuntimeError("the chatty execution's logs were not complete in time")
        stored = _stored_ids(emulator.url, workflow_id, report["execution_id"])
    probe = LagProbe()
    probe.stamps = report["stamps"]
    wall0, wall1 = report["follow"]
    terminal_bytes = sum(size for moment, size in written if wall0 <= moment <= wall1)
    wall = wall1 - wall0
    idle = probe.lateness(*report["idle"])
    busy = probe.lateness(since=wall0, until=wall1)
    delivered, delays, batches = report["delivered"], report["delays"], report["batches"]
    refresh = report["refresh"]
    name = f"follow.burst.{seconds}s"
    return [
        Result(f"{name}.emulator_lines", len(stored), "lines", RATE * seconds),
        Result(f"{name}.lost", len(set(stored) - set(delivered)), "lines"),
        Result(f"{name}.duplicated", len(delivered) - len(set(delivered)), "lines"),
        Result(f"{name}.pane_lines", report["pane_lines"], "lines", len(stored)),
        Result(f"{name}.follows_at_end", float(report["following"] and report["at_bottom"]), "bool", 1.0),
        Result(f"{name}.batches_to_pane", len(batches), "count", seconds / refresh),
        Result(f"{name}.largest_batch", max(batches, default=0), "lines", RATE * refresh),
        Result(f"{name}.display_delay_p50", _percentile(delays, 0.5), "s", refresh),
        Result(f"{name}.display_delay_max", max(delays, default=0.0), "s", refresh),
        Result(f"{name}.ui_lag_p99", _percentile(busy, 0.99) * 1e3, "ms", _percentile(idle, 0.99) * 1e3),
        Result(f"{name}.ui_lag_max", max(busy, default=0.0) * 1e3, "ms", max(idle, default=0.0) * 1e3),
        Result(f"{name}.cpu_pct.app_process", report["app_cpu"] / wall * 100, "%", GOAL_APP_CPU_PCT),
        Result(f"{name}.cpu_pct.emulator_process", emulator_cpu.between(wall0, wall1) / wall * 100, "%"),
        Result(f"{name}.terminal_kb_per_s", terminal_bytes / 1024 / wall, "KB/s"),
    ]


# -- memory of a long log ------------------------------------------------------------------------------

MEMORY_DRIVER = """
import asyncio, gc, json, sys, time

from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.testing import make_app, wait_for, wait_for_screen
from flowsynx_tui.widgets.logview import LogPane
from flowsynx_tui.messages import ExecutionView


def status():
    fields = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


async def main(url, workflow_id, execution_id, expected, timeout):
    app = make_app(url)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        gc.collect()
        before = status()["VmRSS"]
        started = time.monotonic()
        app.navigate(ExecutionView(workflow_id, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        pane = screen.query_one(LogPane)
        await wait_for(pilot, lambda: screen.logs_complete, timeout=timeout, what="all logs")
        loaded = time.monotonic() - started
        await pilot.pause(0.5)
        gc.collect()
        after = status()
        print(json.dumps({
            "rss_before_mb": before,
            "rss_after_mb": after["VmRSS"],
            "peak_rss_mb": after["VmHWM"],
            "retain_limit": pane.retain_limit,
            "retained_lines": pane.line_count,
            "load_seconds": loaded,
        }), flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))
"""


@benchmark("follow.memory")
def memory(quick: bool) -> list[Result]:
    """RSS of the app (child process) after loading a 1M-line execution through its LogPane."""
    lines = 50_000 if quick else FULL_LINES
    emulator = Emulator(seed=False, frozen=True)
    population = populate(emulator, workflows=1, finished=1, paused=0)
    execution_id = population.finished_ids[0]
    add_log_lines(emulator, execution_id, lines)
    timeout = 60.0 if quick else 600.0
    with EmulatorServer(emulator) as server, tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        script = Path(folder) / "memory_driver.py"
        script.write_text(MEMORY_DRIVER, encoding="utf-8")
        args = (server.url, population.workflow_of[execution_id], execution_id, str(lines), str(timeout))
        report = run_json_driver(script, *args, timeout=timeout + 60, what="memory")
    label = f"{lines // 1_000_000}m" if lines >= 1_000_000 else f"{lines // 1000}k"
    name = f"follow.memory.{label}"
    return [
        Result(f"{name}.rss_before_open", report["rss_before_mb"], "MB"),
        Result(f"{name}.rss_after_load", report["rss_after_mb"], "MB", GOAL_RSS_MB),
        Result(f"{name}.peak_rss", report["peak_rss_mb"], "MB", GOAL_RSS_MB),
        Result(f"{name}.retained_lines", report["retained_lines"], "lines", min(lines, report["retain_limit"])),
        Result(f"{name}.retain_cap", report["retain_limit"], "lines"),
        Result(f"{name}.load_seconds", report["load_seconds"], "s"),
    ]
