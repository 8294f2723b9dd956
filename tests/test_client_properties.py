"""Whatever a broken server answers, every client call returns a model or raises a FlowSynxError.

``httpx.MockTransport`` stands for an arbitrary broken server here: it answers every request
with the same generated status and body. Calls must neither crash with another exception nor
keep requesting forever (a lying ``pagination`` must not make the paging helpers loop).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from flowsynx_tui.api import FlowSynxClient, FlowSynxError, LogTail, Page, read_all_pages, read_newest

STATUSES = [200, 400, 401, 403, 404, 500, 503]
MAX_REQUESTS_PER_CALL = 64
W, E, T, A = (str(uuid.UUID(int=n)) for n in (1, 2, 3, 4))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)

# Bodies shaped like FlowSynx envelopes, with the DTO field names and hostile values in them.
FIELDS = [
    "id", "name", "status", "level", "message", "version", "workflow", "workflowId", "executionId",
    "executionStart", "executionEnd", "startedAt", "startTime", "endTime", "timeStamp", "modifiedDate",
    "requestedAt", "taskName", "comments", "activeWorkflows", "runningTasks", "exception",
]
timestamps = st.builds(
    lambda moment, offset: moment.isoformat() + offset,
    st.datetimes(),
    st.sampled_from(["", "Z", "+05:00", "-05:00", "+14:00", "-12:00"]),
)
field_values = (
    json_values
    | timestamps
    | st.sampled_from(["Running", "Paused", "Info", "Warn", "Information", "Bogus", "", "1.3.0"])
    | st.integers(min_value=-(2**70), max_value=2**70)
)
items = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=8)
big_ints = st.integers(min_value=-(2**40), max_value=2**40) | st.sampled_from([0, 1, 2, 2_147_483_647])
paginations = st.fixed_dictionaries(
    {},
    optional={
        "currentPage": big_ints, "totalPages": big_ints, "totalCount": big_ints, "pageSize": big_ints,
        "hasNextPage": st.booleans(), "hasPreviousPage": st.booleans(),
    },
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "data": items | st.lists(items, max_size=4) | json_values,
        "Data": items | json_values,
        "pagination": paginations | json_values,
        "messages": st.lists(json_values, max_size=3) | json_values,
        "Messages": st.lists(st.text(max_size=20), max_size=2),
        "succeeded": st.booleans() | json_values,
    },
)
bodies = (
    st.binary(max_size=200)
    | json_values.map(lambda value: json.dumps(value).encode())
    | envelopes.map(lambda value: json.dumps(value).encode())
)


class TooManyRequests(Exception):
    """Raised by the fake server: the client kept asking although nothing would change."""


class BrokenServer:
    """Answers every request with the same status and body; counts requests per call."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body
        self.count = 0

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count > MAX_REQUESTS_PER_CALL:
            raise TooManyRequests(f"{request.method} {request.url.path} sent {self.count} times")
        return httpx.Response(self.status, content=self.body)


CALL_NAMES = (
    "version", "metrics", "list_workflows", "all_workflows", "get_workflow", "list_executions", "read_all_pages",
    "read_newest", "start_execution", "get_execution", "cancel_execution", "execution_logs", "log_tail",
    "list_tasks", "all_tasks", "get_task", "task_logs", "list_approvals", "approve", "reject",
)


def calls(client: FlowSynxClient) -> dict[str, Callable[[], Awaitable[Any]]]:
    def executions(page: int, size: int) -> Awaitable[Page[Any]]:
        return client.list_executions(W, page, size)

    tail = LogTail(lambda page, size: client.execution_logs(W, E, page, size), page_size=10)
    return {
        "version": client.version,
        "metrics": client.metrics,
        "list_workflows": lambda: client.list_workflows(2, 10),
        "all_workflows": client.all_workflows,
        "get_workflow": lambda: client.get_workflow(W),
        "list_executions": lambda: client.list_executions(W),
        "read_all_pages": lambda: read_all_pages(executions, 5),
        "read_newest": lambda: read_newest(executions, 12, 5),
        "start_execution": lambda: client.start_execution(W),
        "get_execution": lambda: client.get_execution(W, E),
        "cancel_execution": lambda: client.cancel_execution(W, E),
        "execution_logs": lambda: client.execution_logs(W, E),
        "log_tail": tail.poll,
        "list_tasks": lambda: client.list_tasks(W, E),
        "all_tasks": lambda: client.all_tasks(W, E),
        "get_task": lambda: client.get_task(W, E, T),
        "task_logs": lambda: client.task_logs(W, E, T),
        "list_approvals": lambda: client.list_approvals(W, E),
        "approve": lambda: client.approve(W, E, A),
        "reject": lambda: client.reject(W, E, A),
    }


