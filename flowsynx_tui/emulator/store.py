"""In-memory stand-in for the server's SQLite store.

Every record carries the owning user id, and every query takes one, because the real server filters
all reads by the caller. One re-entrant lock guards everything: the engine mutates records on the
server's event loop while tests read them from their own thread. ``changed`` (a condition on that
lock) is notified on every execution status change so helpers can wait without polling.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

PENDING = "Pending"
RUNNING = "Running"
PAUSED = "Paused"
COMPLETED = "Completed"
FAILED = "Failed"
CANCELED = "Canceled"
RETRYING = "Retrying"
APPROVED = "Approved"
REJECTED = "Rejected"

FINISHED_EXECUTION_STATES = frozenset({COMPLETED, FAILED})


@dataclass
class WorkflowRecord:
    id: str
    user_id: str
    name: str
    definition: dict[str, Any]
    schema_url: str | None
    modified: int
    deleted: bool = False
    #: Set by an update: the real server lists ``LastModifiedOn``, which only an update writes.
    edited: bool = False


@dataclass
class ExecutionRecord:
    id: str
    workflow_id: str
    user_id: str
    definition: dict[str, Any]
    status: str
    start: int
    end: int | None = None
    paused_at_task: str | None = None


@dataclass
class TaskRecord:
    id: str
    name: str
    workflow_id: str
    execution_id: str
    status: str = PENDING
    message: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class ApprovalRecord:
    id: str
    workflow_id: str
    execution_id: str
    task_name: str
    requested_by: str
    requested_at: int
    comments: str | None
    status: str = PENDING
    approver: str | None = None
    decided_at: int | None = None


@dataclass
class LogRecord:
    id: str
    user_id: str
    workflow_id: str
    execution_id: str
    task_id: str | None
    level: str
    message: str
    timestamp: int
    exception: str | None = None


@dataclass
class _ExecutionData:
    record: ExecutionRecord
    tasks: list[TaskRecord] = field(default_factory=list)
    approvals: list[ApprovalRecord] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._workflows: dict[str, WorkflowRecord] = {}
        self._executions: dict[str, _ExecutionData] = {}
        self._tasks: dict[str, TaskRecord] = {}

    # -- workflows ---------------------------------------------------------------------------

    def add_workflow(self, record: WorkflowRecord) -> None:
        with self.lock:
            self._workflows[record.id] = record

    def workflow(self, user_id: str | None, workflow_id: str) -> WorkflowRecord | None:
        """``user_id=None`` looks across all users (test helpers)."""
        with self.lock:
            record = self._workflows.get(workflow_id)
            if record is None or record.deleted or (user_id is not None and record.user_id != user_id):
                return None
            return record

    def workflows(self, user_id: str) -> list[WorkflowRecord]:
        with self.lock:
            return [w for w in self._workflows.values() if w.user_id == user_id and not w.deleted]

    # -- executions --------------------------------------------------------------------------

    def remove_execution(self, execution_id: str) -> None:
        with self.lock:
            data = self._executions.pop(execution_id, None)
            for task in data.tasks if data is not None else ():
                self._tasks.pop(task.id, None)

    def add_execution(self, record: ExecutionRecord, tasks: Iterable[TaskRecord]) -> None:
        with self.lock:
            data = _ExecutionData(record, list(tasks))
            self._executions[record.id] = data
            for task in data.tasks:
                self._tasks[task.id] = task
            self.changed.notify_all()

    def execution(self, user_id: str | None, execution_id: str) -> ExecutionRecord | None:
        """``user_id=None`` is the engine's view, which is not limited to one user."""
        with self.lock:
            data = self._executions.get(execution_id)
            if data is None or (user_id is not None and data.record.user_id != user_id):
                return None
            return data.record

    def executions(self, user_id: str | None = None) -> list[ExecutionRecord]:
        with self.lock:
            return [
                d.record
                for d in self._executions.values()
                if user_id is None or d.record.user_id == user_id
            ]

    def set_status(self, execution: ExecutionRecord, status: str, end: int | None = None) -> None:
        with self.lock:
            execution.status = status
            if end is not None:
                execution.end = end
            self.changed.notify_all()

    # -- tasks, approvals, logs of one execution ---------------------------------------------

    def tasks(self, execution_id: str) -> list[TaskRecord]:
        with self.lock:
            data = self._executions.get(execution_id)
            return list(data.tasks) if data else []

    def task(self, task_id: str) -> TaskRecord | None:
        with self.lock:
            return self._tasks.get(task_id)

    def approvals(self, execution_id: str) -> list[ApprovalRecord]:
        with self.lock:
            data = self._executions.get(execution_id)
            return list(data.approvals) if data else []

    def add_approval(self, approval: ApprovalRecord) -> None:
        with self.lock:
            self._executions[approval.execution_id].approvals.append(approval)

    def logs(self, execution_id: str) -> list[LogRecord]:
        with self.lock:
            data = self._executions.get(execution_id)
            return list(data.logs) if data else []

    def logs_view(self, execution_id: str) -> list[LogRecord]:
        """The stored list itself, not a copy: only while holding ``lock``, and read only.
        A page of a long log is a slice of it; copying the million lines first cost more
        than the page."""
        data = self._executions.get(execution_id)
        return data.logs if data else []

    def add_logs(self, execution_id: str, records: Iterable[LogRecord]) -> None:
        with self.lock:
            self._executions[execution_id].logs.extend(records)

    def sort_logs(self, execution_id: str) -> None:
        """Seeded history is generated task by task; the store's order is chronological."""
        with self.lock:
            self._executions[execution_id].logs.sort(key=lambda log: log.timestamp)

    def all_logs(self, user_id: str, by_writer: bool = False) -> list[LogRecord]:
        """Log lines of ``user_id``'s executions, or (``by_writer``) lines stored under that user id."""
        with self.lock:
            if by_writer:
                return [log for data in self._executions.values() for log in data.logs if log.user_id == user_id]
            return [
                log
                for data in self._executions.values()
                if data.record.user_id == user_id
                for log in data.logs
            ]
