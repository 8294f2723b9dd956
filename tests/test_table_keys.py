"""Tables as people drive them: vi/less keys, sort (`S`, header clicks), the `/` filter on
what the cells show, and a footer that keeps `? Help` and `q Quit` at 80 columns.

Pilot against the emulator over real HTTP; the app is observed through public attributes
and the rendered screen (``screen_text``)."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.emulator import seed
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.testing import (
    DEMO_BASE_TIME,
    SCENES,
    make_app,
    make_demo_app,
    screen_text,
    settle,
    wait_for,
    wait_for_screen,
)
from flowsynx_tui.widgets.filter_bar import FilterBar, RowFilter
from flowsynx_tui.widgets.keyed_table import KeyedTable, sort_rows
from flowsynx_tui.widgets.logview import LogPane
from flowsynx_tui.widgets.task_tree import TaskTree

WAREHOUSE = seed.workflow_id("warehouse-load")
NIGHTLY = seed.workflow_id("nightly-csv-export")
INVOICE = seed.workflow_id("invoice-approval")
RUNNING = seed.execution_id("warehouse-load", 4)


class OneTable(App[None]):
    """A bare app holding one table of runs: the table's own behaviour, without the dashboard."""

    def __init__(self, first: str = "Run") -> None:
        super().__init__()
        self.first = first

    def compose(self) -> ComposeResult:
        yield KeyedTable([("name", self.first), ("took", "Duration"), ("state", "State")])


def cell(table: KeyedTable, key: str, column: str) -> str:
    value = table.get_cell(key, column)
    return value.plain if isinstance(value, Text) else str(value)


def row_cells(table: KeyedTable, key: str) -> list[str]:
    return [value.plain if isinstance(value, Text) else str(value) for value in table.get_row(key)]


