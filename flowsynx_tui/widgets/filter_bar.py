"""The `/` filter line under a table, and the one way rows are matched against it.

A filter is words separated by spaces; a row stays when every word is found in it:

- ``nightly``: in any cell, as the cell shows it (``12-01`` finds a run started on
  December 1, ``failed`` a ``✘ Failed`` status, ``1m`` a duration);
- ``status:failed``: in the cell of the column whose header is ``Status``. Header names
  are matched without case, spaces or dashes (``last-run:``, ``lastrun:``) and a unique
  beginning is enough (``wf`` is not one, ``work:`` is ``Workflow``);
- ``"two words"`` or ``comment:"check totals"``: with the space in it;
- ``status: failed`` is ``status:failed``; ``status:`` alone keeps every row and the filter
  line asks what to find in the column;
- ``-status:completed`` or ``!status:completed``, ``-nightly``: a row stays when the word is
  *not* there (as in k9s and most search boxes).

Matching ignores case. A ``name:`` that names no column is said in the filter line and
the whole word is looked for as text (it is then usually found nowhere); a word such as
``03:22`` whose part before the colon has no letter is text (a time).

A table filters its rows with :meth:`RowFilter.keeps_line`; ``escape`` clears and closes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import contains, itemgetter
from typing import TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from flowsynx_tui.text import cut, one_line
from flowsynx_tui.widgets.focus import FieldInput, focus_now

_TOKEN = re.compile(r'[^\s"]*"[^"]*"?|\S+')
#: Between a row's cells in ``RowFilter.keeps_line``: a control character, which cells
#: never hold (``text.one_line`` replaced them) and a typed word cannot match across.
SEPARATOR = "\x1f"
K = TypeVar("K")


def _column_name(label: str) -> str:
    """A header name as it is typed and compared: ``Last run`` -> ``lastrun``."""
    return re.sub(r"[\W_]+", "", label.casefold())


def _names_a_column(token: str) -> bool:
    """``status:failed``, ``status:``; not ``03:22`` (no letter before the colon, a time)."""
    name, colon, _ = token.partition(":")
    return bool(colon and name and not name.startswith('"') and re.search(r"[^\W\d_]", name))


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
    negated: bool = False
    """The row stays when the text is not there."""


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
        asks: list[str] = []  # a column named with nothing to find in it (yet): every row stays
        tokens = _TOKEN.findall(text)
        while tokens:
            token = tokens.pop(0)
            negated = len(token) > 1 and token[0] in "-!"
            if negated:
                token = token[1:]
            name, colon, value = token.partition(":")
            column: int | None = None
            if _names_a_column(token):
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
                    have = ", ".join(_typed(label) for label, typed in zip(columns, names) if typed)
                    problems.append(f'no column "{one_line(name, 20)}" here (columns: {have})')
            if column is not None and not value:
                if tokens and not _names_a_column(tokens[0]):
                    value = tokens.pop(0)  # "status: failed", as people write it
                else:
                    asks.append(f"{_typed(columns[column])}: what to find in {columns[column]}?")
                    continue
            needle = (value if column is not None else token).replace('"', "")
            if not needle.strip():
                continue
            terms.append(Term(needle.casefold(), column, negated))
            shown = f'"{cut(one_line(needle), 30)}"'
            where = f"in {columns[column]}" if column is not None else "anywhere"
            said.append(f"{'no ' if negated else ''}{shown} {where}")
        matches = ["rows with " + " and ".join(said)] if terms else []
        description = " · ".join([*problems, *matches, *asks])
        return cls(text, tuple(terms), tuple(problems), description)

    def keeps(self, cells: Sequence[str | Text]) -> bool:
        """True when every term is found in the row's cells (as shown)."""
        if not self.terms:
            return True
        return self.keeps_line(SEPARATOR.join([_cell_text(cell) for cell in cells]).casefold())

    def narrows(self, other: RowFilter) -> bool:
        """True when every row this filter keeps, ``other`` keeps too (each of its words
        is there, as typed further, and more may follow): a table looks only at the rows
        ``other`` kept, a keystroke at a time."""
        if len(self.terms) < len(other.terms):
            return False
        # A longer word that must be absent keeps more rows, not fewer.
        return all(
            new.column == old.column
            and new.negated == old.negated
            and (old.needle == new.needle if old.negated else old.needle in new.needle)
            for old, new in zip(other.terms, self.terms)
        )

    def kept(
        self, keys: list[K], lines: list[str], column_of: Callable[[int, list[K]], list[str]] | None = None
    ) -> list[K]:
        """The ``keys`` whose ``lines`` (as in :meth:`keeps_line`, in the same order) this
        filter keeps. A pass per word, in C: a table filters 100k rows on each keystroke.
        ``column_of(index, keys)``: the folded text of the cells of that column of these
        keys, if the caller keeps it (splitting 100k lines costs more than the search)."""
        return self.kept_lines(keys, lines, column_of)[0]

    def kept_lines(
        self, keys: list[K], lines: list[str], column_of: Callable[[int, list[K]], list[str]] | None = None
    ) -> tuple[list[K], list[str]]:
        """:meth:`kept`, and the lines of the keys kept."""
        for term in self.terms:
            if term.column is None:
                found = list(map(contains, lines, repeat(term.needle)))
            elif column_of is not None:
                found = list(map(contains, column_of(term.column, keys), repeat(term.needle)))
            else:
                cells = list(map(str.split, lines, repeat(SEPARATOR)))
                if min(map(len, cells), default=0) > term.column:
                    column = list(map(itemgetter(term.column), cells))
                else:
                    column = [parts[term.column] if term.column < len(parts) else "" for parts in cells]
                found = list(map(contains, column, repeat(term.needle)))
            if term.negated:
                found = [not hit for hit in found]
            keys = list(compress(keys, found))
            lines = list(compress(lines, found))
        return keys, lines

    def keeps_line(self, line: str) -> bool:
        """``keeps`` for a row's cells as shown, joined by ``SEPARATOR`` and case-folded
        (what a table caches per row: one string, one search per word)."""
        cells: list[str] | None = None
        for term in self.terms:
            if term.column is None:
                found = term.needle in line
            else:
                if cells is None:
                    cells = line.split(SEPARATOR)
                found = term.column < len(cells) and term.needle in cells[term.column]
            if found is term.negated:
                return False
        return True


class FilterBar(FieldInput):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            placeholder="filter: words (all must match), column:value (status:failed), -word (without); enter keeps, escape clears",
            **kwargs,  # type: ignore[arg-type]
        )
        self.display = False

    def open(self) -> None:
        self.display = True
        focus_now(self)

    def show_filter(self, row_filter: RowFilter) -> None:
        """Say under the line what the filter matches (and what it could not read)."""
        self.border_subtitle = Text(row_filter.description) if row_filter.description else None
        self.set_class(bool(row_filter.problems), "-problem")

    def on_input_changed(self, event: FieldInput.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    def leave(self) -> None:
        self.screen.focus_next()
        if not self.value:
            self.display = False

    def on_input_submitted(self, event: FieldInput.Submitted) -> None:
        event.stop()

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.post_message(self.FilterChanged(""))
        self.screen.focus_next()
