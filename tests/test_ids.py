"""Ids are GUIDs: checked where they come in (the DTOs) and before they go into a URL (the client).

Everything runs against the emulator over real HTTP. Odd ids are put into the emulator's store by
changing a record's id under the store lock: the server then really sends them, as a broken or
hostile FlowSynx server would. The store keeps finding the record under its old key, so a details
route still answers with the changed record.
"""

from __future__ import annotations

import dataclasses
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from flowsynx_tui.api import (
    FlowSynxClient,
    FlowSynxError,
    InvalidId,
    MalformedResponse,
    Page,
    read_all_pages,
)
from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.emulator.seed import execution_id, workflow_id

NIGHTLY = (workflow_id("nightly-csv-export"), execution_id("nightly-csv-export", 1))
PAUSED = (workflow_id("invoice-approval"), execution_id("invoice-approval", 5))
A_GUID = "3f2b8c1e-5a7d-4c1f-9b0e-2d4e6f8a1c3b"

# Not GUIDs, each for a reason: path traversal, a space, a terminal escape (sets the window title),
# Rich markup, and GUIDs in forms .NET would parse but the server never writes.
HOSTILE = [
    "../x",
    "a b",
    "\x1b]2;x\x07",
    "[/]abcdefgh",
    "{" + A_GUID + "}",
    " " + A_GUID,
    A_GUID + "\n",
    A_GUID.replace("-", ""),
    A_GUID[:-1] + "g",
    "",
]


def connect(server: EmulatorServer, **options: Any) -> FlowSynxClient:
    options.setdefault("timeout", 5.0)
    options.setdefault("retries", 0)
    return FlowSynxClient(server.url, **options)


@pytest.fixture
def seeded(emulator_server: Callable[..., EmulatorServer]) -> EmulatorServer:
    """The demo data, frozen (nothing runs), no auth; one per test because tests change records."""
    return emulator_server(frozen=True)


def change(emu: Emulator, record: Any, field: str, value: str) -> None:
    with emu.store.lock:
        setattr(record, field, value)


def settled_requests(emu: Emulator, mark: int, expected: int) -> list[Any]:
    """Requests recorded since ``mark``, once ``expected`` are there and a little longer."""
    deadline = time.monotonic() + 2
    while len(emu.requests) - mark < expected and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)
    return emu.requests.snapshot()[mark:]


# ------------------------------------------------------------------------------- lists: per-item


Fetch = Callable[[FlowSynxClient], Awaitable[Page[Any]]]


def _second_approval(emu: Emulator) -> list[Any]:
    """The paused run has one pending approval; add another so that one can go bad."""
    (first,) = emu.store.approvals(PAUSED[1])
    emu.store.add_approval(dataclasses.replace(first, id=str(uuid.uuid4()), task_name="Second"))
    return emu.store.approvals(PAUSED[1])


def _task_logs(emu: Emulator) -> tuple[list[Any], Fetch]:
    task = emu.store.tasks(NIGHTLY[1])[0]
    records = [log for log in emu.store.logs(NIGHTLY[1]) if log.task_id == task.id]
    return records, lambda c: c.task_logs(*NIGHTLY, task.id, 1, 10_000)


# name: (records and how to read them, record field, wire field)
LISTS: dict[str, tuple[Callable[[Emulator], tuple[list[Any], Fetch]], str, str]] = {
    "workflows": (lambda emu: (emu.store.workflows(emu.admin.id), lambda c: c.list_workflows(1, 100)), "id", "id"),
    "executions": (
        lambda emu: (emu.store.executions(emu.admin.id), lambda c: c.list_executions(NIGHTLY[0], 1, 100)), "id", "id",
    ),
    "tasks": (lambda emu: (emu.store.tasks(NIGHTLY[1]), lambda c: c.list_tasks(*NIGHTLY)), "id", "id"),
    "task parents": (
        lambda emu: (emu.store.tasks(NIGHTLY[1]), lambda c: c.list_tasks(*NIGHTLY)),
        "execution_id", "workflowExecutionId",
    ),
    "execution logs": (
        lambda emu: (emu.store.logs(NIGHTLY[1]), lambda c: c.execution_logs(*NIGHTLY, 1, 10_000)), "id", "id",
    ),
    "task logs": (_task_logs, "id", "id"),
    "approvals": (lambda emu: (_second_approval(emu), lambda c: c.list_approvals(*PAUSED)), "id", "id"),
    "approval workflows": (
        lambda emu: (_second_approval(emu), lambda c: c.list_approvals(*PAUSED)), "workflow_id", "workflowId",
    ),
}
CASES = [(name, bad) for name in LISTS for bad in HOSTILE[:1]] + [("executions", bad) for bad in HOSTILE[1:]]


