"""The dashboard on every kind of server: one that lists executions across workflows
(FlowSynx v1.3.0, quirk Q1) and one that lists them per workflow (the original API page, a
fixed release), each as friendly or as unkind (``fidelity="real"``) as the emulator can be.
Pilot over real HTTP; what is on screen is compared with what the server holds.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from flowsynx_tui.emulator import EmulatorServer, seed
from flowsynx_tui.emulator.store import ExecutionRecord
from flowsynx_tui.format import STATUS_LOOK
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.services.overview import DELETED_WORKFLOW, ListMode
from flowsynx_tui.testing import make_app, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable

NIGHTLY = seed.workflow_id("nightly-csv-export")
WAREHOUSE = seed.workflow_id("warehouse-load")
KINDS = [
    pytest.param("all", "friendly", id="lists-all-friendly"),
    pytest.param("all", "real", id="lists-all-real"),
    pytest.param("by-workflow", "friendly", id="per-workflow-friendly"),
    pytest.param("by-workflow", "real", id="per-workflow-real"),
]
DETAILS = re.compile(r"^/workflows/[0-9a-f-]{36}/executions/[0-9a-f-]{36}$")


def cell(table: KeyedTable, row: str, column: str) -> str:
    value = table.get_cell(row, column)
    return getattr(value, "plain", str(value))


def runs_of(server: EmulatorServer) -> dict[str, list[ExecutionRecord]]:
    emulator = server.emulator
    by_workflow: dict[str, list[ExecutionRecord]] = defaultdict(list)
    for record in emulator.store.executions(emulator.admin.id):
        by_workflow[record.workflow_id].append(record)
    return by_workflow


def detail_lookups(server: EmulatorServer, since: int = 0) -> int:
    """GETs of one execution's details: how v1.3.0 finds an execution's workflow."""
    return sum(1 for r in server.emulator.requests.snapshot()[since:] if r.method == "GET" and DETAILS.match(r.path))


async def overview_settled(pilot, app) -> None:  # noqa: ANN001
    overview = app.services.overview
    await wait_for(
        pilot,
        lambda: overview.index.loaded and overview.index.unmatched == 0 and app.approvals_swept,
        timeout=20,
        what="every execution listed and matched",
    )


@pytest.mark.parametrize(("execution_list", "fidelity"), KINDS)
async def test_workflows_executions_and_inbox_match_the_server(emulator_server, execution_list, fidelity) -> None:
    server = emulator_server(frozen=True, execution_list=execution_list, fidelity=fidelity)
    runs = runs_of(server)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == len(runs), what="the workflows")
        await overview_settled(pilot, app)
        expected_mode = ListMode.ALL if execution_list == "all" else ListMode.BY_WORKFLOW
        assert app.services.overview.index.mode is expected_mode
        await pilot.pause(0.3)
        for workflow_id, records in runs.items():
            shown = cell(table, workflow_id, "runs")
            for status, count in Counter(r.status for r in records).items():
                assert f"{STATUS_LOOK[status][0]}{count}" in shown, (workflow_id, status, shown)

        table.select_key(NIGHTLY)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        nightly = sorted(runs[NIGHTLY], key=lambda r: r.start, reverse=True)
        executions = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: executions.keys == [r.id for r in nightly], what="the nightly runs, newest first")

        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        everything = sorted((r for records in runs.values() for r in records), key=lambda r: r.start, reverse=True)
        every = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: every.keys == [r.id for r in everything], what="every run, newest first")

        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        inbox = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: inbox.row_count == 1, what="the pending approval")
    if execution_list == "by-workflow":
        # The route says the workflow: no execution is looked up to find it.
        assert detail_lookups(server) == 0


@pytest.mark.parametrize("execution_list", ["all", "by-workflow"])
async def test_a_deleted_workflows_runs_are_probed_once_then_left_alone(emulator_server, execution_list) -> None:
    server = emulator_server(frozen=True, execution_list=execution_list, fidelity="real")
    emulator = server.emulator
    deleted = runs_of(server)[WAREHOUSE]
    emulator.delete_workflow(WAREHOUSE)
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(160, 48)) as pilot:
        await overview_settled(pilot, app)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        index = app.services.overview.index
        if execution_list == "all":
            # v1.3.0 keeps a deleted workflow's runs listed; no workflow answers for them.
            await wait_for(pilot, lambda: all(r.id in table.keys for r in deleted), what="the orphaned runs listed")
            assert {r.id for r in deleted} == index.orphans
            for record in deleted:
                assert cell(table, record.id, "workflow") == DELETED_WORKFLOW
        else:
            assert not any(r.id in table.keys for r in deleted)
        mark = len(emulator.requests)
        for _ in range(5):
            await pilot.pause(0.25)
        # Several steady cycles: not one more probe for them.
        assert detail_lookups(server, mark) == 0


async def test_a_server_that_stops_listing_per_workflow_is_not_mistaken(emulator_server) -> None:
    """A server with no execution yet cannot be told apart; the first run decides, and the
    dashboard never maps runs to workflows on a guess."""
    server = emulator_server(seed=False, time_scale=0.02)
    emulator = server.emulator
    first = emulator.add_workflow({"Name": "first", "Tasks": [{"Name": "A", "Type": "Demo:1.0"}]})
    second = emulator.add_workflow({"Name": "second", "Tasks": [{"Name": "B", "Type": "Demo:1.0"}]})
    app = make_app(server.url, refresh=0.2)
    async with app.run_test(size=(160, 48)) as pilot:
        index = app.services.overview.index
        await wait_for(pilot, lambda: index.loaded, what="an empty first read")
        assert index.mode is ListMode.UNKNOWN
        run = emulator.start_execution(second)
        await wait_for(pilot, lambda: index.workflow_of.get(run) == second, timeout=20, what="the run matched")
        assert index.mode is ListMode.ALL
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: re.search(r"[✔▶○]1", cell(table, second, "runs")), what="counted under second")
        assert cell(table, first, "runs") == "–"
