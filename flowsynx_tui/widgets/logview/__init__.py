"""The log view: one package, its model testable without Textual.

``pane`` is the only Textual part (``LogPane`` and its ``LogLines`` view); ``model``
holds what is shown (filter, search, wrap, expanded exceptions) over ``store`` (the
retained lines in compact columns), ``column`` (message text in UTF-8 blocks),
``layout`` (rows per line) and ``text`` (cutting, folding, levels, times).
"""

from flowsynx_tui.widgets.logview.pane import LogLines, LogPane, SetAside

__all__ = ["LogLines", "LogPane", "SetAside"]
