"""Server text on its way to the terminal: data, never instructions.

Two parts:

- ``flowsynx_tui.text`` against hypothesis: what each helper promises, stated with an
  independent oracle (:func:`spec_one_line`, :func:`spec_cut`, :func:`spec_log_line`)
  written from the module's rule, not from its code;
- the dashboard end to end, over real HTTP against the emulator: one set of hostile
  strings (:data:`HOSTILE`: markup, OSC title / hyperlink / clipboard, CSI, C1 CSI,
  bidi, U+2028, NUL, BEL, 100 KB) through every field of every DTO the dashboard
  shows, on every screen, dialog, toast and the command palette. On each: the app
  still runs, no raw control, bidi or line-separator character reaches the terminal
  (``screen_text``, Textual's own screenshot), and the text is shown literally, i.e.
  exactly as the oracle says (``[@click=app.quit]QUIT[/]`` stays that, ESC shows as
  ``␛``), cut with ``…`` where the field has a limit; clicking such text runs nothing.

One emulator and one app for the whole walk. List screens show one string per row
(a workflow per string, :attr:`World.singles`); screens that show one item at a time
(execution detail, confirm dialogs, palette, a workflow's executions) are visited for
a few workflows whose every field holds a group of the strings (:attr:`World.groups`),
so every string reaches every screen in four visits. Fields the engine fills in itself
(``requestedBy``, statuses) are set on the emulator's records; the version through
``Emulator.version``. The walk collects every miss before failing, so one run names them all.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from itertools import accumulate
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.command import CommandPalette
from textual.content import Content
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

from flowsynx_tui import text
from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.emulator.store import ExecutionRecord, LogRecord, WorkflowRecord
from flowsynx_tui.messages import ExecutionsView, ExecutionView
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.confirm import ConfirmDialog
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.services.status import ServerStatus
from flowsynx_tui.testing import make_app, screen_rows, screen_text, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.logview import LogPane
from flowsynx_tui.widgets.status_header import render_header
from flowsynx_tui.widgets.task_tree import TaskTree

# ------------------------------------------------------------------ the rule, as specified

_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}

#: What must never reach the terminal: C0, DEL, C1, the Unicode line and paragraph
#: separators, bidi embeddings, overrides, isolates and marks.
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _unsafe(character: str) -> bool:
    code = ord(character)
    return code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029) or code in _BIDI


def _stand_in(character: str) -> str:
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ␛ ␇ ␀
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"<{code:02X}>"
    return f"<U+{code:04X}>"


def spec_one_line(value: str) -> str:
    """One line: CR LF, LF or CR is one visible ``⏎``, a tab a space, the rest stand-ins."""
    out: list[str] = []
    at = 0
    while at < len(value):
        if value.startswith("\r\n", at):
            out.append(" ⏎ ")
            at += 2
            continue
        character = value[at]
        if character in "\r\n":
            out.append(" ⏎ ")
        elif character == "\t":
            out.append(" ")
        elif _unsafe(character):
            out.append(_stand_in(character))
        else:
            out.append(character)
        at += 1
    return "".join(out)


def spec_cut(value: str, limit: int) -> str:
    """At most ``limit`` source characters, the last one ``…`` when something was left out."""
    if limit <= 0:
        return ""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def shown(value: str, limit: int = 500) -> str:
    """What ``one_line(value, limit)`` must put on screen."""
    return spec_one_line(spec_cut(value, limit))


def spec_log_line(value: str) -> str:
    """A log row: tabs expanded to columns of 4, every unsafe character (newlines too) a stand-in."""
    return "".join(_stand_in(c) if _unsafe(c) else c for c in value.expandtabs(4))


# ------------------------------------------------------------------ unit: text.py

# Characters and fragments that matter, mixed into arbitrary text so hypothesis meets them often.
_FRAGMENTS = [
    "\x1b", "\x9b", "\x07", "\x00", "\x7f", "\x85", "\r\n", "\r", "\n", "\t", "\u2028", "\u2029",
    "\u202e", "\u202c", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "[", "]", "[/]", "\\", "\\[",
    "[@click=app.quit]", "[bold red]", "[link='x']", "$accent", ":smile:", "…", "⏎", "␛", "<U+202E>",
    "漢", "😀",
]
hostile_text = st.lists(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(_FRAGMENTS)), max_size=60
).map("".join)
limits = st.integers(min_value=-2, max_value=80)
#: No deadline: other suites share this machine's two cores.
thorough = settings(max_examples=200, deadline=None)


@thorough
@given(hostile_text)
def test_one_line_log_line_short_id_leave_nothing_unsafe(value: str) -> None:
    for result in (text.one_line(value), text.log_line(value), text.short_id(value), text.one_line(value, 7)):
        assert not FORBIDDEN.search(result), repr(result)


@thorough
@given(hostile_text)
def test_lines_keeps_newlines_and_nothing_else_unsafe(value: str) -> None:
    result = text.lines(value)
    assert not FORBIDDEN.search(result.replace("\n", "")), repr(result)
    assert result.count("\n") == value.replace("\r\n", "\n").count("\n")


@thorough
@given(hostile_text, limits, hostile_text)
def test_one_line_cuts_to_limit_source_characters_then_makes_them_visible(
    value: str, limit: int, more: str
) -> None:
    """The promise: at most ``limit`` characters of the value are kept (the last one ``…``
    when it was longer), and only then is each unsafe one swapped for its stand-in. So
    the result may be longer than ``limit`` by the stand-ins alone, and nothing after
    the first ``limit`` characters can change it."""
    assert text.one_line(value, limit) == shown(value, limit)
    if not any(_unsafe(c) for c in value):
        assert len(text.one_line(value, limit)) <= max(limit, 0)
    if len(value) > limit:
        assert text.one_line(value + more, limit) == text.one_line(value, limit)


@thorough
@given(hostile_text)
def test_one_line_is_the_specified_rule(value: str) -> None:
    assert text.one_line(value) == shown(value)
    assert text.one_line(None) == ""


@thorough
@given(hostile_text)
def test_log_line_and_short_id_are_the_specified_rule(value: str) -> None:
    assert text.log_line(value) == spec_log_line(value)
    assert text.short_id(value) == spec_one_line(value[:8])


@thorough
@given(hostile_text, st.integers(min_value=1, max_value=80))
def test_lines_is_one_line_per_line(value: str, limit: int) -> None:
    kept = spec_cut(value, limit).replace("\r\n", "\n").split("\n")
    assert text.lines(value, limit) == "\n".join(spec_one_line(part) for part in kept)


@thorough
@given(hostile_text)
def test_markup_literal_reads_back_as_one_line(value: str) -> None:
    """What makes the command palette safe: its markup parser shows the text as written."""
    assert Content.from_markup(text.markup_literal(value)).plain == text.one_line(value)


@thorough
@given(hostile_text, limits)
def test_markup_literal_keeps_the_limit(value: str, limit: int) -> None:
    assert Content.from_markup(text.markup_literal(value, limit)).plain == text.one_line(value, limit)


@thorough
@given(hostile_text, st.sampled_from(["", "bold", "bold red"]))
def test_safe_is_plain_text_without_spans(value: str, style: str) -> None:
    result = text.safe(value, style=style)
    assert result.plain == text.one_line(value)
    assert result.spans == []


def test_known_stand_ins() -> None:
    """The oracle itself, pinned on the hostile strings of the end-to-end part."""
    assert text.one_line("\x1b]2;pwned\x07") == "␛]2;pwned␇"
    assert text.one_line("\x9b2J") == "<9B>2J"
    assert text.one_line("\u202eevil\u202c") == "<U+202E>evil<U+202C>"
    assert text.one_line("a\u2028b\r\nc\td\x00") == "a<U+2028>b ⏎ c d␀"
    assert text.one_line("[@click=app.quit]QUIT[/]") == "[@click=app.quit]QUIT[/]"


# ------------------------------------------------------------------ end to end: the hostile set

HUGE = "[@click=app.quit]BIG[/] \x1b]2;pwned\x07 " + "0123456789abcdef" * 6_400 + "\x1b[2J"  # ~100 KB

#: (label, raw text): one set, through every field below.
HOSTILE: list[tuple[str, str]] = [
    ("markup", "[bold red]x[/]"),
    ("close tag", "[/]"),
    ("click", "[@click=app.quit]QUIT[/]"),
    ("link", '[link="http://e.x"]l[/link]'),
    ("code", "[FSX2441]"),
    ("osc 2 title", "\x1b]2;pwned\x07"),
    ("osc 0 title", "\x1b]0;x\x1b\\"),
    ("osc 8 link", "\x1b]8;;http://e.x\x1b\\l\x1b]8;;\x1b\\"),
    ("osc 52 clipboard", "\x1b]52;c;aGVsbG8=\x07"),
    ("csi clear", "\x1b[2J"),
    ("csi colour", "\x1b[31mred"),
    ("c1 csi", "\x9b2J"),
    ("bidi override", "\u202eevil\u202c"),
    ("bidi isolate", "\u2066x\u2069"),
    ("line separator", "a\u2028b"),
    ("nul", "nul\x00"),
    ("bel", "bell\x07"),
    ("100 KB", HUGE),
]
SHORT = [raw for _, raw in HOSTILE if raw is not HUGE]
LABELS = {raw: label for label, raw in HOSTILE}
#: The header shows 20 characters of the version: the worst ones first.
VERSION = "[/]\x1b]0;x\x07\x9b2J\u202e[@click=app.quit]Q[/]"
#: The gate that used to crash the dashboard, through the "New approval" toast.
TOTALS_GATE = "Check [/] totals"
#: Not a GUID: the item is skipped and named in a "Skipped unreadable data" toast.
BAD_ID = "\x1b]2;pwned\x07[/]"


def bundles(raw_width: int = 55, width: int = 60) -> list[list[str]]:
    """The short strings in groups: one visit to a one-item screen (detail, dialogs,
    palette, titles) shows a whole group. A group fits a name (60 characters, less its
    tag) and takes at most ``width`` cells once made visible. The 100 KB string ends
    the group whose stand-ins take least room, so every field of that workflow is also
    cut where its screen cuts it."""

    def fits(group: list[str]) -> bool:
        joined = " ".join(group)
        return len(joined) <= raw_width and len(spec_one_line(joined)) <= width

    groups: list[list[str]] = []
    for raw in sorted(SHORT, key=lambda raw: -len(spec_one_line(raw))):  # first fit, longest first
        group = next((g for g in groups if fits([*g, raw])), None)
        if group is None:
            groups.append(group := [])
        group.append(raw)
    for group in groups:
        group.sort(key=SHORT.index)
    roomiest = min(groups, key=lambda group: len(spec_one_line(" ".join(group))) - len(" ".join(group)))
    roomiest.append(HUGE)
    return groups


@dataclass
class Entry:
    """A workflow whose every field carries ``raws``, with two executions: one paused at
    its gate (approval, logs, unknown task statuses), one whose status is the raw text."""

    tag: str
    raws: list[str]
    workflow_id: str = ""
    paused: str = ""
    odd: str = ""

    @property
    def label(self) -> str:
        return " + ".join(LABELS[raw] for raw in self.raws)

    @property
    def text(self) -> str:
        return " ".join(self.raws)

    @property
    def name(self) -> str:
        return f"wf{self.tag} {self.text}"

    @property
    def description(self) -> str:
        return f"desc{self.tag} {self.text}"

    @property
    def gate(self) -> str:
        return f"task{self.tag} {self.text}"

    @property
    def comment(self) -> str:
        return f"note{self.tag} {self.text}"

    def task(self, k: int) -> str:
        """A plain task (after the gate): a hostile name, and an unknown status."""
        return f"st{k} {self.raws[k]}"

    def message(self, k: int) -> str:
        return f"msg{self.tag}.{k} {self.raws[k]}"

    def exception(self, k: int) -> str:
        return f"exc{self.tag}.{k} {self.raws[k]}"

    def definition(self) -> dict[str, object]:
        quick = {"Parameters": {"emulator": {"seconds": 0.2}}}
        after_gate = [{"Name": self.task(k), "Type": "Demo:1.0", "FlowControl": {"Dependencies": [self.gate]}}
                      for k in range(len(self.raws))]
        return {
            "Name": self.name,
            "Description": self.description,
            "Tasks": [
                {"Name": "prep", "Type": "Demo:1.0", "Execution": quick},
                {"Name": self.gate, "Type": "Demo:1.0", "FlowControl": {"Dependencies": ["prep"]},
                 "ManualApproval": {"Enabled": True, "Comment": self.comment}, "Execution": quick},
                *after_gate,
            ],
        }


@dataclass
class World:
    server: EmulatorServer
    #: One string each: the list screens show every one in a row of its own.
    singles: list[Entry]
    #: Groups of strings: the screens that show one item (detail, dialogs, palette, titles).
    groups: list[Entry]
    broken_id: str
    broken_refusal: str
    totals_id: str

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    @property
    def everyone(self) -> list[Entry]:
        return self.singles + self.groups


def _log(
    emulator: Emulator, execution: ExecutionRecord, level: str, message: str, exception: str | None = None,
    *, log_id: str | None = None,
) -> LogRecord:
    return LogRecord(
        id=log_id or emulator.ids.new(), user_id=execution.user_id, workflow_id=execution.workflow_id,
        execution_id=execution.id, task_id=None, level=level, message=message, timestamp=emulator.clock.now(),
        exception=exception,
    )


def build_world(server: EmulatorServer) -> World:
    emulator = server.emulator
    store = emulator.store
    singles = [Entry(f"{i:02d}", [raw]) for i, (_, raw) in enumerate(HOSTILE)]
    groups = [Entry(f"G{g}", raws) for g, raws in enumerate(bundles())]
    for entry in singles + groups:
        entry.workflow_id = emulator.add_workflow(entry.definition())
        entry.paused = emulator.start_execution(entry.workflow_id)
        entry.odd = emulator.start_execution(entry.workflow_id)
    for entry in singles + groups:
        emulator.wait_for_status(entry.paused, "Paused", timeout=30)
        emulator.wait_for_status(entry.odd, "Paused", timeout=30)
    for entry in singles + groups:
        # What the engine writes itself is set on its records, as a hostile server would send it.
        with store.lock:
            store.approvals(entry.paused)[0].requested_by = entry.text
            store.set_status(store.execution(None, entry.odd), entry.text)  # an unknown execution status
            tasks = {task.name: task for task in store.tasks(entry.paused)}
            execution = store.execution(None, entry.paused)
            logs = []
            for k, raw in enumerate(entry.raws):
                tasks[entry.task(k)].status = raw  # an unknown task status
                logs += [
                    _log(emulator, execution, "Error", entry.message(k)),
                    _log(emulator, execution, "Error", "failed", entry.exception(k) + "\n   at Hostile.Frame()"),
                    _log(emulator, execution, raw, "unknown level"),  # an unknown level
                ]
            store.add_logs(entry.paused, logs)
    first = groups[0]
    with store.lock:
        # A log entry and a workflow whose ids are not GUIDs: skipped, named in problem toasts.
        store.add_logs(first.paused, [_log(emulator, store.execution(None, first.paused), "Information", BAD_ID,
                                           log_id=BAD_ID)])
        store.add_workflow(WorkflowRecord(
            id=BAD_ID, user_id=emulator.admin.id, name=BAD_ID, definition={"Name": BAD_ID}, schema_url=None,
            modified=emulator.clock.now(),
        ))
    # Starting this one fails: the server refuses the definition, its 404 quoting the task name.
    broken_task = " ".join(SHORT)
    broken_id = emulator.add_workflow({"Name": "broken start", "Tasks": [{"Name": broken_task, "Type": "Demo:1.0"}]})
    with store.lock:
        store.workflow(None, broken_id).definition["Tasks"][0]["ErrorHandling"] = {
            "Strategy": "Retry", "RetryPolicy": {"MaxRetries": -1}
        }
    refusal = (  # the emulator's words, as the server's
        f"[FSX2432] Failed to start workflow execution. Meesage: Task '{broken_task}' has negative MaxRetries: '-1'."
    )
    totals_id = emulator.add_workflow(
        {"Name": "totals run", "Tasks": [
            {"Name": "prep", "Type": "Demo:1.0", "Execution": {"Parameters": {"emulator": {"seconds": 0.2}}}},
            {"Name": TOTALS_GATE, "Type": "Demo:1.0", "FlowControl": {"Dependencies": ["prep"]},
             "ManualApproval": {"Enabled": True, "Comment": "sums match?"}},
        ]}
    )
    emulator.version = VERSION
    return World(server, singles, groups, broken_id, refusal, totals_id)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    server = EmulatorServer(Emulator(seed=False, time_scale=0.02))
    server.start()
    try:
        yield build_world(server)
    finally:
        server.stop()


def test_the_hostile_set_reaches_every_one_item_screen() -> None:
    """Every string is in a group, and every group (but the 100 KB string) fits the
    narrowest one-item field whole: a name, 60 characters."""
    groups = bundles()
    assert sorted(raw for group in groups for raw in group) == sorted(raw for _, raw in HOSTILE)
    for g, group in enumerate(groups):
        name = f"wfG{g} " + " ".join(r for r in group if r is not HUGE)
        assert len(name) <= 60 and len(spec_one_line(name)) <= 65


@pytest.mark.parametrize("raw", [raw for _, raw in HOSTILE], ids=[label for label, _ in HOSTILE])
def test_every_version_string_reads_literally_in_the_header(raw: str) -> None:
    """The end-to-end walk can show one version (it is read once per session); the
    header's rendering of each of the others, here."""
    header = render_header(ServerStatus(url="http://x", user="me", version=raw), now=0.0)
    assert not FORBIDDEN.search(header.plain.replace("\n", ""))
    assert present(header.plain, " · v", Cut(raw), "  ")


