"""Focus that takes effect before the next key, and the keys that move it into a field or
out of one."""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input

#: The bindings that open a field (the lists' filter, the log and definition searches), by
#: id, with their default key. They are priority bindings, so that the keys typed after
#: them go into the field; the app makes them wait for the keys typed before them
#: (``FlowSynxApp.on_event``).
FIELD_OPENERS: dict[str, str] = {
    "screen.filter": "slash",
    "log.search": "slash",
    "definition.search": "slash",
}


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the next key is handled. ``Widget.focus`` waits its turn
    behind keys already queued: keys typed in one burst after ``/`` (a paste, a laggy SSH
    link) reached the screen's bindings instead of the field, and "/pay" approved a run."""
    widget.screen.set_focus(widget)


class FieldInput(Input):
    """A one-line field (a filter, a search) left with enter at once, before the keys typed
    behind it: in one burst, "/nig⏎j" filtered on "nigj" and "/nig⏎⏎" opened nothing.

    Enter was a binding, run once the key had come up to the app, while the field went on
    with the keys queued behind it as text. Here enter leaves the field as the field takes
    it (``leave``), and keys the field gets after that go back to the app, which hands them
    to whatever has the focus now."""

    def leave(self) -> None:
        """Move the focus away now; enter was pressed (``Input.Submitted`` follows)."""
        self.screen.focus_next()

    async def _on_key(self, event: events.Key) -> None:
        if self.screen.focused is not self:  # ``has_focus`` waits for the blur queued behind these keys
            event.stop()
            event.prevent_default()
            self.app.post_message(events.Key(event.key, event.character))
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.leave()
            await self.action_submit()
            return
        await super()._on_key(event)
