"""`?`: every key that works here, generated from the active bindings."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def bindings_table(rows: list[tuple[str, str, str]]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
    table.add_column(Text("Key"), no_wrap=True, style="bold cyan")
    table.add_column(Text("Action"))
    table.add_column(Text("Binding id (remap in the config file's [keys])"), style="dim", no_wrap=True)
    for key, description, binding_id in rows:
        table.add_row(Text(key), Text(description), Text(binding_id))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, title: str, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(f"Keys · {self.title_text}", style="bold"), id="help-title")
            yield Static(bindings_table(self.rows))
            yield Static(
                Text("ctrl+p: command palette (jump to a workflow or execution) · escape: close", style="dim")
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
