"""ASGI middleware: request recording plus the version header (outermost), and fault injection."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Awaitable, Callable, MutableMapping

from .faults import DroppedConnection, Faults, reserialise, truncated_json

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SERVER_VERSION = "1.3.0"

# Keys the inner layers leave in the ASGI scope for the recorder.
USER_KEY = "flowsynx.user"
FAULT_KEY = "flowsynx.fault"
#: Set on a request whose credentials the fault switches expired (``token_requests``, ``token_seconds``).
EXPIRED_KEY = "flowsynx.expired"
#: The challenge of a 401 to an expired bearer token.
EXPIRED_CHALLENGE = 'Bearer error="invalid_token", error_description="The token expired"'

ANONYMOUS_PATHS = frozenset({"/version", "/health"})


def normalised_path(path: str) -> str:
    """Routing is case-insensitive and ignores a trailing slash, as in ASP.NET Core."""
    stripped = path.rstrip("/").lower()
    return stripped or "/"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    status: int
    user: str | None
    user_id: str | None
    fault: str | None
    at: datetime


class RequestLog(list[RecordedRequest]):
    """Append-only list of requests; appends are serialised so readers never see torn state."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self)


class Recorder:
    """Adds ``flowsynx-version`` to every response and records each request's final status.

    The record is appended before the response head goes out: with an empty body the head
    alone completes the response, so a client that has its response can rely on the
    record being there.
    """

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self._app = app
        self._log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        status: list[int] = []

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                self._record(scope, message["status"])
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"flowsynx-version"]
                message = {**message, "headers": [*headers, (b"flowsynx-version", SERVER_VERSION.encode())]}
            await send(message)

        try:
            await self._app(scope, receive, send_with_header)
        except DroppedConnection:
            if not status:
                self._record(scope, 500)
            raise

    def _record(self, scope: Scope, status: int) -> None:
        user = scope.get(USER_KEY)
        self._log.record(
            RecordedRequest(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                status=status,
                user=getattr(user, "name", None),
                user_id=getattr(user, "id", None),
                fault=scope.get(FAULT_KEY),
                at=datetime.now(UTC),
            )
        )


class FaultInjector:
    def __init__(
        self,
        app: ASGIApp,
        faults: Callable[[], Faults],
        now_utc: Callable[[], str],
    ) -> None:
        self._app = app
        self._faults = faults
        self._now_utc = now_utc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        faults = self._faults()
        protected = normalised_path(scope["path"]) not in ANONYMOUS_PATHS
        if protected and faults.count_token_use():
            # The credentials stop working: each route answers as it does a request without
            # an identity, a 401 for most and, on v1.3.0, a 404 from /metrics (Q14).
            scope[FAULT_KEY] = "token"
            scope[EXPIRED_KEY] = True
            await self._app(scope, receive, send)
            return
        if not faults.applies_to(scope["path"]):
            await self._app(scope, receive, send)
            return
        delay = faults.delay()
        if delay > 0:
            scope[FAULT_KEY] = "latency"
            await asyncio.sleep(delay)
        if faults.roll(faults.error_rate):
            scope[FAULT_KEY] = "error"
            await self._send_error(send, faults)
            return
        if not (faults.drop_rate or faults.malformed_rate or faults.wrong_types_rate):
            await self._app(scope, receive, send)
            return
        await self._tamper(scope, receive, send, faults)

    async def _tamper(self, scope: Scope, receive: Receive, send: Send, faults: Faults) -> None:
        start, body = await _buffered(self._app, scope, receive)
        is_json = bool(body) and any(
            name.lower() == b"content-type" and b"json" in value for name, value in start.get("headers", [])
        )
        if faults.roll(faults.drop_rate):
            scope[FAULT_KEY] = "drop"
            await send(_with_length(start, len(body) + 1))
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            raise DroppedConnection()
        if is_json and faults.roll(faults.malformed_rate):
            scope[FAULT_KEY] = "malformed"
            start, body = {**start, "status": 200}, truncated_json(body)
        elif is_json and faults.roll(faults.wrong_types_rate):
            changed = reserialise(body, faults.pick)
            if changed is not None:
                scope[FAULT_KEY] = "wrong_types"
                body = changed
        await send(_with_length(start, len(body)))
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _send_error(self, send: Send, faults: Faults) -> None:
        if faults.pick([True, False]):
            body = json.dumps(
                {
                    "Data": None,
                    "Messages": ["[FSX9999] An unexpected error occurred (emulated fault)."],
                    "Succeeded": False,
                    "GeneratedAtUtc": self._now_utc(),
                },
                separators=(",", ":"),
            ).encode()
            headers = [(b"content-type", b"application/json; charset=utf-8")]
            start = {"type": "http.response.start", "status": 500, "headers": headers}
        else:
            body = b""
            start = {"type": "http.response.start", "status": 503, "headers": []}
        await send(_with_length(start, len(body)))
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _buffered(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    start: Message = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start, b"".join(chunks)


def _with_length(start: Message, length: int) -> Message:
    headers = [h for h in start.get("headers", []) if h[0].lower() != b"content-length"]
    return {**start, "headers": [*headers, (b"content-length", str(length).encode())]}
