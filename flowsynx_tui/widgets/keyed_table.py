"""A table of keyed rows kept in sync with data in place, drawing only the rows on screen.

A Line API widget (``ScrollView`` + ``render_line``): rows are kept in a dict by key
and an ordered key list, a row is rendered when it scrolls into view (and cached), and
column widths follow counts of cell widths, so a refresh measures only the cells that
changed. It stays fast at 100k rows where Textual's ``DataTable`` measures and lays out
every row (see ``benchmarks/bench_tables.py``).

Cells are ``Text`` on their way in: a plain ``str`` is made safe by the text module and
never parsed as markup. Refreshing data must never move the cursor or the scroll
position: changed cells repaint alone, where they are; when rows are added, removed or
reordered the cursor stays on its key and the view shifts by as many rows as the cursor's
row moved, so what the user looks at stays still; scrolled to the top, the view stays there
(new runs show up on top). New rows are put in place by bisection (:meth:`KeyedTable.add`).

Keys people have in their fingers (k9s, lazygit, less): ``j``/``k`` down/up, ``g``/``home``
first row, ``G``/``end`` last row, ``ctrl+d``/``ctrl+u`` half a page down/up.

Sorting (``S`` cycles the column, a header click sorts by that column, again reverses)
and the ``/`` filter (:meth:`KeyedTable.filter_rows`) belong to the table, not to the
screens: they hand ``sync`` all their rows in their natural order every time, and the
table keeps those the filter keeps, in the chosen order, so both survive every refresh
and the cursor stays on its key. Sort keys and folded filter text are cached per row
until its cells change. Cells are compared by what they show
(:func:`sort_key`):

- durations as written by ``format.format_duration`` (``59.9s``, ``1m 02s``, ``2h 03m``,
  ``1d 4h``) by their length in seconds;
- ages (``5m ago``, ``just now``) by the moment they name, so newer is greater;
- times (``12-01 03:22:50``, ``2025-12-01 03:22:50``) as written: their fields go from
  the largest unit to the smallest, so text order is time order (the compact form has
  no year: across a new year it sorts by month and day only);
- plain numbers (``1,234``) by value;
- anything else as text, case-insensitive, after a leading status glyph (``▶ Running``
  sorts as ``running``);
- an empty cell or ``–`` is last in both directions.

Ties keep the natural order. A column's first sort is descending when it holds
durations, ages, times or numbers (longest, newest, largest first) and ascending for
text; the header label says it: ``Started ▼``.

From ``SORT_IN_THREAD_FROM`` rows a sort is worked out in a thread from copies of what it
needs (``sorting`` is True meanwhile): the header shows the new sort at once and the rows
keep their order until the new one is put on screen; keys, refreshes and new rows go on
as before, and the sort takes them into account when it is done.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, count, filterfalse, repeat
from math import ceil
from operator import and_, attrgetter, eq, is_, is_not, itemgetter, methodcaller, not_, or_
from typing import Any, ClassVar, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from flowsynx_tui.text import one_line
from flowsynx_tui.widgets.filter_bar import SEPARATOR, RowFilter

Cell = str | Text
Row = tuple[str, Sequence[Cell]]

ASCENDING_MARK = "▲"
DESCENDING_MARK = "▼"


def _display(value: Cell) -> Text:
    """A cell as drawn: a ``str`` is made safe and never parsed as markup."""
    return value if isinstance(value, Text) else Text(_plain(value), no_wrap=True, end="")


def plain(value: Cell) -> str:
    """A cell's text as the table shows it."""
    return value.plain if isinstance(value, Text) else one_line(value)


def _rows_of(keys: list[str], natural: list[str]) -> list[int]:
    """Where ``keys`` are in ``natural``, in order: a few by ``index`` (new runs come on
    top, found at once), more in one pass in C (a page of older runs, at the bottom)."""
    if len(keys) <= 8:
        return sorted(map(natural.index, keys))
    return list(compress(count(), map(set(keys).__contains__, natural)))


def _plain(value: Cell) -> str:
    """``plain`` with a fast way through for the text our own formatters make."""
    if isinstance(value, Text):
        return value.plain
    if value.isascii() and value.isprintable() and len(value) <= 500:
        return value  # one_line would give it back unchanged
    return one_line(value)


def _width(value: Cell) -> int:
    text = _plain(value)
    return len(text) if text.isascii() else cell_len(text)


# ------------------------------------------------------------------------- comparing cells
SortKey = tuple[int, float | str]
K = TypeVar("K")
QUANTITY, TIME, TEXT = 0, 1, 2
"""Kinds of cell value, first item of a sort key."""

_BLANK = frozenset({"", "–", "-", "—"})
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
#: Every character a duration, age, time or number can have: a value with another one
#: (most hexadecimal ids) is text without asking the regular expression.
_QUANTITY_CHARACTERS = "0123456789.,+- dhmsagoT:"
_TIME = r"(?:\d{4}-)?\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
# One pass tells the kinds apart, in this order of preference (an alternative is taken
# only if it matches the whole value).
_VALUE = re.compile(
    r"(?P<duration>\d+(?:\.\d+)?[dhms](?: \d+(?:\.\d+)?[dhms])*)"
    r"|(?P<age>\d+[dhms] ago)"
    rf"|(?P<time>{_TIME})"
    r"|(?P<number>[+-]?\d[\d,]*(?:\.\d+)?)"
)
_LEADING_GLYPHS = re.compile(r"^[^\w\s]+\s*")
#: After a status glyph: "✔ Completed 16m ago" (a last run) compares as its age, and
#: "‖1 ✔3 ✘1" (runs by status) as its total: as text, 14 runs came before 3.
_TRAILING_AGE = re.compile(r" (\d+)([dhms]) ago$")
_COUNTS = re.compile(r"[^\w\s]+\d+(?:\s+[^\w\s]+\d+)*")
_NUMBERS = re.compile(r"\d+")


@lru_cache(maxsize=16384)
def sort_key(text: str) -> tuple[int, float | str] | None:
    """How a cell showing ``text`` compares with the others of its column; None if blank.

    ``(QUANTITY, seconds or value)``, ``(TIME, text)`` or ``(TEXT, folded text)``: kinds
    never mix within a column the screens fill, and when they do, quantities come first.
    """
    value = text.strip()
    if value in _BLANK:
        return None
    first = value[0]
    if (first.isdigit() or first in "+-") and not (value.isascii() and value.lstrip(_QUANTITY_CHARACTERS)):
        found = _VALUE.fullmatch(value)
        kind = found.lastgroup if found else None
        if kind == "duration":
            return QUANTITY, sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(value))
        if kind == "age":
            return QUANTITY, -float(value[:-5]) * _UNIT_SECONDS[value[-5]]
        if kind == "time":
            return TIME, value.replace("T", " ")
        if kind == "number":
            return QUANTITY, float(value.replace(",", ""))
    elif value == "just now":
        return QUANTITY, 0.0
    elif first.isalnum():
        return TEXT, value.casefold()
    elif not first.isascii():  # a status glyph: values of such shapes are keyed here (``_kind``)
        if value.endswith(" just now"):
            return QUANTITY, 0.0
        if age := _TRAILING_AGE.search(value):
            return QUANTITY, -float(age[1]) * _UNIT_SECONDS[age[2]]
        if _COUNTS.fullmatch(value):
            return QUANTITY, float(sum(map(int, _NUMBERS.findall(value))))
    return TEXT, _LEADING_GLYPHS.sub("", value).casefold()


_DIGIT_SHAPES = str.maketrans("0123456789", "9999999999")
#: Up to this many different values in a column, each is keyed once through ``sort_key``'s cache.
_FEW = 1024


@lru_cache(maxsize=1024)
def _kind(shape: str) -> int | None:
    """The kind of a value's sort key from its shape (digits made 9): the patterns look
    at digits only as digits, so every value of one shape is of one kind."""
    found = sort_key(shape)
    return None if found is None else found[0]


def sort_keys(texts: Sequence[str]) -> list[SortKey | None]:
    """:func:`sort_key` of each text of a column (see :func:`_kinds_and_values`)."""
    kinds, values = _kinds_and_values(texts)
    return [None if kind is None else (kind, value) for kind, value in zip(kinds, values)]  # type: ignore[misc]


Kinds = list[int | None]
Values = list[float | str | None]


