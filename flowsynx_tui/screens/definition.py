"""A workflow definition as JSON: pretty-printed, highlighted, scrollable, searchable.

Shows a workflow's definition (``GET /workflows/{id}``), the snapshot an execution runs
(``GET …/executions/{id}``), or one task's object of that snapshot. The text is server
text: every line is made safe with ``text.log_line`` (escape sequences, C1 controls and
bidi overrides become visible stand-ins) before Rich's JSON highlighter styles it, and it
is never parsed as markup. It is read once, through a one-shot poll job.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.highlighter import JSONHighlighter
from rich.text import Span, Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Static

from flowsynx_tui.messages import DefinitionLoaded, PollFailed
from flowsynx_tui.screens.base import DashboardScreen, Selection
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.services import DefinitionText, PollJob, Services
from flowsynx_tui.text import cut, log_line, one_line
from flowsynx_tui.widgets.focus import FIELD_OPENERS, FieldInput, focus_now
from flowsynx_tui.widgets.pager import Pager
from flowsynx_tui.widgets.steady import SteadyStatic

#: Bounds of what is laid out: a hostile definition must not make every redraw slow.
MAX_LINES = 20_000
MAX_LINE_LENGTH = 4_000


@dataclass(frozen=True)
class Document:
    """What the viewer shows: safe lines, their highlighted text, and notes about them."""

    lines: tuple[str, ...]
    text: Text
    valid_json: bool
    #: Said above the text (plain, safe): why it is raw, or that a task was not found.
    note: str = ""
    #: A task's type, dependencies, error handling and approval gate in one line (safe).
    summary: str = ""

    def find(self, needle: str) -> list[tuple[int, int, int]]:
        """Every case-insensitive occurrence of ``needle``: (line, start, end) in characters."""
        if not needle:
            return []
        pattern = re.compile(re.escape(needle), re.IGNORECASE)
        return [
            (index, match.start(), match.end())
            for index, line in enumerate(self.lines)
            for match in pattern.finditer(line)
        ]


def _lowered(value: Any) -> dict[str, Any]:
    return {str(key).lower(): item for key, item in value.items()} if isinstance(value, dict) else {}


def _names(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def find_task(definition: Any, name: str) -> dict[str, Any] | None:
    """The object of task ``name`` in a definition's ``Tasks`` (keys case-insensitive, as the
    server reads them; workflow details wrap the definition as ``{"Schema", "Workflow"}``)."""
    top = _lowered(definition)
    if isinstance(top.get("workflow"), dict):
        top = _lowered(top["workflow"])
    listed = top.get("tasks")
    tasks = [task for task in listed if isinstance(task, dict)] if isinstance(listed, list) else []
    for same in (lambda other: other == name, lambda other: other.casefold() == name.casefold()):
        for task in tasks:
            task_name = _lowered(task).get("name")
            if isinstance(task_name, str) and same(task_name):
                return task
    return None


def task_summary(task: dict[str, Any]) -> str:
    """Type, dependencies, error handling and approval gate of one task, in one safe line.
    Dependencies are in ``FlowControl`` in v1.3.0 and on the task in v1.2.x."""
    raw = _lowered(task)
    flow = _lowered(raw.get("flowcontrol"))
    task_type = raw.get("type")
    if isinstance(task_type, dict):
        plugin = _lowered(task_type)
        task_type = ":".join(str(part) for part in (plugin.get("plugin"), plugin.get("version")) if part)
    parts = [f"type {one_line(task_type, 80) if task_type else '–'}"]
    dependencies = _names(flow.get("dependencies")) or _names(raw.get("dependencies"))
    parts.append(f"after {one_line(', '.join(dependencies), 120)}" if dependencies else "no dependencies")
    on_failure = _names(flow.get("runonfailureof")) or _names(raw.get("runonfailureof"))
    if on_failure:
        parts.append(f"runs on failure of {one_line(', '.join(on_failure), 120)}")
    handling = _lowered(raw.get("errorhandling"))
    strategy = handling.get("strategy")
    policy = _lowered(handling.get("retrypolicy"))
    if strategy or policy:
        text = f"on error: {one_line(strategy or 'default', 30)}"
        if policy:
            retries = policy.get("maxretries")
            backoff = policy.get("backoffstrategy")
            details = [f"{one_line(retries, 10)} retries" if retries is not None else "", one_line(backoff or "", 30)]
            if any(details):
                text += f" ({', '.join(d for d in details if d)})"
        parts.append(text)
    else:
        parts.append("on error: the workflow's handling")
    gate = _lowered(raw.get("manualapproval"))
    if gate.get("enabled"):
        comment = gate.get("comment") or gate.get("instructions")
        parts.append(f"⚑ manual approval{': ' + one_line(comment, 120) if comment else ''}")
    return " · ".join(parts)


def _safe_lines(value: str) -> tuple[list[str], bool]:
    """``value`` as lines made safe to show, bounded; True when something was cut."""
    raw = value.replace("\r\n", "\n").split("\n")
    cut_short = len(raw) > MAX_LINES
    shown = []
    for line in raw[:MAX_LINES]:
        if len(line) > MAX_LINE_LENGTH:
            cut_short = True
            line = cut(line, MAX_LINE_LENGTH)
        shown.append(log_line(line))
    return shown, cut_short


def build_document(raw: str | None, task_name: str | None = None) -> Document:
    """The definition text as the viewer shows it (pure: no widgets)."""
    if not raw:
        return Document((), Text(), valid_json=False, note="The server sent no definition.")
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError) as error:
        shown, cut_short = _safe_lines(raw)
        note = f"Not valid JSON ({one_line(error, 120)}): shown as the server sent it."
        if cut_short:
            note += " Long, so cut."
        return Document(tuple(shown), Text("\n".join(shown)), valid_json=False, note=note)
    note = summary = ""
    shown_object: Any = parsed
    if task_name is not None:
        task = find_task(parsed, task_name)
        if task is None:
            note = f"No task named {one_line(task_name, 80)} in this definition: the whole definition is shown."
        else:
            shown_object = task
            summary = task_summary(task)
    try:
        pretty = json.dumps(shown_object, indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # nested too deep to print again
        pretty = raw
    shown, cut_short = _safe_lines(pretty)
    if cut_short:
        note = (note + " " if note else "") + "Long, so cut."
    text = Text("\n".join(shown))
    JSONHighlighter().highlight(text)
    return Document(tuple(shown), text, valid_json=True, note=note, summary=summary)


#: At most this many rows are made by wrapping: past them (a hostile definition of thousands
#: of huge lines) the lines stay whole, and scroll sideways as before.
MAX_WRAPPED_ROWS = 20_000


@dataclass(frozen=True)
class Wrapped:
    """A document's text with its long lines wrapped to a width, and where: a line longer
    than the view is broken (at a space when one is near) into rows indented under it, as
    a long string value in a definition was cut off at 80 columns."""

    text: Text
    #: Offsets in the document's text (lines joined by newlines) where a row was broken.
    breaks: tuple[int, ...]
    #: Characters put in (a newline and the indent) by the breaks up to each one, from 0.
    inserted: tuple[int, ...]
    #: Some long lines were left whole (``MAX_WRAPPED_ROWS``).
    capped: bool = False

    def shift(self, offset: int, *, end: bool = False) -> int:
        """Where ``offset`` of the document's text is in the wrapped text; ``end``: as the
        end of a range (before a break there, not after it)."""
        return _shifted(self.breaks, self.inserted, offset, end=end)

    def pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        """The range from ``start`` to ``end`` of the document's text in the wrapped text: a
        range on each row it is drawn on."""
        breaks = self.breaks
        inside = breaks[bisect_right(breaks, start) : bisect_left(breaks, end)]
        return [(self.shift(a), self.shift(b, end=True)) for a, b in zip((start, *inside), (*inside, end))]

    def place(self, line: int, offset: int) -> tuple[int, int]:
        """The row ``offset`` of the document's text (on its ``line``) is drawn on, and the
        cells before it on that row."""
        at = self.shift(offset)
        plain = self.text.plain
        return line + bisect_right(self.breaks, offset), cell_len(plain[plain.rfind("\n", 0, at) + 1 : at])


def wrap_document(document: Document, width: int, starts: list[int]) -> Wrapped:
    """``document``'s text with the lines wider than ``width`` cells broken into rows that fit
    (pure; ``starts``: where each line starts in the text)."""
    breaks: list[int] = []
    indents: list[str] = []
    capped = False
    for index, line in enumerate(document.lines):
        if width < 8 or len(line) <= width // 2:
            continue
        ends = _cell_ends(line)
        if (len(line) if ends is None else ends[-1]) <= width:
            continue
        if len(breaks) > MAX_WRAPPED_ROWS:
            capped = True
            continue
        # Under the line's own start, a little in: a value's rows read as one, apart from the next key.
        indent = min(len(line) - len(line.lstrip(" ")) + 2, width // 2)
        position, room = 0, width
        while True:
            end = _fitting(line, ends, position, room)
            if end >= len(line):
                break
            space = line.rfind(" ", position + 1, end)
            if space > position + room // 2:
                end = space + 1  # after the space: the word goes whole onto the next row
            breaks.append(starts[index] + end)
            indents.append(" " * indent)
            position, room = end, width - indent
    if not breaks:
        return Wrapped(document.text, (), (0,), capped)
    plain = document.text.plain
    pieces: list[str] = []
    inserted = [0]
    previous = 0
    for offset, indent in zip(breaks, indents):
        pieces += [plain[previous:offset], "\n", indent]
        inserted.append(inserted[-1] + 1 + len(indent))
        previous = offset
    pieces.append(plain[previous:])
    wrapped = Wrapped(Text("".join(pieces)), tuple(breaks), tuple(inserted), capped)
    # Cut at the breaks: the indent put in is not part of the string (nor of a match).
    wrapped.text.spans[:] = [
        Span(start, end, span.style) for span in document.text.spans for start, end in wrapped.pieces(span.start, span.end)
    ]
    return wrapped


def _shifted(breaks: Sequence[int], inserted: Sequence[int], offset: int, *, end: bool = False) -> int:
    found = bisect_left(breaks, offset) if end else bisect_right(breaks, offset)
    return offset + inserted[found]


def _cell_ends(line: str) -> list[int] | None:
    """The cells ``line`` takes up to the end of each of its characters; None when each
    takes one (the usual: a line is its length wide), found without a call per character."""
    if line.isascii() or all(cell_len(character) == 1 for character in set(line)):
        return None
    return list(accumulate(map(cell_len, line)))


def _fitting(line: str, ends: list[int] | None, position: int, room: int) -> int:
    """The end of the longest part of ``line`` from ``position`` that fits in ``room`` cells
    (one character at least, so a wide one in a narrow room still moves on)."""
    if ends is None:
        return min(len(line), position + room)
    before = ends[position - 1] if position else 0
    return max(bisect_right(ends, before + room), position + 1)


class DefinitionBody(Static):
    """The definition's text; matches of the search are painted over it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"definition-body--match", "definition-body--match-current"}


