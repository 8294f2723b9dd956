"""Live updates in the dashboard (issue 12, section 1): what the hub pushes reaches the
screen at once, polling slows down but goes on, and a missing or dropped hub falls back to
polling and re-reads everything when it is back.

Real HTTP and WebSockets against the emulator. The tests that prove an update came from the
hub poll every 30 s (300 s while live), so polling cannot be what showed it.
"""

from __future__ import annotations

import re

import pytest

from flowsynx_tui.api import FlowSynxClient
from flowsynx_tui.emulator import EmulatorServer, Faults
from flowsynx_tui.emulator.bulk import populate
from flowsynx_tui.emulator.seed import workflow_id
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.services.live import LIVE, POLLING
from flowsynx_tui.testing import make_app, screen_text, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable

CSV = workflow_id("nightly-csv-export")
INVOICE = workflow_id("invoice-approval")
SLOW = 30.0
DETAILS = re.compile(r"^/workflows/[0-9a-f-]{36}/executions/([0-9a-f-]{36})$")


def details_reads(server: EmulatorServer, execution_id: str) -> int:
    return sum(
        1
        for r in server.emulator.requests.snapshot()
        if r.method == "GET" and (m := DETAILS.match(r.path.lower())) and m.group(1) == execution_id
    )


def requests_to(server: EmulatorServer, path: str, since: int = 0) -> int:
    return sum(1 for r in server.emulator.requests.snapshot()[since:] if r.path.lower() == path)


async def live_and_loaded(pilot, app) -> None:  # noqa: ANN001
    status, overview = app.services.status, app.services.overview
    await wait_for(
        pilot,
        lambda: status.updates == LIVE and overview.index.loaded and overview.index.unmatched == 0,
        what="the hub connected and the lists read",
    )
    await pilot.pause(0.3)  # the read every connect asks for


def row_of(app, execution_id: str) -> str:  # noqa: ANN001
    label = execution_id[:8]
    return next((line for line in screen_text(app).splitlines() if line.lstrip().startswith(label)), "")


@pytest.mark.long
async def test_a_new_run_and_its_end_reach_the_list_from_the_hub(emulator_server) -> None:
    server = emulator_server(seed=True, time_scale=0.3)
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await live_and_loaded(pilot, app)
        # The header says so with the next answer it shows (or its own second's tick).
        await wait_for(pilot, lambda: "● connected · live" in screen_text(app), what="live in the header")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        execution = server.emulator.start_execution(CSV)
        await wait_for(pilot, lambda: "nightly-csv-export" in row_of(app, execution), 5, "the new run, with its workflow")
        server.emulator.wait_for_status(execution, "Completed", timeout=20)
        await wait_for(pilot, lambda: "Completed" in row_of(app, execution), 5, "the run shown Completed")
        # Its workflow came with the event: no lookup through the details route.
        assert details_reads(server, execution) == 0


@pytest.mark.long
@pytest.mark.parametrize("execution_list", ["all", "by-workflow"])
async def test_a_run_of_a_workflow_made_meanwhile_is_listed_with_its_workflow_at_once(emulator_server, execution_list) -> None:  # noqa: ANN001
    # The hub says nothing of workflows: its news of a run under a workflow the dashboard
    # has not read is what tells it one was made. Polling alone showed the run a minute later.
    server = emulator_server(seed=True, time_scale=0.3, execution_list=execution_list)
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await live_and_loaded(pilot, app)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        made = server.emulator.add_workflow(
            {"Name": "made-meanwhile", "Tasks": [{"Name": "Sleep", "Type": "Demo:1.0",
                                                   "Execution": {"Parameters": {"emulator": {"seconds": 30}}}}]}
        )
        execution = server.emulator.start_execution(made)
        await wait_for(pilot, lambda: "made-meanwhile" in row_of(app, execution), 5, "the new run, with its new workflow")
        assert "deleted" not in row_of(app, execution)
        assert made in app.services.overview.workflows
        # Its later news needs no second read of the workflows.
        reads = requests_to(server, "/workflows")
        await pilot.pause(1.0)
        assert requests_to(server, "/workflows") == reads


