"""The `/` filter line under a table, and the one way rows are matched against it.

A filter is words separated by spaces; a row stays when every word is found in it:

- ``nightly``: in any cell, as the cell shows it (``12-01`` finds a run started on
  December 1, ``failed`` a ``✘ Failed`` status, ``1m`` a duration);
- ``status:failed``: in the cell of the column whose header is ``Status``. Header names
  are matched without case, spaces or dashes (``last-run:``, ``lastrun:``) and a unique
  beginning is enough (``wf`` is not one, ``work:`` is ``Workflow``);
- ``"two words"`` or ``comment:"check totals"``: with the space in it.

Matching ignores case. A ``name:`` that names no column is said in the filter line and
the whole word is looked for as text (it is then usually found nowhere); a word such as
``03:22`` whose part before the colon has no letter is text (a time).

Screens build each row's cells and ask :meth:`RowFilter.keeps`; ``escape`` clears and closes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from flowsynx_tui.text import cut, one_line

_TOKEN = re.compile(r'[^\s"]*"[^"]*"?|\S+')


def _column_name(label: str) -> str:
    """A header name as it is typed and compared: ``Last run`` -> ``lastrun``."""
    return re.sub(r"[\W_]+", "", label.casefold())


def _typed(label: str) -> str:
    """A header name as the filter line suggests typing it: ``Last run`` -> ``last-run``."""
    return "-".join(label.casefold().split())


def _cell_text(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else one_line(cell)


@dataclass(frozen=True)
class Term:
    needle: str
    """Folded text to find."""
    column: int | None = None
    """Index of the cell to look in; None: any cell."""


@dataclass(frozen=True)
class RowFilter:
    """A parsed filter; ``RowFilter()`` keeps every row."""

    text: str = ""
    terms: tuple[Term, ...] = ()
    problems: tuple[str, ...] = ()
    """What in the text could not be read as written (a column this table does not have)."""
    description: str = ""
    """What the filter matches, in words, for the filter line."""

    @classmethod
    def parse(cls, text: str, columns: Sequence[str]) -> RowFilter:
        """``columns``: the header names, in the order of each row's cells."""
        names = [_column_name(label) for label in columns]
        terms: list[Term] = []
        problems: list[str] = []
        said: list[str] = []
        for token in _TOKEN.findall(text):
            name, colon, value = token.partition(":")
            column: int | None = None
            if colon and name and not name.startswith('"') and re.search(r"[^\W\d_]", name):
                wanted = _column_name(name)
                exact = [i for i, known in enumerate(names) if known and known == wanted]
                begins = [i for i, known in enumerate(names) if known and known.startswith(wanted)]
                found = exact or begins
                if len(found) == 1:
                    column = found[0]
                elif found:
                    choices = " or ".join(_typed(columns[i]) for i in found)
                    problems.append(f'"{one_line(name, 20)}:" could be {choices}')
                else:
                    have = ", ".join(_typed(label) for label in columns if label)
                    problems.append(f'no column "{one_line(name, 20)}" here (columns: {have})')
            needle = (value if column is not None else token).replace('"', "")
            if not needle.strip():
                continue
            terms.append(Term(needle.casefold(), column))
            shown = f'"{cut(one_line(needle), 30)}"'
            said.append(f"{shown} in {columns[column]}" if column is not None else f"{shown} anywhere")
        description = ""
        if terms:
            description = "rows with " + " and ".join(said)
        if problems:
            description = " · ".join([*problems, description] if description else problems)
        return cls(text, tuple(terms), tuple(problems), description)

    def keeps(self, cells: Sequence[str | Text]) -> bool:
        """True when every term is found in the row's cells (as shown)."""
        if not self.terms:
            return True
        folded = [_cell_text(cell).casefold() for cell in cells]
        for term in self.terms:
            if term.column is None:
                if not any(term.needle in cell for cell in folded):
                    return False
            elif term.column >= len(folded) or term.needle not in folded[term.column]:
                return False
        return True


class FilterBar(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            placeholder="filter: words (all must match), column:value (status:failed); enter keeps, escape clears",
            **kwargs,  # type: ignore[arg-type]
        )
        self.display = False

    def open(self) -> None:
        self.display = True
        self.focus()

    def show_filter(self, row_filter: RowFilter) -> None:
        """Say under the line what the filter matches (and what it could not read)."""
        self.border_subtitle = Text(row_filter.description) if row_filter.description else None
        self.set_class(bool(row_filter.problems), "-problem")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()
        if not self.value:
            self.display = False

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.post_message(self.FilterChanged(""))
        self.screen.focus_next()
