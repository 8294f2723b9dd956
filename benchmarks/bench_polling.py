"""Polling cost: HTTP requests per cycle against the emulator, real HTTP on 127.0.0.1.

Histories are bulk-written into the emulator's store (``flowsynx_tui.emulator.bulk``):
50 workflows (quick: 5), N finished executions spread over them at random, 5 paused
ones spread through the history, each waiting on a pending approval. Requests are
counted by the emulator (``Emulator.requests``), so they are what went over the wire.

``polling.overview``: ``Overview.refresh()`` cycle by cycle, for N = 1k and 10k
(quick: 100 and 1k, and 50 executions matched per cycle instead of the app's 200;
at those sizes the 5 paused executions share
fewer pages, so the steady ratio is not comparable to the full run's):

* ``first_sweep``: the first cycle: every page of the execution list, then lookups
  (``GET`` of an execution's details under a guessed workflow until one answers,
  paused executions first, up to ``resolve_per_cycle`` executions), then the
  approvals of the paused ones. ``approvals_found`` says whether all 5 pending
  approvals were known after that one cycle.
* ``matching_cycle``: the second cycle, while executions are still being matched to
  their workflows (FlowSynx v1.3.0 lists every execution whatever the workflow in the
  path, quirk Q1): this is what each cycle costs for ``cycles_to_match_all`` cycles.
* ``steady_cycle``: a cycle once every execution is matched (the matching is
  fast-forwarded: the overview is told what ``cycles_to_match_all`` cycles would have
  found, so the benchmark stays in minutes). The goal is steady(10k) / steady(1k) <= 1.1.
* ``refetched_finished``: ``GET``s of a finished execution's details, tasks or logs
  in steady cycles, plus finished executions whose details were read successfully
  more than once over all cycles. Must be 0.

``polling.by_workflow``: the same histories on a server that lists executions per
workflow (``Emulator(execution_list="by-workflow")``, the original API page): a list per
workflow, the workflow from the route, no lookups; steady(10k) / steady(1k) as above.

``polling.deleted_workflow``: 200 runs of a deleted workflow among 1k (quick: 20 among
100) on the ``real`` emulator, which keeps them listed and answers 404 for their details
under every workflow (quirk Q11): lookups to find that out (one per live workflow each)
and lookups per steady cycle afterwards (goal 0).

``polling.detail_finished``: the app (headless, refresh 0.2 s) opens a finished
execution with 1,200 log lines; requests for it until everything is loaded, then per
polling cycle afterwards (goal 0).

``polling.overview`` and ``polling.deleted_workflow`` drive ``Overview`` without a
background matcher, so each cycle matches ``resolve_per_cycle`` executions itself. The
app matches in the background under its request budget instead:

``polling.big_server_start``: the app (headless, default refresh and budget, its own
process) starts against 10k executions over 50 workflows, 5 paused (quick: 1k over 10),
served by the emulator in this process. Over the first ``BENCH_BIG_SERVER_SECONDS``
seconds (default 120, quick 8): requests/s in all and probes/s (details lookups, quirk
Q1) against the budget, the busiest second of probes against budget + burst, the app's
CPU (% of one core, goal < 25), seconds until every paused execution's approval is
known. Then a second start with the cache the first one left: probes for executions the
first one matched (goal 0), and seconds until the inbox is complete.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from benchmarks import Result, benchmark
from benchmarks.processes import run_json_driver
from flowsynx_tui.api import FlowSynxClient
from flowsynx_tui.emulator import Emulator, EmulatorServer, RecordedRequest
from flowsynx_tui.emulator.bulk import Population, add_log_lines, populate
from flowsynx_tui.config import DEFAULT_BACKGROUND_RATE
from flowsynx_tui.services.overview import Overview
from flowsynx_tui.messages import ExecutionView

PAUSED = 5
_APP_RESOLVE_PER_CYCLE: int = inspect.signature(Overview).parameters["resolve_per_cycle"].default
NATURAL_CYCLES = 2
STEADY_CYCLES = 3


def _label(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 else str(count)


def _kind(request: RecordedRequest) -> tuple[str, str | None]:
    """What a request read: (kind, execution id or None)."""
    parts = [part for part in request.path.lower().split("/") if part]
    if parts == ["workflows"]:
        return "workflows", None
    if len(parts) == 3 and parts[0] == "workflows" and parts[2] == "executions":
        return "list_page", None
    if len(parts) >= 4 and parts[0] == "workflows" and parts[2] == "executions":
        execution = parts[3]
        if len(parts) == 4:
            return ("details" if request.status == 200 else "details_miss"), execution
        return parts[4], execution  # tasks, logs, approvals
    return "other", None


def _breakdown(requests: Sequence[RecordedRequest]) -> Counter[str]:
    return Counter(_kind(request)[0] for request in requests)


class _Run:
    def __init__(self, count: int, workflows: int, execution_list: str = "all") -> None:
        self.count = count
        self.emulator = Emulator(seed=False, execution_list=execution_list)
        self.population: Population = populate(self.emulator, workflows=workflows, finished=count, paused=PAUSED)
        self.finished = set(self.population.finished_ids)
        self.cycles: list[list[RecordedRequest]] = []

    async def cycle(self, overview: Overview) -> list[RecordedRequest]:
        mark = len(self.emulator.requests)
        await overview.refresh()
        requests = self.emulator.requests.snapshot()[mark:]
        self.cycles.append(requests)
        return requests


async def _measure(count: int, workflows: int, resolve_per_cycle: int, execution_list: str = "all") -> dict[str, float]:
    run = _Run(count, workflows, execution_list)
    out: dict[str, float] = {}
    with EmulatorServer(run.emulator) as server:
        async with FlowSynxClient(server.url) as client:
            overview = Overview(client, resolve_per_cycle=resolve_per_cycle)
            started = time.perf_counter()
            first = await run.cycle(overview)
            out["first_sweep_seconds"] = time.perf_counter() - started
            kinds = _breakdown(first)
            out["first_sweep"] = len(first)
            out["first_sweep.list_pages"] = kinds["list_page"]
            out["first_sweep.lookups"] = kinds["details"] + kinds["details_miss"]
            out["first_sweep.approvals"] = kinds["approvals"]
            out["approvals_found"] = len(overview.approvals.pending)
            out["matched_after_first"] = len(overview.index.workflow_of)

            for _ in range(NATURAL_CYCLES - 1):
                matched_before = len(overview.index.workflow_of)
                second = await run.cycle(overview)
                kinds = _breakdown(second)
                out["matching_cycle"] = len(second)
                matched = len(overview.index.workflow_of) - matched_before
                lookups = kinds["details"] + kinds["details_miss"]
                out["lookups_per_match"] = lookups / matched if matched else 0.0

            unmatched = len(overview.index) - len(overview.index.workflow_of)
            per_cycle = overview.resolve_per_cycle
            out["cycles_to_match_all"] = len(run.cycles) + math.ceil(unmatched / per_cycle)

            # Fast-forward: what the remaining matching cycles would have found.
            overview.index.workflow_of.update(run.population.workflow_of)
            await run.cycle(overview)  # settles anything the fast-forward changed
            steady: list[list[RecordedRequest]] = []
            for _ in range(STEADY_CYCLES):
                steady.append(await run.cycle(overview))
            out["steady_cycle"] = max(len(requests) for requests in steady)
            steady_kinds = _breakdown([r for requests in steady for r in requests])
            out["steady_cycle.lookups"] = (steady_kinds["details"] + steady_kinds["details_miss"]) / STEADY_CYCLES
            out["steady_cycle.list_pages"] = steady_kinds["list_page"] / STEADY_CYCLES
            out["steady_cycle.approvals"] = steady_kinds["approvals"] / STEADY_CYCLES

            refetched = 0
            for requests in steady:
                for request in requests:
                    kind, execution = _kind(request)
                    if execution in run.finished and kind in ("details", "details_miss", "tasks", "logs"):
                        refetched += 1
            details_reads = Counter(
                execution
                for requests in run.cycles
                for request in requests
                for kind, execution in [_kind(request)]
                if kind == "details" and execution in run.finished
            )
            refetched += sum(1 for reads in details_reads.values() if reads > 1)
            out["refetched_finished"] = refetched
    return out


@benchmark("polling.overview")
async def overview_cycles(quick: bool) -> list[Result]:
    """Requests per Overview.refresh() cycle with 1k and 10k finished executions, 5 paused."""
    small, large = (100, 1_000) if quick else (1_000, 10_000)
    workflows = 5 if quick else 50
    resolve_per_cycle = 50 if quick else _APP_RESOLVE_PER_CYCLE
    results: list[Result] = []
    measured = {}
    for count in (small, large):
        measured[count] = await _measure(count, workflows, resolve_per_cycle)
    s, l = measured[small], measured[large]
    ls, ll = _label(small), _label(large)
    prefix = f"polling.overview.w{workflows}"
    for count, m in ((small, s), (large, l)):
        label = _label(count)
        results += [
            Result(f"{prefix}.first_sweep.{label}", m["first_sweep"], "req"),
            Result(f"{prefix}.first_sweep.{label}.list_pages", m["first_sweep.list_pages"], "req",
                   math.ceil((count + PAUSED) / 100)),
            Result(f"{prefix}.first_sweep.{label}.lookups", m["first_sweep.lookups"], "req"),
            Result(f"{prefix}.first_sweep.{label}.approvals", m["first_sweep.approvals"], "req", PAUSED),
            Result(f"{prefix}.first_sweep.{label}.seconds", m["first_sweep_seconds"], "s"),
            Result(f"{prefix}.approvals_found.{label}", m["approvals_found"], "count", PAUSED),
            Result(f"{prefix}.matching_cycle.{label}", m["matching_cycle"], "req"),
            Result(f"{prefix}.lookups_per_match.{label}", m["lookups_per_match"], "req", workflows),
            Result(f"{prefix}.cycles_to_match_all.{label}", m["cycles_to_match_all"], "cycles"),
            Result(f"{prefix}.steady_cycle.{label}.list_pages", m["steady_cycle.list_pages"], "req"),
            Result(f"{prefix}.steady_cycle.{label}.approvals", m["steady_cycle.approvals"], "req", PAUSED),
            Result(f"{prefix}.refetched_finished.{label}", m["refetched_finished"], "req"),
        ]
    results += [
        Result(f"{prefix}.steady_cycle.{ls}", s["steady_cycle"], "req"),
        # ratio = steady(large) / steady(small); goal <= 1.1
        Result(f"{prefix}.steady_cycle.{ll}", l["steady_cycle"], "req", s["steady_cycle"]),
        Result(f"{prefix}.first_sweep.{ll}_vs_{ls}", l["first_sweep"], "req", s["first_sweep"]),
    ]
    return results


@benchmark("polling.by_workflow")
async def by_workflow_cycles(quick: bool) -> list[Result]:
    """The same histories on a server that lists executions per workflow (the original API
    page): one list per workflow, the workflow taken from the route, no lookups."""
    small, large = (100, 1_000) if quick else (1_000, 10_000)
    workflows = 5 if quick else 50
    measured = {count: await _measure(count, workflows, _APP_RESOLVE_PER_CYCLE, "by-workflow") for count in (small, large)}
    s, l = measured[small], measured[large]
    ls, ll = _label(small), _label(large)
    prefix = f"polling.by_workflow.w{workflows}"
    results: list[Result] = []
    for count, m in ((small, s), (large, l)):
        label = _label(count)
        results += [
            Result(f"{prefix}.first_sweep.{label}", m["first_sweep"], "req"),
            Result(f"{prefix}.first_sweep.{label}.lookups", m["first_sweep.lookups"], "req"),
            Result(f"{prefix}.approvals_found.{label}", m["approvals_found"], "count", PAUSED),
            Result(f"{prefix}.steady_cycle.{label}.lookups", m["steady_cycle.lookups"], "req"),
            Result(f"{prefix}.refetched_finished.{label}", m["refetched_finished"], "req"),
        ]
    results += [
        Result(f"{prefix}.steady_cycle.{ls}", s["steady_cycle"], "req"),
        # ratio = steady(large) / steady(small); goal <= 1.1
        Result(f"{prefix}.steady_cycle.{ll}", l["steady_cycle"], "req", s["steady_cycle"]),
    ]
    return results


@benchmark("polling.deleted_workflow")
async def deleted_workflow(quick: bool) -> list[Result]:
    """200 executions of a deleted workflow among 1k (v1.3.0 keeps them listed, quirk Q11,
    and answers 404 for their details under every workflow): lookups to find that out
    once, then lookups per steady cycle (goal 0)."""
    orphans, count = (20, 100) if quick else (200, 1_000)
    workflows = 5 if quick else 50
    emulator = Emulator(seed=False, fidelity="real")
    gone = populate(emulator, workflows=1, finished=orphans, paused=0, seed=7)
    population = populate(emulator, workflows=workflows, finished=count, paused=PAUSED)
    emulator.delete_workflow(gone.workflow_ids[0])
    run = _Run.__new__(_Run)
    run.emulator, run.cycles = emulator, []
    with EmulatorServer(emulator) as server:
        async with FlowSynxClient(server.url) as client:
            overview = Overview(client)
            await run.cycle(overview)
            # Fast-forward the runs of live workflows: what is left to probe is the orphans.
            overview.index.workflow_of.update(population.workflow_of)
            for _ in range(math.ceil(orphans / overview.resolve_per_cycle) + 1):
                await run.cycle(overview)
            orphan_ids = set(gone.finished_ids)
            lookups = sum(
                1
                for requests in run.cycles
                for request in requests
                for kind, execution in [_kind(request)]
                if kind in ("details", "details_miss") and execution in orphan_ids
            )
            found = len(overview.index.orphans)
            steady = [await run.cycle(overview) for _ in range(STEADY_CYCLES)]
            steady_kinds = _breakdown([r for requests in steady for r in requests])
    prefix = f"polling.deleted_workflow.w{workflows}.{orphans}_of_{_label(count + orphans)}"
    return [
        Result(f"{prefix}.orphans_found", found, "count", orphans),
        # One lookup per live workflow each: the baseline is exactly that.
        Result(f"{prefix}.lookups_to_find_them", lookups, "req", orphans * workflows),
        Result(f"{prefix}.steady_cycle.lookups", (steady_kinds["details"] + steady_kinds["details_miss"]) / STEADY_CYCLES, "req"),
        Result(f"{prefix}.steady_cycle", max(len(r) for r in steady), "req"),
    ]


# -- execution detail of a finished execution ---------------------------------------------------------


@benchmark("polling.detail_finished")
async def detail_finished(quick: bool) -> list[Result]:
    """Requests for a finished execution's detail screen: to load it, then per cycle (goal 0)."""
    from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
    from flowsynx_tui.testing import make_app, wait_for, wait_for_screen
    from flowsynx_tui.widgets.logview import LogPane

    refresh = 0.2
    watch_cycles = 10 if quick else 25
    lines = 1_200
    emulator = Emulator(seed=False)
    population = populate(emulator, workflows=3, finished=20, paused=1)
    execution_id = population.finished_ids[-1]
    workflow_id = population.workflow_of[execution_id]
    add_log_lines(emulator, execution_id, lines)

    def for_execution(mark: int) -> list[RecordedRequest]:
        return [r for r in emulator.requests.snapshot()[mark:] if execution_id in r.path.lower()]

    with EmulatorServer(emulator) as server:
        app = make_app(server.url, refresh=refresh)
        async with app.run_test(size=(120, 40)) as pilot:
            index = app.services.overview.index
            await wait_for(
                pilot, lambda: index.loaded and len(index.workflow_of) == len(index), what="overview matched"
            )
            mark = len(emulator.requests)
            app.navigate(ExecutionView(workflow_id, execution_id))
            await wait_for_screen(pilot, app, ExecutionDetailScreen)
            screen = app.screen
            assert isinstance(screen, ExecutionDetailScreen)
            await wait_for(
                pilot,
                lambda: screen.snapshot.final and screen.logs_complete and screen.query_one(LogPane).line_count == lines,
                what="execution final and all logs loaded",
            )
            loading = for_execution(mark)
            after = len(emulator.requests)
            await pilot.pause(refresh * watch_cycles)
            later = for_execution(after)
            shown = screen.query_one(LogPane).line_count
    kinds = _breakdown(loading)
    return [
        Result("polling.detail_finished.until_loaded", len(loading), "req"),
        Result("polling.detail_finished.until_loaded.details", kinds["details"], "req", 1),
        Result("polling.detail_finished.until_loaded.tasks", kinds["tasks"], "req", 1),
        # Every page once, and the last one again by the poll that runs after "final" was seen.
        Result("polling.detail_finished.until_loaded.log_pages", kinds["logs"], "req", math.ceil(lines / 500) + 1),
        Result("polling.detail_finished.per_cycle_after_final", len(later) / watch_cycles, "req"),
        Result("polling.detail_finished.lines_shown", shown, "lines", lines),
    ]