@pytest.mark.long
async def test_the_header_counts_are_read_after_the_last_news_of_a_burst(emulator_server) -> None:
    # /metrics is read after a status change at most every 5 s: a run that ends sooner after
    # it started must still be counted once it ended, not at the slow poll minutes later.
    server = emulator_server(seed=False, time_scale=1.0)
    emulator = server.emulator
    quick = emulator.add_workflow(
        {"Name": "quick", "Tasks": [{"Name": "Blink", "Type": "Demo:1.0",
                                      "Execution": {"Parameters": {"emulator": {"seconds": 2}}}}]}
    )
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await live_and_loaded(pilot, app)
        started = len(emulator.requests.snapshot())
        execution = emulator.start_execution(quick)
        await wait_for(pilot, lambda: requests_to(server, "/metrics", started) >= 1, 5, "the counts read after its news")
        assert emulator.execution_status(execution) != "Completed"
        await wait_for(pilot, lambda: emulator.execution_status(execution) == "Completed", 10, "the run ended")
        ended = len(emulator.requests.snapshot())
        await wait_for(pilot, lambda: requests_to(server, "/metrics", ended) >= 1, 8, "the counts read after it ended")
        await pilot.pause(6.0)
        assert requests_to(server, "/metrics", ended) == 1  # one read after the burst, not one per event


@pytest.mark.long
async def test_a_run_gone_from_the_server_has_the_lists_read_at_once(emulator_server) -> None:
    # Its workflow deleted (Q11): live, the lists were read a minute later, and the runs
    # kept their workflow's name meanwhile.
    server = emulator_server(seed=True, time_scale=0.3, fidelity="real")
    paused = server.emulator.start_execution(INVOICE)
    server.emulator.wait_for_status(paused, "Paused", timeout=20)
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await live_and_loaded(pilot, app)
        app.open_execution_by_id(paused)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        detail = app.screen
        await wait_for(pilot, lambda: detail.snapshot.details is not None, what="the run read")
        server.emulator.delete_workflow(INVOICE)
        app.services.poller.refresh(detail.watch.key)
        await wait_for(pilot, lambda: detail.gone is not None, what="the run said gone")
        await wait_for(pilot, lambda: INVOICE not in app.services.overview.workflows, 5, "the workflows read again")


@pytest.mark.long
async def test_an_open_execution_follows_its_tasks_from_the_hub(emulator_server) -> None:
    server = emulator_server(seed=True, time_scale=0.3)
    emulator = server.emulator
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await live_and_loaded(pilot, app)
        execution = emulator.start_execution(CSV)
        app.open_execution_by_id(execution)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        screen = app.screen
        emulator.wait_for_status(execution, "Completed", timeout=20)
        await wait_for(
            pilot,
            lambda: screen.watch.snapshot.final and all(t.status.value == "Completed" for t in screen.watch.snapshot.tasks),
            5,
            "every task shown Completed",
        )
        # The snapshot is final before the screen has drawn it: wait for the frame.
        await wait_for(
            pilot,
            lambda: "✔ Completed" in (text := screen_text(app)) and "Running" not in text,
            5,
            "the screen showing it Completed, nothing Running",
        )


