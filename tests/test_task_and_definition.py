"""Task details (`i`), a failed task's message in its tree row, and the definition viewer (`v`),
driven like a user would, against the emulator over real HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.emulator import EmulatorServer, seed
from flowsynx_tui.messages import DefinitionView, ExecutionView, TaskView
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.definition import DefinitionScreen, build_document, find_task, task_summary
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.screens.task_details import TaskDetailsScreen
from flowsynx_tui.testing import make_app, open_task_tree, screen_text, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.logview import LogPane
from flowsynx_tui.widgets.task_tree import TaskTree

NIGHTLY = seed.workflow_id("nightly-csv-export")
#: nightly-csv-export's run three days back: SaveLocal failed.
NIGHTLY_FAILED = seed.execution_id("nightly-csv-export", 6)
INVOICES = seed.workflow_id("invoice-approval")
DENIED = "Access to the path '/data/out/report.csv' is denied."
#: What no terminal may receive from server text: C0/C1 controls, DEL, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def cell_text(table: DataTable, row_key: str, column_key: str) -> str:
    value = table.get_cell(row_key, column_key)
    return getattr(value, "plain", str(value))


def task_record(server: EmulatorServer, execution_id: str, name: str) -> Any:
    return next(task for task in server.emulator.store.tasks(execution_id) if task.name == name)


def set_message(server: EmulatorServer, execution_id: str, name: str, message: str) -> str:
    """v1.3.0 never writes a task's message (reference 5): play a server that does."""
    with server.emulator.store.lock:
        record = task_record(server, execution_id, name)
        record.message = message
    return record.id


def requests_to(server: EmulatorServer, suffix: str) -> int:
    return sum(1 for r in server.emulator.requests.snapshot() if r.path.lower().endswith(suffix.lower()))


def pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=2, ensure_ascii=False).split("\n")


async def open_execution(pilot: Pilot[None], app: FlowSynxApp, workflow_id: str, execution_id: str) -> ExecutionDetailScreen:
    app.navigate(ExecutionView(workflow_id, execution_id))
    await wait_for_screen(pilot, app, ExecutionDetailScreen)
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one(TaskTree).row_count > 0, what="the task tree")
    return screen


async def open_definition(pilot: Pilot[None], app: FlowSynxApp) -> DefinitionScreen:
    await wait_for_screen(pilot, app, DefinitionScreen)
    screen = app.screen
    await wait_for(pilot, lambda: screen.document is not None, what="the definition")
    # Drawn once laid out again (a one-line "loading…" grows to the document): a fixed
    # pause loses that race on a loaded machine.
    await wait_for(pilot, lambda: "loading…" not in screen_text(app), what="the definition drawn")
    return screen


def status_line(screen: DefinitionScreen) -> str:
    return screen.query_one("#definition-status", Static).render().plain  # type: ignore[union-attr]


# ------------------------------------------------------------------ task details


async def test_i_on_a_failed_task_shows_its_status_and_whole_message(emulator_server) -> None:
    server = emulator_server(frozen=True)
    long_reason = DENIED + " " + " ".join(f"detail-{n}" for n in range(30)) + " END-OF-REASON"
    task_id = set_message(server, NIGHTLY_FAILED, "SaveLocal", long_reason)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        detail.query_one(TaskTree).select_key("SaveLocal")
        await pilot.press("i")
        await wait_for_screen(pilot, app, TaskDetailsScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.snapshot.final, what="the task's details")
        # Drawn once the screen has handled the read (a fixed pause lost that race on a
        # loaded machine).
        await wait_for(pilot, lambda: "✘ Failed" in screen_text(app), what="the details drawn")
        shown = screen_text(app)
        # Wrapped over several lines, not cut to one: every word of it is on screen.
        words = " ".join(shown.split())
        assert DENIED in words and "detail-29 END-OF-REASON" in words
        assert re.search(r"Started +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown) and "Duration   1.1s" in shown
        assert screen.snapshot.task_id == task_id
        assert "Help" in shown.splitlines()[-1] and "Quit" in shown.splitlines()[-1]


@pytest.mark.parametrize(("keymap", "key"), [(None, "l"), ({"task.logs": "ctrl+o"}, "^o")])
async def test_a_failed_task_without_a_message_points_to_its_log(emulator_server, keymap, key) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap=keymap)
    async with app.run_test(size=(120, 30)) as pilot:
        app.navigate(TaskView(NIGHTLY, NIGHTLY_FAILED, "SaveLocal"))  # found by name
        await wait_for_screen(pilot, app, TaskDetailsScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.snapshot.final, what="the task's details")
        await wait_for(pilot, lambda: "✘ Failed" in screen_text(app), what="the details drawn")
        shown = " ".join(screen_text(app).split())
        assert f"never writes a task's message); the reason is in its log: press {key}" in shown
        await pilot.press(key.replace("^", "ctrl+"))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)  # the key named opens its log


