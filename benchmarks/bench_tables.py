"""Executions table benchmarks: first paint at 10k and 100k rows, a refresh where 1% changed,
a new row on top, and sorting and filtering 100k rows.

Everything runs headless inside ``App.run_test`` (160x48), with the collector set as the
dashboard's command line sets it (``gc_policy.settle``), the stock table's runs too. The data is a bulk history
written into an emulator's store (``flowsynx_tui.emulator.bulk``): 50 workflows, 5 paused
executions, the rest finished; rows are formatted the way ``ExecutionsScreen.refresh_view``
formats them (all-executions view, 7 columns, ``Text`` and ``str`` cells). The baseline of
each figure is Textual's stock ``DataTable`` doing the same, measured in the same run, or
the goal of issue 12 where the stock table has no such operation.

* ``tables.first_paint.*``: from handing the rows over to the rows being laid out and a
  frame drawn (``pilot.pause`` until the table is idle): ``KeyedTable.sync`` on an empty
  table, pushing ``ExecutionsScreen`` in a ``FlowSynxApp`` whose overview already holds the
  executions (10k only), and the stock ``DataTable.add_rows`` of the same cells. Goals:
  0.3 s at 10k, 0.5 s at 100k. The stock table takes minutes for 100k rows on a loaded
  2-core machine, so everything is measured once there (three times at 10k, median).
  ``--quick``: 1k and 2k rows.
* ``tables.refresh_1pct.*``: ``KeyedTable.sync`` of the same keys with 1% of the rows
  changed, timed on the UI thread (the pilot's coroutine runs on the app's loop), with the
  rows handed over as the executions screen hands them (an unchanged row is the same
  tuple as last time); ``uncached`` hands every row as a new tuple (every cell compared).
  Baseline: the stock table's ``update_cell`` of the same cells. Goal 10 ms.
  ``position_changes`` counts what moved that must not (cursor row key, ``scroll_y``):
  0 is right; anything else is also written to stderr.
* ``tables.refresh_new_row.*``: the same with one new execution on top; goal: no more
  than the 1% refresh (its baseline here); the cursor stays on its key and the view
  moves down by exactly one row.
* ``tables.sort.*``: ``sort_by`` each column of 100k rows, the first time and reversed, the
  slowest column. From ``KeyedTable.SORT_IN_THREAD_FROM`` rows the order is worked out in
  a thread, so two figures: ``ui_stall``, the longest the event loop was held from the key
  to the sorted rows (a 2 ms timer's longest gap: the ``sort_by`` call, putting the order
  on screen, the thread's longest step under the GIL), against the goal of 100 ms; and
  ``first``/``again``, the time until the rows are shown in their new order, against the
  stock table's ``sort`` of the same column by the same keys (``sort_key``; its rows not
  laid out, which a sort does not need), which holds the loop all that time. The cursor
  stays on its key and in view.
* ``tables.filter.*``: ``filter_rows`` with 100k rows while a filter is typed letter by
  letter (``status:failed``, ``bulk-01``), the slowest keystroke; goal 100 ms (the stock
  table has no filter: a screen rebuilds it).
* ``tables.executions_screen.*.clock_tick``: one tick of the screen with nothing changed
  (``refresh_clock``, every second for live durations: the ticking rows only), at 10k and
  100k executions; ``full_redraw``: ``refresh_view``, what new data costs (every row's
  cells checked, the table handed every row); ``ten_changed``: the index taking 10
  executions whose status changed, and ``redraw_changed`` (a poll cycle); ``one_changed``:
  the same for one (a hub event); ``new_execution``: the index taking one new execution
  (``record``, as the hub announces one) and ``redraw_changed``, the user looking at a row
  in the middle; its baseline is ``one_changed`` (issue 12: a new row costs no more than a
  changed one), and ``new_vs_ten_changed`` compares it with the poll cycle's ten. The UI
  thread's time in the call; the frames drawn after it are timed apart:
  ``new_execution_frames``, the frames after a new execution (the view in the middle: the
  title's count, and the scrollbar when its thumb moves), against those after a change to
  a row on screen.
* ``tables.first_read.*``: a first read of 50k executions (v1.3.0 lists, 50 workflows;
  the emulator in this process, the app headless in its own): time until every run is
  read with the workflows screen on top (the baseline), with the executions list open from
  its first rows, and with that list sorted by duration; and the event loop's lag
  meanwhile (a 10 ms sleep's overrun), p99 against the 100 ms goal, and the worst.
  ``--quick``: 3k runs, read before the list opens (it checks the benchmark runs).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

from benchmarks import Result, benchmark
from benchmarks.processes import run_json_driver
from flowsynx_tui import gc_policy
from flowsynx_tui.api import ExecutionStatus, ExecutionSummary, WorkflowSummary
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import Settings
from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.emulator.bulk import Population, populate
from flowsynx_tui.emulator.clock import format_store
from flowsynx_tui.format import duration_between, format_duration, format_time, status_text
from flowsynx_tui.screens.executions import APPROVAL_MARK, ExecutionsScreen
from flowsynx_tui.services import Clock
from flowsynx_tui.text import safe, short_id
from flowsynx_tui.widgets.filter_bar import RowFilter
from flowsynx_tui.widgets.keyed_table import KeyedTable, Row, plain, sort_key

SIZE = (160, 48)
#: Long enough for the frames a change asks for (a screen draws at most 60 a second).
FRAME_WAIT = 0.05
PAINT_GOAL_MS = {10_000: 300.0, 100_000: 500.0}
REFRESH_GOAL_MS = 10.0
SORT_FILTER_GOAL_MS = 100.0
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
TYPED = ("status:failed", "bulk-01")
BLANK_LAST = (9, "")


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
        self._cells: dict[tuple[object, ...], tuple[str | Text, ...]] = {}

    def rows(self, summaries: list[ExecutionSummary] | None = None) -> list[Row]:
        """Newest first, cells as ``ExecutionsScreen.refresh_view`` makes them; like the
        screen, an unchanged row is handed back as the same tuple."""
        workflow_of = self.population.workflow_of
        rows: list[Row] = []
        cache = self._cells
        for summary in reversed(summaries if summaries is not None else self.summaries):
            name = self.workflows[workflow_of[summary.id]].name if summary.id in workflow_of else "…"
            signature = (summary, name)
            cells = cache.get(signature)
            if cells is None:
                cells = cache[signature] = self._cells_of(summary, name)
            rows.append((summary.id, cells))
        return rows

    def _cells_of(self, summary: ExecutionSummary, name: str) -> tuple[str | Text, ...]:
        end = summary.effective_end
        live = summary.status in (ExecutionStatus.RUNNING, ExecutionStatus.PAUSED)
        duration = duration_between(summary.execution_start, end if not live else None, self.now)
        paused = summary.status is ExecutionStatus.PAUSED
        return (
            short_id(summary.id),
            safe(name, 40),
            status_text(summary.status, width=11),
            format_time(summary.execution_start),
            format_time(end),
            format_duration(duration),
            Text(APPROVAL_MARK, style="bold magenta") if paused else Text(""),
        )

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


def _fresh(rows: list[Row]) -> list[Row]:
    """The rows as new tuples (a caller that does not keep unchanged rows)."""
    return [(key, tuple(cells)) for key, cells in rows]


# -- helpers ---------------------------------------------------------------------------------------


class _Host(App[None]):
    def __init__(self, table: Widget) -> None:
        super().__init__()
        self._table = table

    def compose(self) -> ComposeResult:
        yield self._table


def _stock_settled(table: DataTable[Any], count: int) -> bool:
    header = table.header_height if table.show_header else 0
    return (
        table.row_count == count
        and not table._require_update_dimensions
        and table.virtual_size.height == count + header
    )


def _keyed_settled(table: KeyedTable, count: int) -> bool:
    return table.row_count == count and table.virtual_size.height == count + table.header_height


async def _until_painted(pilot: Pilot[None], settled: Callable[[], bool]) -> None:
    """Let the app run until the table is laid out, then draw one more frame."""
    for _ in range(100_000):
        await pilot.pause()
        if settled():
            await pilot.pause()
            return
    raise AssertionError("table never settled")


def _timed(action: Callable[[], object]) -> float:
    gc.collect()
    started = perf_counter()
    action()
    return perf_counter() - started


@contextmanager
def _collected_as_the_app_does() -> Iterator[None]:
    """The garbage collector as ``flowsynx-tui`` runs it (``gc_policy.settle``), then as it
    was: with CPython's default thresholds, full collections over the 100k rows' objects
    land in the middle of what is timed, which the dashboard does not suffer."""
    before = gc.get_threshold()
    gc_policy.settle()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def _report(name: str, problems: list[str]) -> None:
    for problem in problems:
        print(f"benchmark {name}: {problem}", file=sys.stderr)


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
        await _until_painted(pilot, lambda: _stock_settled(table, len(rows)))
        return perf_counter() - started


async def _stock_sorts(rows: list[Row], columns: Sequence[str]) -> dict[str, float]:
    """The stock table's ``sort`` of each column, by what the cells mean as KeyedTable sorts
    (blanks last here too). Its rows are not laid out first: at 100k that takes minutes
    and a sort does not need it."""
    table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=False)
    sorts: dict[str, float] = {}
    async with _Host(table).run_test(size=SIZE):
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        table.add_rows([list(row_cells) for _, row_cells in rows])
        for column in columns:
            sort_key.cache_clear()
            sorts[column] = _timed(lambda: table.sort(column, key=lambda value: sort_key(plain(value)) or BLANK_LAST))
    return sorts


async def _paint_keyed(rows: list[Row]) -> float:
    table = KeyedTable(COLUMNS)
    async with _Host(table).run_test(size=SIZE) as pilot:
        await pilot.pause()
        gc.collect()
        started = perf_counter()
        table.sync(rows)
        await _until_painted(pilot, lambda: _keyed_settled(table, len(rows)))
        return perf_counter() - started


def _app_with_overview(data: _Data) -> FlowSynxApp:
    """The dashboard with its overview already holding the history (as after many cycles).

    Requests go in-process to the populated emulator (``httpx.ASGITransport``); the
    refresh interval is an hour, so only the first, cheap cycle runs.
    """
    app = FlowSynxApp(
        Settings(url="http://emulator.invalid", refresh=3600.0, live=False),
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

        def settled() -> bool:
            screen = app.screen
            if not isinstance(screen, ExecutionsScreen) or not screen.is_mounted:
                return False
            return _keyed_settled(screen.query_one(KeyedTable), count)

        await _until_painted(pilot, settled)
        return perf_counter() - started


# -- (a) first paint --------------------------------------------------------------------------------


@benchmark("tables.first_paint")
async def first_paint(quick: bool) -> list[Result]:
    with _collected_as_the_app_does():
        return await _first_paint(quick)


async def _first_paint(quick: bool) -> list[Result]:
    """KeyedTable.sync (and ExecutionsScreen at the smaller size) vs DataTable.add_rows, to painted rows."""
    results: list[Result] = []
    for count, repeats, with_screen in ((1_000, 1, True), (2_000, 1, False)) if quick else (
        (10_000, 3, True),
        (100_000, 1, False),
    ):
        data = _Data(count)
        rows = data.rows()
        stock: list[float] = []
        keyed: list[float] = []
        screen: list[float] = []
        for _ in range(repeats):  # interleaved, so load on the machine hits all alike
            stock.append(await _paint_stock(rows))
            keyed.append(await _paint_keyed(rows))
            if with_screen:
                screen.append(await _paint_screen(data))
        base = statistics.median(stock) * 1e3
        label = _label(count)
        results += [
            Result(f"tables.first_paint.{label}.datatable_add_rows", base, "ms"),
            Result(f"tables.first_paint.{label}.keyed_sync", statistics.median(keyed) * 1e3, "ms", base),
        ]
        if screen:
            results.append(
                Result(f"tables.first_paint.{label}.executions_screen", statistics.median(screen) * 1e3, "ms", base)
            )
        del data, rows
        gc.collect()
    return results


# -- (b) refresh with 1% changed, a new row on top ---------------------------------------------------


async def _stock_refresh(rows: list[Row], variant: list[Row]) -> float:
    """The stock table's way to show ``variant``: ``update_cell`` of every changed cell."""
    table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=False)
    async with _Host(table).run_test(size=SIZE) as pilot:
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        await _until_painted(pilot, lambda: _stock_settled(table, len(rows)))
        old = dict(rows)
        column_keys = [key for key, _ in COLUMNS]

        def update() -> None:
            for key, cells in variant:
                before = old[key]
                if cells is before:
                    continue
                for index, value in enumerate(cells):
                    if value != before[index]:
                        table.update_cell(key, column_keys[index], value, update_width=True)

        return _timed(update)


