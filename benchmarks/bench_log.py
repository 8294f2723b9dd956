"""Log pane benchmarks: ingest vs Textual's ``Log``, scrolling, filtering, searching.

Every measurement runs inside ``App.run_test`` (headless, 120x40), on synthetic
lines shaped like FlowSynx task logs: a level, a timestamp, a 40-120 character
message and, on 5% of lines, a multi-line .NET-style exception.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timezone
from time import perf_counter

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Log

from benchmarks import Result, benchmark
from flowsynx_tui.widgets.logview.pane import LogPane
from flowsynx_tui.widgets.logview.store import Record

SIZE = (120, 40)
GOAL_SECONDS = 0.3
SCROLL_REPEATS = 60
REPEATS = 3
_LEVELS = (
    ("Trace", 0, "TRC"),
    ("Debug", 1, "DBG"),
    ("Information", 2, "INF"),
    ("Information", 2, "INF"),
    ("Information", 2, "INF"),
    ("Warning", 3, "WRN"),
    ("Error", 4, "ERR"),
    ("Critical", 5, "CRT"),
)
_WORDS = (
    "extract invoice order rows payload retry connection batch upload parsed "
    "customer ledger timeout queued worker committed snapshot fetched storage"
).split()
_EXCEPTION = (
    "System.InvalidOperationException: Sequence contains no elements\n"
    + "\n".join(f"   at FlowSynx.Plugins.Step{n}.Run(Context ctx) in /src/Step{n}.cs:line {n * 7}" for n in range(10))
)
_START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC).timestamp()


def make_records(count: int, seed: int = 7) -> list[Record]:
    """Deterministic synthetic records; each call builds fresh string objects."""
    rng = random.Random(seed)
    records: list[Record] = []
    for n in range(count):
        name, severity, _ = _LEVELS[rng.randrange(len(_LEVELS))]
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 16)))
        message = f"task {n % 97} {words} id={n}"
        exception = f"{_EXCEPTION} #{n}" if rng.random() < 0.05 else None
        records.append((_START + n * 0.003, severity, name, message, exception))
    return records


def as_plain_lines(records: list[Record]) -> list[str]:
    """The same lines as text, the way a plain ``Log`` would be fed them."""
    labels = {name: label for name, _, label in _LEVELS}
    lines = []
    for stamp, _, name, message, exception in records:
        clock = datetime.fromtimestamp(stamp, UTC).strftime("%H:%M:%S.%f")[:-3]
        line = f"{clock} {labels[name]} {message}"
        lines.append(f"{line}\n{exception}" if exception else line)
    return lines


class _Host(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self._widget = widget

    def compose(self) -> ComposeResult:
        yield self._widget


async def _in_app(widget: Widget, body: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    app = _Host(widget)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await body(pilot)


def _label(count: int) -> str:
    return f"{count // 1_000_000}m" if count >= 1_000_000 and count % 1_000_000 == 0 else f"{count // 1000}k"


# -- (a) ingest ------------------------------------------------------------------------


async def _ingest_pane(count: int) -> tuple[float, int, int]:
    pane = LogPane(retain_limit=count, local_tz=timezone.utc)
    measured: dict[str, float] = {}

    async def body(pilot: Pilot[None]) -> None:
        pane.reset("benchmark", live=True)
        gc.collect()
        tracemalloc.start()
        records = make_records(count)  # traced: the kept message strings are made here
        started = perf_counter()
        pane.append_records(records)
        await pilot.pause()
        measured["seconds"] = perf_counter() - started
        del records[:]
        gc.collect()
        measured["retained"], measured["peak"] = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert pane.line_count == count

    await _in_app(pane, body)
    return measured["seconds"], int(measured["peak"]), int(measured["retained"])


async def _ingest_log(count: int) -> tuple[float, int, int]:
    log = Log()
    measured: dict[str, float] = {}

    async def body(pilot: Pilot[None]) -> None:
        gc.collect()
        tracemalloc.start()
        lines = as_plain_lines(make_records(count))
        started = perf_counter()
        log.write_lines(lines)
        await pilot.app.workers.wait_for_complete()  # Log measures widths in a thread
        await pilot.pause()
        measured["seconds"] = perf_counter() - started
        del lines[:]
        gc.collect()
        measured["retained"], measured["peak"] = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    await _in_app(log, body)
    return measured["seconds"], int(measured["peak"]), int(measured["retained"])


@benchmark("log.ingest")
async def ingest(quick: bool) -> list[Result]:
    """Time and memory per line: LogPane.append_records vs Log.write_lines, same lines."""
    results = []
    for count in (10_000,) if quick else (100_000, 1_000_000):
        label = _label(count)
        log_seconds, log_peak, log_kept = await _ingest_log(count)
        gc.collect()
        seconds, peak, kept = await _ingest_pane(count)
        gc.collect()
        results += [
            Result(f"log.ingest.{label}.time_per_line", seconds / count * 1e6, "us", log_seconds / count * 1e6),
            Result(f"log.ingest.{label}.peak_mem_per_line", peak / count, "B", log_peak / count),
            Result(f"log.ingest.{label}.kept_mem_per_line", kept / count, "B", log_kept / count),
        ]
    return results


# -- (b) scroll ---------------------------------------------------------------------------


class _SideBySide(App[None]):
    """Two panes of one screen size each, so both are measured under the same load."""

    CSS = "Screen { layout: horizontal; } LogPane { width: 1fr; }"

    def __init__(self, *panes: LogPane) -> None:
        super().__init__()
        self._panes = panes

    def compose(self) -> ComposeResult:
        yield from self._panes


def _screen_once(pane: LogPane, rng: random.Random) -> float:
    """Seconds to render every row of one screen right after a page down."""
    view = pane.lines_view
    height = view.scrollable_content_region.height
    view.scroll_to(y=rng.randrange(max(1, view.max_scroll_y - height)), animate=False)
    view.action_scroll_pages(1)
    view._strips.clear()  # a cold screen: nothing of it rendered before
    started = perf_counter()
    for y in range(height):
        view.render_line(y)
    return perf_counter() - started


async def _screen_seconds(small: int, large: int) -> tuple[float, float]:
    """Median screen render time of a small and a large log, measured alternately."""
    panes = [LogPane(retain_limit=count, local_tz=timezone.utc) for count in (small, large)]
    timings: list[list[float]] = [[], []]
    app = _SideBySide(*panes)
    async with app.run_test(size=(SIZE[0] * 2, SIZE[1])) as pilot:
        for pane, count in zip(panes, (small, large), strict=True):
            pane.reset("benchmark", live=False)
            pane.append_records(make_records(count))
        await pilot.pause()
        rng = random.Random(3)
        gc.collect()
        gc.disable()  # as timeit does: collecting a million objects is not scrolling
        try:
            for _ in range(SCROLL_REPEATS):
                for pane, sink in zip(panes, timings, strict=True):
                    sink.append(_screen_once(pane, rng))
        finally:
            gc.enable()
    return statistics.median(timings[0]), statistics.median(timings[1])


@benchmark("log.scroll")
async def scroll(quick: bool) -> list[Result]:
    """Rendering a screen must not depend on how many lines are held."""
    small, large = (1_000, 10_000) if quick else (1_000, 1_000_000)
    small_seconds, large_seconds = await _screen_seconds(small, large)
    return [
        Result(f"log.scroll.screen_{_label(small)}", small_seconds * 1e3, "ms"),
        Result(f"log.scroll.screen_{_label(large)}", large_seconds * 1e3, "ms", small_seconds * 1e3),
    ]


# -- (c) filter and search ------------------------------------------------------------------------


@benchmark("log.filter_search")
async def filter_and_search(quick: bool) -> list[Result]:
    """Level filter steps and substring searches over every retained line."""
    count = 10_000 if quick else 1_000_000
    pane = LogPane(retain_limit=count, local_tz=timezone.utc)
    label = _label(count)
    results: list[Result] = []

    async def body(pilot: Pilot[None]) -> None:
        pane.reset("benchmark", live=True)
        pane.append_records(make_records(count))
        await pilot.pause()
        pane.focus()
        # Each figure is the median of REPEATS runs: other processes share the machine.
        steps: list[list[float]] = [[] for _ in range(5)]
        for _ in range(REPEATS):
            for step in steps:  # debug, info, warning, error, back to all
                started = perf_counter()
                pane.action_cycle_level()
                step.append(perf_counter() - started)
        worst = max(statistics.median(step) for step in steps)
        results.append(Result(f"log.filter.{label}.worst_step", worst, "s", GOAL_SECONDS))
        # ~100 hits, ~2.6% of lines, ~42% of lines
        for name, needle in (("rare", "id=4242"), ("common", "Ledger Timeout"), ("dense", "ledger")):
            timings = []
            for _ in range(REPEATS):
                started = perf_counter()
                pane.search(needle)
                while pane.search_pending:
                    await asyncio.sleep(0.001)  # an idle UI, as when a user waits
                timings.append(perf_counter() - started)
            results.append(Result(f"log.search.{label}.{name}", statistics.median(timings), "s", GOAL_SECONDS))
        await pilot.pause()

    await _in_app(pane, body)
    return results
