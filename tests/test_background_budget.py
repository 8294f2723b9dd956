"""Gentle on big servers (issue 12, section 2): what is not on screen goes out under the
background request budget, paused executions first; what matching learnt is kept across
runs in a 0600 cache file; the header says how far matching got.

Real HTTP against the emulator, which lists every execution whatever the workflow in the
path (FlowSynx v1.3.0, quirk Q1), so each execution's workflow is found by probing its
details under candidate workflows. The emulator's request log is the witness. Time
bounds are generous: the assertions are counts, with margins.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from flowsynx_tui.api.auth import BasicCredentials
from flowsynx_tui.cli import main
from flowsynx_tui.config import ConfigError, resolve_settings
from flowsynx_tui.emulator import EmulatorServer
from flowsynx_tui.emulator.bulk import Population, populate
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.services.budget import RequestBudget
from flowsynx_tui.services.workflow_cache import WorkflowCache, cache_file
from flowsynx_tui.testing import make_app, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable

DETAILS = re.compile(r"^/workflows/[0-9a-f-]{36}/executions/([0-9a-f-]{36})$")


def probes(server: EmulatorServer, since: int = 0) -> list[tuple[float, str]]:
    """(when, execution id) of every details GET: how v1.3.0 finds an execution's workflow."""
    found = []
    for request in server.emulator.requests.snapshot()[since:]:
        match = DETAILS.match(request.path.lower())
        if request.method == "GET" and match:
            found.append((request.at.timestamp(), match.group(1)))
    return found


def big_server(  # noqa: ANN001
    emulator_server, *, workflows: int, finished: int, paused: int
) -> tuple[EmulatorServer, Population]:
    server = emulator_server(seed=False, frozen=True)
    return server, populate(server.emulator, workflows=workflows, finished=finished, paused=paused)


def header_text(app) -> str:  # noqa: ANN001
    return app.screen.query_one("StatusHeader").render().plain


def notices(app) -> str:  # noqa: ANN001
    return "\n".join(f"{n.title}: {n.message}" for n in app.notices)


# -- (a) the pace ----------------------------------------------------------------------------------


async def test_probes_keep_to_the_budget_and_polling_goes_on(emulator_server) -> None:
    server, _ = big_server(emulator_server, workflows=20, finished=300, paused=2)
    rate = 10.0
    app = make_app(server.url, refresh=0.5, background_rate=rate)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(probes(server)) >= 5, what="matching to start")
        cycles_before = app.services.overview_job.runs
        # The burst (one second's worth) and about four seconds at the budget's pace.
        await wait_for(pilot, lambda: len(probes(server)) >= 5 * rate, timeout=30, what="probes at the budget's pace")
        seen = probes(server)
        cycles = app.services.overview_job.runs - cycles_before
        unmatched = app.services.overview.index.unmatched
    times = sorted(when for when, _ in seen)
    span = times[-1] - times[0]
    burst = rate  # RequestBudget's default: one second's worth
    # In any span of d seconds a token bucket grants at most burst + rate * d; the
    # recorded times carry the request's own latency, hence half a second of slack.
    assert len(times) <= burst + rate * (span + 0.5) + 2, (len(times), span)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= burst + rate + 2, busiest
    # Unpaced, 300 executions over 20 workflows take a few thousand probes in seconds.
    assert unmatched > 200
    # The screen's own polling was never held up by the matching.
    assert cycles >= 3, cycles


async def test_the_budget_paces_concurrent_takers() -> None:
    """The token bucket alone, on the event loop's real clock: 4 takers, 30 tokens at 20/s
    with a burst of 5 take at least (30 - 5) / 20 s, and not much more."""
    import asyncio
    import time

    budget = RequestBudget(20.0, burst=5)
    started = time.monotonic()

    async def taker(count: int) -> None:
        for _ in range(count):
            await budget.take()

    await asyncio.gather(*(taker(n) for n in (10, 10, 5, 5)))
    elapsed = time.monotonic() - started
    assert budget.granted == 30
    assert elapsed >= (30 - 5) / 20 - 0.05
    assert elapsed < 10  # generous: a loaded machine is slow, never fast


# -- (b) paused first ------------------------------------------------------------------------------


