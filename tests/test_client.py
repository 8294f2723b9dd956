"""``FlowSynxClient`` against the emulator over real HTTP on 127.0.0.1 (no mocks).

Read-only checks share one frozen, seeded server with Basic auth; anything that changes state
(starting, cancelling, approving, faults, stopping the server) gets its own emulator or its own
workflow on a shared live server.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from flowsynx_tui.api import (
    ActionResult,
    ApprovalStatus,
    AuthenticationRequired,
    BasicCredentials,
    BearerCredentials,
    ConnectionFailed,
    Credentials,
    ExecuteResult,
    ExecutionStatus,
    FlowSynxClient,
    FlowSynxError,
    InvalidId,
    LogLevel,
    LogTail,
    MalformedResponse,
    NotFound,
    PermissionDenied,
    RequestTimedOut,
    ServerError,
    TaskStatus,
    read_all_pages,
    read_newest,
)
from flowsynx_tui.emulator import ADMIN_USER_ID, DEMO_USERS, Emulator, EmulatorServer, Faults
from flowsynx_tui.emulator.auth import DemoUser, User
from flowsynx_tui.emulator.bulk import add_log_lines
from flowsynx_tui.emulator.seed import PLANS, WORKFLOWS, execution_id, workflow_id

SCALE = 0.02  # one simulated second = 20 ms
BASE_TIME = datetime(2025, 12, 20, 10, 30, tzinfo=UTC)
RUNS_PER_WORKFLOW = Counter(plan.workflow for plan in PLANS)
SEEDED_EXECUTIONS = {
    execution_id(name, index) for name, count in RUNS_PER_WORKFLOW.items() for index in range(1, count + 1)
}
SEEDED_NAMES = [definition["Name"] for definition in WORKFLOWS]
PAUSED_INVOICE = (workflow_id("invoice-approval"), execution_id("invoice-approval", 5))
NIGHTLY_FIRST = (workflow_id("nightly-csv-export"), execution_id("nightly-csv-export", 1))


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def seeded() -> Iterator[EmulatorServer]:
    """The demo data, frozen in time (nothing runs, responses are repeatable), Basic auth."""
    server = EmulatorServer(Emulator(auth="basic", frozen=True, base_time=BASE_TIME))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live() -> Iterator[EmulatorServer]:
    """A running engine without demo data; each test adds its own workflow."""
    server = EmulatorServer(Emulator(auth="basic", seed=False, time_scale=SCALE, workers=4))
    server.start()
    yield server
    server.stop()


def connect(server: EmulatorServer | str, user: str | None = "admin", **options: Any) -> FlowSynxClient:
    """A client logged in as a demo user (password = user name), or anonymous with ``user=None``."""
    options.setdefault("timeout", 5.0)
    options.setdefault("retry_backoff", 0.01)
    if "credentials" not in options:
        options["credentials"] = BasicCredentials(user, user) if user else None
    url = server if isinstance(server, str) else server.url
    return FlowSynxClient(url, **options)


def requests_after(emu: Emulator, mark: int) -> list[Any]:
    return emu.requests.snapshot()[mark:]


def settled_requests(emu: Emulator, mark: int, expected: int) -> list[Any]:
    """Requests recorded since ``mark``, waiting for ``expected`` of them and then a little longer.

    The emulator records a request while sending the response's last body chunk, so a response
    without a body (401, 403, 503) can reach the client a moment before its record exists.
    """
    deadline = time.monotonic() + 2
    while len(emu.requests) - mark < expected and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)  # anything beyond ``expected`` shows up too, and fails the caller's check
    return requests_after(emu, mark)


def task(name: str, seconds: float = 1, after: tuple[str, ...] = (), hints: dict[str, Any] | None = None,
         **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "FlowSynx.Test:1.0.0",
        "Execution": {"Operation": "run", "Parameters": {"emulator": {"seconds": seconds, **(hints or {})}}},
        "FlowControl": {"Dependencies": list(after)},
        **extra,
    }


def gated_workflow(name: str = "gated", publish_seconds: float = 1) -> dict[str, Any]:
    return {
        "Name": name,
        "Tasks": [
            task("Extract"),
            task("Publish", publish_seconds, ("Extract",),
                 ManualApproval={"Enabled": True, "Comment": "Check totals"}),
            task("Archive", 1, ("Publish",)),
        ],
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def all_executions(client: FlowSynxClient) -> list[Any]:
    return await read_all_pages(lambda page, size: client.list_executions(PAUSED_INVOICE[0], page, size), 100)


# ------------------------------------------------------------------------------ server and workflows


async def test_version_and_metrics(seeded: EmulatorServer) -> None:
    async with connect(seeded) as client:
        assert (await client.version()).version == "1.3.0"
        metrics = await client.metrics()
        executions = await all_executions(client)
    statuses = Counter(e.status for e in executions)
    completed_today = sum(
        1 for e in executions
        if e.status is ExecutionStatus.COMPLETED and e.execution_end and e.execution_end.date() == BASE_TIME.date()
    )
    assert metrics.active_workflows == len(SEEDED_NAMES) == 5
    assert metrics.running_tasks == statuses[ExecutionStatus.RUNNING] == 1
    assert metrics.failed_workflows == statuses[ExecutionStatus.FAILED] > 0
    assert metrics.completed_today == completed_today > 0


async def test_list_workflows_pages_and_all_workflows(seeded: EmulatorServer) -> None:
    async with connect(seeded) as client:
        first = await client.list_workflows(page=1, page_size=2)
        last = await client.list_workflows(page=3, page_size=2)
        everything = await client.all_workflows()
    assert [w.name for w in first.items] == SEEDED_NAMES[:2]
    assert (first.pagination.total_count, first.pagination.total_pages) == (5, 3)
    assert first.pagination.has_next_page and not first.pagination.has_previous_page
    assert [w.name for w in last.items] == SEEDED_NAMES[4:]
    assert not last.pagination.has_next_page and last.problems == ()
    assert [w.name for w in everything] == SEEDED_NAMES
    assert [w.id for w in everything] == [workflow_id(name) for name in SEEDED_NAMES]
    assert all(w.modified_date is not None and w.modified_date.tzinfo is UTC for w in everything)
    assert all(w.modified_date < BASE_TIME for w in everything if w.modified_date)


async def test_get_workflow_parses_definition(seeded: EmulatorServer) -> None:
    async with connect(seeded) as client:
        invoice = await client.get_workflow(workflow_id("invoice-approval"))
        partner = await client.get_workflow(workflow_id("flaky-partner-sync"))
    assert (invoice.id, invoice.name) == (workflow_id("invoice-approval"), "invoice-approval")
    definition = invoice.definition
    assert definition.name == "invoice-approval"
    assert definition.description == "Extract invoices, wait for a manager, then publish"
    tasks = {t.name: t for t in definition.tasks}
    assert list(tasks) == ["ExtractInvoices", "PublishInvoices", "ArchiveReport"]
    assert tasks["ExtractInvoices"].dependencies == () and not tasks["ExtractInvoices"].gated
    assert tasks["PublishInvoices"].dependencies == ("ExtractInvoices",)
    assert tasks["PublishInvoices"].gated
    assert tasks["PublishInvoices"].manual_approval.comment == "Check totals before publishing"
    assert tasks["PublishInvoices"].type == "FlowSynx.Storage.Local:1.1.0"
    assert tasks["ArchiveReport"].dependencies == ("PublishInvoices",)
    report = {t.name: t for t in partner.definition.tasks}["PostSyncReport"]
    assert report.dependencies == ("FetchPartnerOrders",)
    assert report.run_on_failure_of == ("FetchPartnerOrders",)


# ---------------------------------------------------------------------------------------- executions


async def test_list_executions_pages_every_id_once_oldest_first(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    async with connect(seeded) as client:
        collected = []
        for page in range(1, 7):
            result = await client.list_executions(NIGHTLY_FIRST[0], page=page, page_size=5)
            assert result.pagination.current_page == page
            assert result.pagination.total_count == 27 and result.pagination.total_pages == 6
            assert result.pagination.has_next_page == (page < 6)
            assert len(result.items) == (5 if page < 6 else 2)
            collected.extend(result.items)
        mark = len(emu.requests)
        via_helper = await read_all_pages(lambda p, s: client.list_executions(NIGHTLY_FIRST[0], p, s), 5)
        helper_requests = requests_after(emu, mark)
    ids = [e.id for e in collected]
    assert len(ids) == len(set(ids)) == 27
    assert set(ids) == SEEDED_EXECUTIONS
    starts = [e.execution_start for e in collected]
    assert all(s is not None for s in starts) and starts == sorted(starts)
    assert [e.id for e in via_helper] == ids
    assert [parse_qs(r.query)["page"] for r in helper_requests] == [[str(p)] for p in range(1, 7)]
    paused = next(e for e in collected if e.id == PAUSED_INVOICE[1])
    assert paused.status is ExecutionStatus.PAUSED
    assert paused.execution_end is not None and paused.effective_end is None  # quirk Q4


async def test_read_newest_walks_back_from_the_last_page(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    async with connect(seeded) as client:
        oldest_first = await all_executions(client)
        newest_first = [e.id for e in reversed(oldest_first)]

        def fetch(page: int, size: int) -> Any:
            return client.list_executions(NIGHTLY_FIRST[0], page, size)

        # Page 1 for the number of pages, then back from the last (27 items: 2 on page 6).
        for limit, expected_requests in ((2, 2), (7, 3), (100, 6)):
            mark = len(emu.requests)
            items, total = await read_newest(fetch, limit, page_size=5)
            assert len(requests_after(emu, mark)) == expected_requests, limit
            assert total == 27
            assert [e.id for e in items] == newest_first[:limit]


async def test_execution_logs_and_task_logs_page_completely(seeded: EmulatorServer) -> None:
    wid, eid = NIGHTLY_FIRST
    async with connect(seeded) as client:
        whole = await client.execution_logs(wid, eid, page=1, page_size=10_000)
        paged = await read_all_pages(lambda p, s: client.execution_logs(wid, eid, p, s), 4)
        tasks = await client.all_tasks(wid, eid)
        per_task = {
            t.name: await read_all_pages(lambda p, s, t=t: client.task_logs(wid, eid, t.id, p, s), 3) for t in tasks
        }
        second_page = await client.task_logs(wid, eid, tasks[0].id, page=2, page_size=2)
    assert whole.pagination.total_pages == 1 and len(whole.items) > 8
    ids = [entry.id for entry in whole.items]
    assert [entry.id for entry in paged] == ids and len(set(ids)) == len(ids)
    stamps = [entry.time_stamp for entry in whole.items]
    assert stamps == sorted(stamps) and all(s.tzinfo is UTC for s in stamps)
    assert all(entry.level.is_known for entry in whole.items)
    task_ids: set[str] = set()
    for name, entries in per_task.items():
        assert f"Workflow task '{name}' started." in [e.message for e in entries]
        assert f"Workflow task '{name}' completed." in [e.message for e in entries]
        mine = {e.id for e in entries}
        assert mine <= set(ids) and not mine & task_ids, name
        task_ids |= mine
    execution_only = [e.message for e in whole.items if e.id not in task_ids]
    assert execution_only and not any(m.startswith("Workflow task '") for m in execution_only)
    assert second_page.pagination.current_page == 2 and second_page.items
    assert [e.id for e in second_page.items] == [e.id for e in per_task[tasks[0].name][2:4]]


async def test_tasks_list_all_and_get(seeded: EmulatorServer) -> None:
    wid = workflow_id("nightly-csv-export")
    failed_run = execution_id("nightly-csv-export", 6)  # three days back, SaveLocal failed
    async with connect(seeded) as client:
        first = await client.list_tasks(wid, failed_run, page=1, page_size=2)
        everything = await client.all_tasks(wid, failed_run)
        details = {t.name: await client.get_task(wid, failed_run, t.id) for t in everything}
        running = await client.all_tasks(workflow_id("warehouse-load"), execution_id("warehouse-load", 4))
    assert (first.pagination.total_count, first.pagination.total_pages, len(first.items)) == (3, 2, 2)
    assert [t.name for t in everything] == ["ListFiles", "ToCsv", "SaveLocal"]
    assert {t.name: t.status for t in everything} == {
        "ListFiles": TaskStatus.COMPLETED, "ToCsv": TaskStatus.COMPLETED, "SaveLocal": TaskStatus.FAILED,
    }
    assert all(t.workflow_id == wid and t.workflow_execution_id == failed_run for t in everything)
    for item in everything:
        detail = details[item.name]
        assert (detail.id, detail.status, detail.start_time, detail.end_time) == (
            item.id, item.status, item.start_time, item.end_time,
        )
        assert detail.start_time is not None and detail.end_time is not None
        assert detail.start_time <= detail.end_time
    assert Counter(t.status for t in running)[TaskStatus.RUNNING] == 2


async def test_start_execution_and_details_keep_the_definition_snapshot(live: EmulatorServer) -> None:
    emu = live.emulator
    wid = emu.add_workflow({"Name": "snapshot", "Tasks": [task("First"), task("Second", 1, ("First",))]})
    async with connect(live) as client:
        before = datetime.now(UTC)
        result, messages = await client.start_execution(wid)
        assert isinstance(result, ExecuteResult)
        assert result.workflow_id == wid and str(uuid.UUID(result.execution_id)) == result.execution_id
        assert result.started_at is not None and result.started_at.tzinfo is UTC
        assert abs(result.started_at - before) < timedelta(seconds=5)
        assert messages == (f"Workflow '{wid}' executed successfully!",)
        # Change the workflow afterwards: the execution keeps the definition it started with.
        update = httpx.put(f"{live.url}/workflows/{wid}", auth=("admin", "admin"),
                           json={"Name": "snapshot", "Tasks": [task("Replaced")]})
        assert update.status_code == 200
        emu.wait_for_status(result.execution_id, {"Completed", "Failed"}, 5)
        details = await client.get_execution(wid, result.execution_id)
        workflow = await client.get_workflow(wid)
    assert (details.workflow_id, details.execution_id) == (wid, result.execution_id)
    assert details.status is ExecutionStatus.COMPLETED
    assert details.execution_start is not None and details.execution_end is not None
    assert details.execution_start <= details.execution_end == details.effective_end
    assert [t.name for t in details.definition.tasks] == ["First", "Second"]
    assert details.definition.tasks[1].dependencies == ("First",)
    assert [t.name for t in workflow.definition.tasks] == ["Replaced"]


async def test_cancel_running_pending_and_finished(emulator_server: Any) -> None:
    server = emulator_server(seed=False, workers=1)
    emu = server.emulator
    wid = emu.add_workflow({"Name": "slow", "Tasks": [task("Long", 200), task("Later", 1, ("Long",))]})
    async with connect(server, user=None) as client:
        running, _ = await client.start_execution(wid)
        emu.wait_until(lambda: emu.task_statuses(running.execution_id)["Long"] == "Running", 5, "Long running")
        queued, _ = await client.start_execution(wid)  # the only worker is busy: stays Pending
        assert (await client.get_execution(wid, queued.execution_id)).status is ExecutionStatus.PENDING

        with pytest.raises(NotFound) as pending_error:
            await client.cancel_execution(wid, queued.execution_id)
        assert pending_error.value.status_code == 404
        assert pending_error.value.server_messages == (
            f"[FSX2435] The workflow execution '{queued.execution_id}' not found.",
        )

        outcome = await client.cancel_execution(wid, running.execution_id)
        assert outcome == ActionResult(messages=(f"Workflow '{wid}' cancelled successfully!",))
        emu.wait_for_status(running.execution_id, {"Completed", "Failed"}, 3)
        details = await client.get_execution(wid, running.execution_id)
        tasks = {t.name: t.status for t in await client.all_tasks(wid, running.execution_id)}
        assert details.status is ExecutionStatus.FAILED
        assert tasks == {"Long": TaskStatus.CANCELED, "Later": TaskStatus.PENDING}

        with pytest.raises(NotFound) as finished_error:
            await client.cancel_execution(wid, running.execution_id)
        assert finished_error.value.server_messages[0].startswith("[FSX2435]")


# ----------------------------------------------------------------------------------------- approvals


async def test_approve_resumes_and_blocks_until_done(live: EmulatorServer) -> None:
    emu = live.emulator
    wid = emu.add_workflow(gated_workflow(publish_seconds=15))
    async with connect(live) as admin, connect(live, "operator") as operator:
        started, _ = await admin.start_execution(wid)
        eid = started.execution_id
        emu.wait_for_status(eid, "Paused", 5)
        paused = await admin.get_execution(wid, eid)
        assert paused.status is ExecutionStatus.PAUSED and paused.effective_end is None
        approvals = await operator.list_approvals(wid, eid)
        (approval,) = approvals.items
        assert (approval.workflow_id, approval.execution_id, approval.task_name) == (wid, eid, "Publish")
        assert approval.status is ApprovalStatus.PENDING and approval.comments == "Check totals"
        assert approval.requested_by == ADMIN_USER_ID and approval.requested_at is not None

        began = time.monotonic()
        outcome = await operator.approve(wid, eid, approval.id)
        took = time.monotonic() - began
        assert outcome.messages == (f"Workflow '{wid}' resumed and executed successfully!",)
        assert took >= 15 * SCALE * 0.8, "approve returns only after the rest of the run"
        assert (await admin.get_execution(wid, eid)).status is ExecutionStatus.COMPLETED
        assert {t.name: t.status for t in await admin.all_tasks(wid, eid)} == {
            "Extract": TaskStatus.COMPLETED, "Publish": TaskStatus.COMPLETED, "Archive": TaskStatus.COMPLETED,
        }
        assert (await operator.list_approvals(wid, eid)).items == ()

        with pytest.raises(NotFound) as again:
            await operator.approve(wid, eid, approval.id)
        assert again.value.status_code == 404
        assert "[FSX2441] Already approved or rejected." in again.value.server_messages


async def test_reject_fails_the_execution(live: EmulatorServer) -> None:
    emu = live.emulator
    wid = emu.add_workflow(gated_workflow("rejectable"))
    async with connect(live, "operator") as client:
        started, _ = await client.start_execution(wid)
        eid = started.execution_id
        emu.wait_for_status(eid, "Paused", 5)
        (approval,) = (await client.list_approvals(wid, eid)).items
        outcome = await client.reject(wid, eid, approval.id)
        assert outcome.messages == (f"The workflow approval with id '{approval.id}' is rejected.",)
        details = await client.get_execution(wid, eid)
        assert details.status is ExecutionStatus.FAILED and details.execution_end is not None
        statuses = {t.name: t.status for t in await client.all_tasks(wid, eid)}
        assert statuses["Publish"] is TaskStatus.PENDING and statuses["Archive"] is TaskStatus.PENDING
        with pytest.raises(NotFound) as again:
            await client.approve(wid, eid, approval.id)
        assert any(m.startswith("[FSX2441]") for m in again.value.server_messages)


# ------------------------------------------------------------------------------------------- LogTail


async def test_log_tail_returns_every_line_once_in_order(live: EmulatorServer) -> None:
    emu = live.emulator
    wid = emu.add_workflow({
        "Name": "chatty",
        "Tasks": [task("Talk", 50, hints={"logLines": 400}), task("Mumble", 30, hints={"logLines": 150}),
                  task("Summary", 1, ("Talk", "Mumble"))],
    })
    page_size = 25
    async with connect(live) as client:
        started, _ = await client.start_execution(wid)
        eid = started.execution_id
        tail = LogTail(lambda page, size: client.execution_logs(wid, eid, page, size), page_size=page_size)
        received: list[Any] = []
        polls: list[tuple[int, int, list[Any]]] = []  # (lines seen before, lines returned, log requests)
        deadline = time.monotonic() + 10
        while True:
            finished = emu.execution_status(eid) in ("Completed", "Failed")
            mark = len(emu.requests)
            batch = await tail.poll()
            log_requests = [r for r in requests_after(emu, mark) if r.path.endswith("/logs")]
            polls.append((len(received), len(batch), log_requests))
            received.extend(batch)
            # Finished, and caught up: a slow machine may still have whole pages to read.
            if finished and not tail.behind:
                break
            assert time.monotonic() < deadline, "execution did not finish"
            await asyncio.sleep(0.03)
        mark = len(emu.requests)
        assert await tail.poll() == []
        assert len(requests_after(emu, mark)) == 1, "an idle poll costs one request"
        everything = await read_all_pages(lambda page, size: client.execution_logs(wid, eid, page, size), 100)

    assert len(everything) > 550
    assert [e.id for e in received] == [e.id for e in everything], "every line exactly once, in order"
    stamps = [e.time_stamp for e in received]
    assert stamps == sorted(stamps)
    growing = sum(1 for _, count, _ in polls if count)
    assert growing >= 3, f"the tail saw the log grow over only {growing} polls"
    for seen_before, count, log_requests in polls:
        query = parse_qs(log_requests[0].query)
        first_page, size = int(query["page"][0]), int(query["pageSize"][0])
        assert page_size <= size < 2 * page_size
        if seen_before:
            # The page that holds the last line read, not one past it (that would come back
            # as the last page, whole, when nothing is new).
            assert (first_page - 1) * size < seen_before < first_page * size, "resumes where it left off"
        assert len(log_requests) <= count // page_size + 2
    assert max(int(parse_qs(p[2][0].query)["page"][0]) for p in polls) > 10


async def test_log_tail_reads_a_steady_log_with_one_request_per_poll(live: EmulatorServer) -> None:
    """A run that logs steadily: each poll one request, also when its lines cross a page
    end (with one page size for all polls, every 500th line cost a second request)."""
    emu = live.emulator
    wid = emu.add_workflow({"Name": "steady", "Tasks": [task("Talk", 0.01)]})
    async with connect(live) as client:
        started, _ = await client.start_execution(wid)
        eid = started.execution_id
        deadline = time.monotonic() + 10
        while emu.execution_status(eid) != "Completed":
            assert time.monotonic() < deadline, "execution did not finish"
            await asyncio.sleep(0.02)
        tail = LogTail(lambda page, size: client.execution_logs(wid, eid, page, size))
        received = [entry.id for entry in await tail.poll()]
        mark, polls = len(emu.requests), 80
        for at in range(polls):
            add_log_lines(emu, eid, 37 + at % 5, seed=100 + at)
            batch = await tail.poll()
            assert 37 <= len(batch) <= 41
            received.extend(entry.id for entry in batch)
        log_requests = [r for r in requests_after(emu, mark) if r.path.endswith("/logs")]
        everything = await read_all_pages(lambda page, size: client.execution_logs(wid, eid, page, size), 1000)
    assert len(everything) > 3_000
    assert sorted(received) == sorted(entry.id for entry in everything), "every line exactly once"
    assert len(log_requests) == polls, "a page end crossed costs no second request"


# ---------------------------------------------------------------------------------------------- auth


async def test_basic_auth_accepts_and_rejects(seeded: EmulatorServer) -> None:
    async with connect(seeded) as client:
        assert len((await client.list_workflows()).items) == 5
    async with connect(seeded, credentials=BasicCredentials("admin", "wrong")) as client:
        with pytest.raises(AuthenticationRequired) as wrong:
            await client.list_workflows()
    async with connect(seeded, user=None) as client:
        with pytest.raises(AuthenticationRequired) as missing:
            await client.list_workflows()
        assert (await client.version()).version == "1.3.0"  # anonymous route
    assert wrong.value.status_code == missing.value.status_code == 401
    assert "wrong" in str(wrong.value) and "expired" in str(wrong.value)
    assert "needs credentials" in str(missing.value) and "wrong" not in str(missing.value)


async def test_roles_decide_what_a_user_may_do(seeded: EmulatorServer) -> None:
    wid, eid = PAUSED_INVOICE
    async with connect(seeded, "viewer") as viewer:
        assert (await viewer.get_execution(wid, eid)).status is ExecutionStatus.PAUSED
        with pytest.raises(PermissionDenied) as approvals:
            await viewer.list_approvals(wid, eid)
        with pytest.raises(PermissionDenied):
            await viewer.approve(wid, eid, str(uuid.uuid4()))
    async with connect(seeded, "user") as user:
        with pytest.raises(PermissionDenied) as workflows:
            await user.list_workflows()
        assert (await user.metrics()).active_workflows == 0
    async with connect(seeded, "operator") as operator:
        assert len((await operator.list_approvals(wid, eid)).items) == 1
    async with connect(seeded, "other") as other:
        assert await other.all_workflows() == []
    assert approvals.value.status_code == 403
    assert "admin or approvals" in str(approvals.value)
    assert approvals.value.required_roles == ("admin", "approvals")
    assert "admin or workflows" in str(workflows.value)


async def test_bearer_tokens_and_expiry(emulator_server: Any) -> None:
    server = emulator_server(auth="bearer", seed=False)
    emu = server.emulator
    emu.add_workflow({"Name": "mine", "Tasks": [task("Only")]})
    async with connect(server, credentials=BearerCredentials(emu.issue_token("admin"))) as client:
        assert [w.name for w in await client.all_workflows()] == ["mine"]
        client.set_credentials(BearerCredentials("not-a-jwt"))
        with pytest.raises(AuthenticationRequired) as garbage:
            await client.list_workflows()
        assert "wrong" in str(garbage.value)

        short = emu.issue_token("admin", ttl_seconds=1)
        client.set_credentials(BearerCredentials(short))
        expires = json.loads(base64.urlsafe_b64decode(short.split(".")[1] + "=="))["exp"]
        await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)
        with pytest.raises(AuthenticationRequired) as expired:
            await client.list_workflows()
        assert "expired" in str(expired.value)

        client.set_credentials(BearerCredentials(emu.issue_token("viewer")))
        with pytest.raises(PermissionDenied):
            await client.list_workflows()
        client.set_credentials(BearerCredentials(emu.issue_token("admin")))
        assert len((await client.list_workflows()).items) == 1


async def test_set_credentials_swaps_mid_session(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    wid, eid = PAUSED_INVOICE
    mark = len(emu.requests)
    async with connect(seeded, user=None) as client:
        with pytest.raises(AuthenticationRequired):
            await client.get_execution(wid, eid)
        client.set_credentials(BasicCredentials("viewer", "viewer"))
        assert (await client.get_execution(wid, eid)).execution_id == eid
        with pytest.raises(PermissionDenied):
            await client.list_approvals(wid, eid)
        client.set_credentials(BasicCredentials("operator", "operator"))
        assert len((await client.list_approvals(wid, eid)).items) == 1
        assert client.credentials == BasicCredentials("operator", "operator")
        client.set_credentials(None)
        with pytest.raises(AuthenticationRequired) as anonymous:
            await client.get_execution(wid, eid)
        assert "needs credentials" in str(anonymous.value)
    assert [r.user for r in settled_requests(emu, mark, 5)] == [None, "viewer", "viewer", "operator", None]


# -------------------------------------------------------------------------------------------- errors


async def test_connection_refused() -> None:
    async with connect(f"http://127.0.0.1:{closed_port()}", retries=1) as client:
        with pytest.raises(ConnectionFailed) as refused:
            await client.version()
        with pytest.raises(ConnectionFailed):
            await client.start_execution(str(uuid.uuid4()))
    assert "connection refused" in str(refused.value) and refused.value.is_transient
    assert refused.value.route == "GET /version"


async def test_stopped_server_fails_then_recovers(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    async with connect(server, user=None, retries=0) as client:
        assert (await client.version()).version == "1.3.0"
        server.stop()
        with pytest.raises(ConnectionFailed):
            await client.version()
        with pytest.raises(ConnectionFailed):
            await client.list_workflows()
        server.start()  # same port
        assert (await client.version()).version == "1.3.0"


async def test_request_timed_out(emulator_server: Any) -> None:
    server = emulator_server(seed=False, faults=Faults(latency=0.5))
    async with connect(server, user=None, timeout=0.1, retries=0) as client:
        began = time.monotonic()
        with pytest.raises(RequestTimedOut) as timed_out:
            await client.list_workflows()
        assert time.monotonic() - began < 0.45
    assert "0.1 s" in str(timed_out.value) and timed_out.value.is_transient


async def test_http_errors_carry_the_server_messages(seeded: EmulatorServer) -> None:
    emu = seeded.emulator
    wid = workflow_id("nightly-csv-export")
    missing = str(uuid.uuid4())
    async with connect(seeded, retries=0) as client:
        with pytest.raises(NotFound) as not_found:
            await client.get_execution(wid, missing)
        # Malformed ids used to reach the server (400 PascalCase, or 500 for a task id); now the
        # client refuses them itself. The PascalCase body is read in tests/test_models.py.
        mark = len(emu.requests)
        with pytest.raises(InvalidId) as bad_guid:
            await client.get_workflow("not-a-guid")
        with pytest.raises(InvalidId) as bad_task:
            await client.get_task(wid, NIGHTLY_FIRST[1], "not-a-guid")
        assert settled_requests(emu, mark, 0) == []
    assert not_found.value.status_code == 404
    assert not_found.value.server_messages == (f"[FSX2436] The execution with id '{missing}' not found.",)
    assert f"[FSX2436] The execution with id '{missing}' not found." in str(not_found.value)
    assert bad_guid.value.message == "workflow id is not a GUID"
    assert bad_task.value.message == "task id is not a GUID"
    assert "not-a-guid" not in str(bad_guid.value) + str(bad_task.value)


async def test_malformed_json_is_malformed_response(emulator_server: Any) -> None:
    server = emulator_server(seed=False, faults=Faults(malformed_rate=1.0))
    emu = server.emulator
    async with connect(server, user=None, retries=2) as client:
        mark = len(emu.requests)
        with pytest.raises(MalformedResponse) as malformed:
            await client.list_workflows()
        with pytest.raises(MalformedResponse):
            await client.version()
    assert "not JSON" in str(malformed.value)
    assert [r.fault for r in requests_after(emu, mark)] == ["malformed"] * 6  # transient: retried


async def test_wrong_types_on_a_single_object_route(emulator_server: Any) -> None:
    server = emulator_server(seed=False, frozen=True, faults=Faults(wrong_types_rate=1.0, seed=11))
    emu = server.emulator
    wid = emu.add_workflow({"Name": "typed", "Tasks": [task("Only")]})
    eid = emu.start_execution(wid)
    async with connect(server, user=None, retries=0) as client:
        for _ in range(8):
            with pytest.raises(MalformedResponse) as wrong:
                await client.get_execution(wid, eid)
            assert wrong.value.route == f"GET /workflows/{wid}/executions/{eid}"
    assert {r.fault for r in emu.requests} == {"wrong_types"}


async def test_wrong_types_in_one_list_item_keeps_the_others(emulator_server: Any) -> None:
    server = emulator_server(seed=False, frozen=True)
    emu = server.emulator
    wid = emu.add_workflow({"Name": "listed", "Tasks": [task("Only")]})
    for _ in range(5):
        emu.start_execution(wid)
    async with connect(server, user=None, retries=0) as client:
        clean = (await client.list_executions(wid)).items
        emu.faults = Faults(wrong_types_rate=1.0, seed=5)
        partial_pages = []
        for _ in range(30):
            try:
                page = await client.list_executions(wid)
            except MalformedResponse:
                continue  # the fault hit "data" or "pagination" instead of one item
            partial_pages.append(page)
    assert partial_pages, "no item-level fault in 30 tries"
    for page in partial_pages:
        assert len(page.items) == 4 and len(page.problems) == 1
        assert set(page.items) < set(clean)
        (left_out,) = set(clean) - set(page.items)
        position = clean.index(left_out) + 1
        assert f"item {position} skipped" in page.problems[0]


async def test_get_is_retried_commands_are_sent_once(emulator_server: Any) -> None:
    server = emulator_server(seed=False, faults=Faults(error_rate=1.0, seed=3))
    emu = server.emulator
    ids = [str(uuid.uuid4()) for _ in range(3)]
    async with connect(server, user=None, retries=2) as client:
        mark = len(emu.requests)
        with pytest.raises(ServerError) as failed:
            await client.list_workflows()
        assert len(settled_requests(emu, mark, 3)) == 3
        assert failed.value.status_code in (500, 503) and failed.value.is_transient
        commands = {
            "start": lambda: client.start_execution(ids[0]),
            "cancel": lambda: client.cancel_execution(ids[0], ids[1]),
            "approve": lambda: client.approve(*ids),
            "reject": lambda: client.reject(*ids),
        }
        for name, command in commands.items():
            mark = len(emu.requests)
            with pytest.raises(ServerError):
                await command()
            sent = settled_requests(emu, mark, 1)
            assert [(r.method, r.fault) for r in sent] == [("POST", "error")], name


async def test_dropped_connection_on_start_is_not_resent(emulator_server: Any) -> None:
    server = emulator_server(seed=False, workers=1)
    emu = server.emulator
    wid = emu.add_workflow({"Name": "dropped", "Tasks": [task("Only")]})
    emu.faults = Faults(drop_rate=1.0)
    async with connect(server, user=None, retries=2) as client:
        mark = len(emu.requests)
        with pytest.raises(ConnectionFailed) as dropped:
            await client.start_execution(wid)
        sent = requests_after(emu, mark)
        assert [(r.method, r.fault) for r in sent] == [("POST", "drop")]
        assert "dropped the connection" in str(dropped.value)
        mark = len(emu.requests)
        with pytest.raises(ConnectionFailed):
            await client.list_workflows()
        assert len(requests_after(emu, mark)) == 3  # a GET is safe to retry
        emu.faults = Faults()
        # The server did create the execution: resending the POST would have started a second one.
        assert len((await client.list_executions(wid)).items) == 1


# ------------------------------------------------------------------------------------------- secrets


def visible_text(error: BaseException) -> str:
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    parts += [str(arg) for arg in error.args] + [repr(arg) for arg in error.args]
    return "\n".join(parts)


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
async def test_secrets_never_leak(scheme: str, emulator_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = emulator_server(auth=scheme, seed=False)
    emu = server.emulator
    credentials: Credentials
    if scheme == "basic":
        secret = "s3cr3t-pw"
        credentials = BasicCredentials("admin", secret)  # wrong password: 401
        # A user whose password is the secret but who lacks the approvals role: 403.
        monkeypatch.setitem(DEMO_USERS, "carol", DemoUser(secret, User(ADMIN_USER_ID, "carol", ("executions",))))
        limited: Credentials = BasicCredentials("carol", secret)
        secrets = [secret] + [base64.b64encode(f"{u}:{secret}".encode()).decode() for u in ("admin", "carol")]
    else:
        secret = "tok-s3cr3t"
        credentials = BearerCredentials(secret)  # not a valid token: 401
        viewer_token = emu.issue_token("viewer")
        limited = BearerCredentials(viewer_token)  # valid, lacks the approvals role: 403
        secrets = [secret, viewer_token]
    ids = [str(uuid.uuid4()) for _ in range(2)]
    errors: list[FlowSynxError] = []

    async def collect(client: FlowSynxClient, kind: type[FlowSynxError]) -> None:
        with pytest.raises(kind) as caught:
            await client.list_approvals(*ids)
        errors.append(caught.value)

    async with connect(server, credentials=credentials, retries=0) as client:
        await collect(client, AuthenticationRequired)
        shown = [repr(client), repr(credentials), str(credentials), f"{credentials}", repr(client.credentials)]
    async with connect(server, credentials=limited, retries=0) as client:
        await collect(client, PermissionDenied)
        shown += [repr(client), repr(limited), str(limited)]
    async with connect(f"http://127.0.0.1:{closed_port()}", credentials=credentials, retries=0) as client:
        await collect(client, ConnectionFailed)
    emu.faults = Faults(latency=0.4)
    async with connect(server, credentials=credentials, retries=0, timeout=0.1) as client:
        await collect(client, RequestTimedOut)
    assert [type(e) for e in errors] == [AuthenticationRequired, PermissionDenied, ConnectionFailed, RequestTimedOut]
    texts = shown + [visible_text(error) for error in errors]
    for text in texts:
        for hidden in secrets:
            assert hidden not in text, f"secret visible in: {text[:200]}"
    # Masked, not blank: the user can still tell which login is in use.
    assert ("admin" if scheme == "basic" else "BearerCredentials") in repr(credentials)


# ---------------------------------------------------------------------------------------- log levels


async def test_legacy_log_levels_parse_to_the_same_members(seeded: EmulatorServer, emulator_server: Any) -> None:
    legacy = emulator_server(auth="basic", legacy_log_levels=True, frozen=True, base_time=BASE_TIME)
    wid = workflow_id("flaky-partner-sync")
    runs = [execution_id("flaky-partner-sync", n) for n in (3, 4)]  # retries (Warning), exhausted (Error)
    wire = httpx.get(f"{legacy.url}/workflows/{wid}/executions/{runs[0]}/logs", auth=("admin", "admin"),
                     params={"pageSize": 0}).json()["data"]
    assert {"Info", "Warn"} <= {entry["level"] for entry in wire}, "the emulator really sends legacy names"
    async with connect(seeded) as modern_client, connect(legacy) as legacy_client:
        for eid in runs:
            modern = {e.id: e.level for e in (await modern_client.execution_logs(wid, eid, 1, 10_000)).items}
            old = {e.id: e.level for e in (await legacy_client.execution_logs(wid, eid, 1, 10_000)).items}
            assert old.keys() == modern.keys() and modern
            for entry_id, level in modern.items():
                # v1.2.4 had no Trace member; it wrote Trace lines as Dbug.
                expected = LogLevel.DEBUG if level is LogLevel.TRACE else level
                assert old[entry_id] is expected
                assert old[entry_id].is_known
        levels = {level for level in old.values()} | {level for level in modern.values()}
    assert {LogLevel.INFORMATION, LogLevel.WARNING, LogLevel.ERROR} <= levels