def _kinds_and_values(texts: Sequence[str]) -> tuple[Kinds, Values]:
    """The :func:`sort_key` of each text of a column as two lists, kinds and values (None
    and None for a blank): 100k key tuples kept alive would each be an object for the
    garbage collector, whose passes over them held the event loop 35-105 ms during a sort.

    A few passes that run in C: a value's kind follows from its shape (digits made 9: the
    patterns look at digits only as digits), a column has few shapes but for ids and
    times, and a column of one kind whose values are all different (times, ids, names) is
    keyed without a function call per value."""
    stripped = list(map(str.strip, texts))
    blank = list(map(_BLANK.__contains__, stripped))
    present = list(compress(stripped, map(not_, blank))) if any(blank) else stripped
    if len(set(present)) <= _FEW:  # statuses, names, durations: the cache of sort_key knows them
        distinct = {text: sort_key(text) for text in set(stripped)}
        kind_of = {text: None if key is None else key[0] for text, key in distinct.items()}
        value_of = {text: None if key is None else key[1] for text, key in distinct.items()}
        return list(map(kind_of.__getitem__, stripped)), list(map(value_of.__getitem__, stripped))
    shapes = "\n".join(present).translate(_DIGIT_SHAPES).split("\n")
    if len(shapes) != len(present):  # a value with a newline: not from text.one_line
        return _split(list(map(sort_key, stripped)))
    distinct_shapes = list(set(shapes))
    kind_of_shape = dict.fromkeys(distinct_shapes, TEXT)
    # Only a value of quantity characters (or other digits than ASCII ones) can be a
    # duration, age, time or number.
    quantity_only = map(not_, map(str.lstrip, distinct_shapes, repeat(_QUANTITY_CHARACTERS)))
    for shape in compress(distinct_shapes, map(or_, quantity_only, map(not_, map(str.isascii, distinct_shapes)))):
        kind_of_shape[shape] = _kind(shape)
    if "just now" in kind_of_shape:
        kind_of_shape["just now"] = QUANTITY
    shape_kinds = list(map(kind_of_shape.__getitem__, shapes))
    times = list(map(eq, shape_kinds, repeat(TIME)))
    words = list(map(and_, map(eq, shape_kinds, repeat(TEXT)), map(str.isalnum, map(itemgetter(0), present))))
    rest = list(map(not_, map(or_, times, words)))
    indices = range(len(present))
    kinds: Kinds = [TEXT] * len(present)
    values: Values = [None] * len(present)
    # Each kind put in its places (``list.__setitem__`` mapped: a loop in C, no dict of 100k).
    _consume(map(kinds.__setitem__, compress(indices, times), repeat(TIME)))
    _consume(map(values.__setitem__, compress(indices, times), map(methodcaller("replace", "T", " "), compress(present, times))))
    _consume(map(values.__setitem__, compress(indices, words), map(str.casefold, compress(present, words))))
    keyed = list(map(sort_key, compress(present, rest)))  # never None: blanks are not present
    _consume(map(kinds.__setitem__, compress(indices, rest), map(itemgetter(0), keyed)))  # type: ignore[arg-type]
    _consume(map(values.__setitem__, compress(indices, rest), map(itemgetter(1), keyed)))  # type: ignore[arg-type]
    del keyed
    if present is stripped:
        return kinds, values
    kept = list(compress(range(len(stripped)), map(not_, blank)))
    spread_kinds: Kinds = [None] * len(stripped)
    spread_values: Values = [None] * len(stripped)
    _consume(map(spread_kinds.__setitem__, kept, kinds))
    _consume(map(spread_values.__setitem__, kept, values))
    return spread_kinds, spread_values


def _consume(iterator: Any) -> None:
    """Run a ``map`` for its effect, in C."""
    deque(iterator, maxlen=0)


def _ordered_by(keys: list[K], kinds: Kinds, values: Values, descending: bool) -> list[K]:
    """``keys`` by their sort keys' ``kinds`` and ``values`` (in the same order), blanks
    last, ties in the given order. Each kind is sorted on its own, by its values alone:
    Python compares a list of plain strings or floats much faster than one of tuples."""
    if None not in kinds and len(set(kinds)) == 1:  # one kind, no blank (most columns): one sort
        return list(map(keys.__getitem__, sorted(range(len(keys)), key=values.__getitem__, reverse=descending)))
    present = list(compress(range(len(keys)), map(is_not, kinds, repeat(None))))
    blank = list(compress(range(len(keys)), map(is_, kinds, repeat(None))))
    present_kinds = list(map(kinds.__getitem__, present))
    order: list[int] = []
    distinct = sorted(set(present_kinds), reverse=descending)  # type: ignore[type-var]
    for kind in distinct:
        group = list(compress(present, map(eq, present_kinds, repeat(kind)))) if len(distinct) > 1 else present
        group_values = list(map(values.__getitem__, group))
        # ``sorted`` is stable in both directions: equal cells keep the natural order.
        order += map(group.__getitem__, sorted(range(len(group)), key=group_values.__getitem__, reverse=descending))
    return list(map(keys.__getitem__, order + blank))


def _split(found: list[SortKey | None]) -> tuple[Kinds, Values]:
    """Sort keys as the two lists :func:`_kinds_and_values` gives."""
    return [None if key is None else key[0] for key in found], [None if key is None else key[1] for key in found]


def sort_rows(rows: Sequence[Row], column: int, descending: bool) -> list[Row]:
    """``rows`` ordered by the cells of ``column`` (see :func:`sort_key`), blanks last, ties
    in their given order."""
    texts = [plain(cells[column]) if column < len(cells) else "" for _, cells in rows]
    return _ordered_by(list(rows), *_kinds_and_values(texts), descending)


def _column_plains(column: list[Cell]) -> list[str]:
    """The text of many cells as they hold it (not made safe): a column of only ``Text``
    or only ``str`` (the usual) without a Python step per cell of ours."""
    kinds = set(map(type, column))
    if kinds == {str}:
        return column  # type: ignore[return-value]
    if kinds == {Text}:
        return list(map(_TEXT_PLAIN, column))
    return [value.plain if value.__class__ is not str else value for value in column]  # type: ignore[union-attr]


_TEXT_PLAIN = attrgetter("plain")


def _plains(column: list[Cell]) -> list[str]:
    """``_plain`` of many cells (a column of thousands of rows)."""
    plains = _column_plains(column)
    if all(map(str.isprintable, plains)) and max(map(len, plains), default=0) <= 500:
        return plains
    return [_plain(value) for value in column]  # rare: some made safe the slow way


@dataclass
class _PendingSort:
    """A sort being worked out in a thread, and what happened to the rows meanwhile."""

    target: tuple[str, bool]  # (column key, descending)
    token: int
    #: The list of keys the table had in its own order when the thread started (by identity).
    natural: list[str]
    attempts: int = 1
    #: Cells changed since (keys and columns), checked against the new order when it comes.
    changed: list[tuple[str, list[int]]] = field(default_factory=list)
    #: Rows added, removed or reordered, or the filter changed: the order is worked out again.
    restructured: bool = False


@dataclass(frozen=True)
class _Looks:
    """The table's styles for one state of its pseudo classes (focus, theme)."""

    base: Style
    header: Style
    cursor_pre: Style
    cursor_post: Style
    cursor_fill: Style


def _scrollbar_drawing(bar: ScrollBar) -> tuple[int, int] | None:
    """Where ``bar``'s thumb is drawn, in eighths of a cell (the arithmetic of Textual's
    ``ScrollBarRender.render_bar``; a test compares the screen with a full repaint), or
    None when it draws none."""
    # Its size as last laid out (a scrollbar has no padding or border): ``size`` would look
    # its region up in the compositor's map, four times a new run.
    size = bar.outer_size.height if bar.vertical else bar.outer_size.width
    virtual_size = ceil(bar.window_virtual_size)
    window_size = ceil(bar.window_size if bar.window_size < bar.window_virtual_size else 0)
    if not (window_size and size and virtual_size and size != virtual_size):
        return None
    thumb_size = max(1, window_size / (virtual_size / size))
    start = int((size - thumb_size) * (bar.position / (virtual_size - window_size)) * 8)
    return start, start + ceil(thumb_size * 8)