@pytest.mark.parametrize("raw", [raw for _, raw in HOSTILE], ids=[label for label, _ in HOSTILE])
def test_every_user_a_token_names_reads_literally_in_the_header(raw: str) -> None:
    """A JWT's claims are whatever its issuer wrote: the header says whose token it is."""
    import base64
    import json as json_module

    from flowsynx_tui.api import BearerCredentials

    claims = base64.urlsafe_b64encode(json_module.dumps({"name": raw}).encode()).decode().rstrip("=")
    who = BearerCredentials(f"e30.{claims}.c2ln").who
    header = render_header(ServerStatus(url="http://x", user=who, version="1.3.0"), now=0.0)
    assert not FORBIDDEN.search(header.plain.replace("\n", ""))
    if len(claims) > 8192:  # not read: a label is not worth decoding 100 KB for
        assert present(header.plain, " · token · v1.3.0")
    elif raw.strip():
        assert present(header.plain, " · token (", Cut(raw.strip()), ") · v1.3.0")


# ------------------------------------------------------------------ reading the screen

#: Wide enough for every column of the inbox, and for the task tree's status column beside a cut 100 KB name.
SIZE = (270, 62)
def region_text(app: FlowSynxApp, widget: Widget | None = None) -> str:
    """What the screen shows (inside ``widget``'s border and padding, if given), row by row."""
    grid = screen_rows(app)
    if widget is None:
        return "\n".join("".join(row) for row in grid)
    region = widget.content_region
    return "\n".join("".join(row[region.x : region.right]) for row in grid[region.y : region.bottom])


