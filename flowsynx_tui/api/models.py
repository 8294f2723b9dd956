"""Pydantic models of the FlowSynx v1.3.0 REST API (see shared/flowsynx-api.md, sections 2 and 4).

The models accept what the real server sends rather than what it should send:
timestamps with or without an offset (no offset means UTC), ``null`` wherever the
reference allows it, both log-level vocabularies, and status strings this client
does not know yet (kept verbatim and shown, never a crash).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

# Re-exported: what needs no pydantic lives in ``values``, for the dashboard's start.
from flowsynx_tui.api.values import ApprovalStatus, ExecutionStatus, LogLevel, TaskStatus, _as_utc, as_guid

UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def _check_guid(value: str) -> str:
    guid = as_guid(value)
    if guid is None:
        # A fixed text, never the value: it ends up in problem notes shown once per distinct
        # text, and the value is server data that may hold escape sequences.
        raise PydanticCustomError("guid", "not a GUID")
    return guid


Guid = Annotated[str, AfterValidator(_check_guid)]


class ApiModel(BaseModel):
    """Base for DTOs: camelCase on the wire, immutable, extra fields ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        defer_build=True,
    )


class Pagination(ApiModel):
    current_page: int = 1
    total_pages: int = 0
    total_count: int = 0
    page_size: int = 0
    has_previous_page: bool = False
    has_next_page: bool = False


class WorkflowSummary(ApiModel):
    id: Guid
    name: str
    modified_date: UtcDatetime | None = None
    schema_url: str | None = None


class ManualApproval(ApiModel):
    enabled: bool = False
    comment: str | None = None


class TaskDefinition(ApiModel):
    """One task of a workflow definition, reduced to what the dashboard shows."""

    name: str
    description: str | None = None
    type: str | None = None
    dependencies: tuple[str, ...] = ()
    run_on_failure_of: tuple[str, ...] = ()
    manual_approval: ManualApproval | None = None

    @property
    def gated(self) -> bool:
        return bool(self.manual_approval and self.manual_approval.enabled)


