"""Command line: ``flowsynx-tui [options]`` opens the dashboard, ``flowsynx-tui emulator``
serves the FlowSynx-compatible emulator, ``flowsynx-tui --demo`` does both at once,
``flowsynx-tui watch EXECUTION_ID`` follows one execution without a UI (``watch``).

Heavy imports (Textual, uvicorn) are deferred so that ``--help``, ``--version`` and
argument errors answer at once.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flowsynx_tui.config import AUTH_KINDS, ConfigError, Settings, resolve_settings

if TYPE_CHECKING:
    from flowsynx_tui.app import FlowSynxApp
    from flowsynx_tui.terminal import ExitGuard
    from flowsynx_tui.emulator import Emulator

PROG = "flowsynx-tui"


class _Version(argparse.Action):
    """``--version``: the version is looked up only when asked for (see ``flowsynx_tui``)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, default=argparse.SUPPRESS, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from flowsynx_tui import __version__

        print(f"{PROG} {__version__}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    #: The subcommands' parsers, by name (set by ``build_parser``).
    command_parsers: dict[str, argparse.ArgumentParser] = {}

    def error(self, message: str) -> None:  # type: ignore[override]
        # One clear line instead of argparse's usage block; exit code 2 as argparse.
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):  # nan compares false with everything: it passed "<= 0"
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def _execution_id(text: str) -> str:
    from flowsynx_tui.api.values import as_guid, as_guid_prefix

    guid = as_guid(text) or as_guid_prefix(text)
    if guid is None:
        raise argparse.ArgumentTypeError(
            f"{text[:60]!r} is not an execution id (a GUID, or its first digits as the tables show them)"
        )
    return guid


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Watch and steer FlowSynx workflow executions from a terminal.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--url", help="FlowSynx server URL (default http://localhost:6262)")
    parser.add_argument("--token", help="bearer token (prefer FLOWSYNX_TOKEN: arguments are visible to other users)")
    parser.add_argument("--username", help="Basic auth user name")
    parser.add_argument(
        "--password",
        help="Basic auth password; visible to other users of this machine in the process list, "
        "prefer FLOWSYNX_PASSWORD or the login prompt",
    )
    parser.add_argument("--profile", metavar="NAME", help="profile from the config file")
    parser.add_argument("--config", metavar="PATH", type=Path, help="config file (default: user config dir)")
    parser.add_argument("--refresh", metavar="SECONDS", type=_positive_float, help="polling interval (default 2)")
    parser.add_argument("--read-only", action="store_true", help="hide start/cancel/approve/reject")
    parser.add_argument(
        "--background-rate",
        metavar="PER_SECOND",
        type=_positive_float,
        help="requests per second for what is not on screen, e.g. matching runs to workflows (default 20)",
    )
    parser.add_argument(
        "--no-live",
        action="store_true",
        help="do not listen to the server's live-update hub (SignalR); poll only",
    )
    parser.add_argument("--ca-cert", metavar="PATH", help="CA bundle for a server with a private CA")
    parser.add_argument(
        "--system-ca", action="store_true", help="trust the operating system's CA store, e.g. for a corporate CA"
    )
    parser.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (shown as a badge)")
    parser.add_argument(
        "--theme", metavar="NAME", help="a Textual theme, e.g. nord (ctrl+p Theme lists them; the pick is remembered)"
    )
    parser.add_argument("--demo", action="store_true", help="start the built-in emulator with demo data and open it")
    parser.add_argument(
        "--log", metavar="FILE", type=Path, help="append a debug log to FILE (mode 0600; requests, actions, errors)"
    )
    parser.add_argument(
        "--log-level", choices=("info", "debug"), default="info", help="debug adds poll cycles (default info)"
    )
    parser.add_argument(
        "--execution",
        metavar="ID",
        type=_execution_id,
        help="open this execution at start: its full id (found through the details route if no list "
        "shows it), or its first digits (at least 4) as the tables show them",
    )

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.command_parsers = commands.choices
    emulator = commands.add_parser(
        "emulator",
        help="serve the FlowSynx-compatible emulator until Ctrl-C",
        description="Serve a FlowSynx v1.3.0-compatible API with demo workflows.",
    )
    emulator.error = parser.error  # type: ignore[method-assign]
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=_port, default=6262, help="port (default 6262)")
    emulator.add_argument("--auth", choices=AUTH_KINDS, default="none", help="authentication mode (default none)")
    emulator.add_argument(
        "--time-scale", type=_positive_float, default=1.0, help="multiply simulated task durations (0.1 = 10x faster)"
    )
    emulator.add_argument("--workers", type=_positive_int, default=1, help="executions run at once (the real server: 1)")
    emulator.add_argument("--no-seed", action="store_true", help="start without the demo workflows")
    emulator.add_argument(
        "--legacy-log-levels", action="store_true", help="send v1.2.4 log levels (Info/Warn/Fail)"
    )
    emulator.add_argument(
        "--faults",
        metavar="SPEC",
        help="chaos mode, e.g. latency=2,error_rate=0.1; also jitter, drop_rate, malformed_rate, "
        "wrong_types_rate, only=REGEX, hub=missing|blocked, hub_drop_rate, token_requests, token_seconds, seed",
    )
    emulator.add_argument(
        "--fidelity",
        choices=("real", "friendly"),
        default="real",
        help="real (default): the v1.3.0 server's quirks, e.g. engine log lines invisible to callers; "
        "friendly: the kinder behaviour of --demo, engine lines shown",
    )
    emulator.add_argument(
        "--execution-list",
        choices=("all", "by-workflow"),
        default="all",
        help="all (default, as v1.3.0): GET /workflows/{id}/executions lists every execution; "
        "by-workflow: only that workflow's, as the API docs describe",
    )
    _add_watch_command(commands)
    _add_serve_command(commands)
    _add_config_commands(commands)
    return parser


