"""What a screen's handlers may assume about its own widgets."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def built(screen: Screen[Any]) -> bool:
    """The screen's widgets were mounted.

    False when the app began to exit while the screen was being pushed (the terminal hung
    up, or ``q`` came, just as a key opened it): Textual then mounts none of its widgets
    yet still sends it Mount, where a query for one would turn a clean exit into a crash
    report (and, on a vanished terminal, exit status 1).
    """
    return bool(screen.children)