async def test_a_run_pausing_for_approval_is_marked_in_the_list_at_once(emulator_server) -> None:
    # Rows are redrawn alone for what marks them (a full redraw at 100k runs takes most of
    # a second): the mark comes and goes with its run's news.
    server = emulator_server(seed=True, time_scale=0.05)
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await live_and_loaded(pilot, app)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        execution = server.emulator.start_execution(INVOICE)
        await wait_for(pilot, lambda: "‖ Paused" in row_of(app, execution), 10, "the run shown Paused")
        await wait_for(pilot, lambda: "⚑" in row_of(app, execution), 5, "its approval marked")
        runs = app.screen.query_one(KeyedTable)
        marked = [key for key in runs.keys if runs.get_cell(key, "mark").plain == "⚑"]
        paused = [key for key in runs.keys if "Paused" in runs.get_cell(key, "status").plain]
        assert marked == paused, "every paused run, and only those, marked"
        # Approved elsewhere (another operator): it runs on, and its mark goes with the
        # hub's news, not a slow cycle later.
        async with FlowSynxClient(server.url) as other:
            (approval,) = (await other.list_approvals(INVOICE, execution)).items
            await other.approve(INVOICE, execution, approval.id)
        await wait_for(pilot, lambda: "Paused" not in row_of(app, execution), 10, "the run going on")
        await wait_for(pilot, lambda: "⚑" not in row_of(app, execution), 5, "its mark gone")


async def test_a_run_started_during_a_long_first_read_is_listed_before_the_read_ends(emulator_server) -> None:
    # 5,000 runs at 0.1 s a list page: the first read takes more than 5 s. A run started
    # meanwhile is on top of the list from the hub's news, not a cycle after the read.
    server = emulator_server(seed=True, time_scale=0.3)
    population = populate(server.emulator, workflows=3, finished=5_000, paused=0)
    server.emulator.faults = Faults(latency=0.1, only=r"/executions$")
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        status, index = app.services.status, app.services.overview.index
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        await wait_for(pilot, lambda: status.updates == LIVE and len(index) > 0, 10, "the hub connected, rows shown")
        assert not index.loaded, "the read should still be under way"
        workflow = population.workflow_ids[0]
        execution = server.emulator.start_execution(workflow)
        await wait_for(pilot, lambda: row_of(app, execution) != "", 5, "the new run's row")
        assert not index.loaded, "shown only once the read ended"
        rows = [line.lstrip()[:8] for line in screen_text(app).splitlines()]
        assert execution[:8] in rows[:8], "on top of the list"
        await wait_for(pilot, lambda: index.loaded, 30, "the first read done")
        await wait_for(pilot, lambda: row_of(app, execution) != "", 5, "still listed after the read")
        assert list(index.newest_ids()).count(execution) == 1
        # Drawn from its first rows, the list stayed at its top while the pages in between
        # went below them (it used to follow the oldest runs, read first, to the bottom).
        assert app.screen.query_one("#executions").scroll_y == 0


async def test_a_run_pausing_for_approval_reaches_the_inbox_at_once(emulator_server) -> None:
    server = emulator_server(seed=True, time_scale=0.05)
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await live_and_loaded(pilot, app)
        status = app.services.status
        waiting = status.approvals_waiting
        execution = server.emulator.start_execution(workflow_id("invoice-approval"))
        server.emulator.wait_for_status(execution, "Paused", timeout=20)
        # The hub says only "Paused": the approval itself is read because of it.
        await wait_for(pilot, lambda: status.approvals_waiting == waiting + 1, 5, "the new approval counted")
        await wait_for(pilot, lambda: f"⚑ {waiting + 1} approvals waiting" in screen_text(app), 5, "the header")


