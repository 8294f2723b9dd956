"""Web mode: ``flowsynx-tui serve`` puts the dashboard in a browser through textual-serve.

textual-serve starts one dashboard process per browser session from a shell command line,
so the dashboard's flags are turned back into arguments for it. Credentials travel in that
process's environment instead (``FLOWSYNX_TOKEN``, ``FLOWSYNX_PASSWORD``, which the
dashboard reads anyway): a command line is readable by every user of the machine (``ps``).

textual-serve has no authentication: whoever reaches the port drives a dashboard signed in
with these credentials. Hence loopback by default, and a loud warning for anything else.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flowsynx_tui.config import ConfigError, Settings, validate_url

PROG = "flowsynx-tui"
INSTALL_HINT = (
    f"{PROG}: error: web mode needs textual-serve, which is not installed: "
    "pip install 'flowsynx-tui[web]' (or pip install textual-serve)"
)

# Namespace attribute -> the dashboard flag that carries it to each session's process.
# Credentials are not here: they go through the environment (see _secret_environment).
_VALUE_FLAGS = (
    ("url", "--url"),
    ("profile", "--profile"),
    ("config", "--config"),
    ("refresh", "--refresh"),
    ("background_rate", "--background-rate"),
    ("ca_cert", "--ca-cert"),
    ("execution", "--execution"),
    ("theme", "--theme"),
)
_SWITCH_FLAGS = (
    ("read_only", "--read-only"),
    ("no_live", "--no-live"),
    ("insecure", "--insecure"),
    ("system_ca", "--system-ca"),
)
# Paths are made absolute: the session's process must not depend on where it is started.
_PATH_FLAGS = frozenset({"config", "ca_cert"})


@dataclass(frozen=True)
class ServePlan:
    """What ``serve`` runs: where it listens and the command each browser session starts."""

    host: str
    port: int
    public_url: str
    command: str
    #: Set in the session processes' environment, never on their command line.
    environment: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: The banner for a bind other machines can reach.
    exposure: tuple[str, ...] = ()
    origins: frozenset[str] = frozenset()


def browser_port(text: str) -> int:
    """``--port``: textual-serve writes the port into the page, so 0 (any port) cannot work."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return value


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        # A name other than localhost may resolve anywhere: treat it as exposed.
        return False


def exposure_warning(host: str, port: int) -> tuple[str, ...]:
    """The loud lines for a non-loopback bind; empty for loopback."""
    if is_loopback_host(host):
        return ()
    shown = host or "all interfaces"
    return (
        "!" * 78,
        f"WARNING: serving the dashboard on {shown}:{port}, reachable from other machines.",
        "textual-serve has NO authentication: anyone who can open this address gets a",
        "dashboard signed in with these credentials, and can approve, reject, cancel and start.",
        "Prefer the default --host 127.0.0.1 and an SSH tunnel from your own machine:",
        f"    ssh -L {port}:127.0.0.1:{port} server    then open http://127.0.0.1:{port}",
        "!" * 78,
    )


def dashboard_arguments(args: argparse.Namespace) -> list[str]:
    """The dashboard flags given to ``serve``, as arguments for a session's process."""
    argv: list[str] = []
    for name, flag in _VALUE_FLAGS:
        value = getattr(args, name, None)
        if value is None:
            continue
        if name in _PATH_FLAGS:
            value = Path(value).expanduser().absolute()
        argv += [flag, str(value)]
    argv += [flag for name, flag in _SWITCH_FLAGS if getattr(args, name, False)]
    return argv


def _secret_environment(args: argparse.Namespace) -> dict[str, str]:
    # A flag outranks the environment, and a session has no flag: putting the flag's value in
    # the variable keeps what the user asked for (flags > environment > profile).
    environment = {}
    for name, variable in (("token", "FLOWSYNX_TOKEN"), ("username", "FLOWSYNX_USERNAME"),
                           ("password", "FLOWSYNX_PASSWORD")):
        value = getattr(args, name, None)
        if value:
            environment[variable] = value
    return environment


def session_command(arguments: Sequence[str], python: str | None = None) -> str:
    """The shell command line textual-serve runs per session (it runs it through a shell)."""
    return shlex.join([python or sys.executable, "-m", "flowsynx_tui", *arguments])


def plan(args: argparse.Namespace, settings: Settings) -> ServePlan:
    """Check ``serve``'s own options; raises ``ConfigError`` with a one-line message."""
    if getattr(args, "demo", False):
        raise ConfigError("serve shows a server: give it --url or --profile (--demo is for the terminal)")
    port = args.port
    host = args.host
    public_url = validate_url(args.public_url or f"http://{_url_host(host)}:{port}")
    exposure = exposure_warning(host, port)
    if exposure and not args.public_url and host in ("", "0.0.0.0", "::"):
        # The page connects back to the address it names, and no browser can reach 0.0.0.0.
        exposure += (f"{PROG}: give --public-url http://THIS-MACHINE:{port}, the address browsers open",)
    return ServePlan(
        host=host,
        port=port,
        public_url=public_url,
        command=session_command(dashboard_arguments(args)),
        environment=_secret_environment(args),
        warnings=settings.warnings,
        exposure=exposure,
        origins=allowed_origins(public_url, host, port),
    )


def allowed_origins(public_url: str, host: str, port: int) -> frozenset[str]:
    """Pages that may open a session: this server's own, under its loopback names too.

    Browsers let any web page open a WebSocket to 127.0.0.1, so without this check every
    site an approver visits could drive their dashboard (through an SSH tunnel as well).
    A DNS-rebound name is refused too: its origin is the attacker's name.
    """
    origins: set[str] = set()
    for url in (public_url, f"http://{_url_host(host)}:{port}"):
        parts = urlsplit(url)
        names = [parts.hostname or ""]
        if is_loopback_host(names[0]):
            names = ["127.0.0.1", "localhost", "::1"]
        origins |= {_origin(parts.scheme, name, parts.port) for name in names}
    return frozenset(origins)


def _origin(scheme: str, name: str, port: int | None) -> str:
    """As a browser writes it in the ``Origin`` header: no default port, IPv6 in brackets."""
    scheme, name = scheme.lower(), name.lower()
    if ":" in name:
        name = f"[{name}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{name}" + (f":{port}" if port not in (None, default) else "")


def _url_host(host: str) -> str:
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    serve_plan = plan(args, settings)
    try:
        server_class = _server_class()
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    for warning in serve_plan.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    for line in serve_plan.exposure:
        print(line, file=sys.stderr)
    # textual-serve gives each session a copy of this process's environment.
    os.environ.update(serve_plan.environment)
    server = server_class(
        serve_plan.command,
        host=serve_plan.host,
        port=serve_plan.port,
        title=PROG,
        public_url=serve_plan.public_url,
    )
    server.origins = serve_plan.origins
    try:
        server.serve()
    except OSError as error:
        raise ConfigError(
            f"cannot serve on {serve_plan.host}:{serve_plan.port}: {error.strerror or error}"
        ) from None
    return 0


def _server_class() -> type:
    """textual-serve's server, refusing sessions opened from other pages (``allowed_origins``)
    and to be shown in other pages' frames."""
    from aiohttp import web
    from textual_serve.server import Server

    from flowsynx_tui.text import one_line

    async def refuse_framing(_request: web.Request, response: web.StreamResponse) -> None:
        # Another site could show the page in a (transparent) frame and have the approver
        # click and type into it: approve, reject, cancel. The session's own origin check
        # does not see that, as the framed page is ours.
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"

    class OriginCheckingServer(Server):
        origins: frozenset[str] = frozenset()

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.on_response_prepare.append(refuse_framing)
            return app

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            origin = request.headers.get("Origin")
            # No Origin: not a browser, so no page to speak for; such a client could reach the
            # port anyway, which is the documented lack of authentication.
            if origin is not None and origin.rstrip("/").lower() not in self.origins:
                print(
                    f"{PROG}: refused a session opened from {one_line(origin, 200)!r}, not from "
                    f"{self.public_url} (a tunnel to another port needs --public-url)",
                    file=sys.stderr,
                )
                raise web.HTTPForbidden(text="This page may not open a dashboard session.\n")
            return await super().handle_websocket(request)

    return OriginCheckingServer
