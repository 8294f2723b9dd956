"""Focus that takes effect before the next key."""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the next key is handled. ``Widget.focus`` waits its turn
    behind keys already queued: keys typed in one burst after ``/`` (a paste, a laggy SSH
    link) reached the screen's bindings instead of the field, and "/pay" approved a run."""
    widget.screen.set_focus(widget)
