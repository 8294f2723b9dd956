"""Per-screen sources: one execution (details, tasks, pending approvals), one log stream
(an execution's or a task's), one task execution and one workflow definition, each with
the poll job that keeps it current (the definition's job is done once it was read).

No Textual widgets here; the jobs post typed messages to the screen that subscribed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from flowsynx_tui.api import (
    Approval,
    ExecutionDetails,
    ExecutionStatus,
    FlowSynxClient,
    FlowSynxError,
    LogEntry,
    LogTail,
    NotFound,
    PermissionDenied,
    TaskExecution,
    TaskExecutionDetails,
    TaskStatus,
    WorkflowDefinition,
)
from flowsynx_tui.messages import DefinitionLoaded, ExecutionChanged, LogsArrived, TaskChanged
from flowsynx_tui.api.hub import ExecutionEvent, HubEvent, TaskEvent
from flowsynx_tui.services.poller import LIVE_SLOWDOWN, PollJob


@dataclass(frozen=True)
class ExecutionSnapshot:
    details: ExecutionDetails | None = None
    definition: WorkflowDefinition = field(default_factory=WorkflowDefinition)
    tasks: tuple[TaskExecution, ...] = ()
    approvals: tuple[Approval, ...] = ()
    final: bool = False
    #: Requests of this refresh that failed; their part is as it was.
    failures: tuple[FlowSynxError, ...] = ()
    #: The server's words when it answered 404 for the execution itself (a deleted
    #: workflow's run, Q11; a server reset): what is shown is the last that was read.
    gone: str | None = None
    #: Tasks seen starting more than once, by name: v1.3.0 runs the tasks before a gate
    #: again once it is approved (quirk Q6).
    runs: Mapping[str, int] = field(default_factory=dict)


class ExecutionWatch:
    """One execution's details, tasks and pending approvals, polled until it is final."""

    def __init__(
        self,
        client: FlowSynxClient,
        workflow_id: str,
        execution_id: str,
        on_found: Callable[[str, str], None] = lambda _execution_id, _workflow_id: None,
    ) -> None:
        self.client = client
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        #: Told (execution id, workflow id) by each details read: it proves the workflow.
        self.on_found = on_found
        self.snapshot = ExecutionSnapshot()
        # Set by a task event: the next read needs the task list only (the execution's own
        # status comes with execution events).
        self._tasks_only = False
        # What events said while a read was on its way: newer than that read, which must not
        # put back what it replaced (a run read Paused again for seconds after "Completed").
        self._status_news: tuple[ExecutionStatus, datetime | None] | None = None
        self._task_news: dict[str, TaskStatus] = {}

    @property
    def key(self) -> str:
        return f"execution:{self.execution_id}"

    @property
    def quiet(self) -> bool:
        """Nothing of this execution runs: queued, or paused with no task running."""
        details = self.snapshot.details
        if details is None or details.status not in (ExecutionStatus.PENDING, ExecutionStatus.PAUSED):
            return False
        return not any(task.status in (TaskStatus.RUNNING, TaskStatus.RETRYING) for task in self.snapshot.tasks)

    def job(self) -> PollJob[ExecutionSnapshot]:
        return PollJob(
            key=self.key,
            fetch=self.refresh,
            message=ExecutionChanged,
            done=lambda: self.snapshot.final,
            live_slowdown=self._live_slowdown,
            follows=self.execution_id,
            one_thing=True,
            apply=self.apply_event,
        )

    def _live_slowdown(self) -> float:
        # A paused run changes without an event (approved: it stays Paused; rejected: it
        # fails silently): read it at the normal pace while it waits.
        details = self.snapshot.details
        return 1.0 if details is not None and details.status is ExecutionStatus.PAUSED else LIVE_SLOWDOWN

    def apply_event(self, event: HubEvent) -> ExecutionSnapshot | None:
        """A status the hub just sent, shown before the read it triggers brings the rest
        (times, messages). Never makes the snapshot final: only a read says that."""
        snapshot = self.snapshot
        if snapshot.details is None or snapshot.final:
            return None
        if isinstance(event, ExecutionEvent):
            self._tasks_only = False  # the read it triggers must see the execution itself
            details = snapshot.details
            if details.status == event.status:
                return None
            end = event.execution_end or details.execution_end
            # A run that is no longer paused waits for no decision: its screen said "Failed"
            # over "waiting for approval" until the next read.
            approvals = snapshot.approvals if event.status is ExecutionStatus.PAUSED else ()
            self.snapshot = replace(
                snapshot,
                details=details.model_copy(update={"status": event.status, "execution_end": end}),
                approvals=approvals,
            )
            self._status_news = (event.status, end)
            return self.snapshot
        self._tasks_only = True
        tasks = list(snapshot.tasks)
        for index, task in enumerate(tasks):
            if task.id == event.task_id:
                if task.status == event.status:
                    return None
                tasks[index] = task.model_copy(update={"status": event.status})
                self._task_news[task.id] = event.status
                runs = snapshot.runs
                if task.status.is_finished and not event.status.is_finished:
                    # Finished, and on its way again: run again after an approval (Q6). The
                    # read that follows sees a new start under a status no longer finished.
                    runs = {**runs, task.name: runs.get(task.name, 1) + 1}
                self.snapshot = replace(snapshot, tasks=tuple(tasks), runs=runs)
                return self.snapshot
        return None

    async def refresh(self) -> ExecutionSnapshot:
        previous = self.snapshot
        failures: list[FlowSynxError] = []
        tasks_only, self._tasks_only = self._tasks_only, False
        self._status_news, self._task_news = None, {}
        try:
            if tasks_only and previous.details is not None and not previous.failures:
                details = previous.details
            else:
                details = await self.client.get_execution(self.workflow_id, self.execution_id)
                self.on_found(self.execution_id, details.workflow_id)
        except FlowSynxError as error:
            if previous.details is None:
                raise
            failures.append(error)
            # What shows now: a hub event may have changed it while this read was on its
            # way (the run Completed); the failed read must not put back what it replaced.
            details = self.snapshot.details or previous.details
            gone = error.server_words if isinstance(error, NotFound) else previous.gone
        else:
            gone = None
        try:
            if gone is not None:
                # The run itself answered 404: what its tasks route says now (nothing, after a
                # server reset) is not news of its tasks, and they read "? unknown".
                tasks = previous.tasks
            else:
                tasks = tuple(await self.client.all_tasks(self.workflow_id, self.execution_id))
        except FlowSynxError as error:
            if failures or previous.details is None:
                raise  # nothing of this refresh got through, or nothing to keep showing
            failures.append(error)
            tasks = self.snapshot.tasks  # with the task statuses events brought meanwhile
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
        behind = False  # this read is older than what events said meanwhile
        news = self._status_news
        # A finished run never starts again: news of it running came late, not after the read.
        if news is not None and details.status != news[0] and not (details.status.is_finished and not news[0].is_finished):
            behind = True
            # Said by an event while this read was on its way: newer than what it read. The
            # next read, asked for with the event, has the last word.
            details = details.model_copy(update={"status": news[0], "execution_end": news[1] or details.execution_end})
            if details.status is not ExecutionStatus.PAUSED:
                approvals = ()
        if any(task.id in self._task_news and task.status != self._task_news[task.id] for task in tasks):
            behind = True
            tasks = tuple(
                task.model_copy(update={"status": self._task_news[task.id]})
                if task.id in self._task_news and task.status != self._task_news[task.id]
                else task
                for task in tasks
            )
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
            final=details.status.is_finished and not failures and not behind,
            failures=tuple(failures),
            runs=runs,
            gone=gone,
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
    that are complete, so that read can be the last one. ``execution_quiet`` whether nothing
    of it runs (queued, or paused with no task running): while the hub is live such a log
    is read only when the hub reports a change of its execution, or at the slow pace.
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
        execution_quiet: Callable[[], bool] = lambda: False,
    ) -> None:
        self.workflow_id = workflow_id
        self._execution_quiet = execution_quiet
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
            live_slowdown=lambda: LIVE_SLOWDOWN if self._execution_quiet() else 1.0,
            one_thing=True,
            follows=self.execution_id,
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


@dataclass(frozen=True)
class TaskSnapshot:
    task_name: str
    task_id: str | None = None
    details: TaskExecutionDetails | None = None
    #: The execution's status as last read (read only while the task is unfinished).
    execution_status: ExecutionStatus | None = None
    #: True when the execution has no task of that name (yet).
    missing: bool = False
    #: Nothing about this task will change any more: it finished, or its execution did.
    final: bool = False


def _find_task(tasks: list[TaskExecution], name: str) -> TaskExecution | None:
    found = next((task for task in tasks if task.name == name), None)
    if found is None:
        folded = name.casefold()
        found = next((task for task in tasks if task.name.casefold() == folded), None)
    return found


class TaskWatch:
    """One task execution's details, polled until the task (or its execution) is finished.

    Without ``task_id`` (an approval names only its task) the task is found by name in the
    execution's task list first. While the task is unfinished the execution's status is read
    too: a task still ``Running`` in a finished execution (quirk Q7) never changes again.
    """

    def __init__(
        self, client: FlowSynxClient, workflow_id: str, execution_id: str, task_name: str, task_id: str | None = None
    ) -> None:
        self.client = client
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.task_name = task_name
        self.task_id = task_id
        self.snapshot = TaskSnapshot(task_name, task_id)

    @property
    def key(self) -> str:
        # By name: the same whether the id was known at the start or found by name.
        return f"task:{self.execution_id}:{self.task_name}"

    def job(self) -> PollJob[TaskSnapshot]:
        return PollJob(
            key=self.key,
            fetch=self.refresh,
            message=TaskChanged,
            done=lambda: self.snapshot.final,
            live_slowdown=LIVE_SLOWDOWN,
            follows=self.execution_id,
            one_thing=True,
            apply=self.apply_event,
        )

    def apply_event(self, event: HubEvent) -> TaskSnapshot | None:
        """This task's status from the hub, shown before the read it triggers."""
        snapshot = self.snapshot
        details = snapshot.details
        if isinstance(event, TaskEvent):
            if details is None or event.task_id != self.task_id or details.status == event.status:
                return None
            self.snapshot = replace(snapshot, details=details.model_copy(update={"status": event.status}))
            return self.snapshot
        if snapshot.execution_status is not None and snapshot.execution_status != event.status:
            self.snapshot = replace(snapshot, execution_status=event.status)
            return self.snapshot
        return None

    async def refresh(self) -> TaskSnapshot:
        client, workflow_id, execution_id = self.client, self.workflow_id, self.execution_id
        if self.task_id is None:
            found = _find_task(await client.all_tasks(workflow_id, execution_id), self.task_name)
            if found is None:
                # Not started yet, or not a task of this run: stop once the run is over.
                execution = await client.get_execution(workflow_id, execution_id)
                self.snapshot = TaskSnapshot(
                    self.task_name,
                    execution_status=execution.status,
                    missing=True,
                    final=execution.status.is_finished,
                )
                return self.snapshot
            self.task_id = found.id
        task_id = self.task_id
        details = await client.get_task(workflow_id, execution_id, task_id)
        execution_status = self.snapshot.execution_status
        final = details.status.is_finished
        if not final:
            execution = await client.get_execution(workflow_id, execution_id)
            execution_status = execution.status
            if execution.status.is_finished:
                # Read after the execution was seen finished: this is the task's last word.
                details = await client.get_task(workflow_id, execution_id, task_id)
                final = True
        self.snapshot = TaskSnapshot(self.task_name, task_id, details, execution_status, final=final)
        return self.snapshot


