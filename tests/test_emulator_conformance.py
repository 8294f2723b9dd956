"""The emulator speaks FlowSynx v1.3.0 HTTP: shapes, paging, errors, auth (reference sections 2-7).

Plain httpx on purpose: this checks the server against the reference, not the project's client.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from flowsynx_tui.emulator import ADMIN_USER_ID, ANONYMOUS_ADMIN, Emulator, EmulatorServer
from flowsynx_tui.emulator.seed import execution_id, workflow_id

BASE_TIME = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
STORE_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}$")
UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INVALID_ID = (
    "[FSX1401] Invalid workflow Id format. Please ensure the ID value  matches the standard GUID "
    "format (e.g., xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."
)
ENVELOPE_KEYS = {"data", "messages", "succeeded", "generatedAtUtc"}
PAGINATION_KEYS = {"currentPage", "totalPages", "totalCount", "pageSize", "hasPreviousPage", "hasNextPage"}
EXECUTION_STATES = {"Pending", "Running", "Paused", "Completed", "Failed"}
TASK_STATES = {"Pending", "Running", "Completed", "Canceled", "Failed", "Retrying"}
LEVELS = {"Trace", "Debug", "Information", "Warning", "Error", "Critical"}

INVOICE = workflow_id("invoice-approval")
NIGHTLY = workflow_id("nightly-csv-export")
WAREHOUSE = workflow_id("warehouse-load")
PAUSED_INVOICE = execution_id("invoice-approval", 5)
RUNNING_WAREHOUSE = execution_id("warehouse-load", 4)
FAILED_NIGHTLY = execution_id("nightly-csv-export", 6)


def envelope(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert UTC_STAMP.match(body["generatedAtUtc"])
    assert body["succeeded"] is (status == 200)
    return body


def paged(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ENVELOPE_KEYS | {"pagination"}
    assert set(body["pagination"]) == PAGINATION_KEYS
    assert isinstance(body["data"], list)
    return body


def not_found(response: httpx.Response, message: str) -> None:
    body = envelope(response, 404)
    assert body["data"] is None
    assert body["messages"] == [message]


def pascal(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"Data", "Messages", "Succeeded", "GeneratedAtUtc"}
    assert body["Succeeded"] is False and body["Data"] is None
    return body


@pytest.fixture(scope="module")
def frozen() -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator(frozen=True, base_time=BASE_TIME))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(frozen: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url) as client:
        yield client


# -- envelopes and DTO shapes ----------------------------------------------------------------------------


def test_version_header_on_every_response(api: httpx.Client) -> None:
    for response in (
        api.get("/version"),
        api.get("/workflows/not-a-guid"),
        api.get("/no/such/route"),
        api.delete("/version"),
    ):
        assert response.headers["flowsynx-version"] == "1.3.0"
    assert envelope(api.get("/version"))["data"] == {"version": "1.3.0"}


def test_workflow_list_and_details(api: httpx.Client) -> None:
    body = paged(api.get("/workflows"))
    names = [item["name"] for item in body["data"]]
    assert names == [
        "nightly-csv-export",
        "invoice-approval",
        "flaky-partner-sync",
        "warehouse-load",
        "customer-onboarding",
    ]
    for item in body["data"]:
        assert set(item) == {"id", "name", "modifiedDate", "schemaUrl"}
        assert GUID.match(item["id"]) and STORE_STAMP.match(item["modifiedDate"])
        assert item["schemaUrl"] is None
    details = envelope(api.get(f"/workflows/{INVOICE}"))["data"]
    assert set(details) == {"id", "name", "workflow"}
    wrapped = json.loads(details["workflow"])
    assert set(wrapped) == {"Schema", "Workflow"} and wrapped["Schema"] is None
    tasks = [task["Name"] for task in wrapped["Workflow"]["Tasks"]]
    assert tasks == ["ExtractInvoices", "PublishInvoices", "ArchiveReport"]


def test_execution_list_pages_and_clamps(api: httpx.Client) -> None:
    first = paged(api.get(f"/workflows/{INVOICE}/executions"))
    assert first["pagination"] == {
        "currentPage": 1, "totalPages": 2, "totalCount": 27, "pageSize": 25,
        "hasPreviousPage": False, "hasNextPage": True,
    }
    assert len(first["data"]) == 25
    for item in first["data"]:
        assert set(item) == {"id", "status", "executionStart", "executionEnd"}
        assert item["status"] in EXECUTION_STATES and STORE_STAMP.match(item["executionStart"])
    starts = [item["executionStart"] for item in first["data"]]
    assert starts == sorted(starts), "oldest first"
    beyond = paged(api.get(f"/workflows/{INVOICE}/executions", params={"page": 99}))
    assert beyond["pagination"]["currentPage"] == 2 and beyond["pagination"]["hasPreviousPage"] is True
    assert [item["id"] for item in beyond["data"]] == [PAUSED_INVOICE, RUNNING_WAREHOUSE]
    assert paged(api.get(f"/workflows/{INVOICE}/executions", params={"page": -3}))["pagination"]["currentPage"] == 1
    everything = paged(api.get(f"/workflows/{INVOICE}/executions", params={"pageSize": 0}))
    assert len(everything["data"]) == 27 and everything["pagination"]["pageSize"] == 27
    assert everything["pagination"]["totalPages"] == 1
    third = paged(api.get(f"/workflows/{INVOICE}/executions?PAGE=3&pagesize=10"))
    assert len(third["data"]) == 7 and third["pagination"]["totalPages"] == 3
    assert third["pagination"]["hasNextPage"] is False


def test_non_numeric_page_is_a_bare_400(api: httpx.Client) -> None:
    response = api.get("/workflows", params={"page": "two"})
    assert response.status_code == 400 and response.content == b""


def test_execution_list_ignores_the_workflow_id_q1(api: httpx.Client) -> None:
    everything = {"pageSize": 0}
    via_invoice = paged(api.get(f"/workflows/{INVOICE}/executions", params=everything))["data"]
    via_nightly = paged(api.get(f"/workflows/{NIGHTLY}/executions", params=everything))["data"]
    via_unknown = paged(api.get(f"/workflows/{uuid.uuid4()}/executions", params=everything))["data"]
    assert via_invoice == via_nightly == via_unknown


def test_execution_details_filter_by_workflow(api: httpx.Client) -> None:
    details = envelope(api.get(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}"))["data"]
    assert set(details) == {"workflowId", "executionId", "workflow", "status", "executionStart", "executionEnd"}
    assert details["status"] == "Paused"
    assert STORE_STAMP.match(details["executionEnd"]), "Q4: executionEnd is set while paused"
    assert json.loads(details["workflow"])["Name"] == "invoice-approval"
    not_found(
        api.get(f"/workflows/{NIGHTLY}/executions/{PAUSED_INVOICE}"),
        f"[FSX2436] The execution with id '{PAUSED_INVOICE}' not found.",
    )


def test_tasks_of_a_running_execution(api: httpx.Client) -> None:
    body = paged(api.get(f"/workflows/{WAREHOUSE}/executions/{RUNNING_WAREHOUSE}/tasks"))
    statuses = {item["name"]: item["status"] for item in body["data"]}
    assert statuses == {
        "ExtractOrders": "Running", "ExtractInventory": "Completed", "ExtractCustomers": "Completed",
        "ExtractShipments": "Running", "LoadWarehouse": "Pending", "RefreshDashboards": "Pending",
    }
    for item in body["data"]:
        assert set(item) == {
            "id", "name", "workflowId", "workflowExecutionId", "status", "message", "startTime", "endTime",
        }
        assert item["workflowId"] == WAREHOUSE and item["workflowExecutionId"] == RUNNING_WAREHOUSE
        assert item["status"] in TASK_STATES and item["message"] is None
        assert (item["startTime"] is None) == (item["status"] == "Pending")
        assert (item["endTime"] is not None) == (item["status"] == "Completed")
    orders = next(item for item in body["data"] if item["name"] == "ExtractOrders")
    task_url = f"/workflows/{WAREHOUSE}/executions/{RUNNING_WAREHOUSE}/tasks/{orders['id']}"
    details = envelope(api.get(task_url))["data"]
    assert details == {key: orders[key] for key in ("id", "status", "message", "startTime", "endTime")}
    task_logs = paged(api.get(f"{task_url}/logs", params={"pageSize": 0}))
    assert 1000 < task_logs["pagination"]["totalCount"] < 2500, "a chatty task, 30 s into 75 s"
    all_logs = paged(api.get(f"/workflows/{WAREHOUSE}/executions/{RUNNING_WAREHOUSE}/logs", params={"pageSize": 1}))
    assert all_logs["pagination"]["totalCount"] > task_logs["pagination"]["totalCount"]


def test_log_entries(api: httpx.Client) -> None:
    url = f"/workflows/{NIGHTLY}/executions/{FAILED_NIGHTLY}/logs"
    logs = paged(api.get(url))["data"]
    for entry in logs:
        assert set(entry) == {"id", "message", "level", "timeStamp", "exception"}
        assert GUID.match(entry["id"]) and STORE_STAMP.match(entry["timeStamp"])
        assert entry["level"] in LEVELS
    messages = [entry["message"] for entry in logs]
    assert "Workflow task 'ListFiles' started." in messages
    failure = next(entry for entry in logs if entry["message"].startswith("Workflow task 'SaveLocal' failed:"))
    assert failure["level"] == "Error" and "\n   at " in failure["exception"]
    stamps = [entry["timeStamp"] for entry in logs]
    assert stamps == sorted(stamps)


def test_pending_approvals(api: httpx.Client) -> None:
    body = paged(api.get(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/approvals"))
    (approval,) = body["data"]
    assert set(approval) == {
        "id", "workflowId", "executionId", "taskName", "requestedBy", "requestedAt", "status", "comments",
    }
    assert approval["taskName"] == "PublishInvoices" and approval["status"] == "Pending"
    assert approval["comments"] == "Check totals before publishing"
    assert approval["requestedBy"] == ANONYMOUS_ADMIN.id and STORE_STAMP.match(approval["requestedAt"])


def test_lists_for_unknown_executions_are_empty(api: httpx.Client) -> None:
    unknown = uuid.uuid4()
    for suffix in ("tasks", "logs", "approvals", f"tasks/{uuid.uuid4()}/logs"):
        body = paged(api.get(f"/workflows/{INVOICE}/executions/{unknown}/{suffix}"))
        assert body["data"] == [] and body["succeeded"] is True
        assert body["pagination"] == {
            "currentPage": 1, "totalPages": 0, "totalCount": 0, "pageSize": 25,
            "hasPreviousPage": False, "hasNextPage": False,
        }


def test_error_shapes(api: httpx.Client) -> None:
    assert pascal(api.get("/workflows/nope"), 400)["Messages"] == [INVALID_ID]
    assert pascal(api.get(f"/workflows/{INVOICE}/executions/123/tasks"), 400)["Messages"] == [INVALID_ID]
    pascal(api.get(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/tasks/bad-task"), 500)
    pascal(api.post(f"/workflows/bad/executions/{PAUSED_INVOICE}/approvals/{uuid.uuid4()}/approve"), 500)
    pascal(api.post(f"/workflows/bad/executions/{PAUSED_INVOICE}/approvals/{uuid.uuid4()}/reject"), 500)
    unknown = str(uuid.uuid4())
    not_found(api.get(f"/workflows/{unknown}"), f"[FSX2401] The workflow with id '{unknown}' not found.")
    not_found(api.delete(f"/workflows/{unknown}"), f"[FSX2401] The workflow with id '{unknown}' could not be found.")
    not_found(
        api.get(f"/workflows/{INVOICE}/executions/{unknown}"),
        f"[FSX2436] The execution with id '{unknown}' not found.",
    )
    not_found(
        api.get(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/tasks/{unknown}"),
        f"[FSX2437] The task execution with id '{INVOICE}' not found.",
    )
    not_found(api.post(f"/workflows/{unknown}/executions"), f"No workflow found for id '{unknown}'.")
    not_found(api.post("/workflows/zzz/executions"), INVALID_ID)
    not_found(
        api.post(f"/workflows/{INVOICE}/executions/{unknown}/cancel"),
        f"[FSX2435] The workflow execution '{unknown}' not found.",
    )
    not_found(
        api.post(f"/workflows/{INVOICE}/executions/{unknown}/approvals/{unknown}/approve"),
        "[FSX2440] Approval request not found.",
    )
    assert api.get("/health").status_code == 404
    assert api.get("/plugins/nothing/here").status_code == 404


def test_paths_are_case_insensitive(api: httpx.Client) -> None:
    upper = INVOICE.upper()
    body = envelope(api.get(f"/WORKFLOWS/{upper}/Executions/{PAUSED_INVOICE.upper()}/"))
    assert body["data"]["workflowId"] == INVOICE
    assert paged(api.get(f"/Workflows/{INVOICE}/executions/{PAUSED_INVOICE}/APPROVALS"))["data"]


def test_metrics(api: httpx.Client) -> None:
    data = envelope(api.get("/metrics"))["data"]
    assert data == {"activeWorkflows": 5, "runningTasks": 1, "completedToday": 1, "failedWorkflows": 6}


def test_global_log_search(api: httpx.Client) -> None:
    body = paged(api.post("/logs", json={"level": "error", "message": "SAVELOCAL"}, params={"pageSize": 0}))
    assert body["data"] and all(entry["level"] == "Error" for entry in body["data"])
    assert all("savelocal" in entry["message"].lower() for entry in body["data"])
    stamps = [entry["timeStamp"] for entry in body["data"]]
    assert stamps == sorted(stamps, reverse=True), "newest first"
    capped = paged(api.post("/logs", json={}, params={"pageSize": 0}))
    assert capped["pagination"]["totalCount"] == 512
    window = {"fromDate": "2025-12-19T00:00:00", "toDate": "2025-12-19T23:59:59Z"}
    dated = paged(api.post("/logs", json=window, params={"pageSize": 0}))["data"]
    assert dated and all(entry["timeStamp"].startswith("2025-12-19") for entry in dated)
    assert pascal(api.post("/logs"), 400)["Messages"][0].startswith("[FSX1302]")


# -- determinism and variants ------------------------------------------------------------------------------


def test_frozen_emulators_answer_byte_identically(frozen: EmulatorServer, emulator_server: Any) -> None:
    twin = emulator_server(frozen=True, base_time=BASE_TIME)
    paths = [
        "/workflows",
        f"/workflows/{INVOICE}",
        f"/workflows/{INVOICE}/executions?pageSize=0",
        f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/approvals",
        f"/workflows/{WAREHOUSE}/executions/{RUNNING_WAREHOUSE}/tasks",
        f"/workflows/{WAREHOUSE}/executions/{RUNNING_WAREHOUSE}/logs?page=40",
        "/metrics",
    ]
    with httpx.Client(base_url=frozen.url) as one, httpx.Client(base_url=twin.url) as other:
        for path in paths:
            assert one.get(path).content == other.get(path).content, path
        first = other.post(f"/workflows/{NIGHTLY}/executions").json()["data"]
    assert first["startedAt"] == "2025-12-20T09:00:00.0000000Z"
    assert twin.emulator.execution_status(first["executionId"]) == "Pending"


def test_legacy_log_levels(emulator_server: Any) -> None:
    server = emulator_server(frozen=True, base_time=BASE_TIME, legacy_log_levels=True)
    url = f"{server.url}/workflows/{NIGHTLY}/executions/{FAILED_NIGHTLY}/logs?pageSize=0"
    levels = {entry["level"] for entry in httpx.get(url).json()["data"]}
    assert levels <= {"Dbug", "Info", "Warn", "Fail", "Crit"} and {"Info", "Fail"} <= levels


def test_health_when_enabled(emulator_server: Any) -> None:
    server = emulator_server(seed=False, health_check=True)
    body = httpx.get(f"{server.url}/health").json()
    assert body["Status"] == "Healthy" and body["HealthChecks"][0]["Component"] == "Plugins service"


# -- workflow CRUD ------------------------------------------------------------------------------------------

SIMPLE = {"Name": "two-steps", "Tasks": [{"Name": "A"}, {"Name": "B", "FlowControl": {"Dependencies": ["A"]}}]}


def test_workflow_crud(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    with httpx.Client(base_url=server.url) as client:
        added = envelope(client.post("/workflows", json={"schema": "https://example.com/s.json", "workflow": SIMPLE}))
        assert added["messages"] == ["The workflow has been added successfully."]
        assert set(added["data"]) == {"id", "name", "schemaUrl"}
        new_id = added["data"]["id"]
        stored = json.loads(envelope(client.get(f"/workflows/{new_id}"))["data"]["workflow"])
        assert stored == {"Schema": "https://example.com/s.json", "Workflow": SIMPLE}
        renamed = {**SIMPLE, "Name": "renamed"}
        updated = envelope(client.put(f"/workflows/{new_id}", content=json.dumps(renamed)))
        assert updated["data"] == {} and updated["messages"] == ["The workflow has been updated successfully."]
        assert paged(client.get("/workflows"))["data"][0]["name"] == "renamed"
        deleted = envelope(client.delete(f"/workflows/{new_id}"))
        assert deleted["messages"] == ["The workflow has been deleted successfully."]
        assert paged(client.get("/workflows"))["pagination"]["totalPages"] == 0
        assert client.get(f"/workflows/{new_id}").status_code == 404


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ({"Tasks": []}, "FSX2403"),
        ({"Name": "d", "Tasks": [{"Name": "A"}, {"Name": "A"}]}, "FSX2404"),
        ({"Name": "m", "Tasks": [{"Name": "A", "FlowControl": {"Dependencies": ["X"]}}]}, "FSX2405"),
        (
            {"Name": "c", "Tasks": [{"Name": "A", "Dependencies": ["B"]}, {"Name": "B", "Dependencies": ["A"]}]},
            "FSX2406",
        ),
    ],
)
def test_invalid_definitions_are_refused(api: httpx.Client, definition: dict[str, Any], code: str) -> None:
    body = envelope(api.post("/workflows", json=definition), 404)
    assert body["messages"][0].startswith(f"[{code}]")


def test_unreadable_bodies(api: httpx.Client) -> None:
    assert pascal(api.post("/workflows", content=b""), 400)["Messages"][0].startswith("[FSX1302]")
    assert pascal(api.post("/workflows", content=b"{nope"), 400)["Messages"][0].startswith("[FSX1301]")


# -- authentication and authorization -----------------------------------------------------------------------


def basic(user: str, password: str | None = None, scheme: str = "Basic") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password or user}".encode()).decode()
    return {"Authorization": f"{scheme} {token}"}


@pytest.fixture(scope="module")
def basic_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator(auth="basic", frozen=True, base_time=BASE_TIME))
    server.start()
    yield server
    server.stop()


def test_basic_rejects_missing_or_wrong_credentials(basic_server: EmulatorServer) -> None:
    for headers in ({}, basic("admin", "wrong"), basic("admin", scheme="basic"), {"Authorization": "Basic !!!"}):
        response = httpx.get(f"{basic_server.url}/workflows", headers=headers)
        assert response.status_code == 401 and response.content == b""
        assert "www-authenticate" not in response.headers
    assert httpx.get(f"{basic_server.url}/version").status_code == 200
    assert httpx.get(f"{basic_server.url}/metrics").status_code == 401


@pytest.mark.parametrize(
    ("user", "allowed", "denied"),
    [
        ("admin", {"workflows", "executions", "approvals", "logs"}, set()),
        ("operator", {"executions", "approvals"}, {"workflows", "logs"}),
        ("viewer", {"executions"}, {"workflows", "approvals", "logs"}),
        ("user", set(), {"workflows", "executions", "approvals", "logs"}),
    ],
)
def test_roles(basic_server: EmulatorServer, user: str, allowed: set[str], denied: set[str]) -> None:
    execution = f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}"
    probes = {
        "workflows": ("GET", "/workflows"),
        "executions": ("GET", f"{execution}/tasks"),
        "approvals": ("GET", f"{execution}/approvals"),
        "logs": ("POST", "/logs"),
    }
    with httpx.Client(base_url=basic_server.url, headers=basic(user)) as client:
        for area, (method, path) in probes.items():
            response = client.request(method, path, json={} if method == "POST" else None)
            if area in allowed:
                assert response.status_code == 200, (user, area)
            else:
                assert area in denied
                assert response.status_code == 403 and response.content == b"", (user, area)
        assert client.get("/metrics").status_code == 200
        assert client.get("/version").status_code == 200


def test_data_is_per_user(basic_server: EmulatorServer) -> None:
    with httpx.Client(base_url=basic_server.url, headers=basic("operator")) as operator:
        approvals = paged(operator.get(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/approvals"))["data"]
        assert approvals[0]["requestedBy"] == ADMIN_USER_ID, "operator shares the admin's user id"
    with httpx.Client(base_url=basic_server.url, headers=basic("other")) as other:
        assert paged(other.get("/workflows"))["data"] == []
        assert paged(other.get(f"/workflows/{INVOICE}/executions"))["pagination"]["totalCount"] == 0
        assert other.get(f"/workflows/{INVOICE}").status_code == 404
        assert paged(other.get(f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/logs"))["data"] == []
        assert envelope(other.get("/metrics"))["data"]["activeWorkflows"] == 0
    users = {(r.user, r.status) for r in basic_server.emulator.requests.snapshot()}
    assert ("other", 404) in users and (None, 401) in users


def test_bearer_tokens(emulator_server: Any) -> None:
    server = emulator_server(auth="bearer", frozen=True, base_time=BASE_TIME)
    emu: Emulator = server.emulator
    client = httpx.Client(base_url=server.url)

    def get(token: str | None, path: str = "/workflows") -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.get(path, headers=headers)

    assert paged(get(emu.issue_token("admin")))["pagination"]["totalCount"] == 5
    for token in (None, emu.issue_token("admin", ttl_seconds=-5), emu.issue_token("admin") + "x", "not.a.jwt"):
        response = get(token)
        assert response.status_code == 401 and response.content == b""
        assert response.headers["www-authenticate"].startswith("Bearer")
    viewer = emu.issue_token("viewer")
    assert get(viewer, f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/approvals").status_code == 403
    singular = emu.issue_token("legacy", roles=["workflow"], user_id=ADMIN_USER_ID)
    assert get(singular).status_code == 200
    assert get(singular, f"/workflows/{INVOICE}/executions/{PAUSED_INVOICE}/approvals").status_code == 200
    assert paged(get(emu.issue_token("other")))["data"] == []
    assert get(None, "/version").status_code == 200
    client.close()


def test_paging_rules_on_empty_lists_and_failures() -> None:
    from flowsynx_tui.emulator.envelope import failed_page, paginate

    assert paginate([], 3, 0)[1].as_json() == {
        "currentPage": 1, "totalPages": 0, "totalCount": 0, "pageSize": 1,
        "hasPreviousPage": False, "hasNextPage": False,
    }
    items, page = paginate(list(range(10)), 4, 3)
    assert items == [9] and page.as_json()["hasPreviousPage"] is True
    failed = failed_page("[FSX2407] boom", "2025-12-20T09:00:00.0000000Z")
    assert failed["data"] == [] and failed["succeeded"] is False
    assert failed["pagination"] == {
        "currentPage": 1, "totalPages": 0, "totalCount": 0, "pageSize": 1,
        "hasPreviousPage": False, "hasNextPage": False,
    }