def check_result(name: str, value: Any) -> None:
    """A returned value is made of models; reading a definition never raises either."""
    values = value if isinstance(value, (tuple, list)) else (value,)
    for part in values:
        if isinstance(part, list):
            assert all(isinstance(item, BaseModel) for item in part), name
        elif isinstance(part, (tuple, int)):
            continue  # (result, messages) of start_execution; the total count of read_newest
        else:
            assert isinstance(part, BaseModel), f"{name} returned {type(part).__name__}"
            if hasattr(type(part), "definition"):
                part.definition  # noqa: B018 - parses the embedded JSON text


async def call_everything(status: int, body: bytes) -> None:
    server = BrokenServer(status, body)
    transport = httpx.MockTransport(server.answer)
    async with FlowSynxClient("http://flowsynx.test", transport=transport, retries=1, retry_backoff=0) as client:
        methods = calls(client)
        assert tuple(methods) == CALL_NAMES
        for name, method in methods.items():
            server.count = 0
            try:
                value = await method()
            except FlowSynxError:
                continue
            except Exception as error:  # noqa: BLE001 - the property under test
                raise AssertionError(f"{name} raised {type(error).__name__}: {error!r} for HTTP {status}") from error
            check_result(name, value)


def deeply_nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@settings(max_examples=110, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=st.sampled_from(STATUSES), body=bodies)
@example(status=200, body=deeply_nested(100_000))
@example(status=404, body=deeply_nested(100_000))
@example(status=200, body=json.dumps({"data": {"id": "x", "name": "n", "modifiedDate": "0001-01-01T00:00:00+05:00",
                                               "version": "1", "workflowId": W, "executionId": E,
                                               "status": "Running", "executionStart": "9999-12-31T23:59:59-05:00",
                                               "startedAt": "0001-01-01T01:00:00+02:00"}}).encode())
@example(status=200, body=json.dumps({"data": {"id": "x", "name": "n", "workflow": "[" * 50_000 + "]" * 50_000,
                                               "workflowId": W, "executionId": E, "status": "Paused"}}).encode())
@example(status=200, body=json.dumps({"data": [{"id": "x", "name": "n", "status": "Running", "timeStamp": "2025-01-01"}],
                                      "pagination": {"currentPage": 1, "totalPages": 2_147_483_647,
                                                     "hasNextPage": True}}).encode())
@example(status=200, body=json.dumps({"data": [{"id": "x", "name": "n", "status": "Running", "timeStamp": "2025-01-01"}],
                                      "pagination": {"currentPage": 2**40, "totalPages": 2**40,
                                                     "hasNextPage": True}}).encode())
def test_any_answer_gives_a_model_or_a_flowsynx_error(status: int, body: bytes) -> None:
    asyncio.run(call_everything(status, body))


@settings(max_examples=70, deadline=None)
@given(data=st.lists(items, min_size=1, max_size=3), pagination=paginations)
def test_any_pagination_is_read_without_looping(data: list[dict[str, Any]], pagination: dict[str, Any]) -> None:
    """Well-formed list answers whose paging numbers are arbitrary (a server that lies or changes)."""
    body = json.dumps({"data": data, "pagination": pagination, "messages": [], "succeeded": True}).encode()
    asyncio.run(call_everything(200, body))


def test_a_page_of_unreadable_items_does_not_end_paging() -> None:
    """Items that fail validation are reported as problems; the pages after them are still read."""

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        page = min(page, 3)  # the server clamps to its last page
        data = [{"id": f"p{page}-{n}", "status": 42 if page == 2 else "Completed"} for n in range(2)]
        pagination = {"currentPage": page, "totalPages": 3, "totalCount": 6, "pageSize": 2,
                      "hasPreviousPage": page > 1, "hasNextPage": page < 3}
        return httpx.Response(200, json={"data": data, "pagination": pagination, "messages": [], "succeeded": True})

    async def read() -> tuple[list[str], list[str]]:
        async with FlowSynxClient("http://flowsynx.test", transport=httpx.MockTransport(answer)) as client:
            def fetch(page: int, size: int) -> Awaitable[Page[Any]]:
                return client.list_executions(W, page, size)

            oldest = await read_all_pages(fetch, 2)
            newest, _ = await read_newest(fetch, 6, 2)
        return [e.id for e in oldest], [e.id for e in newest]

    oldest, newest = asyncio.run(read())
    assert oldest == ["p1-0", "p1-1", "p3-0", "p3-1"]
    assert newest == ["p3-1", "p3-0", "p1-1", "p1-0"]
