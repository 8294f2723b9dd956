"""Demo data: five workflows and 27 executions of history, laid out relative to ``base_time``.

Every id is derived from names (``stable_id``) and every log id and timestamp jitter comes from a
fixed-seed random generator, so two emulators with the same ``base_time`` hold identical data.

Workflows (ids are ``stable_id("workflow", name)``):

* ``nightly-csv-export``: ListFiles -> ToCsv -> SaveLocal (sample 8.4 of the reference). Eight
  nightly runs at 02:00; the one three days back failed in SaveLocal.
* ``invoice-approval``: ExtractInvoices -> PublishInvoices (approval gate "Check totals before
  publishing") -> ArchiveReport (Skip strategy). Four finished runs (one rejected, one where
  ArchiveReport failed and was skipped) and one run **Paused** 25 minutes before base time with a
  Pending approval.
* ``flaky-partner-sync``: FetchPartnerOrders fails twice and then succeeds (Retry, 3 retries);
  UpsertOrders after it, PostSyncReport runs whether the fetch succeeded or failed
  (Dependencies + RunOnFailureOf). One run two days back failed after exhausting its retries.
* ``warehouse-load``: fan-out of four extracts (DegreeOfParallelism 3) into LoadWarehouse, then
  RefreshDashboards; ExtractOrders writes 4000 log lines over 75 s. Three finished runs and one
  **Running** 30 s into its run at base time (two extracts done, two running), which the engine
  continues unless frozen.
* ``customer-onboarding``: diamond CreateAccount -> (VerifyIdentity gated, SetupBilling) ->
  ActivateAccount. Runs: approved, rejected, approved, and one where SetupBilling failed.

With the ``real`` fidelity profile the history is what a real server would have left: lines
written by the background worker belong to user ``System`` (Q3; only lines from an approve-resume
or a reject onwards belong to the owner), and after an approval the tasks that ran before the gate
run again (Q6). Ids of workflows, executions, tasks and approvals are the same in both profiles.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Mapping

from . import logtext
from .clock import TICKS_PER_SECOND, datetime_from_ticks, seconds_to_ticks, ticks_from_datetime
from .definition import TaskSpec, WorkflowSpec, parse_definition
from .engine import TaskOutcome, conclusion, failure_of, give_up, ready_tasks, retry_lines
from .fidelity import FRIENDLY_PROFILE, Profile
from .ids import random_guid, stable_id
from .logtext import Line
from .store import (
    APPROVED,
    COMPLETED,
    FAILED,
    PAUSED,
    PENDING,
    REJECTED,
    RETRYING,
    RUNNING,
    ApprovalRecord,
    ExecutionRecord,
    LogRecord,
    Store,
    TaskRecord,
    WorkflowRecord,
)

SEED_RANDOM = 20251220


def _task(name: str, plugin: str, operation: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Name": name, "Type": plugin, "Execution": {"Operation": operation, "Parameters": parameters}, **extra}


def _after(*names: str) -> dict[str, Any]:
    return {"FlowControl": {"Dependencies": list(names)}}


NIGHTLY_CSV_EXPORT: dict[str, Any] = {
    "Name": "nightly-csv-export",
    "Description": "List files in a bucket, convert to CSV, save locally",
    "Configuration": {"DegreeOfParallelism": 2},
    "Tasks": [
        {
            "Name": "ListFiles",
            "Type": "FlowSynx.Cloud.Amazon.S3:1.1.0",
            "Execution": {
                "Operation": "list",
                "Specification": {"Region": "eu-west-1", "Bucket": "reports"},
                "Parameters": {"Path": "incoming/", "Recurse": True},
            },
        },
        _task("ToCsv", "FlowSynx.Data.Csv:1.2.0", "read",
              {"Delimiter": ",", "Data": "$[Outputs('ListFiles')]"}, **_after("ListFiles")),
        _task("SaveLocal", "FlowSynx.Storage.Local:1.1.0", "write",
              {"Path": "out/report.csv", "Data": "$[Outputs('ToCsv')]", "Overwrite": True}, **_after("ToCsv")),
    ],
}

INVOICE_APPROVAL: dict[str, Any] = {
    "Name": "invoice-approval",
    "Description": "Extract invoices, wait for a manager, then publish",
    "Variables": {"Threshold": 10000},
    "Configuration": {
        "DegreeOfParallelism": 3,
        "ErrorHandling": {
            "Strategy": "Retry",
            "RetryPolicy": {"MaxRetries": 2, "BackoffStrategy": "Exponential", "InitialDelayMilliseconds": 500,
                            "MaxDelayMilliseconds": 5000, "BackoffCoefficient": 2.0},
        },
    },
    "Tasks": [
        {"Name": "ExtractInvoices", "Type": "FlowSynx.Data.Csv:1.2.0",
         "Execution": {"Operation": "read", "Parameters": {"Path": "in/invoices.csv", "Delimiter": ";"},
                       "TimeoutMilliseconds": 30000}},
        _task("PublishInvoices", "FlowSynx.Storage.Local:1.1.0", "write",
              {"Path": "out/approved.csv", "Data": "$[Outputs('ExtractInvoices')]"}, **_after("ExtractInvoices"),
              ManualApproval={"Enabled": True, "Comment": "Check totals before publishing"}),
        _task("ArchiveReport", "FlowSynx.Compression.Zip:1.0.0", "compress",
              {"Data": "$[Outputs('PublishInvoices')]"}, **_after("PublishInvoices"),
              ErrorHandling={"Strategy": "Skip"}),
    ],
}

FLAKY_PARTNER_SYNC: dict[str, Any] = {
    "Name": "flaky-partner-sync",
    "Description": "Pull orders from a partner API that often times out, then upsert them",
    "Configuration": {"DegreeOfParallelism": 2},
    "Tasks": [
        _task("FetchPartnerOrders", "FlowSynx.Http.Rest:1.0.0", "get",
              {"Path": "orders?since=yesterday",
               "emulator": {"seconds": 2, "failAttempts": 2,
                            "failMessage": "Partner API timed out after 30000 ms"}},
              ErrorHandling={"Strategy": "Retry",
                             "RetryPolicy": {"MaxRetries": 3, "BackoffStrategy": "Exponential",
                                             "InitialDelayMilliseconds": 1000, "MaxDelayMilliseconds": 8000,
                                             "BackoffCoefficient": 2.0}}),
        _task("UpsertOrders", "FlowSynx.Database.PostgreSql:1.0.0", "write",
              {"Table": "partner_orders", "Data": "$[Outputs('FetchPartnerOrders')]"},
              **_after("FetchPartnerOrders")),
        _task("PostSyncReport", "FlowSynx.Notifications.Slack:1.0.0", "send",
              {"Channel": "#partner-sync"},
              FlowControl={"Dependencies": ["FetchPartnerOrders"], "RunOnFailureOf": ["FetchPartnerOrders"]}),
    ],
}

_EXTRACTS = ("ExtractOrders", "ExtractInventory", "ExtractCustomers", "ExtractShipments")

WAREHOUSE_LOAD: dict[str, Any] = {
    "Name": "warehouse-load",
    "Description": "Extract four sources in parallel, load the warehouse, refresh dashboards",
    "Configuration": {"DegreeOfParallelism": 3},
    "Tasks": [
        _task("ExtractOrders", "FlowSynx.Database.SqlServer:1.0.0", "query",
              {"Sql": "SELECT * FROM Orders WHERE OrderDate >= @since",
               "emulator": {"seconds": 75, "logLines": 4000}}),
        _task("ExtractInventory", "FlowSynx.Database.SqlServer:1.0.0", "query",
              {"Sql": "SELECT * FROM Inventory", "emulator": {"seconds": 8, "logLines": 40}}),
        _task("ExtractCustomers", "FlowSynx.Database.MySql:1.0.0", "query",
              {"Sql": "SELECT * FROM customers", "emulator": {"seconds": 5, "logLines": 25}}),
        _task("ExtractShipments", "FlowSynx.Cloud.Azure.Blobs:1.0.0", "read",
              {"Path": "shipments/today.json", "emulator": {"seconds": 35, "logLines": 200}}),
        _task("LoadWarehouse", "FlowSynx.Database.PostgreSql:1.0.0", "write",
              {"Table": "fact_orders", "emulator": {"seconds": 10, "logLines": 300}}, **_after(*_EXTRACTS)),
        _task("RefreshDashboards", "FlowSynx.Http.Rest:1.0.0", "post",
              {"Path": "dashboards/refresh", "emulator": {"seconds": 3}}, **_after("LoadWarehouse")),
    ],
}

CUSTOMER_ONBOARDING: dict[str, Any] = {
    "Name": "customer-onboarding",
    "Description": "Create an account, verify identity (compliance approval) and set up billing, then activate",
    "Configuration": {"DegreeOfParallelism": 3},
    "Tasks": [
        _task("CreateAccount", "FlowSynx.Database.PostgreSql:1.0.0", "write", {"Table": "accounts"}),
        _task("VerifyIdentity", "FlowSynx.Http.Rest:1.0.0", "post", {"Path": "kyc/verify"},
              **_after("CreateAccount"),
              ManualApproval={"Enabled": True, "Comment": "Compliance: check the ID documents"}),
        _task("SetupBilling", "FlowSynx.Http.Rest:1.0.0", "post", {"Path": "billing/customers"},
              **_after("CreateAccount")),
        _task("ActivateAccount", "FlowSynx.Database.PostgreSql:1.0.0", "write", {"Table": "accounts"},
              **_after("VerifyIdentity", "SetupBilling")),
    ],
}

WORKFLOWS: tuple[dict[str, Any], ...] = (
    NIGHTLY_CSV_EXPORT,
    INVOICE_APPROVAL,
    FLAKY_PARTNER_SYNC,
    WAREHOUSE_LOAD,
    CUSTOMER_ONBOARDING,
)


def workflow_id(name: str) -> str:
    return stable_id("workflow", name)


def execution_id(workflow_name: str, index: int) -> str:
    return stable_id("execution", workflow_name, str(index))


@dataclass(frozen=True)
class TaskPlan:
    """Overrides a task's simulation hints for one historical run."""

    fail_attempts: int | None = None
    fail: bool | None = None
    message: str | None = None


