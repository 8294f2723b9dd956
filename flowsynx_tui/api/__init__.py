"""FlowSynx REST API: typed async client, DTO models and errors. Never imports Textual."""

import sys

# On import, httpx also imports its command-line tool (click, pygments, rich's progress
# bars: ~50 ms of the dashboard's start) unless that import fails, which httpx is written to
# survive. Nothing here runs that tool.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def _import_httpcore_without_trio() -> None:
    """httpcore (under httpx) imports trio whenever it is installed, to support trio's event
    loop; selenium in the test extras installs it, and importing it costs ~170 ms of every
    start. The dashboard runs on asyncio only, so httpcore is imported with trio hidden,
    then trio is importable again for whoever wants it."""
    if "httpcore" in sys.modules or "trio" in sys.modules:
        return
    sys.modules["trio"] = None  # type: ignore[assignment]
    try:
        import httpcore  # noqa: F401
    finally:
        if sys.modules.get("trio", ...) is None:
            del sys.modules["trio"]


_import_httpcore_without_trio()

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
