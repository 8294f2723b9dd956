"""Fidelity profiles: ``real`` is as unkind as a FlowSynx v1.3.0 server, ``friendly`` as before.

Every test runs against both profiles over real HTTP and states what each one answers (reference
sections 2, 6, 7, 9 and quirks Q1-Q14 of ``shared/flowsynx-api.md``). The execution-list switch
(``all`` = Q1, ``by-workflow`` = the original API page) is tested at the end. Plain httpx, as in
``test_emulator_conformance``: this checks the server, not the project's client.
"""

from __future__ import annotations

import base64
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from flowsynx_tui.emulator import ADMIN_USER_ID, ANONYMOUS_ADMIN, Emulator, EmulatorServer
from flowsynx_tui.emulator.seed import execution_id, workflow_id

BASE_TIME = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
SCALE = 0.02  # one simulated second = 20 ms
FIDELITIES = ("friendly", "real")

INVOICE = workflow_id("invoice-approval")
NIGHTLY = workflow_id("nightly-csv-export")
PAUSED_INVOICE = execution_id("invoice-approval", 5)
FAILED_NIGHTLY = execution_id("nightly-csv-export", 6)
INVALID_ID = (
    "[FSX1401] Invalid workflow Id format. Please ensure the ID value  matches the standard GUID "
    "format (e.g., xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."
)
ACCESS_DENIED = "Access is denied. Please check and ensure you using a valid credentials."
SEVEN_DIGITS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z?$")
TRIMMED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,6}[1-9])?Z?$")


# -- helpers ------------------------------------------------------------------------------------------


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{user}".encode()).decode()}


def task(name: str, seconds: float = 1, after: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "FlowSynx.Test:1.0.0",
        "Execution": {"Operation": "run", "Parameters": {"emulator": {"seconds": seconds}}},
        "FlowControl": {"Dependencies": list(after)},
        **extra,
    }


GATE = {"ManualApproval": {"Enabled": True, "Comment": "check"}}


def gated(name: str, extract_seconds: float = 1) -> dict[str, Any]:
    """Extract -> Publish (approval gate)."""
    return {"Name": name, "Tasks": [task("Extract", extract_seconds), task("Publish", 1, ("Extract",), **GATE)]}


def gate_only(name: str) -> dict[str, Any]:
    return {"Name": name, "Tasks": [task("Gate", 1, **GATE)]}


class Run:
    """One execution of a fresh workflow, driven over HTTP."""

    def __init__(self, client: httpx.Client, emu: Emulator, definition: dict[str, Any]) -> None:
        self.client, self.emu = client, emu
        self.workflow_id = emu.add_workflow(definition)
        started = client.post(f"/workflows/{self.workflow_id}/executions")
        assert started.status_code == 200, started.text
        self.id = started.json()["data"]["executionId"]
        self.url = f"/workflows/{self.workflow_id}/executions/{self.id}"

    def under(self, workflow: str) -> str:
        return f"/workflows/{workflow}/executions/{self.id}"

    def wait(self, *statuses: str) -> str:
        return self.emu.wait_for_status(self.id, set(statuses), 10)

    def status(self) -> str:
        return self.client.get(self.url).json()["data"]["status"]

    def tasks(self) -> dict[str, dict[str, Any]]:
        return {t["name"]: t for t in self.client.get(f"{self.url}/tasks").json()["data"]}

    def approvals(self) -> list[dict[str, Any]]:
        return self.client.get(f"{self.url}/approvals").json()["data"]

    def decide(self, verb: str, workflow: str | None = None) -> httpx.Response:
        return self.client.post(f"{self.under(workflow or self.workflow_id)}/approvals/{uuid.uuid4()}/{verb}")

    def cancel(self, workflow: str | None = None) -> httpx.Response:
        return self.client.post(f"{self.under(workflow or self.workflow_id)}/cancel")

    def log_messages(self, path: str = "") -> list[str]:
        body = self.client.get(f"{self.url}{path}/logs", params={"pageSize": 0}).json()
        return [entry["message"] for entry in body["data"]]