class WorkflowDefinition(ApiModel):
    name: str = ""
    description: str | None = None
    tasks: tuple[TaskDefinition, ...] = ()

    @classmethod
    def from_json_text(cls, text: str | None) -> WorkflowDefinition:
        """Parse the definition string of workflow or execution details.

        Workflow details wrap it as ``{"Schema": ..., "Workflow": {...}}``; execution
        details carry the bare definition. Keys are case-insensitive on the server, so
        they are here too. v1.3.0 keeps dependencies in ``FlowControl``; v1.2.x on the task.
        """
        if not text:
            return cls()
        try:
            raw = json.loads(text)
        except (ValueError, TypeError, RecursionError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        lowered = _lower_keys(raw)
        if "workflow" in lowered and isinstance(lowered["workflow"], dict):
            lowered = _lower_keys(lowered["workflow"])
        tasks = []
        for item in lowered.get("tasks") or []:
            if isinstance(item, dict):
                task = _task_from_raw(_lower_keys(item))
                if task is not None:
                    tasks.append(task)
        return cls(
            name=_as_text(lowered.get("name")) or "",
            description=_as_text(lowered.get("description")),
            tasks=tuple(tasks),
        )


def _lower_keys(raw: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in raw.items()}


def _as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _task_from_raw(raw: dict[str, Any]) -> TaskDefinition | None:
    name = _as_text(raw.get("name"))
    if not name:
        return None
    flow = raw.get("flowcontrol")
    flow = _lower_keys(flow) if isinstance(flow, dict) else {}
    dependencies = _names(flow.get("dependencies")) or _names(raw.get("dependencies"))
    on_failure = _names(flow.get("runonfailureof")) or _names(raw.get("runonfailureof"))
    gate = raw.get("manualapproval")
    approval = None
    if isinstance(gate, dict):
        gate = _lower_keys(gate)
        # v1.2.4 and earlier called the comment "Instructions".
        comment = _as_text(gate.get("comment")) or _as_text(gate.get("instructions"))
        approval = ManualApproval(enabled=bool(gate.get("enabled")), comment=comment)
    task_type = raw.get("type")
    if isinstance(task_type, dict):
        task_type = _as_text(_lower_keys(task_type).get("plugin"))
    return TaskDefinition(
        name=name,
        description=_as_text(raw.get("description")),
        type=_as_text(task_type),
        dependencies=dependencies,
        run_on_failure_of=on_failure,
        manual_approval=approval,
    )


class WorkflowDetails(ApiModel):
    id: Guid
    name: str
    workflow: str | None = None

    @property
    def definition(self) -> WorkflowDefinition:
        return WorkflowDefinition.from_json_text(self.workflow)


class ExecuteResult(ApiModel):
    workflow_id: Guid
    execution_id: Guid
    started_at: UtcDatetime | None = None


class ExecutionSummary(ApiModel):
    id: Guid
    status: ExecutionStatus
    execution_start: UtcDatetime | None = None
    execution_end: UtcDatetime | None = None

    @property
    def effective_end(self) -> datetime | None:
        # The server stamps executionEnd when an execution pauses (quirk Q4).
        return None if self.status is ExecutionStatus.PAUSED else self.execution_end


class ExecutionDetails(ApiModel):
    workflow_id: Guid
    execution_id: Guid
    workflow: str | None = None
    status: ExecutionStatus
    execution_start: UtcDatetime | None = None
    execution_end: UtcDatetime | None = None

    @property
    def definition(self) -> WorkflowDefinition:
        return WorkflowDefinition.from_json_text(self.workflow)

    @property
    def effective_end(self) -> datetime | None:
        return None if self.status is ExecutionStatus.PAUSED else self.execution_end


class TaskExecution(ApiModel):
    id: Guid
    name: str
    workflow_id: Guid | None = None
    workflow_execution_id: Guid | None = None
    status: TaskStatus
    message: str | None = None
    start_time: UtcDatetime | None = None
    end_time: UtcDatetime | None = None


class TaskExecutionDetails(ApiModel):
    id: Guid
    status: TaskStatus
    message: str | None = None
    start_time: UtcDatetime | None = None
    end_time: UtcDatetime | None = None


class LogEntry(ApiModel):
    id: Guid
    message: str = ""
    level: LogLevel = LogLevel.INFORMATION
    time_stamp: UtcDatetime
    exception: str | None = None


class Approval(ApiModel):
    id: Guid
    workflow_id: Guid
    execution_id: Guid
    task_name: str = ""
    requested_by: str | None = None  # a user id: free text, not necessarily a GUID
    requested_at: UtcDatetime | None = None
    status: ApprovalStatus = ApprovalStatus.PENDING
    comments: str | None = None


class Metrics(ApiModel):
    active_workflows: int = 0
    running_tasks: int = 0
    completed_today: int = 0
    failed_workflows: int = 0


class VersionInfo(ApiModel):
    version: str


class ActionResult(ApiModel):
    """Outcome of a command (start, cancel, approve, reject): the server's messages."""

    messages: tuple[str, ...] = ()


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list route.

    ``problems`` names items that could not be read; they are left out so that one
    broken row does not hide the rest of the list. ``positions`` gives each item's place
    in the page as the server sent it, so what follows a skipped item keeps its place.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    items: tuple[T, ...] = ()
    pagination: Pagination = Field(default_factory=Pagination)
    problems: tuple[str, ...] = ()
    positions: tuple[int, ...] = ()

    @property
    def placed(self) -> list[tuple[int, T]]:
        """``(position in the page, item)`` for every readable item."""
        if len(self.positions) == len(self.items):
            return list(zip(self.positions, self.items, strict=True))
        return list(enumerate(self.items))

    @property
    def size(self) -> int:
        """Items the server sent on this page, readable or not."""
        return len(self.items) + len(self.problems)

    @property
    def total_count(self) -> int:
        return max(self.pagination.total_count, len(self.items))