async def test_task_screen_polls_while_the_task_runs_and_stops_when_it_finished(emulator_server) -> None:
    server = emulator_server(time_scale=1.0, seed=False)
    emulator = server.emulator
    workflow_id = emulator.add_workflow(
        {"Name": "slow", "Tasks": [{"Name": "Slow", "Type": "Demo:1.0",
                                     "Execution": {"Parameters": {"emulator": {"seconds": 3, "logLines": 3}}}}]}
    )
    execution_id = emulator.start_execution(workflow_id)
    emulator.wait_until(lambda: emulator.task_statuses(execution_id).get("Slow") == "Running", 10, "Slow running")
    task_id = task_record(server, execution_id, "Slow").id
    route = f"/tasks/{task_id}"
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        app.navigate(TaskView(workflow_id, execution_id, "Slow", task_id))
        await wait_for_screen(pilot, app, TaskDetailsScreen)
        screen = app.screen
        await wait_for(pilot, lambda: "▶ Running" in screen_text(app), what="Running on screen")
        first = requests_to(server, route)
        await pilot.pause(0.8)
        assert requests_to(server, route) >= first + 2, "read again while it runs"
        await wait_for(pilot, lambda: screen.snapshot.final, timeout=20, what="the task finished")
        await wait_for(pilot, lambda: "✔ Completed" in screen_text(app), what="Completed on screen")
        done = requests_to(server, route)
        await pilot.pause(1.2)  # six refresh intervals
        assert requests_to(server, route) == done, "not read again once finished"


async def test_task_logs_are_one_key_away(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        pane = detail.query_one(LogPane)
        await wait_for(pilot, lambda: pane.line_count > 0, what="the execution's logs")
        depth = len(app.screen_stack)
        detail.query_one(TaskTree).select_key("SaveLocal")
        await pilot.press("i")
        await wait_for_screen(pilot, app, TaskDetailsScreen)
        await pilot.press("l")
        # Back on the same execution screen (not a second copy), with the task's logs.
        await wait_for(pilot, lambda: app.screen is detail, what="the execution screen again")
        assert len(app.screen_stack) == depth
        await wait_for(pilot, lambda: "task SaveLocal" in pane.status_text, what="the task's log source")
        await wait_for(pilot, lambda: pane.line_count > 0, what="the task's lines")
        assert all("ListFiles" not in line for line in pane.visible_text())
        assert detail.log_source is not None
        assert detail.log_source.task_id == task_record(server, NIGHTLY_FAILED, "SaveLocal").id


async def test_back_from_a_tasks_log_the_executions_log_is_where_it_was_without_reading_it_again(emulator_server) -> None:
    from flowsynx_tui.emulator.bulk import add_log_lines

    server = emulator_server(frozen=True)
    add_log_lines(server.emulator, NIGHTLY_FAILED, 2_000)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        pane = detail.query_one(LogPane)
        await wait_for(pilot, lambda: detail.logs_complete and pane.line_count > 2_000, what="the execution's logs")
        lines = pane.line_count
        pane.focus()
        await pilot.press("l")  # a level filter, chosen while reading the execution's log
        await pilot.press("ctrl+d", "ctrl+d", "ctrl+d")
        await pilot.pause()
        place = pane.lines_view.scroll_y
        assert place > 0
        reads = requests_to(server, f"/executions/{NIGHTLY_FAILED}/logs")
        detail.query_one(TaskTree).select_key("SaveLocal")
        detail.query_one(TaskTree).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "task SaveLocal" in pane.status_text and pane.line_count > 0, what="the task's lines")
        # A finished task's lines are its log, not news: it said "paused · 3 new".
        assert "new" not in pane.status_text and "follow off" in pane.status_text, pane.status_text
        await pilot.press("escape")
        await wait_for(pilot, lambda: "execution" in pane.status_text, what="the execution's log again")
        await pilot.pause()
        assert pane.line_count == lines
        assert pane.lines_view.scroll_y == place
        assert "level ≥" in pane.status_text and "new" not in pane.status_text, pane.status_text
        assert requests_to(server, f"/executions/{NIGHTLY_FAILED}/logs") == reads  # not read again
        assert detail.logs_complete
        assert app.screen is detail  # escape went back to the execution's log, not off the screen


