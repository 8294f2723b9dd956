"""A DataTable whose rows are kept in sync with data by key, in place.

Cells are ``Text`` on their way in: a plain ``str`` is made safe by the text module and
never parsed as markup. Refreshing data must never move the cursor or the scroll
position: changed cells are updated where they are; when rows are added or reordered the table is rebuilt and the
cursor is put back on the same key with the viewport shifted by the same amount, so
what the user looks at stays still.

Keys people have in their fingers (k9s, lazygit, less): ``j``/``k`` down/up, ``g``/``home``
first row, ``G``/``end`` last row, ``ctrl+d``/``ctrl+u`` half a page down/up.

Sorting (``S`` cycles the column, a header click sorts by that column, again reverses)
belongs to the table, not to the screens: they hand ``sync`` their rows in their natural
order every time, and the table puts them in the chosen order, so a sort survives every
refresh and the cursor stays on its key. Cells are compared by what they show
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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import ClassVar, Self

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from flowsynx_tui.text import one_line

Cell = str | Text
Row = tuple[str, Sequence[Cell]]

ASCENDING_MARK = "▲"
DESCENDING_MARK = "▼"


def _display(value: Cell) -> Text:
    """DataTable parses a ``str`` cell as markup; this table never hands it one."""
    # The same Text DataTable would build for a one-row cell, minus the markup parsing.
    return value if isinstance(value, Text) else Text(one_line(value), no_wrap=True, end="")


def plain(value: Cell) -> str:
    """A cell's text as the table shows it."""
    return value.plain if isinstance(value, Text) else one_line(value)


# ------------------------------------------------------------------------- comparing cells
QUANTITY, TIME, TEXT = 0, 1, 2
"""Kinds of cell value, first item of a sort key."""

_BLANK = frozenset({"", "–", "-", "—"})
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION = re.compile(r"\d+(?:\.\d+)?[dhms](?: \d+(?:\.\d+)?[dhms])*")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_AGE = re.compile(r"(\d+)([dhms]) ago")
_TIME = re.compile(r"(?:\d{4}-)?\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?")
_NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?")
_LEADING_GLYPHS = re.compile(r"^[^\w\s]+\s*")


@lru_cache(maxsize=16384)
def sort_key(text: str) -> tuple[int, float | str] | None:
    """How a cell showing ``text`` compares with the others of its column; None if blank.

    ``(QUANTITY, seconds or value)``, ``(TIME, text)`` or ``(TEXT, folded text)``: kinds
    never mix within a column the screens fill, and when they do, quantities come first.
    """
    value = text.strip()
    if value in _BLANK:
        return None
    if _DURATION.fullmatch(value):
        return QUANTITY, sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(value))
    age = _AGE.fullmatch(value)
    if age:
        return QUANTITY, -float(age.group(1)) * _UNIT_SECONDS[age.group(2)]
    if value == "just now":
        return QUANTITY, 0.0
    if _TIME.fullmatch(value):
        return TIME, value.replace("T", " ")
    if _NUMBER.fullmatch(value):
        return QUANTITY, float(value.replace(",", ""))
    return TEXT, _LEADING_GLYPHS.sub("", value).casefold()


def sort_rows(rows: Sequence[Row], column: int, descending: bool) -> list[Row]:
    """``rows`` ordered by the cells of ``column`` (see :func:`sort_key`), blanks last, ties
    in their given order."""
    keyed: list[tuple[tuple[int, float | str], Row]] = []
    blank: list[Row] = []
    for row in rows:
        cells = row[1]
        key = sort_key(plain(cells[column])) if column < len(cells) else None
        if key is None:
            blank.append(row)
        else:
            keyed.append((key, row))
    # ``sorted`` is stable in both directions: equal cells keep the natural order.
    keyed.sort(key=lambda item: item[0], reverse=descending)
    return [row for _, row in keyed] + blank


class KeyedTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="table.open"),
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g,home", "first_row", "First row", show=False, id="table.top"),
        Binding("G,end", "last_row", "Last row", show=False, id="table.bottom"),
        Binding("ctrl+d", "half_page(1)", "Half a page down", show=False, id="table.half_page_down"),
        Binding("ctrl+u", "half_page(-1)", "Half a page up", show=False, id="table.half_page_up"),
        Binding("S", "cycle_sort", "Sort by the next column", show=False, id="table.sort"),
    ]
    #: ``S`` and header clicks sort the rows; a table whose order means something (the
    #: task tree's DAG) turns it off.
    SORTABLE: ClassVar[bool] = True
    _whole_refresh_held = False  # a class default: DataTable refreshes from its __init__

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._column_spec = list(columns)
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}
        #: The rows of the last ``sync``, in the screen's natural order.
        self._natural: list[Row] = []
        self._sort: tuple[str, bool] | None = None  # (column key, descending)
        self._relabel = False

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label in self._column_spec:
            text = Text(label)
            if self._sort is not None and self._sort[0] == key:
                mark = DESCENDING_MARK if self._sort[1] else ASCENDING_MARK
                text.append(f" {mark}" if label else mark)
            self.add_column(text, key=key)

    @property
    def selected_key(self) -> str | None:
        if not self._keys or self.cursor_row < 0 or self.cursor_row >= len(self._keys):
            return None
        return self._keys[self.cursor_row]

    @property
    def keys(self) -> list[str]:
        """Row keys in the order shown (sorted, if a sort is on)."""
        return list(self._keys)

    @property
    def column_names(self) -> list[str]:
        """Header names in the order of each row's cells (without a sort mark)."""
        return [label for _, label in self._column_spec]

    @property
    def sort_column(self) -> str | None:
        """The key of the column the rows are sorted by; None: the screen's natural order."""
        return self._sort[0] if self._sort else None

    @property
    def sort_descending(self) -> bool:
        return bool(self._sort and self._sort[1])

    def select_key(self, key: str) -> bool:
        if key not in self._cells:
            return False
        self.move_cursor(row=self._keys.index(key))
        return True

    # ------------------------------------------------------------------ keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cycle_sort" and not self.SORTABLE:
            return False
        return super().check_action(action, parameters)

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    def action_half_page(self, direction: int) -> None:
        """Cursor and view move by half the rows on screen (as ``ctrl+d``/``ctrl+u`` in less and vim)."""
        if not self.row_count:
            return
        header = self.header_height if self.show_header else 0
        step = max(1, (self.scrollable_content_region.height - header) // 2)
        row = min(max(self.cursor_row + direction * step, 0), self.row_count - 1)
        self.scroll_to(y=self.scroll_y + direction * step, animate=False, immediate=True)
        # scroll=False: move_cursor would first bring the old cursor row back into view.
        self.move_cursor(row=row, animate=False, scroll=False)

    def action_cycle_sort(self) -> None:
        """Next named column, each in its first direction; after the last, the natural order."""
        named = [key for key, label in self._column_spec if label]
        current = self.sort_column
        if current is None:
            following: str | None = named[0] if named else None
        elif current in named and named.index(current) + 1 < len(named):
            following = named[named.index(current) + 1]
        else:
            following = None
        self.sort_by(following)

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        if not self.SORTABLE:
            return
        key = event.column_key.value
        if key is None:
            return
        if self.sort_column == key:
            self.sort_by(key, descending=not self.sort_descending)
        else:
            self.sort_by(key)

    # ---------------------------------------------------------------- sorting
    def sort_by(self, column: str | None, *, descending: bool | None = None) -> None:
        """Sort by the column with key ``column`` (None: the natural order). Without
        ``descending``, the column's first direction (see the module docstring)."""
        if column is None:
            self._sort = None
        else:
            index = self._column_index(column)
            if descending is None:
                descending = self._first_direction_descending(index)
            self._sort = (column, descending)
        if self.is_mounted:  # else the columns get their labels when they are added
            self._relabel = True
            self.sync(self._natural)

    def _column_index(self, column: str) -> int:
        for index, (key, _) in enumerate(self._column_spec):
            if key == column:
                return index
        raise KeyError(column)

    def _first_direction_descending(self, index: int) -> bool:
        for _, cells in self._natural:
            key = sort_key(plain(cells[index])) if index < len(cells) else None
            if key is not None:
                return key[0] != TEXT
        return False

    def _ordered(self, rows: Sequence[Row]) -> Sequence[Row]:
        if self._sort is None:
            return rows
        column, descending = self._sort
        return sort_rows(rows, self._column_index(column), descending)

    # ---------------------------------------------------------------- syncing
    def sync(self, rows: Sequence[Row]) -> None:
        """Show ``rows`` (in the screen's natural order; the table applies its sort)."""
        self._natural = list(rows)
        ordered = self._ordered(rows)
        new_keys = [key for key, _ in ordered]
        if new_keys == self._keys and not self._relabel:
            self._update_cells(ordered)
            return
        self._rebuild(ordered, new_keys)

    def _update_cells(self, rows: Sequence[Row]) -> None:
        column_keys = [key for key, _ in self._column_spec]
        changed: list[Coordinate] = []
        with self._cell_refreshes_only():
            for row_index, (key, cells) in enumerate(rows):
                old = self._cells.get(key, ())
                # Callers that cache unchanged rows hand back the same tuple: skip it without
                # comparing Text cells, which dominates a refresh of thousands of rows.
                if cells is old:
                    continue
                new = tuple(cells)
                if old == new:
                    continue
                for index, value in enumerate(new):
                    if index >= len(old) or old[index] != value:
                        try:
                            # A cell that grows (59.9s -> 1m 00s) widens its column instead of clipping.
                            self.update_cell(key, column_keys[index], _display(value), update_width=True)
                        except (CellDoesNotExist, RowDoesNotExist):
                            continue
                        changed.append(Coordinate(row_index, index))
                self._cells[key] = new
        for coordinate in changed:
            self.refresh_coordinate(coordinate)

    @contextmanager
    def _cell_refreshes_only(self) -> Iterator[None]:
        """``DataTable.update_cell`` repaints the whole table: one ticking duration rewrote
        every row on the terminal each second. Inside this block that whole-table refresh
        is dropped and the changed cells are refreshed one by one; a column that changes
        width still repaints everything (the table's size changes)."""
        self._whole_refresh_held = True
        try:
            yield
        finally:
            self._whole_refresh_held = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if self._whole_refresh_held and not regions and not layout and not recompose:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _rebuild(self, rows: Sequence[Row], new_keys: list[str]) -> None:
        selected = self.selected_key
        old_row = self.cursor_row
        old_scroll = self.scroll_y
        resorted = self._relabel
        if self._relabel:
            # The header shows the sort: columns are added again with their new labels.
            self._relabel = False
            self.clear(columns=True)
            self._add_columns()
        else:
            self.clear()
        self._cells = {}
        for key, cells in rows:
            self.add_row(*map(_display, cells), key=key)
            self._cells[key] = cells if isinstance(cells, tuple) else tuple(cells)
        self._keys = new_keys
        if not new_keys:
            return
        if selected in self._cells and resorted:
            # A new order: show its top if the cursor's row can be seen with it.
            self.move_cursor(row=new_keys.index(selected), animate=False)
        elif selected in self._cells:
            new_row = new_keys.index(selected)
            self.move_cursor(row=new_row, animate=False, scroll=False)
            # Keep the selected row at the same place on screen.
            self.scroll_to(y=max(0, old_scroll + (new_row - old_row)), animate=False, immediate=True)
        else:
            self.move_cursor(row=min(max(old_row, 0), len(new_keys) - 1), animate=False)
