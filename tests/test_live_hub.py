"""The SignalR hub ``/hubs/workflowExecutions`` (reference 9.6): the emulator's hub as an
independent SignalR client (pysignalr) sees it, and our own client (``api.hub``) against it.

Everything over real HTTP and WebSockets. What must hold: the negotiate and the JSON hub
protocol as ASP.NET Core speaks them, the server's event names (two carry ids), payloads and
moments, its silences (no event for log lines, approve, reject), delivery to the owning user
only, and the server's authentication on negotiate and on the upgrade.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import pytest
import websockets
from pysignalr.client import SignalRClient

from flowsynx_tui.api import BasicCredentials, BearerCredentials, FlowSynxClient
from flowsynx_tui.api.errors import AuthenticationRequired
from flowsynx_tui.api.hub import ExecutionEvent, HubClosed, HubConnection, HubUnavailable, TaskEvent, parse_event
from flowsynx_tui.emulator import EmulatorServer
from flowsynx_tui.emulator.seed import workflow_id

RS = "\x1e"
INVOICES = workflow_id("invoice-approval")
CSV = workflow_id("nightly-csv-export")


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{user}".encode()).decode()}


class Recorder:
    """Every invocation pysignalr hands over, by exact event name (its only way)."""

    def __init__(self, client: SignalRClient) -> None:
        self.client = client
        self.events: list[tuple[str, dict[str, Any]]] = []

    def listen(self, *names: str) -> None:
        for name in names:

            async def handler(arguments: list[dict[str, Any]], name: str = name) -> None:
                self.events.append((name, arguments[0]))

            self.client.on(name, handler)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [payload for event, payload in self.events if event == name]


async def until(condition: Any, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def independent_client(server: EmulatorServer, user: str = "admin") -> tuple[Recorder, asyncio.Task[None]]:
    client = SignalRClient(server.url + "/hubs/workflowExecutions", headers=basic(user))
    opened = asyncio.Event()

    async def on_open() -> None:
        opened.set()

    client.on_open(on_open)
    recorder = Recorder(client)
    recorder.listen("WorkflowExecutionUpdated", f"WorkflowExecutionUpdated-{CSV}", f"WorkflowExecutionUpdated-{INVOICES}")
    task = asyncio.create_task(client.run())
    await asyncio.wait_for(opened.wait(), 10)
    await until(lambda: server.emulator.hub.connected >= 1, what="the hub to list the connection")
    return recorder, task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_an_independent_signalr_client_gets_the_servers_events_names_and_payloads(emulator_server) -> None:
    server = emulator_server(auth="basic", seed=True, time_scale=0.05, fidelity="real")
    emulator = server.emulator
    recorder, task = await independent_client(server)
    try:
        execution = emulator.start_execution(CSV)
        tasks_event = f"WorkflowTaskExecutionUpdated-{CSV}-{execution}"
        recorder.listen(tasks_event)  # registered before the loop runs again: nothing missed
        emulator.wait_for_status(execution, "Completed", timeout=20)
        await until(
            lambda: any(p["status"] == "Completed" and p["executionId"] == execution for p in recorder.named("WorkflowExecutionUpdated")),
            what="the Completed event",
        )
        created = recorder.named(f"WorkflowExecutionUpdated-{CSV}")
        assert [p for p in created if p["executionId"] == execution] == [
            {
                "workflowId": CSV,
                "executionId": execution,
                "executionStart": created[-1]["executionStart"],
                "status": "Pending",
            }
        ]
        # Built from the clock when created; read back from the store afterwards (reference 9.6).
        assert created[-1]["executionStart"].endswith("Z")
        updates = [p for p in recorder.named("WorkflowExecutionUpdated") if p["executionId"] == execution]
        assert [p["status"] for p in updates] == ["Running", "Completed"]
        running, completed = updates
        assert "executionEnd" not in running and not running["executionStart"].endswith("Z")
        assert set(completed) == {"workflowId", "executionId", "executionStart", "executionEnd", "status"}
        task_events = recorder.named(tasks_event)
        names = {p["taskName"] for p in task_events}
        assert names == set(emulator.task_statuses(execution))
        assert all(set(p) == {"workflowId", "executionId", "taskId", "taskName", "status"} for p in task_events)
        for name in names:
            assert [p["status"] for p in task_events if p["taskName"] == name] == ["Running", "Completed"]
    finally:
        await stop(task)


async def test_the_hub_is_silent_about_approve_reject_and_log_lines(emulator_server) -> None:
    server = emulator_server(auth="basic", seed=True, time_scale=0.05, fidelity="real")
    emulator = server.emulator
    recorder, task = await independent_client(server)
    try:
        async with FlowSynxClient(server.url, credentials=BasicCredentials("admin", "admin")) as client:
            execution = emulator.start_execution(INVOICES)
            recorder.listen(f"WorkflowTaskExecutionUpdated-{INVOICES}-{execution}")
            emulator.wait_for_status(execution, "Paused", timeout=20)
            await until(lambda: any(p["status"] == "Paused" for p in recorder.named("WorkflowExecutionUpdated")), what="Paused")
            before = len(recorder.events)
            approval = (await client.list_approvals(INVOICES, execution)).items[0]
            await client.reject(INVOICES, execution, approval.id)
            assert emulator.execution_status(execution) == "Failed"
            await asyncio.sleep(0.5)
            # Reject sets Failed without an event; the log lines it wrote have none either.
            assert recorder.events[before:] == []
            assert not any("Log" in event for event, _ in recorder.events)
    finally:
        await stop(task)


async def test_events_go_to_the_owner_only(emulator_server) -> None:
    server = emulator_server(auth="basic", seed=True, time_scale=0.05)
    emulator = server.emulator
    stranger, task = await independent_client(server, user="other")
    try:
        execution = emulator.start_execution(CSV)
        emulator.wait_for_status(execution, "Completed", timeout=20)
        await asyncio.sleep(0.3)
        assert emulator.hub.sent, "the admin's run published events"
        assert stranger.events == []
    finally:
        await stop(task)


async def test_negotiate_and_upgrade_need_the_servers_authentication(emulator_server) -> None:
    server = emulator_server(auth="basic", seed=False)
    hub = server.url + "/hubs/workflowExecutions"
    async with httpx.AsyncClient() as http:
        assert (await http.post(hub + "/negotiate?negotiateVersion=1")).status_code == 401
        answer = await http.post(hub + "/negotiate?negotiateVersion=1", headers=basic("viewer"))
        assert answer.status_code == 200
        negotiated = answer.json()
    assert negotiated["negotiateVersion"] == 1
    assert {t["transport"] for t in negotiated["availableTransports"]} == {"WebSockets"}
    ws = hub.replace("http://", "ws://")
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await websockets.connect(f"{ws}?id={negotiated['connectionToken']}")
    assert refused.value.response.status_code == 401
    with pytest.raises(websockets.exceptions.InvalidStatus) as unknown:
        await websockets.connect(f"{ws}?id=not-negotiated", additional_headers=basic("viewer"))
    assert unknown.value.response.status_code == 404


async def test_bearer_tokens_work_as_header_and_as_access_token(emulator_server) -> None:
    server = emulator_server(auth="bearer", seed=False)
    token = server.emulator.issue_token("admin")
    ws = server.url.replace("http://", "ws://") + "/hubs/workflowExecutions"
    async with websockets.connect(f"{ws}?access_token={token}") as socket:
        await socket.send(json.dumps({"protocol": "json", "version": 1}) + RS)
        assert await socket.recv() == "{}" + RS
    client = FlowSynxClient(server.url, credentials=BearerCredentials(token))
    connection = await HubConnection.open(client)
    await connection.close()
    await client.aclose()


async def test_json_hub_protocol_handshake_pings_and_completions(emulator_server) -> None:
    server = emulator_server(seed=False)
    server.emulator.hub.keepalive = 0.2
    ws = server.url.replace("http://", "ws://") + "/hubs/workflowExecutions"
    async with websockets.connect(ws) as socket:
        await socket.send(json.dumps({"protocol": "messagepack", "version": 1}) + RS)
        assert "not supported" in json.loads((await socket.recv()).rstrip(RS))["error"]
    async with websockets.connect(ws) as socket:
        await socket.send(json.dumps({"protocol": "json", "version": 1}) + RS)
        assert await socket.recv() == "{}" + RS
        assert json.loads((await asyncio.wait_for(socket.recv(), 5)).rstrip(RS)) == {"type": 6}
        await socket.send(json.dumps({"type": 1, "invocationId": "7", "target": "Subscribe", "arguments": []}) + RS)
        while True:
            reply = json.loads((await asyncio.wait_for(socket.recv(), 5)).rstrip(RS))
            if reply["type"] != 6:
                break
        assert reply == {"type": 3, "invocationId": "7", "error": "Unknown hub method 'Subscribe'"}


async def test_a_silent_client_is_dropped(emulator_server) -> None:
    server = emulator_server(seed=False)
    server.emulator.hub.client_timeout = 0.3
    ws = server.url.replace("http://", "ws://") + "/hubs/workflowExecutions"
    async with websockets.connect(ws) as socket:
        await socket.send(json.dumps({"protocol": "json", "version": 1}) + RS)
        await socket.recv()
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            while True:
                await asyncio.wait_for(socket.recv(), 5)


# ------------------------------------------------------------------ our client
async def test_our_client_tells_events_apart_by_prefix_and_checks_them(emulator_server) -> None:
    server = emulator_server(auth="basic", seed=True, time_scale=0.05)
    emulator = server.emulator
    async with FlowSynxClient(server.url, credentials=BasicCredentials("admin", "admin")) as client:
        connection = await HubConnection.open(client)
        await until(lambda: emulator.hub.connected == 1, what="connected")
        execution = emulator.start_execution(CSV)
        # Something a newer or broken server might send: skipped and counted, never raised.
        emulator.hub.publish(emulator.admin.id, "WorkflowExecutionUpdated", {"workflowId": "../x", "status": "Running"})
        got: list[object] = []
        async for event in connection.events():
            if getattr(event, "execution_id", None) == execution:
                got.append(event)
            if isinstance(event, ExecutionEvent) and event.execution_id == execution and event.status.is_finished:
                break
        await connection.close()
    assert isinstance(got[0], ExecutionEvent) and got[0].created and got[0].workflow_id == CSV
    assert [e.status.value for e in got if isinstance(e, ExecutionEvent)] == ["Pending", "Running", "Completed"]
    assert {e.task_name for e in got if isinstance(e, TaskEvent)} == set(emulator.task_statuses(execution))
    assert connection.unreadable == 1


def test_event_parsing_is_strict_about_ids_and_lenient_about_statuses() -> None:
    wid, eid, tid = CSV, "7a01f594-4253-4deb-8829-4c30c23f4823", "09ec6393-a468-4220-bea5-e0f9da17bbc7"
    task = parse_event(f"workflowtaskexecutionupdated-{wid}-{eid}", [{"workflowId": wid, "executionId": eid, "taskId": tid, "taskName": "[b]x[/b]", "status": "Skipped"}])
    assert isinstance(task, TaskEvent) and task.status.value == "Skipped" and task.task_name == "[b]x[/b]"
    assert parse_event("WorkflowExecutionUpdated", [{"workflowId": wid, "executionId": "1 OR 1=1", "status": "Running"}]) is None
    assert parse_event("WorkflowExecutionUpdated", "not a list") is None
    assert parse_event("SomethingNew", [{}]) is None


async def test_missing_blocked_and_dropped_hubs_are_told_apart(emulator_server) -> None:
    server = emulator_server(auth="basic", seed=False)
    emulator = server.emulator
    async with FlowSynxClient(server.url, credentials=BasicCredentials("admin", "admin")) as client:
        emulator.faults.hub = "missing"
        with pytest.raises(HubUnavailable, match="404"):
            await HubConnection.open(client)
        emulator.faults.hub = "blocked"
        with pytest.raises(HubUnavailable, match="refused"):
            await HubConnection.open(client)
        emulator.faults.hub = "on"
        connection = await HubConnection.open(client)
        await until(lambda: emulator.hub.connected == 1, what="connected")
        emulator.hub.drop_all()
        with pytest.raises(HubClosed):
            async for _ in connection.events():
                pass
    async with FlowSynxClient(server.url, credentials=BasicCredentials("admin", "wrong")) as client:
        with pytest.raises(AuthenticationRequired):
            await HubConnection.open(client)
