"""The HTTP surface: routing, authorization, and one handler per FlowSynx v1.3.0 endpoint.

Routing is hand-rolled rather than Starlette's router because the server matches paths
case-insensitively and validates ids inside handlers (malformed GUIDs are 400/500 with bodies, not
404s from the router).

Where the ``friendly`` and ``real`` fidelity profiles differ, handlers ask ``api.profile`` (see
``fidelity`` for the list); ``api.emu.execution_list`` chooses the execution list's semantics.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from .clock import datetime_from_ticks, format_store, format_utc, parse_client_timestamp
from .definition import DefinitionError, parse_definition, split_envelope
from .envelope import (
    DEFAULT_PAGE_SIZE,
    empty_response,
    failed_page,
    json_response,
    paginate,
    paged_result,
    pascal_error,
    result,
)
from .auth import Identity, User, has_any_role
from .fidelity import BY_WORKFLOW
from .logtext import level_name, normalise_level
from .middleware import EXPIRED_CHALLENGE, EXPIRED_KEY, USER_KEY, Receive, Scope, Send, normalised_path
from .store import COMPLETED, FAILED, PAUSED, PENDING, RUNNING, WorkflowRecord

if TYPE_CHECKING:
    from .core import Emulator

_log = logging.getLogger(__name__)

INVALID_ID = (
    "[FSX1401] Invalid workflow Id format. Please ensure the ID value  matches the standard GUID "
    "format (e.g., xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."
)
GUID_PARSE_ERROR = "Unrecognized Guid format."
EMPTY_BODY = "[FSX1302] Input value can't be empty or null."
LOG_SEARCH_CAP = 512

_HEX = r"[0-9a-fA-F]"
_GUID_FORMS = (
    re.compile(rf"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$"),
    re.compile(rf"^{_HEX}{{32}}$"),
    re.compile(rf"^\{{{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\}}$"),
    re.compile(rf"^\({_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\)$"),
)
_INT32 = re.compile(r"^\s*[+-]?\d+\s*$")

ANONYMOUS = "anonymous"
IDENTIFIED = "identified"
#: Any signed-in user, refused with the framework's empty 401 (the SignalR hub's negotiate).
AUTHENTICATED = "authenticated"
WORKFLOW_ROLES = ("admin", "workflows")
EXECUTION_ROLES = ("admin", "executions")
APPROVAL_ROLES = ("admin", "approvals")
LOG_ROLES = ("admin", "logs")


# Stands in for the caller on anonymous routes, which never read the user.
_NOBODY = User("", "anonymous", ())


class HttpError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def canonical_guid(text: str) -> str | None:
    """Lowercase hyphenated form of any GUID layout .NET's ``Guid.TryParse`` accepts."""
    if not any(form.match(text) for form in _GUID_FORMS):
        return None
    return str(uuid.UUID(text.strip("{}()")))


@dataclass
class Call:
    request: Request
    user: User
    params: dict[str, str]


