"""Scrollbars that cost a slow link a few bytes, not a line's worth of escape sequences."""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment, Segments
from textual.scrollbar import ScrollBarRender


class CompactScrollBarRender(ScrollBarRender):
    """Textual draws a horizontal scrollbar as one segment per cell, and each segment goes to
    the terminal with its own colours and a reset: about 1.9 KB for an 80-column bar, written
    again whenever the bar's line is in a repainted area (the log pane's, under a followed
    log, several times a second). Runs of one look are one segment here; a run keeps its
    click meaning (scroll left, grab, scroll right), as the cells in it all had the same.
    A vertical bar is one segment per line already."""

    @classmethod
    def render_bar(
        cls,
        size: int = 25,
        virtual_size: float = 50,
        window_size: float = 20,
        position: float = 0,
        thickness: int = 1,
        vertical: bool = True,
        back_color: Color = Color.parse("#555555"),
        bar_color: Color = Color.parse("bright_magenta"),
    ) -> Segments:
        bar = super().render_bar(
            size=size,
            virtual_size=virtual_size,
            window_size=window_size,
            position=position,
            thickness=thickness,
            vertical=vertical,
            back_color=back_color,
            bar_color=bar_color,
        )
        if vertical:
            return bar
        return Segments(Segment.simplify(bar.segments), new_lines=False)
