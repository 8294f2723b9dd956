"""A DataTable whose rows are kept in sync with data by key, in place.

Cells are ``Text`` on their way in: a plain ``str`` is made safe by the text module and
never parsed as markup. Refreshing data must never move the cursor or the scroll
position: changed cells are updated where they are; when rows are added or reordered the table is rebuilt and the
cursor is put back on the same key with the viewport shifted by the same amount, so
what the user looks at stays still.
"""

from __future__ import annotations

from collections.abc import Sequence

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from flowsynx_tui.text import one_line

Cell = str | Text
Row = tuple[str, Sequence[Cell]]


def _display(value: Cell) -> Text:
    """DataTable parses a ``str`` cell as markup; this table never hands it one."""
    # The same Text DataTable would build for a one-row cell, minus the markup parsing.
    return value if isinstance(value, Text) else Text(one_line(value), no_wrap=True, end="")


class KeyedTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="table.open"),
    ]

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._column_spec = list(columns)
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        for key, label in self._column_spec:
            self.add_column(label, key=key)

    @property
    def selected_key(self) -> str | None:
        if not self._keys or self.cursor_row < 0 or self.cursor_row >= len(self._keys):
            return None
        return self._keys[self.cursor_row]

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def select_key(self, key: str) -> bool:
        if key not in self._cells:
            return False
        self.move_cursor(row=self._keys.index(key))
        return True

    def sync(self, rows: Sequence[Row]) -> None:
        new_keys = [key for key, _ in rows]
        if new_keys == self._keys:
            self._update_cells(rows)
            return
        self._rebuild(rows, new_keys)

    def _update_cells(self, rows: Sequence[Row]) -> None:
        column_keys = [key for key, _ in self._column_spec]
        for key, cells in rows:
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
                        pass
            self._cells[key] = new

    def _rebuild(self, rows: Sequence[Row], new_keys: list[str]) -> None:
        selected = self.selected_key
        old_row = self.cursor_row
        old_scroll = self.scroll_y
        self.clear()
        self._cells = {}
        for key, cells in rows:
            self.add_row(*map(_display, cells), key=key)
            self._cells[key] = cells if isinstance(cells, tuple) else tuple(cells)
        self._keys = new_keys
        if not new_keys:
            return
        if selected in self._cells:
            new_row = new_keys.index(selected)
            self.move_cursor(row=new_row, animate=False, scroll=False)
            # Keep the selected row at the same place on screen.
            self.scroll_to(y=max(0, old_scroll + (new_row - old_row)), animate=False, immediate=True)
        else:
            self.move_cursor(row=min(max(old_row, 0), len(new_keys) - 1), animate=False)
