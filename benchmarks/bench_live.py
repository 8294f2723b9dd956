"""Live updates (the server's SignalR hub) against polling: how soon a change is on screen,
and what watching costs the server.

The emulator runs in its own process (``flowsynx-tui emulator``, friendly profile so the
running execution logs), the app in another (a driver running the real ``FlowSynxApp``
headless, default 2 s refresh), once with the hub (``live``) and once with ``--no-live``
(``polling``):

* ``live.latency.*``: the driver starts a run over REST at a random moment (0.5-1.5 s
  apart, so polling's phase is not always the same) and waits for the frame that shows
  the new row on the executions screen: from just before the POST to just after that
  frame, both on the driver's clock. Median (and p90) of N runs; goal for live: a median
  under 150 ms; baseline: polling's median from the same run.
* ``live.requests_per_min.*``: requests the app sent (``FlowSynxClient.requests_sent``)
  over a quiet window, per minute, on the workflows screen and on a running execution
  (a fresh warehouse-load run, Running: minutes of work, logging). Goal: at least 5x fewer live
  (ratio live/polling at most 0.2). The hub sends nothing for log lines, so the running
  execution's log pane polls at the same pace in both modes.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from benchmarks import Result, benchmark
from benchmarks.processes import EmulatorProcess, run_json_driver

GOAL_LATENCY_MS = 150.0
GOAL_REQUEST_RATIO = 0.2

DRIVER = r'''
import asyncio, json, random, sys, time
from pathlib import Path

import httpx

import flowsynx_tui.app
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import Settings
from flowsynx_tui.emulator import seed
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.executions import ExecutionsScreen

URL, MODE, LIVE, COUNT, WINDOW = sys.argv[1], sys.argv[2], sys.argv[3] == "live", int(sys.argv[4]), float(sys.argv[5])
CSV = seed.workflow_id("nightly-csv-export")
WAREHOUSE = seed.workflow_id("warehouse-load")


class Driver(FlowSynxApp):
    CSS_PATH = str(Path(flowsynx_tui.app.__file__).with_name(FlowSynxApp.CSS_PATH))


async def ready(app, pilot):
    status, overview = app.services.status, app.services.overview
    deadline = time.monotonic() + 30
    while not (overview.index.loaded and overview.index.unmatched == 0 and (status.updates == "live" or not LIVE)):
        if time.monotonic() > deadline:
            raise SystemExit("the app did not get ready")
        await pilot.pause(0.05)
    await pilot.pause(3.0)  # past the first reads and the read every connect asks for


async def latency(app, pilot, http):
    app.action_show_executions()
    while not (isinstance(app.screen, ExecutionsScreen) and app.screen.is_mounted):
        await pilot.pause(0.05)
    await pilot.pause(0.5)
    table = app.screen.query_one("#executions")
    samples = []
    for _ in range(COUNT):
        await pilot.pause(random.uniform(0.5, 1.5))
        started = time.monotonic()
        answer = await http.post(f"{URL}/workflows/{CSV}/executions")
        execution = answer.json()["data"]["executionId"]
        while execution not in table.keys:
            await asyncio.sleep(0.002)
        shown = asyncio.get_running_loop().create_future()
        app.call_after_refresh(lambda: shown.done() or shown.set_result(time.monotonic()))
        samples.append((await shown) - started)
    return {"samples": samples}


async def requests(app, pilot, http, screen):
    if screen == "running":
        answer = await http.post(f"{URL}/workflows/{WAREHOUSE}/executions")
        execution = answer.json()["data"]["executionId"]
        app.navigate(ExecutionView(WAREHOUSE, execution))
        await pilot.pause(5.0)
        details = (await http.get(f"{URL}/workflows/{WAREHOUSE}/executions/{execution}")).json()["data"]
        if details["status"] != "Running":
            raise SystemExit(f"the measured run is {details['status']}, not Running")
    client = app.services.client
    kinds = {}

    async def count(request):
        parts = request.url.path.strip("/").split("/")
        kind = "/".join(p if len(p) != 36 else "{id}" for p in parts)
        kinds[kind] = kinds.get(kind, 0) + 1

    client._http.event_hooks["request"].append(count)  # which routes: for the report only
    before, started = client.requests_sent, time.monotonic()
    await pilot.pause(WINDOW)
    return {"per_min": (client.requests_sent - before) * 60 / (time.monotonic() - started), "routes": kinds}


async def main():
    settings = Settings(url=URL, refresh=2.0, live=LIVE, bell=False, cache_dir=Path(sys.argv[6]))
    app = Driver(settings)
    async with httpx.AsyncClient(timeout=10) as http:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(app, pilot)
            report = await (latency(app, pilot, http) if MODE == "latency" else requests(app, pilot, http, MODE))
    print(json.dumps(report))


asyncio.run(main())
'''


def _drive(script: Path, url: str, mode: str, live: bool, count: int, window: float, cache: str) -> dict:
    return run_json_driver(
        script, url, mode, "live" if live else "polling", str(count), str(window), cache,
        timeout=120 + count * 3 + window, what=f"live {mode}",
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@benchmark("live")
def live_updates(quick: bool) -> list[Result]:
    count, window = (5, 8.0) if quick else (25, 30.0)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-live-") as scratch:
        script = Path(scratch) / "live_driver.py"
        script.write_text(DRIVER)
        # Workers enough that the measured run starts at once instead of queueing behind the
        # seeded one: a queued run's log pane is read only on hub events while live.
        with EmulatorProcess("--fidelity", "friendly", "--workers", "4") as emulator:
            latency = {
                live: [s * 1000 for s in _drive(script, emulator.url, "latency", live, count, 0, scratch)["samples"]]
                for live in (False, True)
            }
            polling_median = statistics.median(latency[False])
            results.append(Result("live.latency.polling_median", polling_median, "ms", baseline=GOAL_LATENCY_MS))
            results.append(Result("live.latency.live_median", statistics.median(latency[True]), "ms", baseline=GOAL_LATENCY_MS))
            results.append(Result("live.latency.live_p90", _percentile(latency[True], 0.9), "ms", baseline=polling_median))
            for screen in ("workflows", "running"):
                rates = {live: _drive(script, emulator.url, screen, live, 0, window, scratch)["per_min"] for live in (False, True)}
                results.append(Result(f"live.requests_per_min.{screen}.polling", rates[False], "req/min"))
                results.append(Result(f"live.requests_per_min.{screen}.live", rates[True], "req/min", baseline=rates[False]))
    return results
