"""The dashboard driven like a user would, against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from textual.widgets import DataTable

from flowsynx_tui.emulator import seed
from flowsynx_tui.emulator.bulk import add_log_lines, populate
from flowsynx_tui.emulator.faults import Faults
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.screens.workflows import WorkflowsScreen
from flowsynx_tui.testing import footer_keys, make_app, screen_text, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.logview import LogPane
from flowsynx_tui.widgets.task_tree import TaskTree
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.help import HelpScreen

WAREHOUSE = seed.workflow_id("warehouse-load")
NIGHTLY = seed.workflow_id("nightly-csv-export")


def cell_text(table: DataTable, row_key: str, column_key: str) -> str:
    value = table.get_cell(row_key, column_key)
    return getattr(value, "plain", str(value))


def column(table: DataTable, column_key: str) -> list[str]:
    return [cell_text(table, key, column_key) for key in table.keys]  # type: ignore[attr-defined]


async def test_workflows_screen_shows_each_workflow_with_its_runs(emulator_server) -> None:
    server = emulator_server()
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, what="five workflows")
        names = column(table, "name")
        assert names == sorted(names, key=str.lower)
        assert "invoice-approval" in names
        # Run counts appear once executions are matched to their workflows.
        await wait_for(pilot, lambda: "‖1" in cell_text(table, seed.workflow_id("invoice-approval"), "runs"),
                       what="paused run counted")
        assert "Paused" in cell_text(table, seed.workflow_id("invoice-approval"), "last")
        # The server's version is read once the first rows are shown (the start waits for
        # nothing it does not need): it may come after the run counts.
        await wait_for(pilot, lambda: "v1.3.0" in (header := app.screen.query_one("StatusHeader").render().plain)
                       and "connected" in header, what="server version in the header")
        await wait_for(pilot, lambda: "1 approval waiting" in app.screen.query_one("StatusHeader").render().plain,
                       what="approval count in the header")


async def test_a_finished_last_runs_age_is_that_of_its_end(emulator_server) -> None:
    import httpx

    server = emulator_server(time_scale=0.05)
    app = make_app(server.url)
    invoice = seed.workflow_id("invoice-approval")
    paused = seed.execution_id("invoice-approval", 5)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.has_row(invoice) and "Paused" in cell_text(table, invoice, "last"))
        assert cell_text(table, invoice, "last").endswith("m ago"), "started 25 minutes ago"
        approvals = httpx.get(f"{server.url}/workflows/{invoice}/executions/{paused}/approvals").json()["data"]
        decided = httpx.post(
            f"{server.url}/workflows/{invoice}/executions/{paused}/approvals/{approvals[0]['id']}/approve", timeout=30
        )
        assert decided.status_code == 200, decided.text
        await wait_for(pilot, lambda: "Completed" in cell_text(table, invoice, "last"), what="the run completed")
        assert re.fullmatch(r"✔ Completed (\d+s ago|just now)", cell_text(table, invoice, "last")), cell_text(table, invoice, "last")


async def test_enter_opens_executions_newest_first(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5 and app.services.overview.index.workflow_of, what="workflows")
        table.select_key(WAREHOUSE)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        executions = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: executions.row_count == 4, what="the four warehouse-load runs")
        starts = column(executions, "started")
        assert starts == sorted(starts, reverse=True)
        assert column(executions, "status")[0].startswith("▶ Running")


async def test_a_queued_runs_duration_keeps_counting_on_the_executions_screen(emulator_server) -> None:
    # A frozen server keeps a new run Pending, started at the server's "now": how long it
    # has waited is what its Duration says, and it must not stay at the age first drawn.
    server = emulator_server(frozen=True, base_time=datetime.now(UTC))
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        execution = server.emulator.start_execution(WAREHOUSE)
        await wait_for(pilot, lambda: table.has_row(execution), what="the new run")
        assert cell_text(table, execution, "status").startswith("○ Pending")
        for _ in range(2):  # drawn anew as time goes, not once
            drawn = cell_text(table, execution, "duration")
            await wait_for(pilot, lambda: cell_text(table, execution, "duration") != drawn, 5, "its duration counting on")
        assert cell_text(table, execution, "status").startswith("○ Pending")


async def test_the_workflows_ages_move_with_the_clock_between_reads(emulator_server) -> None:
    # Live, the lists are read again about once a minute: the ages ("12s ago") must not
    # stand still until then.
    server = emulator_server(frozen=True, base_time=datetime.now(UTC))
    server.emulator.start_execution(WAREHOUSE)
    app = make_app(server.url, refresh=600)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(
            pilot, lambda: table.has_row(WAREHOUSE) and "ago" in cell_text(table, WAREHOUSE, "last"), what="the last run's age"
        )
        await wait_for(pilot, lambda: app.services.overview.index.unmatched == 0, what="runs matched")
        reads = len([r for r in server.emulator.requests if r.path == "/workflows"])
        for _ in range(2):
            drawn = cell_text(table, WAREHOUSE, "last")
            await wait_for(pilot, lambda: cell_text(table, WAREHOUSE, "last") != drawn, 5, "the age counting on")
        assert re.fullmatch(r"○ Pending \d+s ago", cell_text(table, WAREHOUSE, "last"))
        assert len([r for r in server.emulator.requests if r.path == "/workflows"]) == reads  # no new read


async def test_task_goes_running_to_completed_and_logs_arrive(emulator_server) -> None:
    server = emulator_server(time_scale=1.0, seed=False)
    emulator = server.emulator
    # The first task runs 6 s: time to see it Running on a busy machine, however slow the
    # screen's start (at 3 s a loaded machine missed it one time in two); the rest are quick.
    first = {"emulator": {"seconds": 6, "logLines": 5}}
    hints = {"emulator": {"seconds": 1, "logLines": 5}}
    workflow_id = emulator.add_workflow(
        {"Name": "chain", "Tasks": [
            {"Name": "ListFiles", "Type": "Demo:1.0", "Execution": {"Parameters": first}},
            {"Name": "ToCsv", "Type": "Demo:1.0", "Execution": {"Parameters": hints},
             "FlowControl": {"Dependencies": ["ListFiles"]}},
            {"Name": "SaveLocal", "Type": "Demo:1.0", "Execution": {"Parameters": hints},
             "FlowControl": {"Dependencies": ["ToCsv"]}},
        ]}
    )
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        # Started once the dashboard is up: a slow start must not eat the first task's 3 s.
        await wait_for(pilot, lambda: app.services.status.connection.state == "ok", what="connected")
        execution_id = emulator.start_execution(workflow_id)
        app.navigate(ExecutionView(workflow_id, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        tree = app.screen.query_one(TaskTree)
        pane = app.screen.query_one(LogPane)
        await wait_for(pilot, lambda: tree.row_count == 3, what="three tasks")
        await wait_for(pilot, lambda: cell_text(tree, "ListFiles", "status").startswith("▶ Running"),
                       timeout=20, what="ListFiles running on screen")
        await wait_for(pilot, lambda: cell_text(tree, "ListFiles", "status").startswith("✔ Completed"),
                       timeout=20, what="ListFiles completed on screen")
        await wait_for(pilot, lambda: any("ListFiles" in line for line in pane.visible_text()), what="its log lines")
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Completed", timeout=30)
        await wait_for(pilot, lambda: app.screen.snapshot.final, what="the final state read")
        # Drawn when the screen has handled the read, a moment after it.
        await wait_for(
            pilot,
            lambda: all(cell_text(tree, name, "status").startswith("✔") for name in ("ListFiles", "ToCsv", "SaveLocal")),
            what="every task completed on screen",
        )
        assert re.search(r"\d", cell_text(tree, "SaveLocal", "duration"))


async def test_finished_execution_is_not_polled_again(emulator_server) -> None:
    server = emulator_server(frozen=True)
    emulator = server.emulator
    finished = seed.execution_id("nightly-csv-export", 1)
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(NIGHTLY, finished))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await wait_for(pilot, lambda: app.screen.snapshot.final)
        await wait_for(pilot, lambda: app.screen.logs_complete, what="final logs read")
        await pilot.pause(0.3)
        before = sum(1 for r in emulator.requests if finished in r.path)
        await pilot.pause(1.5)  # several refresh intervals
        after = sum(1 for r in emulator.requests if finished in r.path)
        assert before > 0 and after == before


async def test_logs_are_complete_only_once_the_pane_shows_the_last_of_them(emulator_server) -> None:
    # The source knows it is complete in its worker, a message before the pane holds its
    # last batch: a screen that said "complete" then showed a log cut short (seen in CI
    # on a loaded machine, 1,000 of 4,537 lines). More lines than one poll reads, so the
    # poll that completes the log brings lines of its own.
    server = emulator_server(seed=False)
    emulator = server.emulator
    population = populate(emulator, workflows=1, finished=1, paused=0)
    (finished,) = population.finished_ids
    add_log_lines(emulator, finished, 4_537)
    # Slow log pages: the run is known finished before the last of them are read.
    emulator.faults = Faults.parse("latency=0.1,only=/logs$")
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(population.workflow_of[finished], finished))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        pane = screen.query_one(LogPane)
        deadline = asyncio.get_running_loop().time() + 20
        while not (screen.log_source is not None and screen.log_source.complete):
            assert asyncio.get_running_loop().time() < deadline, "the logs were never read to the end"
            await asyncio.sleep(0)
        said_complete, lines_then = screen.logs_complete, pane.line_count
        await wait_for(pilot, lambda: screen.logs_complete, what="final logs shown")
        assert pane.line_count >= 4_537
        assert not said_complete or lines_then == pane.line_count, (
            f"complete with {lines_then:,} of {pane.line_count:,} lines shown"
        )


async def test_lines_read_as_the_run_finishes_count_as_new_while_paused(emulator_server) -> None:
    # The read that finds the run finished comes after the screen learnt it finished (the
    # source reads "final" first): its lines arrived while the pane showed a live run, and
    # "paused · N new" left them out (it froze at 3,316 with 3,419 below the pause).
    server = emulator_server(frozen=True)
    emulator = server.emulator
    running = seed.execution_id("warehouse-load", 4)
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(WAREHOUSE, running))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        pane = screen.query_one(LogPane)
        await wait_for(pilot, lambda: pane.line_count > 0 and pane.live and pane.follow, what="the live run's lines")
        await pilot.pause(0.3)
        pane.focus()
        await pilot.press("k")
        assert "paused · 0 new" in pane.status_text, pane.status_text
        paused_at = pane.line_count
        # Log reads fail until the screen has seen the run finish: its last lines then come
        # in the read that finds it finished, as they do when they are written at its end.
        emulator.faults = Faults.parse("errors=1,only=/logs$")
        add_log_lines(emulator, running, 300)
        with emulator.store.lock:
            record = emulator.store.execution(None, running)
            record.status, record.end = "Completed", emulator.clock.now()
        await wait_for(pilot, lambda: screen.snapshot.final and not pane.live, what="the run seen finished")
        emulator.faults = Faults()
        await wait_for(pilot, lambda: screen.logs_complete, what="the last lines read")
        assert pane.line_count >= paused_at + 300
        assert pane.new_since_pause == pane.line_count - paused_at
        assert f"paused · {pane.new_since_pause:,} new" in pane.status_text, pane.status_text


async def test_task_selection_switches_the_log_source(emulator_server) -> None:
    server = emulator_server(frozen=True)
    running = seed.execution_id("warehouse-load", 4)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(WAREHOUSE, running))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        tree = app.screen.query_one(TaskTree)
        pane = app.screen.query_one(LogPane)
        await wait_for(pilot, lambda: tree.row_count >= 5 and pane.line_count > 0, what="tasks and logs")
        all_lines = pane.line_count
        tree.select_key("ExtractCustomers")
        await pilot.press("enter")
        await wait_for(pilot, lambda: 0 < pane.line_count < all_lines, what="only the task's lines")
        assert "task ExtractCustomers" in pane.status_text
        assert all("ExtractOrders" not in line for line in pane.visible_text())
        await pilot.press("escape")
        await wait_for(pilot, lambda: pane.line_count == all_lines, what="execution lines again")
        assert isinstance(app.screen, ExecutionDetailScreen)
        assert "execution" in pane.status_text


async def test_rows_update_in_place_and_keep_the_cursor(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.index.loaded)
        app.action_show_executions()
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 27, what="all 27 executions")
        table.move_cursor(row=5)
        chosen = table.selected_key
        server.emulator.start_execution(NIGHTLY)
        await wait_for(pilot, lambda: table.row_count == 28, what="the new execution at the top")
        assert table.selected_key == chosen
        assert table.keys[0] != chosen and table.cursor_row == 6


async def test_filter_narrows_rows_and_escape_clears(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5)
        await pilot.press("slash", *"invoice")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert column(table, "name") == ["invoice-approval"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == 5)
        assert isinstance(app.screen, WorkflowsScreen)


async def test_a_long_workflow_name_leaves_its_runs_on_screen_at_80_columns(emulator_server) -> None:
    server = emulator_server(frozen=True)
    long_name = "nightly-" + "x" * 120
    server.emulator.add_workflow({"Name": long_name, "Tasks": [{"Name": "A", "Type": "Demo:1.0"}]})
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 6, what="the workflows")
        # Runs and Last run fill in as the runs are matched to their workflows (Q1).
        await wait_for(pilot, lambda: "✘ Failed" in screen_text(app), what="the last runs matched")
        text = screen_text(app)
        # The name gives way ("…"), the runs and the last run stay in view.
        assert "Runs" in text and "Last run" in text, text
        assert "✘ Failed" in text and "nightly-xxxxxxxx" in text and "…" in text, text


async def test_hostile_text_in_server_data_renders_literally(emulator_server) -> None:
    server = emulator_server(time_scale=0.05, seed=False)
    hostile = "[bold red]x[/] [/] [link=http://x]y \x1b]0;title\x07 \x1b[2J"
    workflow_id = server.emulator.add_workflow(
        {
            "Name": "hostile [bold]name[/]",
            "Tasks": [{"Name": "Boom", "Type": "Demo:1.0",
                       "Execution": {"Parameters": {"emulator": {"seconds": 0.2, "fail": True, "failMessage": hostile}}}}],
        }
    )
    execution_id = server.emulator.start_execution(workflow_id)
    server.emulator.wait_for_status(execution_id, {"Failed"}, timeout=15)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert cell_text(table, workflow_id, "name") == "hostile [bold]name[/]"
        app.navigate(ExecutionView(workflow_id, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        pane = app.screen.query_one(LogPane)
        await wait_for(pilot, lambda: any("[bold red]x[/]" in line for line in pane.visible_text()), what="the line")
        line = next(line for line in pane.visible_text() if "[bold red]x[/]" in line)
        assert "[link=http://x]y" in line and "\x1b" not in line and "\x07" not in line
        screenshot = app.export_screenshot()
        assert "\x1b]0;title" not in screenshot
        assert app.is_running


async def test_help_is_generated_from_the_bindings_of_the_screen(emulator_server) -> None:

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        ids = [row[2] for row in app.screen.rows]
        assert {"workflows.start", "screen.filter", "app.quit", "table.open"} <= set(ids)
        assert all(ids), [row for row in app.screen.rows if not row[2]]  # every key can be remapped
        assert "log.follow" not in ids  # not on this screen
        await pilot.press("escape")
        app.navigate(ExecutionView(WAREHOUSE, seed.execution_id("warehouse-load", 4)))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        app.screen.query_one(LogPane).focus()
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        assert {"log.follow", "log.level", "detail.cancel"} <= {row[2] for row in app.screen.rows}
        assert all(row[2] for row in app.screen.rows), [row for row in app.screen.rows if not row[2]]


async def test_keys_can_be_remapped_by_binding_id(emulator_server) -> None:
    from flowsynx_tui.screens.confirm import ConfirmDialog

    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"workflows.start": "s", "app.approvals": "A"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5)
        await pilot.press("x")
        await pilot.pause(0.2)
        assert isinstance(app.screen, WorkflowsScreen)  # the old key no longer starts anything
        await pilot.press("s")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("n")
        await wait_for_screen(pilot, app, WorkflowsScreen)
        await pilot.press("A")
        from flowsynx_tui.screens.approvals import ApprovalInbox

        await wait_for_screen(pilot, app, ApprovalInbox)


async def test_what_the_dashboard_tells_to_press_is_the_key_it_was_remapped_to(emulator_server) -> None:
    # Toasts and the header said "Press L to sign in" and "Press 3 for the inbox", whatever
    # the [keys] of the config file made those keys.
    from textual.widgets import Input

    from flowsynx_tui.screens.login import LoginDialog
    from flowsynx_tui.widgets.status_header import StatusHeader

    server = emulator_server(auth="basic", frozen=True)
    app = make_app(server.url, keymap={"app.login": "ctrl+l", "app.approvals": "A"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, app, LoginDialog)
        await pilot.press("escape")
        await wait_for_screen(pilot, app, WorkflowsScreen)
        said = [notice.message for notice in app.notices]
        assert "Not signed in. Press ^l to sign in." in said, said
        header = app.screen.query_one(StatusHeader)
        # Once the dialog is turned down, the header is what says how to get it back.
        await wait_for(pilot, lambda: "✘ not signed in · ^l signs in" in header.render().plain, what="the header")
        # The empty list's title too, whole at 80 columns (the start's flags said nothing now).
        title = str(app.screen.query_one("#title").render())
        assert title == "Workflows (0) · the server needs credentials: press ^l to sign in", title
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, app, LoginDialog)
        app.screen.query_one("#username", Input).value = "admin"
        app.screen.query_one("#password", Input).value = "admin"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5, what="signed in")
        await wait_for(
            pilot, lambda: any("Press A for the inbox." in n.message for n in app.notices), what="the approvals toast"
        )
        assert not any("Press 3" in n.message or "Press L" in n.message for n in app.notices)
        from flowsynx_tui.commands import JumpProvider

        jumps = {title: help_text for title, help_text, _ in JumpProvider(app.screen).entries()}
        assert jumps["Approvals inbox"] == "pending approvals (A)", jumps
        assert "not signed in" not in header.render().plain


async def test_a_confirmations_buttons_name_the_keys_as_remapped(emulator_server) -> None:
    # They said "No (n)" and "Start (y)" while [keys] made y mean No.
    from textual.widgets import Button

    from flowsynx_tui.screens.confirm import ConfirmDialog

    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"confirm.yes": "s", "confirm.no": "k"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5)
        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog)
        labels = [str(button.label) for button in app.screen.query(Button)]
        assert labels == ["No (k)", "Start (s)"], labels
        await pilot.press("k")
        await wait_for_screen(pilot, app, WorkflowsScreen)


async def test_a_remap_the_dashboard_warns_about_is_left_out_and_its_binding_keeps_its_key(emulator_server) -> None:
    from flowsynx_tui.screens.confirm import ConfirmDialog

    server = emulator_server(frozen=True)
    # A key Textual can never match, and a key Start has: Textual applied both, so Wrap
    # had no key left and Start vanished from the footer and the help.
    keymap = {"log.wrap": "ctrl+flw", "screen.refresh": "x", "app.approvals": "A"}
    app = make_app(server.url, keymap=keymap)
    assert [problem.split(":")[0] for problem in app.keymap_problems] == ["[keys] log.wrap", "[keys] screen.refresh"]
    assert "the binding keeps its key" in app.keymap_problems[1]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5)
        await wait_for(pilot, lambda: "Start" in footer_keys(app), what="start in the footer")
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        keys = {row[2]: row[0] for row in app.screen.rows}
        assert (keys["workflows.start"], keys["screen.refresh"]) == ("x", "r")
        await pilot.press("escape")
        await wait_for_screen(pilot, app, WorkflowsScreen)
        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("n")
        await wait_for_screen(pilot, app, WorkflowsScreen)
        await pilot.press("A")  # the remap without a problem is applied
        from flowsynx_tui.screens.approvals import ApprovalInbox

        await wait_for_screen(pilot, app, ApprovalInbox)
        app.navigate(ExecutionView(WAREHOUSE, seed.execution_id("warehouse-load", 4)))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        app.screen.query_one(LogPane).focus()
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        assert {row[2]: row[0] for row in app.screen.rows}["log.wrap"] == "w"


async def test_a_remapped_key_keeps_its_place_in_the_footer(emulator_server) -> None:
    # Textual moves a remapped binding to the end: at 80 columns "F Follow" fell off.
    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"log.follow": "F"})
    async with app.run_test(size=(200, 40)) as pilot:
        app.navigate(ExecutionView(WAREHOUSE, seed.execution_id("warehouse-load", 4)))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        app.screen.query_one(LogPane).focus()
        # The footer is composed again once the focus moved (later under load).
        await wait_for(pilot, lambda: "Follow" in footer_keys(app), what="the log pane's keys in the footer")
        keys = footer_keys(app)
        assert "F Follow" in keys, keys
        assert keys.index("Follow") < keys.index("Tail") < keys.index("Copy"), keys


async def test_escape_closes_the_keys_panel_before_it_goes_back(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        screen = app.screen
        app.action_show_help_panel()  # the palette's "Keys"
        await wait_for(pilot, lambda: screen.query("HelpPanel"), what="the keys panel")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.query("HelpPanel"), what="the keys panel closed")
        assert app.screen is screen  # it also went back a screen
        await pilot.press("escape")
        await wait_for_screen(pilot, app, WorkflowsScreen)


async def test_palette_jumps_to_an_execution_by_id_prefix(emulator_server) -> None:
    server = emulator_server(frozen=True)
    paused = seed.execution_id("invoice-approval", 5)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: paused in app.services.overview.index.workflow_of, what="executions matched")
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*paused[:8])
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        assert app.screen.execution_id == paused


async def test_unknown_execution_says_why_instead_of_loading_forever(emulator_server) -> None:
    server = emulator_server(frozen=True)
    missing = "c7e4b0d9-2f1a-4d8e-a6b3-5e9f7c1d2b41"
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(NIGHTLY, missing))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        info = app.screen.query_one("#exec-info")
        await wait_for(pilot, lambda: "FSX2436" in info.render().plain, what="the server's reason")
        assert "not found" in info.render().plain
        assert "the server has no such run under workflow nightly-csv-export (404:" in info.render().plain
        # The server answered: a 404 for one run is not the connection's state.
        await pilot.pause(0.5)
        assert "● connected" in app.screen.query_one("StatusHeader").render().plain
        # Nothing to cancel either: "c Cancel run" stayed in the footer and sent a cancel.
        assert "Cancel run" not in footer_keys(app) and "Help" in footer_keys(app), footer_keys(app)
        await pilot.press("c")
        await pilot.pause(0.3)
        assert f"Run {missing[:8]} is not on the server: there is nothing to cancel." in [str(n.message) for n in app.notices]
    assert not [r for r in server.emulator.requests if r.method == "POST"]


async def test_help_moves_with_the_list_keys_and_lists_the_palette_once(emulator_server) -> None:
    from flowsynx_tui.screens.help import HelpScreen
    from flowsynx_tui.widgets.pager import Pager

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        assert [row[1] for row in app.screen.rows if "palette" in row[1].lower()] == ["Command palette"]
        assert all(row[2] for row in app.screen.rows if row[1] in ("Page down", "Page up")), "remappable"
        box = app.screen.query_one("#help-box", Pager)
        assert box.max_scroll_y > 0, "more keys than fit at 80x24"
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: box.scroll_y == 2, what="two lines down")
        await pilot.press("G")
        await wait_for(pilot, lambda: box.scroll_y == box.max_scroll_y, what="the bottom")
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: 0 < box.scroll_y < box.max_scroll_y, what="a page up")
        await pilot.press("g")
        await wait_for(pilot, lambda: box.scroll_y == 0, what="the top")
        await pilot.press("escape")
        await wait_for_screen(pilot, app, WorkflowsScreen)


async def test_a_definition_scrolls_with_the_tables_keys(emulator_server) -> None:
    from flowsynx_tui.screens.definition import DefinitionScreen
    from flowsynx_tui.widgets.pager import Pager

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5)
        table.select_key(WAREHOUSE)
        await pilot.press("v")
        await wait_for_screen(pilot, app, DefinitionScreen)
        view = app.screen.query_one("#definition-scroll", Pager)
        await wait_for(pilot, lambda: view.max_scroll_y > 0, what="a definition longer than the screen")
        await pilot.press("j", "j", "j")
        await wait_for(pilot, lambda: view.scroll_y == 3, what="three lines down")
        await pilot.press("G")
        await wait_for(pilot, lambda: view.scroll_y == view.max_scroll_y, what="the end")
        await pilot.press("g")
        await wait_for(pilot, lambda: view.scroll_y == 0, what="the top")


async def test_turning_down_sign_in_on_a_server_that_reads_fine_says_nothing_is_wrong(emulator_server) -> None:
    # The demo needs no sign-in: opening the dialog and closing it toasted "Not signed in"
    # over a dashboard that kept reading the server.
    from flowsynx_tui.screens.login import LoginDialog

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.services.poller.connection.state == "ok", what="connected")
        await pilot.press("L")
        await wait_for_screen(pilot, app, LoginDialog)
        await pilot.press("escape")
        await wait_for_screen(pilot, app, WorkflowsScreen)
        await pilot.pause(0.3)
        said = [str(notice.message) for notice in app.notices]
        assert not any("Not signed in" in words for words in said), said
        await pilot.press("L")
        await wait_for_screen(pilot, app, LoginDialog)  # asked for, it still opens
