"""FlowSynx's SignalR hub, ``/hubs/workflowExecutions``: a client of the JSON hub protocol.

What the server sends (reference 9.6): ``WorkflowExecutionUpdated-{workflowId}`` when an
execution is created, ``WorkflowExecutionUpdated`` when one runs, pauses, completes or fails,
``WorkflowTaskExecutionUpdated-{workflowId}-{executionId}`` on every task status. Two of the
three names carry ids, so events are told apart by prefix, not by exact name: that is why
this is our own small client and not a library whose handlers are registered per exact
name (pysignalr's are; it also brings aiohttp, msgpack and orjson, which we need nowhere
else). The tests speak to our emulator's hub with pysignalr too, as an independent check.

One ``HubConnection`` is one connection: negotiate over the REST client (same credentials,
TLS settings and transport), open the WebSocket with the same ``Authorization`` header
(Basic or Bearer; the token never goes into the URL, where proxies log it), handshake,
then ``events()`` yields what arrives until the connection ends. Reconnecting, backing
off and what a lost connection means for polling are the services' business
(``services.live``).

Everything received is checked like a REST answer: ids must be GUIDs, statuses go through
the open enums; an event that does not parse is counted in ``unreadable`` and skipped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from flowsynx_tui.api.client import FlowSynxClient
from flowsynx_tui.api.errors import AuthenticationRequired, ConnectionFailed, FlowSynxError, NotFound
from flowsynx_tui.api.models import ApiModel, ExecutionStatus, Guid, TaskStatus, UtcDatetime

HUB_PATH = "/hubs/workflowExecutions"
RECORD_SEPARATOR = "\x1e"
INVOCATION, PING, CLOSE = 1, 6, 7
#: The server pings every 15 s and drops a client it has not heard from for 30 s.
PING_EVERY = 15.0
SILENCE_LIMIT = 30.0
OPEN_TIMEOUT = 10.0

_CREATED = "workflowexecutionupdated-"
_UPDATED = "workflowexecutionupdated"
_TASK = "workflowtaskexecutionupdated-"


class HubUnavailable(FlowSynxError):
    """The server has no hub (v1.2.x), or something between refuses its WebSocket."""


class HubClosed(FlowSynxError):
    """An open hub connection ended."""

    @property
    def is_transient(self) -> bool:
        return True


class _ExecutionPayload(ApiModel):
    workflow_id: Guid
    execution_id: Guid
    status: ExecutionStatus
    execution_start: UtcDatetime | None = None
    execution_end: UtcDatetime | None = None


class _TaskPayload(ApiModel):
    workflow_id: Guid
    execution_id: Guid
    task_id: Guid
    task_name: str
    status: TaskStatus


@dataclass(frozen=True)
class ExecutionEvent:
    """An execution was created (``created``) or changed status."""

    workflow_id: str
    execution_id: str
    status: ExecutionStatus
    execution_start: datetime | None
    execution_end: datetime | None
    created: bool


@dataclass(frozen=True)
class TaskEvent:
    workflow_id: str
    execution_id: str
    task_id: str
    task_name: str
    status: TaskStatus


HubEvent = ExecutionEvent | TaskEvent


def parse_event(target: str, arguments: object) -> HubEvent | None:
    """The event an invocation carries, or None for one we do not know or cannot read."""
    name = target.lower()
    if not isinstance(arguments, list) or len(arguments) != 1 or not isinstance(arguments[0], dict):
        return None
    payload = arguments[0]
    try:
        if name == _UPDATED or name.startswith(_CREATED):
            execution = _ExecutionPayload.model_validate(payload)
            return ExecutionEvent(
                workflow_id=execution.workflow_id,
                execution_id=execution.execution_id,
                status=execution.status,
                execution_start=execution.execution_start,
                execution_end=execution.execution_end,
                created=name != _UPDATED,
            )
        if name.startswith(_TASK):
            task = _TaskPayload.model_validate(payload)
            return TaskEvent(task.workflow_id, task.execution_id, task.task_id, task.task_name, task.status)
    except ValidationError:
        return None
    return None


def hub_url(base_url: str, token: str | None) -> str:
    """The WebSocket address of the hub under ``base_url`` (``http`` → ``ws``, ``https`` → ``wss``)."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = "wss" if parts.scheme.lower() == "https" else "ws"
    query = f"id={token}" if token else ""
    return urlunsplit((scheme, parts.netloc, parts.path + HUB_PATH, query, ""))


