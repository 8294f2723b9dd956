"""`?`: every key that works here, generated from the active bindings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from flowsynx_tui.widgets.pager import VerticalPager

HelpRow = tuple[str, str, str]  # key, what it does, binding id


def help_rows(bindings: Mapping[str, ActiveBinding], key_display: Callable[[Binding], str]) -> list[HelpRow]:
    """One row per action that works here, this app's own keys (those with an id) first."""
    rows: list[HelpRow] = []
    seen: set[str] = set()
    for active in bindings.values():
        binding = active.binding
        if binding.action in seen and not binding.description:
            continue
        seen.add(binding.action)
        # Textual's own palette binding says only "palette".
        description = "Command palette" if binding.action == "command_palette" else binding.description
        rows.append((key_display(binding), description or binding.action, binding.id or ""))
    if "command_palette" not in seen:
        rows.append(("ctrl+p", "Command palette", ""))
    # This app's own keys first; the generic ones of tables and inputs after them.
    rows.sort(key=lambda row: not row[2])
    return rows


def bindings_table(rows: list[HelpRow]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
    table.add_column(Text("Key"), no_wrap=True, style="bold cyan")
    table.add_column(Text("Action"))
    # A short header: a long one made the column as wide, and at 80 columns the actions
    # wrapped a word a line beside it. What the ids are for is said in the title.
    table.add_column(Text("Binding id"), style="dim", no_wrap=True)
    for key, description, binding_id in rows:
        table.add_row(Text(key), Text(description), Text(binding_id))
    return table


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (VerticalPager,)

    def __init__(self, title: str, rows: list[HelpRow]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        # The keys it lists for moving in lists move in it too.
        with VerticalPager(id="help-box"):
            title = Text(f"Keys · {self.title_text}", style="bold")
            title.append("   remap by id in the config file's [keys]", style="dim not bold")
            yield Static(title, id="help-title")
            yield Static(bindings_table(self.rows))
            yield Static(
                Text("ctrl+p: command palette (jump to a workflow or execution) · escape: close", style="dim")
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