Handler = Callable[["Api", Call], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    method: str
    segments: tuple[str, ...]
    handler: Handler
    access: str | tuple[str, ...]

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for pattern, part in zip(self.segments, parts):
            if pattern.startswith("{"):
                params[pattern[1:-1]] = part
            elif pattern != part.lower():
                return None
        return params


class Api:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.store = emulator.store
        self.engine = emulator.engine
        self.clock = emulator.clock
        self.profile = emulator.profile
        self._trim = emulator.profile.trim_timestamps

    # -- ASGI entry --------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            self.engine.attach_lazily()
            await self.emu.hub.serve(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        self.engine.attach_lazily()
        request = Request(scope, receive)
        response = await self._dispatch(request)
        await response(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.engine.attach()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.emu.hub.close_all()
                await self.engine.detach()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _dispatch(self, request: Request) -> Response:
        parts = [p for p in normalised_path(request.url.path).split("/") if p]
        candidates = [(route, params) for route in ROUTES if (params := route.match(parts)) is not None]
        if not candidates:
            return empty_response(404)
        chosen = next(((r, p) for r, p in candidates if r.method == request.method), None)
        if chosen is None:
            allowed = ", ".join(sorted({route.method for route, _ in candidates}))
            return empty_response(405, {"allow": allowed})
        route, params = chosen
        if request.scope.get(EXPIRED_KEY):
            # Credentials the fault switches expired: no identity, as the server sees them.
            identity = Identity(None, EXPIRED_CHALLENGE if self.emu.auth == "bearer" else None)
        else:
            identity = self.emu.authenticator.identify(request.headers.get("authorization"))
        if identity.user is not None:
            request.scope[USER_KEY] = identity.user
        denied = self._deny(route, identity.user, identity.challenge)
        if denied is not None:
            return denied
        call = Call(request, identity.user or _NOBODY, params)
        try:
            return await route.handler(self, call)
        except HttpError as error:
            return error.response
        except Exception as error:  # the server's exception middleware answers 500 PascalCase
            _log.exception("emulator handler failed")
            return pascal_error(500, str(error), self.now_utc())

    def _deny(self, route: Route, user: User | None, challenge: str | None) -> Response | None:
        if route.access == ANONYMOUS:
            return None
        if user is None:
            if route.access == IDENTIFIED:
                message = "Access is denied. Please check and ensure you using a valid credentials."
                if self.profile.metrics_404:  # Q14: no authorization attribute, the handler fails
                    return self.not_found(message)
                return pascal_error(401, f"[FSX1550] {message}", self.now_utc())
            return empty_response(401, {"www-authenticate": challenge} if challenge else None)
        legacy = self.profile.legacy_workflow_role
        if route.access not in (IDENTIFIED, AUTHENTICATED) and not has_any_role(user, route.access, legacy):
            return empty_response(403)
        return None

    # -- helpers -------------------------------------------------------------------------------

    def now_utc(self) -> str:
        return format_utc(self.clock.now(), self._trim)

    def stamp(self, ticks: int | None) -> str | None:
        """A stored timestamp (no offset), in the profile's precision."""
        return format_store(ticks, self._trim) if ticks is not None else None

    def stamp_utc(self, ticks: int) -> str:
        """A timestamp built from ``DateTime.UtcNow`` (ends in ``Z``), in the profile's precision."""
        return format_utc(ticks, self._trim)

    def ok(self, data: Any, *messages: str) -> Response:
        return json_response(result(data, messages, True, self.now_utc()))

    def not_found(self, message: str) -> Response:
        return json_response(result(None, [message], False, self.now_utc()), 404)

    def page(self, call: Call, items: list[Any], render: Callable[[Any], dict[str, Any]]) -> Response:
        page, size = _paging(call.request)
        try:
            chosen, info = paginate(items, page, size)
            with self.store.lock:
                data = [render(item) for item in chosen]
        except Exception as error:  # list handlers catch everything into a failed page, as the server's do
            _log.exception("emulator list query failed")
            return json_response(failed_page(str(error), self.now_utc()), 404)
        return json_response(paged_result(data, info, self.now_utc()))

    def validated(self, call: Call, *names: str) -> list[str]:
        """Ids checked by the server's validators: malformed ones are 400 PascalCase."""
        ids = [canonical_guid(call.params[name]) for name in names]
        if any(value is None for value in ids):
            raise HttpError(pascal_error(400, INVALID_ID, self.now_utc()))
        return ids  # type: ignore[return-value]

    def parsed(self, call: Call, name: str) -> str:
        """Ids the handler parses without validation: malformed ones throw, hence 500."""
        value = canonical_guid(call.params[name])
        if value is None:
            raise HttpError(pascal_error(500, GUID_PARSE_ERROR, self.now_utc()))
        return value

    async def body(self, call: Call) -> Any:
        raw = (await call.request.body()).decode("utf-8", errors="replace")
        if not raw.strip():
            raise HttpError(pascal_error(400, EMPTY_BODY, self.now_utc()))
        try:
            return json.loads(raw)
        except ValueError as error:
            raise HttpError(pascal_error(400, f"[FSX1301] {error}", self.now_utc())) from None

    def level(self, level: str) -> str:
        return level_name(level, self.emu.legacy_log_levels)


def _paging(request: Request) -> tuple[int, int]:
    """``page``/``pageSize``, names case-insensitive; unparsable numbers are a bare 400."""
    values = {"page": 1, "pagesize": DEFAULT_PAGE_SIZE}
    for key, value in request.query_params.multi_items():
        name = key.lower()
        if name not in values or value == "":
            continue
        if not _INT32.match(value) or not -(2**31) <= int(value) < 2**31:
            raise HttpError(empty_response(400))
        values[name] = int(value)
    return values["page"], values["pagesize"]


# -- renderers (called under the store lock) ---------------------------------------------------------


def _workflow_renderer(api: Api) -> Callable[[WorkflowRecord], dict[str, Any]]:
    # The server lists ``LastModifiedOn ?? UtcNow``: never-edited workflows read "now" (real).
    now = api.stamp_utc(api.clock.now()) if api.profile.modified_is_now else None

    def render(workflow: WorkflowRecord) -> dict[str, Any]:
        return {
            "id": workflow.id,
            "name": workflow.name,
            "modifiedDate": now if now is not None and not workflow.edited else api.stamp(workflow.modified),
            "schemaUrl": workflow.schema_url,
        }

    return render


def _execution_renderer(api: Api) -> Callable[[Any], dict[str, Any]]:
    stamp = api.stamp

    def render(execution: Any) -> dict[str, Any]:
        return {
            "id": execution.id,
            "status": execution.status,
            "executionStart": stamp(execution.start),
            "executionEnd": stamp(execution.end),
        }

    return render


def _task_renderer(api: Api) -> Callable[[Any], dict[str, Any]]:
    stamp = api.stamp

    def render(task: Any) -> dict[str, Any]:
        return {
            "id": task.id,
            "name": task.name,
            "workflowId": task.workflow_id,
            "workflowExecutionId": task.execution_id,
            "status": task.status,
            "message": task.message,
            "startTime": stamp(task.start),
            "endTime": stamp(task.end),
        }

    return render


def _approval_renderer(api: Api) -> Callable[[Any], dict[str, Any]]:
    def render(approval: Any) -> dict[str, Any]:
        return {
            "id": approval.id,
            "workflowId": approval.workflow_id,
            "executionId": approval.execution_id,
            "taskName": approval.task_name,
            "requestedBy": approval.requested_by,
            "requestedAt": api.stamp(approval.requested_at),
            "status": approval.status,
            "comments": approval.comments,
        }

    return render


def _log_renderer(api: Api) -> Callable[[Any], dict[str, Any]]:
    stamp = api.stamp

    def render(log: Any) -> dict[str, Any]:
        return {
            "id": log.id,
            "message": log.message,
            "level": api.level(log.level),
            "timeStamp": stamp(log.timestamp),
            "exception": log.exception,
        }

    return render


def _readable_logs(api: Api, call: Call, logs: list[Any]) -> list[Any]:
    """Q3 (real): log queries filter by the caller's user id, and queued runs wrote as ``System``."""
    if not api.profile.system_logs:
        return logs
    return [log for log in logs if log.user_id == call.user.id]


# -- workflows ----------------------------------------------------------------------------------------


async def list_workflows(api: Api, call: Call) -> Response:
    return api.page(call, api.store.workflows(call.user.id), _workflow_renderer(api))


async def add_workflow(api: Api, call: Call) -> Response:
    schema_url, definition = split_envelope(await api.body(call))
    try:
        spec = parse_definition(definition)
    except DefinitionError as error:
        return api.not_found(str(error))
    workflow = WorkflowRecord(
        id=api.emu.ids.new(),
        user_id=call.user.id,
        name=spec.name,
        definition=definition,
        schema_url=schema_url,
        modified=api.clock.now(),
    )
    api.store.add_workflow(workflow)
    data = {"id": workflow.id, "name": workflow.name, "schemaUrl": workflow.schema_url}
    return api.ok(data, "The workflow has been added successfully.")


async def get_workflow(api: Api, call: Call) -> Response:
    (workflow_id,) = api.validated(call, "workflowId")
    workflow = api.store.workflow(call.user.id, workflow_id)
    if workflow is None:
        return api.not_found(f"[FSX2401] The workflow with id '{workflow_id}' not found.")
    with api.store.lock:
        text = json.dumps({"Schema": workflow.schema_url, "Workflow": workflow.definition})
        return api.ok({"id": workflow.id, "name": workflow.name, "workflow": text})


async def update_workflow(api: Api, call: Call) -> Response:
    (workflow_id,) = api.validated(call, "workflowId")
    schema_url, definition = split_envelope(await api.body(call))
    workflow = api.store.workflow(call.user.id, workflow_id)
    if workflow is None:
        return api.not_found(f"[FSX2401] The workflow with id '{workflow_id}' not found.")
    try:
        spec = parse_definition(definition)
    except DefinitionError as error:
        return api.not_found(str(error))
    with api.store.lock:
        workflow.definition = definition
        workflow.name = spec.name
        workflow.schema_url = schema_url
        workflow.modified = api.clock.now()
        workflow.edited = True
    return api.ok({}, "The workflow has been updated successfully.")


async def delete_workflow(api: Api, call: Call) -> Response:
    (workflow_id,) = api.validated(call, "workflowId")
    workflow = api.store.workflow(call.user.id, workflow_id)
    if workflow is None:
        return api.not_found(f"[FSX2401] The workflow with id '{workflow_id}' could not be found.")
    with api.store.lock:
        workflow.deleted = True
        workflow.modified = api.clock.now()
    return api.ok({}, "The workflow has been deleted successfully.")


# -- executions ---------------------------------------------------------------------------------------


async def list_executions(api: Api, call: Call) -> Response:
    (workflow_id,) = api.validated(call, "workflowId")
    executions = api.store.executions(call.user.id)
    if api.emu.execution_list == BY_WORKFLOW:  # as the original page describes, and a fixed release
        if api.store.workflow(call.user.id, workflow_id) is None:
            message = f"[FSX2401] The workflow with id '{workflow_id}' not found."
            return json_response(failed_page(message, api.now_utc()), 404)
        executions = [execution for execution in executions if execution.workflow_id == workflow_id]
    # Otherwise quirk Q1: the workflow id is ignored; every execution of the caller is listed.
    return api.page(call, executions, _execution_renderer(api))


async def execute(api: Api, call: Call) -> Response:
    workflow_id = canonical_guid(call.params["workflowId"])
    if workflow_id is None:  # surfaces through the plugin pre-check, hence 404 and camelCase
        return api.not_found(INVALID_ID)
    workflow = api.store.workflow(call.user.id, workflow_id)
    if workflow is None:
        return api.not_found(f"No workflow found for id '{workflow_id}'.")
    try:
        execution = api.engine.create_execution(workflow)
    except DefinitionError as error:
        return api.not_found(f"[FSX2432] Failed to start workflow execution. Meesage: {error.args[0]}")
    data = {"workflowId": workflow_id, "executionId": execution.id, "startedAt": api.stamp_utc(execution.start)}
    return api.ok(data, f"Workflow '{workflow_id}' executed successfully!")


def _execution(api: Api, call: Call, workflow_id: str, execution_id: str, any_user: bool = False) -> Any:
    execution = api.store.execution(None if any_user else call.user.id, execution_id)
    if execution is None or execution.workflow_id != workflow_id:
        return None
    return execution


async def execution_details(api: Api, call: Call) -> Response:
    workflow_id, execution_id = api.validated(call, "workflowId", "executionId")
    execution = _execution(api, call, workflow_id, execution_id)
    if execution is not None and api.profile.hide_deleted and api.store.workflow(None, workflow_id) is None:
        execution = None  # Q11: the workflow was (soft-)deleted
    if execution is None:
        return api.not_found(f"[FSX2436] The execution with id '{execution_id}' not found.")
    with api.store.lock:
        data = {
            "workflowId": execution.workflow_id,
            "executionId": execution.id,
            "workflow": json.dumps(execution.definition),
            "status": execution.status,
            "executionStart": api.stamp(execution.start),
            "executionEnd": api.stamp(execution.end),
        }
    return api.ok(data)


async def cancel_execution(api: Api, call: Call) -> Response:
    if api.profile.cancel_parses_ids:  # the validator checks only the execution id; the handler parses
        (execution_id,) = api.validated(call, "executionId")
        workflow_id = api.parsed(call, "workflowId")
    else:
        workflow_id, execution_id = api.validated(call, "workflowId", "executionId")
    if not api.engine.cancel(call.user.id, workflow_id, execution_id):
        return api.not_found(f"[FSX2435] The workflow execution '{execution_id}' not found.")
    return api.ok({}, f"Workflow '{workflow_id}' cancelled successfully!")


async def execution_logs(api: Api, call: Call) -> Response:
    workflow_id, execution_id = api.validated(call, "workflowId", "executionId")
    execution = _execution(api, call, workflow_id, execution_id)
    with api.store.lock:  # the page is cut from the stored list, not from a copy of it
        logs = _readable_logs(api, call, api.store.logs_view(execution_id)) if execution is not None else []
        return api.page(call, logs, _log_renderer(api))


# -- task executions ------------------------------------------------------------------------------------


async def list_tasks(api: Api, call: Call) -> Response:
    workflow_id, execution_id = api.validated(call, "workflowId", "executionId")
    # real: the task queries filter by workflow and execution only, not by user (reference 7.1)
    execution = _execution(api, call, workflow_id, execution_id, any_user=not api.profile.tasks_by_user)
    tasks = api.store.tasks(execution_id) if execution is not None else []
    return api.page(call, tasks, _task_renderer(api))


def _task(api: Api, call: Call, any_user: bool = False) -> tuple[str, Any]:
    workflow_id, execution_id = api.validated(call, "workflowId", "executionId")
    task_id = api.parsed(call, "taskId")
    execution = _execution(api, call, workflow_id, execution_id, any_user)
    task = api.store.task(task_id) if execution is not None else None
    if task is not None and task.execution_id != execution_id:
        task = None
    return workflow_id, task


async def task_details(api: Api, call: Call) -> Response:
    workflow_id, task = _task(api, call, any_user=not api.profile.tasks_by_user)
    if task is None:  # quirk Q8: the message names the workflow id
        return api.not_found(f"[FSX2437] The task execution with id '{workflow_id}' not found.")
    with api.store.lock:
        item = _task_renderer(api)(task)
    return api.ok({key: item[key] for key in ("id", "status", "message", "startTime", "endTime")})


async def task_logs(api: Api, call: Call) -> Response:
    _, task = _task(api, call)
    logs = [log for log in api.store.logs(task.execution_id) if log.task_id == task.id] if task else []
    return api.page(call, _readable_logs(api, call, logs), _log_renderer(api))


# -- approvals ----------------------------------------------------------------------------------------


async def list_approvals(api: Api, call: Call) -> Response:
    workflow_id, execution_id = api.validated(call, "workflowId", "executionId")
    execution = _execution(api, call, workflow_id, execution_id)
    approvals = api.store.approvals(execution_id) if execution is not None else []
    return api.page(call, [a for a in approvals if a.status == PENDING], _approval_renderer(api))


async def approve(api: Api, call: Call) -> Response:
    api.validated(call, "executionId", "approvalId")
    workflow_id = api.parsed(call, "workflowId")
    execution_id = canonical_guid(call.params["executionId"]) or ""
    decision = api.engine.decide(call.user.id, workflow_id, execution_id, approve=True)
    if decision.error is not None or decision.execution is None:
        return api.not_found(decision.error or "")
    # The rest of the run happens inside this request, as on the real server.
    status = await api.engine.resume(decision.execution, call.user.id)
    if status == PAUSED:
        return api.ok({}, f"Workflow '{workflow_id}' paused for manual approval.")
    return api.ok({}, f"Workflow '{workflow_id}' resumed and executed successfully!")


async def reject(api: Api, call: Call) -> Response:
    _, approval_id = api.validated(call, "executionId", "approvalId")
    workflow_id = api.parsed(call, "workflowId")
    execution_id = canonical_guid(call.params["executionId"]) or ""
    decision = api.engine.decide(call.user.id, workflow_id, execution_id, approve=False)
    if decision.error is not None:
        return api.not_found(decision.error)
    return api.ok({}, f"The workflow approval with id '{approval_id}' is rejected.")


# -- logs, metrics, version, health --------------------------------------------------------------------


async def search_logs(api: Api, call: Call) -> Response:
    query = await api.body(call)
    if not isinstance(query, dict):
        query = {}
    level = query.get("level")
    wanted_level = normalise_level(level) if isinstance(level, str) and level else None
    start = _client_time(query.get("fromDate"))
    end = _client_time(query.get("toDate"))
    text = query.get("message")
    needle = text.lower() if isinstance(text, str) and text else None
    matches = [
        log
        for log in api.store.all_logs(call.user.id, by_writer=api.profile.system_logs)
        if (wanted_level is None or log.level == wanted_level)
        and (start is None or log.timestamp >= start)
        and (end is None or log.timestamp <= end)
        and (needle is None or needle in log.message.lower())
    ]
    matches.sort(key=lambda log: log.timestamp, reverse=True)
    return api.page(call, matches[:LOG_SEARCH_CAP], _log_renderer(api))


def _client_time(value: Any) -> int | None:
    return parse_client_timestamp(value) if isinstance(value, str) and value else None


async def metrics(api: Api, call: Call) -> Response:
    today = api.clock.today().date()
    executions = api.store.executions(call.user.id)
    with api.store.lock:
        data = {
            "activeWorkflows": len(api.store.workflows(call.user.id)),
            "runningTasks": sum(1 for e in executions if e.status == RUNNING),
            "completedToday": sum(
                1
                for e in executions
                if e.status == COMPLETED and e.end is not None and datetime_from_ticks(e.end).date() == today
            ),
            "failedWorkflows": sum(1 for e in executions if e.status == FAILED),
        }
    return api.ok(data)


async def version(api: Api, call: Call) -> Response:
    return api.ok({"version": api.emu.version})


async def negotiate(api: Api, call: Call) -> Response:
    hub = api.emu.hub
    if hub.missing():
        return empty_response(404)
    try:
        version = int(call.request.query_params.get("negotiateVersion", "0"))
    except ValueError:
        version = 0
    return json_response(hub.negotiate(call.user, version))


async def health(api: Api, call: Call) -> Response:
    if not api.emu.health_check:
        return empty_response(404)
    checks = [
        {"Component": component, "Status": "Healthy", "Description": None}
        for component in api.profile.health_components
    ]
    return json_response({"Status": "Healthy", "HealthChecks": checks, "HealthCheckDuration": "00:00:00.0012345"})


def _route(method: str, path: str, handler: Handler, access: str | tuple[str, ...]) -> Route:
    segments = tuple(part if part.startswith("{") else part.lower() for part in path.strip("/").split("/"))
    return Route(method, segments, handler, access)


_EXECUTION = "workflows/{workflowId}/executions/{executionId}"
_TASK = f"{_EXECUTION}/tasks/{{taskId}}"
_APPROVAL = f"{_EXECUTION}/approvals/{{approvalId}}"

ROUTES: tuple[Route, ...] = (
    _route("GET", "workflows", list_workflows, WORKFLOW_ROLES),
    _route("POST", "workflows", add_workflow, WORKFLOW_ROLES),
    _route("GET", "workflows/{workflowId}", get_workflow, WORKFLOW_ROLES),
    _route("PUT", "workflows/{workflowId}", update_workflow, WORKFLOW_ROLES),
    _route("DELETE", "workflows/{workflowId}", delete_workflow, WORKFLOW_ROLES),
    _route("GET", "workflows/{workflowId}/executions", list_executions, EXECUTION_ROLES),
    _route("POST", "workflows/{workflowId}/executions", execute, EXECUTION_ROLES),
    _route("GET", _EXECUTION, execution_details, EXECUTION_ROLES),
    _route("POST", f"{_EXECUTION}/cancel", cancel_execution, EXECUTION_ROLES),
    _route("GET", f"{_EXECUTION}/logs", execution_logs, EXECUTION_ROLES),
    _route("GET", f"{_EXECUTION}/tasks", list_tasks, EXECUTION_ROLES),
    _route("GET", _TASK, task_details, EXECUTION_ROLES),
    _route("GET", f"{_TASK}/logs", task_logs, EXECUTION_ROLES),
    _route("GET", f"{_EXECUTION}/approvals", list_approvals, APPROVAL_ROLES),
    _route("POST", f"{_APPROVAL}/approve", approve, APPROVAL_ROLES),
    _route("POST", f"{_APPROVAL}/reject", reject, APPROVAL_ROLES),
    _route("POST", "logs", search_logs, LOG_ROLES),
    _route("GET", "metrics", metrics, IDENTIFIED),
    _route("GET", "version", version, ANONYMOUS),
    _route("GET", "health", health, ANONYMOUS),
    _route("POST", "hubs/workflowExecutions/negotiate", negotiate, AUTHENTICATED),
)