async def test_paused_executions_are_matched_first_and_their_approvals_shown(emulator_server) -> None:
    server, population = big_server(emulator_server, workflows=20, finished=300, paused=4)
    app = make_app(server.url, refresh=0.5, background_rate=10.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        inbox = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: inbox.row_count == 4, timeout=40, what="the four approvals in the inbox")
        index = app.services.overview.index
        assert all(index.workflow_of.get(i) == population.workflow_of[i] for i in population.paused_ids)
        # Most of the history is still waiting for its workflow: the paused went first.
        assert index.unmatched > 200, index.unmatched
        await wait_for(pilot, lambda: app.approvals_swept, what="the first complete cycle")
        # Already waiting at start: one summary, not four "new approval" bells.
        assert "4 approval(s) waiting" in notices(app)
        assert "New approval" not in notices(app)
    first_probes = [execution for _, execution in probes(server)]
    paused = set(population.paused_ids)
    last_paused = max(i for i, execution in enumerate(first_probes) if execution in paused)
    # Every probe for a paused execution came before any for the others, give or take
    # the round of requests already in flight.
    others_before = sum(1 for execution in first_probes[:last_paused] if execution not in paused)
    assert others_before <= 4, others_before


@pytest.mark.long
async def test_rows_on_screen_are_matched_before_the_rest(emulator_server) -> None:
    from flowsynx_tui.screens.executions import ExecutionsScreen

    server, population = big_server(emulator_server, workflows=20, finished=200, paused=0)
    app = make_app(server.url, refresh=0.5, background_rate=20.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 200, timeout=30, what="every execution listed")
        await pilot.press("G")  # the oldest: newest-first matching would reach them last
        index = app.services.overview.index
        await wait_for(
            pilot, lambda: table.keys[-1] in app.services.overview.wanted_first, what="the shown rows asked for"
        )
        shown = list(app.services.overview.wanted_first)
        await wait_for(
            pilot,
            lambda: all(key in index.workflow_of for key in shown),
            timeout=60,
            what="the rows on screen matched",
        )
        assert all(index.workflow_of[key] == population.workflow_of[key] for key in shown)
        assert index.unmatched > 100, "the rest waited"


async def test_an_opened_execution_is_matched_by_its_own_read_not_probed(emulator_server) -> None:
    from flowsynx_tui.messages import ExecutionView
    from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen

    server, population = big_server(emulator_server, workflows=20, finished=200, paused=0)
    oldest = population.finished_ids[0]  # newest-first matching reaches it last
    workflow_id = population.workflow_of[oldest]
    app = make_app(server.url, refresh=0.5, background_rate=2.0)
    async with app.run_test(size=(120, 30)) as pilot:
        index = app.services.overview.index
        await wait_for(pilot, lambda: index.loaded, timeout=30, what="the executions listed")
        app.navigate(ExecutionView(workflow_id, oldest))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await wait_for(pilot, lambda: app.screen.snapshot.final, what="the execution read")
        # Its details answered under its workflow (the route answers under no other): that
        # is the match, long before the background's probes (2 a second) reach it.
        assert index.workflow_of.get(oldest) == workflow_id
        assert index.unmatched > 100
        for _ in range(4):
            await pilot.pause(0.25)
    asked_under = {
        request.path.split("/")[2]
        for request in server.emulator.requests.snapshot()
        if DETAILS.match(request.path.lower()) and oldest in request.path
    }
    assert asked_under == {workflow_id}, "probed under other workflows"


async def test_a_lookup_under_way_stops_once_another_read_found_the_workflow(emulator_server) -> None:
    import asyncio

    from flowsynx_tui.api import FlowSynxClient
    from flowsynx_tui.services.overview import Overview

    server, population = big_server(emulator_server, workflows=20, finished=20, paused=0)
    target = population.finished_ids[0]
    own = population.workflow_of[target]
    async with FlowSynxClient(server.url) as client:
        overview = Overview(client, resolve_per_cycle=0)  # listed, none looked up
        await overview.refresh()
        index = overview.index
        assert target in index.by_id and target not in index.workflow_of
        # Its own workflow last: a lookup that did not stop would ask all twenty.
        candidates = [w for w in population.workflow_ids if w != own] + [own]
        lookup = asyncio.ensure_future(
            index.resolve_workflows(client, [target], candidates, 1, [], budget=RequestBudget(4.0, burst=1))
        )
        while not any(execution == target for _, execution in probes(server)):
            await asyncio.sleep(0.02)
        assert index.learn(target, own)  # as an open detail screen's read does
        assert await lookup == {target}
    assert index.workflow_of[target] == own
    asked = sum(1 for _, execution in probes(server) if execution == target)
    assert asked <= 2, f"asked {asked} times: the lookup went on after its workflow was known"


