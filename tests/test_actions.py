"""Start, cancel, approve and reject from keybindings, against the emulator over real HTTP."""

from __future__ import annotations

import re

import httpx

from flowsynx_tui.api import BasicCredentials
from flowsynx_tui.emulator import Faults, seed
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.confirm import ConfirmDialog
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.testing import footer_keys, footer_now, make_app, open_inbox, open_task_tree, running_slow_run, screen_text, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.task_tree import TaskTree
from flowsynx_tui.messages import ExecutionView, ExecutionsView

INVOICE = seed.workflow_id("invoice-approval")
NIGHTLY = seed.workflow_id("nightly-csv-export")
PAUSED = seed.execution_id("invoice-approval", 5)


def posts(emulator, needle: str = "") -> list[str]:
    return [r.path for r in emulator.requests if r.method == "POST" and needle in r.path]


def notifications(app) -> str:
    return " | ".join(str(n.message) for n in app.notices)


async def test_inbox_approve_runs_the_workflow_to_completed(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_inbox(pilot, app)
        assert "PublishInvoices" in table.get_cell_at((0, 3)).plain
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        dialog_text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "invoice-approval" in dialog_text and PAUSED in dialog_text and "PublishInvoices" in dialog_text
        assert app.screen.focused.id == "no"
        await pilot.press("y")
        await wait_for(pilot, lambda: emulator.execution_status(PAUSED) == "Completed", what="Completed")
        # The state read again, not the server's sentence (which says "successfully" whatever happened).
        await wait_for(
            pilot,
            lambda: f"Approved PublishInvoices of run {PAUSED[:8]} of invoice-approval; the run is now Completed"
            in notifications(app),
            what="the outcome, in the dashboard's words",
        )
        await wait_for(pilot, lambda: table.row_count == 0, what="the inbox to empty")
    assert len(posts(emulator, "/approve")) == 1


async def test_reject_from_the_inbox_fails_the_execution(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inbox(pilot, app)
        await pilot.press("d")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: server.emulator.execution_status(PAUSED) == "Failed", what="Failed")
        await wait_for(pilot, lambda: "; the run is now Failed" in notifications(app), what="the outcome")
        assert "Rejected PublishInvoices of run" in notifications(app)
    assert len(posts(server.emulator, "/reject")) == 1


async def test_no_and_escape_send_nothing(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inbox(pilot, app)
        for key in ("n", "escape"):
            await pilot.press("a")
            await wait_for_screen(pilot, app, ConfirmDialog)
            await pilot.press(key)
            await wait_for_screen(pilot, app, ApprovalInbox)
        await pilot.press("d", "enter")  # enter lands on the focused "No"
        await wait_for_screen(pilot, app, ApprovalInbox)
        await pilot.pause(0.3)
    assert posts(server.emulator) == []


async def test_rapid_repeats_send_exactly_one_approve(emulator_server) -> None:
    server = emulator_server(time_scale=0.2)
    emulator = server.emulator
    emulator.faults.latency = 0.5  # the answer is slow, as on a real server
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inbox(pilot, app)
        await pilot.press("a", "y", "a", "y", "a", "y")
        await wait_for(pilot, lambda: "Already approving" in notifications(app), what="the in-progress notice")
        emulator.faults.latency = 0
        await wait_for(pilot, lambda: emulator.execution_status(PAUSED) == "Completed", timeout=30)
        await pilot.pause(0.5)
    assert len(posts(emulator, "/approve")) == 1


async def test_approve_shows_in_progress_in_the_detail_view(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inbox(pilot, app)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        tree = app.screen.query_one(TaskTree)
        await wait_for(pilot, lambda: tree.selected_key == "PublishInvoices", what="the gated task selected")
        assert "waiting" in tree.get_cell("PublishInvoices", "task").plain
        emulator.faults.latency = 1.0
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        info = app.screen.query_one("#exec-info")
        await wait_for(pilot, lambda: "approving" in info.render().plain, what="approving… in the header")
        emulator.faults.latency = 0
        await wait_for(pilot, lambda: emulator.execution_status(PAUSED) == "Completed", timeout=30)


async def test_cancel_a_running_execution(emulator_server) -> None:
    server = emulator_server(time_scale=1.0, seed=False)
    emulator = server.emulator
    workflow_id, execution_id = running_slow_run(emulator)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionsView(workflow_id), top_level=True)
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("c")
        await wait_for_screen(pilot, app, ConfirmDialog)
        # Beside "No (n)", a bare "Cancel" reads as backing out of the dialog.
        assert str(app.screen.query_one("#yes").label) == "Cancel run (y)"
        await pilot.press("y")
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Failed", what="Failed")
        await wait_for(pilot, lambda: "Failed" in table.get_cell(execution_id, "status").plain, what="shown Failed")
    assert emulator.task_statuses(execution_id) == {"Sleep": "Canceled"}


async def test_a_cancelled_runs_task_is_not_called_stale_before_the_tasks_are_read_again(emulator_server) -> None:
    # The cancel's answer says the run Failed at once; its task list, read before, still says
    # Running: "▶ Running stale" (quirk Q7's mark, a task left running in a finished run) for
    # as long as the next read of the tasks took.
    server = emulator_server(time_scale=1.0, seed=False)
    emulator = server.emulator
    workflow_id, execution_id = running_slow_run(emulator)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = await open_task_tree(pilot, app, workflow_id, execution_id)
        info = app.screen.query_one("#exec-info")
        await wait_for(pilot, lambda: tree.row_count == 1 and "Running" in tree.get_cell("Sleep", "status").plain)
        emulator.faults = Faults.parse("latency=3,only=/tasks$")
        await pilot.press("c")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Failed" in info.render().plain, what="the run shown Failed")
        for _ in range(40):
            status = tree.get_cell("Sleep", "status").plain
            assert "stale" not in status, status
            await pilot.pause(0.1)
        emulator.faults = Faults()
        await wait_for(pilot, lambda: "Canceled" in tree.get_cell("Sleep", "status").plain, timeout=15, what="its task read")


async def test_keys_on_empty_lists_say_there_is_nothing_to_act_on(emulator_server) -> None:
    server = emulator_server(frozen=True, seed=False)
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.services.status.connection.state == "ok", what="the empty list read")
        await pilot.press("x")  # it did nothing and said nothing
        await wait_for(pilot, lambda: "No workflow is listed here: nothing to start." in notifications(app), what="why")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        await pilot.press("c")
        await wait_for(pilot, lambda: "No execution is listed here." in notifications(app), what="why")
        assert not isinstance(app.screen, ConfirmDialog)
    assert posts(server.emulator) == []


async def test_an_empty_inbox_offers_no_decision_and_says_why(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_inbox(pilot, app)
        await wait_for(pilot, lambda: "Approve" in footer_keys(app), what="approve offered on the approval")
        await pilot.press("slash", *"nothing-like-this", "enter")
        await wait_for(pilot, lambda: "Help" in footer_keys(app) and "Approve" not in footer_keys(app), what="approve gone")
        assert "Reject" not in await footer_now(pilot, app)
        await pilot.press("a", "a", "a")
        await pilot.pause(0.2)
        # Said once: pressed again while it shows, the same toast is not stacked on it.
        said = [n.message for n in app.notices]
        assert said.count("No approval the filter shows waits here: nothing to approve.") == 1, said
        assert not isinstance(app.screen, ConfirmDialog)
    assert not [r for r in server.emulator.requests.snapshot() if r.method == "POST"]


async def test_a_finished_run_offers_no_cancel_and_says_why(emulator_server) -> None:
    server = emulator_server(frozen=True)
    emulator = server.emulator
    execution_id = next(
        e.id for e in emulator.store.executions()
        if e.workflow_id == NIGHTLY and emulator.execution_status(e.id) == "Completed"
    )
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        app.navigate(ExecutionsView(NIGHTLY), top_level=True)
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.select_key(execution_id), what="the finished run's row")
        await pilot.press("c")
        await pilot.pause(0.2)
        # Said at once, no question: the server would answer 404 "not found" (FSX2435).
        assert not isinstance(app.screen, ConfirmDialog)
        said = f"Nothing to cancel: run {execution_id[:8]} of nightly-csv-export has completed."
        assert said in notifications(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await wait_for(pilot, lambda: app.screen.snapshot.details is not None, what="the details")
        await pilot.pause(0.2)
        keys = await footer_now(pilot, app)
        assert "Cancel run" not in keys and "Approve" not in keys
        app.clear_notifications()  # the toasts said on the list (a repeat shown meanwhile is not stacked)
        app.notices.clear()
        await pilot.press("c", "a")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmDialog)
        assert said in notifications(app)
        assert "Nothing to approve: this run is Completed, not waiting for a decision." in notifications(app)
    assert posts(emulator) == []


async def test_a_paused_run_offers_its_decision_and_cancel(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(INVOICE, PAUSED), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await wait_for(pilot, lambda: "Approve" in footer_keys(app), what="approve in the footer")
        assert "Reject" in footer_keys(app) and "Cancel run" in footer_keys(app)
        await pilot.press("o")  # the log pane, with its nine keys
        await pilot.pause(0.3)
        last_line = screen_text(app).splitlines()[-1]
        for words in ("? Help", "q Quit", "a Approve", "d Reject", "c Cancel run", "esc Back"):
            assert words in last_line, last_line
        await pilot.press("c")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("n")
    assert posts(server.emulator) == []


async def test_a_paused_run_whose_approval_cannot_be_read_offers_no_decision(emulator_server) -> None:
    server = emulator_server(frozen=True, faults=Faults(only=r"/approvals$", error_rate=1.0))
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        app.navigate(ExecutionView(INVOICE, PAUSED), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await wait_for(pilot, lambda: app.screen.snapshot.details is not None, what="the run's details")
        await pilot.pause(0.3)
        assert "Cancel run" in footer_keys(app)
        assert "Approve" not in footer_keys(app) and "Reject" not in footer_keys(app)
        await pilot.press("a")
        await pilot.pause(0.2)
        # Why: "No pending approval is known" read as none waiting, while every read of them failed.
        assert "Its approvals could not be read (HTTP 50" in notifications(app), notifications(app)
        server.emulator.faults.error_rate = 0.0
        await wait_for(pilot, lambda: "Approve" in footer_keys(app), what="approve offered once it is read")
    assert posts(server.emulator) == []


async def test_a_running_run_gone_from_the_server_stops_its_clock_in_the_task_tree_too(emulator_server) -> None:
    server = emulator_server(time_scale=1.0, seed=False, fidelity="real")
    emulator = server.emulator
    slow, execution_id = running_slow_run(emulator)
    app = make_app(server.url, refresh=0.3)
    async with app.run_test(size=(160, 40)) as pilot:
        app.navigate(ExecutionView(slow, execution_id), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        tree = screen.query_one(TaskTree)
        await wait_for(pilot, lambda: tree.has_row("Sleep") and "Running" in tree.get_cell("Sleep", "status").plain)
        emulator.delete_workflow(slow)
        await wait_for(pilot, lambda: screen.gone is not None, what="the run said gone")
        await pilot.pause(0.2)
        drawn = [tree.get_cell("Sleep", column).plain for column in ("duration", "timeline")]
        await pilot.pause(2.2)
        # Its duration stopped where it was last seen; the task's kept counting.
        assert [tree.get_cell("Sleep", column).plain for column in ("duration", "timeline")] == drawn


async def test_a_run_a_reset_server_lost_keeps_its_tasks_as_last_read(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url, refresh=0.3)
    async with app.run_test(size=(160, 40)) as pilot:
        app.navigate(ExecutionView(INVOICE, PAUSED), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        tree = screen.query_one(TaskTree)
        await wait_for(pilot, lambda: tree.has_row("ExtractInvoices") and "Completed" in tree.get_cell("ExtractInvoices", "status").plain)
        server.emulator.forget_execution(PAUSED)  # its tasks route now answers an empty list
        await wait_for(pilot, lambda: screen.gone is not None, what="the run said gone")
        await pilot.pause(1.0)
        # What was last read stays: every task read "? unknown".
        assert "Completed" in tree.get_cell("ExtractInvoices", "status").plain


async def test_a_run_the_server_no_longer_has_is_said_gone_not_a_server_outage(emulator_server) -> None:
    server = emulator_server(frozen=True, fidelity="real")
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        app.navigate(ExecutionView(INVOICE, PAUSED), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        await wait_for(pilot, lambda: "Approve" in footer_keys(app), what="approve in the footer")
        # Its workflow deleted: v1.3.0 keeps the run listed, its details answer 404 (Q11).
        server.emulator.delete_workflow(INVOICE)
        info = screen.query_one("#exec-info")
        await wait_for(pilot, lambda: "no longer on the server (404" in info.render().plain, what="the run said gone")
        await wait_for(pilot, lambda: "Help" in footer_keys(app) and "Approve" not in footer_keys(app), what="approve off")
        assert "Cancel run" not in footer_keys(app)
        assert "Paused" in info.render().plain  # the last that was read stays
        header = app.screen.query_one("StatusHeader").render().plain
        assert "● connected" in header and "error" not in header, header
        assert "(404: [FSX2436]" in info.render().plain  # the code once, not "404: HTTP 404:"
        await pilot.press("a", "c")
        await pilot.pause(0.2)
        assert f"Run {PAUSED[:8]} is no longer on the server: there is nothing to approve." in notifications(app)
        assert f"Run {PAUSED[:8]} is no longer on the server: there is nothing to cancel." in notifications(app)
        drawn = info.render().plain
        await pilot.pause(1.2)
        assert info.render().plain == drawn  # its duration no longer counts
        app.navigate(ExecutionsView(None), top_level=True)
        await wait_for_screen(pilot, app, ExecutionsScreen)
        runs = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: runs.has_row(PAUSED), what="the run listed still (Q11)")
        await wait_for(
            pilot, lambda: runs.get_cell(PAUSED, "workflow").plain == "workflow unknown (deleted?)", what="its workflow gone"
        )
        inbox = await open_inbox(pilot, app)
        assert inbox.get_cell_at((0, 1)).plain == "workflow unknown (deleted?)"  # not its bare id
    assert posts(server.emulator) == []


async def test_start_puts_the_new_execution_on_top_with_the_cursor(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5)
        table.select_key(NIGHTLY)
        before = {e.id for e in emulator.store.executions()}
        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        (new_id,) = {e.id for e in emulator.store.executions()} - before
        runs = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: runs.keys and runs.keys[0] == new_id and runs.selected_key == new_id)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        assert app.screen.execution_id == new_id
    assert len(posts(emulator, "/executions")) == 1


async def test_read_only_sends_no_post(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5)
        await pilot.press("x", "y")
        assert "Read-only session" in notifications(app)
        assert "Start" not in await footer_now(pilot, app)
        inbox = await open_inbox(pilot, app)
        assert inbox.row_count == 1
        await pilot.press("a", "y", "d", "y")
        await pilot.pause(0.3)
        assert "read-only" in app.screen.query_one("StatusHeader").render().plain
    assert posts(server.emulator) == []


async def test_someone_else_decided_first_is_explained(emulator_server) -> None:
    server = emulator_server(frozen=True)
    # No read between the other decision and "y": one would withdraw the question (a test
    # of its own), and the server's refusal is what is explained here.
    app = make_app(server.url, refresh=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inbox(pilot, app)
        # Another operator rejects it first, outside this dashboard.
        approval = app.services.overview.approvals.all()[0]
        httpx.post(f"{server.url}/workflows/{INVOICE}/executions/{PAUSED}/approvals/{approval.id}/reject")
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: "Someone else decided first" in notifications(app), what="the explanation")
        assert "[FSX2441]" in notifications(app)
        assert "The run is now Failed." in notifications(app), notifications(app)  # what their reject did
        assert app.is_running


async def test_a_gate_the_server_refuses_for_good_is_marked_stuck_and_asking_again_warns(emulator_server) -> None:
    # Quirk Q2: v1.3.0 decides only the first approval of a run; the second gate stayed ⚑
    # after the refusal, and "a" asked the same question again without a word.
    server = emulator_server(time_scale=0.05)
    gate = {"Execution": {"Parameters": {"emulator": {"seconds": 0.2}}}}
    workflow = server.emulator.add_workflow({"Name": "two-gates", "Tasks": [
        {"Name": "GateOne", "Type": "Demo:1.0", "ManualApproval": {"Enabled": True, "Comment": "one"}, **gate},
        {"Name": "GateTwo", "Type": "Demo:1.0", "Dependencies": ["GateOne"],
         "ManualApproval": {"Enabled": True, "Comment": "two"}, **gate},
    ]})
    execution = server.emulator.start_execution(workflow)
    server.emulator.wait_for_status(execution, "Paused")
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        table = await open_inbox(pilot, app, approvals=2)
        first = next(a.id for a in app.services.overview.approvals.all() if a.task_name == "GateOne")
        table.select_key(first)
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: any(a.task_name == "GateTwo" for a in app.services.overview.approvals.all())
                       and first not in table.keys, timeout=15, what="the second gate")
        second = next(a.id for a in app.services.overview.approvals.all() if a.task_name == "GateTwo")
        table.select_key(second)
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: "decides only the first approval" in notifications(app), what="the refusal")
        await wait_for(pilot, lambda: table.get_cell(second, "state").plain == "✘ stuck", what="the row marked")
        # The header counts it apart: it waits for ever.
        await wait_for(pilot, lambda: re.search(r"⚑ \d+ approvals? waiting \(1 stuck\)", screen_text(app)),
                       timeout=15, what="the header's count")
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        said = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "⚠ The server refused to decide this gate at" in said and "It will refuse again." in said, said


async def test_missing_role_is_explained(emulator_server) -> None:
    server = emulator_server(frozen=True, auth="basic")
    # No read with the new credentials before "y": the approvals hidden from them would
    # withdraw the question, and the server's 403 is what is explained here.
    app = make_app(server.url, credentials=BasicCredentials("admin", "admin"), refresh=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inbox(pilot, app)
        # The operator's roles were narrowed mid-session: now a viewer.
        app.services.client.set_credentials(BasicCredentials("viewer", "viewer"))
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: "Permission denied" in notifications(app), what="the 403 explanation")
        assert "admin or approvals" in notifications(app)
        assert app.is_running


async def test_a_new_pending_approval_raises_a_notification(emulator_server) -> None:
    server = emulator_server(time_scale=0.05, workers=2)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        # The first sweep over every workflow done: what it finds was waiting at start.
        await wait_for(
            pilot,
            lambda: app.approvals_swept and len(app.services.overview.approvals.all()) == 1,
            what="the first sweep and the seeded approval",
        )
        assert "New approval" not in " ".join(str(n.title) for n in app.notices)
        execution_id = server.emulator.start_execution(INVOICE)
        server.emulator.wait_for_status(execution_id, {"Paused"}, timeout=15)
        await wait_for(pilot, lambda: len(app.services.overview.approvals.all()) == 2, what="the new approval")
        # The overview knows it before its cycle ends and tells the screens: wait for them.
        await wait_for(
            pilot,
            lambda: "New approval" in " ".join(str(n.title) for n in app.notices),
            what="a notice of the new approval",
        )
        await wait_for(
            pilot,
            lambda: "2 approvals waiting" in app.screen.query_one("StatusHeader").render().plain,
            what="the header's count",
        )


async def test_a_new_approval_told_in_the_inbox_points_at_the_list_not_at_its_key(emulator_server) -> None:
    # "Press 3 for the inbox" to an operator looking at the inbox.
    server = emulator_server(time_scale=0.05, workers=2)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_inbox(pilot, app)
        await wait_for(pilot, lambda: app.approvals_swept and table.row_count == 1, what="the seeded approval listed")
        execution_id = server.emulator.start_execution(INVOICE)
        server.emulator.wait_for_status(execution_id, {"Paused"}, timeout=15)
        await wait_for(pilot, lambda: "New approval" in " ".join(str(n.title) for n in app.notices), what="the notice")
        told = next(str(n.message) for n in app.notices if n.title == "New approval")
        assert told.endswith("waits for approval. It is in the list."), told
        await wait_for(pilot, lambda: table.row_count == 2, what="its row")


async def test_an_approve_waiting_for_its_answer_keeps_its_row_in_the_inbox(emulator_server) -> None:
    # v1.3.0 takes the decision at once (the approval is no longer pending) and answers when
    # the resumed run stops: the row vanished at the next poll, and the operator could not
    # tell for minutes whether the approve had been received.
    server = emulator_server(time_scale=1.0)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await open_inbox(pilot, app)
        approval_id = table.selected_key
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.services.overview.approvals.all(), what="the approval no longer pending")
        assert app.services.actions.in_flight, "the answer is still on its way"
        assert table.keys == [approval_id]
        assert "approving" in table.get_cell(approval_id, "state").plain
        title = app.screen.query_one("#title").render().plain
        assert title.startswith("Approvals waiting (1) · 1 decision sent, waiting for the server's answer"), title
        await wait_for(pilot, lambda: "Approved PublishInvoices" in notifications(app), timeout=30, what="the answer")
        await wait_for(pilot, lambda: table.row_count == 0, what="the row gone with the answer")
    assert len(posts(server.emulator, "/approve")) == 1


async def test_a_start_the_server_answers_with_an_error_is_said_in_words_once(emulator_server) -> None:
    from flowsynx_tui.emulator import Faults

    # The toast was the client's route: "POST /workflows/c9f9…-97cc-81589277324e/executio" and
    # "ns: HTTP 500: …" on the next line, naming neither the workflow nor what became of it.
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5)
        table.select_key(NIGHTLY)
        server.emulator.faults = Faults.parse(f"error_rate=1,only=^/workflows/{NIGHTLY}/executions$")
        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: any(n.title == "Start failed" for n in app.notices), what="the failure")
        said = next(n.message for n in app.notices if n.title == "Start failed")
        assert re.match(r"nightly-csv-export: The server answered HTTP 50[03]: \S", said), said  # 500 or 503
        assert "may or may not have been applied" in said and "not sent again" in said
        assert "/workflows/" not in said and NIGHTLY not in said
    assert len(posts(server.emulator, "/executions")) == 1