@pytest.mark.parametrize(("kind", "bad"), CASES, ids=[f"{kind}-{bad!r}" for kind, bad in CASES])
async def test_a_list_item_with_a_bad_id_is_skipped_and_named_once(seeded: EmulatorServer, kind: str, bad: str) -> None:
    emu = seeded.emulator
    make, field, wire = LISTS[kind]
    records, fetch = make(emu)
    async with connect(seeded) as client:
        clean = await fetch(client)
        assert len(clean.items) >= 2 and clean.problems == ()
        victim = records[1]
        position = [item.id for item in clean.items].index(victim.id)
        change(emu, victim, field, bad)
        first = await fetch(client)
        second = await fetch(client)
    expected = [item for index, item in enumerate(clean.items) if index != position]
    assert list(first.items) == list(second.items) == expected
    assert len(first.problems) == 1
    assert first.problems == second.problems, "the same bad item gives the same text on every read"
    (problem,) = first.problems
    assert problem.startswith("GET /workflows")
    assert problem.endswith(f": item {position + 1} skipped: {wire}: not a GUID")
    if bad:
        assert bad not in problem and repr(bad)[1:-1] not in problem
    assert problem.isprintable()


async def test_read_all_pages_names_the_bad_item_once(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    wid, _ = NIGHTLY
    records = emu.store.executions(emu.admin.id)
    async with connect(seeded) as client:
        clean = await read_all_pages(lambda page, size: client.list_executions(wid, page, size), 5)
        change(emu, records[7], "id", "\x1b]2;x\x07")  # page 2, third item
        reads = []
        for _ in range(2):
            problems: list[str] = []
            items = await read_all_pages(lambda page, size: client.list_executions(wid, page, size), 5, problems)
            reads.append((items, problems))
    assert reads[0] == reads[1]
    items, problems = reads[0]
    assert items == clean[:7] + clean[8:]
    assert problems == [f"GET /workflows/{wid}/executions: item 3 skipped: id: not a GUID"]


# ------------------------------------------------------------------------ single objects: whole


async def test_execution_details_with_a_bad_id_are_malformed(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    wid, eid = NIGHTLY
    async with connect(seeded) as client:
        assert (await client.get_execution(wid, eid)).execution_id == eid
        for bad in HOSTILE:
            change(emu, emu.store.execution(None, eid), "id", bad)
            with pytest.raises(MalformedResponse) as caught:
                await client.get_execution(wid, eid)
            error = caught.value
            assert error.route == f"GET /workflows/{wid}/executions/{eid}"
            assert error.message == "unexpected data: executionId: not a GUID"
            if bad:
                assert bad not in str(error) and bad not in "".join(traceback.format_exception(error))


async def test_workflow_and_task_details_with_a_bad_id_are_malformed(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    wid, eid = NIGHTLY
    task = emu.store.tasks(eid)[0]
    task_id = task.id
    async with connect(seeded) as client:
        assert (await client.get_workflow(wid)).id == wid
        assert (await client.get_task(wid, eid, task_id)).id == task_id
        change(emu, emu.store.workflow(None, wid), "id", "../x")
        change(emu, task, "id", "[/]abcdefgh")
        with pytest.raises(MalformedResponse) as workflow:
            await client.get_workflow(wid)
        with pytest.raises(MalformedResponse) as task_details:
            await client.get_task(wid, eid, task_id)
    assert workflow.value.message == task_details.value.message == "unexpected data: id: not a GUID"


# ------------------------------------------------------------------------ ids going into a URL

W, E, T, A = NIGHTLY[0], NIGHTLY[1], A_GUID, PAUSED[1]

# method name -> (call with ids (workflow, execution, task/approval), the names of the ids it takes)
ID_METHODS: dict[str, tuple[Callable[[FlowSynxClient, str, str, str], Awaitable[Any]], tuple[str, ...]]] = {
    "get_workflow": (lambda c, w, e, x: c.get_workflow(w), ("workflow",)),
    "list_executions": (lambda c, w, e, x: c.list_executions(w), ("workflow",)),
    "start_execution": (lambda c, w, e, x: c.start_execution(w), ("workflow",)),
    "get_execution": (lambda c, w, e, x: c.get_execution(w, e), ("workflow", "execution")),
    "cancel_execution": (lambda c, w, e, x: c.cancel_execution(w, e), ("workflow", "execution")),
    "execution_logs": (lambda c, w, e, x: c.execution_logs(w, e), ("workflow", "execution")),
    "list_tasks": (lambda c, w, e, x: c.list_tasks(w, e), ("workflow", "execution")),
    "all_tasks": (lambda c, w, e, x: c.all_tasks(w, e), ("workflow", "execution")),
    "get_task": (lambda c, w, e, x: c.get_task(w, e, x), ("workflow", "execution", "task")),
    "task_logs": (lambda c, w, e, x: c.task_logs(w, e, x), ("workflow", "execution", "task")),
    "list_approvals": (lambda c, w, e, x: c.list_approvals(w, e), ("workflow", "execution")),
    "approve": (lambda c, w, e, x: c.approve(w, e, x), ("workflow", "execution", "approval")),
    "reject": (lambda c, w, e, x: c.reject(w, e, x), ("workflow", "execution", "approval")),
}


def visible_text(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), "".join(traceback.format_exception(error)), *map(str, error.args)])


@pytest.mark.parametrize("method", list(ID_METHODS))
async def test_a_bad_id_is_refused_before_any_request(seeded: EmulatorServer, method: str) -> None:
    emu = seeded.emulator
    call, names = ID_METHODS[method]
    good = {"workflow": W, "execution": E, "task": T, "approval": A}
    mark = len(emu.requests)
    async with connect(seeded, retries=2) as client:
        for name in names:
            for bad in [*HOSTILE, None, 42]:
                ids = {**good, name: bad}
                third = ids["task"] if "task" in names else ids["approval"]
                with pytest.raises(InvalidId) as caught:
                    await call(client, ids["workflow"], ids["execution"], third)  # type: ignore[arg-type]
                error = caught.value
                assert error.message == f"{name} id is not a GUID"
                assert not error.is_transient
                assert error.route.startswith(("GET /workflows/{workflow_id}", "POST /workflows/{workflow_id}"))
                if isinstance(bad, str) and bad:
                    assert bad not in visible_text(error)
        # Two bad ids are both named.
        with pytest.raises(InvalidId, match="workflow id and execution id are not GUIDs"):
            await client.get_execution("../x", "a b")
        assert (await client.version()).version == "1.3.0"
    sent = settled_requests(emu, mark, 1)
    assert [(r.method, r.path) for r in sent] == [("GET", "/version")], "no request for a bad id"


# ---------------------------------------------------------------------------------- upper case


async def test_upper_case_guids_are_accepted_and_sent_in_lower_case(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    wid, eid = PAUSED
    async with connect(seeded) as client:
        tasks = await client.all_tasks(wid, eid)
        mark = len(emu.requests)
        details = await client.get_execution(wid.upper(), eid.upper())
        task = await client.get_task(wid.upper(), eid.upper(), tasks[0].id.upper())
        (approval,) = (await client.list_approvals(wid.upper(), eid.upper())).items
    assert (details.workflow_id, details.execution_id, task.id) == (wid, eid, tasks[0].id)
    assert approval.execution_id == eid
    paths = [r.path for r in settled_requests(emu, mark, 3)]
    assert paths == [
        f"/workflows/{wid}/executions/{eid}",
        f"/workflows/{wid}/executions/{eid}/tasks/{tasks[0].id}",
        f"/workflows/{wid}/executions/{eid}/approvals",
    ]


async def test_upper_case_ids_from_the_server_are_normalised(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    wid, eid = PAUSED
    execution = emu.store.execution(None, eid)
    (approval,) = emu.store.approvals(eid)
    task = emu.store.tasks(eid)[0]
    originals = (execution.id, approval.id, approval.workflow_id, task.id, task.workflow_id)
    # (An execution's workflow id stays: the emulator compares it with the path, case-sensitively.)
    change(emu, execution, "id", execution.id.upper())
    change(emu, approval, "id", approval.id.upper())
    change(emu, approval, "workflow_id", approval.workflow_id.upper())
    change(emu, task, "id", task.id.upper())
    change(emu, task, "workflow_id", task.workflow_id.upper())
    async with connect(seeded) as client:
        listed = await client.list_executions(wid, 1, 100)
        details = await client.get_execution(wid, eid)
        approvals = await client.list_approvals(wid, eid)
        tasks = await client.list_tasks(wid, eid)
    assert listed.problems == approvals.problems == tasks.problems == ()
    assert eid in [e.id for e in listed.items]
    assert details.execution_id == eid
    (read,) = approvals.items
    assert (read.id, read.workflow_id) == (originals[1], originals[2])
    assert (tasks.items[0].id, tasks.items[0].workflow_id) == (originals[3], originals[4])


# ------------------------------------------------------------- httpx errors outside HTTPError


async def test_a_url_httpx_refuses_is_a_flowsynx_error(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    # httpx accepts this base URL, but with a route appended it is longer than httpx allows:
    # httpx raises InvalidURL, which is not an httpx.HTTPError.
    base = f"{seeded.url}/{'p' * (65_536 - len(seeded.url) - 10)}"
    mark = len(emu.requests)
    async with FlowSynxClient(base, retries=2, retry_backoff=0) as client:
        with pytest.raises(FlowSynxError) as caught:
            await client.list_executions(W)
    assert type(caught.value) is FlowSynxError and not caught.value.is_transient
    assert caught.value.message == "the request URL is not valid"
    assert settled_requests(emu, mark, 0) == []

