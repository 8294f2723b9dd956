"""Executions table benchmarks: first paint of 10k rows and a refresh where 1% changed.

Everything runs headless inside ``App.run_test`` (160x48). The data is a bulk
history written into an emulator's store (``flowsynx_tui.emulator.bulk``): 50
workflows, 5 paused executions, the rest finished; rows are formatted the way
``ExecutionsScreen.refresh_view`` formats them (all-executions view, 7 columns).

* ``tables.first_paint.*``: from handing the rows over to the rows being measured,
  laid out and painted (``pilot.pause`` until the table is idle), for
  ``KeyedTable.sync`` on an empty table and for pushing ``ExecutionsScreen`` in a
  ``FlowSynxApp`` whose overview already holds the executions; the baseline is a
  stock ``DataTable.add_rows`` of the same cells, measured in the same run.
* ``tables.refresh_1pct.*``: ``KeyedTable.sync`` of the same keys with 1% of the
  rows changed, timed on the UI thread (the pilot's coroutine runs on the app's
  loop), against the 20 ms goal. ``position_changes`` counts what moved that must
  not (cursor row key, ``scroll_y``): 0 is right; anything else is also written to
  stderr. ``refresh_new_row`` is the same with one new execution on top, which
  takes ``KeyedTable``'s rebuild path: the cursor must stay on its key and the
  viewport move down by exactly one row.
"""

from __future__ import annotations

import gc
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any

import httpx
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable

from benchmarks import Result, benchmark
from flowsynx_tui.api import ExecutionStatus, ExecutionSummary, WorkflowSummary
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import Settings
from flowsynx_tui.emulator import Emulator
from flowsynx_tui.emulator.bulk import Population, populate
from flowsynx_tui.emulator.clock import format_store
from flowsynx_tui.format import duration_between, format_duration, format_time, status_text
from flowsynx_tui.services import Clock
from flowsynx_tui.text import safe, short_id
from flowsynx_tui.screens.executions import APPROVAL_MARK, ExecutionsScreen
from flowsynx_tui.widgets.keyed_table import KeyedTable, Row

SIZE = (160, 48)
GOAL_MS = 20.0
WORKFLOWS = 50
PAUSED = 5
COLUMNS = [
    ("id", "Execution"),
    ("workflow", "Workflow"),
    ("status", "Status"),
    ("started", "Started"),
    ("ended", "Ended"),
    ("duration", "Duration"),
    ("mark", ""),
]


def _label(count: int) -> str:
    return f"{count // 1000}k"


# -- data ---------------------------------------------------------------------------------------


class _Data:
    """A populated emulator and the same history as the client models it."""

    def __init__(self, count: int) -> None:
        self.emulator = Emulator(seed=False, frozen=True)
        self.population: Population = populate(
            self.emulator, workflows=WORKFLOWS, finished=count - PAUSED, paused=PAUSED
        )
        store = self.emulator.store
        self.now = datetime.now(UTC)
        self.workflows = {
            wid: WorkflowSummary(id=wid, name=store.workflow(None, wid).name)  # type: ignore[union-attr]
            for wid in self.population.workflow_ids
        }
        self.summaries: list[ExecutionSummary] = []  # oldest first, as the server lists them
        for execution_id in self.population.execution_ids:
            record = store.execution(None, execution_id)
            assert record is not None
            self.summaries.append(
                ExecutionSummary.model_validate(
                    {
                        "id": record.id,
                        "status": record.status,
                        "executionStart": format_store(record.start),
                        "executionEnd": format_store(record.end) if record.end is not None else None,
                    }
                )
            )

    def rows(self, summaries: list[ExecutionSummary] | None = None) -> list[Row]:
        """Newest first, cells as ``ExecutionsScreen.refresh_view`` makes them."""
        workflow_of = self.population.workflow_of
        rows: list[Row] = []
        for summary in reversed(summaries if summaries is not None else self.summaries):
            name = self.workflows[workflow_of[summary.id]].name if summary.id in workflow_of else "…"
            end = summary.effective_end
            live = summary.status in (ExecutionStatus.RUNNING, ExecutionStatus.PAUSED)
            duration = duration_between(summary.execution_start, end if not live else None, self.now)
            paused = summary.status is ExecutionStatus.PAUSED
            cells: tuple[str | Text, ...] = (
                short_id(summary.id),
                safe(name, 40),
                status_text(summary.status, width=11),
                format_time(summary.execution_start),
                format_time(end),
                format_duration(duration),
                Text(APPROVAL_MARK, style="bold magenta") if paused else Text(""),
            )
            rows.append((summary.id, cells))
        return rows

    def changed(self, fraction_step: int = 100, round_: int = 1) -> list[ExecutionSummary]:
        """The history with every ``fraction_step``-th finished execution's status and end changed."""
        out = list(self.summaries)
        for index in range(0, len(out), fraction_step):
            summary = out[index]
            if summary.status is ExecutionStatus.PAUSED:
                continue
            flipped = ExecutionStatus.FAILED if summary.status is ExecutionStatus.COMPLETED else ExecutionStatus.COMPLETED
            end = summary.execution_end + timedelta(seconds=round_) if summary.execution_end else None
            out[index] = summary.model_copy(update={"status": flipped, "execution_end": end})
        return out

    def with_new(self) -> list[ExecutionSummary]:
        """The history plus one running execution, newer than all others."""
        newest = ExecutionSummary(
            id="ffffffff-0000-4000-8000-000000000001",
            status=ExecutionStatus.RUNNING,
            execution_start=self.now - timedelta(seconds=3),
        )
        self.population.workflow_of.setdefault(newest.id, self.population.workflow_ids[0])
        return [*self.summaries, newest]