def flat(value: str) -> str:
    """Without whitespace: text a widget wrapped compares with what was wrapped."""
    return re.sub(r"\s+", "", value)


@dataclass(frozen=True)
class Cut:
    """Server text in a field the screen may cut to a limit of its own: shown literally,
    whole, or its first ``n >= shortest - 1`` characters followed by ``…``."""

    value: str
    shortest: int = 10

    def __str__(self) -> str:
        return spec_one_line(self.value[:80]) + ("(…)" if len(self.value) > 80 else "")


Expected = tuple[str | Cut, ...]

#: A screen shows at most this many characters of a field; longer values are only ever cut.
_LONGEST_SHOWN = 1000


def _pieces(value: str) -> list[str]:
    """What each character of ``value`` becomes on one line (a CR LF pair is one ``⏎``,
    on its CR), so that the form of any prefix is the join of its pieces."""
    return [
        "" if c == "\n" and value[i - 1 : i] == "\r" else spec_one_line(c)
        for i, c in enumerate(value)
    ]


def present(shot: str, *parts: str | Cut, wrapped: bool = False) -> bool:
    """``parts`` (literal text around at most one :class:`Cut`) are in ``shot``, in a row
    (``wrapped``: in the same words, wherever the widget broke its lines)."""
    norm = flat if wrapped else (lambda value: value)
    haystack = norm(shot)
    cuts = [at for at, part in enumerate(parts) if isinstance(part, Cut)]
    if not cuts:
        return norm("".join(map(str, parts))) in haystack
    assert len(cuts) == 1
    at = cuts[0]
    cut = parts[at]
    assert isinstance(cut, Cut)
    before, after = norm("".join(map(str, parts[:at]))), norm("".join(map(str, parts[at + 1 :])))
    pieces = [norm(piece) for piece in _pieces(cut.value[: _LONGEST_SHOWN + 1])]
    full = "".join(pieces)
    ends = list(accumulate(map(len, pieces), initial=0))  # ends[n]: length of the form of n characters
    whole = len(cut.value) <= _LONGEST_SHOWN
    shortest = min(max(cut.shortest - 1, 0), len(pieces))
    cut_ends = sorted({ends[n] for n in range(shortest, len(pieces))})
    anchor = before + full[: ends[shortest]]
    start = haystack.find(anchor)
    while start >= 0:
        here = start + len(before)
        same = ends[shortest]
        while same < len(full) and here + same < len(haystack) and haystack[here + same] == full[same]:
            same += 1
        if whole and same == len(full) and haystack.startswith(after, here + same):
            return True
        if any(haystack.startswith("…" + after, here + end) for end in cut_ends if end <= same):
            return True
        start = haystack.find(anchor, start + 1)
    return False


