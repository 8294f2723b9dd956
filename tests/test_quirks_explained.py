"""Every FlowSynx v1.3.0 quirk the dashboard meets is explained in words, not shown as a
failure: empty log lists (Q3), optional routes that fail, missing roles, ids that share
their first characters. Pilot over real HTTP against the emulator, mostly its ``real``
profile.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowsynx_tui.api import BasicCredentials
from flowsynx_tui.emulator import Faults, seed
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.testing import footer_now, make_app, screen_text, wait_for, wait_for_screen
from flowsynx_tui.text import PrefixLabels, unique_prefixes
from flowsynx_tui.widgets.logview import LogPane
from flowsynx_tui.widgets.status_header import StatusHeader

NIGHTLY = seed.workflow_id("nightly-csv-export")


def header(app) -> str:  # noqa: ANN001
    return app.screen.query_one(StatusHeader).render().plain


async def watch_header(pilot, app, seconds: float) -> set[str]:  # noqa: ANN001
    """The connection word of the header every 0.1 s for ``seconds``."""
    seen = set()
    for _ in range(int(seconds * 10)):
        await pilot.pause(0.1)
        text = header(app)
        seen.add("connected" if "● connected" in text else text)
    return seen


async def test_an_empty_log_list_says_why(emulator_server) -> None:
    server = emulator_server(frozen=True, fidelity="real", auth="basic")
    execution_id = seed.execution_id("nightly-csv-export", 1)
    app = make_app(server.url, credentials=BasicCredentials("admin", "admin"))
    async with app.run_test(size=(160, 48)) as pilot:
        app.navigate(ExecutionView(NIGHTLY, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.logs_complete, what="the (empty) logs read")
        assert screen.query_one(LogPane).line_count == 0
        await pilot.pause(0.2)
        text = " ".join(screen_text(app).split())
        assert "No log lines from the server" in text
        assert "System" in text and "signed in as admin" in text


async def test_logs_that_exist_hide_the_note(emulator_server) -> None:
    server = emulator_server(frozen=True)  # friendly: the engine's lines are the caller's
    execution_id = seed.execution_id("nightly-csv-export", 1)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        app.navigate(ExecutionView(NIGHTLY, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.logs_complete, what="the logs read")
        assert screen.query_one(LogPane).line_count > 0
        assert "No log lines from the server" not in screen_text(app)


async def test_metrics_refused_is_unavailable_not_a_connection_error(emulator_server) -> None:
    server = emulator_server(frozen=True)
    server.emulator.faults = Faults.parse("error_rate=1,only=^/metrics$")
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: "metrics unavailable" in header(app), what="metrics unavailable")
        assert await watch_header(pilot, app, 2.0) == {"connected"}
        assert "metrics unavailable" in header(app)


async def test_a_user_without_the_workflows_role_gets_one_stable_explanation(emulator_server) -> None:
    server = emulator_server(frozen=True, fidelity="real", auth="basic")
    app = make_app(server.url, credentials=BasicCredentials("viewer", "viewer"), refresh=0.2)
    async with app.run_test(size=(160, 48)) as pilot:
        title = app.screen.query_one("#title")
        await wait_for(pilot, lambda: "workflows hidden" in str(title.render()), what="the missing role named")
        assert "admin or workflows" in str(title.render())
        assert await watch_header(pilot, app, 2.0) == {"connected"}
        # No workflow to start: x is not offered over the empty list, and says why.
        assert "Start" not in await footer_now(pilot, app)
        await pilot.press("x")
        await wait_for(pilot, lambda: any("nothing to start" in n.message for n in app.notices), what="why not")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        # v1.3.0 lists executions without a workflow id: the viewer still sees them.
        runs = app.screen.query_one("KeyedTable")
        await wait_for(pilot, lambda: runs.row_count > 0, what="the executions")
        # x on a run: its workflow is what is unknown, not the selection ("Select an execution").
        await pilot.press("x")
        await wait_for(pilot, lambda: any(n.message.startswith("Cannot start: the run's workflow is unknown: workflows "
                                                               "hidden") for n in app.notices), what="why not")
        # Their workflows cannot be known: said in the title, not "…" (still looking) for ever.
        await wait_for(pilot, lambda: "workflows hidden" in str(app.screen.query_one("#title").render()), what="why")
        assert {runs.get_cell(key, "workflow").plain for key in runs.keys} == {"–"}
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        inbox_title = app.screen.query_one("#title")
        await wait_for(pilot, lambda: "Approvals waiting (unknown) · needs the role admin or workflows to find the "
                       "approvals of 1 paused run" in str(inbox_title.render()), what="why")
        assert "looking for paused executions" not in str(inbox_title.render())
    notices = [n.title for n in app.notices]
    assert notices.count("Missing role") <= 2, notices  # named once each, not every cycle


async def test_a_user_with_no_data_role_stays_connected_and_is_told_why(emulator_server) -> None:
    server = emulator_server(frozen=True, fidelity="real", auth="basic")
    app = make_app(server.url, credentials=BasicCredentials("user", "user"), refresh=0.2)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        title = app.screen.query_one("#title")
        await wait_for(pilot, lambda: "executions hidden" in str(title.render()), what="why there are no executions")
        assert await watch_header(pilot, app, 2.0) == {"connected"}


async def test_a_server_that_lists_per_workflow_says_what_a_missing_workflows_role_hides(emulator_server) -> None:
    server = emulator_server(frozen=True, fidelity="real", auth="basic", execution_list="by-workflow")
    app = make_app(server.url, credentials=BasicCredentials("viewer", "viewer"), refresh=0.2)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        title = app.screen.query_one("#title")
        await wait_for(pilot, lambda: "lists executions per workflow" in str(title.render()), what="the reason")
        assert "looking for paused executions" not in str(title.render())


@given(st.lists(st.text(alphabet="0af-", min_size=1, max_size=12), max_size=30))
def test_short_ids_are_unique_prefixes_of_at_least_eight(identifiers: list[str]) -> None:
    labels = unique_prefixes(identifiers)
    assert set(labels) == set(identifiers)
    for identifier, label in labels.items():
        assert identifier.startswith(label) and len(label) >= min(8, len(identifier))
    distinct = set(identifiers)
    # Two different ids never share a label, unless one id is a prefix of the other.
    for a in distinct:
        for b in distinct:
            if a != b and not a.startswith(b) and not b.startswith(a):
                assert labels[a] != labels[b] and not b.startswith(labels[a])


@given(
    st.lists(st.text(alphabet="0af-", min_size=1, max_size=12), max_size=20),
    st.lists(st.text(alphabet="0af-", min_size=1, max_size=12), max_size=8),
)
def test_short_ids_of_new_executions_are_labelled_as_if_all_were_labelled_again(
    known: list[str], new: list[str]
) -> None:
    labels = PrefixLabels(known)
    before = dict(labels.labels)
    relabelled = labels.add(new)
    assert labels.labels == unique_prefixes(known + new)
    assert relabelled == {i for i in before if before[i] != labels.labels[i]}


def test_ids_that_share_their_first_characters_get_longer_labels() -> None:
    ids = ["00000000-0000-0000-0000-00000000a001", "00000000-0000-0000-0000-00000000a002", "7f3c2b10-aaaa"]
    labels = unique_prefixes(ids)
    assert labels[ids[0]] != labels[ids[1]]
    assert labels["7f3c2b10-aaaa"] == "7f3c2b10"


# ------------------------------------------------------------------ actions on v1.3.0


def gate(name: str, after: str | None = None, **execution: object) -> dict:
    task: dict = {"Name": name, "Type": "Demo:1.0", "ManualApproval": {"Enabled": True, "Comment": f"check {name}"}}
    if after:
        task["FlowControl"] = {"Dependencies": [after]}
    if execution:
        task["Execution"] = {"Parameters": {"emulator": execution}}
    return task


def step(name: str, after: str, **hints: object) -> dict:
    return {"Name": name, "Type": "Demo:1.0", "Execution": {"Parameters": {"emulator": {"seconds": 0.5, **hints}}},
            "FlowControl": {"Dependencies": [after]}}


def toasts(app) -> str:  # noqa: ANN001
    return " | ".join(n.message for n in app.notices)


async def decide_in_inbox(pilot, app, key: str, rows: int = 1) -> None:  # noqa: ANN001
    from flowsynx_tui.screens.confirm import ConfirmDialog

    await pilot.press("3")
    await wait_for_screen(pilot, app, ApprovalInbox)
    inbox = app.screen.query_one("KeyedTable")
    await wait_for(pilot, lambda: inbox.row_count == rows, timeout=20, what="the pending approval")
    await pilot.press(key)
    await wait_for_screen(pilot, app, ConfirmDialog)
    await pilot.press("y")


async def test_cancel_of_a_paused_run_says_it_is_still_paused(emulator_server) -> None:
    from flowsynx_tui.screens.confirm import ConfirmDialog

    server = emulator_server(time_scale=0.05, seed=False, fidelity="real")
    emulator = server.emulator
    workflow_id = emulator.add_workflow({"Name": "held", "Tasks": [gate("Hold")]})
    execution_id = emulator.start_execution(workflow_id)
    app = make_app(server.url, refresh=0.3)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Paused", what="the run at its gate")
        app.navigate(ExecutionView(workflow_id, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.snapshot.details and screen.snapshot.details.status.value == "Paused")
        await pilot.press("c")
        await wait_for_screen(pilot, app, ConfirmDialog)
        asked = " ".join(str(line.render()) for line in app.screen.query("Static"))
        assert "does not cancel a paused run. It answers that it did (the run stays paused), or 404" in asked
        assert "Rejecting its approval is what ends it" in asked
        await pilot.press("y")
        await wait_for(pilot, lambda: "still Paused" in toasts(app), what="the outcome")
        assert "Reject its approval (on the run's screen or in the inbox)" in toasts(app)
        assert emulator.execution_status(execution_id) == "Paused"
        # Again: the server's cancel for it is used up, and it answers 404. That was told as
        # "only running executions can be cancelled", of a run whose cancel it had just taken.
        await pilot.press("c")
        await wait_for_screen(pilot, app, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: "The server has no cancel for this paused run (one paused before it started, "
                       "or cancelled once already): it stays Paused." in toasts(app), what="the second outcome")
        assert "only running executions" not in toasts(app)
    cancels = [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/cancel")]
    assert [c.status for c in cancels] == [200, 404]


async def test_a_second_gate_that_cannot_be_decided_is_explained(emulator_server) -> None:
    server = emulator_server(time_scale=0.05, seed=False, fidelity="real")
    emulator = server.emulator
    workflow_id = emulator.add_workflow({"Name": "two-gates", "Tasks": [gate("First"), gate("Second", after="First")]})
    execution_id = emulator.start_execution(workflow_id)
    app = make_app(server.url, refresh=0.3)
    async with app.run_test(size=(160, 48)) as pilot:
        await decide_in_inbox(pilot, app, "a")
        await wait_for(pilot, lambda: "paused again" in toasts(app), timeout=20, what="paused at the second gate")
        approvals = app.services.overview.approvals
        await wait_for(pilot, lambda: [a.task_name for a in approvals.all()] == ["Second"], timeout=20)
        await decide_in_inbox(pilot, app, "a")
        await wait_for(pilot, lambda: "first approval of an execution" in toasts(app), timeout=20, what="Q2 explained")
        assert "Someone else decided first" not in toasts(app)
        assert emulator.execution_status(execution_id) == "Paused"


async def test_an_approved_run_that_then_fails_is_reported_failed(emulator_server) -> None:
    server = emulator_server(time_scale=0.05, seed=False, fidelity="real")
    emulator = server.emulator
    workflow_id = emulator.add_workflow(
        {"Name": "doomed", "Tasks": [gate("Check"), step("Boom", after="Check", fail=True, failMessage="disk full")]}
    )
    execution_id = emulator.start_execution(workflow_id)
    app = make_app(server.url, refresh=0.3)
    async with app.run_test(size=(160, 48)) as pilot:
        await decide_in_inbox(pilot, app, "a")
        await wait_for(pilot, lambda: "the run then failed" in toasts(app), timeout=20, what="Failed reported")
        assert "executed successfully" not in toasts(app)
        assert emulator.execution_status(execution_id) == "Failed"


@pytest.mark.parametrize("live", [False, True])
async def test_tasks_run_again_after_an_approval_are_marked_as_a_rerun(emulator_server, live: bool) -> None:
    # Live, the hub's "Running" for the task came before the read that shows its new start,
    # and the re-run went unmarked.
    from flowsynx_tui.widgets.task_tree import TaskTree

    server = emulator_server(time_scale=0.05, seed=False, fidelity="real")
    emulator = server.emulator
    before = {"Name": "Prepare", "Type": "Demo:1.0", "Execution": {"Parameters": {"emulator": {"seconds": 1}}}}
    workflow_id = emulator.add_workflow(
        {"Name": "rerun", "Tasks": [before, gate("Check", after="Prepare"), step("Publish", after="Check")]}
    )
    execution_id = emulator.start_execution(workflow_id)
    app = make_app(server.url, refresh=0.2, live=live)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: emulator.execution_status(execution_id) == "Paused", what="the run at its gate")
        if live:
            await wait_for(pilot, lambda: app.services.status.updates == "live", what="the hub connected")
        app.navigate(ExecutionView(workflow_id, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        tree = screen.query_one(TaskTree)
        await wait_for(
            pilot, lambda: screen.snapshot.approvals and tree.has_row("Prepare"), what="the pending approval and the tasks"
        )
        assert "run 2" not in tree.get_cell("Prepare", "task").plain
        await pilot.press("a")
        await pilot.pause(0.3)
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.snapshot.final, timeout=20, what="the run finished")
        # Quirk Q6: v1.3.0 ran Prepare again after the approval; its row says so.
        await wait_for(pilot, lambda: "↻ run 2" in tree.get_cell("Prepare", "task").plain, what="the re-run marked")
        assert "run 2" not in tree.get_cell("Publish", "task").plain


async def test_a_task_still_running_in_a_finished_execution_is_marked_stale(emulator_server) -> None:
    from flowsynx_tui.widgets.task_tree import TaskTree

    server = emulator_server(frozen=True)
    emulator = server.emulator
    execution_id = seed.execution_id("nightly-csv-export", 1)
    task = emulator.store.tasks(execution_id)[-1]
    with emulator.store.lock:
        # Quirk Q7: a task whose plugin could not be loaded stays Running in a failed run.
        task.status = "Running"
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        app.navigate(ExecutionView(NIGHTLY, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        tree = app.screen.query_one(TaskTree)
        await wait_for(pilot, lambda: task.name in tree.keys, what="the task rows")
        await wait_for(pilot, lambda: "stale" in tree.get_cell(task.name, "status").plain, what="marked stale")
        others = [name for name in tree.keys if name != task.name]
        assert not any("stale" in tree.get_cell(name, "status").plain for name in others)


async def test_an_empty_inbox_says_approvals_are_per_owner(emulator_server) -> None:
    server = emulator_server(frozen=True, fidelity="real", auth="basic", seed=False)
    server.emulator.add_workflow({"Name": "quiet", "Tasks": [gate("Check")]})
    app = make_app(server.url, credentials=BasicCredentials("admin", "admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        # Whole at 80 columns: it was cut before it said whose runs.
        await wait_for(pilot, lambda: "Approvals waiting (0) · none (you see only your own runs' approvals)"
                       in screen_text(app), what="why it is empty")


async def test_the_inbox_of_a_server_without_workflows_is_not_looking_for_ever(emulator_server) -> None:
    # A new server: no workflow, so no list of runs to read; it said "looking for paused
    # executions…" for as long as it was open.
    server = emulator_server(frozen=True, seed=False)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        await wait_for(pilot, lambda: "Approvals waiting (0) · none" in screen_text(app), what="nothing to wait for")


async def test_a_workflow_never_edited_is_not_given_the_servers_clock_as_its_age(emulator_server) -> None:
    # v1.3.0 dates every workflow never edited with its own clock at each answer (reference
    # 4, modifiedDate): as an age it read "0s ago" for ever.
    import httpx

    from flowsynx_tui.widgets.keyed_table import KeyedTable

    server = emulator_server(fidelity="real")
    app = make_app(server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.has_row(NIGHTLY), what="the workflows")
        assert {table.get_cell(key, "modified").plain for key in table.keys} == {"never"}
        definition = httpx.get(f"{server.url}/workflows/{NIGHTLY}").json()["data"]["workflow"]
        assert httpx.put(f"{server.url}/workflows/{NIGHTLY}", content=definition).status_code == 200
        await wait_for(pilot, lambda: str(table.get_cell(NIGHTLY, "modified")).endswith("s ago"), what="a real date")
        others = {table.get_cell(key, "modified").plain for key in table.keys if key != NIGHTLY}
        assert others == {"never"}