@pytest.mark.long
async def test_back_from_a_tasks_log_a_running_executions_log_follows_on_with_what_came_meanwhile(emulator_server) -> None:
    server = emulator_server(time_scale=0.2)
    warehouse = seed.workflow_id("warehouse-load")
    execution = server.emulator.start_execution(warehouse)
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_execution(pilot, app, warehouse, execution)
        pane = detail.query_one(LogPane)
        await wait_for(pilot, lambda: pane.line_count > 50 and "following" in pane.status_text, what="the log followed")
        source = detail.log_source
        assert source is not None
        detail.query_one(TaskTree).select_key("ExtractInventory")
        detail.query_one(TaskTree).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "task ExtractInventory" in pane.status_text, what="the task's log")
        await pilot.pause(1.0)
        read = source.tail.consumed
        await pilot.press("escape")
        await wait_for(pilot, lambda: "execution" in pane.status_text, what="the execution's log again")
        shown = pane.line_count
        await wait_for(pilot, lambda: pane.line_count > shown, what="the lines that came meanwhile, and on")
        await pilot.pause(0.3)
        assert "following" in pane.status_text, pane.status_text
        view = pane.lines_view
        assert view.scroll_y == view.max_scroll_y
        # Read on from where it stopped: the same source, each line once.
        assert detail.log_source is source and source.tail.consumed > read
        await wait_for(pilot, lambda: pane.line_count == source.tail.consumed, what="every line read shown once")


async def test_an_empty_log_of_a_task_waiting_for_approval_says_so(emulator_server) -> None:
    server = emulator_server(frozen=True)
    paused = seed.execution_id("invoice-approval", 5)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_execution(pilot, app, INVOICES, paused)
        await wait_for(pilot, lambda: detail.snapshot.approvals, what="the pending approval")
        detail.query_one(TaskTree).select_key("PublishInvoices")
        detail.query_one(TaskTree).focus()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: "waits for a decision" in screen_text(app),
            what="why the gated task has no lines",
        )
        assert "System" not in screen_text(app)  # not the engine-lines quirk (Q3)


async def test_i_in_the_approvals_inbox_opens_the_gated_task_and_enter_its_logs(emulator_server) -> None:
    server = emulator_server(frozen=True)
    paused = seed.execution_id("invoice-approval", 5)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.approvals.all(), what="the pending approval")
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 1, what="the approval row")
        await pilot.press("i")
        await wait_for_screen(pilot, app, TaskDetailsScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.snapshot.details is not None, what="the gated task")
        gated = task_record(server, paused, "PublishInvoices")
        assert screen.task_name == "PublishInvoices" and screen.snapshot.task_id == gated.id
        assert "Task PublishInvoices" in screen_text(app)
        # The gate reads Pending: what it waits for is said beside it.
        assert "Pending ⚑ waits for a decision: Check totals before publishing" in screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        detail = app.screen
        await wait_for(
            pilot,
            lambda: detail.log_source is not None and detail.log_source.task_id == gated.id,
            what="the gated task's logs",
        )
        assert detail.query_one(TaskTree).selected_key == "PublishInvoices"