# -- the app's first minutes on a big server ----------------------------------------------------------

GOAL_CPU_PERCENT = 25.0

#: Runs in a process of its own: the app headless, as the dashboard starts (default refresh
#: and budget), against the URL given; prints one JSON line of what it measured.
BIG_SERVER_DRIVER = """
import asyncio, json, resource, sys, time
from pathlib import Path

from flowsynx_tui.config import DEFAULT_REFRESH
from flowsynx_tui.testing import make_app


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def main(url, cache_dir, seconds, paused, rate):
    app = make_app(url, refresh=DEFAULT_REFRESH, background_rate=rate, cache_dir=Path(cache_dir))
    async with app.run_test(size=(160, 48)) as pilot:
        started, started_wall, cpu_before = time.monotonic(), time.time(), cpu()
        overview = app.services.overview
        inbox_complete = None
        while time.monotonic() - started < seconds:
            await pilot.pause(0.1)
            if inbox_complete is None and len(overview.approvals.all()) >= paused:
                inbox_complete = time.monotonic() - started
        elapsed, cpu_used = time.monotonic() - started, cpu() - cpu_before
        index = overview.index
        report = {
            "start": started_wall,
            "end": started_wall + elapsed,
            "elapsed": elapsed,
            "cpu_seconds": cpu_used,
            "inbox_complete": inbox_complete,
            "listed": len(index),
            "matched": len(index) - index.unmatched,
            "header": app.services.status.matching_text,
        }
    print(json.dumps(report), flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])))
"""