# -- helpers ---------------------------------------------------------------------------------------


class _Host(App[None]):
    def __init__(self, table: DataTable[Any]) -> None:
        super().__init__()
        self._table = table

    def compose(self) -> ComposeResult:
        yield self._table


class _DimensionTimer:
    """Accumulates the time a table spends in ``_update_dimensions`` (its idle-time layout pass)."""

    def __init__(self, table: DataTable[Any]) -> None:
        self.seconds = 0.0
        inner = table._update_dimensions

        def timed(new_rows: Any) -> None:
            started = perf_counter()
            try:
                inner(new_rows)
            finally:
                self.seconds += perf_counter() - started

        table._update_dimensions = timed  # type: ignore[method-assign]


def _settled(table: DataTable[Any], count: int) -> bool:
    header = table.header_height if table.show_header else 0
    return (
        table.row_count == count
        and not table._require_update_dimensions
        and table.virtual_size.height == count + header
    )


async def _until_painted(pilot: Pilot[None], table: Callable[[], DataTable[Any] | None], count: int) -> None:
    """Let the app run until the table holds ``count`` rows, laid out, and a frame was drawn."""
    for _ in range(10_000):
        await pilot.pause()
        current = table()
        if current is not None and _settled(current, count):
            return
    raise AssertionError("table never settled")


async def _paint_stock(rows: list[Row]) -> float:
    table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=False)
    cells = [list(row_cells) for _, row_cells in rows]
    async with _Host(table).run_test(size=SIZE) as pilot:
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        await pilot.pause()
        gc.collect()
        started = perf_counter()
        table.add_rows(cells)
        await _until_painted(pilot, lambda: table, len(rows))
        return perf_counter() - started


async def _paint_keyed(rows: list[Row]) -> float:
    table = KeyedTable(COLUMNS)
    async with _Host(table).run_test(size=SIZE) as pilot:
        await pilot.pause()
        gc.collect()
        started = perf_counter()
        table.sync(rows)
        await _until_painted(pilot, lambda: table, len(rows))
        return perf_counter() - started


def _app_with_overview(data: _Data) -> FlowSynxApp:
    """The dashboard with its overview already holding the history (as after many cycles).

    Requests go in-process to the populated emulator (``httpx.ASGITransport``); the
    refresh interval is an hour, so only the first, cheap cycle runs.
    """
    app = FlowSynxApp(
        Settings(url="http://emulator.invalid", refresh=3600.0),
        transport=httpx.ASGITransport(app=data.emulator.app),
        clock=Clock.frozen_at(data.now),
    )
    overview = app.services.overview
    overview.workflows = dict(data.workflows)
    for summary in data.summaries:
        overview.index.record(data.population.workflow_of[summary.id], summary)
    overview.index.loaded = True
    return app


async def _paint_screen(data: _Data) -> float:
    app = _app_with_overview(data)
    count = len(data.summaries)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(1000):
            await pilot.pause()
            jobs = app.services.poller.jobs.values()
            if jobs and all(job.runs > 0 and not job.in_flight for job in jobs):
                break
        await pilot.pause()
        gc.collect()
        started = perf_counter()
        app.push_screen(ExecutionsScreen(app.services, None))

        def table() -> DataTable[Any] | None:
            screen = app.screen
            if not isinstance(screen, ExecutionsScreen) or not screen.is_mounted:
                return None
            return screen.query_one(KeyedTable)

        await _until_painted(pilot, table, count)
        return perf_counter() - started


# -- (a) first paint --------------------------------------------------------------------------------


@benchmark("tables.first_paint")
async def first_paint(quick: bool) -> list[Result]:
    """10k executions: KeyedTable.sync and ExecutionsScreen vs DataTable.add_rows, to painted rows."""
    count = 1_000 if quick else 10_000
    repeats = 1 if quick else 3
    data = _Data(count)
    rows = data.rows()
    stock: list[float] = []
    keyed: list[float] = []
    screen: list[float] = []
    for _ in range(repeats):  # interleaved, so load on the machine hits all three alike
        stock.append(await _paint_stock(rows))
        keyed.append(await _paint_keyed(rows))
        screen.append(await _paint_screen(data))
    base = statistics.median(stock) * 1e3
    label = _label(count)
    return [
        Result(f"tables.first_paint.{label}.datatable_add_rows", base, "ms"),
        Result(f"tables.first_paint.{label}.keyed_sync", statistics.median(keyed) * 1e3, "ms", base),
        Result(f"tables.first_paint.{label}.executions_screen", statistics.median(screen) * 1e3, "ms", base),
    ]


