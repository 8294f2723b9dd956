"""The log pane: a follow-able, filterable, searchable view of one source's log lines.

``LogPane`` is a small container: a ``LogLines`` view (a Line API ``ScrollView``
that renders only the rows on screen), an inline search input and a one-line status
bar. The data and everything derived from it live in ``LogModel`` (no Textual), so
the widget code here is about keys, scrolling, refresh pacing and messages.

Log text is data: it is put into ``rich.text.Text`` objects directly (never parsed as
markup) after ``text.sanitize`` made every control character visible.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from importlib.resources import files
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from flowsynx_tui.text import cut, one_line
from flowsynx_tui.widgets.focus import FIELD_OPENERS, FieldInput, focus_now
from flowsynx_tui.widgets.logview.model import LineStyles, LogModel, SearchJob
from flowsynx_tui.widgets.logview.store import Record
from flowsynx_tui.widgets.logview.text import sanitize, slug
from flowsynx_tui.widgets.steady import SteadyStatic

if TYPE_CHECKING:
    from flowsynx_tui.api.models import LogEntry
    from flowsynx_tui.widgets.logview.model import ExportSnapshot

CSS_PATH = files("flowsynx_tui.widgets.logview").joinpath("pane.tcss")
"""The pane's styles; a package resource, so it also works from an installed wheel."""

SELECTION_ROWS = 100_000
"""Most rows a mouse selection copies (a drag to the end of a capped log is 200k lines)."""

STRIP_CACHE = 128
"""Lines whose rendered rows are kept: a few screens. Every cached row holds a dozen
objects the garbage collector walks on each full pass, so a bigger cache (it was 1024)
made the collector's pauses the longest stalls while following a busy log."""

_LEVEL_STYLES = ("trace", "debug", "info", "warning", "error", "critical")


