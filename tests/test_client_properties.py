"""Whatever a broken server answers, every client call returns a model or raises a FlowSynxError.

``httpx.MockTransport`` stands for an arbitrary broken server here: it answers every request
with the same generated status and body. Calls must neither crash with another exception nor
keep requesting forever (a lying ``pagination`` must not make the paging helpers loop).

Whatever ids the caller passes, an id that is not a GUID is refused before any request
(``InvalidId``), and a GUID is sent in lower case.
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

from flowsynx_tui.api import FlowSynxClient, FlowSynxError, InvalidId, LogTail, Page, read_all_pages, read_newest

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
guids = st.uuids().map(str)
field_values = (
    json_values
    | guids  # so that items are sometimes readable, and the rest of their fields gets checked
    | guids.map(str.upper)
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
        self.paths: list[str] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        self.paths.append(request.url.path)
        if self.count > MAX_REQUESTS_PER_CALL:
            raise TooManyRequests(f"{request.method} {request.url.path} sent {self.count} times")
        return httpx.Response(self.status, content=self.body)


CALL_NAMES = (
    "version", "metrics", "list_workflows", "all_workflows", "get_workflow", "list_executions", "read_all_pages",
    "read_newest", "start_execution", "get_execution", "cancel_execution", "execution_logs", "log_tail",
    "list_tasks", "all_tasks", "get_task", "task_logs", "list_approvals", "approve", "reject",
)


# Which of the ids (workflow, execution, task, approval) each call puts into its paths.
USES = {
    "get_workflow": (0,), "list_executions": (0,), "read_all_pages": (0,), "read_newest": (0,),
    "start_execution": (0,), "get_execution": (0, 1), "cancel_execution": (0, 1), "execution_logs": (0, 1),
    "log_tail": (0, 1), "list_tasks": (0, 1), "all_tasks": (0, 1), "get_task": (0, 1, 2), "task_logs": (0, 1, 2),
    "list_approvals": (0, 1), "approve": (0, 1, 3), "reject": (0, 1, 3),
}


def calls(
    client: FlowSynxClient, ids: tuple[str, str, str, str] = (W, E, T, A)
) -> dict[str, Callable[[], Awaitable[Any]]]:
    w, e, t, a = ids

    def executions(page: int, size: int) -> Awaitable[Page[Any]]:
        return client.list_executions(w, page, size)

    tail = LogTail(lambda page, size: client.execution_logs(w, e, page, size), page_size=10)
    return {
        "version": client.version,
        "metrics": client.metrics,
        "list_workflows": lambda: client.list_workflows(2, 10),
        "all_workflows": client.all_workflows,
        "get_workflow": lambda: client.get_workflow(w),
        "list_executions": lambda: client.list_executions(w),
        "read_all_pages": lambda: read_all_pages(executions, 5),
        "read_newest": lambda: read_newest(executions, 12, 5),
        "start_execution": lambda: client.start_execution(w),
        "get_execution": lambda: client.get_execution(w, e),
        "cancel_execution": lambda: client.cancel_execution(w, e),
        "execution_logs": lambda: client.execution_logs(w, e),
        "log_tail": tail.poll,
        "list_tasks": lambda: client.list_tasks(w, e),
        "all_tasks": lambda: client.all_tasks(w, e),
        "get_task": lambda: client.get_task(w, e, t),
        "task_logs": lambda: client.task_logs(w, e, t),
        "list_approvals": lambda: client.list_approvals(w, e),
        "approve": lambda: client.approve(w, e, a),
        "reject": lambda: client.reject(w, e, a),
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


def is_guid(value: str) -> bool:
    """Canonical 8-4-4-4-12 hexadecimal, any case: decided by ``uuid``, not by the client's rule."""
    try:
        return len(value) == 36 and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


async def call_everything(status: int, body: bytes, ids: tuple[str, str, str, str] = (W, E, T, A)) -> None:
    server = BrokenServer(status, body)
    transport = httpx.MockTransport(server.answer)
    async with FlowSynxClient("http://flowsynx.test", transport=transport, retries=1, retry_backoff=0) as client:
        methods = calls(client, ids)
        assert tuple(methods) == CALL_NAMES
        for name, method in methods.items():
            server.count = 0
            server.paths = []
            used = [ids[i] for i in USES.get(name, ())]
            try:
                value = await method()
            except InvalidId as error:
                assert not all(is_guid(i) for i in used), f"{name} refused GUIDs {used}"
                assert server.count == 0, f"{name} sent a request with a bad id"
                assert error.message.endswith(("is not a GUID", "are not GUIDs")), error.message
                continue
            except FlowSynxError:
                value = None
            except Exception as error:  # noqa: BLE001 - the property under test
                raise AssertionError(f"{name} raised {type(error).__name__}: {error!r} for HTTP {status}") from error
            assert all(is_guid(i) for i in used), f"{name} did not refuse {used}"
            assert server.count >= 1, name
            for path in server.paths:
                assert all(f"/{i.lower()}" in path for i in used), (name, path)
            if value is not None:
                check_result(name, value)


