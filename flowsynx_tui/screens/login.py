"""Asked when the server answers 401 mid-session: a new password or token, then go on.

Secrets are typed into masked inputs, kept in memory only, and never written to disk.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from flowsynx_tui.api.auth import BasicCredentials, BearerCredentials, Credentials
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.text import one_line
from flowsynx_tui.widgets.operator_footer import OperatorFooter


class LoginDialog(ModalScreen[Credentials | None]):
    CSS_PATH = "login.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="login.cancel"),
    ]

    def __init__(self, reason: str, current: Credentials | None, *, title: str = "Sign in again") -> None:
        super().__init__()
        self.reason = reason
        self.current = current
        self.title_text = title

    def compose(self) -> ComposeResult:
        bearer = isinstance(self.current, BearerCredentials)
        username = self.current.username if isinstance(self.current, BasicCredentials) else ""
        # One line a field, its label beside it: with Textual's three-line inputs the box
        # was 27 lines high, and at 80x24 the title and the reason scrolled out of sight.
        with Vertical(id="login-box"):
            yield Static(Text(self.title_text, style="bold"))
            yield Static(Text(one_line(self.reason, 200), style="yellow"))
            yield Static(Text("A token, or a user name and password. Nothing is saved to disk.", style="dim"))
            with Grid(id="login-fields"):
                yield Label("Token", classes="" if bearer else "-dim")
                yield Input(password=True, id="token", compact=True, classes="" if bearer else "-dim")
                yield Label("User name")
                yield Input(value=username, id="username", compact=True)
                yield Label("Password")
                yield Input(password=True, id="password", compact=True)
            with Horizontal(id="login-buttons"):
                yield Button("Cancel (esc)", id="cancel", compact=True)
                yield Button("Sign in", id="sign-in", variant="primary", compact=True)
        # Its own keys: the screen's below (a Approve, x Start) do nothing while it is open.
        yield OperatorFooter()

    def on_mount(self) -> None:
        if not built(self):
            return
        # Where the user types first: the password of the user name given, else the user name
        # (typed into the password field, it was lost on the first Tab).
        if isinstance(self.current, BearerCredentials):
            target = "#token"
        elif isinstance(self.current, BasicCredentials) and self.current.username:
            target = "#password"
        else:
            target = "#username"
        self.query_one(target, Input).focus()

    def _credentials(self) -> Credentials | None:
        token = self.query_one("#token", Input).value.strip()
        if token:
            return BearerCredentials(token)
        username = self.query_one("#username", Input).value.strip()
        if username:
            return BasicCredentials(username, self.query_one("#password", Input).value)
        return None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "sign-in":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        credentials = self._credentials()
        if credentials is None:
            self.notify("Enter a token, or a user name and password.", severity="warning")
            return
        self.dismiss(credentials)

    def action_cancel(self) -> None:
        self.dismiss(None)
