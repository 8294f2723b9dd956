"""The footer: Textual's, with the way to help and the way out always in view."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
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
        declared = self._declared_order()

        def rank(widget: object) -> tuple[int, int]:
            # Each key of the footer carries its binding's action (Textual's FooterKey).
            action = getattr(widget, "action", None)
            first = self.FIRST.index(action) if action in self.FIRST else len(self.FIRST)
            return first, declared.get(action, len(declared))  # type: ignore[arg-type]

        # A screen may word a key for its state: a withdrawn question's "n No" beside its
        # only button, "Close".
        words = getattr(self.screen, "footer_words", None)
        renamed = words() if callable(words) else {}
        for key in keys:
            description = renamed.get(getattr(key, "action", None))  # type: ignore[call-overload]
            if description is not None:
                key.description = description  # type: ignore[attr-defined]
        yield from sorted(keys, key=rank)

    def _declared_order(self) -> dict[str, int]:
        """Actions in the order their bindings are declared, the focused widget's first and
        the app's last, as Textual lists them. Textual moves a remapped binding ([keys]) to
        the end: at 80 columns a remapped "F Follow" fell off the footer."""
        order: dict[str, int] = {}
        screen = self.screen
        node: DOMNode | None = screen.focused or screen
        chain: list[DOMNode] = []
        while node is not None:
            chain.append(node)
            node = node.parent
        for member in chain:
            for cls in reversed(type(member).__mro__):
                for binding in cls.__dict__.get("BINDINGS", ()):
                    action = binding.action if isinstance(binding, Binding) else binding[1]
                    order.setdefault(action, len(order))
        return order