@dataclass(frozen=True)
class RunPlan:
    workflow: str
    days_ago: int
    at: str = "00:00"  # time of day, used when days_ago > 0
    seconds_ago: float = 0.0  # used when days_ago == 0
    tasks: Mapping[str, TaskPlan] = field(default_factory=dict)
    gates: Mapping[str, str] = field(default_factory=dict)  # approved | rejected | pending
    cut_after: float | None = None  # seconds into the run when base time is reached
    approval_wait: float = 420.0


_DENIED = TaskPlan(fail=True, message="Access to the path '/data/out/report.csv' is denied.")
_PARTNER_DOWN = TaskPlan(fail=True, message="Partner API returned 503 Service Unavailable")
_DUPLICATE_KEY = TaskPlan(
    fail=True,
    message="Violation of PRIMARY KEY constraint 'PK_fact_orders'. Cannot insert duplicate key (20251218-0042).",
)

PLANS: tuple[RunPlan, ...] = (
    *(RunPlan("nightly-csv-export", day, "02:00", tasks={"SaveLocal": _DENIED} if day == 3 else {})
      for day in range(8, 0, -1)),
    RunPlan("invoice-approval", 5, "14:10"),
    RunPlan("invoice-approval", 3, "11:00", gates={"PublishInvoices": "rejected"}, approval_wait=1800),
    RunPlan("invoice-approval", 2, "16:30",
            tasks={"ArchiveReport": TaskPlan(fail=True, message="Archive volume is full")}),
    RunPlan("invoice-approval", 1, "10:05", approval_wait=95),
    RunPlan("invoice-approval", 0, seconds_ago=25 * 60, gates={"PublishInvoices": "pending"}),
    RunPlan("flaky-partner-sync", 5, "06:00"),
    RunPlan("flaky-partner-sync", 4, "06:00", tasks={"FetchPartnerOrders": TaskPlan(fail_attempts=0)}),
    RunPlan("flaky-partner-sync", 3, "06:00"),
    RunPlan("flaky-partner-sync", 2, "06:00", tasks={"FetchPartnerOrders": _PARTNER_DOWN}),
    RunPlan("flaky-partner-sync", 1, "06:00", tasks={"FetchPartnerOrders": TaskPlan(fail_attempts=1)}),
    RunPlan("flaky-partner-sync", 0, seconds_ago=3 * 3600),
    RunPlan("warehouse-load", 3, "01:00"),
    RunPlan("warehouse-load", 2, "01:00", tasks={"LoadWarehouse": _DUPLICATE_KEY}),
    RunPlan("warehouse-load", 1, "01:00"),
    RunPlan("warehouse-load", 0, seconds_ago=31.0, cut_after=30.0),
    RunPlan("customer-onboarding", 4, "09:30"),
    RunPlan("customer-onboarding", 2, "13:45", gates={"VerifyIdentity": "rejected"}),
    RunPlan("customer-onboarding", 1, "15:20", approval_wait=3 * 3600),
    RunPlan("customer-onboarding", 0, seconds_ago=6 * 3600,
            tasks={"SetupBilling": TaskPlan(fail=True, message="Payment provider rejected the request (402)")}),
)