def deeply_nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@settings(max_examples=110, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=st.sampled_from(STATUSES), body=bodies)
@example(status=200, body=deeply_nested(100_000))
@example(status=404, body=deeply_nested(100_000))
@example(status=200, body=json.dumps({"data": {"id": T, "name": "n", "modifiedDate": "0001-01-01T00:00:00+05:00",
                                               "version": "1", "workflowId": W, "executionId": E,
                                               "status": "Running", "executionStart": "9999-12-31T23:59:59-05:00",
                                               "startedAt": "0001-01-01T01:00:00+02:00"}}).encode())
@example(status=200, body=json.dumps({"data": {"id": T, "name": "n", "workflow": "[" * 50_000 + "]" * 50_000,
                                               "workflowId": W, "executionId": E, "status": "Paused"}}).encode())
@example(status=200, body=json.dumps({"data": [{"id": T, "name": "n", "status": "Running", "timeStamp": "2025-01-01"}],
                                      "pagination": {"currentPage": 1, "totalPages": 2_147_483_647,
                                                     "hasNextPage": True}}).encode())
@example(status=200, body=json.dumps({"data": [{"id": T, "name": "n", "status": "Running", "timeStamp": "2025-01-01"}],
                                      "pagination": {"currentPage": 2**40, "totalPages": 2**40,
                                                     "hasNextPage": True}}).encode())
def test_any_answer_gives_a_model_or_a_flowsynx_error(status: int, body: bytes) -> None:
    asyncio.run(call_everything(status, body))


# Ids a caller may hold: GUIDs, in upper case too, and what a broken or hostile server could have
# sent: path segments, escapes, markup, GUIDs with braces or spaces, one character off.
HOSTILE_IDS = ["../x", "a b", "\x1b]2;x\x07", "[/]abcdefgh", "..", ".", "", "%2e%2e", "?page=1", "#", "//evil.test"]
odd_ids = st.one_of(
    guids,
    guids.map(str.upper),
    st.sampled_from(HOSTILE_IDS),
    st.text(max_size=40),
    guids.map(lambda g: "{" + g + "}"),
    st.tuples(guids, st.sampled_from([" ", "\n", "\t", "\x00", "/", "?", "#", "\u00a0"]), st.booleans()).map(
        lambda t: t[1] + t[0] if t[2] else t[0] + t[1]
    ),
    st.tuples(guids, st.integers(0, 35), st.characters()).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]),
)
id_tuples = st.tuples(odd_ids, odd_ids, odd_ids, odd_ids)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=id_tuples, status=st.sampled_from(STATUSES), body=bodies)
@example(ids=("../x", E, T, A), status=200, body=b"{}")
@example(ids=(W.upper(), E.upper(), T.upper(), A.upper()), status=200, body=b"{}")
@example(ids=(W, "\x1b]2;x\x07", "[/]abcdefgh", "a b"), status=200, body=b"{}")
def test_any_id_is_refused_before_a_request_or_sent_as_a_lowercase_guid(
    ids: tuple[str, str, str, str], status: int, body: bytes
) -> None:
    asyncio.run(call_everything(status, body, ids))


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
        data = [{"id": str(uuid.UUID(int=page * 16 + n)), "status": 42 if page == 2 else "Completed"} for n in range(2)]
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
    p1_0, p1_1, p3_0, p3_1 = (str(uuid.UUID(int=n)) for n in (16, 17, 48, 49))
    assert oldest == [p1_0, p1_1, p3_0, p3_1]
    assert newest == [p3_1, p3_0, p1_1, p1_0]


@given(st.uuids(), st.integers(min_value=4, max_value=36), st.booleans())
def test_the_start_of_an_id_is_taken_as_one_and_a_whole_id_is_not(guid: uuid.UUID, length: int, upper: bool) -> None:
    from flowsynx_tui.api import as_guid, as_guid_prefix

    text = str(guid)[:length]
    given_text = text.upper() if upper else text
    if length == 36:
        assert as_guid_prefix(given_text) is None and as_guid(given_text) == text
    else:
        assert as_guid_prefix(given_text) == text
        # Digits out of place, or anything around them, is not the start of an id.
        assert as_guid_prefix(f" {text}") is None
        if length > 9:
            assert as_guid_prefix(text.replace("-", "")) is None