class LogLines(ScrollView, can_focus=True, inherit_bindings=False):
    """Renders the rows of a ``LogModel`` that are on screen, nothing else."""

    # ScrollView's own bindings (not inherited: the class keyword above, which Textual
    # reads; a class attribute is not) include "end", which must reach LogPane (tail + follow).
    # less/vim keys beside the arrows: j/k a line, ctrl+d/ctrl+u half a screen, g/home the
    # top; G/end (tail and follow) are LogPane's.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_rows(-1)", "Up", show=False, id="log.line_up"),
        Binding("down,j", "scroll_rows(1)", "Down", show=False, id="log.line_down"),
        Binding("pageup", "scroll_pages(-1)", "Page up", show=False, id="log.page_up"),
        Binding("pagedown", "scroll_pages(1)", "Page down", show=False, id="log.page_down"),
        Binding("ctrl+u", "scroll_half_pages(-1)", "Half a screen up", show=False, id="log.half_page_up"),
        Binding("ctrl+d", "scroll_half_pages(1)", "Half a screen down", show=False, id="log.half_page_down"),
        Binding("home,g", "scroll_top", "Top", show=False, id="log.top"),
        Binding("left", "scroll_columns(-4)", "Left", show=False, id="log.left"),
        Binding("right", "scroll_columns(4)", "Right", show=False, id="log.right"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-lines--timestamp",
        "log-lines--exception",
        "log-lines--marker",
        "log-lines--match",
        "log-lines--match-current",
        *(f"log-lines--{name}" for name in _LEVEL_STYLES),
    }

    def __init__(self, model: LogModel, on_user_scroll: Callable[[bool], None]) -> None:
        super().__init__()
        self._model = model
        self._on_user_scroll = on_user_scroll
        self._strips: LRUCache[int, list[Strip]] = LRUCache(STRIP_CACHE)
        self._generation = -1
        self._styles: LineStyles | None = None
        self._programmatic = 0
        #: Shown where the lines would be while there are none (why there are none).
        self.empty_note = ""
        self._note: tuple[tuple[str, int], list[Strip]] | None = None

    # -- scrolling -------------------------------------------------------------

    @contextmanager
    def programmatic(self) -> Iterator[None]:
        """Scrolls inside this block are the pane's own, not the user's."""
        self._programmatic += 1
        try:
            yield
        finally:
            self._programmatic -= 1

    def scroll_to_row(self, row: float) -> None:
        with self.programmatic():
            self.scroll_to(y=row, animate=False, force=True, immediate=True)

    def scroll_to_tail(self) -> None:
        with self.programmatic():
            self.scroll_to(y=self.max_scroll_y, animate=False, force=True, immediate=True)

    def watch_show_horizontal_scrollbar(self) -> None:
        # The bar takes a row once laid out: a followed view at the end is then one line short.
        pane = self.parent
        if isinstance(pane, LogPane) and pane.follow:
            self.call_after_refresh(self.scroll_to_tail)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._programmatic:
            return
        # Any user scroll (keys, wheel, scrollbar) that moves up and leaves the end
        # pauses following; one that reaches the end may resume it.
        if new_value < old_value and round(new_value) < self.max_scroll_y:
            self._on_user_scroll(False)
        elif new_value > old_value and round(new_value) >= self.max_scroll_y:
            self._on_user_scroll(True)

    def action_scroll_rows(self, rows: int) -> None:
        self.scroll_to(y=self.scroll_y + rows, animate=False)

    def action_scroll_pages(self, pages: int) -> None:
        page = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + pages * page, animate=False)

    def action_scroll_half_pages(self, halves: int) -> None:
        half = max(1, self.scrollable_content_region.height // 2)
        self.scroll_to(y=self.scroll_y + halves * half, animate=False)

    def action_scroll_top(self) -> None:
        self.scroll_to(x=0, y=0, animate=False)

    def action_scroll_columns(self, columns: int) -> None:
        self.scroll_to(x=self.scroll_x + columns, animate=False)

    # -- rendering -----------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def line_styles(self) -> LineStyles:
        if self._styles is None:
            component = self.get_component_rich_style
            self._styles = LineStyles(
                base=self.rich_style,
                timestamp=component("log-lines--timestamp"),
                levels={name: component(f"log-lines--{name}") for name in _LEVEL_STYLES},
                exception=component("log-lines--exception"),
                marker=component("log-lines--marker"),
                match=component("log-lines--match"),
                current_match=component("log-lines--match-current"),
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        note = self._note_text()
        if note:
            return self._note_row(y, width, note)
        row = scroll_y + y
        strip = self.row_strip(row)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(row)) is not None:
            strip = self._selected(strip, *span)
        # Offsets let a mouse drag select text, as in Textual's own Log.
        return strip.crop_extend(scroll_x, scroll_x + width, self.line_styles().base).apply_offsets(scroll_x, row)

    def _selected(self, strip: Strip, start: int, end: int) -> Strip:
        if end == -1:
            end = strip.cell_length
        before, chosen, after = strip.divide([start, end, strip.cell_length])
        style = self.screen.get_component_rich_style("screen--selection")
        chosen = Strip(Segment.apply_style(chosen, post_style=style), chosen.cell_length)
        return Strip.join([before, chosen, after])

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected rows as shown (a drag over the log), for the screen's copy."""
        last = self.virtual_size.height - 1
        if last < 0:
            return None
        first_row = selection.start.y if selection.start is not None else 0
        last_row = min(selection.end.y if selection.end is not None else last, last, first_row + SELECTION_ROWS)
        text = "\n".join(self.row_strip(row).text.rstrip() for row in range(first_row, last_row + 1))
        # Rows renumbered from the first one selected: only those were rendered as text.
        start = None if selection.start is None else Offset(selection.start.x, 0)
        end = None if selection.end is None or selection.end.y > last_row else Offset(selection.end.x, last_row - first_row)
        return Selection(start, end).extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def _note_text(self) -> str:
        """What stands where no line is shown: why there are none, or that the level filter
        hides them all (a blank pane read as a broken one)."""
        model = self._model
        lines = len(model.store)
        if not lines:
            return self.empty_note
        if not model.visible_count and model.min_severity is not None:
            return f"No line at level {model.level_name} or above among the {lines:,} lines: change the level to see them."
        return ""

    def _note_row(self, y: int, width: int, note: str) -> Strip:
        """A row of ``note``, wrapped to the width, where log lines would be."""
        key = (note, width)
        if self._note is None or self._note[0] != key:
            style = self.line_styles().marker
            lines = Text(note, style=style).wrap(self.app.console, max(10, width - 1))
            self._note = (key, [Strip(line.render(self.app.console), line.cell_len) for line in lines])
        rows = self._note[1]
        base = self.line_styles().base
        return (rows[y] if y < len(rows) else Strip.blank(0)).crop_extend(0, width, base)

    def row_strip(self, row: int) -> Strip:
        """The whole (uncropped) strip of a row of the log."""
        model = self._model
        if self._generation != model.generation:
            self._strips.clear()
            self._generation = model.generation
        found = model.locate(row)
        if found is None:
            return Strip.blank(0)
        key, within = found
        strips = self._strips.get(key)
        if strips is None:
            strips = self._render_key(key)
            self._strips[key] = strips
        return strips[within] if within < len(strips) else Strip.blank(0)

    def forget(self, key: int) -> None:
        self._strips.discard(key)

    def show_model(self, model: LogModel) -> None:
        """Render ``model``'s lines: its keys are not this one's (both count from 0)."""
        self._model = model
        self._strips.clear()
        self._generation = -1
        self._note = None
        self.refresh()

    def _render_key(self, key: int) -> list[Strip]:
        styles = self.line_styles()
        console = self.app.console
        strips = []
        for text in self._model.rows(key, styles):
            strips.append(Strip(text.render(console), text.cell_len))
        widest = max(strip.cell_length for strip in strips)
        if not self._model.wrap and widest > self.virtual_size.width:
            # The width estimate of LogStore.widest was short (wide characters).
            self.call_later(self._widen, widest)
        return strips

    def _widen(self, width: int) -> None:
        if width > self.virtual_size.width:
            self.virtual_size = Size(width, self.virtual_size.height)

    # -- events ----------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        pane = self.parent
        if isinstance(pane, LogPane):
            pane._content_width_changed(self.scrollable_content_region.width)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.text_selection is not None:
            return  # the end of a drag that selected text is no click on a line
        found = self._model.locate(round(self.scroll_y) + offset.y)
        pane = self.parent
        if found is not None and isinstance(pane, LogPane):
            pane._toggle_line(found[0])


class _SearchInput(FieldInput):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close search", id="log.search_cancel"),
    ]

    def action_cancel(self) -> None:
        pane = self.parent
        if isinstance(pane, LogPane):
            pane._close_search(clear=True)

    def leave(self) -> None:
        pane = self.parent
        if isinstance(pane, LogPane):
            pane._search_for(self.value)