# ------------------------------------------------------------------ the task tree


async def test_the_tree_row_of_a_failed_task_shows_its_message(emulator_server) -> None:
    server = emulator_server(frozen=True)
    hostile = DENIED + " [bold]x[/] \x1b]0;title\x07 \u202eevil"
    set_message(server, NIGHTLY_FAILED, "SaveLocal", hostile)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        tree = detail.query_one(TaskTree)
        await wait_for(pilot, lambda: "Access to" in cell_text(tree, "SaveLocal", "task"), what="the reason")
        await pilot.pause(0.2)
        row = cell_text(tree, "SaveLocal", "task")
        assert row.startswith("  └ SaveLocal Access to the path") and row.endswith("…")  # cut to fit
        assert "ToCsv" == cell_text(tree, "ToCsv", "task").strip(" └")  # others unchanged
        shown = screen_text(app)
        line = next(line for line in shown.splitlines() if "SaveLocal Access" in line)
        assert len(line) <= 80 and "✘ Failed" in line and "█" in line  # status and timeline still in view
        assert not RAW_CONTROL.search(shown)


async def test_a_hostile_message_reads_literally_in_the_tree(emulator_server) -> None:
    server = emulator_server(frozen=True)
    set_message(server, NIGHTLY_FAILED, "SaveLocal", "[b]x[/] \x1b[2J\u202e")
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        tree = detail.query_one(TaskTree)
        await wait_for(pilot, lambda: "[b]x[/]" in cell_text(tree, "SaveLocal", "task"), what="the reason")
        await pilot.pause(0.2)
        assert cell_text(tree, "SaveLocal", "task") == "  └ SaveLocal [b]x[/] ␛[2J<U+202E>"
        shown = screen_text(app)
        assert "SaveLocal [b]x[/] ␛[2J<U+202E>" in shown and not RAW_CONTROL.search(shown)


# ------------------------------------------------------------------ definitions


async def test_v_on_a_workflow_shows_its_definition(emulator_server) -> None:
    server = emulator_server(frozen=True)
    workflow = server.emulator.store.workflow(None, NIGHTLY)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, what="workflows")
        table.select_key(NIGHTLY)
        await pilot.press("v")
        screen = await open_definition(pilot, app)
        assert list(screen.document.lines) == pretty({"Schema": workflow.schema_url, "Workflow": workflow.definition})
        shown = screen_text(app)
        assert "Definition of workflow nightly-csv-export" in shown
        assert '"Name": "nightly-csv-export",' in shown
        assert "Help" in shown.splitlines()[-1] and "Quit" in shown.splitlines()[-1]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not screen, what="back")


async def test_v_on_an_execution_shows_its_snapshot(emulator_server) -> None:
    server = emulator_server(frozen=True)
    execution = server.emulator.store.execution(None, NIGHTLY_FAILED)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: NIGHTLY_FAILED in app.services.overview.index.workflow_of, what="matched")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.select_key(NIGHTLY_FAILED), what="the execution row")
        await pilot.press("v")
        screen = await open_definition(pilot, app)
        assert screen.execution_id == NIGHTLY_FAILED
        assert list(screen.document.lines) == pretty(execution.definition)
        assert "(the snapshot it runs)" in screen_text(app)
        # The execution screen's `v` (log pane focused) shows the same snapshot.
        await pilot.press("escape")
        detail = await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        detail.query_one(LogPane).focus()
        await pilot.press("v")
        screen = await open_definition(pilot, app)
        assert screen.task_name is None and list(screen.document.lines) == pretty(execution.definition)


async def test_v_on_a_task_shows_only_its_part(emulator_server) -> None:
    server = emulator_server(frozen=True)
    execution = server.emulator.store.execution(None, NIGHTLY_FAILED)
    to_csv = next(task for task in execution.definition["Tasks"] if task["Name"] == "ToCsv")
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        detail.query_one(TaskTree).select_key("ToCsv")
        await pilot.press("v")
        screen = await open_definition(pilot, app)
        assert list(screen.document.lines) == pretty(to_csv)
        shown = screen_text(app)
        assert "Definition of task ToCsv · execution" in shown
        assert "type FlowSynx.Data.Csv:1.2.0 · after ListFiles" in shown
        assert '"Delimiter": ","' in shown


