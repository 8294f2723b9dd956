"""Text helpers of the log pane: turning untrusted log text into safe, measurable cells.

Log messages come from workflow tasks, i.e. from anyone. They are treated as data:
nothing here parses markup, and every control character is swapped for a visible
stand-in (by :mod:`flowsynx_tui.text`, the rule every screen uses) before it can
reach the terminal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

from rich.cells import chop_cells, set_cell_size

from flowsynx_tui.text import is_safe, log_line

CUT_CHARS = 10_000
"""Messages longer than this are cut: a 1 MB line would make every render slow."""

MAX_EXCEPTION_LINES = 2_000
"""An expanded exception shows at most this many lines (row heights are 16-bit)."""


def cut(text: str, limit: int = CUT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [+{len(text) - limit:,} chars]"


def sanitize(text: str) -> str:
    """``text`` with tabs expanded and every control character made visible (the
    project's one rule for server text, :mod:`flowsynx_tui.text`)."""
    return log_line(text)


def display_text(text: str) -> str:
    """What the pane shows for a message: cut, then sanitized."""
    return sanitize(cut(text))


def is_plain(text: str) -> bool:
    """True when ``text`` displays unchanged, one cell per character (the fast path)."""
    return len(text) <= CUT_CHARS and text.isascii() and text.isprintable()


def fold(text: str, width: int) -> list[str]:
    """``text`` split into rows of at most ``width`` cells (hard wrap, cell-aware).

    Character folding rather than word wrapping: its row count follows from the cell
    length alone, which keeps layout of 200k wrapped lines cheap and exact.
    """
    width = max(1, width)
    if not text:
        return [""]
    if text.isascii():
        return [text[i : i + width] for i in range(0, len(text), width)]
    return chop_cells(text, width) or [""]


def fold_count(text: str, width: int) -> int:
    """Number of rows ``fold(text, width)`` gives, without building them when ASCII."""
    if text.isascii():
        return max(1, -(-len(text) // max(1, width)))
    return len(fold(text, width))


def exception_lines(exception: str) -> list[str]:
    """The display lines of an exception (each sanitized; at most MAX_EXCEPTION_LINES)."""
    lines = exception.splitlines() or [""]
    extra = len(lines) - MAX_EXCEPTION_LINES
    shown = [display_text(line) for line in lines[:MAX_EXCEPTION_LINES]]
    if extra > 0:
        shown.append(f"… [+{extra:,} more lines]")
    return shown


def collapsed_exception(exception: str) -> str:
    """The one-line summary of an exception: its first line and how many lines follow."""
    first, _, rest = exception.lstrip("\r\n").partition("\n")
    more = len(rest.splitlines())
    summary = f"  ▸ {display_text(first.rstrip(chr(13)))}"
    return f"{summary}  (+{more} lines)" if more else summary


EXPANDED_MARKER = "  ▾"


class Level(NamedTuple):
    label: str
    """Three letters, so the level reads without colour and columns stay aligned."""
    severity: int
    style_name: str


KNOWN_LEVELS: dict[str, Level] = {
    "Trace": Level("TRC", 0, "trace"),
    "Debug": Level("DBG", 1, "debug"),
    "Information": Level("INF", 2, "info"),
    "Warning": Level("WRN", 3, "warning"),
    "Error": Level("ERR", 4, "error"),
    "Critical": Level("CRT", 5, "critical"),
    "None": Level("---", 2, "info"),
}

_STYLE_BY_SEVERITY = ("trace", "debug", "info", "warning", "error", "critical")


def unknown_level(name: str, severity: int) -> Level:
    """A level this client does not know: shown by its own name, ranked as told."""
    severity = min(5, max(0, severity))
    # Three cells: a control or bidi character is one "?", not a stand-in cut in half.
    short = "".join(c if is_safe(c) else "?" for c in name.strip()[:3].upper())
    label = set_cell_size(short, 3) if short else "???"
    return Level(label, severity, _STYLE_BY_SEVERITY[severity])


def _moment(epoch: float, zone: tzinfo | None, *, utc: bool) -> datetime:
    if utc:
        return datetime.fromtimestamp(epoch, UTC)
    if zone is not None:
        return datetime.fromtimestamp(epoch, zone)
    # No tzinfo: the OS converts, which follows daylight saving per timestamp.
    return datetime.fromtimestamp(epoch)


def format_time(epoch: float, zone: tzinfo | None, *, utc: bool, with_date: bool) -> str:
    """``HH:MM:SS.mmm`` (optionally preceded by the date) in UTC, ``zone`` or local time."""
    moment = _moment(epoch, zone, utc=utc)
    clock = f"{moment:%H:%M:%S}.{moment.microsecond // 1000:03d}"
    return f"{moment:%Y-%m-%d} {clock}" if with_date else clock


def day_of(epoch: float, zone: tzinfo | None, *, utc: bool) -> tuple[int, int, int]:
    moment = _moment(epoch, zone, utc=utc)
    return moment.year, moment.month, moment.day


def slug(text: str) -> str:
    """A file-name-safe form of a source label: ``task ExtractInvoices`` -> ``task-extractinvoices``."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:60] or "log"


__all__ = [
    "CUT_CHARS",
    "EXPANDED_MARKER",
    "KNOWN_LEVELS",
    "Level",
    "collapsed_exception",
    "cut",
    "day_of",
    "display_text",
    "exception_lines",
    "fold",
    "fold_count",
    "format_time",
    "is_plain",
    "sanitize",
    "slug",
    "unknown_level",
]