async def test_enter_on_a_row_still_being_matched_looks_it_up_and_opens_it(emulator_server) -> None:
    from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
    from flowsynx_tui.screens.executions import ExecutionsScreen

    server, population = big_server(emulator_server, workflows=20, finished=60, paused=0)
    app = make_app(server.url, refresh=0.5, background_rate=0.1)  # the background barely moves
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 60, timeout=30, what="every execution listed")
        await pilot.press("G")
        oldest = table.selected_key
        index = app.services.overview.index
        assert oldest is not None and oldest not in index.workflow_of
        matched = app.services.status.matching
        await pilot.press("enter")  # not "try again in a moment": its own lookup, then the screen
        await wait_for_screen(pilot, app, ExecutionDetailScreen, timeout=20)
        assert (app.screen.workflow_id, app.screen.execution_id) == (population.workflow_of[oldest], oldest)
        # Found is matched: the header's count has it at once.
        assert index.workflow_of[oldest] == population.workflow_of[oldest]
        assert matched is not None and app.services.status.matching is not None
        assert app.services.status.matching[0] > matched[0]


# -- (c) the cache: a second start probes only what it has not seen -------------------------------


async def test_a_second_start_probes_only_executions_it_has_not_seen(emulator_server, tmp_path: Path) -> None:
    server, population = big_server(emulator_server, workflows=10, finished=120, paused=2)
    cache_dir = tmp_path / "cache"
    first = make_app(server.url, background_rate=1000.0, cache_dir=cache_dir)
    async with first.run_test(size=(160, 48)) as pilot:
        index = first.services.overview.index
        await wait_for(pilot, lambda: index.loaded and index.unmatched == 0, timeout=30, what="all matched")
    assert len(probes(server)) >= len(population.workflow_of)
    assert len(list(cache_dir.glob("workflows-*.json"))) == 1

    # Runs the first start never saw: a workflow and its executions added since.
    later = populate(server.emulator, workflows=1, finished=5, paused=0, seed=2)
    mark = len(server.emulator.requests)
    second = make_app(server.url, background_rate=1000.0, cache_dir=cache_dir)
    async with second.run_test(size=(160, 48)) as pilot:
        overview = second.services.overview
        index = overview.index
        await wait_for(
            pilot,
            lambda: index.loaded and index.unmatched == 0 and len(overview.approvals.all()) == 2,
            timeout=30,
            what="all matched and both approvals known",
        )
        assert {i: index.workflow_of[i] for i in population.workflow_of} == population.workflow_of
        for _ in range(4):
            await pilot.pause(0.25)
    probed = {execution for _, execution in probes(server, mark)}
    assert not probed & set(population.workflow_of), "a known execution was probed again"
    assert probed <= set(later.workflow_of)


# -- (d) the cache file ----------------------------------------------------------------------------


async def test_the_cache_file_is_private_holds_no_secret_and_a_corrupt_one_is_ignored(
    emulator_server, tmp_path: Path
) -> None:
    server = emulator_server(seed=False, frozen=True, auth="basic")
    population = populate(server.emulator, workflows=5, finished=40, paused=1)
    secret = "admin"  # the emulator's admin password (and name): neither may be in the file
    credentials = BasicCredentials("admin", secret)
    cache_dir = tmp_path / "cache"
    path = cache_file(cache_dir, server.url, credentials.who)

    old_umask = os.umask(0)  # a careless umask must not make the file readable by others
    try:
        app = make_app(server.url, credentials=credentials, background_rate=1000.0, cache_dir=cache_dir)
        async with app.run_test(size=(160, 48)) as pilot:
            index = app.services.overview.index
            await wait_for(pilot, lambda: index.loaded and index.unmatched == 0, timeout=30, what="all matched")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert secret not in text and "Basic" not in text and secret not in path.name
    assert [p.name for p in cache_dir.iterdir()] == [path.name], "a temporary file was left behind"
    assert json.loads(text)["workflow_of"] == population.workflow_of

    path.write_bytes(b"\x00{not json\x1b[2J")
    mark = len(server.emulator.requests)
    app = make_app(server.url, credentials=credentials, background_rate=1000.0, cache_dir=cache_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        index = app.services.overview.index
        await wait_for(pilot, lambda: index.loaded and index.unmatched == 0, timeout=30, what="all matched again")
        await wait_for(pilot, lambda: "workflow cache ignored" in notices(app), what="the warning")
        for _ in range(4):
            await pilot.pause(0.25)
        assert notices(app).count("workflow cache ignored") == 1
        assert app.is_running
    # Looked up again, then written whole again.
    assert len(probes(server, mark)) >= len(population.workflow_of)
    again = WorkflowCache(path, server.url)
    assert again.load() == population.workflow_of and again.problem is None


def test_only_guids_are_read_back_from_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "workflows-x.json"
    good_execution, good_workflow = "0b4c8ed0-0000-4000-8000-000000000001", "1a2b3c4d-0000-4000-8000-000000000002"
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "workflow_of": {
                    good_execution.upper(): good_workflow,
                    "../../etc/passwd": good_workflow,
                    good_workflow: "[@click=app.quit]x",
                    "0b4c8ed0": good_workflow,
                },
            }
        )
    )
    cache = WorkflowCache(path, "http://127.0.0.1:6262")
    assert cache.load() == {good_execution: good_workflow}
    assert cache.problem is None
    path.write_text('{"format": 99, "workflow_of": {}}')
    assert WorkflowCache(path, "http://x").load() == {}
    path.unlink()
    missing = WorkflowCache(path, "http://x")
    assert missing.load() == {} and missing.problem is None  # deleted: nothing to say