async def test_a_paused_runs_log_waits_for_the_hub_and_wakes_on_its_events(emulator_server) -> None:
    from flowsynx_tui.api import BasicCredentials, FlowSynxClient
    from flowsynx_tui.widgets.logview import LogPane

    server = emulator_server(seed=True, time_scale=0.05, auth="basic")
    emulator = server.emulator
    invoices = workflow_id("invoice-approval")
    execution = emulator.start_execution(invoices)
    emulator.wait_for_status(execution, "Paused", timeout=20)
    app = make_app(server.url, refresh=0.2, live=True, credentials=BasicCredentials("admin", "admin"))
    async with app.run_test(size=(140, 40)) as pilot:
        await live_and_loaded(pilot, app)
        app.open_execution_by_id(execution)
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        pane = app.screen.query_one(LogPane)
        await wait_for(pilot, lambda: pane.line_count > 0, what="the log read once")
        await pilot.pause(0.5)
        logs = f"/workflows/{invoices}/executions/{execution}/logs"
        since = len(emulator.requests.snapshot())
        await pilot.pause(3.0)
        # Nothing runs while it waits: not read every 0.2 s, as polling alone would.
        assert requests_to(server, logs, since) <= 1
        async with FlowSynxClient(server.url, credentials=BasicCredentials("operator", "operator")) as other:
            approval = (await other.list_approvals(invoices, execution)).items[0]
            await other.approve(invoices, execution, approval.id)
        # Approved elsewhere: the hub's task events wake the log, whose new lines arrive.
        await wait_for(pilot, lambda: any("Resuming workflow" in line for line in pane.visible_text()), 5, "the resumed run's lines")


