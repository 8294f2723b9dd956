"""A scrolling view of text read like ``less``: the vim keys of the tables, with binding ids."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer


class Pager(ScrollableContainer, inherit_bindings=False):
    """Textual's scrolling containers move with the arrows and the page keys only, under
    bindings without ids: in a definition, task details or the help, ``j`` did nothing and
    no key could be remapped. These are the tables' keys (``j``/``k``, ``g``/``G``,
    ``ctrl+d``/``ctrl+u``), each remappable by id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Down", show=False, id="pager.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="pager.up"),
        Binding("ctrl+d,pagedown,space", "page_down", "Page down", show=False, id="pager.page_down"),
        Binding("ctrl+u,pageup", "page_up", "Page up", show=False, id="pager.page_up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="pager.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="pager.bottom"),
        Binding("left", "scroll_left", "Left", show=False, id="pager.left"),
        Binding("right", "scroll_right", "Right", show=False, id="pager.right"),
    ]


class VerticalPager(Pager):
    """A ``Pager`` whose lines wrap to its width, as Textual's ``VerticalScroll``."""

    DEFAULT_CSS = """
    VerticalPager {
        layout: vertical;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """
