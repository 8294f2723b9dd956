"""The emulator's engine over HTTP: queue, gates, approve/reject, cancel, retries (reference 8-9)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.emulator.seed import execution_id

SCALE = 0.02  # one simulated second = 20 ms


def task(
    name: str,
    seconds: float = 1,
    after: tuple[str, ...] = (),
    on_failure_of: tuple[str, ...] = (),
    hints: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A v1.3.0 task whose simulated work takes ``seconds`` (scaled by ``SCALE``)."""
    return {
        "Name": name,
        "Type": "FlowSynx.Test:1.0.0",
        "Execution": {"Operation": "run", "Parameters": {"emulator": {"seconds": seconds, **(hints or {})}}},
        "FlowControl": {"Dependencies": list(after), "RunOnFailureOf": list(on_failure_of)},
        **extra,
    }


def gate(comment: str) -> dict[str, Any]:
    return {"ManualApproval": {"Enabled": True, "Comment": comment}}


def workflow(name: str, *tasks: dict[str, Any], **configuration: Any) -> dict[str, Any]:
    return {"Name": name, "Configuration": configuration, "Tasks": list(tasks)}


class Run:
    """One execution, driven over HTTP."""

    def __init__(self, client: httpx.Client, emu: Emulator, definition: dict[str, Any]) -> None:
        self.client = client
        self.emu = emu
        self.workflow_id = emu.add_workflow(definition)
        started = client.post(f"/workflows/{self.workflow_id}/executions")
        assert started.status_code == 200, started.text
        self.started = started.json()
        self.id = self.started["data"]["executionId"]
        self.url = f"/workflows/{self.workflow_id}/executions/{self.id}"

    def wait(self, *statuses: str, timeout: float = 10) -> str:
        return self.emu.wait_for_status(self.id, set(statuses), timeout)

    def wait_task(self, name: str, status: str) -> None:
        self.emu.wait_until(lambda: self.emu.task_statuses(self.id)[name] == status, 10, f"{name} {status}")

    def details(self) -> dict[str, Any]:
        return self.client.get(self.url).json()["data"]

    def tasks(self) -> dict[str, dict[str, Any]]:
        return {t["name"]: t for t in self.client.get(f"{self.url}/tasks").json()["data"]}

    def approvals(self) -> list[dict[str, Any]]:
        return self.client.get(f"{self.url}/approvals").json()["data"]

    def decide(self, verb: str, approval_id: str | None = None) -> httpx.Response:
        approval_id = approval_id or self.approvals()[0]["id"]
        return self.client.post(f"{self.url}/approvals/{approval_id}/{verb}")

    def messages(self) -> list[tuple[str, str]]:
        logs = self.client.get(f"{self.url}/logs", params={"pageSize": 0}).json()["data"]
        return [(entry["level"], entry["message"]) for entry in logs]


@pytest.fixture(scope="module")
def live() -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator(seed=False, time_scale=SCALE, workers=4))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def run(live: EmulatorServer) -> Iterator[Any]:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        yield lambda definition: Run(client, live.emulator, definition)


def test_gate_pauses_and_approve_blocks_until_done(run: Any) -> None:
    execution = run(
        workflow(
            "gated",
            task("Extract"),
            task("Publish", 15, ("Extract",), **gate("Check totals")),
            task("Archive", 1, ("Publish",)),
        )
    )
    execution.wait("Paused")
    details = execution.details()
    assert details["status"] == "Paused" and details["executionEnd"] is not None
    assert {name: t["status"] for name, t in execution.tasks().items()} == {
        "Extract": "Completed", "Publish": "Pending", "Archive": "Pending",
    }
    (approval,) = execution.approvals()
    assert (approval["taskName"], approval["comments"]) == ("Publish", "Check totals")

    answer: list[httpx.Response] = []
    approving = threading.Thread(target=lambda: answer.append(execution.decide("approve", approval["id"])))
    approving.start()
    execution.wait_task("Publish", "Running")
    assert execution.details()["status"] == "Paused", "Q5: stays Paused while the rest runs"
    approving.join(10)
    assert answer[0].status_code == 200
    assert answer[0].json()["messages"] == [f"Workflow '{execution.workflow_id}' resumed and executed successfully!"]
    assert execution.details()["status"] == "Completed", "approve returns only when the run is over"
    assert execution.approvals() == []
    again = execution.decide("approve", approval["id"])
    assert again.status_code == 404 and again.json()["messages"] == ["[FSX2441] Already approved or rejected."]
    resuming = f"Resuming workflow '{execution.workflow_id}' from execution '{execution.id}'"
    assert ("Information", resuming) in execution.messages()