@dataclass(frozen=True)
class SetAside:
    """A source's lines and the user's place in them, kept while another source is shown
    (``LogPane.set_aside``, ``LogPane.bring_back``)."""

    model: LogModel
    source_label: str
    live: bool
    lines_are_news: bool
    follow: bool
    new_since_pause: int
    empty_note: str
    scroll: tuple[float, float]


class LogPane(Widget):
    """Log lines of one source (an execution or a task), live or finished.

    Call ``reset`` when the source changes and ``append_entries`` (or the bulk
    ``append_records``) as lines arrive; the pane sorts, caps, filters and follows.
    """

    DEFAULT_CSS = CSS_PATH.read_text(encoding="utf-8")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "toggle_follow", "Follow", id="log.follow"),
        Binding("end,G", "tail", "Tail", id="log.tail"),
        Binding("w", "toggle_wrap", "Wrap", id="log.wrap"),
        Binding("l", "cycle_level", "Level", id="log.level"),
        # Priority, as the lists' filter: the keys typed right after it are the needle.
        Binding(FIELD_OPENERS["log.search"], "search", "Search", id="log.search", priority=True),
        Binding("n", "next_match", "Next match", show=False, id="log.next_match"),
        Binding("N", "prev_match", "Prev match", show=False, id="log.prev_match"),
        Binding("s", "save", "Save", id="log.save"),
        Binding("u", "toggle_utc", "UTC", id="log.utc"),
        Binding("e", "toggle_expand", "Exceptions", id="log.expand"),
        Binding("y", "copy_line", "Copy", id="log.copy"),
        Binding("escape", "clear_search", "Clear search", show=False, id="log.clear_search"),
    ]
    #: The widgets with keys of their own it holds, the view and the search field: the one
    #: with the focus meets its own keys before the pane's (``keymap.focus_chains``).
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (LogLines, _SearchInput)

    refresh_interval: float = 0.1
    """Least time between two screen updates caused by appends (at most ~10 Hz)."""

    # The state the status bar shows besides the model's: each change redraws it (the
    # watchers), whoever makes it. Not at construction (``init=False``): the status bar
    # is drawn on mount.
    follow: var[bool] = var(False, init=False)
    """Keep the newest line in view as lines arrive."""
    live: var[bool] = var(False, init=False)
    """The source still runs, so more lines may come."""
    new_since_pause: var[int] = var(0, init=False)
    """Lines that arrived (and pass the filter) since following paused."""
    empty_note: var[str] = var("", init=False)
    """Why there are no lines, shown in their place while there are none (plain text)."""

    class Saved(Message):
        """The filtered log was written to ``path``."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class SaveFailed(Message):
        """Writing the log failed; ``reason`` says why."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self,
        *,
        retain_limit: int = 200_000,
        local_tz: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.save_dir: Path = Path.cwd()
        self.source_label = ""
        self._model = LogModel(retain_limit, local_tz)
        self._view = LogLines(self._model, self._user_scrolled)
        self._search_input = _SearchInput(placeholder="search (enter: find, escape: close)", compact=True)
        self._search_input.display = False
        self._status = SteadyStatic("", classes="log-pane--status", markup=False)
        self._dropped_rows_pending = 0
        self._tail_check_pending = False
        self._last_flush = 0.0
        self._flush_timer: Timer | None = None
        self._clicked: int | None = None
        # Whether the source was live while shown, not whether it is now: the read that
        # finds a run finished comes after the screen learnt it (``set_live(False)``), and
        # its lines arrived all the same.
        self._lines_are_news = False
        # The place the last layout change kept at the top, and the scroll it left the view at.
        self._kept_place: tuple[tuple[int, int], float] | None = None

    def compose(self) -> ComposeResult:
        yield self._view
        yield self._search_input
        yield self._status

    def on_mount(self) -> None:
        self._flush()

    def focus(self, scroll_visible: bool = True) -> LogPane:
        # The pane's bindings apply while its line view (a descendant) has focus.
        self._view.focus(scroll_visible)
        return self

    # -- public API --------------------------------------------------------------------

    @property
    def retain_limit(self) -> int:
        """Most lines kept; older ones are dropped (and the status bar says so)."""
        return self._model.store.retain_limit

    @property
    def line_count(self) -> int:
        """Lines retained (after the retain cap)."""
        return len(self._model.store)

    @property
    def visible_count(self) -> int:
        """Lines that pass the level filter."""
        return self._model.visible_count

    @property
    def status_text(self) -> str:
        return self._status_text()

    @property
    def lines_view(self) -> LogLines:
        return self._view

    def visible_text(self) -> list[str]:
        """Plain text of the filtered lines exactly as ``s`` saves them, one item per text line."""
        return list(self._model.snapshot().lines())

    def append_entries(self, entries: Sequence[LogEntry]) -> None:
        """Add a batch of entries (any order; shown ordered by timestamp)."""
        self.append_records(
            (
                entry.time_stamp.timestamp(),
                entry.level.severity,
                entry.level.value,
                entry.message,
                entry.exception,
            )
            for entry in entries
        )

    def append_records(self, records: Iterable[Record]) -> None:
        """Bulk fast path: ``(epoch_seconds, severity, level_name, message, exception)`` tuples.

        ``level_name`` is a ``LogLevel`` value such as ``"Warning"``; ``severity``
        (0 trace .. 5 critical) ranks names the client does not know.
        """
        outcome = self._model.append(records)
        if not outcome.new_lines and not outcome.dropped_lines and not outcome.reordered:
            return
        # Only news counts: the lines of a source finished when shown are being read, not
        # arriving (a finished task's 3 lines said "paused · 3 new"). Those of the read that
        # finishes a live one did arrive ("paused · N new" froze short of the lines below).
        if not self.follow and self._lines_are_news and outcome.new_lines:
            # Not through the watcher: batches come many times a second, and the paced
            # flush below redraws the status bar (line counts change too).
            self.set_reactive(LogPane.new_since_pause, self.new_since_pause + outcome.new_lines)
        self._dropped_rows_pending += outcome.dropped_rows
        self._schedule_flush()

    def reset(self, source_label: str, *, live: bool) -> None:
        """Forget all lines and show a new source; follow only if it is live."""
        self.source_label = source_label
        self.live = live
        self._lines_are_news = live
        self.follow = live
        self.new_since_pause = 0
        self._dropped_rows_pending = 0
        self._clicked = None
        self._kept_place = None
        self._close_search(clear=True)
        self._model.clear()
        if self.is_mounted:
            self._flush()
            self._view.scroll_to_row(0)

    def set_aside(self, source_label: str, *, live: bool) -> SetAside:
        """Show a new source as ``reset`` does, keeping the lines of this one and the place in
        them for ``bring_back``: back from a task's log, an execution's 1M lines were read
        again from the server, shown from the top."""
        self._close_search(clear=True)
        view = self._view
        kept = SetAside(
            self._model,
            self.source_label,
            self.live,
            self._lines_are_news,
            self.follow,
            self.new_since_pause,
            self.empty_note,
            (view.scroll_x, view.scroll_y),
        )
        self._use_model(self._fresh_model(self._model))
        self.reset(source_label, live=live)
        return kept

    def bring_back(self, kept: SetAside) -> None:
        """Show a source set aside again, where the user left it, with the settings (wrap,
        level, UTC, exceptions) chosen since."""
        self._close_search(clear=True)
        shown = self._model
        model = kept.model
        self._use_model(model)
        if model.expand_all != shown.expand_all:
            model.toggle_expand_all()
        if model.wrap != shown.wrap:
            model.set_wrap(shown.wrap)
        if model.utc != shown.utc:
            model.set_utc(shown.utc)
        if model.level_step != shown.level_step:
            model.set_level_step(shown.level_step)
        model.set_width(shown.width)
        self.source_label = kept.source_label
        self.live = kept.live
        self._lines_are_news = kept.lines_are_news
        self.follow = kept.follow
        self.new_since_pause = kept.new_since_pause
        self.empty_note = kept.empty_note
        self._dropped_rows_pending = 0
        self._clicked = None
        if self.is_mounted:
            self._flush()
            if not self.follow:
                x, y = kept.scroll
                with self._view.programmatic():
                    self._view.scroll_to(x=x, y=y, animate=False, force=True, immediate=True)

    def _fresh_model(self, model: LogModel) -> LogModel:
        fresh = LogModel(model.store.retain_limit, model.local_tz)
        fresh.utc, fresh.wrap, fresh.width, fresh.expand_all = model.utc, model.wrap, model.width, model.expand_all
        fresh.set_level_step(model.level_step)
        return fresh

    def _use_model(self, model: LogModel) -> None:
        self._model = model
        self._kept_place = None
        self._view.show_model(model)

    def search(self, needle: str) -> None:
        """Search like ``/`` does (in a thread); an empty needle clears the search."""
        if needle:
            self._start_search(needle)
        else:
            self._close_search(clear=True)

    @property
    def search_pending(self) -> bool:
        """True while a search runs in its worker thread."""
        return self._model.search_pending

    def set_live(self, live: bool) -> None:
        """Tell the pane whether its source still runs (a finished one gets no new lines)."""
        if live and not self.live and self._view.is_vertical_scroll_end:
            self.follow = True
        self.live = live
        self._lines_are_news = self._lines_are_news or live

    # -- refresh pacing ------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        if not self.is_mounted:
            return
        wait = self._last_flush + self.refresh_interval - monotonic()
        if wait <= 0:
            self._flush()
        elif self._flush_timer is None:
            self._flush_timer = self.set_timer(wait, self._flush)

    def _flush(self) -> None:
        """Bring the screen up to date with the model: size, position, status."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._last_flush = monotonic()
        self._sync_virtual_size()
        if self.follow:
            self._to_tail()
        elif self._dropped_rows_pending:
            # Old lines left from above: move up with the content so it stays still.
            self._view.scroll_to_row(max(0, self._view.scroll_y - self._dropped_rows_pending))
        self._dropped_rows_pending = 0
        self._view.refresh()
        self._update_status()

    def _to_tail(self) -> None:
        """The last line in view, now and once more after the next refresh: a horizontal
        scrollbar that comes with a long line takes a row after the scroll, and the view
        said "following" one line short of the end."""
        self._view.scroll_to_tail()
        if not self._tail_check_pending:
            self._tail_check_pending = True
            self.call_after_refresh(self._tail_again)

    def _tail_again(self) -> None:
        self._tail_check_pending = False
        view = self._view
        if self.follow and view.scroll_y < view.max_scroll_y:
            view.scroll_to_tail()

    def _sync_virtual_size(self) -> None:
        model = self._model
        view = self._view
        size = Size(model.virtual_width, model.layout.total_rows)
        current = view.virtual_size
        if size == current:
            return
        if size.width == current.width and size.height > current.height and view.size:
            # The usual change while lines arrive: the log only grew taller. Setting the
            # reactive would lay out the whole screen (``virtual_size`` is a layout
            # reactive) up to 10 times a second, for nothing: the view's own size does
            # not depend on it and its vertical scrollbar is always there (pane.tcss),
            # so only that bar needs to learn the new length.
            view.set_reactive(Widget.virtual_size, size)
            view.vertical_scrollbar.window_virtual_size = size.height
            view.refresh()
        else:
            view.virtual_size = size

    # -- layout changes keep the top line in place ----------------------------------------------

    def _relayout(self, change: Callable[[], object]) -> None:
        anchor = None if self.follow else self._place()
        change()
        self._sync_virtual_size()
        if self.follow:
            self._to_tail()
        elif anchor is not None:
            key, within = anchor
            line = self._model.line_of(key)
            same = line < self._model.visible_count and self._model.key_at(line) == key
            height = self._model.layout.height(line) if line < self._model.visible_count else 1
            offset = min(within, height - 1) if same else 0
            self._view.scroll_to_row(self._model.row_of_key(key) + offset)
        self._kept_place = None if anchor is None else (anchor, self._view.scroll_y)
        self._view.refresh()
        self._update_status()

    def _place(self) -> tuple[int, int] | None:
        """The line to keep at the top through a layout change, and the row within it."""
        kept = self._kept_place
        if kept is not None and kept[1] == self._view.scroll_y:
            # Not scrolled since the last change: its line, though a level filter may show
            # the next one in its place, or none (all levels again showed line 1 after a
            # level without lines); ``l`` only cycles, and comes back to where it started.
            return kept[0]
        return self._model.locate(round(self._view.scroll_y))

    def _content_width_changed(self, width: int) -> None:
        if width > 0:
            self._relayout(partial(self._model.set_width, width))

    def _toggle_line(self, key: int) -> None:
        self._clicked = key
        if self._model.toggle_line(key):
            self._relayout(lambda: None)

    def _user_scrolled(self, at_end: bool) -> None:
        if not at_end and self.follow:
            self._pause_follow()
        elif at_end and not self.follow and self.live:
            self._resume_follow()

    def _pause_follow(self) -> None:
        self.follow = False
        self.new_since_pause = 0

    def _resume_follow(self) -> None:
        self.follow = True
        self.new_since_pause = 0
        self._to_tail()

    def _jump_to_key(self, key: int) -> None:
        self.follow = False
        view = self._view
        row = self._model.row_of_key(key)
        height = view.scrollable_content_region.height
        if not view.scroll_y <= row < view.scroll_y + height:
            view.scroll_to_row(max(0, row - height // 3))
        view.refresh()
        self._update_status()

    # -- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search" and self._search_input.has_focus:
            return False  # a "/" in the needle
        if action in ("next_match", "prev_match"):
            return True if self._model.visible_matches else None
        if action == "clear_search":
            # Without a search, escape belongs to the screen (e.g. "back").
            return self._model.needle is not None or self._search_input.display
        return True

    def action_toggle_follow(self) -> None:
        if self.follow:
            self._pause_follow()
        else:
            self._resume_follow()

    def action_tail(self) -> None:
        self._view.scroll_to(x=0, animate=False)
        self._resume_follow()

    def action_toggle_wrap(self) -> None:
        self._view.set_class(not self._model.wrap, "-wrap")
        self._relayout(partial(self._model.set_wrap, not self._model.wrap))
        if self._model.wrap:
            self._view.scroll_to(x=0, animate=False)

    def action_cycle_level(self) -> None:
        self._relayout(self._model.cycle_level)

    def action_toggle_utc(self) -> None:
        self._relayout(partial(self._model.set_utc, not self._model.utc))

    def action_toggle_expand(self) -> None:
        self._relayout(self._model.toggle_expand_all)

    def action_search(self) -> None:
        field = self._search_input
        field.value = self._model.needle or ""
        field.display = True
        focus_now(field)

    def action_clear_search(self) -> None:
        self._close_search(clear=True)

    def action_next_match(self) -> None:
        self._step_match(forward=True)

    def action_prev_match(self) -> None:
        self._step_match(forward=False)

    def action_copy_line(self) -> None:
        """Copy what the user points at: the mouse selection, else the current search match,
        else the line last clicked, else the newest line on screen (as it would be saved)."""
        view = self._view
        selection = view.text_selection
        if selection is not None and (chosen := view.get_selection(selection)) is not None and chosen[0]:
            self._copy(chosen[0], "the selection")
            return
        for key, what in (
            (self._model.current_match, "the current match"),
            (self._clicked, "the line clicked"),
            (self._bottom_key(), "the last line on screen"),
        ):
            if key is not None and self._model.store.origin <= key < self._model.store.end_key:
                self._copy(self._model.entry_text(key), what)
                return
        self.notify("No log line to copy.", severity="warning")

    def _bottom_key(self) -> int | None:
        view = self._view
        rows = view.virtual_size.height
        if rows == 0:
            return None
        bottom = min(round(view.scroll_y) + view.scrollable_content_region.height, rows) - 1
        found = self._model.locate(max(0, bottom))
        return None if found is None else found[0]

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        size = f"{lines:,} lines" if lines > 1 else one_line(text, 60)
        self.notify(f"Copied {what}: {size}", title="Copied")

    def action_save(self) -> None:
        snapshot = self._model.snapshot()
        stem = f"flowsynx-{slug(self.source_label)}-{datetime.now():%Y%m%d-%H%M%S}"
        self.run_worker(
            partial(write_log_file, snapshot, Path(self.save_dir), stem),
            name="log-save",
            group="log-save",
            description="save log",
            thread=True,
            exit_on_error=False,
        )

    # -- search ------------------------------------------------------------------------------------

    @on(Input.Submitted, "_SearchInput")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # the search began when enter left the field (``_SearchInput.leave``)

    def _search_for(self, needle: str) -> None:
        self._close_search(clear=not needle)
        if needle:
            self._start_search(needle)

    def _start_search(self, needle: str) -> None:
        job = self._model.begin_search(needle)
        self._view.refresh()
        self._update_status()
        self.run_worker(
            job.run,
            name="log-search",
            group="log-search",
            description="search log",
            thread=True,
            exclusive=True,
        )

    def _close_search(self, *, clear: bool) -> None:
        field = self._search_input
        had_focus = field.has_focus
        field.display = False
        if clear and self._model.needle is not None:
            self._model.clear_search()
            self._view.refresh()
        if had_focus:
            focus_now(self._view)  # before the keys typed behind enter
        self._update_status()

    def _step_match(self, *, forward: bool) -> None:
        key = self._model.step_match(forward)
        if key is not None:
            self._jump_to_key(key)

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "log-search":
            event.stop()
            self._search_worker_changed(event.worker, event.state)
        elif event.worker.group == "log-save":
            event.stop()
            self._save_worker_changed(event.worker, event.state)

    def _search_worker_changed(self, worker: Worker[object], state: WorkerState) -> None:
        if state is not WorkerState.SUCCESS or not isinstance(worker.result, SearchJob):
            return
        if self._model.finish_search(worker.result):
            current = self._model.current_match
            if current is not None:
                self._jump_to_key(current)
            self._view.refresh()
            self._update_status()

    def _save_worker_changed(self, worker: Worker[object], state: WorkerState) -> None:
        # Toasts are plain text (markup=False): a path or an error text may hold "[".
        if state is WorkerState.SUCCESS and isinstance(worker.result, SaveResult):
            result = worker.result
            self.post_message(self.Saved(result.path))
            self.notify(
                f"Saved {result.lines:,} log lines to {one_line(str(result.path))}",
                title="Log saved",
                markup=False,
            )
        elif state is WorkerState.ERROR:
            reason = str(worker.error) or type(worker.error).__name__
            self.post_message(self.SaveFailed(reason))
            self.notify(f"Could not save the log: {one_line(reason)}", severity="error", markup=False)

    # -- status ------------------------------------------------------------------------------------

    def watch_follow(self) -> None:
        self._update_status()

    def watch_empty_note(self, note: str) -> None:
        self._view.empty_note = note
        self._view.refresh()

    def watch_live(self) -> None:
        self._update_status()

    def watch_new_since_pause(self) -> None:
        self._update_status()

    def on_resize(self) -> None:
        self._update_status()

    def _update_status(self) -> None:
        if self.is_mounted:
            width = self.content_size.width - self._status.styles.gutter.width
            # One row of fixed height: a new text needs no layout of the screen.
            text = Text(fit_status(self._status_parts(), width), no_wrap=True, overflow="ellipsis")
            self._status.update(text, layout=False)

    def _status_text(self) -> str:
        return _join_status(part.text for part in self._status_parts())

    def _status_parts(self) -> list[StatusPart]:
        """What the status bar says, each part with how long it stays when the bar is narrow."""
        model = self._model
        label = sanitize(self.source_label) or "no source"
        parts = [
            StatusPart(label, short=cut(label, 14), keep=2),
            StatusPart(f"{self.line_count:,} lines", keep=KEEP),
        ]
        if model.index is not None:
            parts.append(StatusPart(f"showing {model.visible_count:,}", keep=6))
        if model.min_severity is None:
            parts.append(StatusPart("all levels", keep=1))
        else:
            parts.append(StatusPart(f"level ≥ {model.level_name}", short=f"≥ {model.level_name}", keep=5))
        parts.append(self._follow_part())
        parts.append(StatusPart("wrap on", keep=3) if model.wrap else StatusPart("wrap off", keep=0))
        parts.append(StatusPart("UTC", keep=4) if model.utc else StatusPart("local time", keep=1))
        search = self._search_part()
        if search is not None:
            parts.append(search)
        if model.store.dropped_total:
            dropped = f"{model.store.dropped_total:,}"
            parts.append(
                StatusPart(
                    f"oldest {dropped} lines dropped (cap {model.store.retain_limit:,})",
                    short=f"{dropped} dropped",
                    keep=3,
                )
            )
        return parts

    def _follow_part(self) -> StatusPart:
        if self.follow:
            return StatusPart("following", keep=KEEP)
        if self.live or self.new_since_pause:
            return StatusPart(
                f"paused · {self.new_since_pause:,} new", short=f"paused +{self.new_since_pause:,}", keep=KEEP
            )
        return StatusPart("follow off", keep=KEEP)

    def _search_part(self) -> StatusPart | None:
        model = self._model
        if model.needle is None:
            return None
        needle = sanitize(model.needle)
        if model.search_pending:
            return StatusPart(f'searching "{needle}"…', short="searching…", keep=KEEP + 1)
        total = len(model.visible_matches)
        if not total:
            return StatusPart(f'"{needle}": no matches', short="no matches", keep=KEEP + 1)
        ordinal = model.match_ordinal()
        if ordinal:
            return StatusPart(f'"{needle}": match {ordinal}/{total}', short=f"match {ordinal}/{total}", keep=KEEP + 1)
        return StatusPart(f'"{needle}": {total:,} matches', short=f"{total:,} matches", keep=KEEP + 1)


KEEP = 8
"""Status parts this useful are shortened when the bar is narrow, never dropped: the line
count, following/paused and the search's "match k/N"."""


