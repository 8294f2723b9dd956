"""FlowSynx REST API: typed async client, DTO models and errors. Never imports Textual."""

import sys

# On import, httpx also imports its command-line tool (click, pygments, rich's progress
# bars: ~50 ms of the dashboard's start) unless that import fails, which httpx is written to
# survive. Nothing here runs that tool.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from flowsynx_tui.api.auth import BasicCredentials, BearerCredentials, Credentials
from flowsynx_tui.api.client import FlowSynxClient, id_path, read_all_pages, read_newest
from flowsynx_tui.api.errors import (
    ApiError,
    AuthenticationRequired,
    BadRequest,
    ConnectionFailed,
    FlowSynxError,
    InvalidId,
    MalformedResponse,
    NotFound,
    PermissionDenied,
    RequestTimedOut,
    ServerError,
)
from flowsynx_tui.api.logtail import LogTail
from flowsynx_tui.api.models import (
    ActionResult,
    Approval,
    ApprovalStatus,
    ExecuteResult,
    ExecutionDetails,
    ExecutionStatus,
    ExecutionSummary,
    Guid,
    LogEntry,
    LogLevel,
    Metrics,
    Page,
    Pagination,
    TaskDefinition,
    TaskExecution,
    TaskExecutionDetails,
    TaskStatus,
    VersionInfo,
    WorkflowDefinition,
    WorkflowDetails,
    WorkflowSummary,
    as_guid,
)

__all__ = [name for name in dir() if not name.startswith("_")]