# -- (b) refresh with 1% changed ----------------------------------------------------------------------


def _report(name: str, problems: list[str]) -> None:
    for problem in problems:
        print(f"benchmark {name}: {problem}", file=sys.stderr)


async def _refresh(data: _Data, repeats: int) -> dict[str, float]:
    rows = data.rows()
    count = len(rows)
    table = KeyedTable(COLUMNS)
    measured: dict[str, float] = {}
    async with _Host(table).run_test(size=SIZE) as pilot:
        table.sync(rows)
        await _until_painted(pilot, lambda: table, count)
        # The user looks at a row in the middle of the list.
        chosen = rows[count // 2][0]
        table.select_key(chosen)
        await pilot.pause()
        await pilot.pause()
        key_before, scroll_before = table.selected_key, table.scroll_y
        dimensions = _DimensionTimer(table)

        # 1% of the rows changed, same keys: in-place update.
        variants = [data.rows(data.changed(round_=r)) for r in range(1, repeats + 2)]
        timings = []
        moved: list[str] = []
        for variant in variants:
            gc.collect()
            started = perf_counter()
            table.sync(variant)
            timings.append(perf_counter() - started)
            await pilot.pause()
            if table.selected_key != key_before:
                moved.append(f"cursor moved from {key_before} to {table.selected_key}")
            if table.scroll_y != scroll_before:
                moved.append(f"scroll_y moved from {scroll_before} to {table.scroll_y}")
        measured["sync"] = statistics.median(timings[1:])  # the first also warms caches
        measured["sync_max"] = max(timings)
        measured["idle_layout"] = dimensions.seconds / len(variants)
        measured["position_changes"] = len(moved)
        _report("tables.refresh_1pct", moved)

        # One new execution on top (plus 1% changed): KeyedTable rebuilds.
        table.sync(rows)
        await _until_painted(pilot, lambda: table, count)
        table.select_key(chosen)
        await pilot.pause()
        await pilot.pause()
        key_before, scroll_before = table.selected_key, table.scroll_y
        dimensions.seconds = 0.0
        newer = data.with_new()
        newer[0] = data.changed(round_=9)[0]
        new_rows = data.rows(newer)
        gc.collect()
        started = perf_counter()
        table.sync(new_rows)
        measured["rebuild_sync"] = perf_counter() - started
        await _until_painted(pilot, lambda: table, count + 1)
        measured["rebuild_idle_layout"] = dimensions.seconds
        moved = []
        if table.selected_key != key_before:
            moved.append(f"rebuild: cursor moved from {key_before} to {table.selected_key}")
        if table.scroll_y != scroll_before + 1:
            moved.append(f"rebuild: scroll_y {scroll_before} -> {table.scroll_y}, expected {scroll_before + 1}")
        measured["rebuild_position_changes"] = len(moved)
        _report("tables.refresh_new_row", moved)
    return measured


async def _screen_tick(data: _Data, repeats: int) -> float:
    """``ExecutionsScreen.refresh_view`` (run every second for live durations) with nothing changed."""
    app = _app_with_overview(data)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(ExecutionsScreen(app.services, None))
        screen = app.screen
        assert isinstance(screen, ExecutionsScreen)
        await _until_painted(pilot, lambda: screen.query_one(KeyedTable), len(data.summaries))
        timings = []
        for _ in range(repeats + 1):
            gc.collect()
            started = perf_counter()
            screen.refresh_view()
            timings.append(perf_counter() - started)
            await pilot.pause()
        return statistics.median(timings[1:])


@benchmark("tables.refresh_1pct")
async def refresh_1pct(quick: bool) -> list[Result]:
    """KeyedTable.sync with 1% of 10k rows changed: time on the UI thread, cursor and scroll kept."""
    count = 1_000 if quick else 10_000
    repeats = 3 if quick else 7
    data = _Data(count)
    measured = await _refresh(data, repeats)
    tick = await _screen_tick(data, 3 if quick else 5)
    label = _label(count)
    name = f"tables.refresh_1pct.{label}"
    return [
        Result(f"{name}.sync", measured["sync"] * 1e3, "ms", GOAL_MS),
        Result(f"{name}.sync_worst", measured["sync_max"] * 1e3, "ms", GOAL_MS),
        Result(f"{name}.idle_layout", measured["idle_layout"] * 1e3, "ms"),
        Result(f"{name}.position_changes", measured["position_changes"], "count"),
        Result(f"tables.refresh_new_row.{label}.sync", measured["rebuild_sync"] * 1e3, "ms", GOAL_MS),
        Result(f"tables.refresh_new_row.{label}.idle_layout", measured["rebuild_idle_layout"] * 1e3, "ms", GOAL_MS),
        Result(f"tables.refresh_new_row.{label}.position_changes", measured["rebuild_position_changes"], "count"),
        Result(f"tables.executions_screen.{label}.refresh_view_tick", tick * 1e3, "ms", GOAL_MS),
    ]
