"""Async client of the FlowSynx workflow execution API (v1.3.0, shared/flowsynx-api.md).

One typed method per route the dashboard needs. Every failure becomes a
:class:`~flowsynx_tui.api.errors.FlowSynxError` subclass. Only GETs are retried:
start, cancel, approve and reject are sent exactly once, because sending a decision
twice is worse than telling the user it may not have arrived.

Ids reach a URL path only through :func:`id_path`, which refuses anything but a GUID
(:class:`~flowsynx_tui.api.errors.InvalidId`, nothing sent); ids read from the server are
checked by the models' ``Guid`` type.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from flowsynx_tui.api.auth import BasicCredentials, Credentials
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
from flowsynx_tui.api.requestlog import log_response
from flowsynx_tui.api.tls import context_for
from flowsynx_tui.api.values import as_guid, quick_workflow_page, utc_timestamp

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

    from flowsynx_tui.api.models import (
        ActionResult,
        Approval,
        ExecuteResult,
        ExecutionDetails,
        ExecutionSummary,
        LogEntry,
        Metrics,
        Page,
        Pagination,
        TaskExecution,
        TaskExecutionDetails,
        VersionInfo,
        WorkflowDetails,
        WorkflowSummary,
    )

M = TypeVar("M", bound="BaseModel")

# The pydantic models are bound to these names when first needed (``_bind_models``), not
# with the module: the dashboard's first workflow list is read without them (``quick``),
# and importing pydantic takes ~80 ms of its start.
_MODEL_NAMES = (
    "ActionResult",
    "Approval",
    "ExecuteResult",
    "ExecutionDetails",
    "ExecutionSummary",
    "LogEntry",
    "Metrics",
    "Page",
    "Pagination",
    "TaskExecution",
    "TaskExecutionDetails",
    "VersionInfo",
    "WorkflowDetails",
    "WorkflowSummary",
)
_models_bound = False


def _bind_models() -> None:
    global _models_bound
    from pydantic import ValidationError

    from flowsynx_tui.api import models

    names = globals()
    for name in _MODEL_NAMES:
        names[name] = getattr(models, name)
    names["ValidationError"] = ValidationError
    _models_bound = True


async def _models_ready() -> None:
    """The models bound, imported off the event loop the first time (the UI keeps drawing)."""
    if not _models_bound:
        await asyncio.to_thread(_bind_models)

DEFAULT_PAGE_SIZE = 25
# Above these sizes a response is parsed and validated in a thread, so that a page of
# hundreds of log lines does not stall the UI sharing this event loop.
OFFLOAD_BYTES = 64 * 1024
OFFLOAD_ITEMS = 200

# Which roles each group of routes accepts (reference 7.2); named in 403 messages.
ROLES_WORKFLOWS = ("admin", "workflows")
ROLES_EXECUTIONS = ("admin", "executions")
ROLES_APPROVALS = ("admin", "approvals")
ROLES_ANY_USER = ("any authenticated user",)


def id_path(method: str, template: str, **ids: object) -> str:
    """``template`` with each ``{name}`` replaced by the id of that name, in lowercase.

    The only way ids get into a URL path. Each must be a GUID (reference 1: every id in a
    path is one); otherwise :class:`InvalidId` names the ids that are not, without their
    values, and nothing is sent. ``method`` only goes into the error's route, which shows the
    template (``GET /workflows/{workflow_id}``), not the values.
    """
    checked: dict[str, str] = {}
    wrong: list[str] = []
    for name, value in ids.items():
        guid = as_guid(value)
        if guid is None:
            wrong.append(name.replace("_", " "))
        else:
            checked[name] = guid
    if wrong:
        if len(wrong) == 1:
            what = f"{wrong[0]} is not a GUID"
        else:
            what = f"{', '.join(wrong[:-1])} and {wrong[-1]} are not GUIDs"
        raise InvalidId(what, route=f"{method} {template}".strip())
    return template.format(**checked)


class FlowSynxClient:
    """Talks to one FlowSynx server.

    ``timeout`` bounds ordinary requests. Approve gets ``approve_timeout`` because the
    server runs the rest of the workflow inside that request (reference 9.3).
    """

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Credentials | None = None,
        timeout: float = 10.0,
        approve_timeout: float = 900.0,
        retries: int = 2,
        retry_backoff: float = 0.3,
        verify: bool | str = True,
        system_ca: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        #: What this server's certificates are checked against, REST and WebSocket alike.
        self.ssl_context = context_for(self.base_url, verify, system_ca)
        #: Requests sent so far (retries included): what this client costs the server.
        self.requests_sent = 0
        #: The ``Date`` header of the last answer: the server's clock (``server_time``).
        self._date: str | None = None
        #: The server's clock when it built the last workflow list (its ``generatedAtUtc``):
        #: v1.3.0 dates never-edited workflows with it (reference 4). The last answer's
        #: ``Date`` may be another request's, a second or more off under latency.
        self.workflows_dated_at: datetime | None = None
        self.timeout = timeout
        self.approve_timeout = approve_timeout
        self.retries = retries
        self.retry_backoff = retry_backoff
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=credentials,
            timeout=timeout,
            verify=self.ssl_context,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "flowsynx-tui"},
            follow_redirects=False,
            event_hooks={"response": [log_response]},
        )
        self._random = random.Random()

    def __repr__(self) -> str:
        return f"FlowSynxClient(base_url={self.base_url!r}, credentials={self.credentials!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> FlowSynxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def set_credentials(self, credentials: Credentials | None) -> None:
        """Swap credentials mid-session, e.g. after an expired token was replaced."""
        self.credentials = credentials
        self._http.auth = credentials

    # ------------------------------------------------------------------ server
    async def version(self) -> VersionInfo:
        return self._one(await self._get("/version", roles=()), VersionInfo, "GET /version")

    async def negotiate_hub(self) -> dict[str, Any]:
        """The SignalR negotiation of the live-update hub (``api.hub``): sent once, not retried."""
        return await self._send(
            "POST", "/hubs/workflowExecutions/negotiate", params={"negotiateVersion": 1}, roles=ROLES_ANY_USER
        )

    async def metrics(self) -> Metrics:
        return self._one(await self._get("/metrics", roles=ROLES_ANY_USER), Metrics, "GET /metrics")

    # --------------------------------------------------------------- workflows
    async def list_workflows(
        self, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE, *, quick: bool = False
    ) -> Page[WorkflowSummary]:
        """``quick``: a page the quick read takes (``values.quick_workflow_page``) comes as
        ``QuickWorkflow`` items, before the models are loaded; any other as usual."""
        body = await self._get("/workflows", params=_paging(page, page_size), roles=ROLES_WORKFLOWS, models=not quick)
        self.workflows_dated_at = utc_timestamp(body.get("generatedAtUtc")) or self.server_time()
        if quick:
            listed = quick_workflow_page(body)
            if listed is not None:
                return listed  # type: ignore[return-value]
            await _models_ready()
        return await self._page_async(body, WorkflowSummary, "GET /workflows")

    async def all_workflows(
        self, page_size: int = 100, problems: list[str] | None = None, *, quick: bool = False
    ) -> list[WorkflowSummary]:
        """Every workflow; ``quick`` as for ``list_workflows`` (the dashboard's first read)."""
        return await read_all_pages(
            lambda page, size: self.list_workflows(page, size, quick=quick), page_size, problems
        )

    async def get_workflow(self, workflow_id: str) -> WorkflowDetails:
        path = id_path("GET", "/workflows/{workflow_id}", workflow_id=workflow_id)
        return self._one(await self._get(path, roles=ROLES_WORKFLOWS), WorkflowDetails, f"GET {path}")

    # -------------------------------------------------------------- executions
    async def list_executions(
        self, workflow_id: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[ExecutionSummary]:
        """Executions, oldest first. Note quirk Q1: v1.3.0 ignores ``workflow_id`` here
        and lists every execution of the caller."""
        path = id_path("GET", "/workflows/{workflow_id}/executions", workflow_id=workflow_id)
        body = await self._get(path, params=_paging(page, page_size), roles=ROLES_EXECUTIONS)
        return await self._page_async(body, ExecutionSummary, f"GET {path}")

    async def start_execution(self, workflow_id: str) -> tuple[ExecuteResult, tuple[str, ...]]:
        # The server reads no body; the workflow id comes from the path.
        path = id_path("POST", "/workflows/{workflow_id}/executions", workflow_id=workflow_id)
        body = await self._send("POST", path, roles=ROLES_EXECUTIONS)
        return self._one(body, ExecuteResult, f"POST {path}"), _messages(body)

    async def get_execution(self, workflow_id: str, execution_id: str) -> ExecutionDetails:
        path = id_path(
            "GET", "/workflows/{workflow_id}/executions/{execution_id}",
            workflow_id=workflow_id, execution_id=execution_id,
        )
        return self._one(await self._get(path, roles=ROLES_EXECUTIONS), ExecutionDetails, f"GET {path}")

    async def cancel_execution(self, workflow_id: str, execution_id: str) -> ActionResult:
        path = id_path(
            "POST", "/workflows/{workflow_id}/executions/{execution_id}/cancel",
            workflow_id=workflow_id, execution_id=execution_id,
        )
        body = await self._send("POST", path, roles=ROLES_EXECUTIONS)
        return ActionResult(messages=_messages(body))

    async def execution_logs(
        self, workflow_id: str, execution_id: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[LogEntry]:
        path = id_path(
            "GET", "/workflows/{workflow_id}/executions/{execution_id}/logs",
            workflow_id=workflow_id, execution_id=execution_id,
        )
        body = await self._get(path, params=_paging(page, page_size), roles=ROLES_EXECUTIONS)
        return await self._page_async(body, LogEntry, f"GET {path}")

    # ------------------------------------------------------------------- tasks
    async def list_tasks(
        self, workflow_id: str, execution_id: str, page: int = 1, page_size: int = 100
    ) -> Page[TaskExecution]:
        path = id_path(
            "GET", "/workflows/{workflow_id}/executions/{execution_id}/tasks",
            workflow_id=workflow_id, execution_id=execution_id,
        )
        body = await self._get(path, params=_paging(page, page_size), roles=ROLES_EXECUTIONS)
        return await self._page_async(body, TaskExecution, f"GET {path}")

    async def all_tasks(self, workflow_id: str, execution_id: str) -> list[TaskExecution]:
        return await read_all_pages(lambda page, size: self.list_tasks(workflow_id, execution_id, page, size), 100)

    async def get_task(self, workflow_id: str, execution_id: str, task_id: str) -> TaskExecutionDetails:
        path = id_path(
            "GET", "/workflows/{workflow_id}/executions/{execution_id}/tasks/{task_id}",
            workflow_id=workflow_id, execution_id=execution_id, task_id=task_id,
        )
        return self._one(await self._get(path, roles=ROLES_EXECUTIONS), TaskExecutionDetails, f"GET {path}")

    async def task_logs(
        self, workflow_id: str, execution_id: str, task_id: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[LogEntry]:
        path = id_path(
            "GET", "/workflows/{workflow_id}/executions/{execution_id}/tasks/{task_id}/logs",
            workflow_id=workflow_id, execution_id=execution_id, task_id=task_id,
        )
        body = await self._get(path, params=_paging(page, page_size), roles=ROLES_EXECUTIONS)
        return await self._page_async(body, LogEntry, f"GET {path}")

    # --------------------------------------------------------------- approvals
    async def list_approvals(
        self, workflow_id: str, execution_id: str, page: int = 1, page_size: int = 100
    ) -> Page[Approval]:
        """Pending approvals of one execution; the server has no global list (3.4)."""
        path = id_path(
            "GET", "/workflows/{workflow_id}/executions/{execution_id}/approvals",
            workflow_id=workflow_id, execution_id=execution_id,
        )
        body = await self._get(path, params=_paging(page, page_size), roles=ROLES_APPROVALS)
        return await self._page_async(body, Approval, f"GET {path}")

    async def approve(self, workflow_id: str, execution_id: str, approval_id: str) -> ActionResult:
        path = id_path(
            "POST", "/workflows/{workflow_id}/executions/{execution_id}/approvals/{approval_id}/approve",
            workflow_id=workflow_id, execution_id=execution_id, approval_id=approval_id,
        )
        body = await self._send("POST", path, roles=ROLES_APPROVALS, timeout=self.approve_timeout)
        return ActionResult(messages=_messages(body))

    async def reject(self, workflow_id: str, execution_id: str, approval_id: str) -> ActionResult:
        path = id_path(
            "POST", "/workflows/{workflow_id}/executions/{execution_id}/approvals/{approval_id}/reject",
            workflow_id=workflow_id, execution_id=execution_id, approval_id=approval_id,
        )
        body = await self._send("POST", path, roles=ROLES_APPROVALS)
        return ActionResult(messages=_messages(body))

    # ---------------------------------------------------------------- plumbing
    def server_time(self) -> datetime | None:
        """The server's clock at its last answer (whole seconds), or None if it sent none."""
        if not self._date:
            return None
        try:
            moment = parsedate_to_datetime(self._date)
        except (TypeError, ValueError):
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    async def _get(
        self, path: str, *, params: Mapping[str, Any] | None = None, roles: tuple[str, ...], models: bool = True
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return await self._send("GET", path, params=params, roles=roles, models=models)
            except FlowSynxError as error:
                if not error.is_transient or attempt >= self.retries:
                    raise
            # Exponential backoff with full jitter so that many dashboards polling one
            # restarting server do not hit it in lockstep.
            delay = self.retry_backoff * (2**attempt)
            await asyncio.sleep(self._random.uniform(delay / 2, delay))
            attempt += 1

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        roles: tuple[str, ...],
        timeout: float | None = None,
        models: bool = True,
    ) -> dict[str, Any]:
        """The checked body; with the models bound unless ``models`` is False."""
        route = f"{method} {path}"
        self.requests_sent += 1
        try:
            response = await self._http.request(
                method, path, params=params, timeout=timeout if timeout is not None else self.timeout
            )
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            # No connection was made: nothing was sent.
            raise RequestTimedOut(
                f"no connection to {self.base_url} within {timeout or self.timeout:g} s", route=route, arrived=False
            ) from None
        except httpx.TimeoutException:
            raise RequestTimedOut(
                f"no answer from {self.base_url} within {timeout or self.timeout:g} s", route=route
            ) from None
        except httpx.RemoteProtocolError:
            raise ConnectionFailed("the server dropped the connection", route=route) from None
        except httpx.ConnectError as error:
            # Raised while a connection is being made (a reused one fails otherwise): the
            # request was not sent.
            raise ConnectionFailed(f"cannot reach {self.base_url} ({_reason(error)})", route=route, arrived=False) from None
        except (httpx.ReadError, httpx.WriteError, httpx.NetworkError) as error:
            raise ConnectionFailed(f"cannot reach {self.base_url} ({_reason(error)})", route=route) from None
        except httpx.HTTPError as error:
            raise ConnectionFailed(f"request failed ({type(error).__name__})", route=route) from None
        # What httpx 0.28 raises outside its HTTPError tree: InvalidURL (e.g. a URL over its
        # length limit), CookieConflict and the StreamError family. Not transient; their texts
        # are not shown, as they may quote the URL.
        except httpx.InvalidURL:
            raise FlowSynxError("the request URL is not valid", route=route) from None
        except (httpx.CookieConflict, httpx.StreamError) as error:
            raise FlowSynxError(f"request failed ({type(error).__name__})", route=route) from None
        self._date = response.headers.get("date")
        if models:
            await _models_ready()
        if len(response.content) > OFFLOAD_BYTES:
            # Parsing a big body takes tens of milliseconds: not on the UI's event loop.
            return await asyncio.to_thread(self._check, response, route, roles)
        return self._check(response, route, roles)

    def _check(self, response: httpx.Response, route: str, roles: tuple[str, ...]) -> dict[str, Any]:
        status = response.status_code
        body = _json_or_none(response)
        messages = _messages(body) if isinstance(body, dict) else ()
        if status == 401:
            credentials = self.credentials
            if isinstance(credentials, BasicCredentials) and not credentials.password:
                why = "the server needs a password; none was given"
            elif credentials:
                why = "the server rejected the credentials (wrong, or expired)"
            else:
                why = "the server needs credentials (--username/--password or --token)"
            raise AuthenticationRequired(why, route=route, status_code=401)
        if status == 403:
            needed = " or ".join(roles) if roles else "a role this user lacks"
            raise PermissionDenied(f"permission denied: this route needs the role {needed}", route=route, required_roles=roles)
        if status >= 400:
            text = " ".join(messages) or response.reason_phrase or "error"
            kind: type[ApiError]
            if status == 404:
                kind = NotFound
            elif status < 500:
                kind = BadRequest
            else:
                kind = ServerError
            raise kind(f"HTTP {status}: {text}", route=route, status_code=status, server_messages=messages)
        if not isinstance(body, dict):
            what = "not JSON" if body is None else f"JSON {type(body).__name__}, not an object"
            raise MalformedResponse(f"the server's answer was {what}", route=route)
        if body.get("succeeded", body.get("Succeeded", True)) is False:
            raise ApiError(" ".join(messages) or "the server reported a failure", route=route, status_code=status, server_messages=messages)
        return body

    def _one(self, body: dict[str, Any], model: type[M], route: str) -> M:
        if not _models_bound:
            _bind_models()
        data = _field(body, "data")
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise MalformedResponse(f"unexpected data: {_describe(error)}", route=route) from None

    async def _page_async(self, body: dict[str, Any], model: type[M], route: str) -> Page[M]:
        data = _field(body, "data")
        if isinstance(data, list) and len(data) > OFFLOAD_ITEMS:
            return await asyncio.to_thread(self._page, body, model, route)
        return self._page(body, model, route)

    def _page(self, body: dict[str, Any], model: type[M], route: str) -> Page[M]:
        if not _models_bound:
            _bind_models()
        data = _field(body, "data")
        if not isinstance(data, list):
            raise MalformedResponse(f"expected a list in 'data', got {type(data).__name__}", route=route)
        items: list[M] = []
        positions: list[int] = []
        problems: list[str] = []
        for index, raw in enumerate(data):
            try:
                items.append(model.model_validate(raw))
            except ValidationError as error:
                problems.append(f"{route}: item {index + 1} skipped: {_describe(error)}")
            else:
                positions.append(index)
        raw_pagination = _field(body, "pagination")
        try:
            pagination = (
                Pagination.model_validate(raw_pagination)
                if isinstance(raw_pagination, dict)
                # v1.2.0 and earlier send plain lists: one page holding everything.
                else Pagination(current_page=1, total_pages=1 if data else 0, total_count=len(data), page_size=len(data))
            )
        except ValidationError as error:
            raise MalformedResponse(f"unexpected pagination: {_describe(error)}", route=route) from None
        return Page[model](  # type: ignore[valid-type]
            items=tuple(items), pagination=pagination, problems=tuple(problems), positions=tuple(positions)
        )


def _paging(page: int, page_size: int) -> dict[str, int]:
    return {"page": page, "pageSize": page_size}


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None


def _field(body: Mapping[str, Any], name: str) -> Any:
    # Error bodies from the server's exception middleware are PascalCase (quirk Q9).
    if name in body:
        return body[name]
    return body.get(name[:1].upper() + name[1:])


def _messages(body: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not body:
        return ()
    raw = _field(body, "messages")
    if not isinstance(raw, list):
        return ()
    return tuple(str(m) for m in raw if isinstance(m, (str, int, float)))


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(p) for p in item.get("loc", ())) or "value"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    more = len(error.errors()) - 3
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def _reason(error: Exception) -> str:
    # httpx reports "All connection attempts failed" when it tried several addresses; the
    # refusal or lookup failure that explains it sits further down the exception chain.
    cause: BaseException | None = error
    for _ in range(10):
        if cause is None:
            break
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "unknown host"
        cause = cause.__cause__ or cause.__context__
    text = str(error) or type(error).__name__
    if "refused" in text.lower():
        return "connection refused"
    if "name or service" in text.lower() or "nodename" in text.lower():
        return "unknown host"
    return text.splitlines()[0][:120]


async def read_all_pages(
    fetch: Callable[[int, int], Awaitable[Page[M]]],
    page_size: int = DEFAULT_PAGE_SIZE,
    problems: list[str] | None = None,
) -> list[M]:
    """Every item of a paged list, oldest first.

    Items that could not be read are left out; ``problems``, when given, receives the
    description of each, so the caller can say so.

    Follows the newest ``totalPages`` (the list may grow while it is read) and stops at a page
    the server did not return as asked: an empty page (no items, not even unreadable ones), or
    one clamped to another page number because the list shrank. Those would repeat items, and a server that keeps announcing more
    pages would otherwise be read forever.
    """
    result = await fetch(1, page_size)
    items = list(result.items)
    if problems is not None:
        problems.extend(result.problems)
    page = 1
    while page < result.pagination.total_pages:
        page += 1
        result = await fetch(page, page_size)
        if result.pagination.current_page != page or not (result.items or result.problems):
            break
        items.extend(result.items)
        if problems is not None:
            problems.extend(result.problems)
    return items


async def read_newest(
    fetch: Callable[[int, int], Awaitable[Page[M]]], limit: int, page_size: int = DEFAULT_PAGE_SIZE
) -> tuple[list[M], int]:
    """Up to ``limit`` newest items, newest first, and the total count.

    Reads page 1 for the number of pages, then walks back from the last one. (Asking for a
    huge page to get the last one is not safe: v1.3.0 computes its offset in 32 bits.)
    """
    first = await fetch(1, page_size)
    pages = first.pagination.total_pages
    if pages <= 1:
        return list(reversed(first.items))[:limit], first.total_count
    newest: list[M] = []
    page = pages
    while len(newest) < limit and page >= 1:
        result = first if page == 1 else await fetch(page, page_size)
        if result.pagination.current_page != page or not (result.items or result.problems):
            break  # not the page asked for: walking further back would repeat items or never end
        newest.extend(reversed(result.items))
        page -= 1
    return newest[:limit], max(first.total_count, len(newest))