def expect(response: httpx.Response, status: int, message: str) -> None:
    """A camelCase envelope with one message."""
    assert response.status_code == status, response.text
    assert response.json()["messages"] == [message]


# -- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=FIDELITIES)
def fidelity(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def frozen(fidelity: str) -> Iterator[EmulatorServer]:
    """Seeded, frozen at ``BASE_TIME``, basic auth, health check on. Tests must not change it."""
    server = EmulatorServer(
        Emulator(auth="basic", frozen=True, base_time=BASE_TIME, health_check=True, fidelity=fidelity)
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def admin(frozen: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, headers=basic("admin")) as client:
        yield client


@pytest.fixture(scope="module")
def live(fidelity: str) -> Iterator[EmulatorServer]:
    """No seed, fast engine, auth none (the caller is 00000000-...-0001). Tests add own workflows."""
    server = EmulatorServer(Emulator(seed=False, time_scale=SCALE, workers=4, fidelity=fidelity))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def run(live: EmulatorServer) -> Iterator[Callable[[dict[str, Any]], Run]]:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        yield lambda definition: Run(client, live.emulator, definition)


# -- Q3: engine log lines belong to "System" --------------------------------------------------------------


def test_engine_logs_of_queued_runs_are_invisible_q3(fidelity: str, run: Callable[..., Run]) -> None:
    execution = run(gated("q3"))
    execution.wait("Paused")
    extract_id = execution.tasks()["Extract"]["id"]
    approval_line = f"Approval requested for workflow execution {execution.id}"  # written by the worker
    search = {"message": approval_line}
    logs_before = execution.log_messages()
    task_logs_before = execution.log_messages(f"/tasks/{extract_id}")
    searched_before = execution.client.post("/logs", json=search).json()["data"]
    owners = {log.user_id for log in execution.emu.store.logs(execution.id)}
    if fidelity == "real":
        assert owners == {"System"}
        assert logs_before == [] and task_logs_before == [] and searched_before == []
    else:
        assert owners == {ANONYMOUS_ADMIN.id}
        assert "Workflow task 'Extract' started." in logs_before
        assert "Workflow task 'Extract' started." in task_logs_before
        assert [entry["message"] for entry in searched_before] == [approval_line]

    assert execution.decide("approve").status_code == 200
    logs_after = execution.log_messages()
    resuming = f"Resuming workflow '{execution.workflow_id}' from execution '{execution.id}'"
    # Lines written during the approve-resume run inside the request: they carry the caller's id.
    assert resuming in logs_after and "Workflow task 'Publish' completed." in logs_after
    searched = execution.client.post("/logs", json={"message": f"from execution '{execution.id}'"}).json()["data"]
    assert [entry["message"] for entry in searched] == [resuming]
    searched_after = execution.client.post("/logs", json=search).json()["data"]
    assert len(searched_after) == (1 if fidelity == "friendly" else 0)
    assert (approval_line in logs_after) is (fidelity == "friendly")


def test_seeded_history_logs_q3(frozen: EmulatorServer, admin: httpx.Client, fidelity: str) -> None:
    failed = admin.get(f"/workflows/{NIGHTLY}/executions/{FAILED_NIGHTLY}/logs").json()
    paused = admin.get(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/logs").json()
    approved = admin.get(f"/workflows/{INVOICE}/executions/{execution_id('invoice-approval', 1)}/logs").json()
    searched = admin.post("/logs", json={}, params={"pageSize": 0}).json()["data"]
    if fidelity == "real":
        assert failed["data"] == [] and paused["data"] == []
        assert approved["data"][0]["message"].startswith("Resuming workflow"), "only lines from the approve on"
        assert searched and all(not entry["message"].startswith("Approval requested") for entry in searched)
        assert len(searched) < 512
    else:
        assert failed["pagination"]["totalCount"] > 10 and paused["pagination"]["totalCount"] > 3
        assert approved["data"][0]["message"].startswith("Executing workflow")
        assert len(searched) == 512


# -- Q6: tasks finished before the gate run again ------------------------------------------------------------


def test_resume_runs_finished_tasks_again_q6(fidelity: str, run: Callable[..., Run]) -> None:
    execution = run(gated("q6", extract_seconds=10))
    execution.wait("Paused")
    before = execution.tasks()["Extract"]
    assert before["status"] == "Completed"
    emu = execution.emu
    seen = {emu.task_statuses(execution.id)["Extract"]}

    def watch() -> None:  # what Extract's row goes through while the approve is in flight
        deadline = time.monotonic() + 10
        while emu.execution_status(execution.id) == "Paused" and time.monotonic() < deadline:
            seen.add(emu.task_statuses(execution.id)["Extract"])
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    assert execution.decide("approve").status_code == 200
    watcher.join(10)
    after = execution.tasks()
    assert execution.status() == "Completed"
    assert {name: row["status"] for name, row in after.items()} == {"Extract": "Completed", "Publish": "Completed"}
    if fidelity == "real":
        assert seen & {"Pending", "Running"}, seen
        assert _seconds(after["Extract"]["startTime"]) > _seconds(before["endTime"]), "new start/end times"
        assert _seconds(after["Publish"]["startTime"]) >= _seconds(after["Extract"]["endTime"])
        assert execution.log_messages().count("Workflow task 'Extract' started.") == 1, "the rerun's lines"
    else:
        assert seen == {"Completed"}
        assert after["Extract"] == before
        assert execution.log_messages().count("Workflow task 'Extract' started.") == 1, "the only run's lines"


# -- Q10: cancel of a Paused execution -------------------------------------------------------------------------


def test_cancel_of_a_paused_execution_q10(fidelity: str, emulator_server: Callable[..., EmulatorServer]) -> None:
    server = emulator_server(seed=False, workers=2, fidelity=fidelity)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        first = Run(client, server.emulator, gate_only("q10-first"))
        second = Run(client, server.emulator, gate_only("q10-second"))
        first.wait("Paused")
        second.wait("Paused")
        other_workflow = second.workflow_id

        cancelled = f"Workflow '{first.workflow_id}' cancelled successfully!"
        if fidelity == "real":  # the registry key includes the workflow id
            expect(first.cancel(other_workflow), 404, f"[FSX2435] The workflow execution '{first.id}' not found.")
        else:
            expect(first.cancel(other_workflow), 200, f"Workflow '{other_workflow}' cancelled successfully!")
        expect(first.cancel(), 200, cancelled)
        assert first.status() == "Paused"
        again = first.cancel()
        if fidelity == "real":  # cancel removed the pausing run's registry entry
            expect(again, 404, f"[FSX2435] The workflow execution '{first.id}' not found.")
        else:
            expect(again, 200, cancelled)
        assert first.status() == "Paused"
        assert first.decide("approve").status_code == 200, "a later approve still resumes it"
        assert first.status() == "Completed"

        server.restart()
        after_restart = second.cancel()
        if fidelity == "real":
            expect(after_restart, 404, f"[FSX2435] The workflow execution '{second.id}' not found.")
        else:
            expect(after_restart, 200, f"Workflow '{second.workflow_id}' cancelled successfully!")
        assert second.status() == "Paused"
        assert second.decide("approve").status_code == 200
        assert second.status() == "Completed"


def test_cancel_of_a_seeded_paused_execution(fidelity: str, admin: httpx.Client) -> None:
    """Seed data is what the store held when the server started: no registry entry for it."""
    response = admin.post(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/cancel")
    if fidelity == "real":
        expect(response, 404, f"[FSX2435] The workflow execution '{PAUSED_INVOICE}' not found.")
    else:
        expect(response, 200, f"Workflow '{INVOICE}' cancelled successfully!")


# -- approve / reject ------------------------------------------------------------------------------------------


def test_approve_of_an_execution_that_is_not_paused(fidelity: str, run: Callable[..., Run]) -> None:
    execution = run(gate_only("not-paused"))
    execution.wait("Paused")
    record = execution.emu.store.execution(None, execution.id)
    assert record is not None
    # A Pending approval on an execution that is no longer Paused (nothing in the engine leaves
    # this state behind; the server's own order of checks is what is under test).
    execution.emu.store.set_status(record, "Failed")
    not_paused = f"[FSX2439] No workflow execution with Id '{execution.id}' found for resumning."
    expect(execution.decide("approve"), 404, not_paused)
    if fidelity == "real":  # the approval was marked Approved before the status check
        assert execution.approvals() == []
        assert execution.emu.store.approvals(execution.id)[0].status == "Approved"
        expect(execution.decide("approve"), 404, "[FSX2441] Already approved or rejected.")
    else:
        assert [approval["status"] for approval in execution.approvals()] == ["Pending"]
        expect(execution.decide("approve"), 404, not_paused)


def test_approve_and_reject_under_a_wrong_workflow_id(fidelity: str, run: Callable[..., Run]) -> None:
    rejected, approved = run(gate_only("wrong-id-reject")), run(gate_only("wrong-id-approve"))
    rejected.wait("Paused")
    approved.wait("Paused")
    wrong = str(uuid.uuid4())
    reject = rejected.decide("reject", wrong)
    approve = approved.decide("approve", wrong)
    if fidelity == "real":  # the approval lookup includes the workflow id
        expect(reject, 404, "[FSX2440] Approval request not found.")
        expect(approve, 404, "[FSX2440] Approval request not found.")
        assert rejected.status() == approved.status() == "Paused"
        assert approved.decide("approve").status_code == 200
        assert approved.status() == "Completed"
    else:  # the workflow id in the path is not looked at
        assert reject.status_code == 200 and rejected.status() == "Failed"
        expect(approve, 200, f"Workflow '{wrong}' resumed and executed successfully!")
        assert approved.status() == "Completed"


# -- workflows: modifiedDate, soft delete ------------------------------------------------------------------------


def test_modified_date_of_a_never_edited_workflow(fidelity: str, live: EmulatorServer) -> None:
    with httpx.Client(base_url=live.url) as client:
        new_id = client.post("/workflows", json={"Name": "never-edited", "Tasks": [{"Name": "A"}]}).json()["data"]["id"]

        def listed() -> tuple[str, str]:
            body = client.get("/workflows", params={"pageSize": 0}).json()
            item = next(item for item in body["data"] if item["id"] == new_id)
            return item["modifiedDate"], body["generatedAtUtc"]

        first, first_generated = listed()
        time.sleep(0.01)
        second, second_generated = listed()
        if fidelity == "real":  # LastModifiedOn ?? DateTime.UtcNow: "now" on every request
            assert first.endswith("Z") and second.endswith("Z")
            assert _seconds(first) <= _seconds(first_generated) < _seconds(second) <= _seconds(second_generated)
        else:
            assert first == second and not first.endswith("Z")
        client.put(f"/workflows/{new_id}", json={"Name": "edited", "Tasks": [{"Name": "A"}]})
        edited, _ = listed()
        time.sleep(0.01)
        assert listed()[0] == edited and not edited.endswith("Z"), "an update stores LastModifiedOn"


def _seconds(stamp: str) -> float:
    """Seconds of a server timestamp with 0 to 7 fraction digits, with or without ``Z``."""
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp() + float(f"0.{fraction or 0}")


def test_seeded_modified_dates(fidelity: str, admin: httpx.Client) -> None:
    stamps = {item["modifiedDate"] for item in admin.get("/workflows").json()["data"]}
    if fidelity == "real":
        assert stamps == {"2025-12-20T09:00:00Z"}, "the (frozen) request time"
    else:
        assert len(stamps) == 5 and all(stamp < "2025-12-11" for stamp in stamps)


def test_deleting_a_workflow_only_soft_deletes_it_q11(fidelity: str, run: Callable[..., Run]) -> None:
    execution = run({"Name": "doomed", "Tasks": [task("A")]})
    execution.wait("Completed")
    client = execution.client
    deleted = client.delete(f"/workflows/{execution.workflow_id}")
    expect(deleted, 200, "The workflow has been deleted successfully.")
    assert execution.workflow_id not in {w["id"] for w in client.get("/workflows").json()["data"]}
    listed = client.get(f"/workflows/{uuid.uuid4()}/executions", params={"pageSize": 0}).json()["data"]
    assert execution.id in {item["id"] for item in listed}, "executions stay in the list (both profiles)"
    details = client.get(execution.url)
    missing = f"[FSX2436] The execution with id '{execution.id}' not found."
    if fidelity == "real":
        expect(details, 404, missing)
    else:
        assert details.status_code == 200 and details.json()["data"]["status"] == "Completed"
    expect(client.get(execution.under(str(uuid.uuid4()))), 404, missing)


# -- errors, metrics, health, timestamps ----------------------------------------------------------------------


def test_metrics_without_identity_q14(fidelity: str, frozen: EmulatorServer) -> None:
    anonymous = httpx.get(f"{frozen.url}/metrics")
    if fidelity == "real":
        assert anonymous.status_code == 404
        assert anonymous.json() == {
            "data": None, "messages": [ACCESS_DENIED], "succeeded": False, "generatedAtUtc": "2025-12-20T09:00:00Z",
        }
    else:
        assert anonymous.status_code == 401
        assert anonymous.json()["Messages"] == [f"[FSX1550] {ACCESS_DENIED}"]
    assert httpx.get(f"{frozen.url}/metrics", headers=basic("user")).status_code == 200


def test_malformed_workflow_id_on_cancel(fidelity: str, admin: httpx.Client) -> None:
    response = admin.post(f"/workflows/not-a-guid/executions/{PAUSED_INVOICE}/cancel")
    body = response.json()
    assert set(body) == {"Data", "Messages", "Succeeded", "GeneratedAtUtc"}
    if fidelity == "real":  # parsed by the handler, not validated: the parse exception's text
        assert response.status_code == 500 and body["Messages"] == ["Unrecognized Guid format."]
    else:
        assert response.status_code == 400 and body["Messages"] == [INVALID_ID]
    bad_execution = admin.post(f"/workflows/{INVOICE}/executions/not-a-guid/cancel")
    assert bad_execution.status_code == 400 and bad_execution.json()["Messages"] == [INVALID_ID]


def test_timestamps_trailing_zeros(fidelity: str, admin: httpx.Client) -> None:
    urls = [
        f"/workflows/{INVOICE}/executions?pageSize=0",
        f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}",
        f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/tasks",
        f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/approvals",
        f"/workflows/{INVOICE}/executions/{execution_id('invoice-approval', 1)}/logs?pageSize=0",
    ]
    stamps: list[str] = []
    for url in urls:
        body = admin.get(url).json()
        stamps.append(body["generatedAtUtc"])
        items = body["data"] if isinstance(body["data"], list) else [body["data"]]
        for item in items:
            for key in ("executionStart", "executionEnd", "startTime", "endTime", "requestedAt", "timeStamp"):
                if item.get(key):
                    stamps.append(item[key])
    assert len(stamps) > 30
    pattern = TRIMMED if fidelity == "real" else SEVEN_DIGITS
    assert [stamp for stamp in stamps if not pattern.match(stamp)] == []
    expected_now = "2025-12-20T09:00:00Z" if fidelity == "real" else "2025-12-20T09:00:00.0000000Z"
    assert stamps[0] == expected_now
    if fidelity == "real":
        assert any(len(stamp.split(".")[-1]) < 7 for stamp in stamps if "." in stamp), "some were trimmed"


def test_started_at_of_a_new_execution(fidelity: str, emulator_server: Callable[..., EmulatorServer]) -> None:
    server = emulator_server(seed=False, frozen=True, base_time=BASE_TIME, fidelity=fidelity)
    new_id = server.emulator.add_workflow({"Name": "x", "Tasks": [{"Name": "A"}]})
    started = httpx.post(f"{server.url}/workflows/{new_id}/executions").json()["data"]["startedAt"]
    assert started == ("2025-12-20T09:00:00Z" if fidelity == "real" else "2025-12-20T09:00:00.0000000Z")


def test_health_components(fidelity: str, frozen: EmulatorServer) -> None:
    components = [check["Component"] for check in httpx.get(f"{frozen.url}/health").json()["HealthChecks"]]
    if fidelity == "real":
        assert components == ["Plugins service", "Logger service"]
    else:
        assert components == ["Plugins service", "Logger service", "Database service"]


# -- data scoping and roles ---------------------------------------------------------------------------------


def test_task_list_and_details_are_not_scoped_by_user(fidelity: str, frozen: EmulatorServer) -> None:
    execution = f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}"
    with httpx.Client(base_url=frozen.url, headers=basic("admin")) as admin:
        task_id = admin.get(f"{execution}/tasks").json()["data"][0]["id"]
    with httpx.Client(base_url=frozen.url, headers=basic("other")) as other:  # another user id
        tasks = other.get(f"{execution}/tasks").json()["data"]
        details = other.get(f"{execution}/tasks/{task_id}")
        if fidelity == "real":
            assert [t["name"] for t in tasks] == ["ExtractInvoices", "PublishInvoices", "ArchiveReport"]
            assert details.status_code == 200 and details.json()["data"]["id"] == task_id
        else:
            assert tasks == []
            expect(details, 404, f"[FSX2437] The task execution with id '{INVOICE}' not found.")
        assert other.get(execution).status_code == 404, "execution details stay per user"
        assert other.get(f"{execution}/approvals").json()["data"] == []
        assert other.get(f"{execution}/tasks/{task_id}/logs").json()["data"] == []
        assert other.get(f"{execution}/tasks", params={"pageSize": 0}).status_code == 200


def test_roles_have_no_singular_workflow_role(fidelity: str, emulator_server: Callable[..., EmulatorServer]) -> None:
    server = emulator_server(auth="bearer", frozen=True, base_time=BASE_TIME, fidelity=fidelity)
    emu: Emulator = server.emulator
    approvals = f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/approvals"

    def status(roles: list[str], path: str, method: str = "GET") -> int:
        token = emu.issue_token("someone", roles=roles, user_id=ADMIN_USER_ID)
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.request(method, f"{server.url}{path}", headers=headers, json={} if method == "POST" else None).status_code

    singular = [status(["workflow"], path) for path in ("/workflows", f"/workflows/{INVOICE}/executions", approvals)]
    assert singular == ([403, 403, 403] if fidelity == "real" else [200, 200, 200])
    # The same in both: names compared case-insensitively, each role grants its own routes only.
    assert status(["Executions"], f"/workflows/{INVOICE}/executions") == 200
    assert status(["executions"], approvals) == 403
    assert status(["APPROVALS"], approvals) == 200
    assert status(["logs"], "/logs", "POST") == 200
    assert status(["user", "config"], "/workflows") == 403
    assert status(["user"], "/metrics") == 200


# -- determinism ----------------------------------------------------------------------------------------------


def test_frozen_profiles_are_deterministic(fidelity: str, frozen: EmulatorServer) -> None:
    twin = EmulatorServer(Emulator(auth="basic", frozen=True, base_time=BASE_TIME, health_check=True, fidelity=fidelity))
    twin.start()
    try:
        paths = [
            "/workflows",
            f"/workflows/{INVOICE}/executions?pageSize=0",
            f"/workflows/{INVOICE}/executions/{execution_id('invoice-approval', 1)}/logs?pageSize=0",
            f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/tasks",
            "/metrics",
        ]
        with httpx.Client(base_url=frozen.url, headers=basic("admin")) as one:
            with httpx.Client(base_url=twin.url, headers=basic("admin")) as other:
                for path in paths:
                    assert one.get(path).content == other.get(path).content, path
                ids = [item["id"] for item in one.get(paths[1]).json()["data"]]
    finally:
        twin.stop()
    assert ids[-2:] == [PAUSED_INVOICE, execution_id("warehouse-load", 4)], "seeded ids in both profiles"


# -- execution-list semantics (independent of the profile) -----------------------------------------------------


@pytest.fixture(scope="module")
def by_workflow(fidelity: str) -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator(frozen=True, base_time=BASE_TIME, fidelity=fidelity, execution_list="by-workflow"))
    server.start()
    yield server
    server.stop()


def test_execution_list_all_ignores_the_workflow_id_q1(fidelity: str, admin: httpx.Client) -> None:
    everything = {"pageSize": 0}
    lists = [
        admin.get(f"/workflows/{workflow}/executions", params=everything).json()["data"]
        for workflow in (INVOICE, NIGHTLY, str(uuid.uuid4()))
    ]
    assert len(lists[0]) == 27 and lists[0] == lists[1] == lists[2]


def test_execution_list_by_workflow(fidelity: str, by_workflow: EmulatorServer) -> None:
    with httpx.Client(base_url=by_workflow.url) as client:
        invoice = client.get(f"/workflows/{INVOICE}/executions").json()
        assert [item["id"] for item in invoice["data"]] == [execution_id("invoice-approval", i) for i in range(1, 6)]
        assert invoice["pagination"]["totalCount"] == 5 and invoice["succeeded"] is True
        nightly = client.get(f"/workflows/{NIGHTLY}/executions", params={"pageSize": 3, "page": 3}).json()
        assert nightly["pagination"]["totalCount"] == 8 and len(nightly["data"]) == 2
        unknown = str(uuid.uuid4())
        missing = client.get(f"/workflows/{unknown}/executions")
        assert missing.status_code == 404
        body = missing.json()
        assert body["data"] == [] and body["succeeded"] is False
        assert body["messages"] == [f"[FSX2401] The workflow with id '{unknown}' not found."]
        assert body["pagination"] == {
            "currentPage": 1, "totalPages": 0, "totalCount": 0, "pageSize": 1,
            "hasPreviousPage": False, "hasNextPage": False,
        }
        malformed = client.get("/workflows/nope/executions")
        assert malformed.status_code == 400 and malformed.json()["Messages"] == [INVALID_ID]


def test_execution_list_by_workflow_after_delete(fidelity: str, emulator_server: Callable[..., EmulatorServer]) -> None:
    server = emulator_server(seed=False, frozen=True, base_time=BASE_TIME, fidelity=fidelity, execution_list="by-workflow")
    emu: Emulator = server.emulator
    kept, doomed = emu.add_workflow({"Name": "kept", "Tasks": [{"Name": "A"}]}), emu.add_workflow(
        {"Name": "doomed", "Tasks": [{"Name": "A"}]}
    )
    ran = {workflow: emu.start_execution(workflow) for workflow in (kept, doomed)}
    emu.delete_workflow(doomed)
    with httpx.Client(base_url=server.url) as client:
        assert [item["id"] for item in client.get(f"/workflows/{kept}/executions").json()["data"]] == [ran[kept]]
        expect(client.get(f"/workflows/{doomed}/executions"), 404, f"[FSX2401] The workflow with id '{doomed}' not found.")
        assert [item["id"] for item in client.get("/workflows").json()["data"]] == [kept]
    with pytest.raises(ValueError, match="execution_list"):
        Emulator(seed=False, execution_list="sideways")
    with pytest.raises(ValueError, match="fidelity"):
        Emulator(seed=False, fidelity="kind")
