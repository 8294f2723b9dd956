"""Focus that takes effect before the next key, and the keys that move it into a field."""

from __future__ import annotations

from textual.widget import Widget

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