async def test_a_confirmation_shows_its_own_keys_in_the_footer(emulator_server) -> None:
    # The footer under it offered the screen's keys (a Approve, d Reject); in a short
    # terminal the dialog's buttons scroll out of sight.
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(60, 18)) as pilot:
        await open_inbox(pilot, app)
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.pause(0.2)
        bottom = screen_text(app).splitlines()[-1]
        assert "y Yes" in bottom and "n No" in bottom and "Approve" not in bottom, bottom
        await pilot.press("n")
        await wait_for_screen(pilot, app, ApprovalInbox)
    assert posts(server.emulator) == []


async def test_the_approve_dialog_shows_the_whole_comment(emulator_server) -> None:
    # The comment is what the approver is asked to check: it was cut at 200 characters (now
    # at 1,000, the most any screen shows of one field).
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    comment = "Check the totals against the ledger, " * 12 + "and only then approve."
    workflow_id = emulator.add_workflow(
        {"Name": "long comment", "Tasks": [
            {"Name": "Gate", "Type": "Demo:1.0", "ManualApproval": {"Enabled": True, "Comment": comment}},
        ]}
    )
    execution_id = emulator.start_execution(workflow_id)
    app = make_app(server.url)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Paused", what="the gate")
        table = await open_inbox(pilot, app, approvals=2)
        table.select_key(next(a.id for a in app.services.overview.approvals.all() if a.execution_id == execution_id))
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        shown = " ".join(str(line.render()) for line in app.screen.query(".confirm-line"))
        assert f"Comment: {comment}" in shown
        await pilot.press("n")
    assert posts(emulator, "/approve") == []


