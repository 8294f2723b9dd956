"""FlowSynx REST API: typed async client, DTO models and errors. Never imports Textual."""

import importlib
import sys
from typing import TYPE_CHECKING, Any

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

# Each name is imported from its module when first asked for (``from flowsynx_tui.api import
# X`` included): the dashboard's start needs the client, the errors and ``values``, not
# the pydantic models (``models``, ``logtail``), which load once the first rows are shown.
_MODULES = {
    "auth": ("BasicCredentials", "BearerCredentials", "Credentials"),
    "client": ("FlowSynxClient", "id_path", "read_all_pages", "read_newest"),
    "errors": (
        "ApiError",
        "AuthenticationRequired",
        "BadRequest",
        "ConnectionFailed",
        "FlowSynxError",
        "InvalidId",
        "MalformedResponse",
        "NotFound",
        "PermissionDenied",
        "RequestTimedOut",
        "ServerError",
    ),
    "logtail": ("LogTail",),
    "values": ("ApprovalStatus", "ExecutionStatus", "LogLevel", "TaskStatus", "as_guid", "as_guid_prefix"),
    "models": (
        "ActionResult",
        "Approval",
        "ExecuteResult",
        "ExecutionDetails",
        "ExecutionSummary",
        "Guid",
        "LogEntry",
        "Metrics",
        "Page",
        "Pagination",
        "TaskDefinition",
        "TaskExecution",
        "TaskExecutionDetails",
        "VersionInfo",
        "WorkflowDefinition",
        "WorkflowDetails",
        "WorkflowSummary",
    ),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
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
        ExecuteResult,
        ExecutionDetails,
        ExecutionSummary,
        Guid,
        LogEntry,
        Metrics,
        Page,
        Pagination,
        TaskDefinition,
        TaskExecution,
        TaskExecutionDetails,
        VersionInfo,
        WorkflowDefinition,
        WorkflowDetails,
        WorkflowSummary,
    )
    from flowsynx_tui.api.values import ApprovalStatus, ExecutionStatus, LogLevel, TaskStatus, as_guid, as_guid_prefix