def test_second_gate_and_approval_id_ignored(run: Any) -> None:
    execution = run(
        workflow("two-gates", task("First", 1, **gate("one")), task("Second", 1, ("First",), **gate("two")))
    )
    execution.wait("Paused")
    resumed = execution.decide("approve", str(uuid.uuid4()))  # Q2: any approval id will do
    assert resumed.json()["messages"] == [f"Workflow '{execution.workflow_id}' paused for manual approval."]
    assert execution.details()["status"] == "Paused"
    assert [a["taskName"] for a in execution.approvals()] == ["Second"]
    stuck = execution.decide("approve")
    assert stuck.status_code == 404 and "[FSX2441]" in stuck.json()["messages"][0], "Q2: second gate unreachable"


def test_reject_fails_at_once(run: Any) -> None:
    execution = run(workflow("rejected", task("Extract"), task("Publish", 1, ("Extract",), **gate("ok?"))))
    execution.wait("Paused")
    approval_id = execution.approvals()[0]["id"]
    response = execution.decide("reject", approval_id)
    assert response.json() == {
        "data": {}, "messages": [f"The workflow approval with id '{approval_id}' is rejected."],
        "succeeded": True, "generatedAtUtc": response.json()["generatedAtUtc"],
    }
    details = execution.details()
    assert details["status"] == "Failed" and details["executionEnd"] is not None
    assert execution.tasks()["Publish"]["status"] == "Pending"
    assert execution.decide("approve", approval_id).status_code == 404


def test_cancel_a_running_execution(run: Any) -> None:
    execution = run(workflow("cancel-me", task("A", 200), task("B", 200), task("C", 1, ("A",))))
    execution.wait_task("A", "Running")
    response = execution.client.post(f"{execution.url}/cancel")
    assert response.json()["messages"] == [f"Workflow '{execution.workflow_id}' cancelled successfully!"]
    assert execution.wait("Failed") == "Failed"
    tasks = execution.tasks()
    assert (tasks["A"]["status"], tasks["B"]["status"], tasks["C"]["status"]) == ("Canceled", "Canceled", "Pending")
    assert tasks["A"]["endTime"] is not None
    assert ("Error", "Workflow task 'A' canceled.") in execution.messages()
    again = execution.client.post(f"{execution.url}/cancel")
    assert again.status_code == 404 and again.json()["messages"][0].startswith("[FSX2435]")


def test_cancel_while_paused_succeeds_but_stays_paused(run: Any) -> None:
    execution = run(workflow("paused-cancel", task("Gate", 1, **gate("wait"))))
    execution.wait("Paused")
    assert execution.client.post(f"{execution.url}/cancel").status_code == 200
    assert execution.details()["status"] == "Paused"
    assert execution.decide("approve").status_code == 200
    assert execution.details()["status"] == "Completed"


def test_retries_then_success(run: Any) -> None:
    retry = {"Strategy": "Retry", "RetryPolicy": {"MaxRetries": 3, "InitialDelayMilliseconds": 2000}}
    execution = run(workflow("flaky", task("Fetch", 1, hints={"failAttempts": 2}, ErrorHandling=retry)))
    execution.wait_task("Fetch", "Retrying")
    assert execution.wait("Completed", "Failed") == "Completed"
    messages = execution.messages()
    assert messages.count(("Warning", "Workflow task 'Fetch' retrying.")) == 2
    logs = execution.client.get(f"{execution.url}/logs", params={"pageSize": 0}).json()["data"]
    first_failure = next(entry for entry in logs if entry["message"].startswith("Attempt 1 failed"))
    assert first_failure["exception"].startswith("FlowSynx.PluginCore.Exceptions.FlowSynxException:")


