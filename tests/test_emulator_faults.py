"""Fault injection switches, request recording and restarting the emulator on the same port."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from flowsynx_tui.emulator import Emulator, EmulatorServer, Faults

DEFINITION = {"Name": "faulty", "Tasks": [{"Name": "Only"}]}


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    emulator = Emulator(seed=False, time_scale=0.02)
    emulator.add_workflow(DEFINITION)
    emulator.add_workflow({**DEFINITION, "Name": "second"})
    server = EmulatorServer(emulator)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[httpx.Client]:
    server.emulator.faults = Faults(seed=7)
    with httpx.Client(base_url=server.url) as client:
        yield client
    server.emulator.faults = Faults()


def last_fault(server: EmulatorServer) -> tuple[int, str | None]:
    record = server.emulator.requests[-1]
    return record.status, record.fault


def test_latency(server: EmulatorServer, client: httpx.Client) -> None:
    server.emulator.faults.latency = 0.3
    began = time.monotonic()
    assert client.get("/workflows").status_code == 200
    assert time.monotonic() - began >= 0.3
    assert last_fault(server) == (200, "latency")


def test_only_limits_faults_to_matching_paths(server: EmulatorServer, client: httpx.Client) -> None:
    server.emulator.faults = Faults.parse("error_rate=1,only=^/workflows$")
    assert client.get("/workflows").status_code in (500, 503)
    assert last_fault(server)[1] == "error"
    workflow_id = server.emulator.store.workflows(server.emulator.admin.id)[0].id
    assert client.get(f"/workflows/{workflow_id}/executions").status_code == 200
    assert last_fault(server) == (200, None)
    with pytest.raises(ValueError, match="regular expression"):
        Faults.parse("only=([")


def test_errors(server: EmulatorServer, client: httpx.Client) -> None:
    server.emulator.faults.error_rate = 1.0
    statuses = set()
    for _ in range(12):
        response = client.get("/workflows")
        statuses.add(response.status_code)
        if response.status_code == 500:
            assert response.json()["Messages"][0].startswith("[FSX")
        else:
            assert response.status_code == 503 and response.content == b""
        assert response.headers["flowsynx-version"] == "1.3.0"
    assert statuses == {500, 503}
    assert server.emulator.requests[-1].fault == "error"


def test_dropped_connections(server: EmulatorServer, client: httpx.Client) -> None:
    server.emulator.faults.drop_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/workflows")
    assert last_fault(server) == (200, "drop")
    server.emulator.faults.drop_rate = 0.0
    assert client.get("/workflows").status_code == 200


def test_malformed_bodies(server: EmulatorServer, client: httpx.Client) -> None:
    server.emulator.faults.malformed_rate = 1.0
    response = client.get("/workflows")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def conforms(body: Any) -> bool:
    """The workflow list shape with the reference's field types."""
    data = body.get("data")
    return (
        isinstance(data, list)
        and isinstance(body["pagination"]["totalCount"], int)
        and all(isinstance(item["id"], str) and isinstance(item["name"], str) for item in data)
    )


def test_wrong_types(server: EmulatorServer, client: httpx.Client) -> None:
    assert conforms(client.get("/workflows").json())
    server.emulator.faults.wrong_types_rate = 1.0
    for _ in range(5):
        assert not conforms(client.get("/workflows").json())
        assert last_fault(server) == (200, "wrong_types")


def test_token_expiry_after_requests(server: EmulatorServer, client: httpx.Client) -> None:
    faults = server.emulator.faults
    faults.token_expires_after_requests = 2
    assert [client.get("/workflows").status_code for _ in range(3)] == [200, 200, 401]
    assert client.get("/version").status_code == 200, "anonymous routes are unaffected"
    faults.reset_token()
    assert client.get("/workflows").status_code == 200


def test_token_expiry_after_seconds(server: EmulatorServer, client: httpx.Client) -> None:
    server.emulator.faults.token_expires_after_seconds = 0.5
    assert client.get("/workflows").status_code == 200
    time.sleep(0.6)
    response = client.get("/workflows")
    assert response.status_code == 401 and response.content == b""
    server.emulator.issue_token("admin")  # a new token ends the simulated expiry
    assert client.get("/workflows").status_code == 200


def test_parse_spec() -> None:
    faults = Faults.parse(
        "latency=2,jitter=3,error_rate=0.1,drop_rate=0.05,malformed_rate=0.05,"
        "wrong_types_rate=0.05,token_requests=50,token_seconds=60,seed=4"
    )
    assert (faults.latency, faults.latency_jitter, faults.error_rate, faults.drop_rate) == (2, 3, 0.1, 0.05)
    assert (faults.malformed_rate, faults.wrong_types_rate) == (0.05, 0.05)
    assert (faults.token_expires_after_requests, faults.token_expires_after_seconds, faults.seed) == (50, 60, 4)
    assert Faults.parse("").describe() == "none"
    for bad in ("speed=3", "latency", "error_rate=lots"):
        with pytest.raises(ValueError):
            Faults.parse(bad)


def test_requests_are_recorded(server: EmulatorServer, client: httpx.Client) -> None:
    client.get("/Workflows", params={"page": 1})
    record = server.emulator.requests[-1]
    assert (record.method, record.path, record.query, record.status) == ("GET", "/Workflows", "page=1", 200)
    assert record.user == "admin" and record.fault is None


def test_restart_on_the_same_port_keeps_state_and_runs(emulator_server: Any) -> None:
    server: EmulatorServer = emulator_server(seed=False)
    emu: Emulator = server.emulator
    slow_task = {"Name": "Work", "Execution": {"Parameters": {"emulator": {"seconds": 30}}}}
    workflow_id = emu.add_workflow({"Name": "long", "Tasks": [slow_task]})
    port = server.port
    with httpx.Client(base_url=server.url) as client:
        execution_id = client.post(f"/workflows/{workflow_id}/executions").json()["data"]["executionId"]
        emu.wait_for_status(execution_id, {"Running"})
        server.restart()
        assert server.port == port
        assert client.get(f"/workflows/{workflow_id}").status_code == 200
    assert emu.wait_for_status(execution_id, {"Completed"}) == "Completed"
