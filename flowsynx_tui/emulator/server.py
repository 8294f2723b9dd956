"""Serving an ``Emulator`` over real HTTP with uvicorn: in a background thread, or blocking (CLI)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import sys
import threading
import time
from datetime import datetime
from types import TracebackType
from typing import TextIO

import uvicorn

from .auth import DEMO_USERS
from .core import Emulator
from .faults import DroppedConnection, Faults

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


class _HideDeliberateDrops(logging.Filter):
    """uvicorn logs every exception escaping the app; dropped connections are on purpose.

    It also logs an error for every WebSocket upgrade refused with an HTTP status (the hub's
    401/403/404), though the ASGI denial response it sent was complete: not an error here.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.getMessage() == "ASGI callable returned without completing handshake.":
            return False
        return not isinstance(error, DroppedConnection)


_DROP_FILTER = _HideDeliberateDrops()


def _config(emulator: Emulator, log_level: str) -> uvicorn.Config:
    config = uvicorn.Config(
        emulator.app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        # An approve holds its request open until the resumed run ends; don't wait for that.
        timeout_graceful_shutdown=1,
    )
    logging.getLogger("uvicorn.error").addFilter(_DROP_FILTER)
    return config


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets that say so,
    # and without it every response waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # Lets restart() take the same port again while old connections sit in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class EmulatorServer:
    """Runs uvicorn on its own thread and event loop; the emulator's engine lives on that loop."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start serving; returns once the port accepts connections."""
        if self.running:
            return
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(_config(self.emulator, self._log_level))
        self._server = server
        self._thread = threading.Thread(target=self._serve, args=(server, sock), name="flowsynx-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"emulator did not start on {self.url}")
            time.sleep(0.01)

    def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        finally:
            sock.close()
            loop.close()
            self._loop = None

    def stop(self) -> None:
        """Stop serving; emulator state is kept, and runs in progress continue after ``start``."""
        if not self.running or self._server is None or self._thread is None:
            return
        loop = self._loop
        if loop is not None and loop.is_running():
            # Stop the engine first so in-flight approve requests end and shutdown is quick.
            future = asyncio.run_coroutine_threadsafe(self.emulator.engine.detach(), loop)
            try:
                future.result(_STOP_TIMEOUT)
            except Exception:  # the loop may already be going down; uvicorn's shutdown follows
                pass
        self._server.should_exit = True
        self._thread.join(_STOP_TIMEOUT)
        self._thread = None
        self._server = None

    def restart(self) -> None:
        """Stop and start again on the same port (for reconnect tests)."""
        self.stop()
        self.start()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def banner(emulator: Emulator, url: str) -> str:
    if emulator.auth == "basic":
        users = ", ".join(f"{name}/{demo.password} ({'+'.join(demo.user.roles)})" for name, demo in DEMO_USERS.items())
        auth = f"auth basic, users {users}"
    elif emulator.auth == "bearer":
        auth = "auth bearer (tokens below; demo users " + ", ".join(DEMO_USERS) + ")"
    else:
        auth = "auth none (everyone is admin)"
    return (
        f"FlowSynx emulator 1.3.0 on {url} - {auth} - fidelity {emulator.fidelity}, "
        f"execution list {emulator.execution_list} - faults: {emulator.faults.describe()}"
    )


def run_emulator(
    host: str = "127.0.0.1",
    port: int = 6262,
    auth: str = "none",
    time_scale: float = 1.0,
    faults: Faults | str | None = None,
    *,
    seed: bool = True,
    frozen: bool = False,
    base_time: datetime | None = None,
    legacy_log_levels: bool = False,
    workers: int = 1,
    health_check: bool = False,
    fidelity: str = "friendly",
    execution_list: str = "all",
    log_level: str = "warning",
    out: TextIO | None = None,
) -> None:
    """Serve an emulator in the foreground until Ctrl-C. ``faults`` may be a ``Faults.parse`` spec.

    ``fidelity`` and ``execution_list`` are ``Emulator``'s (the ``emulator`` command passes
    ``fidelity="real"`` unless told otherwise).
    """
    out = out or sys.stdout
    emulator = Emulator(
        auth=auth,
        time_scale=time_scale,
        seed=seed,
        frozen=frozen,
        base_time=base_time,
        legacy_log_levels=legacy_log_levels,
        workers=workers,
        faults=Faults.parse(faults) if isinstance(faults, str) else faults,
        health_check=health_check,
        fidelity=fidelity,
        execution_list=execution_list,
    )
    sock = _bind(host, port)
    url = f"http://{host}:{sock.getsockname()[1]}"
    if not is_loopback(host):
        print(f"warning: binding to {host}: reachable from other machines", file=sys.stderr)
    print(banner(emulator, url), file=out)
    if auth == "bearer":
        for name in ("admin", "operator", "viewer"):
            print(f"  {name} token (24 h): {emulator.issue_token(name, 86_400)}", file=out)
    out.flush()
    server = uvicorn.Server(_config(emulator, log_level))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