class DefinitionScreen(DashboardScreen):
    TITLE_TEXT = "Definition"
    CSS_PATH = "definition.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, as the lists' filter: the keys typed right after it are the needle.
        Binding(FIELD_OPENERS["definition.search"], "search", "Search", id="definition.search", priority=True),
        Binding("n", "next_match", "Next match", show=False, id="definition.next_match"),
        Binding("N", "prev_match", "Prev match", show=False, id="definition.prev_match"),
    ]
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (Pager,)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search" and isinstance(self.focused, Input):
            return False  # a "/" in the needle
        return super().check_action(action, parameters)

    def __init__(
        self,
        services: Services,
        workflow_id: str,
        *,
        execution_id: str | None = None,
        task_name: str | None = None,
    ) -> None:
        super().__init__(services)
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.task_name = task_name
        self.source = services.definition(workflow_id, execution_id)
        self.loaded: DefinitionText | None = None
        self.document: Document | None = None
        self.error: str | None = None
        self.needle = ""
        self.matches: list[tuple[int, int, int]] = []
        self.current = -1
        #: The document last wrapped, the width it was wrapped to, and how.
        self._wrapped: tuple[Document, int, Wrapped] | None = None

    # ------------------------------------------------------------ layout
    def compose_body(self) -> ComposeResult:
        yield SteadyStatic(self._title(), classes="screen-title", id="title")
        yield SteadyStatic("", id="definition-note")
        with _DefinitionPager(id="definition-scroll"):
            yield DefinitionBody(Text("loading…", style="dim"), id="definition-body", markup=False)
        yield _DefinitionSearch(placeholder="search (enter: keep, escape: clear)", id="definition-search", compact=True)
        yield SteadyStatic("", id="definition-status", markup=False)

    def subscriptions(self) -> list[PollJob[object]]:
        return [self.source.job()]

    def on_mount(self) -> None:
        if not built(self):
            return
        self.query_one("#definition-search", Input).display = False
        self.query_one("#definition-note", Static).display = False
        self.query_one("#definition-scroll", Pager).focus()
        self._update_status()

    def _title(self) -> Text:
        overview = self.services.overview
        name = self.loaded.name if self.loaded is not None and self.loaded.name else overview.workflow_name(self.workflow_id)
        title = Text(no_wrap=True, overflow="ellipsis")
        if self.execution_id is None:
            title.append(f"Definition of workflow {one_line(name, 60)}")
            return title
        label = overview.label(self.execution_id)
        if self.task_name is not None:
            title.append(f"Definition of task {one_line(self.task_name, 60)} · execution {label}")
        else:
            title.append(f"Definition of execution {label} (the snapshot it runs)")
        title.append(f" · {one_line(name, 60)}")
        return title

    # ------------------------------------------------------------ data
    @on(DefinitionLoaded)
    def _definition_loaded(self, message: DefinitionLoaded) -> None:
        if message.definition.source is not self.source:
            return
        self.loaded = message.definition
        self.error = None
        self.document = build_document(self.loaded.text, self.task_name)
        if self.needle:
            self._search(self.needle)
        self.redraw()

    @on(PollFailed)
    def _definition_unreadable(self, message: PollFailed) -> None:
        if message.key == self.source.key:
            self.error = str(message.error)
            self.redraw()

    def refresh_view(self) -> None:
        self.query_one("#title", Static).update(self._title())
        note = self.query_one("#definition-note", Static)
        body = self.query_one(DefinitionBody)
        document = self.document
        notes = Text()
        if self.error is not None:
            notes.append("Could not read the definition: ", style="bold")
            notes.append(one_line(self.error, 400), style="bold red")
            if document is not None:
                notes.append(" (showing what was read before)", style="dim")
        if document is not None and document.summary:
            notes.append("\n" if notes else "")
            notes.append(document.summary)
        if document is not None and document.note:
            notes.append("\n" if notes else "")
            notes.append(document.note, style="yellow")
        note.update(notes)
        note.display = bool(notes)
        if document is None:
            body.update(Text("loading…" if self.error is None else "", style="dim"))
        else:
            body.update(self._painted(document))
        self._update_status()

    def _wrap(self, document: Document) -> Wrapped:
        """The document wrapped to the view's width (kept until either changes)."""
        # The body's padding is a cell either side; the scrollbar's gutter is kept (CSS),
        # so a wrap that makes the text taller than the view does not narrow it.
        width = self.query_one("#definition-scroll", Pager).scrollable_content_region.width - 2
        known = self._wrapped
        if known is None or known[0] is not document or known[1] != width:
            known = self._wrapped = (document, width, wrap_document(document, width, self._line_starts(document)))
        return known[2]

    def _painted(self, document: Document) -> Text:
        wrapped = self._wrap(document)
        if not self.matches:
            return wrapped.text
        body = self.query_one(DefinitionBody)
        match_style = body.get_component_rich_style("definition-body--match")
        current_style = body.get_component_rich_style("definition-body--match-current")
        starts = self._line_starts(document)
        text = wrapped.text.copy()
        for index, (line, start, end) in enumerate(self.matches):
            style = current_style if index == self.current else match_style
            for piece_start, piece_end in wrapped.pieces(starts[line] + start, starts[line] + end):
                text.stylize(style, piece_start, piece_end)
        return text

    @staticmethod
    def _line_starts(document: Document) -> list[int]:
        starts, offset = [], 0
        for line in document.lines:
            starts.append(offset)
            offset += len(line) + 1
        return starts

    def _update_status(self) -> None:
        if not self.is_mounted:
            return
        document = self.document
        parts: list[str] = []
        if document is None:
            parts.append("reading…" if self.error is None else "not read")
        else:
            parts.append(f"{len(document.lines):,} lines")
            parts.append("JSON" if document.valid_json else "raw text")
            if self._wrapped is not None and self._wrapped[0] is document and self._wrapped[2].capped:
                parts.append("some long lines not wrapped: ←/→ scroll")
        if self.needle:
            needle = one_line(self.needle, 40)
            if not self.matches:
                parts.append(f'"{needle}": no matches')
            else:
                parts.append(f'"{needle}": match {self.current + 1}/{len(self.matches)}')
        status = Text(" · ".join(parts), no_wrap=True, overflow="ellipsis")
        self.query_one("#definition-status", Static).update(status)

    # ------------------------------------------------------------ search
    def _search(self, needle: str) -> None:
        self.needle = needle
        self.matches = self.document.find(needle) if self.document is not None else []
        self.current = 0 if self.matches else -1

    def _show_current(self) -> None:
        """Redraw the matches and bring the current one into view."""
        self.redraw()
        document = self.document
        if document is None or not self.matches:
            return
        line, start, end = self.matches[self.current]
        text = document.lines[line]
        offset = self._line_starts(document)[line] + start
        row, before = self._wrap(document).place(line, offset)
        x = before + 1  # the body's left padding
        right = x + max(1, cell_len(text[start:end]))
        scroll = self.query_one("#definition-scroll", Pager)
        view = scroll.scrollable_content_region
        # The match's row in the middle; sideways only as far as needed (a line left whole),
        # keeping the row's start in view whenever the match fits beside it.
        left = 0 if right < view.width - 1 else max(0, x - view.width // 3)
        scroll.scroll_to(x=left, y=max(0, row - view.height // 2), animate=False, immediate=True)

    @on(Input.Changed, "#definition-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._search(event.value)
        self._show_current()

    @on(Input.Submitted, "#definition-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # closed when enter left the field (``_DefinitionSearch.leave``)

    def _close_search(self, *, clear: bool) -> None:
        field = self.query_one("#definition-search", Input)
        field.display = False
        if clear:
            self.needle, self.matches, self.current = "", [], -1
            self.redraw()
        focus_now(self.query_one("#definition-scroll", Pager))  # before the keys typed behind enter
        self.refresh_bindings()

    def _step(self, forward: bool) -> None:
        if not self.matches:
            search = self.key_of("definition.search", "/")
            self.notify(f"No matches: press {search} to search." if not self.needle else "No matches.", timeout=2)
            return
        self.current = (self.current + (1 if forward else -1)) % len(self.matches)
        self._show_current()

    # ------------------------------------------------------------ the selected item
    def selection(self) -> Selection:
        """The item whose definition this is (y copies its id, Y a command that reads it)."""
        if self.execution_id is None:
            return Selection("workflow", self.workflow_id)
        return Selection("execution", self.workflow_id, self.execution_id)

    # ------------------------------------------------------------ keys
    def action_search(self) -> None:
        field = self.query_one("#definition-search", Input)
        field.value = self.needle
        field.display = True
        focus_now(field)
        self.refresh_bindings()

    def action_refresh(self) -> None:
        """Read the definition again (its job is done once read)."""
        self.source.loaded = None
        super().action_refresh()

    def action_next_match(self) -> None:
        self._step(forward=True)

    def action_prev_match(self) -> None:
        self._step(forward=False)

    def can_go_back(self) -> bool:
        return bool(self.needle) or self.query_one("#definition-search", Input).display or super().can_go_back()

    def back(self) -> None:
        """`escape` closes the search first (and clears it), then goes back."""
        if self.needle or self.query_one("#definition-search", Input).display:
            self._close_search(clear=True)
            return
        super().back()


class _DefinitionPager(Pager):
    def on_resize(self, event: events.Resize) -> None:
        # The text is wrapped to the view's width: laid out first, or the terminal resized.
        screen = self.screen
        if isinstance(screen, DefinitionScreen):
            screen.redraw()


class _DefinitionSearch(FieldInput):
    def leave(self) -> None:
        screen = self.screen
        if isinstance(screen, DefinitionScreen):
            screen._close_search(clear=not self.value)