def seed_store(store: Store, owner: str, base_ticks: int, profile: Profile = FRIENDLY_PROFILE) -> None:
    """Fill ``store`` with the demo workflows and their history, owned by user id ``owner``."""
    rng = random.Random(SEED_RANDOM)
    workflows = {}
    for index, definition in enumerate(WORKFLOWS):
        record = WorkflowRecord(
            id=workflow_id(definition["Name"]),
            user_id=owner,
            name=definition["Name"],
            definition=copy.deepcopy(definition),
            schema_url=None,
            modified=base_ticks - seconds_to_ticks(10 * 86_400 - index * 3_600),
        )
        store.add_workflow(record)
        workflows[record.name] = record
    writer = _HistoryWriter(store, base_ticks, rng, profile)
    counters: dict[str, int] = {}
    for plan in sorted(PLANS, key=lambda p: _start_ticks(p, base_ticks)):
        counters[plan.workflow] = counters.get(plan.workflow, 0) + 1
        writer.write(workflows[plan.workflow], plan, counters[plan.workflow])


def _start_ticks(plan: RunPlan, base_ticks: int) -> int:
    if plan.days_ago == 0:
        return base_ticks - seconds_to_ticks(plan.seconds_ago)
    hour, minute = (int(part) for part in plan.at.split(":"))
    day = datetime_from_ticks(base_ticks) - timedelta(days=plan.days_ago)
    return ticks_from_datetime(day.replace(hour=hour, minute=minute, second=0, microsecond=0))