class Checks:
    """Every miss of the end-to-end walk, collected, so one run names them all."""

    def __init__(self, app: FlowSynxApp) -> None:
        self.app = app
        self.misses: list[str] = []

    def safe(self, where: str, widget: Widget | None = None) -> str:
        """What is on screen (or in ``widget``), after checking that nothing raw reached it."""
        assert self.app.is_running, f"the app stopped before {where}"
        shot = region_text(self.app, widget)
        raw = FORBIDDEN.findall(screen_text(self.app).replace("\n", "") + shot.replace("\n", ""))
        if raw:
            self.misses.append(f"{where}: raw characters reached the terminal: {sorted({hex(ord(c)) for c in raw})}")
        return shot

    def shows(self, where: str, shot: str, *parts: str | Cut, wrapped: bool = False) -> None:
        if not present(shot, *parts, wrapped=wrapped):
            self.misses.append(f"{where}: {''.join(map(str, parts))!r} not on screen")

    def report(self) -> None:
        assert self.app.is_running, "the app stopped"
        assert not self.misses, f"{len(self.misses)} misses:\n" + "\n".join(self.misses[:60])


async def _calm(pilot: Pilot[None], app: FlowSynxApp) -> None:
    """Toasts cover the bottom right of the screen: clear them before reading what is under."""
    app.clear_notifications()
    await pilot.pause(0.05)


