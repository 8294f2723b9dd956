"""The one rule for server text on its way to the terminal.

Everything the server sends (names, comments, messages, ids, error bodies, log lines)
was typed by somebody who may not be friendly. On screen it is data, never
instructions:

- never parsed as markup: cells and labels are ``rich.text.Text`` built from plain
  strings, toasts are sent with ``markup=False``, and the few Textual APIs that only
  take markup (the command palette) get :func:`markup_literal`;
- every character that could move the cursor, talk to the terminal or reorder what the
  reader sees is swapped for a visible stand-in: C0 and C1 controls (ESC starts OSC
  title, hyperlink and clipboard sequences; ``\\x9b`` is a one-byte CSI), DEL, the
  Unicode line and paragraph separators, and the bidi embeddings, overrides, isolates
  and marks ("trojan source": an approval prompt must show the name the server holds,
  not a spoofed one);
- its length is bounded, so one 100 KB name cannot make every render slow.

Two layouts share that rule: :func:`one_line` for cells, titles and toasts (a tab is a
space, a newline a visible ``⏎``) and :func:`log_line` for log rows (tabs expanded).
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Iterable

from rich.text import Text

TAB_SIZE = 4
ELLIPSIS = "…"

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
# One-line text also folds newlines (CR LF, LF, CR) into one marker each.
_UNSAFE_ONE_LINE = re.compile(f"\r\n|[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_NEWLINE_MARK = " ⏎ "


def _stand_in(character: str) -> str:
    code = ord(character)
    if code < 0x20:
        # U+2400 "control pictures", one cell each: ESC is ␛, BEL ␇, NUL ␀.
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"<{code:02X}>"
    return f"<U+{code:04X}>"


def _stand_in_match(match: re.Match[str]) -> str:
    return _stand_in(match.group())


def _one_line_match(match: re.Match[str]) -> str:
    found = match.group()
    if found in ("\r\n", "\n", "\r"):
        return _NEWLINE_MARK
    if found == "\t":
        return " "
    return _stand_in(found)


def cut(value: str, limit: int) -> str:
    """``value`` shortened to ``limit`` characters, the last one an ellipsis."""
    if limit <= 0:
        return ""
    if len(value) <= limit:
        return value
    return value[: limit - 1] + ELLIPSIS


def one_line(value: object, limit: int = 500) -> str:
    """Server text made safe for one line of a cell, title, dialog or toast.

    Cut first, so a huge value costs no more than ``limit`` characters of work; the
    stand-ins can make the result a little longer than ``limit``.
    """
    raw = "" if value is None else str(value)
    raw = cut(raw, limit)
    if raw.isascii() and raw.isprintable():
        return raw
    return _UNSAFE_ONE_LINE.sub(_one_line_match, raw)


def lines(value: object, limit: int = 2000) -> str:
    """Like :func:`one_line`, but newlines stay newlines (a multi-line toast or dialog)."""
    raw = cut("" if value is None else str(value), limit)
    return "\n".join(one_line(part, limit) for part in raw.replace("\r\n", "\n").split("\n"))


def safe(value: object, limit: int = 500, style: str = "") -> Text:
    """A ``Text`` that shows the value literally: ``[bold]`` stays ``[bold]``."""
    return Text(one_line(value, limit), style=style, no_wrap=True, overflow="ellipsis")


def short_id(identifier: object) -> str:
    """The first eight characters of an id, as tables show it."""
    return one_line("" if identifier is None else str(identifier)[:8], 8)


def unique_prefixes(identifiers: Iterable[str], minimum: int = 8) -> dict[str, str]:
    """Each id's shortest prefix of at least ``minimum`` characters that no other id in
    ``identifiers`` starts with (ids such as ``00000000-0000-0000-0000-00000000a001`` exist),
    made safe to show."""
    ordered = sorted(set(identifiers))
    labels: dict[str, str] = {}
    for index, identifier in enumerate(ordered):
        length = minimum
        # In sorted order the longest prefix shared with any id is shared with a neighbour.
        for near in (index - 1, index + 1):
            if 0 <= near < len(ordered):
                shared = len(os.path.commonprefix((identifier, ordered[near])))
                length = max(length, shared + 1)
        labels[identifier] = one_line(identifier[:length], length)
    return labels


class PrefixLabels:
    """:func:`unique_prefixes` of a set of ids that grows, kept up to date one new id at a
    time: a new id changes the labels of its two neighbours in sorted order at most, so a
    new execution on a server of 100k costs a bisect, not a second of labelling them all."""

    def __init__(self, identifiers: Iterable[str] = (), minimum: int = 8) -> None:
        self.minimum = minimum
        self._ordered = sorted(set(identifiers))
        self.labels = unique_prefixes(self._ordered, minimum)

    def __len__(self) -> int:
        return len(self._ordered)

    def add(self, identifiers: Iterable[str]) -> set[str]:
        """Label new ids; the ids known before whose label changed (grew) with them."""
        relabelled: set[str] = set()
        ordered, labels = self._ordered, self.labels
        for identifier in identifiers:
            if identifier in labels:
                continue
            place = bisect_left(ordered, identifier)
            ordered.insert(place, identifier)
            labels[identifier] = ""
            for index in range(max(0, place - 1), min(len(ordered), place + 2)):
                near = ordered[index]
                label = self._label_at(index)
                if labels[near] != label and near != identifier:
                    relabelled.add(near)
                labels[near] = label
        return relabelled

    def _label_at(self, index: int) -> str:
        ordered = self._ordered
        identifier = ordered[index]
        length = self.minimum
        for near in (index - 1, index + 1):
            if 0 <= near < len(ordered):
                length = max(length, len(os.path.commonprefix((identifier, ordered[near]))) + 1)
        return one_line(identifier[:length], length)


_GUID = re.compile(r"\b([0-9a-fA-F]{8})-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")


def with_short_ids(value: object, limit: int = 500) -> str:
    """:func:`one_line`, with every GUID cut to its first eight characters (as tables show
    ids), so a route such as ``GET /workflows/{id}/executions/{id}/approvals`` fits a line."""
    return one_line(_GUID.sub(r"\1…", "" if value is None else str(value)), limit)


def log_line(value: str) -> str:
    """One log row made safe: tabs expanded to columns, every control made visible."""
    if value.isascii() and value.isprintable():
        return value
    if "\t" in value:
        value = value.expandtabs(TAB_SIZE)
    return _UNSAFE.sub(_stand_in_match, value)


def is_safe(value: str) -> bool:
    """True when ``value`` holds nothing that :func:`log_line` would replace."""
    return _UNSAFE.search(value) is None


def markup_literal(value: object, limit: int = 500) -> str:
    """Server text for the few Textual APIs that only take markup (the command palette).

    Made safe as :func:`one_line` does, then every ``[`` escaped, so the markup parser
    shows it as written (backslashes need no escape: the parser keeps them).
    """
    return one_line(value, limit).replace("[", "\\[")
