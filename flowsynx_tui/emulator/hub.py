"""The server's SignalR hub, ``/hubs/workflowExecutions``, as v1.3.0 serves it (reference 9.6).

What a client meets:

* ``POST /hubs/workflowExecutions/negotiate?negotiateVersion=1`` (authenticated like any
  route: 401 without an identity) answers a connection id and token and the transports;
  only WebSockets is served here (the server also offers Server-Sent Events and long
  polling, which no client of ours uses, so they are not listed).
* The WebSocket ``/hubs/workflowExecutions?id=<connectionToken>`` (or without ``id``: a
  client that skips negotiation), authenticated again on the upgrade: the ``Authorization``
  header, or for bearer tokens ``?access_token=`` as browsers send it. An unknown token is
  404, a missing identity 401, both before the upgrade.
* The JSON hub protocol: the client's handshake ``{"protocol":"json","version":1}`` and the
  server's ``{}``, every message ended by the record separator 0x1E; a ping (``{"type":6}``)
  every ``keepalive`` seconds; a client silent for ``client_timeout`` seconds is dropped;
  an invocation of a hub method gets a completion with "Unknown hub method" (the hub has
  none); a clean shutdown sends ``{"type":7}``.
* Events go to every connection of the execution's owner (no groups), only those the engine
  publishes (see ``Engine.events``): nothing for log lines, approvals, approve or reject,
  and nothing is replayed to a client that reconnects.

Fault switches (``Faults.hub``): ``missing`` answers 404 to negotiate and upgrade, as a
v1.2.x server does; ``blocked`` negotiates but refuses the upgrade, as a proxy that does not
pass WebSockets does; ``hub_drop_rate`` cuts a connection without a close message before an
event or ping with that probability.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .auth import Authenticator, User
from .faults import Faults
from .middleware import FAULT_KEY, USER_KEY, Receive, Scope, Send

_log = logging.getLogger(__name__)

HUB_PATH = "/hubs/workflowexecutions"
NEGOTIATE_PATH = HUB_PATH + "/negotiate"
RECORD_SEPARATOR = "\x1e"
INVOCATION, COMPLETION, PING, CLOSE = 1, 3, 6, 7
_HANDSHAKE_TIMEOUT = 15.0


def frame(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":")) + RECORD_SEPARATOR


@dataclass(eq=False)
class _Connection:
    user_id: str
    token: str
    outbox: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    open: bool = False


class Hub:
    """Connections by user, and the ASGI side of negotiate and the WebSocket."""

    def __init__(self, authenticator: Authenticator, faults: Callable[[], Faults]) -> None:
        self._authenticator = authenticator
        self._faults = faults
        self.keepalive = 15.0
        self.client_timeout = 30.0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Negotiated, not yet (or no longer) connected, by connection token.
        self._negotiated: dict[str, str] = {}
        self._connections: list[_Connection] = []
        #: Events sent, for tests: (user id, target, payload).
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    # ------------------------------------------------------------------ publishing
    @property
    def connected(self) -> int:
        with self._lock:
            return sum(1 for connection in self._connections if connection.open)

    def publish(self, user_id: str, target: str, payload: dict[str, Any]) -> None:
        """Send an event to every connection of ``user_id``; callable from any thread."""
        text = frame({"type": INVOCATION, "target": target, "arguments": [payload]})
        with self._lock:
            receivers = [c for c in self._connections if c.user_id == user_id and c.open]
            self.sent.append((user_id, target, payload))
            loop = self._loop
        if loop is None or not receivers or loop.is_closed():
            return
        for connection in receivers:
            try:
                loop.call_soon_threadsafe(connection.outbox.put_nowait, text)
            except RuntimeError:  # the loop closed between the check and the call
                return

    def drop_all(self) -> None:
        """Cut every connection without a close message (tests: a network drop)."""
        with self._lock:
            connections, loop = list(self._connections), self._loop
        if loop is None or loop.is_closed():
            return
        for connection in connections:
            loop.call_soon_threadsafe(connection.outbox.put_nowait, None)

    # ------------------------------------------------------------------ negotiate
    def negotiate(self, user: User, version: int) -> dict[str, Any]:
        token = _connection_id()
        connection_id = _connection_id()
        with self._lock:
            self._negotiated[token if version >= 1 else connection_id] = user.id
        answer: dict[str, Any] = {
            "connectionId": connection_id,
            "availableTransports": [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}],
        }
        if version >= 1:
            answer = {"negotiateVersion": 1, **answer, "connectionToken": token}
        else:
            answer = {"negotiateVersion": 0, **answer}
        return answer

    def missing(self) -> bool:
        return self._faults().hub == "missing"

    # ------------------------------------------------------------------ WebSocket
    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One WebSocket connection, from the upgrade request to its close."""
        self._loop = asyncio.get_running_loop()
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        authorization = headers.get("authorization")
        if authorization is None and "access_token" in query and self._authenticator.mode == "bearer":
            authorization = "Bearer " + query["access_token"][0]
        faults = self._faults()
        if faults.hub == "missing":
            await _deny(scope, send, 404)
            return
        if faults.hub == "blocked":
            scope[FAULT_KEY] = "hub_blocked"
            await _deny(scope, send, 403)
            return
        identity = self._authenticator.identify(authorization)
        if identity.user is None:
            await _deny(scope, send, 401)
            return
        scope[USER_KEY] = identity.user
        token = query.get("id", [None])[0]
        if token is not None:
            with self._lock:
                owner = self._negotiated.pop(token, None)
            if owner is None or owner != identity.user.id:
                await _deny(scope, send, 404)
                return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        connection = _Connection(identity.user.id, token or _connection_id())
        try:
            if not await self._handshake(receive, send, connection):
                return
            await self._run(connection, receive, send)
        finally:
            connection.open = False
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)

    async def _handshake(self, receive: Receive, send: Send, connection: _Connection) -> bool:
        try:
            message = await asyncio.wait_for(receive(), _HANDSHAKE_TIMEOUT)
        except TimeoutError:
            await send({"type": "websocket.close", "code": 1000})
            return False
        if message["type"] != "websocket.receive":
            return False
        text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
        request, _, _rest = text.partition(RECORD_SEPARATOR)
        try:
            handshake = json.loads(request)
            protocol, version = handshake["protocol"], handshake["version"]
        except (ValueError, KeyError, TypeError):
            await send({"type": "websocket.send", "text": frame({"error": "Handshake was canceled."})})
            await send({"type": "websocket.close", "code": 1000})
            return False
        if protocol != "json":
            error = f"The protocol '{protocol}' is not supported."
        elif version != 1:
            error = f"The server does not support version {version} of the 'json' protocol."
        else:
            # Listed before the answer goes out: an event from that moment on is delivered
            # (after the answer), as the server adds the connection before completing it.
            connection.open = True
            with self._lock:
                self._connections.append(connection)
            await send({"type": "websocket.send", "text": "{}" + RECORD_SEPARATOR})
            return True
        await send({"type": "websocket.send", "text": frame({"error": error})})
        await send({"type": "websocket.close", "code": 1000})
        return False

    async def _run(self, connection: _Connection, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()

        async def reader() -> None:
            nonlocal last_heard
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                last_heard = loop.time()
                text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
                for record in filter(None, text.split(RECORD_SEPARATOR)):
                    reply = _answer(record)
                    if reply == "close":
                        return
                    if reply is not None:
                        connection.outbox.put_nowait(reply)

        async def pinger() -> None:
            while True:
                await asyncio.sleep(self.keepalive)
                connection.outbox.put_nowait(frame({"type": PING}))

        reading = asyncio.create_task(reader())
        pinging = asyncio.create_task(pinger())
        code = 1000
        try:
            while not reading.done():
                timeout = max(0.0, last_heard + self.client_timeout - loop.time())
                getting = asyncio.create_task(connection.outbox.get())
                done, _ = await asyncio.wait({getting, reading}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if getting not in done:
                    getting.cancel()
                    if not reading.done() and loop.time() - last_heard >= self.client_timeout:
                        code = 1011  # the server aborts a silent client without a close message
                        return
                    continue
                text = getting.result()
                faults = self._faults()
                if text is None or faults.roll(faults.hub_drop_rate):
                    code = 1011  # cut: no close message, as a dropped link looks to the client
                    return
                await send({"type": "websocket.send", "text": text})
        finally:
            reading.cancel()
            pinging.cancel()
            try:
                await send({"type": "websocket.close", "code": code})
            except Exception:  # noqa: BLE001 - the client may be gone already
                pass

    async def close_all(self) -> None:
        """Server shutdown: a close message to every connection."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.outbox.put_nowait(frame({"type": CLOSE}))
            connection.outbox.put_nowait(None)


def _answer(record: str) -> str | None:
    """The reply to one message from a client, ``"close"`` to end, or None."""
    try:
        message = json.loads(record)
    except ValueError:
        return "close"
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == CLOSE:
        return "close"
    if kind == INVOCATION and message.get("invocationId") is not None:
        target = str(message.get("target"))
        return frame({"type": COMPLETION, "invocationId": message["invocationId"], "error": f"Unknown hub method '{target}'"})
    return None


async def _deny(scope: Scope, send: Send, status: int) -> None:
    """Refuse the upgrade with an HTTP status (ASGI's WebSocket denial response), or with
    403 where the ASGI server cannot send one."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
    await send({"type": "websocket.http.response.body", "body": b""})


def _connection_id() -> str:
    return secrets.token_urlsafe(16)[:22]