class KeyedTable(ScrollView, can_focus=True, inherit_bindings=False):
    DEFAULT_CSS = """
    KeyedTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .keyed-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .keyed-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .keyed-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .keyed-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .keyed-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keyed-table--header", "keyed-table--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="table.open"),
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        # The arrows stay when j/k are remapped: bindings of their own.
        Binding("down", "cursor_down", "Down", show=False, id="table.arrow_down"),
        Binding("up", "cursor_up", "Up", show=False, id="table.arrow_up"),
        Binding("g,home", "first_row", "First row", show=False, id="table.top"),
        Binding("G,end", "last_row", "Last row", show=False, id="table.bottom"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("ctrl+d", "half_page(1)", "Half a page down", show=False, id="table.half_page_down"),
        Binding("ctrl+u", "half_page(-1)", "Half a page up", show=False, id="table.half_page_up"),
        # The only keys for columns cut off at the right (an approval's comment at 80
        # columns): remappable, as h and l mean other things on some screens.
        Binding("left", "scroll_columns(-4)", "Columns left", show=False, id="table.left"),
        Binding("right", "scroll_columns(4)", "Columns right", show=False, id="table.right"),
        Binding("S", "cycle_sort", "Sort by the next column", show=False, id="table.sort"),
    ]
    #: ``S`` and header clicks sort the rows; a table whose order means something (the
    #: task tree's DAG) turns it off.
    SORTABLE: ClassVar[bool] = True
    #: From this many rows, a sort is worked out in a thread (``S``, a header click): at 100k
    #: rows building the sort keys and ordering them takes 0.1-0.5 s, which would freeze the
    #: keys and the screen; the UI thread only puts the new order on screen.
    SORT_IN_THREAD_FROM: ClassVar[int] = 20_000
    _SORT_WORKERS = "keyed-table-sort"
    _FOLD_WORKERS = "keyed-table-fold"
    #: Blank cells either side of every cell, as in Textual's DataTable.
    cell_padding: ClassVar[int] = 1
    header_height: ClassVar[int] = 1
    show_header: ClassVar[bool] = True

    class RowSelected(Message):
        """Enter on a row, or a click on the row the cursor is already on."""

        def __init__(self, table: KeyedTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> KeyedTable:
            return self.table

    def __init__(
        self, columns: Sequence[tuple[str, str]], *, shares: Mapping[str, float] | None = None, **kwargs: Any
    ) -> None:
        """``shares``: the most of the table's width a column of long text (a name, a
        comment) takes when the rows are wider than the table; its cells end in "…" there.
        At 80 columns a 60-character workflow name left no room for its runs."""
        super().__init__(**kwargs)
        self._column_spec = list(columns)
        keys = [key for key, _ in self._column_spec]
        self._shares = {keys.index(key): share for key, share in (shares or {}).items() if key in keys}
        #: The table's width, known from its last resize when it has ``shares`` (else 0).
        self._room = 0
        #: Every row's cells as the screen handed them in (filtered out or not), by key.
        self._cells: dict[str, Sequence[Cell]] = {}
        #: Every key in the screen's order; ``_shown``: the keys on screen, filtered and sorted.
        self._natural: list[str] = []
        self._shown: list[str] = []
        self._sort: tuple[str, bool] | None = None  # (column key, descending)
        self._row_filter = RowFilter()
        self._pending_sort: _PendingSort | None = None
        self._sort_token = 0
        self._cursor_key: str | None = None
        #: The row the user last put the cursor on: the cursor goes back to it when a
        #: filter that hid it is cleared.
        self._wanted_key: str | None = None
        self._cursor_row = 0
        #: Per column: how many cells have each width. A column is as wide as its widest
        #: cell (or label) without measuring the other rows again when one changes.
        self._width_counts: list[dict[int, int]] = [{} for _ in self._column_spec]
        self._known_label_widths: tuple[tuple[str, bool] | None, list[int]] | None = None
        self._widths = self._label_widths()
        #: Caches by key: sort key of the sorted column's cell, the row's folded text for the filter.
        self._sort_keys: dict[str, SortKey | None] = {}
        self._folded: dict[str, str] = {}
        #: Folded text of one column's cells by key, for the columns a filter has named.
        self._folded_columns: dict[int, dict[str, str]] = {}
        #: By column (-1: whole rows) and key list: the list (kept alive, so that its id is
        #: not another's), ``_folded_version`` then, and the keys' folded text.
        self._aligned_text: dict[tuple[int, int], tuple[list[str], int, list[str]]] = {}
        self._folded_version = 0
        #: The text of every row's cells by column, in the order of ``_natural`` (when that
        #: list is the first one; kept along as rows change and new ones come): a first sort
        #: or a filter on a column reads it without a look-up per key.
        self._texts: tuple[list[str], list[list[str]]] | None = None
        #: Keys whose cells changed since (their text in ``_texts`` is old).
        self._texts_stale: set[str] = set()
        #: Rows added since, not yet in ``_texts``: (row in ``_natural`` then, key), in order.
        self._texts_added: list[tuple[int, str]] = []
        #: Sort keys of the sorted column along ``_natural``: (that list, column, version,
        #: the keys' kinds and values).
        self._found: tuple[list[str], int, int, tuple[Kinds, Values]] | None = None
        #: Row of each key shown, while the order lasts (built when a few rows changed).
        self._positions: dict[str, int] | None = None
        self._strips: LRUCache[tuple[str, bool], Strip] = LRUCache(1024)
        self._header_strip: Strip | None = None
        #: Set while the view scrolls along with rows added above it (``_insert``).
        self._view_moves_with_rows = False
        self._looks: _Looks | None = None
        self._pseudo_state: object = None

    # ------------------------------------------------------------------ what is shown
    @property
    def row_count(self) -> int:
        return len(self._shown)

    @property
    def cursor_row(self) -> int:
        return self._cursor_row

    @property
    def selected_key(self) -> str | None:
        return self._cursor_key if self._shown else None

    @property
    def keys(self) -> list[str]:
        """Row keys in the order shown (filtered; sorted, if a sort is on)."""
        return list(self._shown)

    @property
    def visible_keys(self) -> list[str]:
        """Keys of the rows on screen now, top to bottom."""
        top = round(self.scroll_y)
        return self._shown[top : top + self._page_rows()]

    @property
    def column_names(self) -> list[str]:
        """Header names in the order of each row's cells (without a sort mark)."""
        return [label for _, label in self._column_spec]

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self._column_spec]

    def column_width(self, column: str) -> int:
        """Cells the column's text gets (its widest cell or label), padding not included."""
        return self._widths[self._column_index(column)]

    def column_span(self, column: str) -> tuple[int, int]:
        """Where the column is drawn, padding included: (x in the table, width)."""
        x = 0
        for index, (key, _) in enumerate(self._column_spec):
            width = self._widths[index] + 2 * self.cell_padding
            if key == column:
                return x, width
            x += width
        raise KeyError(column)

    def get_cell(self, key: str, column: str) -> Text:
        """The cell as the table shows it."""
        cells = self._cells[key]
        index = self._column_index(column)
        return _display(cells[index]) if index < len(cells) else Text("")

    def get_row(self, key: str) -> list[Text]:
        return [_display(value) for value in self._cells[key]]

    def get_cell_at(self, coordinate: tuple[int, int]) -> Text:
        row, column = coordinate
        return self.get_cell(self._shown[row], self._column_spec[column][0])

    @property
    def sort_column(self) -> str | None:
        """The key of the column the rows are sorted by; None: the screen's natural order.
        A sort still being worked out in a thread is not in it yet (see ``sorting``)."""
        return self._sort[0] if self._sort else None

    @property
    def sorting(self) -> bool:
        """True while a sort is worked out in a thread (a big table): the header shows it,
        the rows keep their old order until it is done."""
        return self._pending_sort is not None

    def _wanted_sort(self) -> tuple[str, bool] | None:
        """The sort asked for last: the one being worked out, else the one shown."""
        return self._pending_sort.target if self._pending_sort else self._sort

    @property
    def sort_descending(self) -> bool:
        return bool(self._sort and self._sort[1])

    @property
    def row_filter(self) -> RowFilter:
        return self._row_filter

    def filter_rows(self, row_filter: RowFilter) -> None:
        """Show only the rows ``row_filter`` keeps (it matches the cells as shown)."""
        if row_filter == self._row_filter:
            return
        # A word typed further: only the rows shown can stay (in the order they have).
        narrower = row_filter.narrows(self._row_filter)
        self._row_filter = row_filter
        self._rows_restructured()
        self._show_in_new_order(resorted=False, within=self._shown if narrower else None)

    # ------------------------------------------------------------------ the cursor
    def select_key(self, key: str) -> bool:
        if key not in self._cells:
            return False
        try:
            row = self._shown.index(key)
        except ValueError:
            return False  # filtered out
        self.move_cursor(row=row)
        return True

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on the ``row``-th row shown (clamped); with ``scroll``, bring it into view."""
        if not self._shown:
            return
        row = min(max(row, 0), len(self._shown) - 1)
        old = self._cursor_row
        self._cursor_row = row
        self._cursor_key = self._wanted_key = self._shown[row]
        if row != old:
            self._refresh_rows(old, row)
        if scroll:
            self._scroll_row_into_view(row)

    def _scroll_row_into_view(self, row: int) -> None:
        top = round(self.scroll_y)
        page = self._page_rows()
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + page:
            self.scroll_to(y=row - page + 1, animate=False, immediate=True)

    def _page_rows(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - self.header_height)

    # ------------------------------------------------------------------ keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cycle_sort" and not self.SORTABLE:
            return False
        return super().check_action(action, parameters)

    def action_select_cursor(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor_row - 1)

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self._shown) - 1)

    def action_page(self, direction: int) -> None:
        if not self._shown:
            return
        step = self._page_rows()
        self.scroll_to(y=self.scroll_y + direction * step, animate=False, immediate=True)
        self.move_cursor(row=self._cursor_row + direction * step)

    def action_half_page(self, direction: int) -> None:
        """Cursor and view move by half the rows on screen (as ``ctrl+d``/``ctrl+u`` in less and vim)."""
        if not self._shown:
            return
        step = max(1, self._page_rows() // 2)
        self.scroll_to(y=self.scroll_y + direction * step, animate=False, immediate=True)
        # scroll=False: the cursor moves with the view, wherever it was on screen.
        self.move_cursor(row=self._cursor_row + direction * step, scroll=False)

    def action_scroll_columns(self, columns: int) -> None:
        self.scroll_to(x=self.scroll_x + columns, animate=False)

    def action_cycle_sort(self) -> None:
        """Next named column, each in its first direction; after the last, the natural order."""
        named = [key for key, label in self._column_spec if label]
        wanted = self._wanted_sort()
        current = wanted[0] if wanted else None
        if current is None:
            following: str | None = named[0] if named else None
        elif current in named and named.index(current) + 1 < len(named):
            following = named[named.index(current) + 1]
        else:
            following = None
        self.sort_by(following)

    # ------------------------------------------------------------------ mouse
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = self._column_at(offset.x + round(self.scroll_x))
        if offset.y < self.header_height:
            tag = self._sort_tag(round(self.scroll_x), self.scrollable_content_region.width)
            if tag is not None and tag[0] <= offset.x < tag[0] + cell_len(tag[1]):
                column = self._column_index(self._wanted_sort()[0])  # type: ignore[index]  # the column it names
            if column is not None and self.SORTABLE:
                key = self._column_spec[column][0]
                wanted = self._wanted_sort()
                self.sort_by(key, descending=not wanted[1] if wanted and wanted[0] == key else None)
            return
        row = round(self.scroll_y) + offset.y - self.header_height
        if 0 <= row < len(self._shown):
            again = row == self._cursor_row
            self.move_cursor(row=row)
            if again:
                self.action_select_cursor()
            event.stop()

    def _column_at(self, x: int) -> int | None:
        left = 0
        for index, width in enumerate(self._widths):
            left += width + 2 * self.cell_padding
            if x < left:
                return index
        return None

    # ---------------------------------------------------------------- sorting
    def sort_by(self, column: str | None, *, descending: bool | None = None) -> None:
        """Sort by the column with key ``column`` (None: the natural order). Without
        ``descending``, the column's first direction (see the module docstring). A table
        of ``SORT_IN_THREAD_FROM`` rows or more is sorted in a thread: the header shows the
        new sort at once and the rows follow when their order is worked out."""
        target: tuple[str, bool] | None = None
        if column is not None:
            index = self._column_index(column)
            if descending is None:
                descending = self._first_direction_descending(index)
            target = (column, descending)
        self._pending_sort = None
        if target is not None and len(self._natural) >= self.SORT_IN_THREAD_FROM and self.is_mounted:
            self._sort_in_thread(target)
        else:
            self._apply_sort(target)

    def _apply_sort(self, target: tuple[str, bool] | None, order: list[str] | None = None) -> None:
        """Show the rows sorted by ``target``: in ``order`` if worked out already."""
        if target is None or self.sort_column != target[0]:
            self._sort_keys = {}
        self._sort = target
        self._relabel()
        self._show_in_new_order(resorted=True, order=order)

    def _sort_in_thread(self, target: tuple[str, bool], attempts: int = 1) -> None:
        """Work out the order of the rows by ``target`` in a thread, from a copy of what it
        needs (the keys, the column's text), taken here on the UI thread."""
        index = self._column_index(target[0])
        keys = self._kept(self._natural)
        texts = self._current_texts() if keys is self._natural else None
        column_texts = list(texts[index]) if texts is not None else None
        rows = None if column_texts is not None else list(map(self._cells.__getitem__, keys))
        keys = list(keys)  # ``_insert`` may change the list shown in place
        self._sort_token += 1
        pending = self._pending_sort = _PendingSort(target, self._sort_token, self._natural, attempts)
        self._relabel()

        def order() -> tuple[int, list[str], tuple[Kinds, Values]]:
            plains = column_texts
            if plains is None:
                plains = _plains([cells[index] if index < len(cells) else "" for cells in rows or ()])
            found = _kinds_and_values(plains)
            return pending.token, _ordered_by(keys, *found, target[1]), found

        self.run_worker(order, thread=True, group=self._SORT_WORKERS, exclusive=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == self._FOLD_WORKERS:
            event.stop()
            if event.state is WorkerState.SUCCESS and worker.result is not None:
                version, folded = worker.result
                if version == self._folded_version and not self._folded:
                    self._folded = folded
            return
        if worker.group != self._SORT_WORKERS:
            return
        event.stop()
        pending = self._pending_sort
        if pending is None or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        if event.state is WorkerState.ERROR:  # not expected: the sort happens all the same
            self._pending_sort = None
            self._apply_sort(pending.target)  # as a small table's: on the UI thread
            return
        token, order, found = worker.result
        if token != pending.token:
            return  # another sort was asked for since
        self._pending_sort = None
        if pending.restructured:
            # Rows came, went or moved meanwhile: again, from the rows as they are now;
            # after three tries, here (it cannot be behind for ever).
            if pending.attempts < 3:
                self._sort_in_thread(pending.target, pending.attempts + 1)
            else:
                self._apply_sort(pending.target)
            return
        self._apply_sort(pending.target, order)
        if pending.natural is self._natural and not pending.changed and not self._row_filter.terms:
            # Every row's sort key along the table's order: a later new order needs no new keys.
            self._found = (self._natural, self._column_index(pending.target[0]), self._folded_version, found)
        if pending.changed and not self._still_in_place(pending.changed):
            self._show_in_new_order(resorted=False)

    def _rows_changed(self, changed: list[tuple[str, list[int]]]) -> None:
        """Cells changed in place: a sort being worked out checks them when it is done."""
        if self._pending_sort is not None:
            self._pending_sort.changed += changed

    def _rows_restructured(self) -> None:
        """Rows added, removed or reordered, or another filter: a sort being worked out
        starts again when done."""
        if self._pending_sort is not None:
            self._pending_sort.restructured = True

    def _column_index(self, column: str) -> int:
        for index, (key, _) in enumerate(self._column_spec):
            if key == column:
                return index
        raise KeyError(column)

    def _first_direction_descending(self, index: int) -> bool:
        for key in self._natural:
            cells = self._cells[key]
            found = sort_key(_plain(cells[index])) if index < len(cells) else None
            if found is not None:
                return found[0] != TEXT
        return False

    def _ordered(self) -> list[str]:
        """The keys to show: the natural order, filtered, sorted. At 100k rows every pass
        over the rows counts: the passes here run in C (``map``, ``compress``, ``sort``)."""
        keys = self._kept(self._natural)
        if self._sort is None or not keys:
            return keys
        column, descending = self._sort
        index = self._column_index(column)
        texts = self._current_texts() if keys is self._natural else None
        if texts is not None:
            # Every row, and their text by column at hand: no look-up per key.
            found = self._found
            if found is None or found[0] is not keys or found[1] != index or found[2] != self._folded_version:
                found = self._found = (keys, index, self._folded_version, _kinds_and_values(texts[index]))
            return _ordered_by(keys, *found[3], descending)
        known = self._sort_keys
        missing = list(filterfalse(known.__contains__, keys))
        if missing:
            cells_of = self._cells
            texts = _plains([cells[index] if index < len(cells) else "" for cells in map(cells_of.__getitem__, missing)])
            known.update(zip(missing, sort_keys(texts)))
        return _ordered_by(keys, *_split(list(map(known.__getitem__, keys))), descending)

    def _kept(self, keys: list[str]) -> list[str]:
        """The ``keys`` the filter keeps, in their order."""
        if not self._row_filter.terms:
            return keys
        kept, lines = self._row_filter.kept_lines(keys, self._aligned(-1, keys), self._folded_column)
        self._keep_aligned(-1, kept, lines)
        return kept

    def _aligned(self, column: int, keys: list[str]) -> list[str]:
        """The folded text of ``keys`` (a row's or, for ``column`` >= 0, one cell's), in
        their order. The last few such lists are kept with the key list they are for: at
        100k rows, looking up every key costs more than the search, and each keystroke
        filters the same list (the rows, or those the last keystroke kept)."""
        known = self._aligned_text.get((column, id(keys)))
        if known is not None and known[0] is keys and known[1] == self._folded_version:
            return known[2]
        texts = self._current_texts()
        if column >= 0 and texts is not None and keys is self._natural:
            lines = list(map(str.casefold, texts[column]))
        elif column < 0:
            folded = self._folded
            missing = list(filterfalse(folded.__contains__, keys))
            if missing:
                self._fold(missing)
            lines = list(map(folded.__getitem__, keys))
        else:
            folded = self._folded_columns.setdefault(column, {})
            missing = list(filterfalse(folded.__contains__, keys))
            if missing:
                cells_of = self._cells
                plains = _plains(
                    [cells[column] if column < len(cells) else "" for cells in map(cells_of.__getitem__, missing)]
                )
                folded.update(zip(missing, map(str.casefold, plains)))
            lines = list(map(folded.__getitem__, keys))
        self._keep_aligned(column, keys, lines)
        return lines

    def _keep_aligned(self, column: int, keys: list[str], lines: list[str]) -> None:
        kept = self._aligned_text
        kept[(column, id(keys))] = (keys, self._folded_version, lines)
        while len(kept) > 8:
            del kept[next(iter(kept))]

    def _folded_column(self, index: int, keys: list[str]) -> list[str]:
        """The folded text of the ``keys``' cells in column ``index``."""
        return self._aligned(index, keys)

    #: The first rows of a table this big are folded for the filter in a thread.
    _FOLD_LATER_FROM: ClassVar[int] = 20_000

    def _fold_later(self, keys: list[str], columns: list[list[str]]) -> None:
        """Fold the first rows in a thread, from copies of their text: at 100k rows folding
        takes 0.1-0.2 s that neither the first paint nor the keys after it should wait for.
        A row that changes or a filter typed before it is done folds what it needs itself
        (``_aligned``, ``_folded_line``), and the thread's work is then dropped."""
        if not self.is_attached:
            self._fold(keys, columns)
            return
        version = self._folded_version

        def start() -> None:  # once the rows are drawn: the thread would slow the first frame
            if version != self._folded_version or self._folded:
                return
            copied = [list(column) for column in columns]  # the table changes its own in place

            def fold() -> tuple[int, dict[str, str]]:
                return version, dict(zip(keys, map(str.casefold, map(SEPARATOR.join, zip(*copied)))))

            self.run_worker(fold, thread=True, group=self._FOLD_WORKERS, exit_on_error=False)

        self.call_after_refresh(start)

    def _fold(self, keys: list[str], columns: list[list[str]] | None = None) -> None:
        """Cache the rows' folded text for the filter, from their cells' text by column."""
        rows = list(map(self._cells.__getitem__, keys))
        if columns is None:
            columns = [
                _plains([cells[index] for cells in rows if index < len(cells)]) for index in range(len(self._column_spec))
            ]
        if any(len(column) != len(rows) for column in columns):  # rows shorter than the header
            lines = [SEPARATOR.join([_plain(value) for value in cells]) for cells in rows]
        else:
            lines = list(map(SEPARATOR.join, zip(*columns)))
        self._folded.update(zip(keys, map(str.casefold, lines)))

    # ---------------------------------------------------------------- syncing
    def sync(self, rows: Sequence[Row]) -> None:
        """Show ``rows`` (in the screen's natural order; the table filters and sorts them)."""
        cells_of = self._cells
        natural: list[str] = []
        added: list[str] = []
        changed: list[tuple[str, list[int]]] = []
        first: list[Sequence[Cell]] | None = None
        if not cells_of:  # the first rows: taken in C, not a Python step per row
            natural = list(map(itemgetter(0), rows))
            cells_of.update(rows)  # type: ignore[arg-type]
            if len(cells_of) == len(natural):
                added, first, rows = natural, list(map(itemgetter(1), rows)), ()
            else:  # a key twice: row by row, as below, the last one wins
                cells_of.clear()
                natural = []
        for key, cells in rows:
            natural.append(key)
            old = cells_of.get(key)
            # Callers that cache unchanged rows hand back the same tuple: skip it without
            # comparing Text cells, which dominates a refresh of thousands of rows.
            if old is cells:
                continue
            cells_of[key] = cells
            if old is None:
                added.append(key)
                continue
            self._note_changed(key, old, cells, changed)
        removed: list[Sequence[Cell]] = []
        if len(cells_of) != len(natural):
            kept = set(natural)
            for key in [key for key in cells_of if key not in kept]:
                removed.append(cells_of.pop(key))
                self._forget(key)
        self._count_rows(removed, -1)
        added_columns: list[list[str]] = []
        if added:
            added_columns = self._count_rows(first if first is not None else list(map(cells_of.__getitem__, added)), 1)
            if first is not None and len(added) >= self._FOLD_LATER_FROM:
                self._fold_later(added, added_columns)
            else:
                self._fold(added, added_columns)
        for key, _ in changed:
            self._forget(key)
        widened = self._measure()
        order_changed = natural != self._natural
        if order_changed or removed:
            self._rows_restructured()
        else:
            self._rows_changed(changed)
        if not order_changed:
            natural = self._natural  # the same list: what is kept along it stays good
        elif len(added) == len(natural) and all(len(column) == len(natural) for column in added_columns):
            # The first rows: their text by column is at hand.
            self._texts, self._texts_stale, self._texts_added = (natural, added_columns), set(), []
        if order_changed and not removed and self._insertable(added, natural):
            # New rows (a new run on top), the others in their order: placed alone.
            if not self._still_in_place(changed):
                self._natural = natural
                self._show_in_new_order(resorted=False)
            else:
                self._insert(added, natural)
                self._refresh_cells(changed)
            return
        self._natural = natural
        if order_changed or not self._still_in_place(changed):
            self._show_in_new_order(resorted=False)
        elif not widened:  # a wider column repainted every line already (``_measure``)
            self._refresh_cells(changed)

    def update(self, rows: Sequence[Row]) -> bool:
        """Change the cells of some rows already shown (durations that tick), without handing
        over every row: at 100k rows, building and comparing all of them each second costs
        about a second. False (nothing changed) when a key is not shown: use ``sync``."""
        cells_of = self._cells
        if any(key not in cells_of for key, _ in rows):
            return False
        changed: list[tuple[str, list[int]]] = []
        for key, cells in rows:
            old = cells_of[key]
            if old is cells:
                continue
            cells_of[key] = cells
            self._note_changed(key, old, cells, changed)
        if not changed:
            return True
        for key, _ in changed:
            self._forget(key)
        self._rows_changed(changed)
        widened = self._measure()
        if not self._still_in_place(changed):
            self._show_in_new_order(resorted=False)
        elif not widened:  # a wider column repainted every line already (``_measure``)
            self._refresh_cells(changed)
        return True

    def add(self, rows: Sequence[Row], natural: list[str]) -> bool:
        """Add new rows, and change some rows already there, without handing over every row:
        a new run on a server of 100k. ``natural``: every key in the screen's order after,
        the old ones in their old order (kept as the table's, never changed). False, with
        nothing done, when that cannot be (keys gone, too many new): use ``sync``."""
        cells_of = self._cells
        new = list(dict.fromkeys(key for key, _ in rows if key not in cells_of))
        if not new:
            return self.update(rows)
        if len(natural) != len(self._natural) + len(new) or not self._insertable(new, natural, checked=True):
            return False
        if not all(map(cells_of.__contains__, filterfalse(set(new).__contains__, natural[: len(new) + 64]))):
            return False  # the first keys after the new ones are not ours: not our order
        changed: list[tuple[str, list[int]]] = []
        for key, cells in rows:
            old = cells_of.get(key)
            cells_of[key] = cells
            if old is None or old is cells:
                continue
            self._note_changed(key, old, cells, changed)
        self._fold(new, self._count_rows(list(map(cells_of.__getitem__, new)), 1))
        for key, _ in changed:
            self._forget(key)
        self._rows_restructured()
        self._measure()
        if not self._still_in_place(changed):
            self._natural = list(natural)  # the caller's list is the caller's to change
            self._show_in_new_order(resorted=False)
            return True
        # The new keys go into the table's own list in place: at 100k rows a copy of the
        # caller's (or a new one) costs more than everything else a new run does here.
        natural_rows = _rows_of(new, natural)
        own = self._natural
        if self._shown is own and (self._row_filter.terms or self._sort is not None):
            self._shown = list(own)
        for natural_row in natural_rows:
            own.insert(natural_row, natural[natural_row])
        self._insert(new, own, natural_rows)
        self._refresh_cells(changed)
        return True

    #: More new rows than this at once are shown by ordering all rows again. The pages of
    #: a list being read (a few times a second, up to ~1,000 runs each time) are placed
    #: alone: at 100k rows, ordering them all again each time made a first read with the
    #: list on screen quadratic.
    _INSERT_AT_MOST: ClassVar[int] = 2_000

    def _insertable(self, added: list[str], natural: list[str], *, checked: bool = False) -> bool:
        """True when ``natural`` is the table's order with the ``added`` keys put in (and
        there are few): they can be placed by bisection. ``checked``: the caller knows the
        old keys kept their order (``add``); else it is checked here, in C."""
        if not added or len(added) > self._INSERT_AT_MOST or not self._shown or self._cursor_key not in self._cells:
            return False
        if self._wanted_key in added:
            return False
        if checked:
            return True
        return list(filterfalse(set(added).__contains__, natural)) == self._natural

    def _insert(self, added: list[str], natural: list[str], natural_rows: list[int] | None = None) -> None:
        """Show the ``added`` rows where the filter and the sort put them, found by bisection
        on the cached sort keys instead of ordering 100k rows again.

        What the user sees must not move (as in lazygit: the cursor stays on its row,
        whatever arrives): a row that lands above the top of the view moves the view down
        with the rows it was showing, so a user looking at row 500 keeps looking at the
        same runs. At the top of the table (scrolled to the first row), the view stays
        there and new rows show up on top, as a list of newest runs is watched; the cursor
        moves down with its row, and the view follows it only if it would leave the view.

        ``natural`` may be the table's own list with the ``added`` keys already in it at
        ``natural_rows`` (``add``).
        """
        old_natural = self._natural
        self._natural = natural
        filtering = bool(self._row_filter.terms)
        top = round(self.scroll_y)
        new_top, cursor_row = top, self._cursor_row
        was = cursor_row
        if natural_rows is None:
            natural_rows = _rows_of(added, natural)
        texts = self._texts
        if texts is not None and texts[0] is old_natural:  # the rows' text by column, kept along
            # Put in when next read (a sort, a filter on a column): at 100k rows an insert
            # into each column moves 100k pointers, for every new run.
            self._texts_added += [(natural_row, natural[natural_row]) for natural_row in natural_rows]
            self._texts = (natural, texts[1])
        if not filtering and self._sort is None:
            shown, places = natural, natural_rows
        else:
            shown = list(self._shown) if self._shown is old_natural else self._shown
            keeps = self._row_filter.keeps_line
            places = []
            at: dict[str, int] | None = None  # row of each key in the screen's order, if needed
            for natural_row in natural_rows:
                key = natural[natural_row]
                if filtering and not keeps(self._folded_line(key)):
                    continue
                lo, hi = self._tied(shown, key) if self._sort is not None else (0, len(shown))
                if lo < hi and natural_row == 0:
                    place = lo  # the newest run, before its equals (ties keep the screen's order)
                elif lo < hi and natural_row == len(natural) - 1:
                    place = hi
                elif lo < hi:
                    if at is None:
                        at = dict(zip(natural, range(len(natural))))
                    place = bisect_left(shown, natural_row, lo, hi, key=at.__getitem__)
                else:
                    place = lo
                shown.insert(place, key)
                places.append(place)
        first_in_view: int | None = None  # of the rows that did not land above the view
        for place in places:  # as inserted: each is a row of the table as it was then
            if place <= cursor_row:
                cursor_row += 1
            if place <= new_top and new_top > 0:
                new_top += 1
            elif first_in_view is None or place < first_in_view:
                first_in_view = place
        self._shown = shown
        self._positions = None
        self._folded_version += 1  # ``shown`` may have been changed in place
        self._cursor_row = cursor_row
        self._update_virtual_size()
        if first_in_view is not None:
            # Lines from there down show other rows now. Rows that landed above the view
            # moved it down with them: the lines on screen show what they showed.
            self._refresh_from_line(first_in_view - new_top + self.header_height)
        if new_top != top:
            self._move_view_with_rows(new_top)
        if cursor_row - was != new_top - top:
            # Unless the cursor's row moved with the view (it is where it was on screen, or
            # where the user scrolled it out of view to), it may have left the view.
            self._scroll_row_into_view(cursor_row)

    def _move_view_with_rows(self, top: int) -> None:
        """The view one or more rows down, with the rows it shows: nothing on screen changes
        but the scrollbar. Set directly, without ``scroll_to``'s validation, anchors and
        watchers (half of what a new run above the view cost at 100k rows); a scroll under
        way is stopped and moved the usual way."""
        if self.app.animator.is_being_animated(self, "scroll_y"):
            self._view_moves_with_rows = True
            try:
                self.scroll_to(y=top, animate=False, immediate=True)
            finally:
                self._view_moves_with_rows = False
            return
        self.set_reactive(ScrollView.scroll_y, top)
        self.set_reactive(ScrollView.scroll_target_y, top)
        if self.show_vertical_scrollbar:
            self._tell_scrollbar(position=top)

    def _tell_scrollbar(self, *, length: int | None = None, position: int | None = None) -> None:
        """The vertical scrollbar's new length or position, repainted only when its drawing
        changes. At 100k rows a new run moves the thumb less than an eighth of a cell; a
        repaint for nothing is worse than it looks, as the compositor renders the box around
        all that changed: the scrollbar with the title's count was every line of the table."""
        bar = self.vertical_scrollbar
        before = _scrollbar_drawing(bar)
        if length is not None:
            bar.set_reactive(ScrollBar.window_virtual_size, length)
        if position is not None:
            bar.set_reactive(ScrollBar.position, position)
        if _scrollbar_drawing(bar) != before:
            bar.refresh()

    def _tied(self, shown: list[str], key: str) -> tuple[int, int]:
        """Where ``key``'s sort key would go among ``shown`` (sorted): the rows from ``lo``
        to ``hi`` sort equal to it. Blanks are last in both directions."""
        index = self._column_index(self._sort[0])  # type: ignore[index]
        descending = self.sort_descending
        value = self._sort_key_of(key, index)
        sort_key_of = self._sort_key_of

        def before(a: SortKey | None, b: SortKey | None) -> bool:
            """``a`` is drawn above ``b``."""
            if a is None:
                return False
            if b is None:
                return True
            return a > b if descending else a < b

        lo, hi = 0, len(shown)
        while lo < hi:  # the first row not above the new one
            middle = (lo + hi) // 2
            if before(sort_key_of(shown[middle], index), value):
                lo = middle + 1
            else:
                hi = middle
        end, hi = lo, len(shown)
        while end < hi:  # the first row below it
            middle = (end + hi) // 2
            if before(value, sort_key_of(shown[middle], index)):
                hi = middle
            else:
                end = middle + 1
        return lo, end

    def has_row(self, key: str) -> bool:
        """True when the table holds the row (shown, or hidden by the filter)."""
        return key in self._cells

    def _still_in_place(self, changed: list[tuple[str, list[int]]]) -> bool:
        """True when the changed rows stay where they are under the filter and the sort: a
        ticking duration in a view sorted by duration must not sort 100k rows every second.
        A few changed rows are checked against their neighbours; many mean a new order."""
        filtering = bool(self._row_filter.terms)
        sort_index = self._column_index(self._sort[0]) if self._sort else -1
        moving = [(key, columns) for key, columns in changed if filtering or sort_index in columns]
        if not moving:
            return True
        if len(moving) > 32:
            return False
        if self._positions is None:
            self._positions = dict(zip(self._shown, range(len(self._shown))))
        descending = self.sort_descending
        for key, columns in moving:
            row = self._positions.get(key)
            if filtering and self._row_filter.keeps_line(self._folded_line(key)) != (row is not None):
                return False
            if row is None or sort_index not in columns:
                continue
            found = self._sort_key_of(key, sort_index)
            before = self._sort_key_of(self._shown[row - 1], sort_index) if row > 0 else None
            after = self._sort_key_of(self._shown[row + 1], sort_index) if row + 1 < len(self._shown) else None
            if found is None or (row > 0 and before is None):
                return False
            if descending:
                before, after = after, before
            # Strictly between its neighbours: ties would be ordered by the natural order.
            if (before is not None and not before < found) or (after is not None and not found < after):
                return False
        return True

    def _sort_key_of(self, key: str, index: int) -> SortKey | None:
        known = self._sort_keys
        if key not in known:
            cells = self._cells[key]
            known[key] = sort_key(_plain(cells[index])) if index < len(cells) else None
        return known[key]

    def _folded_line(self, key: str) -> str:
        if key not in self._folded:
            self._fold([key])
        return self._folded[key]

    def _note_changed(
        self, key: str, old: Sequence[Cell], cells: Sequence[Cell], changed: list[tuple[str, list[int]]]
    ) -> None:
        """The columns in which ``key``'s row differs go to ``changed``, their widths recounted."""
        columns = [
            column
            for column in range(max(len(old), len(cells)))
            if column >= len(old) or column >= len(cells) or old[column] != cells[column]
        ]
        if columns:
            self._count_cells(old, columns, -1)
            self._count_cells(cells, columns, 1)
            changed.append((key, columns))

    def _count_cells(self, cells: Sequence[Cell], columns: list[int], change: int) -> None:
        for index in columns:
            if index < len(cells):
                _count(self._width_counts[index], _width(cells[index]), change)

    def _count_rows(self, rows: list[Sequence[Cell]], change: int) -> list[list[str]]:
        """Count the widths of many rows' cells, a column at a time (the first sync of 100k
        rows); the cells' text by column."""
        columns: list[list[str]] = []
        if not rows:
            return columns
        if len(rows) <= 4:
            # A new run or two: a cell at a time (the column-wise way below costs ~0.15 ms
            # for a single row, more than the rest of a new run's row at 100k).
            for index, counts in enumerate(self._width_counts):
                plains = [_plain(cells[index]) for cells in rows if index < len(cells)]
                for text in plains:
                    _count(counts, _width(text), change)
                columns.append(plains)
            return columns
        whole = min(map(len, rows)) >= len(self._width_counts)
        for index, counts in enumerate(self._width_counts):
            column = list(map(itemgetter(index), rows)) if whole else [cells[index] for cells in rows if index < len(cells)]
            plains = _column_plains(column)
            joined = "".join(plains)
            if joined.isascii():
                widths = Counter(map(len, plains))
                longest = max(widths, default=0)
            else:  # statuses, names: few different texts, each measured once; ASCII by length
                ascii_only = list(map(str.isascii, plains))
                widths = Counter(map(len, compress(plains, ascii_only)))
                texts = Counter(compress(plains, map(not_, ascii_only)))
                for text, number in texts.items():
                    widths[cell_len(text)] += number
                longest = max(max(widths, default=0), max(map(len, texts), default=0))
            if not joined.isprintable() or longest > 500:  # rare: made safe the slow way
                plains = [_plain(value) for value in column]
                widths = Counter(map(_width, plains))
            columns.append(plains)
            for width, number in widths.items():
                _count(counts, width, change * number)
        return columns

    def _forget(self, key: str) -> None:
        self._sort_keys.pop(key, None)
        self._folded.pop(key, None)
        for known in self._folded_columns.values():
            known.pop(key, None)
        self._folded_version += 1
        if self._texts is not None:
            self._texts_stale.add(key)
        self._strips.discard((key, False))
        self._strips.discard((key, True))

    def _current_texts(self) -> list[list[str]] | None:
        """The text of every row's cells by column, along ``_natural``, if kept."""
        texts = self._texts
        if texts is None or texts[0] is not self._natural or len(texts[1]) != len(self._column_spec):
            return None
        if self._texts_added:
            cells_of = self._cells
            for row, key in self._texts_added:
                cells = cells_of[key]
                for index, column in enumerate(texts[1]):
                    column.insert(row, _plain(cells[index]) if index < len(cells) else "")
            self._texts_added = []
        if self._texts_stale:  # rows changed since: their new text
            at = dict(zip(texts[0], range(len(texts[0]))))
            cells_of = self._cells
            for key in self._texts_stale:
                row, cells = at.get(key), cells_of.get(key)
                if row is None or cells is None:
                    continue
                for index, column in enumerate(texts[1]):
                    column[row] = _plain(cells[index]) if index < len(cells) else ""
            self._texts_stale = set()
        return texts[1]

    def _label_widths(self) -> list[int]:
        # Asked after every change to the rows (``_measure``); the labels change only with the sort.
        wanted = self._wanted_sort()
        known = self._known_label_widths
        if known is None or known[0] != wanted:
            known = self._known_label_widths = (wanted, [cell_len(text.plain) for text in self._labels()])
        return known[1]

    def _labels(self) -> list[Text]:
        labels = []
        for key, label in self._column_spec:
            text = Text(label, no_wrap=True, end="")
            wanted = self._wanted_sort()
            if wanted is not None and wanted[0] == key:
                mark = DESCENDING_MARK if wanted[1] else ASCENDING_MARK
                text.append(f" {mark}" if label else mark)
            labels.append(text)
        return labels

    def _sort_tag(self, scroll_x: int, width: int) -> tuple[int, str] | None:
        """Where the header names the sort when the sorted column's label is cut off or out of
        view at a side (at 80 columns, the last columns of the executions): its label and
        mark over that side of the header, with an arrow towards it (``→ Ended ▼``), so the
        order of the rows is always said. (x in the view, text); None when the label shows."""
        wanted = self._wanted_sort()
        if wanted is None or not self.show_header:
            return None
        index = self._column_index(wanted[0])
        start, _ = self.column_span(wanted[0])
        label = self._labels()[index].plain
        start += self.cell_padding
        end = start + cell_len(label)
        if scroll_x <= start and end <= scroll_x + width:
            return None
        if end > scroll_x + width:
            text = f" → {label} "
            x = width - cell_len(text)
        else:
            text = f" ← {label} "
            x = 0
        # Too narrow for it beside anything else: the header as it is.
        return (x, text) if x >= 0 and cell_len(text) * 2 <= width else None

    def _measure(self) -> bool:
        """Update the column widths from the width counts; True if one changed."""
        labels = self._label_widths()
        widths = [max(label, max(counts) if counts else 0) for label, counts in zip(labels, self._width_counts)]
        room = self._room
        if room and sum(widths) + 2 * self.cell_padding * len(widths) > room:
            for index, share in self._shares.items():
                widths[index] = min(widths[index], max(labels[index], 8, int(room * share)))
        if widths == self._widths:
            return False
        self._widths = widths
        self._strips.clear()
        self._header_strip = None
        self._update_virtual_size()
        self._refresh_all()
        return True

    def _relabel(self) -> None:
        self._header_strip = None
        if not self._measure():
            self.refresh(Region(0, 0, self.size.width, self.header_height))

    def _update_virtual_size(self) -> None:
        width = sum(self._widths) + 2 * self.cell_padding * len(self._widths)
        size = Size(width, len(self._shown) + self.header_height)
        old = self.virtual_size
        if size != old:
            # Without the reactive's repaint: that drops every line rendered (a new run at
            # 100k rows spent most of its time there). Whoever changes the rows repaints the
            # lines that changed.
            self.set_reactive(KeyedTable.virtual_size, size)
            height = self.container_size.height
            if size.width == old.width and size.height > old.height > height and self.show_vertical_scrollbar:
                # More rows below a scrollbar that stays: it learns the new length alone.
                # A layout would have the screen arrange and render every widget again
                # after each new run (4-10 ms of the next frame at 100k rows).
                self._tell_scrollbar(length=size.height)
                return
            self.refresh(repaint=False, layout=True)  # the scrollbars may come or go

    def _show_in_new_order(
        self, *, resorted: bool, within: list[str] | None = None, order: list[str] | None = None
    ) -> None:
        """Show the rows in their new order with the cursor on the same key. A new sort shows
        the cursor's row; otherwise the row stays where it was on screen, so what the user
        looks at stays still. ``within``: rows in order, of which the filter keeps some;
        ``order``: the rows to show, already filtered and sorted."""
        old_row = self._cursor_row
        old_scroll = round(self.scroll_y)
        if order is not None:
            self._shown = order
        else:
            self._shown = self._ordered() if within is None else self._kept(within)
        self._positions = None
        self._update_virtual_size()
        self._refresh_all()
        if not self._shown:
            self._cursor_row = 0
            return
        row = -1
        for key in (self._wanted_key, self._cursor_key):
            if key is None:  # nothing wanted yet (the cursor never moved): its key decides, not its row number
                continue
            try:
                row = self._shown.index(key)
            except ValueError:
                continue
            self._cursor_key = key
            break
        if row < 0:
            row = min(old_row, len(self._shown) - 1)
            self._cursor_row, self._cursor_key = row, self._shown[row]
            self._scroll_row_into_view(row)
        elif resorted:
            self.move_cursor(row=row)
        else:
            self._cursor_row = row
            if old_scroll == 0:  # watching the top: it stays in view (see ``_insert``)
                self._scroll_row_into_view(row)
            elif row != old_row:
                self.scroll_to(y=max(0, old_scroll + row - old_row), animate=False, immediate=True)

    # ---------------------------------------------------------------- painting
    def _refresh_all(self) -> None:
        self.refresh()

    def _refresh_from_line(self, y: int) -> None:
        """Repaint the table's lines on screen from ``y`` down (never the header)."""
        y = max(self.header_height, y)
        if y < self.size.height:
            self.refresh(Region(0, y, self.size.width, self.size.height - y))

    def on_resize(self, event: events.Resize) -> None:
        if self._shares:
            self._room = event.size.width
            self._measure()  # the long columns' share of a new width

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self._view_moves_with_rows:
            # Rows came above the view and it moved down with them: every line on screen
            # still shows what it showed, only the scrollbar moves.
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.position = new_value
            return
        super().watch_scroll_y(old_value, new_value)

    def _refresh_rows(self, *rows: int) -> None:
        top = round(self.scroll_y)
        width = self.size.width
        for row in rows:
            y = row - top + self.header_height
            if self.header_height <= y < self.size.height:
                self.refresh(Region(0, y, width, 1))

    def _refresh_cells(self, changed: list[tuple[str, list[int]]]) -> None:
        """Repaint only the changed cells that are on screen: an idle screen whose
        durations tick must not rewrite the table."""
        if not changed or not self.is_mounted:
            return
        top = round(self.scroll_y)
        on_screen = {key: y for y, key in enumerate(self.visible_keys, self.header_height)}
        spans = [self.column_span(key) for key in self.column_keys]
        scroll_x = round(self.scroll_x)
        for key, columns in changed:
            y = on_screen.get(key)
            if y is None:
                continue
            if self._cursor_key == key and top + y - self.header_height == self._cursor_row:
                self.refresh(Region(0, y, self.size.width, 1))
                continue
            for index in columns:
                x, width = spans[index]
                self.refresh(Region(x - scroll_x, y, width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_looks()

    def _forget_looks(self) -> None:
        self._looks = None
        self._strips.clear()
        self._header_strip = None

    def _current_looks(self) -> _Looks:
        state = self.get_pseudo_class_state()
        if state != self._pseudo_state:
            self._pseudo_state = state
            self._forget_looks()
        if self._looks is None:
            base = self.rich_style
            cursor = self.get_component_rich_style("keyed-table--cursor")
            # As DataTable draws its cursor: the cursor's colours over the cell's own.
            post = Style.from_color(cursor.color, cursor.bgcolor)
            self._looks = _Looks(
                base=base,
                header=self.get_component_rich_style("keyed-table--header"),
                cursor_pre=base + cursor,
                cursor_post=post,
                cursor_fill=base + cursor + post,
            )
        return self._looks

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        looks = self._current_looks()
        if y < self.header_height:
            if self._header_strip is None:
                self._header_strip = self._render_cells(self._labels(), looks.header, None)
            header = self._header_strip.crop_extend(scroll_x, scroll_x + width, looks.header)
            # The lines' width less the vertical scrollbar's, which is drawn over their end.
            view = self.scrollable_content_region.width
            tag = self._sort_tag(scroll_x, view)
            if tag is None:
                return header
            x, text = tag
            # Over the header's end (or start): what it covers is a column cut off there.
            segment = Strip([Segment(text, looks.header)], cell_len(text))
            if x == 0:
                return Strip.join([segment, header.crop(cell_len(text), width)])
            return Strip.join([header.crop(0, x), segment, header.crop(view, width)])
        row = scroll_y + y - self.header_height
        if row >= len(self._shown):
            return Strip.blank(width, looks.base)
        key = self._shown[row]
        cursor = row == self._cursor_row
        strip = self._strips.get((key, cursor))
        if strip is None:
            if cursor:
                strip = self._render_cells(self._cells[key], looks.cursor_pre, looks.cursor_post)
            else:
                strip = self._render_cells(self._cells[key], looks.base, None)
            self._strips[(key, cursor)] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, looks.cursor_fill if cursor else looks.base)

    def _render_cells(self, cells: Sequence[Cell], pre: Style, post: Style | None) -> Strip:
        # A cell's padding, text and filling are one segment where they look alike: each
        # segment goes to the terminal with its own colours and a reset, and a new run
        # writes every row under it again (10.6 KB a run at 80x24 with three a cell, 5.8
        # with one, the columns then on screen; ``idle.new_runs`` in benchmarks/bench_idle.py).
        console = self.app.console
        padding = " " * self.cell_padding
        segments: list[Segment] = []
        for index, width in enumerate(self._widths):
            text = _display(cells[index]) if index < len(cells) else Text("")
            room = width - text.cell_len
            if room < 0:
                text = text.copy()
                text.truncate(width, overflow=text.overflow or "ellipsis")
                room = width - text.cell_len
            # The column in each cell's style, as DataTable has it: cells alike stay apart
            # where segments of one style are merged. In an SVG screenshot a row merged
            # whole is one piece of text, and a renderer's glyph widths move its columns.
            style = pre + _column_meta(index)
            filling = " " * (room + self.cell_padding)
            if not text.spans and not text.style:
                segments.append(Segment(f"{padding}{text.plain}{filling}", style + post if post else style))
                continue
            cell = [Segment(padding)]
            if text.spans:
                cell += text.render(console)
            else:  # Text.render leaves a Text's own style to Console.render, which joins lines
                cell.append(Segment(text.plain, console.get_style(text.style, default=Style.null())))
            cell.append(Segment(filling))
            segments += Segment.simplify(Segment.apply_style(cell, style, post))
        length = sum(self._widths) + 2 * self.cell_padding * len(self._widths)
        return Strip(segments, length)


@lru_cache(maxsize=64)
def _column_meta(index: int) -> Style:
    return Style.from_meta({"column": index})



def _count(counts: dict[int, int], width: int, change: int) -> None:
    left = counts.get(width, 0) + change
    if left > 0:
        counts[width] = left
    else:
        counts.pop(width, None)