def test_retries_exhausted_fail_the_execution(run: Any) -> None:
    retry = {"Strategy": "Retry", "RetryPolicy": {"MaxRetries": 1, "InitialDelayMilliseconds": 10}}
    execution = run(
        workflow(
            "down",
            task("Fetch", 1, hints={"fail": True}, ErrorHandling=retry),
            task("Report", 1, ("Fetch",), on_failure_of=("Fetch",)),
            task("Upsert", 1, ("Fetch",)),
        )
    )
    assert execution.wait("Completed", "Failed") == "Failed"
    statuses = {name: t["status"] for name, t in execution.tasks().items()}
    assert statuses == {"Fetch": "Failed", "Report": "Completed", "Upsert": "Pending"}
    assert ("Error", "Workflow task 'Fetch' failed: Task 'Fetch' failed after 2 attempts.") in execution.messages()


def test_skip_strategy_keeps_going(run: Any) -> None:
    skipped = task("Zip", 1, hints={"fail": True}, ErrorHandling={"Strategy": "Skip"})
    execution = run(workflow("skippy", skipped, task("After", 1, ("Zip",))))
    assert execution.wait("Completed", "Failed") == "Completed"
    assert {t["status"] for t in execution.tasks().values()} == {"Completed"}
    assert ("Warning", "Workflow task 'Zip' skipped.") in execution.messages()


def test_degree_of_parallelism_limits_concurrency(run: Any) -> None:
    execution = run(workflow("fan", task("A", 5), task("B", 5), task("C", 5), DegreeOfParallelism=2))
    execution.wait("Completed")
    tasks = execution.tasks()
    third = max(tasks.values(), key=lambda t: t["startTime"])
    others = [t for t in tasks.values() if t is not third]
    assert third["startTime"] >= min(t["endTime"] for t in others)


def test_task_timeout_cancels(run: Any) -> None:
    slow = task("Slow", 50)
    slow["Execution"]["TimeoutMilliseconds"] = 2000
    execution = run(workflow("timeout", slow))
    assert execution.wait("Completed", "Failed") == "Failed"
    assert execution.tasks()["Slow"]["status"] == "Canceled"


def test_v12_definition_with_chatty_task(run: Any) -> None:
    definition = {
        "Name": "legacy-shape",
        "Tasks": [
            {
                "Name": "Load",
                "Type": "FlowSynx.Data.Csv:1.2.0",
                "Parameters": {"Operation": "read", "emulator": {"seconds": 5, "logLines": 300}},
            },
            {"Name": "Report", "Type": "FlowSynx.Data.Csv:1.2.0", "Dependencies": ["Load"]},
        ],
    }
    execution = run(definition)
    execution.wait("Completed")
    load = execution.tasks()["Load"]
    task_url = f"{execution.url}/tasks/{load['id']}/logs"
    pages = [execution.client.get(task_url, params={"page": page, "pageSize": 100}).json() for page in (1, 2, 3, 4)]
    assert pages[0]["pagination"]["totalCount"] >= 300
    ids = [entry["id"] for page in pages[:-1] for entry in page["data"]]
    assert len(ids) == len(set(ids)) == 300
    assert execution.tasks()["Report"]["startTime"] >= load["endTime"]


def test_queue_runs_one_execution_at_a_time(emulator_server: Any) -> None:
    server = emulator_server(seed=False, workers=1)
    emu: Emulator = server.emulator
    with httpx.Client(base_url=server.url) as client:
        blocker = Run(client, emu, workflow("blocker", task("Long", 100)))
        blocker.wait("Running")
        queued = Run(client, emu, workflow("queued", task("One"), task("Two", 1, ("One",))))
        data = queued.started["data"]
        assert set(data) == {"workflowId", "executionId", "startedAt"} and data["startedAt"].endswith("Z")
        assert queued.started["messages"] == [f"Workflow '{queued.workflow_id}' executed successfully!"]
        assert queued.details()["status"] == "Pending" and queued.details()["executionEnd"] is None
        rows = queued.tasks().values()
        assert {(t["status"], t["startTime"], t["endTime"]) for t in rows} == {("Pending", None, None)}
        pending_cancel = client.post(f"{queued.url}/cancel")
        assert pending_cancel.status_code == 404
        assert pending_cancel.json()["messages"] == [f"[FSX2435] The workflow execution '{queued.id}' not found."]
        assert client.post(f"{blocker.url}/cancel").status_code == 200
        assert queued.wait("Completed") == "Completed"


def test_seeded_running_execution_continues(emulator_server: Any) -> None:
    server = emulator_server(time_scale=SCALE / 2)
    running = execution_id("warehouse-load", 4)
    assert server.emulator.wait_for_status(running, {"Completed"}, timeout=10) == "Completed"
