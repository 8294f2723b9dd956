"""How values read on screen: status glyphs and colours, durations, ages, safe text.

Status is always a glyph plus a word, so it reads without colour. Server text is
data: it goes through :func:`safe_text`, which makes control characters visible and
never interprets markup.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.text import Text

from flowsynx_tui.api.models import ExecutionStatus, TaskStatus

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

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_PICTURES = {0x1B: "␛", 0x7F: "␡"}


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code in _CONTROL_PICTURES:
        return _CONTROL_PICTURES[code]
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: ␀ ␁ ...
    return f"\\x{code:02x}"


def clean(value: object, limit: int = 500) -> str:
    """Server text made safe for one table cell: no control characters, bounded length."""
    text = "" if value is None else str(value)
    text = text.replace("\t", " ").replace("\n", " ⏎ ")
    text = _CONTROL.sub(_picture, text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def safe_text(value: object, style: str = "", limit: int = 500) -> Text:
    """A Rich Text that shows the value literally: ``[bold]`` stays ``[bold]``."""
    return Text(clean(value, limit), style=style, no_wrap=True, overflow="ellipsis")


def status_text(status: ExecutionStatus | TaskStatus | str | None, *, width: int = 0) -> Text:
    raw = "" if status is None else str(getattr(status, "value", status))
    glyph, style = STATUS_LOOK.get(raw, UNKNOWN_LOOK)
    label = f"{glyph} {clean(raw, 20) or 'unknown'}"
    return Text(label.ljust(width), style=style)


def status_glyph(status: ExecutionStatus | TaskStatus | str | None) -> Text:
    raw = "" if status is None else str(getattr(status, "value", status))
    glyph, style = STATUS_LOOK.get(raw, UNKNOWN_LOOK)
    return Text(glyph, style=style)


def short_id(identifier: str | None) -> str:
    return (identifier or "")[:8]


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