def _epilog() -> str:
    from flowsynx_tui.config import default_config_path

    return (
        "examples:\n"
        f"  {PROG} --demo                           try it on the built-in emulator\n"
        f"  {PROG} --profile prod --read-only       a server from the config file, no actions\n"
        f"  {PROG} watch ID --url https://flowsynx.example.com --timeout 600\n"
        "\n"
        f"config file: {default_config_path()}\n"
        f"  (or --config PATH, or FLOWSYNX_TUI_CONFIG; {PROG} config init writes a template,\n"
        f"  {PROG} config check says what each profile resolves to)\n"
        "environment: FLOWSYNX_URL, FLOWSYNX_TOKEN, FLOWSYNX_USERNAME, FLOWSYNX_PASSWORD,\n"
        "  FLOWSYNX_TUI_CONFIG\n"
        f"shell completion: {PROG} completion bash|zsh|fish"
    )


def _add_config_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = commands.add_parser(
        "config",
        help="where the config file is, check it, or write a template",
        description="path: where the config file is read from; check: validate it and show what "
        "each profile resolves to (secrets masked); init: write a commented template (mode 0600).",
    )
    config.add_argument("action", choices=("path", "check", "init", "profiles"), metavar="{path,check,init}")
    config.add_argument(
        "--config", metavar="PATH", type=Path, default=argparse.SUPPRESS, help="config file (default: user config dir)"
    )
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a completion script; e.g. for bash: "
        f"{PROG} completion bash > ~/.local/share/bash-completion/completions/{PROG}",
    )
    completion.add_argument("shell", choices=("bash", "zsh", "fish"))


