"""How values read on screen: status glyphs and colours, durations, ages, times.

Status is always a glyph plus a word, so it reads without colour. Server text goes
through :mod:`flowsynx_tui.text`, never through here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from flowsynx_tui.api.values import ExecutionStatus, TaskStatus
from flowsynx_tui.text import one_line

# (glyph, style) per status value; unknown statuses get "?" and no colour.
STATUS_LOOK: dict[str, tuple[str, str]] = {
    "Pending": ("○", "dim"),
    "Running": ("▶", "bold cyan"),
    # Not U+23F8: many terminals draw it as a two-cell emoji and break the columns.
    "Paused": ("‖", "bold magenta"),
    "Completed": ("✔", "green"),
    "Failed": ("✘", "bold red"),
    "Canceled": ("⊘", "yellow"),
    "Retrying": ("↻", "bold yellow"),
}
UNKNOWN_LOOK = ("?", "")


def status_text(status: ExecutionStatus | TaskStatus | str | None, *, width: int = 0) -> Text:
    raw = "" if status is None else str(getattr(status, "value", status))
    glyph, style = STATUS_LOOK.get(raw, UNKNOWN_LOOK)
    label = f"{glyph} {one_line(raw, 20) or 'unknown'}"
    return Text(label.ljust(width), style=style)


def format_duration(delta: timedelta | None) -> str:
    if delta is None:
        return "–"
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        fraction = max(0.0, delta.total_seconds())
        return f"{fraction:.1f}s" if fraction < 10 else f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def format_age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "–"
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "just now"
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


def format_time(moment: datetime | None, *, utc: bool = False, compact: bool = False) -> str:
    """Local time; ``compact`` drops the year, so a table of runs fits 80 columns."""
    if moment is None:
        return "–"
    local = moment if utc else moment.astimezone()
    return local.strftime("%m-%d %H:%M:%S" if compact else "%Y-%m-%d %H:%M:%S")


def duration_between(start: datetime | None, end: datetime | None, now: datetime) -> timedelta | None:
    if start is None:
        return None
    return (end or now) - start
