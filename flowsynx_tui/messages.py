"""Typed messages: how the services tell the UI what changed, and how screens ask the
app to go somewhere. Messages go up (services and screens to the app), attributes go
down (the app hands every screen one ``Services`` object).

Data messages are posted by the poller to whoever subscribed to a job (screens, and the
app for the shared overview); each job posts one message type, and they do not bubble:
every subscriber gets its own. Outcomes, problems and navigation bubble up to the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from flowsynx_tui.api import FlowSynxError, LogEntry
    from flowsynx_tui.services.actions import ActionOutcome
    from flowsynx_tui.services.overview import OverviewUpdate
    from flowsynx_tui.services.status import ConnectionState
    from flowsynx_tui.services.watches import DefinitionText, ExecutionSnapshot, LogSource, TaskSnapshot


# ---------------------------------------------------------------- data from polling


class OverviewChanged(Message, bubble=False):
    """Workflows, executions or pending approvals may have changed (one polling cycle,
    or its first cheap steps while the rest is still under way)."""

    def __init__(self, update: OverviewUpdate) -> None:
        super().__init__()
        self.update = update


class ServerInfoChanged(Message, bubble=False):
    """The server's version or its metrics were read again (``ServerStatus`` holds them)."""


class ExecutionChanged(Message, bubble=False):
    """Fresh details, tasks and approvals of one execution."""

    def __init__(self, snapshot: ExecutionSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class LogsArrived(Message, bubble=False):
    """New log entries of one source; ``complete`` once the source can have no more."""

    def __init__(self, source: LogSource, entries: tuple[LogEntry, ...], complete: bool) -> None:
        super().__init__()
        self.source = source
        self.entries = entries
        self.complete = complete


class TaskChanged(Message, bubble=False):
    """Fresh details of one task execution."""

    def __init__(self, snapshot: TaskSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class DefinitionLoaded(Message, bubble=False):
    """A workflow definition (or an execution's snapshot of it) was read."""

    def __init__(self, definition: DefinitionText) -> None:
        super().__init__()
        self.definition = definition


class PollFailed(Message, bubble=False):
    """A job failed as a whole; the data on screen is still valid, only older."""

    def __init__(self, key: str, error: FlowSynxError) -> None:
        super().__init__()
        self.key = key
        self.error = error


class ConnectionChanged(Message, bubble=False):
    def __init__(self, connection: ConnectionState) -> None:
        super().__init__()
        self.connection = connection


# ---------------------------------------------------------------- outcomes and problems


class ActionFinished(Message):
    """A start, cancel, approve or reject has an answer (or is known to have none)."""

    def __init__(self, outcome: ActionOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class ProblemsFound(Message):
    """Items the server sent that could not be read, or may not be read; the app names
    each distinct one once."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__()
        self.problems = problems


# ---------------------------------------------------------------- navigation


@dataclass(frozen=True)
class WorkflowsView:
    pass


@dataclass(frozen=True)
class ExecutionsView:
    workflow_id: str | None = None  # None: every workflow's executions
    select_execution: str | None = None


@dataclass(frozen=True)
class ExecutionView:
    workflow_id: str
    execution_id: str
    select_task: str | None = None
    #: Show the selected task's logs in the log pane (instead of the execution's).
    task_logs: bool = False


@dataclass(frozen=True)
class ApprovalsView:
    pass


@dataclass(frozen=True)
class TaskView:
    """One task execution's details; ``task_id`` None: found by name in the execution's tasks."""

    workflow_id: str
    execution_id: str
    task_name: str
    task_id: str | None = None


@dataclass(frozen=True)
class DefinitionView:
    """A workflow's definition, or an execution's snapshot of it (``execution_id``), or only one
    task's part of that snapshot (``task_name``)."""

    workflow_id: str
    execution_id: str | None = None
    task_name: str | None = None


Destination = WorkflowsView | ExecutionsView | ExecutionView | ApprovalsView | TaskView | DefinitionView


class FindExecution(Message):
    """Open an execution known only by its full id (its workflow is looked up first), or by
    the start of its id (found among the executions read)."""

    def __init__(self, execution_id: str) -> None:
        super().__init__()
        self.execution_id = execution_id


class SwitchServer(Message):
    """Connect to the server of another config profile, in place."""

    def __init__(self, profile: str) -> None:
        super().__init__()
        self.profile = profile


class Navigate(Message):
    """Open a view. ``top_level`` views replace the stack above the start screen."""

    def __init__(self, destination: Destination, *, top_level: bool = False) -> None:
        super().__init__()
        self.destination = destination
        self.top_level = top_level