def half_page(table: KeyedTable) -> int:
    return max(1, (table.scrollable_content_region.height - table.header_height) // 2)


def seconds(duration: str) -> float:
    """A duration as the tables write it, read back independently of the table's own code."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+(?:\.\d+)?)([dhms])", duration)
    assert parts and " ".join(f"{n}{u}" for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def header_line(app: FlowSynxApp, first_label: str) -> str:
    return next(line for line in screen_text(app).splitlines() if line.strip().startswith(first_label))


async def demo_executions(pilot: Pilot[None], app: FlowSynxApp) -> KeyedTable:
    await SCENES["executions"](pilot, app)
    table = app.screen.query_one(KeyedTable)
    assert table.row_count == 27
    return table


# ---------------------------------------------------------------------------- cursor keys


async def check_cursor_keys(pilot: Pilot[None], table: KeyedTable) -> None:
    """j k G g end home ctrl+d ctrl+u on a focused table of at least four rows."""
    rows = table.row_count
    assert rows >= 4 and table.has_focus
    table.move_cursor(row=0)
    await pilot.press("j")
    assert table.cursor_row == 1
    await pilot.press("j", "j")
    assert table.cursor_row == 3
    await pilot.press("k")
    assert table.cursor_row == 2
    await pilot.press("G")
    assert table.cursor_row == rows - 1
    await pilot.press("g")
    assert table.cursor_row == 0
    await pilot.press("end")
    assert table.cursor_row == rows - 1
    await pilot.press("home")
    assert table.cursor_row == 0
    step = half_page(table)
    await pilot.press("ctrl+d")
    assert table.cursor_row == min(step, rows - 1)
    await pilot.press("ctrl+u")
    assert table.cursor_row == 0


async def test_keys_move_the_cursor_in_the_workflows_and_executions_tables(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(100, 20)) as pilot:
        await SCENES["workflows"](pilot, app)
        await check_cursor_keys(pilot, app.screen.query_one(KeyedTable))
        table = await demo_executions(pilot, app)
        await check_cursor_keys(pilot, table)
        # 27 rows do not fit: half a page moves the view by as much as the cursor.
        step = half_page(table)
        assert table.max_scroll_y > step
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert (table.cursor_row, table.scroll_y) == (step, step)
        await pilot.press("ctrl+d")
        await pilot.pause()
        scrolled = min(2 * step, table.max_scroll_y)
        assert (table.cursor_row, table.scroll_y) == (2 * step, scrolled)
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert (table.cursor_row, table.scroll_y) == (step, scrolled - step)
        await pilot.press("G")
        await pilot.pause()
        assert table.scroll_y == table.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert (table.cursor_row, table.scroll_y) == (0, 0)


async def test_keys_move_the_cursor_in_the_inbox_and_the_task_tree(emulator_server) -> None:
    server = emulator_server()
    for _ in range(3):  # more approvals waiting than the seeded one
        started = server.emulator.start_execution(INVOICE)
        server.emulator.wait_for_status(started, {"Paused"}, timeout=15)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        inbox = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: inbox.row_count == 4, what="four approvals")
        await check_cursor_keys(pilot, inbox)
        app.navigate(ExecutionView(WAREHOUSE, seed.execution_id("warehouse-load", 2)))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        tree = app.screen.query_one(TaskTree)
        await wait_for(pilot, lambda: tree.row_count == 6, what="the six tasks")
        await check_cursor_keys(pilot, tree)


async def test_remapped_table_keys_follow_the_config_keymap(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"table.down": "n", "table.bottom": "B"})
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, what="the workflows")
        table.move_cursor(row=0)
        await pilot.press("j")
        assert table.cursor_row == 0  # j is no longer table.down
        await pilot.press("n")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 1  # nor is G table.bottom
        await pilot.press("B")
        assert table.cursor_row == 4
        await pilot.press("k")  # not remapped: still up
        assert table.cursor_row == 3


async def test_the_columns_cut_off_at_the_right_scroll_into_view_with_remappable_keys(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"table.right": "l"})  # not L: the app's sign-in
    async with app.run_test(size=(50, 20)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, what="the workflows")
        assert "Last run" not in screen_text(app)  # cut off at 50 columns
        await pilot.press("right")  # no longer table.right
        assert table.scroll_x == 0
        for _ in range(10):
            await pilot.press("l")
        assert "Last run" in screen_text(app)
        await pilot.press("left", "left")
        assert 0 < table.scroll_x < table.max_scroll_x


async def test_help_lists_the_table_keys_with_their_ids(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert {
            "table.down", "table.up", "table.top", "table.bottom",
            "table.half_page_down", "table.half_page_up", "table.sort", "table.left", "table.right",
        } <= ids
        await pilot.press("escape")
        app.navigate(ExecutionView(WAREHOUSE, RUNNING))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert "table.down" in ids and "table.sort" not in ids  # the task tree keeps its DAG order
        await pilot.press("escape")
        app.screen.query_one(LogPane).focus()
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert {"log.line_down", "log.top", "log.tail", "log.half_page_down", "log.half_page_up"} <= ids


# ---------------------------------------------------------------------------------- sorting


async def test_S_cycles_the_sort_column_and_back_to_the_natural_order(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        natural = table.keys
        assert "▲" not in screen_text(app) and "▼" not in screen_text(app)  # no mark unless sorted
        chosen = natural[9]
        table.select_key(chosen)
        await pilot.press("S")
        assert table.sort_column == "id" and not table.sort_descending
        assert table.keys == sorted(natural, key=lambda key: cell(table, key, "id"))
        assert "Execution ▲" in header_line(app, "Execution")
        assert table.selected_key == chosen
        await pilot.press("S")
        assert table.sort_column == "workflow"
        assert "Workflow ▲" in header_line(app, "Execution") and "Execution ▲" not in screen_text(app)
        names = [cell(table, key, "workflow").casefold() for key in table.keys]
        assert names == sorted(names)
        await pilot.press("S", "S")
        assert table.sort_column == "duration" and table.sort_descending  # longest first
        assert "Duration ▼" in header_line(app, "Execution")
        durations = [seconds(cell(table, key, "duration")) for key in table.keys]
        assert durations == sorted(durations, reverse=True)
        assert table.selected_key == chosen
        visible = table.scrollable_content_region.height - table.header_height
        assert table.scroll_y <= table.cursor_row < table.scroll_y + visible  # the cursor's row is in view
        await pilot.press("S")
        assert table.sort_column == "mark"  # the runs waiting for a decision first
        marks = [cell(table, key, "mark") for key in table.keys]
        assert "⚑" in marks and marks == sorted(marks, reverse=True)
        await pilot.press("S")
        assert table.sort_column == "started" and table.sort_descending  # newest first
        starts = [cell(table, key, "started") for key in table.keys]
        assert starts == sorted(starts, reverse=True)
        await pilot.press("S")
        assert table.sort_column == "ended"
        await pilot.press("S")
        assert table.sort_column is None and table.keys == natural
        assert table.selected_key == chosen
        assert "▲" not in screen_text(app) and "▼" not in screen_text(app)


async def test_a_header_click_sorts_by_that_column_and_again_reverses(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        chosen = table.keys[4]
        table.select_key(chosen)

        def header_x(column_key: str) -> int:
            x, width = table.column_span(column_key)
            return x + width // 2

        await pilot.click(table, offset=(header_x("started"), 0))
        await pilot.pause()
        assert table.sort_column == "started" and table.sort_descending
        assert "Started ▼" in header_line(app, "Execution")
        starts = [cell(table, key, "started") for key in table.keys]
        assert starts == sorted(starts, reverse=True)
        assert table.selected_key == chosen
        await pilot.click(table, offset=(header_x("started"), 0))
        await pilot.pause()
        assert table.sort_column == "started" and not table.sort_descending
        assert "Started ▲" in header_line(app, "Execution")
        assert [cell(table, key, "started") for key in table.keys] == sorted(starts)
        assert table.selected_key == chosen
        await pilot.click(table, offset=(header_x("status"), 0))
        await pilot.pause()
        assert table.sort_column == "status" and not table.sort_descending  # text: A to Z first
        statuses = [cell(table, key, "status").split()[1].casefold() for key in table.keys]
        assert statuses == sorted(statuses)
        assert "Started ▲" not in screen_text(app) and "Status ▲" in header_line(app, "Execution")


async def test_a_sort_by_a_column_cut_off_at_80_columns_is_named_in_the_headers_visible_part(emulator_server) -> None:
    # Sorted by Ended, the header showed "Started         End" at 80 columns: no mark at
    # all, and nothing said how the rows were ordered.
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await demo_executions(pilot, app)
        assert "Ended" not in header_line(app, "Execution")  # cut off at 80 columns
        while table.sort_column != "ended":
            await pilot.press("S")
        header = header_line(app, "Execution")
        assert header.endswith("→ Ended ▼") and header.count("▼") == 1, header
        assert "Started" in header  # the columns before it keep their names
        click_x = table.scrollable_content_region.width - 3  # on the header's "▼"
        await pilot.click(table, offset=(click_x, 0))  # a click on it reverses that sort, as on the label
        await pilot.pause()
        assert table.sort_column == "ended" and not table.sort_descending
        assert header_line(app, "Execution").endswith("→ Ended ▲")
        while table.scroll_x < table.max_scroll_x:  # the column itself in view: its own mark, once
            await pilot.press("right")
        header = header_line(app, "Workflow")
        assert header.endswith("Ended ▲") and "→" not in header and header.count("▲") == 1, header
        while table.sort_column != "id":  # now the first column is the one out of view, at the left
            await pilot.press("S")
        assert header_line(app, "←").strip().startswith("← Execution ▲"), screen_text(app)


async def test_a_sort_or_filter_keeps_the_cursors_row_before_the_cursor_ever_moved(emulator_server) -> None:
    # Until a key moved the cursor, a new order put it back on its row number: on another
    # run, the one c, x or R then acted on.
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        await SCENES["workflows"](pilot, app)
        table = app.screen.query_one(KeyedTable)
        chosen = table.selected_key
        await pilot.press("S", "S")
        assert table.sort_column == "id" and table.keys[0] != chosen  # its row number is another's
        assert table.selected_key == chosen and table.keys[table.cursor_row] == chosen

        table = await demo_executions(pilot, app)
        chosen = table.selected_key
        workflow = cell(table, chosen, "workflow")
        started = server.emulator.start_execution(NIGHTLY if workflow != "nightly-csv-export" else WAREHOUSE)
        await wait_for(pilot, lambda: table.keys[:1] == [started], what="the new run on top")
        assert table.selected_key == chosen and table.cursor_row == 1  # moved down with its row
        await type_filter(pilot, workflow)
        assert started not in table.keys and table.keys[table.cursor_row] == chosen
        assert table.selected_key == chosen
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == 28, what="every run again")
        await pilot.press("S")
        assert table.sort_column == "id" and table.selected_key == chosen
        assert table.keys[table.cursor_row] == chosen


async def test_the_sort_survives_refreshes_and_new_rows(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.index.loaded)
        app.action_show_executions()
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 27 and app.services.overview.index.unmatched == 0,
                       what="all 27 executions matched to workflows")
        await pilot.press("S", "S")
        assert table.sort_column == "workflow"
        table.move_cursor(row=20)
        chosen = table.selected_key
        started = server.emulator.start_execution(NIGHTLY)
        # Listed at once, its workflow shown once the background matcher has looked it up.
        await wait_for(
            pilot,
            lambda: table.row_count == 28 and cell(table, started, "workflow") == "nightly-csv-export",
            what="the new execution, matched to its workflow",
        )
        assert table.sort_column == "workflow" and "Workflow ▲" in header_line(app, "Execution")
        names = [cell(table, key, "workflow").casefold() for key in table.keys]
        assert names == sorted(names)
        # In the natural order (newest first) the new run would be on top.
        assert table.keys.index(started) > 0 and cell(table, started, "workflow") == "nightly-csv-export"
        assert table.selected_key == chosen
        await pilot.pause(1.2)  # a few refreshes with moving durations
        assert [cell(table, key, "workflow").casefold() for key in table.keys] == names
        assert table.selected_key == chosen


async def test_the_task_tree_keeps_its_dag_order(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(WAREHOUSE, RUNNING))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        tree = app.screen.query_one(TaskTree)
        await wait_for(pilot, lambda: tree.row_count == 6, what="the tasks")
        order = tree.keys
        await pilot.press("S")
        await pilot.click(tree, offset=(2, 0))  # the Task header
        await pilot.pause()
        assert tree.sort_column is None and tree.keys == order


def test_durations_ages_and_times_sort_by_what_they_mean() -> None:
    def ordered(values: list[str], descending: bool = False) -> list[str]:
        rows = [(str(index), (value,)) for index, value in enumerate(values)]
        return [str(cells[0]) for _, cells in sort_rows(rows, 0, descending)]

    durations = ["1m 02s", "59.9s", "2h 03m", "–", "1d 4h", "9.8s", "10s", "1m 00s"]
    assert ordered(durations) == ["9.8s", "10s", "59.9s", "1m 00s", "1m 02s", "2h 03m", "1d 4h", "–"]
    assert ordered(durations, descending=True) == ["1d 4h", "2h 03m", "1m 02s", "1m 00s", "59.9s", "10s", "9.8s", "–"]
    # Ages compare as the moments they name: newest is greatest.
    assert ordered(["2h ago", "just now", "45s ago", "3d ago", "5m ago"], descending=True) == [
        "just now", "45s ago", "5m ago", "2h ago", "3d ago",
    ]
    assert ordered(["12-01 09:00:00", "11-30 23:59:59", "12-01 10:00:00"]) == [
        "11-30 23:59:59", "12-01 09:00:00", "12-01 10:00:00",
    ]
    assert ordered(["1,200", "99", "15"]) == ["15", "99", "1,200"]
    # Text ignores case and a leading status glyph; ties keep the given order.
    assert ordered(["▶ Running", "✘ Failed", "B", "‖ Paused", "✔ Completed", "b"]) == [
        "B", "b", "✔ Completed", "✘ Failed", "‖ Paused", "▶ Running",
    ]
    # A status with an age (a last run) compares as the age; runs by status as their total.
    assert ordered(["✘ Failed 3h ago", "✔ Completed 16m ago", "▶ Running just now", "✔ Completed 6m ago"], True) == [
        "▶ Running just now", "✔ Completed 6m ago", "✔ Completed 16m ago", "✘ Failed 3h ago",
    ]
    assert ordered(["✔3 ✘2", "✔14 ✘1", "‖1 ✔3", "–", "✔9"]) == ["‖1 ✔3", "✔3 ✘2", "✔9", "✔14 ✘1", "–"]


async def test_executions_sort_by_duration_numerically_on_screen(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        table.sort_by("duration", descending=False)
        await pilot.pause()
        shown = [cell(table, key, "duration") for key in table.keys]
        assert [seconds(value) for value in shown] == sorted(seconds(value) for value in shown)
        assert shown != sorted(shown)  # as text, "1m 42s" would come before "9.8s"


# ---------------------------------------------------------------------------------- filter


async def type_filter(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash", *text)
    await pilot.pause()


async def test_the_filter_matches_dates_as_displayed(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        day = cell(table, table.keys[6], "started")[:5]  # MM-DD as the table shows it
        expected = [key for key in table.keys if any(day in value for value in row_cells(table, key))]
        assert 0 < len(expected) < table.row_count
        await type_filter(pilot, day)
        await wait_for(pilot, lambda: table.keys == expected, what=f"only the runs of {day}")
        assert all(cell(table, key, "started").startswith(day) or day in cell(table, key, "ended")
                   for key in table.keys)
        assert f'"{day}" anywhere' in screen_text(app)  # the filter line says what it matches


async def test_status_column_filter_keeps_only_failed_rows(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        failed = [key for key in table.keys if "Failed" in cell(table, key, "status")]
        assert 0 < len(failed) < table.row_count
        warehouse_failed = [key for key in failed if cell(table, key, "workflow") == "warehouse-load"]
        assert warehouse_failed
        await type_filter(pilot, "STATUS:Failed")  # header names and values ignore case
        await wait_for(pilot, lambda: table.keys == failed, what="only the failed runs")
        assert '"Failed" in Status' in screen_text(app)
        # All words must match: a second one narrows further.
        await pilot.press(*" warehouse")
        await wait_for(pilot, lambda: table.keys == warehouse_failed, what="failed warehouse-load runs")


async def test_a_word_with_a_minus_keeps_the_rows_without_it(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        others = [key for key in table.keys if "Completed" not in cell(table, key, "status")]
        assert 0 < len(others) < table.row_count
        await type_filter(pilot, "-status:completed")
        await wait_for(pilot, lambda: table.keys == others, what="every run but the completed ones")
        assert 'rows with no "completed" in Status' in screen_text(app)
        await pilot.press(*" !warehouse-load")
        expected = [key for key in others if cell(table, key, "workflow") != "warehouse-load"]
        await wait_for(pilot, lambda: table.keys == expected, what="and not warehouse-load")
        # Typed further, a word that must be absent keeps more rows: all are looked at again.
        await pilot.press("x")
        await wait_for(pilot, lambda: table.keys == others, what="no run's row has warehouse-loadx")


async def test_a_column_the_screen_does_not_have_is_reported(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        await type_filter(pilot, "owner:alice")
        await wait_for(pilot, lambda: table.row_count == 0, what="no row has the text owner:alice")
        bar = app.screen.query_one(FilterBar)
        assert bar.has_class("-problem")
        assert 'no column "owner" here (columns: execution, workflow, status' in screen_text(app)


def test_filter_terms_are_read_against_the_headers() -> None:
    columns = ["", "Workflow", "Execution", "Task", "Age", "Comment", "Requested by", "Requested at"]
    cells = ["⚑", "invoice-approval", "c9b12d57", "PublishInvoices", "25m ago", "Check totals", "2f1a9c3e",
             "2025-12-20 08:35:10"]
    assert RowFilter.parse("", columns).keeps(cells)
    assert RowFilter.parse("invoice 12-20", columns).keeps(cells)
    assert not RowFilter.parse("invoice 12-21", columns).keeps(cells)
    assert RowFilter.parse("requested-at:08:35 task:publish", columns).keeps(cells)
    assert not RowFilter.parse("task:approval", columns).keeps(cells)  # in another column only
    assert RowFilter.parse('comment:"check totals"', columns).keeps(cells)
    assert RowFilter.parse("work:INVOICE", columns).keeps(cells)  # a unique beginning of a header
    ambiguous = RowFilter.parse("requested:x", columns)
    assert ambiguous.problems and "requested-by or requested-at" in ambiguous.description
    assert not RowFilter.parse("08:35", columns).problems  # a time, not a column
    assert RowFilter.parse("08:35", columns).keeps(cells)
    # "task: publish", as people write it, is "task:publish"; "task:" alone asks.
    assert RowFilter.parse("task: publish", columns).terms == RowFilter.parse("task:publish", columns).terms
    assert RowFilter.parse("requested-at: 08:35", columns).keeps(cells)
    asking = RowFilter.parse("invoice task:", columns)
    assert asking.keeps(cells) and not asking.problems
    assert asking.description == 'rows with "invoice" anywhere · task: what to find in Task?'
    assert RowFilter.parse("task: work:invoice", columns).description.endswith("task: what to find in Task?")
    # A minus or a bang: the row stays when the word is not there.
    assert RowFilter.parse("-task:approval", columns).keeps(cells)
    assert not RowFilter.parse("-task:publish", columns).keeps(cells)
    assert not RowFilter.parse("!invoice", columns).keeps(cells)
    assert RowFilter.parse("-", columns).keeps(cells)  # a dash alone is a dash (2025-12-20)
    assert RowFilter.parse("-status:done", ["Status"]).description == 'rows with no "done" in Status'
    assert not RowFilter.parse("-faile", columns).narrows(RowFilter.parse("-fail", columns))
    assert RowFilter.parse("faile", columns).narrows(RowFilter.parse("fail", columns))


# ------------------------------------------------------------------------- footer at 80x24


def footer(app: FlowSynxApp) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("scene", ["workflows", "executions", "approvals", "execution_running", "execution_paused"])
async def test_help_and_quit_stay_in_the_footer_at_80_columns(emulator_server, scene: str) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(80, 24)) as pilot:
        await SCENES[scene](pilot, app)
        line = footer(app)
        assert "? Help" in line and "q Quit" in line, line


async def test_help_and_quit_stay_in_the_footer_with_the_log_pane_focused(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(80, 24)) as pilot:
        await SCENES["execution_paused"](pilot, app)
        app.screen.query_one(LogPane).focus()
        await settle(pilot, app)
        line = footer(app)
        assert "? Help" in line and "q Quit" in line, line


async def test_a_changed_cell_shows_at_once_and_one_that_grows_moves_the_next_column_on_every_row() -> None:
    # Changed cells repaint alone (not the whole table): the rest must still line up.
    app = OneTable("Name")
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync([("1", ("extract", "59.9s", "running")), ("2", ("load", "1s", "pending"))])
        await pilot.pause()
        table.sync([("1", ("extract", "59.9s", "done")), ("2", ("load", "1s", "pending"))])
        await pilot.pause()
        assert "extract  59.9s     done" in screen_text(app)
        table.sync([("1", ("extract", "1m 00s and more", "done")), ("2", ("load", "1s", "pending"))])
        await pilot.pause()
        rows = screen_text(app).splitlines()
        assert rows[1].index("done") == rows[2].index("pending"), rows


async def test_cells_given_to_the_table_are_never_changed_so_rows_can_share_them() -> None:
    # The executions screen gives every row of a status the same ``Text`` (at 100k rows one
    # per cell was half of what the garbage collector walked): cursor, sort, filter, a
    # narrow column and a repaint must leave it as it was given.
    shared = Text("✔ Completed but long enough to be cut", style="green")
    given = shared.copy()
    app = OneTable("Name")
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync([(str(n), (f"run {n}", f"{n}s", shared)) for n in range(20)])
        await pilot.pause()
        await pilot.press("j", "j", "G", "g")
        table.sort_by("state")
        table.sort_by("took")
        await pilot.pause()
        app.query_one(KeyedTable).refresh()
        await pilot.pause()
        assert "Completed" in screen_text(app)
    assert (shared.plain, shared.spans, shared.style) == (given.plain, given.spans, given.style)


# ------------------------------------------------------------------------- big tables


async def test_a_filter_that_hid_the_cursors_row_gives_it_back_when_cleared(emulator_server) -> None:
    server = emulator_server(frozen=True, base_time=DEMO_BASE_TIME)
    app = make_demo_app(server.port)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await demo_executions(pilot, app)
        chosen = [key for key in table.keys if "Completed" in cell(table, key, "status")][3]
        table.select_key(chosen)
        await type_filter(pilot, "status:failed")
        await wait_for(pilot, lambda: chosen not in table.keys, what="the completed run filtered out")
        assert table.selected_key in table.keys and "Failed" in cell(table, table.selected_key, "status")
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == 27, what="every run again")
        assert table.selected_key == chosen


def test_a_long_column_sorts_by_meaning_like_a_short_one() -> None:
    # Thousands of different values take the column-at-once way of reading them.
    start = datetime(2025, 1, 1, 12, 0, 0)
    times = [(start + timedelta(minutes=37 * n)).strftime("%m-%d %H:%M:%S") for n in range(3000)]
    durations = [f"{n // 60}m {n % 60:02d}s" if n >= 60 else f"{n}s" for n in range(3000)]
    mixed = [*times[:1500], "–", *durations[:1500]]
    shuffled = random.Random(7).sample(mixed, len(mixed))
    rows = [(str(index), (value,)) for index, value in enumerate(shuffled)]
    ordered = [str(cells[0]) for _, cells in sort_rows(rows, 0, descending=False)]
    # Quantities before times (kinds never mix in a column the screens fill), the blank last.
    assert ordered[:1500] == sorted(durations[:1500], key=seconds)
    assert ordered[1500:3000] == sorted(times[:1500])
    assert ordered[-1] == "–"
    newest_first = [str(cells[0]) for _, cells in sort_rows(rows, 0, descending=True)]
    assert newest_first[:1500] == sorted(times[:1500], reverse=True) and newest_first[-1] == "–"
    last_runs = [f"{'✔ Completed' if n % 3 else '✘ Failed'} {n % 59 + 1}{'smhd'[n % 4]} ago" for n in range(3000)]
    rows = [(str(index), (value,)) for index, value in enumerate(last_runs)]
    newest = [str(cells[0]) for _, cells in sort_rows(rows, 0, descending=True)]
    assert newest == sorted(last_runs, key=lambda value: seconds(value.split()[-2]))


async def test_a_hundred_thousand_rows_scroll_sort_and_filter_on_screen() -> None:
    count = 100_000
    states = [Text("✔ Completed", style="green"), Text("✘ Failed", style="bold red")]

    def took(n: int) -> str:
        return f"{n % 3600 // 60}m {n % 60:02d}s" if n % 3600 >= 60 else f"{n % 60}s"

    rows = [(f"k{n}", (f"run-{n:06d}", took(n), states[n % 7 == 0])) for n in range(count)]
    app = OneTable()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.focus()
        table.sync(rows)
        await pilot.pause()
        assert table.row_count == count and "run-000000" in screen_text(app)
        await pilot.press("G")
        await pilot.pause()
        shown = screen_text(app).splitlines()
        assert shown[0].split() == ["Run", "Duration", "State"]  # the header stays on top
        assert "run-099999" in shown[-1] and "run-000000" not in screen_text(app)
        # A new run on top and a changed one: the rows on screen stay where they are.
        table.move_cursor(row=50_000)
        await pilot.pause()
        before = screen_text(app)
        changed = (rows[0][0], ("run-000000", "1s", states[1]))
        table.sync([("new", ("run-new", "0s", states[0])), changed, *rows[1:]])
        await pilot.pause()
        assert table.selected_key == "k50000" and screen_text(app) == before
        # The longest first, the cursor still on its run and in view (worked out in a thread).
        await pilot.press("S", "S")
        await wait_for(pilot, lambda: not table.sorting, what="the sort")
        assert table.sort_column == "took" and table.sort_descending
        assert table.selected_key == "k50000" and "run-050000" in screen_text(app)
        await pilot.press("g")
        await pilot.pause()
        assert "59m 59s" in screen_text(app).splitlines()[1]
        # Durations tick (a few rows stay in their place, one jumps to the top): the sort holds.
        ticked = {f"k{n}": took(n + 1) for n in (5, 1234, 50_000, 77_777)} | {"k2": "2h 00m"}
        current = [(key, (cells[0], ticked[key], cells[2]) if key in ticked else cells) for key, cells in rows]
        table.sync(current)
        await pilot.pause()
        longest_first = sorted(current, key=lambda row: -seconds(str(row[1][1])))
        assert table.keys == [key for key, _ in longest_first]
        await pilot.press("g")
        await pilot.pause()
        assert "2h 00m" in screen_text(app).splitlines()[1]
        table.filter_rows(RowFilter.parse("run-0421 state:failed", table.column_names))
        await pilot.pause()
        expected = [f"k{n}" for n in range(42_100, 42_200) if n % 7 == 0]
        assert sorted(table.keys) == sorted(expected)
        assert sum("run-0421" in line for line in screen_text(app).splitlines()) == min(len(expected), 11)


def runs(count: int) -> list[tuple[str, tuple[str, str, str]]]:
    """Rows of runs, the newest first: many share a duration (500 apart)."""
    return [(f"k{n}", (f"run-{n:05d}", f"{n % 500}s", "done")) for n in range(count)]


async def repainted_in_full_it_looks_the_same(pilot: Pilot[None], app: App[None], table: KeyedTable) -> None:
    """New rows repaint only the lines that changed: none may be left showing an old row."""
    shown = screen_text(app)
    table.refresh()
    await pilot.pause()
    assert screen_text(app) == shown


async def test_new_rows_land_in_their_place_and_what_the_user_looks_at_stays() -> None:
    count = 2_000
    rows = runs(count)
    app = OneTable()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.focus()
        table.sync(rows)
        await pilot.pause()
        # Watching the top of the list: a new run shows up on top, the cursor stays on its row.
        table.move_cursor(row=0)
        await pilot.pause()
        table.sync([("new0", ("run-new0", "0s", "running")), *rows])
        await pilot.pause()
        assert table.keys[:2] == ["new0", "k0"] and table.selected_key == "k0" and table.scroll_y == 0
        assert "run-new0" in screen_text(app).splitlines()[1]
        await repainted_in_full_it_looks_the_same(pilot, app, table)
        # Looking at row 500: a new run on top does not move what is on screen.
        table.move_cursor(row=500)
        await pilot.pause()
        before, seen = screen_text(app), table.visible_keys
        natural = ["new1", "new0", *[key for key, _ in rows]]
        assert table.add([("new1", ("run-new1", "1s", "running"))], natural)
        await pilot.pause()
        assert table.keys[0] == "new1" and table.selected_key == "k499"
        assert table.visible_keys == seen and screen_text(app) == before
        await repainted_in_full_it_looks_the_same(pilot, app, table)
        # The view moved one row down without a scroll: its scrollbar knows where it is now
        # and how long the table is.
        scrollbar = table.vertical_scrollbar
        assert (scrollbar.position, scrollbar.window_virtual_size) == (table.scroll_y, table.virtual_size.height)
        # Sorted by duration, longest first: the new row goes between its neighbours, after
        # the rows of the same duration that come before it in the screen's order.
        await pilot.press("S", "S")
        await pilot.pause()
        assert table.sort_column == "took" and table.sort_descending
        table.move_cursor(row=1_000)
        await pilot.pause()
        chosen, seen = table.selected_key, table.visible_keys
        natural = [*natural, "new2"]  # a new list: the table keeps the one it was given
        assert table.add([("new2", ("run-new2", "450s", "running"))], natural)
        await pilot.pause()
        took = [seconds(cell(table, key, "took")) for key in table.keys]
        assert took == sorted(took, reverse=True)
        place = table.keys.index("new2")
        same = [key for key in table.keys if cell(table, key, "took") == "450s"]
        assert same[-1] == "new2" and table.keys[place - 1] == same[-2]
        assert table.selected_key == chosen and table.visible_keys == seen
        await repainted_in_full_it_looks_the_same(pilot, app, table)
        # One that lands among the rows on screen, below the cursor: the view stays, the lines
        # from the new row down show the rows that were above them.
        top = round(table.scroll_y)
        table.move_cursor(row=top + 1)
        await pilot.pause()
        chosen, middle = table.selected_key, table.visible_keys[len(table.visible_keys) // 2]
        natural = [*natural, "new2b"]
        assert table.add([("new2b", ("run-new2b", cell(table, middle, "took"), "running"))], natural)
        await pilot.pause()
        assert "new2b" in table.visible_keys and table.selected_key == chosen and round(table.scroll_y) == top
        assert any("run-new2b" in line for line in screen_text(app).splitlines())
        await repainted_in_full_it_looks_the_same(pilot, app, table)
        # At the top of the sorted rows: every line moves down one.
        table.move_cursor(row=0)
        await pilot.pause()
        natural = [*natural, "new2c"]
        assert table.add([("new2c", ("run-new2c", "999s", "running"))], natural)
        await pilot.pause()
        assert table.keys[0] == "new2c" and table.scroll_y == 0
        await repainted_in_full_it_looks_the_same(pilot, app, table)
        # A filter that does not keep it: held, not shown; shown once the filter is cleared.
        table.filter_rows(RowFilter.parse("state:done", table.column_names))
        await pilot.pause()
        natural = ["new3", *natural]
        assert table.add([("new3", ("run-new3", "9s", "running"))], natural)
        assert "new3" not in table.keys and table.has_row("new3")
        table.filter_rows(RowFilter())
        await pilot.pause()
        assert "new3" in table.keys and table.row_count == count + 6
        assert table.keys == [key for key, _ in sorted(
            ((key, seconds(cell(table, key, "took"))) for key in natural), key=lambda item: -item[1])]
        # A page of older runs (a first read goes back in time): placed at the bottom alone,
        # in the screen's order, without moving what is on screen.
        table.sort_by(None)
        await pilot.pause()
        table.move_cursor(row=700)
        await pilot.pause()
        def rows_drawn() -> list[str]:  # the lines, without the scrollbar (more rows move its thumb)
            return [line[:56] for line in screen_text(app).splitlines()]

        chosen, seen, before = table.selected_key, table.visible_keys, rows_drawn()
        older = [(f"old{n}", (f"run-o{n:04d}", f"{n}s", "done")) for n in range(100)]
        natural = [*natural, *(key for key, _ in older)]
        assert table.add(older, natural)
        await pilot.pause()
        assert table.keys == natural and table.row_count == count + 106
        assert table.selected_key == chosen and table.visible_keys == seen and rows_drawn() == before
        await repainted_in_full_it_looks_the_same(pilot, app, table)
        # Not an addition (a key gone): refused, nothing changed.
        assert not table.add([("new4", ("run-new4", "1s", "running"))], ["new4", *natural[1:]])
        assert not table.has_row("new4") and table.row_count == count + 106


async def test_a_view_scrolled_away_from_the_cursor_stays_when_new_rows_come_above() -> None:
    # The wheel scrolls the view without the cursor (as in a browser or less): a new run
    # must not pull the view back to the cursor's row, with or without the cursor in view.
    natural = [key for key, _ in runs(500)]
    app = OneTable()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(runs(500))
        table.move_cursor(row=20)
        await pilot.pause()
        table.scroll_to(y=300, animate=False, immediate=True)
        await pilot.pause()
        assert "k20" not in table.visible_keys
        seen = table.visible_keys
        for n in range(3):
            natural = [f"new{n}", *natural]
            assert table.add([(f"new{n}", (f"run-new{n}", "1s", "running"))], natural)
            await pilot.pause()
            assert table.visible_keys == seen, f"the view left what it showed after {n + 1} new rows"
            assert table.selected_key == "k20" and table.cursor_row == 21 + n
        await repainted_in_full_it_looks_the_same(pilot, app, table)


async def test_the_scrollbar_drawn_follows_new_rows_above_the_view() -> None:
    # The table tells the scrollbar of new rows without a repaint unless its drawing
    # changes (at 100k rows the thumb moves less than an eighth of a cell a row): whatever
    # it skips, the screen must show the scrollbar a full repaint would.
    rows = runs(200)
    app = OneTable()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(rows)
        await pilot.pause()
        table.move_cursor(row=100)
        await pilot.pause()
        first = app.export_screenshot()
        natural = [key for key, _ in rows]
        moved = 0
        for n in range(16):
            natural = [f"new{n}", *natural]
            assert table.add([(f"new{n}", (f"run-new{n}", "1s", "running"))], natural)
            await pilot.pause()
            shown = app.export_screenshot()
            table.vertical_scrollbar.refresh()
            await pilot.pause()
            assert app.export_screenshot() == shown, f"a stale scrollbar after {n + 1} new rows"
            moved += shown != first
        assert moved, "the thumb never moved: the test shows nothing"


async def test_a_big_sort_is_worked_out_while_keys_still_work_and_rows_change() -> None:
    count = 60_000  # over KeyedTable.SORT_IN_THREAD_FROM

    def took(n: int) -> str:
        return f"{n % 3600 // 60}m {n % 60:02d}s" if n % 3600 >= 60 else f"{n % 60}s"

    rows = [(f"k{n}", (f"run-{n:06d}", took(n * 7919), "done")) for n in range(count)]
    app = OneTable()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.focus()
        table.sync(rows)
        # Typed before the rows' text is folded for the filter (in a thread, once drawn).
        table.filter_rows(RowFilter.parse("run-04000", table.column_names))
        assert table.keys == [f"k{n}" for n in range(40_000, 40_010)]
        table.filter_rows(RowFilter())
        await pilot.pause()
        table.move_cursor(row=30_000)
        await pilot.pause()
        # The header says the sort at once; the rows keep their order until it is worked out.
        table.sort_by("took")
        assert table.sorting and table.sort_column is None
        assert "Duration ▼" in screen_text(app).splitlines()[0]
        assert table.keys[:3] == ["k0", "k1", "k2"]
        # Meanwhile a new run comes, one changes, and the user moves the cursor.
        changed = ("k7", ("run-000007", "2h 00m", "done"))
        current = [("new", ("run-new", "59m 58s", "running")), *rows[:7], changed, *rows[8:]]
        table.sync(current)
        assert table.sorting and table.selected_key == "k30000"
        await pilot.press("j")
        await wait_for(pilot, lambda: not table.sorting, timeout=30, what="the sort")
        assert table.sort_column == "took" and table.sort_descending
        longest_first = sorted(current, key=lambda row: -seconds(str(row[1][1])))
        assert table.keys == [key for key, _ in longest_first]
        assert table.keys[0] == "k7" and table.selected_key == "k30001"
        assert "run-030001" in screen_text(app)
        # A cell that changes while a sort is worked out is put in its place when it is done.
        table.sort_by("name")
        table.sync([(key, ("run-zzz", *cells[1:])) if key == "k3" else (key, cells) for key, cells in current])
        await wait_for(pilot, lambda: not table.sorting, timeout=30, what="the sort by name")
        assert table.sort_column == "name" and table.keys[-1] == "k3" and table.keys[0] == "k0"


async def test_workflows_sort_by_how_many_runs_and_by_how_recent_the_last_run(emulator_server) -> None:
    # As text, "✔14 ✘1" came before "✔3 ✘2" and "Completed 16m ago" before "Completed 6m ago".
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.index.loaded, what="the runs")
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5 and "–" not in [cell(table, k, "runs") for k in table.keys])
        while table.sort_column != "runs":
            await pilot.press("S")
            await wait_for(pilot, lambda: not table.sorting)
        totals = [sum(map(int, re.findall(r"\d+", cell(table, key, "runs")))) for key in table.keys]
        assert totals == sorted(totals, reverse=True), totals
        await pilot.press("S")
        await wait_for(pilot, lambda: table.sort_column == "last" and not table.sorting)
        ages = [cell(table, key, "last").split()[-2] for key in table.keys]
        assert list(map(seconds, ages)) == sorted(map(seconds, ages)), ages