async def _refresh(data: _Data, repeats: int) -> dict[str, float]:
    rows = data.rows()
    count = len(rows)
    table = KeyedTable(COLUMNS)
    measured: dict[str, float] = {}
    async with _Host(table).run_test(size=SIZE) as pilot:
        table.sync(rows)
        await _until_painted(pilot, lambda: _keyed_settled(table, count))
        # The user looks at a row in the middle of the list.
        chosen = rows[count // 2][0]
        table.select_key(chosen)
        await pilot.pause()
        key_before, scroll_before = table.selected_key, table.scroll_y

        def check(moved: list[str], what: str, scroll_expected: float) -> None:
            if table.selected_key != key_before:
                moved.append(f"{what}: cursor moved from {key_before} to {table.selected_key}")
            if table.scroll_y != scroll_expected:
                moved.append(f"{what}: scroll_y {table.scroll_y}, expected {scroll_expected}")

        # 1% of the rows changed, same keys: cells updated in place. Rounds alternate
        # with the original rows so that every round changes the same number of cells.
        moved: list[str] = []
        timings, uncached = [], []
        for round_ in range(1, repeats + 2):
            variant = data.rows(data.changed(round_=round_))
            timings.append(_timed(lambda: table.sync(variant)))
            await pilot.pause()
            check(moved, "1%", scroll_before)
            table.sync(rows)
            await pilot.pause()
            fresh = _fresh(variant)
            uncached.append(_timed(lambda: table.sync(fresh)))
            await pilot.pause()
            check(moved, "1% uncached", scroll_before)
            table.sync(rows)
            await pilot.pause()
        measured["sync"] = statistics.median(timings[1:])  # the first also warms caches
        measured["sync_worst"] = max(timings)
        measured["sync_uncached"] = statistics.median(uncached[1:])
        measured["position_changes"] = len(moved)
        _report("tables.refresh_1pct", moved)

        # One new execution on top, plus 1% changed.
        moved = []
        new_timings = []
        for round_ in range(repeats + 1):
            newer = data.with_new()
            newer[0] = data.changed(round_=20 + round_)[0]
            new_rows = data.rows(newer)
            new_timings.append(_timed(lambda: table.sync(new_rows)))
            await _until_painted(pilot, lambda: _keyed_settled(table, count + 1))
            check(moved, "new row", scroll_before + 1)
            table.sync(rows)
            await _until_painted(pilot, lambda: _keyed_settled(table, count))
            check(moved, "new row gone", scroll_before)
        measured["new_row_sync"] = statistics.median(new_timings[1:])
        measured["new_row_position_changes"] = len(moved)
        _report("tables.refresh_new_row", moved)
    measured["stock_update_cells"] = await _stock_refresh(rows, data.rows(data.changed(round_=99)))
    return measured


class _FrameClock:
    """Time a screen spends drawing its frames (Textual's compositor refresh, a private
    hook read only here): what a change costs after the call that made it."""

    def __init__(self, screen: Screen[Any]) -> None:
        self.spent = 0.0
        draw = screen._compositor_refresh

        def timed() -> None:
            start = perf_counter()
            try:
                draw()
            finally:
                self.spent += perf_counter() - start

        screen._compositor_refresh = timed  # type: ignore[method-assign]

    async def after(self, pilot: Pilot[None]) -> float:
        """The drawing done until the frames a change asked for are drawn."""
        await pilot.pause(FRAME_WAIT)
        spent, self.spent = self.spent, 0.0
        return spent


async def _screen_tick(data: _Data, repeats: int) -> dict[str, float]:
    """``ExecutionsScreen.refresh_clock`` (every second) and ``refresh_view`` with nothing
    changed, ``redraw_changed`` for 10 executions whose status changed (a poll cycle or
    hub events), one (a hub event), and a new execution (recorded as the hub's news of a
    new run is) while the user looks at a row in the middle; and the frames drawn after a
    new execution and after a change to a row on screen."""
    app = _app_with_overview(data)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(ExecutionsScreen(app.services, None))
        screen = app.screen
        assert isinstance(screen, ExecutionsScreen)
        await _until_painted(pilot, lambda: _keyed_settled(screen.query_one(KeyedTable), len(data.summaries)))
        frames = _FrameClock(screen)
        ticks, full = [], []
        for _ in range(repeats + 1):
            ticks.append(_timed(screen.refresh_clock))
            await pilot.pause()
            full.append(_timed(screen.refresh_view))
            await pilot.pause()
        index = app.services.overview.index
        changed_ids = [summary.id for summary in data.summaries[:: max(1, len(data.summaries) // 10)]][:10]
        changes, ones = [], []
        small = max(repeats, 40)  # a millisecond each, and 15-20% apart from run to run with 15 of them
        for round_ in range(small + 1):
            status = ExecutionStatus.FAILED if round_ % 2 else ExecutionStatus.COMPLETED
            read = {i: index.by_id[i].model_copy(update={"status": status}) for i in changed_ids}

            def changed() -> None:  # the index takes what was read, the screen redraws
                index.by_id.update(read)
                screen.redraw_changed(frozenset(changed_ids))

            changes.append(_timed(changed))
            await pilot.pause()
            one_id = changed_ids[round_ % len(changed_ids)]
            one_read = index.by_id[one_id].model_copy(update={"status": ExecutionStatus.COMPLETED if round_ % 2 else ExecutionStatus.FAILED})

            def one_changed() -> None:  # the same for one execution (a hub event)
                index.by_id[one_id] = one_read
                screen.redraw_changed(frozenset({one_id}))

            ones.append(_timed(one_changed))
            await pilot.pause()
        table = screen.query_one(KeyedTable)
        table.move_cursor(row=len(data.summaries) // 2)
        await pilot.pause()
        await frames.after(pilot)
        chosen, workflow_id = table.selected_key, data.population.workflow_ids[0]
        shown_id = table.visible_keys[len(table.visible_keys) // 2 + 2]
        added, moved, new_frames, shown_frames = [], [], [], []
        for round_ in range(small + 1):
            newest = ExecutionSummary(
                id=f"fffffffe-0000-4000-8000-{round_:012d}",
                status=ExecutionStatus.RUNNING,
                execution_start=data.now - timedelta(seconds=1),
            )

            def came() -> None:  # the index takes the hub's news, the screen redraws
                index.record(workflow_id, newest)
                screen.redraw_changed(frozenset({newest.id}))

            added.append(_timed(came))
            new_frames.append(await frames.after(pilot))
            if table.keys[0] != newest.id or table.selected_key != chosen:
                moved.append(f"new execution {round_}: on top {table.keys[0] == newest.id}, cursor on {table.selected_key}")
            shown_status = ExecutionStatus.FAILED if round_ % 2 else ExecutionStatus.COMPLETED
            index.by_id[shown_id] = index.by_id[shown_id].model_copy(update={"status": shown_status})
            screen.redraw_changed(frozenset({shown_id}))
            shown_frames.append(await frames.after(pilot))
        _report("tables.executions_screen.new_execution", moved)
        return {
            "clock_tick": statistics.median(ticks[1:]),
            "full_redraw": statistics.median(full[1:]),
            "ten_changed": statistics.median(changes[1:]),
            "new_execution": statistics.median(added[1:]),
            "one_changed": statistics.median(ones[1:]),
            "new_execution_frames": statistics.median(new_frames[1:]),
            "shown_changed_frames": statistics.median(shown_frames[1:]),
        }


def _screen_results(label: str, tick: dict[str, float]) -> list[Result]:
    name = f"tables.executions_screen.{label}"
    ms = {key: value * 1e3 for key, value in tick.items()}
    return [
        Result(f"{name}.clock_tick", ms["clock_tick"], "ms", REFRESH_GOAL_MS),
        Result(f"{name}.full_redraw", ms["full_redraw"], "ms", REFRESH_GOAL_MS),
        Result(f"{name}.ten_changed", ms["ten_changed"], "ms", REFRESH_GOAL_MS),
        Result(f"{name}.one_changed", ms["one_changed"], "ms", REFRESH_GOAL_MS),
        Result(f"{name}.new_execution", ms["new_execution"], "ms", ms["one_changed"]),
        Result(f"{name}.new_vs_ten_changed", ms["new_execution"], "ms", ms["ten_changed"]),
        Result(f"{name}.new_execution_frames", ms["new_execution_frames"], "ms", ms["shown_changed_frames"]),
    ]


@benchmark("tables.refresh_1pct")
async def refresh_1pct(quick: bool) -> list[Result]:
    with _collected_as_the_app_does():
        return await _refresh_1pct(quick)


async def _refresh_1pct(quick: bool) -> list[Result]:
    """KeyedTable.sync with 1% of 10k rows changed, and with a new row on top: UI-thread time, cursor and scroll kept."""
    count = 1_000 if quick else 10_000
    repeats = 3 if quick else 7
    data = _Data(count)
    measured = await _refresh(data, repeats)
    tick = await _screen_tick(data, 3 if quick else 5)
    label = _label(count)
    name = f"tables.refresh_1pct.{label}"
    one_pct = measured["sync"] * 1e3
    return [
        Result(f"{name}.datatable_update_cell", measured["stock_update_cells"] * 1e3, "ms"),
        Result(f"{name}.sync", one_pct, "ms", measured["stock_update_cells"] * 1e3),
        Result(f"{name}.sync_vs_goal", one_pct, "ms", REFRESH_GOAL_MS),
        Result(f"{name}.sync_worst", measured["sync_worst"] * 1e3, "ms", REFRESH_GOAL_MS),
        Result(f"{name}.sync_uncached", measured["sync_uncached"] * 1e3, "ms", REFRESH_GOAL_MS),
        Result(f"{name}.position_changes", measured["position_changes"], "count"),
        Result(f"tables.refresh_new_row.{label}.sync", measured["new_row_sync"] * 1e3, "ms", one_pct),
        Result(f"tables.refresh_new_row.{label}.position_changes", measured["new_row_position_changes"], "count"),
        *_screen_results(label, tick),
    ]


# -- (c) sort and filter --------------------------------------------------------------------------


async def _sorted(table: KeyedTable, action: Callable[[], object]) -> tuple[float, float]:
    """Run ``action`` (a sort) and wait until the rows are in their new order: (the time
    that took, the longest the event loop was held meanwhile)."""
    gc.collect()
    gaps: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        last = perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.002)
            now = perf_counter()
            gaps.append(now - last - 0.002)
            last = now

    watcher = asyncio.create_task(probe())
    await asyncio.sleep(0)
    started = perf_counter()
    action()
    while table.sorting:
        await asyncio.sleep(0.001)
    took = perf_counter() - started
    await asyncio.sleep(0.003)  # the probe's gap over the step that showed the rows
    done.set()
    await watcher
    return took, max(gaps, default=took)


async def _sort_and_filter(rows: list[Row]) -> dict[str, Any]:
    table = KeyedTable(COLUMNS)
    count = len(rows)
    measured: dict[str, Any] = {"sort_first": {}, "sort_again": {}, "stall": {}, "filter_steps": []}
    moved: list[str] = []
    async with _Host(table).run_test(size=SIZE) as pilot:
        table.sync(rows)
        await _until_painted(pilot, lambda: _keyed_settled(table, count))
        chosen = rows[count // 3][0]
        table.select_key(chosen)
        await pilot.pause()
        for column, _ in COLUMNS[:-1]:
            sort_key.cache_clear()
            measured["sort_first"][column], first_stall = await _sorted(table, lambda: table.sort_by(column))
            await pilot.pause()
            measured["sort_again"][column], again_stall = await _sorted(
                table, lambda: table.sort_by(column, descending=not table.sort_descending)
            )
            measured["stall"][column] = max(first_stall, again_stall)
            await pilot.pause()
            if table.selected_key != chosen:
                moved.append(f"sort by {column}: cursor moved from {chosen} to {table.selected_key}")
            visible = table.scrollable_content_region.height - table.header_height
            if not table.scroll_y <= table.cursor_row < table.scroll_y + visible:
                moved.append(f"sort by {column}: the cursor's row is out of view")
        table.sort_by(None)
        await pilot.pause()
        for typed in TYPED:
            for end in range(1, len(typed) + 1):
                row_filter = RowFilter.parse(typed[:end], table.column_names)
                measured["filter_steps"].append(_timed(lambda: table.filter_rows(row_filter)))
                await pilot.pause()
            table.filter_rows(RowFilter())
            await pilot.pause()
            if table.selected_key != chosen:
                moved.append(f"filter {typed!r} cleared: cursor moved from {chosen} to {table.selected_key}")
    measured["position_changes"] = len(moved)
    _report("tables.sort", moved)
    return measured


@benchmark("tables.sort_filter")
async def sort_filter(quick: bool) -> list[Result]:
    with _collected_as_the_app_does():
        return await _sort_filter(quick)


async def _sort_filter(quick: bool) -> list[Result]:
    """sort_by and filter_rows of 100k rows: the slowest column and keystroke, vs the stock sort and the goal."""
    count = 2_000 if quick else 100_000
    data = _Data(count)
    rows = data.rows()
    tick = await _screen_tick(data, 3)
    del data
    gc.collect()
    measured = await _sort_and_filter(rows)
    stock = await _stock_sorts(rows, [column for column, _ in COLUMNS[:-1]])
    label = _label(count)
    first = measured["sort_first"]
    again = measured["sort_again"]
    slowest = max(first, key=first.__getitem__)
    slowest_again = max(again, key=again.__getitem__)
    stall = measured["stall"]
    slowest_stall = max(stall, key=stall.__getitem__)
    return [
        Result(f"tables.sort.{label}.datatable_sort.{slowest}", stock[slowest] * 1e3, "ms"),
        Result(f"tables.sort.{label}.first.{slowest}", first[slowest] * 1e3, "ms", stock[slowest] * 1e3),
        Result(f"tables.sort.{label}.ui_stall.{slowest_stall}", stall[slowest_stall] * 1e3, "ms", SORT_FILTER_GOAL_MS),
        Result(f"tables.sort.{label}.again.{slowest_again}", again[slowest_again] * 1e3, "ms", stock[slowest_again] * 1e3),
        Result(f"tables.sort.{label}.first_median", statistics.median(first.values()) * 1e3, "ms", SORT_FILTER_GOAL_MS),
        Result(f"tables.sort.{label}.position_changes", measured["position_changes"], "count"),
        Result(f"tables.filter.{label}.worst_keystroke", max(measured["filter_steps"]) * 1e3, "ms", SORT_FILTER_GOAL_MS),
        *_screen_results(label, tick),
        Result(
            f"tables.filter.{label}.median_keystroke",
            statistics.median(measured["filter_steps"]) * 1e3,
            "ms",
            SORT_FILTER_GOAL_MS,
        ),
    ]



# -- (d) a first read with the list on screen ----------------------------------------------

FIRST_READ_DRIVER = """
import asyncio, json, sys, time

from flowsynx_tui.config import DEFAULT_REFRESH
from flowsynx_tui.testing import make_app
from flowsynx_tui.widgets.keyed_table import KeyedTable


async def main(url, screen, sort):
    app = make_app(url, refresh=DEFAULT_REFRESH)
    started = time.monotonic()
    async with app.run_test(size=(160, 48)) as pilot:
        index = app.services.overview.index
        if screen == "executions":
            await pilot.press("2")
            while len(index) < 1_000:
                await asyncio.sleep(0.01)
            if sort != "none":
                app.screen.query_one(KeyedTable).sort_by(sort)
        gaps, last = [], time.perf_counter()
        while not index.loaded:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        loaded = time.monotonic() - started
        gaps = sorted(gaps) or [0.01]
        report = {
            "loaded": loaded,
            "listed": len(index),
            "lag_p99": max(0.0, gaps[int(len(gaps) * 0.99)] - 0.01),
            "lag_max": max(0.0, gaps[-1] - 0.01),
        }
    print(json.dumps(report), flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
"""


@benchmark("tables.first_read")
def first_read(quick: bool) -> list[Result]:
    """A first read of a big server's executions (v1.3.0, 50 workflows), the app in its own
    process: with the workflows screen on top (baseline), with the executions list open
    from its first rows, and with that list sorted by duration. Time to every run read, and
    the event loop's lag meanwhile (a 10 ms sleep's overrun, p99 and worst)."""
    count = 3_000 if quick else 50_000
    emulator = Emulator(seed=False, frozen=True)
    populate(emulator, workflows=WORKFLOWS, finished=count, paused=PAUSED)
    label = _label(count)
    runs: dict[str, dict[str, float]] = {}
    with EmulatorServer(emulator) as server, tempfile.TemporaryDirectory(prefix="bench-first-read-") as folder:
        script = Path(folder) / "first_read_driver.py"
        script.write_text(FIRST_READ_DRIVER, encoding="utf-8")
        for name, screen, sort in (
            ("workflows", "workflows", "none"),
            ("executions", "executions", "none"),
            ("executions_sorted", "executions", "duration"),
        ):
            runs[name] = run_json_driver(script, server.url, screen, sort, timeout=600, what="first read")
            if runs[name]["listed"] < count:
                raise RuntimeError(f"first read on {name}: {runs[name]['listed']} of {count} listed")
    baseline = runs["workflows"]["loaded"]
    results = [Result(f"tables.first_read.{label}.workflows_screen", baseline, "s")]
    for name in ("executions", "executions_sorted"):
        run = runs[name]
        results += [
            Result(f"tables.first_read.{label}.{name}", run["loaded"], "s", baseline),
            Result(f"tables.first_read.{label}.{name}.lag_p99", run["lag_p99"] * 1e3, "ms", SORT_FILTER_GOAL_MS),
            Result(f"tables.first_read.{label}.{name}.lag_max", run["lag_max"] * 1e3, "ms"),
        ]
    return results