async def test_search_with_slash_then_n_and_N_moves_between_matches(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        app.navigate(DefinitionView(NIGHTLY))
        screen = await open_definition(pilot, app)
        total = "\n".join(screen.document.lines).lower().count("csv")
        assert total > 3
        await pilot.press("slash", *"csv", "enter")
        await wait_for(pilot, lambda: f"match 1/{total}" in status_line(screen), what="the first match")
        await pilot.press("n")
        await wait_for(pilot, lambda: f"match 2/{total}" in status_line(screen), what="the second match")
        await pilot.press("n", "n", "n")
        await wait_for(pilot, lambda: f"match 5/{total}" in status_line(screen), what="the fifth match")
        line = screen.document.lines[screen.matches[screen.current][0]]
        assert line.strip() in screen_text(app)  # scrolled into view
        await pilot.press("N")
        await wait_for(pilot, lambda: f"match 4/{total}" in status_line(screen), what="back one")
        await pilot.press("N", "N", "N", "N")
        await wait_for(pilot, lambda: f"match {total}/{total}" in status_line(screen), what="wrapped to the last")
        assert f'"csv": match {total}/{total}' in screen_text(app)
        await pilot.press("escape")  # clears the search first
        await wait_for(pilot, lambda: "match" not in status_line(screen), what="search cleared")
        assert app.screen is screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not screen, what="back")


#: A value longer than a line at 80 columns, with spaces to break at, and one without.
LONG_VALUE = (
    "Reads the partner's nightly export from the SFTP drop, checks every row against the contract's "
    "schema and writes the rejected rows to a bucket for the morning review"
)
LONG_URL = "https://example.com/" + "x" * 120 + "/tail"


async def test_a_long_value_wraps_at_80_columns_and_the_search_marks_it_on_its_row(emulator_server) -> None:
    # At 80 columns a long string ran off the right edge: its end was never on screen.
    server = emulator_server(seed=False)
    workflow_id = server.emulator.add_workflow(
        {"Name": "long", "Description": LONG_VALUE,
         "Tasks": [{"Name": "A", "Type": "Demo:1.0", "Execution": {"Parameters": {"Url": LONG_URL}}}]}
    )
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        app.navigate(DefinitionView(workflow_id))
        screen = await open_definition(pilot, app)
        rows = screen_text(app).splitlines()
        first = next(index for index, row in enumerate(rows) if '"Description":' in row)
        key_indent = len(rows[first]) - len(rows[first].lstrip())
        # Broken at spaces: each row ends with a whole word, the next key on a row of its own.
        value_rows = rows[first : next(index for index, row in enumerate(rows) if '"Tasks":' in row)]
        assert len(value_rows) > 1, value_rows
        assert " ".join(row.strip() for row in value_rows) == f'"Description": "{LONG_VALUE}",', value_rows
        assert all(len(row) - len(row.lstrip()) > key_indent for row in value_rows[1:]), value_rows  # under its key
        url_at = next(index for index, row in enumerate(rows) if '"Url":' in row)
        assert "".join(row.strip() for row in rows[url_at : url_at + 3]) == f'"Url": "{LONG_URL}"', rows[url_at:]
        await pilot.press("slash", *"morning", "enter")
        await wait_for(pilot, lambda: "match 1/1" in status_line(screen), what="the match")
        svg = app.export_screenshot()
        # The match is painted on the row it wrapped to, apart from the words beside it.
        assert re.search(r'<text class="([\w-]+)"[^>]*>morning</text>', svg), "the match is not drawn apart"
        assert "the morning review" in screen_text(app)