@dataclass(frozen=True)
class StatusPart:
    """One part of the log pane's status bar."""

    text: str
    short: str | None = None
    """A shorter form, used before the part is dropped."""
    keep: int = 0
    """How long the part stays as the bar narrows: the lowest goes first; ``KEEP`` and
    above only get shorter."""


def _join_status(parts: Iterable[str]) -> str:
    return " · ".join(part for part in parts if part)


def fit_status(parts: Sequence[StatusPart], width: int) -> str:
    """The status line for ``width`` cells: when the whole does not fit, the least useful
    parts are shortened, then dropped, one at a time, until it fits (``width <= 0``: the whole)."""
    shown = [part.text for part in parts]

    def fits() -> bool:
        return width <= 0 or cell_len(_join_status(shown)) <= width

    if fits():
        return _join_status(shown)
    for index in sorted(range(len(parts)), key=lambda i: parts[i].keep):
        part = parts[index]
        if part.short is not None:
            shown[index] = part.short
            if fits():
                break
        if part.keep < KEEP:
            shown[index] = ""
            if fits():
                break
    return _join_status(shown)


class SaveResult:
    def __init__(self, path: Path, lines: int) -> None:
        self.path = path
        self.lines = lines


_NEW_FILE_FLAGS = os.O_CREAT | os.O_EXCL | os.O_WRONLY
_NEW_FILE_MODE = 0o600
"""Files the app writes are the user's alone: logs can hold secrets."""


def write_log_file(snapshot: ExportSnapshot, directory: Path, stem: str) -> SaveResult:
    """Write the snapshot's lines to a new file (mode 0600) in ``directory``; never overwrites.

    Runs in a worker thread: formatting a million lines takes seconds.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for attempt in range(1000):
        path = directory / (f"{stem}.log" if attempt == 0 else f"{stem}-{attempt}.log")
        try:
            # O_EXCL fails if the name exists (a symlink too): no race with another save
            # of the same second, and never a write through a planted link.
            descriptor = os.open(path, _NEW_FILE_FLAGS, _NEW_FILE_MODE)
        except FileExistsError:
            continue
        try:
            handle = open(descriptor, "w", encoding="utf-8", newline="\n")
        except BaseException:
            os.close(descriptor)
            raise
        with handle:
            for line in snapshot.lines():
                handle.write(line)
                handle.write("\n")
        return SaveResult(path.resolve(), snapshot.lines_written)
    raise FileExistsError(f"too many log files named {stem}*.log in {directory}")
