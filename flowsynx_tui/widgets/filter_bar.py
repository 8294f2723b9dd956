"""The `/` filter line under a table: substring filter, `escape` clears and closes."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs: object) -> None:
        super().__init__(placeholder="filter: type to narrow the rows, enter to keep, escape to clear", **kwargs)  # type: ignore[arg-type]
        self.display = False

    def open(self) -> None:
        self.display = True
        self.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()
        if not self.value:
            self.display = False

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.post_message(self.FilterChanged(""))
        self.screen.focus_next()


def matches(text: str, needle: str) -> bool:
    return not needle or needle.lower() in text.lower()
