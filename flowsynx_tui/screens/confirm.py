"""Confirmation before anything that changes server state. "No" is focused, so a stray
`enter` never fires an action; `y` confirms, `n` or `escape` cancels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from flowsynx_tui.keymap import key_shown
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.widgets.operator_footer import OperatorFooter


class ConfirmDialog(ModalScreen[bool]):
    CSS_PATH = "confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        Binding("left,right,tab", "app.focus_next", "Switch", show=False, id="confirm.switch"),
    ]

    def __init__(
        self,
        title: Text,
        lines: Sequence[Text],
        *,
        yes_label: str = "Yes",
        danger: bool = False,
        stale: Callable[[], str | None] | None = None,
        also_yes: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        #: Keys that answer yes besides the yes binding's (the quit key, asked on quit).
        self.also_yes = also_yes
        self.title_text = title
        self.lines = lines
        self.yes_label = yes_label
        self.danger = danger
        #: Why the question no longer applies, asked while it is on screen (see ``withdraw``).
        self.stale = stale
        #: Set once the question no longer applies: only "no" is left.
        self.withdrawn: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            # Title and lines are Text, never markup: they quote server text.
            yield Static(self.title_text, id="confirm-title")
            for line in self.lines:
                yield Static(line, classes="confirm-line")
            with Horizontal(id="confirm-buttons"):
                yield Button("No (n)", id="no")
                yield Button(f"{self.yes_label} (y)", id="yes", variant="error" if self.danger else "primary")
        # The dialog's own keys at the bottom: the footer under it offered the screen's
        # (a Approve, d Reject), and in a short terminal the buttons scroll out of sight.
        yield OperatorFooter()

    def on_mount(self) -> None:
        if not built(self):
            return
        self.query_one("#no", Button).focus()
        # The keys as [keys] made them: a button saying "Start (y)" while y meant No started
        # nothing, or the other way round.
        self._no_key = key_shown(self, "confirm.no", "n")
        self.query_one("#no", Button).label = f"No ({self._no_key})"
        self.query_one("#yes", Button).label = f"{self.yes_label} ({key_shown(self, 'confirm.yes', 'y')})"
        # In a box too tall for the terminal, show its top: it says what is being confirmed.
        self.call_after_refresh(self.query_one("#confirm-box").scroll_home, animate=False)
        if self.stale is not None:
            self.set_interval(0.5, self._check_stale)

    def _check_stale(self) -> None:
        reason = self.stale() if self.stale is not None and self.withdrawn is None else None
        if reason is not None:
            self.withdraw(reason)

    def withdraw(self, reason: str) -> None:
        """The question no longer applies: say why where the buttons were, and leave only
        "no". Not closed under the user's fingers: a "y" already on its way would land on the
        screen below."""
        self.withdrawn = reason
        # The title asked "Approve task …?" above "Close": say it is no longer asked, and
        # what it was (Text: it quotes server text).
        was = self.title_text.copy()
        was.stylize("dim")
        self.query_one("#confirm-title", Static).update(Text.assemble(("No longer asked: ", "bold yellow"), was))
        self.query_one("#yes", Button).display = False
        line = Static(Text(reason, style="bold yellow"), classes="confirm-line", id="confirm-withdrawn")
        self.query_one("#confirm-box").mount(line, before=self.query_one("#confirm-buttons"))
        self.query_one("#no", Button).label = f"Close ({self._no_key})"
        self.refresh_bindings()

    def footer_words(self) -> dict[str, str]:
        """The footer's words for a key, by action, where they differ from the binding's."""
        return {"answer(False)": "Close"} if self.withdrawn is not None else {}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters == (True,) and self.withdrawn is not None:
            return False
        return True

    def on_key(self, event: events.Key) -> None:
        # The app's own keys do not reach a modal screen: "q again quits" did nothing.
        if (event.key in self.also_yes or event.character in self.also_yes) and self.withdrawn is None:
            event.stop()
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes" and self.withdrawn is None)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes and self.withdrawn is None)