# -- (e) progress ----------------------------------------------------------------------------------


async def test_progress_is_shown_while_matching_and_gone_when_done(emulator_server) -> None:
    server, population = big_server(emulator_server, workflows=5, finished=60, paused=0)
    total = len(population.workflow_of)
    app = make_app(server.url, refresh=0.5, background_rate=30.0)
    async with app.run_test(size=(160, 48)) as pilot:
        progress = re.compile(rf"matched (\d+) of {total}\b")
        await wait_for(pilot, lambda: progress.search(header_text(app)), timeout=20, what="the progress")
        shown = int(progress.search(header_text(app)).group(1))  # type: ignore[union-attr]
        assert 0 <= shown < total
        index = app.services.overview.index
        await wait_for(pilot, lambda: index.unmatched == 0, timeout=40, what="all matched")
        await wait_for(pilot, lambda: "matched" not in header_text(app), timeout=10, what="the progress gone")


# -- (f) configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"fast"', "0", "-3", "5000", "true"])
def test_a_bad_background_rate_is_one_error_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    config = tmp_path / "config.toml"
    profile = f'[profiles.prod]\nurl = "http://localhost:6262"\nbackground_rate = {value}\n'
    config.write_text(f'default_profile = "prod"\n{profile}')
    assert main(["--config", str(config)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    # The file, the key path and what it takes (the file is checked before anything else).
    assert f"config file {config}: profiles.prod.background_rate: expected a number of requests per second from 0.1 to 1000, got " in lines[0]


def test_background_rate_from_profile_and_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "prod"\n[profiles.prod]\nurl = "http://localhost:6262"\nbackground_rate = 5\n')
    assert resolve_settings(config_path=config, environ={}).background_rate == 5.0
    assert resolve_settings(config_path=config, environ={}, background_rate=50.0).background_rate == 50.0
    assert resolve_settings(config_path=tmp_path / "none.toml", environ={}).background_rate == 20.0
    with pytest.raises(ConfigError):
        resolve_settings(config_path=config, environ={}, background_rate=2000.0)
    assert main(["--config", str(config), "--background-rate", "2000"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


async def test_a_first_read_reports_each_run_once_and_the_newest_with_the_first_rows(emulator_server) -> None:
    from flowsynx_tui.api import FlowSynxClient
    from flowsynx_tui.services.overview import Overview

    server, population = big_server(emulator_server, workflows=3, finished=1_050, paused=0)
    steps: list[frozenset[str]] = []
    async with FlowSynxClient(server.url) as client:
        overview = Overview(client, resolve_per_cycle=0)
        end = await overview.refresh(progress=lambda update: steps.append(update.changed))
    steps = [step for step in steps if step]
    ids = population.execution_ids
    # The screens draw the first step: it holds the newest runs, so a list drawn from it
    # starts at its top (and the oldest page, read first for the number of pages).
    assert ids[-1] in steps[0] and ids[0] in steps[0]
    assert len(steps) == 10
    # Each run once: the end of the read does not bring them all again (a redraw of
    # every row, most of a second at 50k).
    reported = [i for step in steps for i in step] + list(end.changed)
    assert sorted(reported) == sorted(ids)