_GAP = seconds_to_ticks(0.05)  # bookkeeping time between scheduler steps


class _HistoryWriter:
    """Replays a run at simulated time with the engine's rules, producing rows and logs."""

    def __init__(self, store: Store, base_ticks: int, rng: random.Random, profile: Profile) -> None:
        self._store = store
        self._base = base_ticks
        self._rng = rng
        self._profile = profile

    def write(self, workflow: WorkflowRecord, plan: RunPlan, index: int) -> None:
        spec = _with_plan(parse_definition(workflow.definition), plan)
        start = _start_ticks(plan, self._base) + self._rng.randrange(TICKS_PER_SECOND)
        execution = ExecutionRecord(
            id=execution_id(workflow.name, index),
            workflow_id=workflow.id,
            user_id=workflow.user_id,
            definition=copy.deepcopy(workflow.definition),
            status=RUNNING,
            start=start,
        )
        rows = {
            task.name: TaskRecord(stable_id("task", execution.id, task.name), task.name, workflow.id, execution.id)
            for task in spec.tasks
        }
        self._store.add_execution(execution, rows.values())
        self._logs: list[LogRecord] = []
        self._execution = execution
        self._log_user = self._profile.engine_log_owner(execution.user_id)
        cut = start + seconds_to_ticks(plan.cut_after) if plan.cut_after is not None else None
        now = start + seconds_to_ticks(0.2)
        self._log(None, now, logtext.execution_started(execution.id, workflow.id))
        self._run(spec, plan, rows, now, cut)
        self._store.add_logs(execution.id, self._logs)
        self._store.sort_logs(execution.id)

    def _run(self, spec: WorkflowSpec, plan: RunPlan, rows: dict[str, TaskRecord], now: int, cut: int | None) -> None:
        approved: set[str] = set()
        aborting = False
        while True:
            batch = ready_tasks(spec, rows, aborting)
            if not batch:
                break
            gate = next((t for t in batch if t.approval_enabled and t.name not in approved), None)
            if gate is not None:
                now = self._gate(gate, plan, now)
                if self._execution.status != RUNNING:
                    return
                approved.add(gate.name)
                if self._profile.rerun_after_resume:  # Q6: the resumed run starts from all tasks
                    for row in rows.values():
                        row.status, row.start, row.end = PENDING, None, None
                    aborting = False
                continue
            outcomes, now = self._batch(spec, batch, rows, now, cut)
            if outcomes is None:  # base time reached mid-batch: the run is still going
                return
            failures = [name for name, outcome in outcomes.items() if outcome is TaskOutcome.FAILED]
            if failures:
                self._log(None, now, logtext.parallel_errors([f"Task '{n}' failed" for n in failures]))
                aborting = True
        status, line = conclusion(self._execution.id, rows, canceled=False)
        self._log(None, now, line)
        self._execution.status, self._execution.end = status, now

    def _gate(self, gate: TaskSpec, plan: RunPlan, now: int) -> int:
        execution = self._execution
        approval = ApprovalRecord(
            id=stable_id("approval", execution.id, gate.name),
            workflow_id=execution.workflow_id,
            execution_id=execution.id,
            task_name=gate.name,
            requested_by=execution.user_id,
            requested_at=now,
            comments=gate.approval_comment,
        )
        self._store.add_approval(approval)
        for line in (
            logtext.approval_required(gate.name),
            logtext.saved_result(execution.id),
            logtext.approval_requested(execution.id),
            logtext.paused_for_approval(execution.workflow_id, gate.name),
        ):
            self._log(None, now, line)
        decision = plan.gates.get(gate.name, "approved")
        if decision == "pending":
            execution.status, execution.end, execution.paused_at_task = PAUSED, now, gate.name
            return now
        decided = now + seconds_to_ticks(plan.approval_wait) + self._rng.randrange(TICKS_PER_SECOND)
        approval.status = APPROVED if decision == "approved" else REJECTED
        approval.approver, approval.decided_at = execution.user_id, decided
        self._log_user = execution.user_id  # from here on, lines are written inside a request (Q3)
        if decision == "rejected":
            self._log(None, decided, logtext.execution_rejected(gate.name))
            execution.status, execution.end = FAILED, decided
        else:
            self._log(None, decided, logtext.resuming(execution.workflow_id, execution.id))
        return decided

    def _batch(
        self, spec: WorkflowSpec, batch: list[TaskSpec], rows: dict[str, TaskRecord], now: int, cut: int | None
    ) -> tuple[dict[str, TaskOutcome] | None, int]:
        """Run a batch on ``DegreeOfParallelism`` slots; ``None`` outcomes when cut mid-way."""
        slots = [now] * spec.degree_of_parallelism
        outcomes: dict[str, TaskOutcome] = {}
        interrupted = False
        for task in batch:
            slot = min(range(len(slots)), key=slots.__getitem__)
            begin = slots[slot] + _GAP
            if cut is not None and begin >= cut:
                interrupted = True
                continue
            outcome, end = self._task(task, rows[task.name], begin, cut)
            if outcome is None:
                interrupted = True
            else:
                outcomes[task.name] = outcome
            slots[slot] = end
        if interrupted:
            return None, cut or now
        return outcomes, max(slots) + _GAP

    def _task(self, task: TaskSpec, row: TaskRecord, begin: int, cut: int | None) -> tuple[TaskOutcome | None, int]:
        row.status, row.start = RUNNING, begin
        self._log(row, begin, logtext.task_started(task.name))
        self._log(row, begin + 1, logtext.plugin_loaded(task.plugin_type, task.operation))
        now = begin + _GAP
        attempts = task.error_policy.attempts
        message, exception = "", ""
        for attempt in range(1, attempts + 1):
            fails = task.hints.attempt_fails(attempt)
            duration = seconds_to_ticks(task.hints.seconds * (0.5 if fails else 1.0))
            lines = int(task.hints.log_lines * (0.5 if fails else 1.0))
            self._chatter(task, row, now, duration, lines, cut)
            if cut is not None and now + duration > cut:
                return None, cut
            now += duration
            if not fails:
                self._log(row, now, logtext.task_completed(task.name))
                row.status, row.end = COMPLETED, now
                return TaskOutcome.COMPLETED, now
            message, exception = failure_of(task, attempt)
            if attempt < attempts:
                delay_ms = task.error_policy.retry.delay_ms(attempt, jitter=self._rng.uniform(0.5, 1.5))
                for line in retry_lines(task, attempt, message, exception, delay_ms):
                    self._log(row, now, line)
                row.status = RETRYING
                if cut is not None and now + seconds_to_ticks(delay_ms / 1000) > cut:
                    return None, cut
                now += seconds_to_ticks(delay_ms / 1000)
        status, outcome, lines_out = give_up(task, message, exception)
        for line in lines_out:
            self._log(row, now, line)
        row.status, row.end = status, now
        return outcome, now

    def _chatter(self, task: TaskSpec, row: TaskRecord, now: int, duration: int, lines: int, cut: int | None) -> None:
        for index in range(lines):
            at = now + duration * (2 * index + 1) // (2 * lines)
            if cut is not None and at > cut:
                return
            self._log(row, at, logtext.plugin_chatter(self._rng, index, task.name, task.plugin_type))

    def _log(self, row: TaskRecord | None, at: int, line: Line) -> None:
        execution = self._execution
        self._logs.append(
            LogRecord(
                id=random_guid(self._rng),
                user_id=self._log_user,
                workflow_id=execution.workflow_id,
                execution_id=execution.id,
                task_id=row.id if row else None,
                level=line.level,
                message=line.message,
                timestamp=at + self._rng.getrandbits(10),
                exception=line.exception,
            )
        )


def _with_plan(spec: WorkflowSpec, plan: RunPlan) -> WorkflowSpec:
    """The spec with this run's per-task outcome overrides applied to the hints."""
    if not plan.tasks:
        return spec
    tasks = []
    for task in spec.tasks:
        override = plan.tasks.get(task.name)
        if override is not None:
            hints = replace(
                task.hints,
                fail_attempts=task.hints.fail_attempts if override.fail_attempts is None else override.fail_attempts,
                always_fail=task.hints.always_fail if override.fail is None else override.fail,
                fail_message=override.message or task.hints.fail_message,
            )
            task = replace(task, hints=hints)
        tasks.append(task)
    return replace(spec, tasks=tuple(tasks))