def _add_watch_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    watch = commands.add_parser(
        "watch",
        help="follow one execution until it ends; the exit code says how (for scripts and CI)",
        description="Print a line per status change of an execution and its tasks until it ends. "
        "Exit codes: 0 Completed, 1 Failed, 2 bad usage or no such execution, 3 --timeout passed "
        "(server unreachable, or the execution still running), 130 interrupted.",
    )
    watch.add_argument("execution_id", metavar="EXECUTION_ID", help="the execution's id (a GUID)")
    watch.add_argument(
        "--workflow",
        metavar="ID",
        help="its workflow's id (default: found by trying each workflow; needs the workflows role)",
    )
    watch.add_argument(
        "--interval", metavar="SECONDS", type=_positive_float, default=2.0, help="polling interval (default 2)"
    )
    watch.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        help="give up with exit code 3 after this long, unreachable server or not (default: wait for ever)",
    )
    # The dashboard's connection options, accepted after ``watch`` too. SUPPRESS keeps an
    # option given before ``watch`` from being reset by the subcommand's default.
    suppress = argparse.SUPPRESS
    watch.add_argument("--url", default=suppress, help="FlowSynx server URL (default http://localhost:6262)")
    watch.add_argument("--token", default=suppress, help="bearer token (prefer FLOWSYNX_TOKEN)")
    watch.add_argument("--username", default=suppress, help="Basic auth user name")
    watch.add_argument("--password", default=suppress, help="Basic auth password (prefer FLOWSYNX_PASSWORD)")
    watch.add_argument("--profile", metavar="NAME", default=suppress, help="profile from the config file")
    watch.add_argument("--config", metavar="PATH", type=Path, default=suppress, help="config file")
    watch.add_argument("--ca-cert", metavar="PATH", default=suppress, help="CA bundle for a server with a private CA")
    watch.add_argument("--system-ca", action="store_true", default=suppress, help="trust the operating system's CA store")
    watch.add_argument("--insecure", action="store_true", default=suppress, help="do not verify TLS certificates")


def _add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from flowsynx_tui.serve import browser_port

    serve = commands.add_parser(
        "serve",
        help="serve the dashboard to web browsers (textual-serve; pip install 'flowsynx-tui[web]')",
        description="Serve the dashboard in a web browser, one dashboard per browser tab. "
        "textual-serve has no authentication: keep the default 127.0.0.1 and reach it through "
        "an SSH tunnel (ssh -L 8000:127.0.0.1:8000 server).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=browser_port, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers open, when not http://HOST:PORT (a tunnel to another port, a proxy)",
    )
    # The dashboard's options, accepted after ``serve`` too (SUPPRESS: see watch).
    suppress = argparse.SUPPRESS
    serve.add_argument("--url", default=suppress, help="FlowSynx server URL (default http://localhost:6262)")
    serve.add_argument("--token", default=suppress, help="bearer token (prefer FLOWSYNX_TOKEN)")
    serve.add_argument("--username", default=suppress, help="Basic auth user name")
    serve.add_argument("--password", default=suppress, help="Basic auth password (prefer FLOWSYNX_PASSWORD)")
    serve.add_argument("--profile", metavar="NAME", default=suppress, help="profile from the config file")
    serve.add_argument("--config", metavar="PATH", type=Path, default=suppress, help="config file")
    serve.add_argument("--refresh", metavar="SECONDS", type=_positive_float, default=suppress, help="polling interval")
    serve.add_argument("--read-only", action="store_true", default=suppress, help="hide start/cancel/approve/reject")
    serve.add_argument("--background-rate", metavar="PER_SECOND", type=_positive_float, default=suppress)
    serve.add_argument("--no-live", action="store_true", default=suppress, help="poll only")
    serve.add_argument("--ca-cert", metavar="PATH", default=suppress, help="CA bundle for a server with a private CA")
    serve.add_argument("--system-ca", action="store_true", default=suppress, help="trust the operating system's CA store")
    serve.add_argument("--insecure", action="store_true", default=suppress, help="do not verify TLS certificates")
    serve.add_argument("--execution", metavar="ID", type=_execution_id, default=suppress, help="open this execution")
    serve.add_argument("--theme", metavar="NAME", default=suppress, help="a Textual theme, e.g. nord")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # Said by the command they were given to ("flowsynx-tui watch: error: …"), as its
        # other errors are, not by the top level.
        owner = parser.command_parsers.get(args.command or "", parser)
        owner.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command in ("config", "completion"):
            from flowsynx_tui.config_cli import run_config_command

            return run_config_command(parser, args)
        if getattr(args, "config", None) is not None and not args.config.exists():
            raise ConfigError(f"config file {args.config}: no such file")
        if args.command == "emulator":
            return _run_emulator(args)
        if args.command == "watch":
            return _run_watch(args)
        if args.command == "serve":
            from flowsynx_tui.serve import run_serve

            return run_serve(args, _settings(args))
        if args.log is not None:
            _start_log(args.log, args.log_level)
        if args.demo:
            return _run_demo(args)
        settings = _settings(args)
    except ConfigError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    return _run_dashboard(settings, execution=args.execution)