async def _dialog(
    pilot: Pilot[None], app: FlowSynxApp, checks: Checks, key: str, where: str, expected: list[Expected],
    *, click: bool = False,
) -> None:
    """Open a confirm dialog with ``key``, read it (and ``click`` its QUIT), answer no."""
    await pilot.press(key)
    await wait_for_screen(pilot, app, ConfirmDialog, timeout=5)
    box = app.screen.query_one("#confirm-box")
    shot = checks.safe(where, box)
    for parts in expected:
        checks.shows(where, shot, *parts, wrapped=True)
    if click and not await _click_on(pilot, app, box, "QUIT", where):
        checks.misses.append(f"{where}: nothing to click on")
    await pilot.press("n")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog), 5, "the dialog to close")


async def _toast(
    pilot: Pilot[None], app: FlowSynxApp, checks: Checks, title: str, where: str, expected: list[Expected]
) -> tuple[Widget | None, str]:
    """The newest toast titled ``title``: literal in ``app.notices`` and on screen.
    Returns it, and its message as shown."""
    await wait_for(pilot, lambda: any(n.title == title for n in app.notices), 15, f"a {title!r} toast")
    notice = next(n for n in reversed(app.notices) if n.title == title)
    for parts in expected:
        checks.shows(f"{where} (notice)", notice.message, *parts)
    await pilot.pause(0.1)
    toasts = [t for t in app.screen.query("Toast") if flat(title) in flat(region_text(app, t))]
    if not toasts:
        checks.misses.append(f"{where}: no {title!r} toast on screen")
        return None, notice.message
    shot = checks.safe(where, toasts[-1])
    for parts in expected:
        checks.shows(where, shot, *parts, wrapped=True)
    return toasts[-1], notice.message


