"""The footer: Textual's, with the way to help and the way out always in view."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import Footer


class OperatorFooter(Footer):
    """Textual lists the focused widget's keys first and the app's last, so on an 80-column
    terminal with the log pane focused ``? Help`` and ``q Quit`` fell off the end. They come
    first here, then the server actions; the rest keep Textual's order."""

    FIRST: ClassVar[tuple[str, ...]] = (
        "help",
        "quit_app",
        # What an operator came to do: with the log pane focused at 120 columns its nine
        # keys came first, and "d Reject" and "c Cancel run" fell off the end.
        "approve",
        "reject",
        "cancel_execution",
        "start_execution",
        # The way back, as in k9s: with the log pane focused it fell off the end.
        "back",
    )
    """Actions whose keys lead the footer, in this order."""

    def compose(self) -> ComposeResult:
        keys = list(super().compose())

        def rank(widget: object) -> int:
            # Each key of the footer carries its binding's action (Textual's FooterKey).
            action = getattr(widget, "action", None)
            return self.FIRST.index(action) if action in self.FIRST else len(self.FIRST)

        yield from sorted(keys, key=rank)