def test_wide_characters_wrap_by_the_cells_they_take_and_a_huge_definition_stops_wrapping() -> None:
    from flowsynx_tui.screens.definition import MAX_WRAPPED_ROWS, wrap_document

    def wrapped_rows(raw: str, width: int) -> tuple[list[str], bool]:
        document = build_document(raw)
        starts = [0]
        for line in document.lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        wrapped = wrap_document(document, width, starts)
        return wrapped.text.plain.split("\n"), wrapped.capped

    rows, capped = wrapped_rows(json.dumps({"Name": "字" * 100}, ensure_ascii=False), 40)
    assert not capped and max(map(cell_len, rows)) <= 40 and "".join(row.strip() for row in rows).count("字") == 100
    # Past MAX_WRAPPED_ROWS rows, lines stay whole (they scroll sideways): a hostile
    # definition must not make every redraw slow.
    rows, capped = wrapped_rows(json.dumps({"Values": ["word " * 800] * 400}), 76)
    assert capped and max(map(cell_len, rows)) > 76 and len(rows) > MAX_WRAPPED_ROWS


async def test_hostile_text_in_a_definition_is_shown_literally(emulator_server) -> None:
    server = emulator_server(seed=False)
    hostile = "[bold]x[/] [@click=app.quit]q[/] \x1b]0;pwned\x07 \x1b[2J \x9b31m \u202eevil\u202c"
    workflow_id = server.emulator.add_workflow(
        {"Name": "hostile " + hostile, "Description": hostile,
         "Tasks": [{"Name": "Boom", "Type": "Demo:1.0", "Execution": {"Parameters": {"Note": hostile}}}]}
    )
    app = make_app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        app.navigate(DefinitionView(workflow_id))
        screen = await open_definition(pilot, app)
        shown = screen_text(app)
        assert not RAW_CONTROL.search(shown)
        # Markup stays text; ESC is JSON's own escape; C1 and bidi controls get stand-ins.
        assert '"Description": "[bold]x[/] [@click=app.quit]q[/] \\u001b]0;pwned\\u0007 \\u001b[2J <9B>31m' in shown
        assert "<U+202E>evil<U+202C>" in shown
        await pilot.press("slash", *"pwned", "enter")
        await wait_for(pilot, lambda: "match 1/3" in status_line(screen), what="matches in the hostile text")
        assert not RAW_CONTROL.search(screen_text(app))
        assert app.is_running


def test_invalid_json_is_shown_raw_made_safe_with_a_note() -> None:
    document = build_document('{"Name": "x\x1b]0;t\x07",\n\u202e [bold]broken')
    assert not document.valid_json
    assert document.note.startswith("Not valid JSON")
    assert document.lines == ('{"Name": "x␛]0;t␇",', "<U+202E> [bold]broken")
    assert document.text.plain == "\n".join(document.lines) and not document.text.spans
    assert build_document(None).note == "The server sent no definition."


def test_a_task_is_found_by_name_with_keys_of_any_case_and_v1_2_dependencies() -> None:
    definition = {
        "schema": None,
        "WORKFLOW": {"tasks": [
            {"name": "A", "type": {"Plugin": "P", "Version": "1.0"}},
            {"NAME": "B", "Type": "Q:2", "dependencies": ["A"],
             "errorHandling": {"strategy": "Retry", "RetryPolicy": {"maxRetries": 3, "BackoffStrategy": "Linear"}},
             "manualApproval": {"enabled": True, "comment": "check [bold]it[/]"}},
        ]},
    }
    task = find_task(definition, "B")
    assert task is definition["WORKFLOW"]["tasks"][1]
    assert find_task(definition, "b") is task  # case-insensitive only when nothing matches exactly
    assert task_summary(task) == (
        "type Q:2 · after A · on error: Retry (3 retries, Linear) · ⚑ manual approval: check [bold]it[/]"
    )
    assert task_summary(find_task(definition, "A")).startswith("type P:1.0 · no dependencies")
    document = build_document(json.dumps(definition), "Missing")
    assert "No task named Missing" in document.note and document.lines[0] == "{"


async def test_new_keys_are_in_help_with_their_ids(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_execution(pilot, app, NIGHTLY, NIGHTLY_FAILED)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        assert {"detail.task_details", "detail.definition"} <= {row[2] for row in app.screen.rows}
        await pilot.press("escape")
        app.navigate(DefinitionView(NIGHTLY))
        await open_definition(pilot, app)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert {"definition.search", "definition.next_match", "definition.prev_match"} <= ids


async def test_n_before_any_search_names_the_search_key_as_remapped(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"definition.search": "ctrl+f"})
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(DefinitionView(NIGHTLY))
        await open_definition(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: any(n.message == "No matches: press ^f to search." for n in app.notices),
                       what="the toast")