def _run_app_process(
    script: Path, url: str, cache_dir: Path, seconds: float, paused: int, rate: float
) -> dict[str, float]:
    args = (url, str(cache_dir), str(seconds), str(paused), str(rate))
    return run_json_driver(script, *args, timeout=seconds + 120, what="big-server")


def _details_probes(requests: Sequence[RecordedRequest], start: float, end: float) -> list[tuple[float, str | None]]:
    return [
        (request.at.timestamp(), execution)
        for request in requests
        if start <= request.at.timestamp() <= end
        for kind, execution in [_kind(request)]
        if kind in ("details", "details_miss")
    ]


def _busiest_second(times: Sequence[float]) -> int:
    ordered = sorted(times)
    busiest, low = 0, 0
    for high, moment in enumerate(ordered):
        while ordered[low] < moment - 1.0:
            low += 1
        busiest = max(busiest, high - low + 1)
    return busiest


def _inbox_result(name: str, run: dict[str, float]) -> Result:
    """Seconds until every paused execution's approval was known; if that never happened
    in the window, the window's length under a name that says so."""
    if run["inbox_complete"] is None:
        return Result(f"{name}.not_within", run["elapsed"], "s")
    return Result(name, run["inbox_complete"], "s")


@benchmark("polling.big_server_start")
def big_server_start(quick: bool) -> list[Result]:
    """The app's first seconds on a 10k-execution v1.3.0 server: requests/s against the
    budget, app CPU, time to a complete inbox; probes on a second start with the cache."""
    count, workflows = (1_000, 10) if quick else (10_000, 50)
    seconds = float(os.environ.get("BENCH_BIG_SERVER_SECONDS") or (8 if quick else 120))
    second_seconds = min(30.0, max(5.0, seconds / 4))
    rate = DEFAULT_BACKGROUND_RATE
    emulator = Emulator(seed=False, frozen=True)
    population = populate(emulator, workflows=workflows, finished=count, paused=PAUSED)
    # Names fit the table: the sizes and the window are in the docstring and the README.
    prefix = f"polling.big_start.{_label(count)}"
    with EmulatorServer(emulator) as server, tempfile.TemporaryDirectory(prefix="bench-big-server-") as folder:
        script = Path(folder) / "big_server_driver.py"
        script.write_text(BIG_SERVER_DRIVER, encoding="utf-8")
        cache_dir = Path(folder) / "cache"
        first = _run_app_process(script, server.url, cache_dir, seconds, PAUSED, rate)
        requests = emulator.requests.snapshot()
        window = [r for r in requests if first["start"] <= r.at.timestamp() <= first["end"]]
        probes = _details_probes(requests, first["start"], first["end"])
        cached: set[str] = set()
        for path in cache_dir.glob("workflows-*.json"):
            cached |= set(json.loads(path.read_text())["workflow_of"])
        mark = len(emulator.requests)
        second = _run_app_process(script, server.url, cache_dir, second_seconds, PAUSED, rate)
        later = emulator.requests.snapshot()[mark:]
    second_probes = _details_probes(later, 0.0, float("inf"))
    elapsed = first["elapsed"]
    return [
        Result(f"{prefix}.req_s", len(window) / elapsed, "req/s", rate),
        Result(f"{prefix}.probes_s", len(probes) / elapsed, "req/s", rate),
        Result(
            f"{prefix}.probes_peak_1s",
            _busiest_second([t for t, _ in probes]),
            "req",
            2 * rate,  # the budget plus its one-second burst
        ),
        Result(
            f"{prefix}.app_cpu",
            100.0 * first["cpu_seconds"] / elapsed,
            "%",
            GOAL_CPU_PERCENT,
        ),
        _inbox_result(f"{prefix}.inbox_s", first),
        Result(f"{prefix}.matched", first["matched"], "count", first["listed"]),
        Result(f"{prefix}.2nd.cached", len(cached), "count", len(population.workflow_of)),
        Result(
            f"{prefix}.2nd.probes_known",
            sum(1 for _, execution in second_probes if execution in cached),
            "req",
        ),
        Result(f"{prefix}.2nd.probes", len(second_probes), "req"),
        _inbox_result(f"{prefix}.2nd.inbox_s", second),
    ]