async def test_without_a_hub_it_polls_and_says_so(emulator_server) -> None:
    server = emulator_server(seed=True, time_scale=0.3)
    server.emulator.faults.hub = "missing"
    app = make_app(server.url, refresh=0.3, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        status = app.services.status
        await wait_for(pilot, lambda: "404" in status.updates_reason, what="the hub found missing")
        assert status.updates == POLLING
        await wait_for(pilot, lambda: "● connected · polling" in screen_text(app), what="the header saying polling")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        execution = server.emulator.start_execution(CSV)
        await wait_for(pilot, lambda: bool(row_of(app, execution)), 10, "the new run, by polling")


async def test_a_dropped_hub_falls_back_and_rereads_what_it_missed(emulator_server) -> None:
    server = emulator_server(seed=True, time_scale=0.3)
    emulator = server.emulator
    app = make_app(server.url, refresh=SLOW, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        live = app.services.live
        await live_and_loaded(pilot, app)
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        emulator.faults.hub = "blocked"
        emulator.hub.drop_all()
        await wait_for(pilot, lambda: app.services.status.updates == POLLING, what="polling after the drop")
        # Created while nobody listened: the hub will not replay it.
        execution = emulator.start_execution(CSV)
        await pilot.pause(0.5)
        assert not row_of(app, execution)
        emulator.faults.hub = "on"
        await wait_for(pilot, lambda: live.connects == 2, 15, "the hub connected again")
        await wait_for(pilot, lambda: bool(row_of(app, execution)), 5, "the missed run, read after the reconnect")


async def test_polling_slows_down_while_live_and_no_live_never_asks_the_hub(emulator_server) -> None:
    server = emulator_server(seed=True, time_scale=0.3)
    counts = {}
    for live in (True, False):
        app = make_app(server.url, refresh=0.2, live=live)
        async with app.run_test(size=(140, 40)) as pilot:
            status, overview = app.services.status, app.services.overview
            await wait_for(pilot, lambda: overview.index.loaded and (status.updates == LIVE or not live), what="ready")
            await pilot.pause(0.5)
            since = len(server.emulator.requests.snapshot())
            await pilot.pause(3.0)
            counts[live] = requests_to(server, "/workflows", since)
    # 3 s at 0.2 s: up to 15 overview cycles polling (fewer on a loaded machine); live, one a
    # minute, and at most the read the connect asked for falls in the window.
    assert counts[False] >= 4
    assert counts[True] <= 1
    negotiations = requests_to(server, "/hubs/workflowexecutions/negotiate")
    assert negotiations == 1  # the live app's only; the --no-live one never asked


def test_live_from_profile_and_flag(tmp_path, capsys) -> None:  # noqa: ANN001
    from flowsynx_tui.cli import build_parser, main
    from flowsynx_tui.cli import _settings as settings_of
    from flowsynx_tui.config import resolve_settings

    config = tmp_path / "config.toml"
    config.write_text('default_profile = "prod"\n[profiles.prod]\nurl = "http://localhost:6262"\nlive = false\n')
    assert resolve_settings(config_path=config, environ={}).live is False
    assert resolve_settings(config_path=tmp_path / "none.toml", environ={}).live is True
    assert settings_of(build_parser().parse_args(["--no-live", "--config", str(tmp_path / "none.toml")])).live is False
    config.write_text('default_profile = "prod"\n[profiles.prod]\nurl = "http://localhost:6262"\nlive = "no"\n')
    assert main(["--config", str(config)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and 'profiles.prod.live: expected true or false, got "no"' in lines[0], lines


async def test_one_failed_read_while_live_is_read_again_soon_and_the_header_stays_connected(emulator_server, caplog) -> None:  # noqa: ANN001
    # The hub slows polling down thirty times: a list whose read failed once waited for the
    # slow pace (a minute at the default), the header saying "↻ reconnecting · retrying in
    # 58s" all that time while the server answered everything else.
    server = emulator_server(seed=True, time_scale=0.3)
    app = make_app(server.url, refresh=1.0, live=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await live_and_loaded(pilot, app)
        server.emulator.faults = Faults(only=r"/executions$", error_rate=1.0)
        app.services.poller.refresh("overview")
        header = app.services.status
        await wait_for(pilot, lambda: header.connection.state != "ok", what="the failed read")
        shown = screen_text(app).splitlines()[0]
        assert "● connected · ⚠ a read failed · again in" in shown and "reconnecting" not in shown, shown
        # The debug log (--log) has it too: it had only reads that failed whole.
        assert any("request(s) failed, the rest read: GET /workflows/" in record.getMessage() for record in caplog.records)
        server.emulator.faults = Faults()
        await wait_for(pilot, lambda: header.connection.state == "ok", 5, "the list read again")
        await wait_for(pilot, lambda: "● connected · live" in screen_text(app), 2, "the header")


async def test_what_the_hub_said_during_a_read_that_fails_is_not_put_back(emulator_server) -> None:
    # A run's details read failed while the hub's "Completed" arrived: the failed read put
    # back the status it had started from, and the run read "▶ Running" until a read got
    # through (a minute while live).
    import asyncio

    from flowsynx_tui.api import ExecutionStatus, TaskStatus
    from flowsynx_tui.api.hub import ExecutionEvent, TaskEvent
    from flowsynx_tui.emulator import seed
    from flowsynx_tui.services.watches import ExecutionWatch

    server = emulator_server(frozen=True)
    workflow, running = workflow_id("warehouse-load"), seed.execution_id("warehouse-load", 4)
    client = FlowSynxClient(server.url, retry_backoff=0.01)
    try:
        watch = ExecutionWatch(client, workflow, running)
        await watch.refresh()
        assert watch.snapshot.details.status is ExecutionStatus.RUNNING
        task = next(t for t in watch.snapshot.tasks if t.status is TaskStatus.RUNNING)
        server.emulator.faults = Faults(only=f"/executions/{running}$", latency=0.5, error_rate=1.0)
        read = asyncio.create_task(watch.refresh())
        await asyncio.sleep(0.1)
        watch.apply_event(ExecutionEvent(workflow, running, ExecutionStatus.COMPLETED, None, None, False))
        snapshot = await read
        assert snapshot.failures and snapshot.details.status is ExecutionStatus.COMPLETED
        # The same for a task's status, when the task list is what fails.
        server.emulator.faults = Faults(only=f"/executions/{running}/tasks$", latency=0.5, error_rate=1.0)
        read = asyncio.create_task(watch.refresh())
        await asyncio.sleep(0.1)
        watch.apply_event(TaskEvent(workflow, running, task.id, task.name, TaskStatus.COMPLETED))
        snapshot = await read
        assert snapshot.failures and {t.name: t.status for t in snapshot.tasks}[task.name] is TaskStatus.COMPLETED
    finally:
        await client.aclose()