class HubConnection:
    """One open connection to the hub; ``events()`` until it ends (``HubClosed``)."""

    def __init__(self, socket: object) -> None:
        self._socket = socket
        self.unreadable = 0
        self.received = 0
        # What came after the handshake's answer in the same frame.
        self._pending = ""

    @classmethod
    async def open(cls, client: FlowSynxClient, *, open_timeout: float = OPEN_TIMEOUT) -> HubConnection:
        """Negotiate, upgrade and handshake; ``HubUnavailable`` when there is no hub to speak to."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus, WebSocketException

        try:
            negotiated = await client.negotiate_hub()
        except NotFound:
            raise HubUnavailable("the server has no live-update hub (404)", route="POST " + HUB_PATH + "/negotiate") from None
        token = negotiated.get("connectionToken") or negotiated.get("connectionId")
        transports = {str(t.get("transport")) for t in negotiated.get("availableTransports", ()) if isinstance(t, dict)}
        if "WebSockets" not in transports or not isinstance(token, str):
            raise HubUnavailable("the hub offers no WebSocket transport", route="POST " + HUB_PATH + "/negotiate")
        url = hub_url(client.base_url, token)
        headers = {"User-Agent": "flowsynx-tui"}
        if client.credentials is not None:
            headers["Authorization"] = client.credentials.authorization
        route = "WebSocket " + HUB_PATH
        try:
            socket = await connect(
                url,
                additional_headers=headers,
                ssl=client.ssl_context if url.startswith("wss:") else None,
                open_timeout=open_timeout,
                # SignalR has its own pings; the WebSocket's would only double them.
                ping_interval=None,
                max_size=2**20,
                user_agent_header=None,
            )
        except InvalidStatus as error:
            status = error.response.status_code
            if status == 401:
                raise AuthenticationRequired("the hub refused the credentials", route=route, status_code=401) from None
            raise HubUnavailable(f"the hub's WebSocket was refused (HTTP {status})", route=route) from None
        except (InvalidHandshake, WebSocketException) as error:
            raise HubUnavailable(f"the hub's WebSocket was refused ({type(error).__name__})", route=route) from None
        except TimeoutError:
            raise ConnectionFailed(f"the hub did not answer within {open_timeout:g} s", route=route) from None
        except OSError as error:
            raise ConnectionFailed(f"cannot reach the hub ({error.strerror or type(error).__name__})", route=route) from None
        connection = cls(socket)
        try:
            await connection._handshake(open_timeout)
        except BaseException:
            await connection.close()
            raise
        return connection

    async def _handshake(self, timeout: float) -> None:
        socket = self._socket
        await socket.send(json.dumps({"protocol": "json", "version": 1}) + RECORD_SEPARATOR)  # type: ignore[attr-defined]
        try:
            answer = await asyncio.wait_for(socket.recv(), timeout)  # type: ignore[attr-defined]
        except TimeoutError:
            raise HubClosed("the hub did not answer the handshake", route="WebSocket " + HUB_PATH) from None
        except Exception:  # noqa: BLE001 - any end of the socket here is a failed handshake
            raise HubClosed("the hub closed during the handshake", route="WebSocket " + HUB_PATH) from None
        text = answer if isinstance(answer, str) else answer.decode("utf-8", "replace")
        first, _, rest = text.partition(RECORD_SEPARATOR)
        try:
            reply = json.loads(first)
        except ValueError:
            reply = {"error": "not JSON"}
        if not isinstance(reply, dict) or reply.get("error"):
            # The server's handshake error is its own text; only its kind is shown.
            raise HubUnavailable("the hub refused the JSON protocol", route="WebSocket " + HUB_PATH)
        self._pending = rest

    async def events(self) -> AsyncIterator[HubEvent]:
        """Events as they arrive; pings both ways; ``HubClosed`` when the connection ends."""
        from websockets.exceptions import ConnectionClosed

        socket = self._socket
        pinging = asyncio.create_task(self._ping())
        buffered, self._pending = self._pending, ""
        try:
            while True:
                records = buffered.split(RECORD_SEPARATOR)
                buffered = records.pop()  # an unfinished record waits for the rest
                for record in filter(None, records):
                    event = self._read(record)
                    if event is not None:
                        yield event
                try:
                    frame = await asyncio.wait_for(socket.recv(), SILENCE_LIMIT)  # type: ignore[attr-defined]
                except TimeoutError:
                    raise HubClosed(f"the hub was silent for {SILENCE_LIMIT:g} s", route="WebSocket " + HUB_PATH) from None
                except ConnectionClosed:
                    raise HubClosed("the hub connection ended", route="WebSocket " + HUB_PATH) from None
                buffered += frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        finally:
            pinging.cancel()

    def _read(self, record: str) -> HubEvent | None:
        try:
            message = json.loads(record)
        except ValueError:
            self.unreadable += 1
            return None
        if not isinstance(message, dict):
            self.unreadable += 1
            return None
        kind = message.get("type")
        if kind == CLOSE:
            raise HubClosed("the server closed the hub connection", route="WebSocket " + HUB_PATH)
        if kind != INVOCATION:
            return None  # pings, and anything newer
        self.received += 1
        event = parse_event(str(message.get("target", "")), message.get("arguments"))
        if event is None:
            self.unreadable += 1
        return event

    async def _ping(self) -> None:
        ping = json.dumps({"type": PING}) + RECORD_SEPARATOR
        try:
            while True:
                await asyncio.sleep(PING_EVERY)
                await self._socket.send(ping)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a dead socket is noticed by the reader
            return

    async def close(self) -> None:
        try:
            await self._socket.send(json.dumps({"type": CLOSE}) + RECORD_SEPARATOR)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - already gone
            pass
        try:
            await asyncio.wait_for(self._socket.close(), 2.0)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - already gone
            pass
