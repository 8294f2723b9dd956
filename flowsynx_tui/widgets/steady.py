"""A ``Static`` that leaves the terminal alone when told to show what it already shows."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static


def _identity(content: object) -> object:
    """What makes two contents draw the same; ``None`` when that cannot be told cheaply."""
    if isinstance(content, str):
        return content
    if isinstance(content, Text):
        # rich's Text.__eq__ looks at the characters and spans only, not the base style.
        return (content.plain, tuple(content.spans), str(content.style), content.justify, content.no_wrap)
    return None


class SteadyStatic(Static):
    """Textual's ``Static.update`` repaints (and lays out) even identical content. Titles and
    headers are updated on one-second timers, so every screen rewrote its top lines each
    second while nothing changed: bytes an operator on a slow SSH link pays for."""

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._shown = _identity(content)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        identity = _identity(content)
        if identity is not None and identity == self._shown:
            return
        self._shown = identity
        # A title one line high and as wide as the screen keeps its size whatever it says:
        # no layout of the whole screen for it (a new run changes the count in it).
        super().update(content, layout=layout and not self._size_is_fixed())

    def _size_is_fixed(self) -> bool:
        height, width = self.styles.height, self.styles.width
        return height is not None and not height.is_auto and (width is None or not width.is_auto)