async def _palette(
    pilot: Pilot[None], app: FlowSynxApp, checks: Checks, query: str, where: str, expected: list[Expected]
) -> None:
    """ctrl+p, type ``query``, read the hits as the palette renders them (it parses markup)."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), 5, "the command palette")
    await pilot.press(*query)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        shot = region_text(app)
        if all(present(shot, *parts) for parts in expected):
            break
        await pilot.pause(0.1)
    shot = checks.safe(where)
    for parts in expected:
        checks.shows(where, shot, *parts)
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), 5, "the palette to close")


async def _click_on(pilot: Pilot[None], app: FlowSynxApp, widget: Widget, needle: str, where: str) -> bool:
    """Click ``needle`` wherever ``widget`` shows it: nothing may run (a ``[@click=…]``
    parsed as markup would quit the app). False if it is not shown."""
    region = widget.content_region
    rows = region_text(app, widget).split("\n")
    hits = [(y, row.find(needle)) for y, row in enumerate(rows) if needle in row]
    screen = app.screen
    for y, x in hits:
        offset = (region.x - widget.region.x + x + len(needle) // 2, region.y - widget.region.y + y)
        await pilot.click(widget, offset=offset)
        await pilot.pause(0.05)
        assert app.is_running, f"{where}: a click on {needle!r} quit the app"
        if app.screen is not screen:  # a click on a table row opens it: that is what it is for
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen, 5, "the screen clicked on")
    return bool(hits)


# ------------------------------------------------------------------ the walk


@pytest.mark.long
async def test_hostile_server_text_is_shown_literally_and_safely_everywhere(world: World) -> None:
    emulator = world.emulator
    app = make_app(world.server.url, refresh=5.0)
    checks = Checks(app)
    overview = app.services.overview
    everyone = world.everyone
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(
            pilot,
            lambda: len(overview.index.workflow_of) == 2 * len(everyone) and app.approvals_swept
            and len(overview.approvals.all()) == len(everyone) and app.services.status.version is not None,
            30,
            "the overview",
        )
        await _toast(pilot, app, checks, "Skipped unreadable data", "problem toast (workflow list)", [("skipped",)])
        # A run reaches its gate while the dashboard watches: "New approval", with no key pressed
        # but the refresh (`r`) that makes the next poll now rather than in five seconds.
        totals = emulator.start_execution(world.totals_id)
        emulator.wait_for_status(totals, "Paused", timeout=10)
        await pilot.press("r")
        await _toast(pilot, app, checks, "New approval", "new approval toast",
                     [(f"totals run: task {TOTALS_GATE} waits for approval",)])
        await pilot.pause(0.3)
        assert app.is_running, "the 'New approval' toast crashed the dashboard"

        # ------------------------------------------------ workflows
        await _calm(pilot, app)
        shot = checks.safe("workflows")
        checks.shows("header: server version", shot, " · v", Cut(VERSION))
        for entry in everyone:
            where = f"workflows: {entry.label}"
            checks.shows(f"{where}: name", shot, Cut(entry.name))
            checks.shows(f"{where}: runs of an unknown status", shot, "?", Cut(entry.text, 8), ":1")

        table = app.screen.query_one(KeyedTable)
        if not await _click_on(pilot, app, table, "QUIT", "workflows table"):
            checks.misses.append("workflows table: nothing to click on")
        for entry in world.groups:
            table.move_cursor(row=table.keys.index(entry.workflow_id))
            await _dialog(pilot, app, checks, "x", f"start dialog: {entry.label}",
                          [("Start a new execution?",), ("Workflow: ", Cut(entry.name))])
        # A start the server refuses with a 404 quoting hostile text: the failure toast quotes it.
        table.move_cursor(row=table.keys.index(world.broken_id))
        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog, timeout=5)
        await _calm(pilot, app)
        await pilot.press("y")
        toast, message = await _toast(pilot, app, checks, "Start failed", "action failure toast",
                                      [(Cut(world.broken_refusal, 200),)])
        for raw in SHORT:  # the message is long enough to quote them all
            checks.shows(f"action failure toast: {LABELS[raw]}", message, spec_one_line(raw))
        if toast is not None and not await _click_on(pilot, app, toast, "QUIT", "action failure toast"):
            checks.misses.append("action failure toast: nothing to click on")

        # ------------------------------------------------ command palette
        # Part of every group's workflow name: their workflows and executions are the hits.
        await _palette(pilot, app, checks, "wfG", "palette", [
            parts
            for entry in world.groups
            for parts in (
                ("workflow ", Cut(entry.name)),
                (f"execution {overview.label(entry.paused)} ", Cut(entry.name)),
                (Cut(entry.text), f" · id {entry.odd[:8]}"),  # the help line: its status
            )
        ])

        # ------------------------------------------------ all executions
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count > 2 * len(everyone), 10,
                       "all executions")
        await _calm(pilot, app)
        shot = checks.safe("all executions")
        for entry in everyone:
            checks.shows(f"all executions: {entry.label}: workflow", shot, Cut(entry.name))
            checks.shows(f"all executions: {entry.label}: status", shot, "? ", Cut(entry.text))

        # ------------------------------------------------ approvals inbox
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == len(everyone) + 1, 10,
                       "every approval")
        await _calm(pilot, app)
        shot = checks.safe("approvals inbox")
        for entry in everyone:
            where = f"approvals inbox: {entry.label}"
            checks.shows(f"{where}: workflow", shot, Cut(entry.name))
            checks.shows(f"{where}: task", shot, Cut(entry.gate))
            checks.shows(f"{where}: comment", shot, Cut(entry.comment))
            checks.shows(f"{where}: requested by", shot, spec_one_line(entry.text[:8]))
        checks.shows("approvals inbox: the gate that used to crash", shot, TOTALS_GATE)
        # Approve and reject ask with the same lines but the verb: half the groups each.
        inbox = app.screen.query_one(KeyedTable)
        for g, entry in enumerate(world.groups):
            approval = next(a for a in overview.approvals.all() if a.execution_id == entry.paused)
            inbox.move_cursor(row=inbox.keys.index(approval.id))
            key, verb = ("a", "Approve") if g % 2 == 0 else ("d", "Reject")
            await _dialog(pilot, app, checks, key, f"{verb.lower()} dialog: {entry.label}", [
                (f"{verb} task ", Cut(entry.gate), "?"),
                ("Workflow: ", Cut(entry.name)),
                ("Task: ", Cut(entry.gate)),
                ("Comment: ", Cut(entry.comment)),
            ], click=_has_click(entry))

        # ------------------------------------------------ one item at a time
        for entry in world.groups:
            await _one_workflow(pilot, app, checks, entry)
            await _execution(pilot, app, checks, entry, problem_toast=entry is world.groups[0])
        await _odd_execution(pilot, app, checks, world.groups[0])

        # ------------------------------------------------ help, over a hostile screen
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen, timeout=5)
        checks.shows("help", checks.safe("help"), "Keys · Execution")
        await pilot.press("escape")
        checks.report()


def _has_click(entry: Entry) -> bool:
    return "[@click=app.quit]QUIT[/]" in entry.raws


async def _one_workflow(pilot: Pilot[None], app: FlowSynxApp, checks: Checks, entry: Entry) -> None:
    app.navigate(ExecutionsView(entry.workflow_id), top_level=True)
    await wait_for_screen(pilot, app, ExecutionsScreen)
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one(KeyedTable).row_count == 2, 10, "its two executions")
    await _calm(pilot, app)
    where = f"executions of {entry.label}"
    shot = checks.safe(where)
    checks.shows(f"{where}: title", shot, "Executions of ", Cut(entry.name), " (2)")
    checks.shows(f"{where}: status", shot, "? ", Cut(entry.text))
    if _has_click(entry) and not await _click_on(pilot, app, screen.query_one("#title", Static), "QUIT", where):
        checks.misses.append(f"{where}: nothing to click on in the title")
    table = screen.query_one(KeyedTable)
    table.move_cursor(row=table.keys.index(entry.odd))
    await _dialog(pilot, app, checks, "c", f"cancel dialog: {entry.label}", [
        ("Cancel this execution?",),
        ("Workflow: ", Cut(entry.name)),
        (f"Execution: {entry.odd[:8]}",),
        ("It is ", Cut(entry.text), ": the server cancels only running executions"),
    ])


async def _open(pilot: Pilot[None], app: FlowSynxApp, workflow_id: str, execution_id: str) -> ExecutionDetailScreen:
    app.navigate(ExecutionView(workflow_id, execution_id), top_level=True)
    await wait_for_screen(pilot, app, ExecutionDetailScreen)
    screen = app.screen
    assert isinstance(screen, ExecutionDetailScreen)
    await wait_for(pilot, lambda: screen.snapshot.details is not None and screen.query_one(TaskTree).row_count > 2,
                   10, "the execution")
    return screen


async def _execution(
    pilot: Pilot[None], app: FlowSynxApp, checks: Checks, entry: Entry, *, problem_toast: bool
) -> None:
    screen = await _open(pilot, app, entry.workflow_id, entry.paused)
    pane = screen.query_one(LogPane)
    await wait_for(pilot, lambda: screen.snapshot.approvals and pane.line_count > 3 * len(entry.raws), 10,
                   "the gate and the logs")
    if problem_toast:  # its logs hold an entry whose id is not a GUID
        await _toast(pilot, app, checks, "Skipped unreadable data", "problem toast (logs)", ["skipped"])
    await pilot.pause(0.1)
    await _calm(pilot, app)
    where = f"execution of {entry.label}"
    shot = checks.safe(where)
    checks.shows(f"{where}: name", shot, Cut(entry.name), " · desc")
    checks.shows(f"{where}: description", shot, " · ", Cut(entry.description))
    checks.shows(f"{where}: approval", shot, "⚑ waiting for approval of task ", Cut(entry.gate), ": note")
    checks.shows(f"{where}: approval comment", shot, ": ", Cut(entry.comment))
    checks.shows(f"{where}: gate in the task tree", shot, "└ ", Cut(entry.gate))
    for k, raw in enumerate(entry.raws):
        # The gate's children, siblings drawn as in a tree: the last one closes it.
        guide = "└ " if k == len(entry.raws) - 1 else "├ "
        checks.shows(f"{where}: task name {LABELS[raw]}", shot, guide, Cut(entry.task(k)))
        checks.shows(f"{where}: task status {LABELS[raw]}", shot, "? ", Cut(raw, 8))
        checks.shows(f"{where}: log message {LABELS[raw]}", shot, spec_log_line(entry.message(k)[:80]))
        exception = spec_log_line(entry.exception(k)[:80])
        checks.shows(f"{where}: log exception {LABELS[raw]}", shot, f"failed  ▸ {exception}")
    if _has_click(entry) and not await _click_on(pilot, app, screen.query_one("#exec-info", Static), "QUIT", where):
        checks.misses.append(f"{where}: nothing to click on in the header")
    # A task's own logs: the log pane names the task.
    tree = screen.query_one(TaskTree)
    tree.move_cursor(row=tree.keys.index(entry.task(0)))
    await pilot.press("enter")
    await wait_for(pilot, lambda: pane.source_label != f"execution {text.short_id(entry.paused)}", 5, "the task's logs")
    await pilot.pause(0.1)
    shot = checks.safe(f"{where}: task logs", pane)
    checks.shows(f"{where}: task logs", shot, "task ", Cut(entry.task(0)), " · ")
    await pilot.press("escape")


async def _odd_execution(pilot: Pilot[None], app: FlowSynxApp, checks: Checks, entry: Entry) -> None:
    await _open(pilot, app, entry.workflow_id, entry.odd)
    await pilot.pause(0.1)
    await _calm(pilot, app)
    where = f"execution with status {entry.label}"
    checks.shows(where, checks.safe(where), "? ", Cut(entry.text), " · started")