async def test_a_long_task_name_leaves_the_status_and_timeline_in_view(emulator_server) -> None:
    server = emulator_server(time_scale=0.02, seed=False)
    long_name = "Extract" + "X" * 193
    workflow_id = server.emulator.add_workflow(
        {"Name": "long-task", "Tasks": [{"Name": long_name, "Type": "Demo:1.0"}, {"Name": "Load", "Type": "Demo:1.0",
                                                                                   "Dependencies": [long_name]}]}
    )
    execution_id = server.emulator.start_execution(workflow_id)
    server.emulator.wait_for_status(execution_id, {"Completed"})
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = await open_task_tree(pilot, app, workflow_id, execution_id)
        await wait_for(pilot, lambda: tree.row_count == 2, what="the tasks")
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "Status" in text and "Timeline" in text and "✔ Completed" in text, text
        assert "ExtractXXXX" in text and "…" in text
        assert tree.gantt_width >= 20


async def test_a_finished_task_whose_end_is_not_read_yet_has_no_duration() -> None:
    # The hub's task event says "Completed" without times: until the read brings the end,
    # the row read "✔ Completed 0.0s".
    from datetime import UTC, datetime, timedelta

    from textual.app import App

    from flowsynx_tui.api.models import TaskExecution, TaskStatus, WorkflowDefinition
    from flowsynx_tui.widgets.task_tree import TaskTree

    tree = TaskTree()
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    started = now - timedelta(seconds=30)
    tasks = [
        TaskExecution(id="0b4c8ed0-0000-4000-8000-000000000001", name="Told", status=TaskStatus.COMPLETED,
                      start_time=started),
        TaskExecution(id="0b4c8ed0-0000-4000-8000-000000000002", name="Read", status=TaskStatus.COMPLETED,
                      start_time=started, end_time=started + timedelta(seconds=5)),
        TaskExecution(id="0b4c8ed0-0000-4000-8000-000000000003", name="Going", status=TaskStatus.RUNNING,
                      start_time=started),
    ]

    class Host(App[None]):
        def compose(self):  # noqa: ANN202
            yield tree

    async with Host().run_test(size=(120, 10)) as pilot:
        tree.show(WorkflowDefinition(), tasks, (), started, now)
        await pilot.pause()
        durations = {name: tree.get_cell(name, "duration").plain for name in ("Told", "Read", "Going")}
        assert durations == {"Told": "–", "Read": "5.0s", "Going": "30s"}, durations


async def test_the_task_tree_draws_siblings_as_siblings_under_the_parent_each_waits_for(emulator_server) -> None:
    # Listed by depth, every row a "└": LoadAfterB (after TransformB) read as NotifyC's child.
    server = emulator_server(time_scale=0.02, seed=False)
    demo = {"Type": "Demo:1.0"}
    workflow_id = server.emulator.add_workflow(
        {
            "Name": "fan",
            "Tasks": [
                {"Name": "Fetch", **demo},
                {"Name": "TransformB", "Dependencies": ["Fetch"], **demo},
                {"Name": "NotifyC", "Dependencies": ["Fetch"], **demo},
                {"Name": "LoadAfterB", "Dependencies": ["TransformB"], **demo},
                {"Name": "Join", "Dependencies": ["NotifyC", "LoadAfterB"], **demo},
            ],
        }
    )
    execution_id = server.emulator.start_execution(workflow_id)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = await open_task_tree(pilot, app, workflow_id, execution_id)
        await wait_for(pilot, lambda: tree.row_count == 5, what="the five tasks")
        names = [tree.get_cell(key, "task").plain for key in tree.keys]
        assert names == ["Fetch", "├ TransformB", "│ └ LoadAfterB", "│   └ Join ←2", "└ NotifyC"], names