@dataclass(frozen=True)
class DefinitionText:
    source: DefinitionSource
    #: The definition JSON text as the server sent it (None: it sent none).
    text: str | None
    #: The workflow's name as the server holds it.
    name: str


_definition_serial = itertools.count(1)


class DefinitionSource:
    """A workflow's definition (``GET /workflows/{id}``), or an execution's snapshot of it
    (``GET …/executions/{id}``), read once: its job is done after the first success."""

    def __init__(self, client: FlowSynxClient, workflow_id: str, execution_id: str | None = None) -> None:
        self.client = client
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.loaded: DefinitionText | None = None
        # One job per viewer: a one-shot job shared with a closed viewer would be done already.
        self._serial = next(_definition_serial)

    @property
    def key(self) -> str:
        return f"definition:{self.execution_id or self.workflow_id}:{self._serial}"

    def job(self) -> PollJob[DefinitionText]:
        return PollJob(
            key=self.key, fetch=self.read, message=DefinitionLoaded, done=lambda: self.loaded is not None, one_thing=True
        )

    async def read(self) -> DefinitionText:
        if self.execution_id is not None:
            execution = await self.client.get_execution(self.workflow_id, self.execution_id)
            loaded = DefinitionText(self, execution.workflow, execution.definition.name)
        else:
            workflow = await self.client.get_workflow(self.workflow_id)
            loaded = DefinitionText(self, workflow.workflow, workflow.name)
        self.loaded = loaded
        return loaded
