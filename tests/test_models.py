"""Parsing the exact example bodies of the reference and of the original API page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from flowsynx_tui.api import (
    Approval,
    ExecuteResult,
    ExecutionDetails,
    ExecutionStatus,
    ExecutionSummary,
    FlowSynxClient,
    LogEntry,
    LogLevel,
    MalformedResponse,
    NotFound,
    BadRequest,
    TaskExecution,
    TaskExecutionDetails,
    TaskStatus,
    WorkflowDefinition,
    WorkflowDetails,
    WorkflowSummary,
)

# Original API page (seed-execution-api.txt): v1.2.4-style level "Info", Z timestamps.
SEED_LOG = {
    "id": "1fbcf6d4-4e2e-44ac-9c45-27b92d7d91f4",
    "message": "Execution started",
    "level": "Info",
    "timeStamp": "2025-09-14T10:30:01Z",
    "exception": None,
}
SEED_TASK = {
    "id": "a82ff6f1-1a8c-4f9c-8ef2-7f476eb1d1b1",
    "name": "Sample-flowsynx-workflow",
    "workflowId": "78b9d130-3407-4d9c-aef9-e233b9391dba",
    "workflowExecutionId": "2a37cf51-691d-4d53-98cb-301f83b05fc2",
    "status": "Completed",
    "message": "Validation successful",
    "startTime": "2025-09-14T10:31:00Z",
    "endTime": "2025-09-14T10:31:30Z",
}
# Reference 2.2 / 4.10: offset-less timestamps with 7 fractional digits.
REF_EXECUTIONS = [
    {"id": "9a1d6a52-0c2e-4f55-8f39-6b7f0e3c2a10", "status": "Completed",
     "executionStart": "2025-12-20T09:00:01.5120331", "executionEnd": "2025-12-20T09:00:04.0042187"},
    {"id": "c7e4b0d9-2f1a-4d8e-a6b3-5e9f7c1d2b40", "status": "Paused",
     "executionStart": "2025-12-20T09:05:12.1100000", "executionEnd": "2025-12-20T09:05:12.9800000"},
]
REF_APPROVAL = {
    "id": "e0b7d1f4-8c33-4a0e-9d61-1f2a3b4c5d6e",
    "workflowId": "5b329d40-b383-4226-a068-0848df3f8ed2",
    "executionId": "c7e4b0d9-2f1a-4d8e-a6b3-5e9f7c1d2b40",
    "taskName": "PublishInvoices",
    "requestedBy": "0960a93d-e42b-4987-bc07-7bda806a21c7",
    "requestedAt": "2025-12-20T09:05:12.9790000",
    "status": "Pending",
    "comments": "Check totals before publishing",
}


def test_seed_page_log_with_legacy_level() -> None:
    entry = LogEntry.model_validate(SEED_LOG)
    assert entry.level is LogLevel.INFORMATION
    assert entry.time_stamp == datetime(2025, 9, 14, 10, 30, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "level"),
    [("Dbug", LogLevel.DEBUG), ("Warn", LogLevel.WARNING), ("Fail", LogLevel.ERROR), ("Crit", LogLevel.CRITICAL),
     ("Information", LogLevel.INFORMATION), ("Warning", LogLevel.WARNING), ("Trace", LogLevel.TRACE)],
)
def test_both_level_vocabularies(raw: str, level: LogLevel) -> None:
    assert LogEntry.model_validate({**SEED_LOG, "level": raw}).level is level


def test_unknown_values_are_kept_not_fatal() -> None:
    entry = LogEntry.model_validate({**SEED_LOG, "level": "Verbose"})
    assert entry.level.value == "Verbose" and not entry.level.is_known
    summary = ExecutionSummary.model_validate({**REF_EXECUTIONS[0], "status": "Suspended"})
    assert summary.status.value == "Suspended" and not summary.status.is_known
    assert not summary.status.is_finished


def test_seed_page_task_and_reference_executions() -> None:
    task = TaskExecution.model_validate(SEED_TASK)
    assert task.status is TaskStatus.COMPLETED
    assert (task.end_time - task.start_time).total_seconds() == 30
    first, paused = (ExecutionSummary.model_validate(e) for e in REF_EXECUTIONS)
    assert first.execution_start.tzinfo is UTC  # no offset means UTC
    assert first.execution_start.microsecond == 512033
    # Quirk Q4: executionEnd is stamped on pause, so it is not an end.
    assert paused.status is ExecutionStatus.PAUSED and paused.effective_end is None
    assert first.effective_end == first.execution_end


def test_reference_approval() -> None:
    approval = Approval.model_validate(REF_APPROVAL)
    assert approval.task_name == "PublishInvoices"
    assert approval.comments == "Check totals before publishing"


def test_definitions_v13_and_v12_and_wrapped() -> None:
    v13 = ('{"Name":"invoice-approval","Description":"d","Tasks":[{"Name":"A"},'
           '{"Name":"B","FlowControl":{"Dependencies":["A"]},"ManualApproval":{"Enabled":true,"Comment":"Check"}}]}')
    definition = WorkflowDefinition.from_json_text(v13)
    assert [t.name for t in definition.tasks] == ["A", "B"]
    assert definition.tasks[1].dependencies == ("A",) and definition.tasks[1].gated
    v12 = '{"Schema":null,"Workflow":{"name":"w","tasks":[{"name":"A"},{"name":"B","dependencies":["A"]}]}}'
    assert WorkflowDefinition.from_json_text(v12).tasks[1].dependencies == ("A",)
    # The original page's example string is not valid JSON: it must not crash.
    broken = '{ "name": "sample-flowsynx-workflow", "\\description\\": "\\This is a sample", "tasks": [] }x'
    assert WorkflowDefinition.from_json_text(broken).tasks == ()


def test_execution_details_with_null_end() -> None:
    details = ExecutionDetails.model_validate(
        {"workflowId": "83b102e0-9129-4069-abd5-97a312ed9c1f", "executionId": "4d546c15-4e34-41ce-b72e-6fd4cf991f57",
         "workflow": '{"Name":"sample","Tasks":[]}', "status": "Running",
         "executionStart": "2025-09-14T10:30:00Z", "executionEnd": None}
    )
    assert details.definition.name == "sample" and details.execution_end is None


def _client_answering(status: int, body: bytes, content_type: str = "application/json") -> FlowSynxClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return FlowSynxClient("http://flowsynx.test", transport=httpx.MockTransport(handler), retries=0)


async def test_pascal_case_error_body_is_read() -> None:
    body = (b'{"Data":null,"Messages":["[FSX1401] Invalid workflow Id format. Please ensure the ID value  matches'
            b' the standard GUID format."],"Succeeded":false,"GeneratedAtUtc":"2025-12-20T09:07:00Z"}')
    client = _client_answering(400, body)
    with pytest.raises(BadRequest) as caught:
        await client.get_workflow("5b329d40-b383-4226-a068-0848df3f8ed2")
    assert caught.value.server_messages[0].startswith("[FSX1401]")
    await client.aclose()


async def test_camel_case_404_envelope() -> None:
    body = (b'{"data": null, "messages": ["[FSX2436] The execution with id \'c7e4\' not found."],'
            b' "succeeded": false, "generatedAtUtc": "2025-12-20T09:07:00.0000000Z"}')
    client = _client_answering(404, body)
    with pytest.raises(NotFound, match="FSX2436"):
        await client.get_execution("5b329d40-b383-4226-a068-0848df3f8ed2", "c7e4b0d9-2f1a-4d8e-a6b3-5e9f7c1d2b40")
    await client.aclose()


async def test_one_broken_list_item_does_not_hide_the_rest() -> None:
    body = (b'{"pagination":{"currentPage":1,"totalPages":1,"totalCount":2,"pageSize":25,'
            b'"hasPreviousPage":false,"hasNextPage":false},"data":[{"id":"9a1d6a52-0c2e-4f55-8f39-6b7f0e3c2a10",'
            b'"status":"Running","executionStart":"2025-12-20T09:00:00"},'
            b'{"id":"c7e4b0d9-2f1a-4d8e-a6b3-5e9f7c1d2b40","status":42,"executionStart":"yesterday"}],'
            b'"messages":[],"succeeded":true,"generatedAtUtc":"2025-12-20T09:07:00Z"}')
    client = _client_answering(200, body)
    page = await client.list_executions("5b329d40-b383-4226-a068-0848df3f8ed2")
    assert [e.id for e in page.items] == ["9a1d6a52-0c2e-4f55-8f39-6b7f0e3c2a10"]
    assert len(page.problems) == 1 and "item 2 skipped" in page.problems[0]
    await client.aclose()


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b'{"data": [1,', b"[]", b'"text"'])
async def test_non_json_or_wrong_shape_is_malformed_response(body: bytes) -> None:
    client = _client_answering(200, body)
    with pytest.raises(MalformedResponse):
        await client.list_workflows()
    await client.aclose()


# Every id field of every DTO, with the smallest body that is otherwise valid.
ID_FIELDS: list[tuple[type[BaseModel], dict[str, Any], str]] = [
    (WorkflowSummary, {"id": SEED_TASK["id"], "name": "n"}, "id"),
    (WorkflowDetails, {"id": SEED_TASK["id"], "name": "n"}, "id"),
    (ExecuteResult, {"workflowId": REF_APPROVAL["workflowId"], "executionId": REF_APPROVAL["executionId"]},
     "workflowId"),
    (ExecuteResult, {"workflowId": REF_APPROVAL["workflowId"], "executionId": REF_APPROVAL["executionId"]},
     "executionId"),
    (ExecutionSummary, REF_EXECUTIONS[0], "id"),
    (ExecutionDetails, {"workflowId": REF_APPROVAL["workflowId"], "executionId": REF_APPROVAL["executionId"],
                        "status": "Running"}, "workflowId"),
    (ExecutionDetails, {"workflowId": REF_APPROVAL["workflowId"], "executionId": REF_APPROVAL["executionId"],
                        "status": "Running"}, "executionId"),
    (TaskExecution, SEED_TASK, "id"),
    (TaskExecution, SEED_TASK, "workflowId"),
    (TaskExecution, SEED_TASK, "workflowExecutionId"),
    (TaskExecutionDetails, {"id": SEED_TASK["id"], "status": "Running"}, "id"),
    (LogEntry, SEED_LOG, "id"),
    (Approval, REF_APPROVAL, "id"),
    (Approval, REF_APPROVAL, "workflowId"),
    (Approval, REF_APPROVAL, "executionId"),
]
NOT_GUIDS = ["../x", "a b", "\x1b]2;x\x07", "[/]abcdefgh", "{" + SEED_TASK["id"] + "}", " " + SEED_TASK["id"],
             SEED_TASK["id"] + " ", SEED_TASK["id"] + "\n", SEED_TASK["id"].replace("-", ""), SEED_TASK["id"][:-1],
             "\uff10" * 8 + SEED_TASK["id"][8:], "", 42]


def _field_value(model: BaseModel, wire: str) -> Any:
    by_alias = {info.alias or name: name for name, info in type(model).model_fields.items()}
    return getattr(model, by_alias[wire])


@pytest.mark.parametrize(("model", "body", "wire"), ID_FIELDS, ids=[f"{m.__name__}.{w}" for m, _, w in ID_FIELDS])
def test_every_id_field_is_a_guid(model: type[BaseModel], body: dict[str, Any], wire: str) -> None:
    guid = body[wire]
    assert _field_value(model.model_validate(body), wire) == guid
    # The server writes lower case; upper case is still a GUID, and is kept in lower case.
    assert _field_value(model.model_validate({**body, wire: guid.upper()}), wire) == guid
    for bad in NOT_GUIDS:
        with pytest.raises(ValidationError) as caught:
            model.model_validate({**body, wire: bad})
        (error,) = caught.value.errors(include_url=False, include_input=False)
        assert error["loc"] == (wire,)
        if isinstance(bad, str):
            assert error["msg"] == "not a GUID"


def test_optional_task_ids_may_be_missing_and_requested_by_is_free_text() -> None:
    task = TaskExecution.model_validate({**SEED_TASK, "workflowId": None, "workflowExecutionId": None})
    assert task.workflow_id is None and task.workflow_execution_id is None
    # A user id, "System" for the engine (reference Q3): not a GUID, and not an id the client uses.
    for who in ("System", "alice", None):
        assert Approval.model_validate({**REF_APPROVAL, "requestedBy": who}).requested_by == who