async def test_keys_pressed_while_a_start_is_on_its_way_keep_the_user_where_they_are(emulator_server) -> None:
    # "x y j x": the answer took the user to the started workflow's runs, where j x asked
    # to start that workflow again. Without keys since, the new run is shown as before.
    from flowsynx_tui.screens.workflows import WorkflowsScreen

    server = emulator_server(frozen=True)
    server.emulator.faults = Faults.parse("latency=0.5,only=/executions$")
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, timeout=10, what="the workflows")
        await pilot.press("x", "y", "j")
        await wait_for(pilot, lambda: any(n.title == "Start sent" for n in app.notices), timeout=10, what="the answer")
        await pilot.pause(0.3)
        assert isinstance(app.screen, WorkflowsScreen) and table.cursor_row == 1
        await pilot.press("x", "y")
        await wait_for_screen(pilot, app, ExecutionsScreen, timeout=10)


async def test_a_decision_shows_what_became_of_the_run_on_its_screen_with_the_toast(emulator_server) -> None:
    # The run's own screen read its tasks again after the answer, and on a slow server that
    # took seconds: the toast said "now Failed" over a screen that said Paused.
    server = emulator_server(time_scale=0.05)
    app = make_app(server.url, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(INVOICE, PAUSED), top_level=True)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        info = app.screen.query_one("#exec-info")
        await wait_for(pilot, lambda: "Paused" in info.render().plain, what="the run paused")
        await wait_for(pilot, lambda: "Reject" in footer_keys(app), what="reject offered")
        server.emulator.faults = Faults.parse("latency=3,only=/tasks$")
        await pilot.press("d")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: "; the run is now Failed" in notifications(app), what="the outcome")
        shown = info.render().plain
        assert "Failed" in shown and "Paused" not in shown and "waiting for approval" not in shown, shown
        # Nor does the read that was on its way when the answer came (it read Paused before
        # the reject) put Paused back when it lands, 3 s later.
        for _ in range(45):
            await pilot.pause(0.1)
            shown = info.render().plain
            assert "Failed" in shown and "Paused" not in shown and "waiting for approval" not in shown, shown
