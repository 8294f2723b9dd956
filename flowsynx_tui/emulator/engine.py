"""The asyncio workflow engine: queue, DAG scheduler, approval gates, retries and cancellation.

It lives on the event loop of the thread that serves HTTP (``attach`` is called from the ASGI
lifespan, or lazily on the first request), like the real server whose background worker and
request handlers share one process. Everything it changes goes through the ``Store`` lock, so
other threads can read state at any time.

Behaviour follows sections 8 and 9 of the API reference, including the quirks that clients must
cope with: an approve resumes the run *inside* the HTTP request and the execution stays ``Paused``
while the rest runs (Q5); ``executionEnd`` is written when an execution pauses (Q4).

The ``real`` fidelity profile (see ``fidelity``) adds the unkind ones: engine lines of queued runs
stored under user ``System`` (Q3), tasks finished before a gate running again after approval
(Q6), and the server's cancellation registry (Q10): a run registers ``(user, workflow,
execution)`` when it starts and removes it when it completes or fails, but not when it pauses;
cancel signals and removes the entry; a restart (a new event loop) empties the registry. The
``friendly`` profile keeps every log line readable and finished tasks finished, and cancels any
``Paused`` execution with success.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from . import logtext
from .clock import TICKS_PER_SECOND, Clock, format_store, format_utc
from .definition import ABORT, SKIP, TaskSpec, WorkflowSpec, parse_definition
from .fidelity import FRIENDLY_PROFILE, SYSTEM_USER_ID, Profile
from .ids import IdSource
from .logtext import Line
from .store import (
    APPROVED,
    CANCELED,
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

_log = logging.getLogger(__name__)

# Chatty tasks write their lines in slices this often (real seconds), not one sleep per line.
_CHATTER_INTERVAL = 0.1


class TaskOutcome(Enum):
    COMPLETED = "completed"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELED = "canceled"
    NOT_STARTED = "not started"


@dataclass
class _Run:
    """An execution currently driven by the engine: what ``cancel`` can reach."""

    execution_id: str
    #: Who the log lines of this run belong to (``real`` profile: ``System`` in the background).
    log_user: str
    cancel_requested: bool = False
    handles: set[asyncio.Task[TaskOutcome]] = field(default_factory=set)
    driver: asyncio.Task[object] | None = None


@dataclass(frozen=True)
class Decision:
    """Result of approve/reject bookkeeping; ``error`` is the 404 message when it failed."""

    execution: ExecutionRecord | None
    error: str | None = None


class Engine:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        ids: IdSource,
        *,
        time_scale: float = 1.0,
        workers: int = 1,
        frozen: bool = False,
        profile: Profile = FRIENDLY_PROFILE,
    ) -> None:
        self._store = store
        self.profile = profile
        self._clock = clock
        self._ids = ids
        self._time_scale = max(time_scale, 0.0)
        self._worker_count = max(workers, 1)
        self.frozen = frozen
        self._rng = random.Random()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[str] | None = None
        self._queued: set[str] = set()
        self._workers: list[asyncio.Task[None]] = []
        self._active: dict[str, _Run] = {}
        # The server's cancellation registry, (user id, workflow id, execution id); ``real`` only.
        self._registry: set[tuple[str, str, str]] = set()
        self._stopped = False
        #: Where status changes go as hub events: ``(owner user id, event name, payload)``
        #: (``Hub.publish``). The server sends these and no others (reference 9.6).
        self.events: Callable[[str, str, dict[str, Any]], None] = lambda _user, _target, _payload: None

    # -- lifecycle ---------------------------------------------------------------------------

    def attach_lazily(self) -> None:
        """Attach on a first request when no ASGI lifespan did (e.g. httpx's ASGITransport).

        Not after ``detach``: requests still trickling in while a server shuts down must not
        start the engine again on the dying loop.
        """
        if self._stopped:
            return
        if self._loop is None or self._loop.is_closed():
            self.attach()

    def attach(self) -> None:
        """Bind to the running loop and pick up work left from before (seed data, a restart)."""
        loop = asyncio.get_running_loop()
        self._stopped = False
        if self._loop is loop:
            return
        self._loop = loop
        self._registry.clear()  # a new loop is a restarted server: its registry is in memory
        if self.frozen:
            return
        self._queue = asyncio.Queue()
        self._queued.clear()
        self._active.clear()  # runs of a previous loop died with it
        executions = self._store.executions()
        for execution in executions:
            if execution.status == RUNNING or self._interrupted_resume(execution):
                self._put(execution.id)
        for execution in executions:
            if execution.status == PENDING:
                self._put(execution.id)
        self._workers = [loop.create_task(self._worker()) for _ in range(self._worker_count)]

    async def detach(self) -> None:
        """Stop all engine activity, leaving records as they are so a later attach resumes."""
        self._stopped = True
        if self._loop is None:
            return
        self._loop = None
        doomed: list[asyncio.Task[object]] = [*self._workers]
        for run in list(self._active.values()):
            if run.driver is not None:
                doomed.append(run.driver)
        for task in doomed:
            task.cancel()
        current = asyncio.current_task()
        await asyncio.gather(*(t for t in doomed if t is not current), return_exceptions=True)
        self._workers = []
        self._queue = None

    def enqueue(self, execution_id: str) -> None:
        """Queue an execution; callable from any thread."""
        loop = self._loop
        if loop is None or self.frozen:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._put(execution_id)
        else:
            loop.call_soon_threadsafe(self._put, execution_id)

    def _put(self, execution_id: str) -> None:
        if self._queue is None or execution_id in self._queued:
            return
        self._queued.add(execution_id)
        self._queue.put_nowait(execution_id)

    async def _worker(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            execution_id = await queue.get()
            self._queued.discard(execution_id)
            try:
                await self._process(execution_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # an engine bug must not kill the worker and stall the queue
                _log.exception("emulator engine failed on execution %s", execution_id)

    # -- creating and controlling executions ---------------------------------------------------

    def create_execution(self, workflow: WorkflowRecord) -> ExecutionRecord:
        """Create the ``Pending`` execution with one ``Pending`` row per task, then queue it."""
        spec = parse_definition(workflow.definition)
        execution = ExecutionRecord(
            id=self._ids.new(),
            workflow_id=workflow.id,
            user_id=workflow.user_id,
            definition=copy.deepcopy(workflow.definition),
            status=PENDING,
            start=self._clock.now(),
        )
        rows = [
            TaskRecord(self._ids.new(), task.name, workflow.id, execution.id) for task in spec.tasks
        ]
        self._store.add_execution(execution, rows)
        # Built from the clock, not read back from the store: this one stamp ends in Z.
        self._publish_execution(execution, f"WorkflowExecutionUpdated-{workflow.id}", start_utc=True)
        self.enqueue(execution.id)
        return execution

    def cancel(self, user_id: str, workflow_id: str, execution_id: str) -> bool:
        """Cancel a run; False is the server's FSX2435.

        ``friendly``: any run the engine is driving, and any ``Paused`` execution (untouched).
        ``real``: only with a registry entry for exactly this user, workflow and execution (Q10);
        the entry is removed, so a second cancel of a paused execution is 404 again.
        """
        if self.profile.cancel_registry:
            key = (user_id, workflow_id, execution_id)
            if key not in self._registry:
                return False
            self._registry.discard(key)
            run = self._active.get(execution_id)
            if run is not None:
                self._signal(run)
            return True
        execution = self._store.execution(user_id, execution_id)
        if execution is None:
            return False
        run = self._active.get(execution_id)
        if run is not None:
            self._signal(run)
            return True
        return execution.status == PAUSED

    @staticmethod
    def _signal(run: _Run) -> None:
        run.cancel_requested = True
        for handle in list(run.handles):
            handle.cancel()

    def decide(self, user_id: str, workflow_id: str, execution_id: str, approve: bool) -> Decision:
        """Approve/reject bookkeeping. Like the server, it looks only at the first approval row (Q2).

        ``real`` also matches the workflow id (FSX2440 otherwise) and, on approve, marks the
        approval Approved before finding the execution is not ``Paused`` (FSX2439).
        """
        with self._store.lock:
            execution = self._store.execution(user_id, execution_id)
            if execution is not None and self.profile.approval_by_workflow and execution.workflow_id != workflow_id:
                execution = None
            approvals = self._store.approvals(execution_id) if execution else []
            if execution is None or not approvals:
                return Decision(None, "[FSX2440] Approval request not found.")
            first = approvals[0]
            if first.status != PENDING:
                return Decision(None, "[FSX2441] Already approved or rejected.")
            not_paused = Decision(
                None, f"[FSX2439] No workflow execution with Id '{execution_id}' found for resumning."
            )
            if approve and execution.status != PAUSED and not self.profile.approve_uses_up:
                return not_paused
            now = self._clock.now()
            first.status = APPROVED if approve else REJECTED
            first.approver = user_id
            first.decided_at = now
            if approve and execution.status != PAUSED:
                return not_paused  # real: the approval is used up all the same
            if not approve:
                self._write(execution, None, logtext.execution_rejected(first.task_name), user_id=user_id)
                self._store.set_status(execution, FAILED, end=now)
            return Decision(execution)

    async def resume(self, execution: ExecutionRecord, user_id: str | None = None) -> str | None:
        """Run the rest of an approved execution in the caller's task; returns where it stopped.

        ``user_id`` is the caller: lines written here carry it (they are written inside the
        request, Q3). ``None`` when frozen: the approval is recorded but nothing runs.
        """
        if self.frozen:
            return None
        caller = user_id or execution.user_id
        self._write(execution, None, logtext.resuming(execution.workflow_id, execution.id), user_id=caller)
        if self.profile.rerun_after_resume:
            self._rebuild_task_set(execution)
        return await self._drive(execution, log_user=caller)

    def _rebuild_task_set(self, execution: ExecutionRecord) -> None:
        """Q6: the resumed scheduler starts from the full task set, so finished tasks run again."""
        with self._store.lock:
            for row in self._store.tasks(execution.id):
                if row.status != PENDING:
                    row.status, row.start, row.end = PENDING, None, None
            self._store.changed.notify_all()

    # -- running -------------------------------------------------------------------------------

    async def _process(self, execution_id: str) -> None:
        execution = self._store.execution(None, execution_id)
        if execution is None or execution_id in self._active:
            return
        if execution.status == PENDING:
            self._store.set_status(execution, RUNNING)
            self._publish_execution(execution)
            self._write(execution, None, logtext.execution_started(execution.id, execution.workflow_id))
        elif execution.status != RUNNING and not self._interrupted_resume(execution):
            return
        await self._drive(execution)

    def _interrupted_resume(self, execution: ExecutionRecord) -> bool:
        """Paused with its gate approved: an approve-resume was cut off by a server stop."""
        if execution.status != PAUSED:
            return False
        decisions = {approval.status for approval in self._store.approvals(execution.id)}
        return decisions == {APPROVED}

    async def _drive(self, execution: ExecutionRecord, log_user: str | None = None) -> str:
        owner = log_user or self.profile.engine_log_owner(execution.user_id)
        run = _Run(execution.id, owner, driver=asyncio.current_task())
        self._active[execution.id] = run
        key = (execution.user_id, execution.workflow_id, execution.id)
        if self.profile.cancel_registry:
            self._registry.add(key)
        try:
            spec = parse_definition(execution.definition)
            status = await self._schedule(execution, spec, run)
            if status != PAUSED:  # Q10: a pausing run returns without removing its entry
                self._registry.discard(key)
            return status
        finally:
            if self._active.get(execution.id) is run:
                del self._active[execution.id]

    async def _schedule(self, execution: ExecutionRecord, spec: WorkflowSpec, run: _Run) -> str:
        rows = {row.name: row for row in self._store.tasks(execution.id)}
        aborting = False
        while not run.cancel_requested:
            batch = ready_tasks(spec, rows, aborting)
            if not batch:
                break
            gate = self._closed_gate(execution, batch, rows)
            if gate is not None:
                return self._pause(execution, gate)
            outcomes = await self._run_batch(execution, spec, batch, rows, run)
            failures = [name for name, outcome in outcomes.items() if outcome is TaskOutcome.FAILED]
            if failures:
                self._write(execution, None, logtext.parallel_errors([f"Task '{n}' failed" for n in failures]))
                aborting = True
            if any(outcome is TaskOutcome.CANCELED for outcome in outcomes.values()):
                aborting = True
        return self._finish(execution, rows, run)

    def _closed_gate(
        self, execution: ExecutionRecord, batch: list[TaskSpec], rows: dict[str, TaskRecord]
    ) -> TaskSpec | None:
        approvals = self._store.approvals(execution.id)
        for task in batch:
            if not task.approval_enabled or rows[task.name].status != PENDING:
                continue
            decisions = {a.status for a in approvals if a.task_name == task.name}
            if APPROVED not in decisions:
                return task
        return None

    def _pause(self, execution: ExecutionRecord, gate: TaskSpec) -> str:
        now = self._clock.now()
        self._write(execution, None, logtext.approval_required(gate.name), logtext.saved_result(execution.id))
        with self._store.lock:
            self._store.add_approval(
                ApprovalRecord(
                    id=self._ids.new(),
                    workflow_id=execution.workflow_id,
                    execution_id=execution.id,
                    task_name=gate.name,
                    requested_by=execution.user_id,
                    requested_at=now,
                    comments=gate.approval_comment,
                )
            )
            execution.paused_at_task = gate.name
            self._write(
                execution,
                None,
                logtext.approval_requested(execution.id),
                logtext.paused_for_approval(execution.workflow_id, gate.name),
            )
            self._store.set_status(execution, PAUSED, end=now)
        self._publish_execution(execution)
        return PAUSED

    def _finish(self, execution: ExecutionRecord, rows: dict[str, TaskRecord], run: _Run) -> str:
        with self._store.lock:
            if execution.status == FAILED:  # rejected while we were running
                return FAILED
            status, line = conclusion(execution.id, rows, run.cancel_requested)
            self._write(execution, None, line)
            self._store.set_status(execution, status, end=self._clock.now())
        self._publish_execution(execution)
        return status

    async def _run_batch(
        self,
        execution: ExecutionRecord,
        spec: WorkflowSpec,
        batch: list[TaskSpec],
        rows: dict[str, TaskRecord],
        run: _Run,
    ) -> dict[str, TaskOutcome]:
        slots = asyncio.Semaphore(spec.degree_of_parallelism)
        handles = {
            task.name: asyncio.create_task(self._when_slot_free(slots, execution, task, rows[task.name], run))
            for task in batch
        }
        run.handles.update(handles.values())
        try:
            results = await asyncio.gather(*handles.values())
        finally:
            run.handles.difference_update(handles.values())
        return dict(zip(handles.keys(), results))

    async def _when_slot_free(
        self, slots: asyncio.Semaphore, execution: ExecutionRecord, task: TaskSpec, row: TaskRecord, run: _Run
    ) -> TaskOutcome:
        try:
            async with slots:
                return await self._run_task(execution, task, row, run)
        except asyncio.CancelledError:
            if run.cancel_requested:  # cancelled while still waiting for a slot: stays Pending
                return TaskOutcome.NOT_STARTED
            raise

    async def _run_task(self, execution: ExecutionRecord, task: TaskSpec, row: TaskRecord, run: _Run) -> TaskOutcome:
        resumed_status = row.status if row.status in (RUNNING, RETRYING) else None
        elapsed = 0.0
        if resumed_status is None:
            self._set_task(row, RUNNING, start=self._clock.now())
            loaded = logtext.plugin_loaded(task.plugin_type, task.operation)
            self._write(execution, row, logtext.task_started(task.name), loaded)
        elif row.start is not None:
            elapsed = (self._clock.now() - row.start) / TICKS_PER_SECOND
        first_attempt = 1
        if resumed_status == RETRYING:  # the attempt count was not stored; assume the failures are over
            first_attempt = min(task.hints.fail_attempts + 1, task.error_policy.attempts)
        try:
            return await self._attempts(execution, task, row, first_attempt, elapsed)
        except TimeoutError:
            self._write(execution, row, logtext.task_canceled(task.name))
            self._set_task(row, CANCELED, end=self._clock.now())
            return TaskOutcome.CANCELED
        except asyncio.CancelledError:
            if not run.cancel_requested:
                raise
            self._write(execution, row, logtext.task_canceled(task.name))
            self._set_task(row, CANCELED, end=self._clock.now())
            return TaskOutcome.CANCELED

    async def _attempts(
        self, execution: ExecutionRecord, task: TaskSpec, row: TaskRecord, first_attempt: int, elapsed: float
    ) -> TaskOutcome:
        attempts = task.error_policy.attempts
        message, exception = "", ""
        for attempt in range(first_attempt, attempts + 1):
            succeeded = await self._work_with_timeout(execution, task, row, attempt, elapsed)
            elapsed = 0.0
            if succeeded:
                self._write(execution, row, logtext.task_completed(task.name))
                self._set_task(row, COMPLETED, end=self._clock.now())
                return TaskOutcome.COMPLETED
            message, exception = failure_of(task, attempt)
            if attempt < attempts:
                delay_ms = task.error_policy.retry.delay_ms(attempt, jitter=self._rng.uniform(0.5, 1.5))
                self._write(execution, row, *retry_lines(task, attempt, message, exception, delay_ms))
                self._set_task(row, RETRYING)
                await asyncio.sleep(delay_ms / 1000 * self._time_scale)
        status, outcome, lines = give_up(task, message, exception)
        self._write(execution, row, *lines)
        self._set_task(row, status, end=self._clock.now())
        return outcome

    async def _work_with_timeout(
        self, execution: ExecutionRecord, task: TaskSpec, row: TaskRecord, attempt: int, elapsed: float
    ) -> bool:
        work = self._simulate_work(execution, task, row, attempt, elapsed)
        if task.timeout_ms is None:
            return await work
        return await asyncio.wait_for(work, task.timeout_ms / 1000 * self._time_scale)

    async def _simulate_work(
        self, execution: ExecutionRecord, task: TaskSpec, row: TaskRecord, attempt: int, elapsed: float
    ) -> bool:
        """Sleep for the task's (scaled) duration, writing its chatter evenly along the way.

        Failing attempts give up halfway, which is what a plugin that hits an error does.
        """
        hints = task.hints
        fails = hints.attempt_fails(attempt)
        share = 0.5 if fails else 1.0
        remaining = max(hints.seconds - elapsed, 0.0) * share
        fraction_left = remaining / (hints.seconds * share) if hints.seconds > 0 else 1.0
        lines = int(hints.log_lines * share * fraction_left)
        first_index = int(hints.log_lines * share) - lines
        real_seconds = remaining * self._time_scale
        loop = asyncio.get_running_loop()
        begin = loop.time()
        written = 0
        while True:
            progress = 1.0 if real_seconds <= 0 else min((loop.time() - begin) / real_seconds, 1.0)
            target = int(lines * progress)
            if target > written:
                chatter = [
                    logtext.plugin_chatter(self._rng, first_index + index, task.name, task.plugin_type)
                    for index in range(written, target)
                ]
                self._write(execution, row, *chatter)
                written = target
            if progress >= 1.0:
                return not fails
            await asyncio.sleep(min(_CHATTER_INTERVAL, real_seconds * (1.0 - progress)))

    # -- record helpers ------------------------------------------------------------------------

    def _set_task(self, row: TaskRecord, status: str, start: int | None = None, end: int | None = None) -> None:
        with self._store.lock:
            row.status = status
            if start is not None:
                row.start = start
            if end is not None:
                row.end = end
            self._store.changed.notify_all()
        execution = self._store.execution(None, row.execution_id)
        if execution is not None:
            self.events(
                execution.user_id,
                f"WorkflowTaskExecutionUpdated-{row.workflow_id}-{row.execution_id}",
                {
                    "workflowId": row.workflow_id,
                    "executionId": row.execution_id,
                    "taskId": row.id,
                    "taskName": row.name,
                    "status": status,
                },
            )

    def _publish_execution(self, execution: ExecutionRecord, target: str = "WorkflowExecutionUpdated", *, start_utc: bool = False) -> None:
        """An execution's status as the server's hub sends it: ``executionEnd`` only once set
        (not on Running), stamped from the clock (``Z``), the start as read back (no offset)."""
        trim = self.profile.trim_timestamps
        payload: dict[str, Any] = {"workflowId": execution.workflow_id, "executionId": execution.id}
        payload["executionStart"] = (format_utc if start_utc else format_store)(execution.start, trim)
        if execution.status in (PAUSED, COMPLETED, FAILED) and execution.end is not None:
            payload["executionEnd"] = format_utc(execution.end, trim)
        payload["status"] = execution.status
        self.events(execution.user_id, target, payload)

    def _log_user(self, execution: ExecutionRecord, user_id: str | None) -> str:
        if not self.profile.system_logs:
            return execution.user_id
        if user_id is not None:
            return user_id
        run = self._active.get(execution.id)
        return run.log_user if run is not None else SYSTEM_USER_ID

    def _write(
        self, execution: ExecutionRecord, row: TaskRecord | None, *lines: Line, user_id: str | None = None
    ) -> None:
        """Store log lines; ``user_id`` names the HTTP caller when written inside a request (Q3)."""
        now = self._clock.now()
        owner = self._log_user(execution, user_id)
        self._store.add_logs(
            execution.id,
            [
                LogRecord(
                    id=self._ids.new(),
                    user_id=owner,
                    workflow_id=execution.workflow_id,
                    execution_id=execution.id,
                    task_id=row.id if row else None,
                    level=line.level,
                    message=line.message,
                    timestamp=now,
                    exception=line.exception,
                )
                for line in lines
            ],
        )


def failure_of(task: TaskSpec, attempt: int) -> tuple[str, str]:
    """Message and stack trace of a simulated failed attempt."""
    message = task.hints.fail_message or (
        f"Simulated failure of '{task.plugin_type or task.name}' (attempt {attempt})"
    )
    return message, logtext.dotnet_exception(message, task.plugin_type)


def retry_lines(task: TaskSpec, attempt: int, message: str, exception: str, delay_ms: int) -> list[Line]:
    return [
        logtext.attempt_failed(attempt, message, exception),
        logtext.task_retrying(task.name),
        logtext.waiting_before_retry(delay_ms),
    ]


def give_up(task: TaskSpec, message: str, exception: str) -> tuple[str, TaskOutcome, list[Line]]:
    """Final task status and log lines once its last attempt failed, by error strategy."""
    policy = task.error_policy
    if policy.strategy == SKIP:
        return COMPLETED, TaskOutcome.SKIPPED, [logtext.skip_strategy(task.name), logtext.task_skipped(task.name)]
    if policy.attempts > 1:
        message = f"Task '{task.name}' failed after {policy.attempts} attempts."
    lines = [logtext.task_failed(task.name, message, exception)]
    if policy.strategy == ABORT or policy.attempts > 1:
        lines.append(logtext.abort_strategy(task.name))
    return FAILED, TaskOutcome.FAILED, lines


def conclusion(execution_id: str, rows: dict[str, TaskRecord], canceled: bool) -> tuple[str, Line]:
    """Final execution status once nothing more can run."""
    failed = [name for name, row in rows.items() if row.status in (FAILED, CANCELED)]
    if canceled:
        return FAILED, logtext.execution_canceled()
    if failed:
        return FAILED, logtext.execution_failed(f"Task '{failed[0]}' failed.")
    if any(row.status == PENDING for row in rows.values()):
        return FAILED, logtext.unresolved_dependencies()
    return COMPLETED, logtext.execution_completed(execution_id)


def ready_tasks(spec: WorkflowSpec, rows: dict[str, TaskRecord], aborting: bool) -> list[TaskSpec]:
    """Tasks that may run now. After a failure only failure handlers (``RunOnFailureOf``) start."""
    ready = []
    for task in spec.tasks:
        status = rows[task.name].status
        if status in (RUNNING, RETRYING):  # left running by a restart or by the seed: continue it
            ready.append(task)
            continue
        if status != PENDING:
            continue
        on_failure = any(rows[name].status in (FAILED, CANCELED) for name in task.run_on_failure_of)
        dependencies_met = all(rows[name].status == COMPLETED for name in task.dependencies)
        if task.dependencies and on_failure:
            ready.append(task)
        elif dependencies_met and not aborting:
            ready.append(task)
    return ready
