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


# ------------------------------------------------- the quick read of the first workflow list
# At start the dashboard reads the workflow list before pydantic is loaded
# (``values.quick_workflow_page``). Whatever it takes, the models take too, to the same
# values; anything else is left to the models (None), which say what they skip and why.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from flowsynx_tui.api.models import Pagination  # noqa: E402
from flowsynx_tui.api.values import QuickWorkflow, quick_workflow_page  # noqa: E402

GUID = "c9f9444d-18d8-5dd9-97cc-81589277324e"
_digits = st.text("0123456789", min_size=1, max_size=9)
_rfc3339 = st.builds(
    lambda day, fraction, zone: f"{day}{fraction}{zone}",
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    ),
    st.one_of(st.just(""), _digits.map(lambda d: "." + d)),
    st.sampled_from(["", "Z", "+00:00", "-05:30", "+14:00", "+23:59", "+24:00", "z", " ", "+0530"]),
)
_timestamps = st.one_of(
    _rfc3339,
    _rfc3339,
    _rfc3339,
    st.none(),
    st.sampled_from(["2025-12-20", "2025-12-20 09:00:01", "2025-02-30T00:00:00Z", "2025-12-20T24:00:00",
                     "2025-12-20T09:00:60Z", "0000-01-01T00:00:00", "1700000000", "", "now"]),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.booleans(),
)
_workflows = st.fixed_dictionaries(
    {
        "id": st.sampled_from([GUID] * 6 + [GUID.upper(), "{" + GUID + "}", GUID[:-1], 42, None]),
        "name": st.one_of(*[st.text(max_size=8)] * 5, st.integers(), st.none()),
        "modifiedDate": _timestamps,
    },
    optional={
        "schemaUrl": st.one_of(st.none(), st.text(max_size=8), st.integers()),
        "extra": st.integers(),
    },
)
# Now and then a snake_case key, which the models take as well (populate_by_name).
_snake = st.sampled_from([{}] * 12 + [{"modified_date": None}, {"schema_url": "x"}, {"total_pages": 1}])
_ints = st.integers(-3, 300)
_counts = st.one_of(_ints, _ints, _ints, _ints, st.booleans(), st.sampled_from(["2", 2.0, None]))
_paginations = st.fixed_dictionaries(
    {"currentPage": _counts, "totalPages": _counts},
    optional={
        "totalCount": _counts,
        "pageSize": _counts,
        "hasNextPage": st.one_of(st.booleans(), st.booleans(), st.booleans(), st.sampled_from([0, 1, "true", None])),
    },
)


@settings(max_examples=300, deadline=None)
@given(item=st.tuples(_workflows, _snake).map(lambda p: {**p[0], **p[1]}))
def test_the_quick_read_takes_only_workflows_the_models_read_the_same(item: dict[str, Any]) -> None:
    quick = quick_workflow_page({"data": [item], "pagination": {"currentPage": 1, "totalPages": 1}})
    if quick is not None:
        (read,) = quick.items
        assert isinstance(read, QuickWorkflow)
        assert read.__dict__ == WorkflowSummary.model_validate(item).model_dump()


@settings(max_examples=200, deadline=None)
@given(
    guid=st.sampled_from([GUID, GUID.upper()]),
    name=st.text(max_size=12),
    stamp=st.one_of(st.none(), _rfc3339),
    schema_url=st.one_of(st.none(), st.text(max_size=8)),
)
def test_the_quick_read_takes_well_formed_workflows(guid: str, name: str, stamp: str | None, schema_url: str | None) -> None:
    item = {"id": guid, "name": name, "modifiedDate": stamp, "schemaUrl": schema_url}
    quick = quick_workflow_page({"data": [item], "pagination": {"currentPage": 1, "totalPages": 1, "totalCount": 1}})
    try:
        expected = WorkflowSummary.model_validate(item).model_dump()
    except ValidationError:
        assert quick is None
        return
    if quick is not None:  # else left to the models, as any page the quick read does not take
        assert quick.items[0].__dict__ == expected


@settings(max_examples=200, deadline=None)
@given(pagination=st.tuples(_paginations, _snake).map(lambda p: {**p[0], **p[1]}))
def test_the_quick_read_takes_only_paginations_the_models_read_the_same(pagination: dict[str, Any]) -> None:
    quick = quick_workflow_page({"data": [], "pagination": pagination, "succeeded": True})
    if quick is not None:
        assert quick.items == () and quick.problems == ()
        assert quick.pagination.__dict__ == Pagination.model_validate(pagination).model_dump()


def test_the_quick_read_takes_the_servers_own_forms() -> None:
    body = {
        "data": [
            {"id": GUID.upper(), "name": "nightly", "modifiedDate": "2025-12-20T09:00:01.5120331", "schemaUrl": None},
            {"id": GUID, "name": "\x1b[2Jx", "modifiedDate": "2026-12-02T10:07:54.1927255Z", "other": [1]},
            {"id": GUID, "name": "", "modifiedDate": "2025-12-20T09:00:01+05:30", "schemaUrl": "https://x"},
        ],
        "pagination": {"currentPage": 1, "totalPages": 1, "totalCount": 3, "pageSize": 100,
                       "hasPreviousPage": False, "hasNextPage": False},
    }
    quick = quick_workflow_page(body)
    assert quick is not None
    assert [w.__dict__ for w in quick.items] == [WorkflowSummary.model_validate(raw).model_dump() for raw in body["data"]]
    assert quick.items[0].modified_date == datetime(2025, 12, 20, 9, 0, 1, 512033, tzinfo=UTC)


async def test_a_first_list_the_quick_read_refuses_is_read_by_the_models() -> None:
    body = {
        "data": [{"id": GUID, "name": "ok"}, {"id": "{" + GUID + "}", "name": "braces"}],
        "pagination": {"currentPage": 1, "totalPages": 1, "totalCount": 2},
        "succeeded": True,
    }
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, json=body))
    async with FlowSynxClient("http://flowsynx.test", transport=transport, retries=0) as client:
        problems: list[str] = []
        (workflow,) = await client.all_workflows(problems=problems, quick=True)
        slow_problems: list[str] = []
        assert [workflow] == await client.all_workflows(problems=slow_problems)
    assert isinstance(workflow, WorkflowSummary)
    assert problems == slow_problems and len(problems) == 1 and "item 2 skipped: id: not a GUID" in problems[0]


def test_the_dashboard_imports_no_pydantic_before_its_first_rows() -> None:
    import subprocess
    import sys

    code = "import sys, flowsynx_tui.app; print('pydantic' in sys.modules, 'flowsynx_tui.api.models' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["False", "False"]
