"""The two header lines on every screen: where we are connected and what waits for us."""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.cells import cell_len
from rich.text import Text

from flowsynx_tui.services.clock import Clock
from flowsynx_tui.services.status import ConnectionState, ServerStatus
from flowsynx_tui.text import one_line, with_short_ids
from flowsynx_tui.widgets.steady import SteadyStatic


class StatusHeader(SteadyStatic):
    """Renders a ``ServerStatus`` (kept current by the services) against the one clock."""

    DEFAULT_CLASSES = "status-header"

    def __init__(self, status: ServerStatus, clock: Clock, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.status = status
        self.clock = clock

    def on_mount(self) -> None:
        # Once a second, so "retrying in Ns" and "data 12s old" count down by themselves.
        self.set_interval(1.0, self.refresh_info)
        self.refresh_info()

    def refresh_info(self) -> None:
        if not self.screen.is_current:
            return  # hidden under another screen: redrawn when it comes back
        self.update(render_header(self.status, self.clock.monotonic(), self.size.width or None))

    def on_resize(self) -> None:
        self.refresh_info()


def render_header(info: ServerStatus, now: float, width: int | None = None) -> Text:
    """Both lines; the first made to fit ``width`` by leaving out what matters least (the
    version, the user, the URL's scheme and path, the state's longer words), then by
    shortening the server's host, so that neither the connection's state nor which server
    it is about is cut off (the server goes last, when not even a few letters of it fit)."""
    line = Text(no_wrap=True, overflow="ellipsis")
    server_room: int | None = None
    # A line cut short ends in "…" in its last cell: with a reason after the state, the
    # state keeps clear of that cell ("failing for 31…" lost its unit).
    more = 1 if info.connection.reason or info.connection.route else 0
    for leave_out in range(len(_LEFT_OUT_FIRST) + 1):
        # What must show whole: the state, when it retries and how old the data is. The
        # reason and the request after them may be cut.
        left_out = frozenset(_LEFT_OUT_FIRST[:leave_out])
        if width is None or _first_line(info, now, left_out, brief=True).cell_len <= width - more:
            break
    else:
        # Still too wide: the host gets what is left beside the state, if that is enough to
        # tell servers apart; else only the state shows.
        without = _first_line(info, now, left_out | {"url"}, brief=True).cell_len
        server_room = width - more - without - 2  # type: ignore[operator]  # width is set here
        if server_room < _SERVER_AT_LEAST:
            left_out, server_room = left_out | {"url"}, None
    line.append_text(_first_line(info, now, left_out, server_room=server_room))
    line.append("\n")
    line.append_text(_second_line(info, width))
    return line


def _second_line(info: ServerStatus, width: int | None) -> Text:
    """The server's counts and what waits for a decision. The approvals waiting are what an
    operator opens the dashboard for: a narrow terminal shortens the counts' words, then
    puts the approvals first, as the line is cut at its end."""
    waiting = ""
    if info.approvals_waiting:
        plural = "approval" if info.approvals_waiting == 1 else "approvals"
        waiting = f"⚑ {info.approvals_waiting}{'+' if info.approvals_unknown else ''} {plural} waiting"
        if info.approvals_stuck:
            waiting += f" ({info.approvals_stuck} stuck)"
    elif info.approvals_unknown:
        waiting = "⚑ approvals unknown"
    metrics = info.metrics
    if metrics is not None:
        counts = (metrics.active_workflows, metrics.running_tasks, metrics.completed_today, metrics.failed_workflows)
        variants = [
            "active {} · running {} · completed today {} · failed {}".format(*counts),
            "active {} · running {} · today {} · failed {}".format(*counts),
            "act {} · run {} · today {} · fail {}".format(*counts),
        ]
    elif info.metrics_missing:
        variants = ["metrics unavailable", "metrics –"]
    else:
        variants = ["metrics –"]
    shown, waiting_first = variants[0], False
    if width is not None:
        room = width - 3 - cell_len(waiting) if waiting else width
        fitting = [variant for variant in variants if cell_len(variant) <= room]
        shown, waiting_first = (fitting[0], False) if fitting else (variants[-1], bool(waiting))
    line = Text(no_wrap=True, overflow="ellipsis")
    if waiting_first:
        line.append(waiting, style="bold magenta")
        line.append("   ")
    line.append(shown, style="dim")
    if waiting and not waiting_first:
        line.append("   ")
        line.append(waiting, style="bold magenta")
    if info.matching_text:
        line.append(f"   {info.matching_text}", style="dim")
    return line


#: What a narrow header leaves out, in this order, before the server's host is shortened.
#: "path": the URL as host and port; "words": the state's shorter wording.
_LEFT_OUT_FIRST = ("version", "user", "scheme", "name", "path", "words")
#: The fewest cells a shortened server may take ("flow…:6262"): fewer tell no server apart.
_SERVER_AT_LEAST = 10


def _server_text(url: str, left_out: frozenset[str] = frozenset(), room: int | None = None) -> str:
    """The server as the header names it: the whole URL, without its scheme, as host and
    port (``path`` left out), and, given ``room``, its host cut to fit before the port
    ("flowsynx.exa…:6262"): the port often tells apart servers on one host."""
    shown = one_line(url, 80)
    if "scheme" in left_out:
        shown = shown.split("://", 1)[-1]
    if "path" in left_out:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:  # not a port: what was typed stays, to be seen wrong
            port = -1
        if parts.hostname and port != -1:
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            shown = one_line(f"{host}:{port}" if port else host, 80)
    if room is not None and cell_len(shown) > room:
        host, colon, port = shown.rpartition(":")
        if not colon or not port.isdigit() or cell_len(port) + 3 > room:
            host, colon, port = shown, "", ""
        kept = Text(host)
        kept.truncate(room - cell_len(colon + port), overflow="ellipsis")
        shown = kept.plain + colon + port
    return shown


def _first_line(
    info: ServerStatus, now: float, left_out: frozenset[str], *, brief: bool = False, server_room: int | None = None
) -> Text:
    line = Text()
    line.append("◆ " if "name" in left_out else "◆ FlowSynx ", style="bold")
    if info.profile:
        line.append(f"[{one_line(info.profile, 20)}] ", style="bold reverse")
    if "url" not in left_out:
        line.append(_server_text(info.url, left_out, server_room), style="underline")
        if "user" not in left_out:
            line.append(f" · {one_line(info.user, 60)}")
        if "version" not in left_out and info.version:
            line.append(f" · v{one_line(info.version, 20)}")
        line.append("  ")
    line.append_text(
        connection_text(
            info.connection, now, info.url, brief=brief, sign_in_key=info.sign_in_key, terse="words" in left_out
        )
    )
    if info.connection.state == "ok":
        # How news arrives; without colour the words say it.
        line.append(" · live" if info.updates == "live" else " · polling", style="bold" if info.updates == "live" else "dim")
    for badge in info.badges:
        line.append("  ")
        line.append(f" {badge} ", style="reverse bold")
    return line


def connection_text(
    connection: ConnectionState,
    now: float,
    url: str = "",
    *,
    brief: bool = False,
    sign_in_key: str = "L",
    terse: bool = False,
) -> Text:
    """``terse``: the shorter wording a narrow header takes to keep its server in view."""
    state = connection.state
    if state == "ok":
        return Text("● connected", style="green")
    if state == "connecting":
        return Text("◌ connecting…", style="yellow")
    # What matters first, as the line is cut at the terminal's width: when the next try
    # is, how old the data on screen is, why, and last which request failed.
    retry = connection.retry_in(now)
    if state == "partial":
        # The server answers; one part of a read failed.
        # Tersely, the dot still says what "connected" does (the other states have no dot).
        parts = ["● ⚠ a read failed" if terse else "● connected · ⚠ a read failed"]
    elif connection.auth_failed:
        # Once the sign-in dialog was turned down, only this line says how to get it back.
        parts = [f"✘ not signed in · {sign_in_key} signs in"]
    else:
        parts = [("↻ reconnecting" if state == "retrying" else "✘ error")]
    if retry is not None:
        parts.append(f"{'again' if state == 'partial' else 'retrying'} in {retry}s")
    if connection.last_ok is not None and state == "partial":
        # The rest is read on time: "data 434s old" beside lists that were fresh read as all
        # of it. It is the part named at the end that has failed since.
        parts.append(f"failing for {int(now - connection.last_ok)}s")
    elif connection.last_ok is not None:
        parts.append(f"data {int(now - connection.last_ok)}s old")
    if connection.reason and not brief:
        # The server's address is at the start of the line already.
        reason = connection.reason.replace(url, "the server") if url else connection.reason
        parts.append(with_short_ids(reason, 90))
    if connection.route and not brief:
        parts.append(with_short_ids(connection.route, 60))
    style = "yellow" if state == "partial" else "bold yellow" if state == "retrying" else "bold red"
    return Text(" · ".join(parts), style=style)