def _start_log(path: Path, level: str) -> None:
    from flowsynx_tui import debuglog

    try:
        debuglog.start(path, level)
    except OSError as error:
        raise ConfigError(f"--log {path}: {error.strerror or error}") from None


def _settings(args: argparse.Namespace, url: str | None = None) -> Settings:
    return resolve_settings(
        url=url or args.url,
        token=args.token,
        username=args.username,
        password=args.password,
        profile=args.profile,
        refresh=args.refresh,
        read_only=args.read_only,
        background_rate=getattr(args, "background_rate", None),
        live=False if getattr(args, "no_live", False) else None,
        ca_cert=args.ca_cert,
        system_ca=args.system_ca or None,
        insecure=args.insecure,
        theme=getattr(args, "theme", None),
        config_path=args.config,
    )


def _run_emulator(args: argparse.Namespace) -> int:
    from flowsynx_tui.emulator import Faults, run_emulator

    faults = None
    if args.faults:
        try:
            faults = Faults.parse(args.faults)
        except ValueError as error:
            raise ConfigError(f"--faults: {error}") from None
    try:
        run_emulator(
            host=args.host,
            port=args.port,
            auth=args.auth,
            time_scale=args.time_scale,
            faults=faults,
            seed=not args.no_seed,
            workers=args.workers,
            legacy_log_levels=args.legacy_log_levels,
            fidelity=args.fidelity,
            execution_list=args.execution_list,
        )
    except OSError as error:
        raise ConfigError(f"cannot serve on {args.host}:{args.port}: {error.strerror or error}") from None
    return 0


def _run_watch(args: argparse.Namespace) -> int:
    if args.demo:
        raise ConfigError("--demo opens the dashboard; give watch a server with --url")
    settings = _settings(args)
    from flowsynx_tui.watch import WatchOptions, run_watch

    for warning in settings.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    options = WatchOptions(args.execution_id, args.workflow, args.interval, args.timeout)
    return run_watch(settings, options)


def demo_emulator() -> Emulator:
    """The demo's server: the friendly profile (engine lines visible, as the header's badge says)."""
    from flowsynx_tui.emulator import Emulator

    return Emulator(auth="none", time_scale=1.0, fidelity="friendly")


def _run_demo(args: argparse.Namespace) -> int:
    from flowsynx_tui.emulator import EmulatorServer

    server = EmulatorServer(demo_emulator(), host="127.0.0.1", port=0)
    server.start()
    try:
        settings = _settings(args, url=server.url)
        return _run_dashboard(settings, demo=True, execution=args.execution)
    finally:
        server.stop()


def _run_dashboard(settings: Settings, *, demo: bool = False, execution: str | None = None) -> int:
    from flowsynx_tui import gc_policy

    gc_policy.starting()
    from flowsynx_tui.app import FlowSynxApp

    for warning in settings.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    app = FlowSynxApp(settings, demo=demo, open_execution=execution)
    guard = _exit_cleanly_on_signals(app)
    gc_policy.settle()
    try:
        app.run()
    except OSError:
        # Textual prints an error report on its way out; to a vanished terminal that fails
        # too (EIO). The hang-up is what ended the app: its status, not a second traceback.
        if guard.cause is None:
            raise
        import logging

        logging.getLogger("flowsynx_tui").warning("an error report was lost with the terminal")
        return guard.exit_code(1)
    return guard.exit_code(app.return_code or 0)


def _exit_cleanly_on_signals(app: FlowSynxApp) -> ExitGuard:
    """SIGTERM, SIGHUP (an SSH drop) and SIGQUIT leave through Textual's own exit, so the
    terminal is restored; a vanished terminal counts as SIGHUP, and the process ends within
    a few seconds even if the exit does not (``flowsynx_tui.terminal``)."""
    from flowsynx_tui.terminal import ExitGuard, guarded_driver

    guard = ExitGuard(app.exit_from_signal)
    try:
        from textual.drivers.linux_driver import LinuxDriver
    except ImportError:  # pragma: no cover - not a POSIX terminal
        pass
    else:
        if app.driver_class is LinuxDriver:  # not TEXTUAL_DRIVER's, nor the web's
            app.driver_class = guarded_driver(LinuxDriver, guard.terminal_gone)
    guard.install()
    return guard


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
