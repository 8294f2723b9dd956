"""Per-screen sources: one execution (details, tasks, pending approvals) and one log
stream (an execution's or a task's), each with the poll job that keeps it current.

No Textual widgets here; the jobs post typed messages to the screen that subscribed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flowsynx_tui.api import (
    Approval,
    ExecutionDetails,
    ExecutionStatus,
    FlowSynxClient,
    FlowSynxError,
    LogEntry,
    LogTail,
    PermissionDenied,
    TaskExecution,
    WorkflowDefinition,
)
from flowsynx_tui.messages import ExecutionChanged, LogsArrived
from flowsynx_tui.services.poller import PollJob


@dataclass(frozen=True)
class ExecutionSnapshot:
    details: ExecutionDetails | None = None
    definition: WorkflowDefinition = field(default_factory=WorkflowDefinition)
    tasks: tuple[TaskExecution, ...] = ()
    approvals: tuple[Approval, ...] = ()
    final: bool = False
    #: Requests of this refresh that failed; their part is as it was.
    failures: tuple[FlowSynxError, ...] = ()
    #: Tasks seen starting more than once, by name: v1.3.0 runs the tasks before a gate
    #: again once it is approved (quirk Q6).
    runs: Mapping[str, int] = field(default_factory=dict)


class ExecutionWatch:
    """One execution's details, tasks and pending approvals, polled until it is final."""

    def __init__(self, client: FlowSynxClient, workflow_id: str, execution_id: str) -> None:
        self.client = client
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.snapshot = ExecutionSnapshot()

    @property
    def key(self) -> str:
        return f"execution:{self.execution_id}"

    def job(self) -> PollJob[ExecutionSnapshot]:
        return PollJob(key=self.key, fetch=self.refresh, message=ExecutionChanged, done=lambda: self.snapshot.final)

    async def refresh(self) -> ExecutionSnapshot:
        previous = self.snapshot
        failures: list[FlowSynxError] = []
        try:
            details = await self.client.get_execution(self.workflow_id, self.execution_id)
        except FlowSynxError as error:
            if previous.details is None:
                raise
            failures.append(error)
            details = previous.details
        try:
            tasks = tuple(await self.client.all_tasks(self.workflow_id, self.execution_id))
        except FlowSynxError as error:
            if failures or previous.details is None:
                raise  # nothing of this refresh got through, or nothing to keep showing
            failures.append(error)
            tasks = previous.tasks
        approvals: tuple[Approval, ...] = ()
        if details.status is ExecutionStatus.PAUSED:
            try:
                approvals = (await self.client.list_approvals(self.workflow_id, self.execution_id)).items
            except PermissionDenied:
                # A user without the approvals role still sees the execution.
                approvals = previous.approvals
            except FlowSynxError as error:
                failures.append(error)
                approvals = previous.approvals
        definition = previous.definition
        if previous.details is None or not definition.tasks:
            definition = details.definition
        runs = dict(previous.runs)
        before = {task.name: task for task in previous.tasks}
        for task in tasks:
            earlier = before.get(task.name)
            if (
                earlier is not None
                and earlier.start_time is not None
                and earlier.status.is_finished
                and task.start_time != earlier.start_time
            ):
                runs[task.name] = runs.get(task.name, 1) + 1
        self.snapshot = ExecutionSnapshot(
            details=details,
            definition=definition,
            tasks=tasks,
            approvals=approvals,
            # Tasks were read after the details, so a finished execution's task rows are
            # final, but only when both were read in this refresh.
            final=details.status.is_finished and not failures,
            failures=tuple(failures),
            runs=runs,
        )
        return self.snapshot


@dataclass(frozen=True)
class LogBatch:
    source: LogSource
    entries: tuple[LogEntry, ...]
    complete: bool
    #: A page that failed after others were read (what was read is in ``entries``).
    failures: tuple[FlowSynxError, ...] = ()


class LogSource:
    """Logs of an execution, or of one task of it, read incrementally.

    ``execution_final`` tells whether the execution was seen finished: logs read after
    that are complete, so that read can be the last one.
    """

    def __init__(
        self,
        client: FlowSynxClient,
        workflow_id: str,
        execution_id: str,
        task_id: str | None = None,
        label: str = "",
        *,
        execution_final: Callable[[], bool] = lambda: False,
    ) -> None:
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.task_id = task_id
        self.label = label
        self.complete = False
        self._execution_final = execution_final
        if task_id is None:
            self.tail = LogTail(lambda page, size: client.execution_logs(workflow_id, execution_id, page, size))
        else:
            self.tail = LogTail(lambda page, size: client.task_logs(workflow_id, execution_id, task_id, page, size))

    @property
    def key(self) -> str:
        return f"logs:{self.execution_id}:{self.task_id or '*'}"

    @property
    def problems(self) -> tuple[str, ...]:
        return self.tail.problems

    def job(self) -> PollJob[LogBatch]:
        return PollJob(
            key=self.key,
            fetch=self.poll,
            message=lambda batch: LogsArrived(batch.source, batch.entries, batch.complete),
            done=lambda: self.complete,
            behind=lambda: self.tail.behind,
        )

    async def poll(self) -> LogBatch:
        # Read "final" before the logs: logs fetched after the execution was seen final
        # are complete.
        was_final = self._execution_final()
        entries = await self.tail.poll()
        failure = self.tail.failure
        if was_final and not self.tail.behind and failure is None:
            self.complete = True
        return LogBatch(self, tuple(entries), self.complete, (failure,) if failure else ())
