"""What the log pane shows, independent of Textual: filtering, search, expansion, rows.

``LogModel`` owns the ``LogStore`` and everything derived from it, and keeps the
derived structures in step with each append *incrementally* (only the keys at or
after ``AppendResult.changed_from`` are recomputed), so a steady stream of batches
costs in proportion to the batch, not to the million lines already held.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import compress, count
from typing import NamedTuple

from rich.style import Style
from rich.text import Span, Text

from flowsynx_tui.widgets.logview.layout import MAX_HEIGHT, RowLayout
from flowsynx_tui.widgets.logview.column import MessageSnapshot, find_in_exceptions, union
from flowsynx_tui.widgets.logview.store import LogStore, Record
from flowsynx_tui.widgets.logview.text import (
    CUT_CHARS,
    EXPANDED_MARKER,
    Level,
    collapsed_exception,
    day_of,
    display_text,
    exception_lines,
    fold,
    fold_count,
    format_time,
    sanitize,
)

LEVEL_STEPS: tuple[tuple[str, int | None], ...] = (
    ("all", None),
    ("debug", 1),
    ("info", 2),
    ("warning", 3),
    ("error", 4),  # severity 4 and up: error includes critical
)

MIN_WRAP_WIDTH = 8


class LineStyles(NamedTuple):
    """Rich styles for the parts of a line; the widget builds them from its CSS."""

    base: Style
    timestamp: Style
    levels: dict[str, Style]
    exception: Style
    marker: Style
    match: Style
    current_match: Style


class AppendOutcome(NamedTuple):
    new_lines: int
    """Lines added that pass the filter (what "N new" counts while paused)."""
    dropped_lines: int
    dropped_rows: int
    """Rows that went away above everything else (to keep a paused view still)."""
    reordered: bool


def _truncate_keys(keys: array[int], key: int) -> None:
    del keys[bisect_left(keys, key) :]


def _drop_keys_below(keys: array[int], key: int) -> int:
    cut = bisect_left(keys, key)
    del keys[:cut]
    return cut


@dataclass(repr=False)
class SearchJob:
    """A search over a snapshot of the log, safe to run in a thread."""

    needle: str
    messages: MessageSnapshot
    exceptions: dict[int, str]
    base: int
    result: array[int] | None = None

    def run(self) -> SearchJob:
        hits = self.messages.find(self.needle, self.base)
        self.result = union(hits, find_in_exceptions(self.exceptions, self.needle, self.base))
        return self

    def __repr__(self) -> str:  # Textual names workers by repr: keep it short
        return f"SearchJob({self.needle!r})"


@dataclass(repr=False)
class ExportSnapshot:
    """The filtered lines at one moment, formatted off the UI thread when saving."""

    keys: Sequence[int]
    origin: int
    times: array[float]
    codes: bytes
    messages: MessageSnapshot
    exceptions: dict[int, str]
    levels: list[Level]
    zone: tzinfo | None
    utc: bool
    lines_written: int = field(default=0)

    def __repr__(self) -> str:
        return f"ExportSnapshot({len(self.keys)} lines)"

    def lines(self) -> Iterator[str]:
        """One string per text line: the entry, then its exception lines indented."""
        origin = self.origin
        for key in self.keys:
            pos = key - origin
            yield from entry_lines(
                format_time(self.times[pos], self.zone, utc=self.utc, with_date=True),
                self.levels[self.codes[pos]],
                self.messages.get(key),
                self.exceptions.get(key),
            )
            self.lines_written += 1


def entry_lines(stamp: str, level: Level, message: str, exception: str | None) -> Iterator[str]:
    """One entry as text lines, as saved and copied: the entry, then its exception indented."""
    yield f"{stamp} {level.label} {sanitize(message)}"
    if exception:
        for line in exception.splitlines():
            yield f"    {sanitize(line)}"


class LogModel:
    def __init__(self, retain_limit: int, local_tz: tzinfo | None) -> None:
        self.store = LogStore(retain_limit)
        self.local_tz = local_tz
        self.utc = False
        self.wrap = False
        self.width = 80
        """Width in cells available to a row (only matters when wrapping)."""
        self.level_step = 0
        self.expand_all = False
        self.toggled: set[int] = set()
        """Keys whose exception differs from ``expand_all`` (clicked)."""
        self.index: array[int] | None = None
        """Keys of the visible lines when a level filter is on; None means all lines."""
        self.layout = RowLayout()
        self.needle: str | None = None
        self.matches = array("q")
        self._visible_matches = array("q")
        self.current_match: int | None = None
        self._pending_search: SearchJob | None = None
        self._search_dirty_from = 0
        self.with_date = False
        self.generation = 0
        """Bumped whenever already rendered rows may look different."""

    # -- visible lines ---------------------------------------------------------

    @property
    def visible_count(self) -> int:
        return len(self.store) if self.index is None else len(self.index)

    @property
    def min_severity(self) -> int | None:
        return LEVEL_STEPS[self.level_step][1]

    @property
    def level_name(self) -> str:
        return LEVEL_STEPS[self.level_step][0]

    @property
    def prefix_width(self) -> int:
        # "YYYY-MM-DD " + "HH:MM:SS.mmm" + " " + "INF" + " "
        return (23 if self.with_date else 12) + 5

    @property
    def wrap_width(self) -> int:
        return max(MIN_WRAP_WIDTH, self.width - self.prefix_width)

    @property
    def virtual_width(self) -> int:
        return self.width if self.wrap else self.prefix_width + self.store.widest

    def key_at(self, line: int) -> int:
        return self.store.origin + line if self.index is None else self.index[line]

    def line_of(self, key: int) -> int:
        """Visible line of ``key``, or of the first visible line after it."""
        if self.index is None:
            return min(max(0, key - self.store.origin), len(self.store))
        return bisect_left(self.index, key)

    def locate(self, row: int) -> tuple[int, int] | None:
        """``(key, row within the line)`` shown at a row."""
        found = self.layout.locate(row)
        if found is None:
            return None
        return self.key_at(found[0]), found[1]

    def row_of_key(self, key: int) -> int:
        line = min(self.line_of(key), max(0, self.visible_count - 1))
        return self.layout.row_of(line)

    def is_expanded(self, key: int) -> bool:
        return self.expand_all != (key in self.toggled)

    # -- appending ---------------------------------------------------------------

    def clear(self) -> None:
        self.store.clear()
        self.toggled.clear()
        self.index = None if self.min_severity is None else array("q")
        self.clear_search()
        self.with_date = False
        self._relayout()
        self.generation += 1

    def append(self, records: Iterable[Record]) -> AppendOutcome:
        store = self.store
        old_origin, old_visible = store.origin, self.visible_count
        result = store.append(records)
        if not result.added:
            return AppendOutcome(0, 0, 0, False)
        # 1. forget visible lines from the first changed key on (old key space).
        changed_line = self._old_line_of(result.changed_from, old_origin)
        self._truncate_visible(changed_line)
        # 2. forget what the retain cap dropped.
        dropped_visible = self._drop_visible_below(store.origin, old_origin)
        dropped_rows = self.layout.drop_front(dropped_visible)
        # 3. add the lines from the changed key on; a key that now holds another line
        #    is no longer expanded (before the heights are computed).
        start = max(result.changed_from, store.origin)
        if result.reordered:
            self.toggled = {key for key in self.toggled if key < start}
            self.generation += 1
        if result.dropped:
            self.toggled = {key for key in self.toggled if key >= store.origin}
        self._extend_visible(start)
        self._update_matches(start)
        if self._refresh_date_column():
            self._relayout()
        new_lines = self.visible_count - old_visible + dropped_visible
        return AppendOutcome(max(0, new_lines), result.dropped, dropped_rows, result.reordered)

    def _old_line_of(self, key: int, old_origin: int) -> int:
        if self.index is None:
            return max(0, key - old_origin)
        return bisect_left(self.index, key)

    def _truncate_visible(self, line: int) -> None:
        if self.index is not None:
            del self.index[line:]
        self.layout.truncate(line)

    def _drop_visible_below(self, origin: int, old_origin: int) -> int:
        if self.index is not None:
            return _drop_keys_below(self.index, origin)
        # Without an index, visible line n is key old_origin + n.
        return min(self.layout.count, origin - old_origin)

    def _extend_visible(self, start: int) -> None:
        """Append the visible lines among keys ``start..end``."""
        end = self.store.end_key
        keys: Sequence[int]
        if self.index is None:
            keys = range(start, end)
        else:
            origin = self.store.origin
            mask = self.store.codes[start - origin :].translate(self._pass_table())
            keys = array("q", compress(count(start), mask))
            self.index.extend(keys)
        self.layout.append(len(keys), None if self.layout.uniform else self._heights(keys))

    def _pass_table(self) -> bytes:
        minimum = self.min_severity or 0
        return bytes(int(level >= minimum) for level in self.store.severity_table())

    def _refresh_date_column(self) -> bool:
        """Show dates once lines span more than one day; True if that changed."""
        store = self.store
        spans = bool(store.times) and day_of(store.times[0], self.local_tz, utc=self.utc) != day_of(
            store.times[-1], self.local_tz, utc=self.utc
        )
        if spans == self.with_date:
            return False
        self.with_date = spans
        self.generation += 1
        return True

    # -- layout ------------------------------------------------------------------

    def _needs_heights(self) -> bool:
        return self.wrap or self.expand_all or bool(self.toggled)

    def _relayout(self) -> None:
        if not self._needs_heights():
            self.layout.set_uniform(self.visible_count)
            return
        keys: Sequence[int] = (
            range(self.store.origin, self.store.end_key) if self.index is None else self.index
        )
        self.layout.set_heights(self._heights(keys))

    def _heights(self, keys: Sequence[int]) -> array[int]:
        if self.wrap:
            return self._wrapped_heights(keys)
        heights = array("H", [1]) * len(keys)
        exceptions = self.store.exceptions
        candidates = exceptions if self.expand_all else self.toggled
        if len(keys) <= len(candidates):
            # A small batch: look its keys up rather than walk every exception.
            for line, key in enumerate(keys):
                if key in exceptions and self.is_expanded(key):
                    heights[line] = self._height(key)
            return heights
        for key in candidates:
            if key in exceptions and self.is_expanded(key):
                line = bisect_left(keys, key)
                if line < len(keys) and keys[line] == key:
                    heights[line] = self._height(key)
        return heights

    def _wrapped_heights(self, keys: Sequence[int]) -> array[int]:
        # The hot loop of a wrap relayout: plain ASCII lines need only len().
        exceptions, width = self.store.exceptions, self.wrap_width
        heights = array("H")
        add = heights.append
        for key, message in zip(keys, self._messages_of(keys), strict=True):
            if key in exceptions or len(message) > CUT_CHARS or not (message.isascii() and message.isprintable()):
                add(self._height(key))
            else:
                add((len(message) - 1) // width + 1 if message else 1)
        return heights

    def _messages_of(self, keys: Sequence[int]) -> Iterator[str]:
        messages = self.store.messages
        if isinstance(keys, range):
            # Contiguous keys: decode whole blocks instead of one slice per line.
            for start in range(keys.start, keys.stop, 65_536):
                yield from messages.slice(start, min(keys.stop, start + 65_536))
        else:
            yield from map(messages.get, keys)

    def _height(self, key: int) -> int:
        """Rows of one line, the slow general way (kept consistent with ``rows``)."""
        exception = self.store.exceptions.get(key)
        expanded = exception is not None and self.is_expanded(key)
        if not self.wrap:
            return min(MAX_HEIGHT, 1 + len(exception_lines(exception))) if expanded and exception else 1
        width = self.wrap_width
        head = display_text(self.store.message(key))
        if exception is not None:
            head += EXPANDED_MARKER if expanded else collapsed_exception(exception)
        rows = fold_count(head, width)
        if expanded and exception is not None:
            rows += sum(fold_count(line, width) for line in exception_lines(exception))
        return min(MAX_HEIGHT, rows)

    # -- settings ------------------------------------------------------------------

    def set_width(self, width: int) -> bool:
        """True if the layout changed (only wrapping depends on the width)."""
        if width == self.width:
            return False
        old_wrap_width = self.wrap_width
        self.width = width
        if self.wrap and self.wrap_width != old_wrap_width:
            self.generation += 1
            self._relayout()
            return True
        return False

    def set_wrap(self, wrap: bool) -> None:
        self.wrap = wrap
        self.generation += 1
        self._relayout()

    def set_utc(self, utc: bool) -> None:
        self.utc = utc
        self.generation += 1
        if self._refresh_date_column() and self.wrap:
            self._relayout()

    def cycle_level(self) -> None:
        self.set_level_step((self.level_step + 1) % len(LEVEL_STEPS))

    def set_level_step(self, step: int) -> None:
        self.level_step = step
        if self.min_severity is None:
            self.index = None
        else:
            mask = self.store.codes.translate(self._pass_table())
            self.index = array("q", compress(count(self.store.origin), mask))
        self._relayout()
        self._recompute_visible_matches()
        self.generation += 1

    def toggle_expand_all(self) -> None:
        self.expand_all = not self.expand_all
        self.toggled.clear()
        self.generation += 1
        self._relayout()

    def toggle_line(self, key: int) -> bool:
        """Expand or collapse one line's exception; False if it has none."""
        if key not in self.store.exceptions:
            return False
        self.toggled ^= {key}
        self.generation += 1
        if self.layout.uniform:
            self._relayout()
        else:
            self.layout.set_height(self.line_of(key), self._height(key))
        return True

    # -- search ----------------------------------------------------------------------

    @property
    def visible_matches(self) -> array[int]:
        return self.matches if self.index is None else self._visible_matches

    @property
    def search_pending(self) -> bool:
        return self._pending_search is not None

    def begin_search(self, needle: str) -> SearchJob:
        """Start a search: the returned job runs anywhere; hand it to ``finish_search``."""
        self.clear_search()
        store = self.store
        self.needle = needle
        job = SearchJob(needle, store.messages.snapshot(), dict(store.exceptions), store.origin)
        self._pending_search = job
        self._search_dirty_from = store.end_key
        return job

    def finish_search(self, job: SearchJob) -> bool:
        """Adopt a finished job's matches; False if the job is stale (superseded)."""
        if job is not self._pending_search or job.result is None:
            return False
        self._pending_search = None
        # Lines dropped, appended or reordered while the job ran are searched again here.
        low, high = self.store.origin, self._search_dirty_from
        result = job.result
        self.matches = result[bisect_left(result, low) : bisect_left(result, high)]
        self.matches.extend(self._search_range(max(high, low)))
        self._recompute_visible_matches()
        visible = self.visible_matches
        self.current_match = visible[0] if visible else None
        self.generation += 1
        return True

    def clear_search(self) -> None:
        self.needle = None
        self._pending_search = None
        self.matches = array("q")
        self._visible_matches = array("q")
        self.current_match = None
        self.generation += 1

    def _search_range(self, start: int) -> array[int]:
        if self.needle is None or start >= self.store.end_key:
            return array("q")
        hits = self.store.messages.find(self.needle, start)
        return union(hits, find_in_exceptions(self.store.exceptions, self.needle, start))

    def _update_matches(self, start: int) -> None:
        if self.needle is None:
            return
        if self._pending_search is not None:
            self._search_dirty_from = min(self._search_dirty_from, start)
            return
        origin = self.store.origin
        _truncate_keys(self.matches, start)
        _drop_keys_below(self.matches, origin)
        fresh = self._search_range(start)
        self.matches.extend(fresh)
        if self.index is not None:
            _truncate_keys(self._visible_matches, start)
            _drop_keys_below(self._visible_matches, origin)
            self._visible_matches.extend(self._filter_keys(fresh))
        if self.current_match is not None and self.current_match >= start:
            self.generation += 1

    def _filter_keys(self, keys: Iterable[int]) -> array[int]:
        table, codes, origin = self._pass_table(), self.store.codes, self.store.origin
        return array("q", (key for key in keys if table[codes[key - origin]]))

    def _recompute_visible_matches(self) -> None:
        self._visible_matches = array("q") if self.index is None else self._filter_keys(self.matches)

    def step_match(self, forward: bool) -> int | None:
        """Move the current match to the next/previous visible one (wrapping around)."""
        visible = self.visible_matches
        if not visible:
            return None
        current = self.current_match
        if current is None:
            chosen = visible[0] if forward else visible[-1]
        elif forward:
            at = bisect_left(visible, current + 1)
            chosen = visible[at] if at < len(visible) else visible[0]
        else:
            at = bisect_left(visible, current) - 1
            chosen = visible[at] if at >= 0 else visible[-1]
        self.current_match = chosen
        self.generation += 1
        return chosen

    def match_ordinal(self) -> int | None:
        """1-based position of the current match among the visible ones."""
        visible, current = self.visible_matches, self.current_match
        if current is None:
            return None
        at = bisect_left(visible, current)
        return at + 1 if at < len(visible) and visible[at] == current else None

    # -- rendering -----------------------------------------------------------------------

    def rows(self, key: int, styles: LineStyles) -> list[Text]:
        """The rows one line occupies, as Rich ``Text`` (never parsed as markup)."""
        store = self.store
        level = store.level(key)
        stamp = format_time(store.time(key), self.local_tz, utc=self.utc, with_date=self.with_date)
        head = f"{stamp} {level.label} "
        label_at = len(stamp) + 1
        head_spans = [
            Span(0, len(stamp), styles.timestamp),
            Span(label_at, label_at + len(level.label), styles.levels[level.style_name]),
        ]
        indent = " " * self.prefix_width
        exception = store.exception(key)
        expanded = exception is not None and self.is_expanded(key)
        match_style = styles.current_match if key == self.current_match else styles.match
        body = Text(display_text(store.message(key)))
        if exception is not None:
            if expanded:
                body.append(EXPANDED_MARKER, styles.marker)
            else:
                body.append(collapsed_exception(exception), styles.exception)
        self._highlight(body, match_style)
        pieces = _fold_text(body, self.wrap_width) if self.wrap else [body]
        rows = [
            _prefixed(head, head_spans, piece, styles.base) if n == 0 else _prefixed(indent, [], piece, styles.base)
            for n, piece in enumerate(pieces)
        ]
        if expanded and exception is not None:
            for line in exception_lines(exception):
                text = Text(line, style=styles.exception)
                self._highlight(text, match_style)
                for piece in _fold_text(text, self.wrap_width) if self.wrap else [text]:
                    rows.append(_prefixed(indent, [], piece, styles.base))
        return rows

    def _highlight(self, text: Text, style: Style) -> None:
        if not self.needle:
            return
        plain = text.plain
        lowered, needle = plain.lower(), self.needle.lower()
        if len(lowered) != len(plain):
            return  # case folding changed offsets (rare scripts): skip highlighting
        start = lowered.find(needle)
        while start >= 0:
            text.stylize(style, start, start + len(needle))
            start = lowered.find(needle, start + len(needle))

    def entry_text(self, key: int) -> str:
        """The entry ``key`` as it is saved to a file (date, level, message, exception)."""
        store = self.store
        stamp = format_time(store.time(key), self.local_tz, utc=self.utc, with_date=True)
        return "\n".join(entry_lines(stamp, store.level(key), store.message(key), store.exception(key)))

    def snapshot(self) -> ExportSnapshot:
        store = self.store
        keys: Sequence[int] = (
            range(store.origin, store.end_key) if self.index is None else array("q", self.index)
        )
        return ExportSnapshot(
            keys=keys,
            origin=store.origin,
            times=array("d", store.times),
            codes=bytes(store.codes),
            messages=store.messages.snapshot(),
            exceptions=dict(store.exceptions),
            levels=list(store.levels),
            zone=self.local_tz,
            utc=self.utc,
        )


def _prefixed(prefix: str, spans: list[Span], piece: Text, base: Style) -> Text:
    """One row: a prefix (with its spans) then a piece of the body, on the base style."""
    shift = len(prefix)
    moved = [Span(span.start + shift, span.end + shift, span.style) for span in piece.spans]
    if piece.style:
        moved.insert(0, Span(shift, shift + len(piece.plain), piece.style))
    return Text(prefix + piece.plain, style=base, end="", no_wrap=True, spans=[*spans, *moved])


def _fold_text(text: Text, width: int) -> list[Text]:
    pieces = fold(text.plain, width)
    if len(pieces) == 1:
        return [text]
    offsets = list(_running(len(piece) for piece in pieces[:-1]))
    return list(text.divide(offsets))


def _running(lengths: Iterable[int]) -> Iterator[int]:
    total = 0
    for length in lengths:
        total += length
        yield total
