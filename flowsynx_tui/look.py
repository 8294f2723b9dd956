"""The look without colour (``NO_COLOR``): what colour says, said by attributes.

Textual honours ``NO_COLOR`` by turning every colour to grey of the same brightness, and
the colours that matter most here are the dark ones: magenta (an approval waits: the
header's ``⚑ 1 approval waiting``, Paused, the gate in the task tree) and red (Failed, an
error) come out as dark grey on the dark grey of the panel, unreadable. This filter runs
before Textual's own: it draws those two in the colour that contrasts most with what is
behind them and adds what a monochrome terminal can show, so they stay the most visible
things on screen rather than the least:

* magenta: bold and reverse (a light block: something waits for you);
* red: bold and underlined.

The colours are chosen where the meaning is (``format.STATUS_LOOK``, the header, the
screens); this only translates them, so no screen needs to know about ``NO_COLOR``.
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color as RichColor
from rich.color import ColorType
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

_RED, _MAGENTA = 1, 5
_ATTRIBUTES = {
    _MAGENTA: Style(bold=True, reverse=True),
    _RED: Style(bold=True, underline=True),
}


class SignalAttributes(LineFilter):
    """Red and magenta text as attributes in the contrasting grey (see the module)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, _signal(style, background.rich_color), control) if style is not None else segment
            for segment in segments
            for text, style, control in (segment,)
        ]


@lru_cache(1024)
def _signal(style: Style, background: RichColor) -> Style:
    color = style.color
    if color is None or color.type is not ColorType.STANDARD or color.number is None or style.italic:
        # Italic: Rich's highlighters (the definition's JSON) colour null and false in italic
        # magenta and red; words of the document, not something waiting or failed.
        return style
    attributes = _ATTRIBUTES.get(color.number % 8)  # the bright variant means the same
    if attributes is None:
        return style
    behind = style.bgcolor if style.bgcolor is not None and style.bgcolor.triplet is not None else background
    contrast = Color.from_rich_color(behind).get_contrast_text(1.0)
    return style + attributes + Style.from_color(contrast.rich_color, style.bgcolor)
