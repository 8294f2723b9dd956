"""What every dashboard screen shares: header, footer, back, filter and refresh keys, and
the one way a screen redraws.

A screen gets the ``Services`` object at construction (attributes down) and talks back
by messages (``Navigate``, ``ActionFinished``, ``ProblemsFound`` bubble to the app). It
redraws through ``refresh_view()`` only, called when its data changed (a message from a
job it subscribed to), when it comes back on top after missing changes, and once a
second if it shows times that move (``LIVE_CLOCK``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from flowsynx_tui.keymap import key_shown
from flowsynx_tui.api import BasicCredentials, BearerCredentials, Credentials
from flowsynx_tui.messages import ActionFinished, ConnectionChanged, OverviewChanged, PollFailed, ServerInfoChanged
from flowsynx_tui.screens.confirm import ConfirmDialog
from flowsynx_tui.services import PollJob, Services
from flowsynx_tui.services.actions import PendingAction, Refusal
from flowsynx_tui.text import one_line
from flowsynx_tui.widgets.filter_bar import FilterBar, RowFilter
from flowsynx_tui.widgets.focus import FIELD_OPENERS
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.operator_footer import OperatorFooter
from flowsynx_tui.widgets.status_header import StatusHeader


@dataclass(frozen=True)
class Selection:
    """What the cursor is on, as the keys that act on "the selected item" need it."""

    kind: str  # workflow | execution | task | approval
    workflow_id: str | None
    execution_id: str | None = None
    task_id: str | None = None  # a task execution's id
    task_name: str | None = None
    approval_id: str | None = None

    @property
    def item_id(self) -> str | None:
        """The full id of the item itself."""
        return {
            "workflow": self.workflow_id,
            "execution": self.execution_id,
            "task": self.task_id,
            "approval": self.approval_id,
        }.get(self.kind)

    def route(self) -> str | None:
        """The API route that reads this item (GET), or None while its ids are not known."""
        workflow, execution = self.workflow_id, self.execution_id
        if workflow is None:
            return None
        if self.kind == "workflow":
            return f"/workflows/{workflow}"
        if execution is None:
            return None
        base = f"/workflows/{workflow}/executions/{execution}"
        if self.kind == "execution":
            return base
        if self.kind == "task":
            return f"{base}/tasks/{self.task_id}" if self.task_id else None
        return f"{base}/approvals"


@dataclass(frozen=True)
class ServerActionBinding(Binding):
    """A binding whose action changes server state: off the footer, and refused with a
    word, in a read-only session."""


def curl_command(base_url: str, route: str, credentials: Credentials | None) -> str:
    """A ready command that reads ``route`` as the dashboard does, never with a secret in it:
    curl asks for the password; a token is taken from the environment."""
    parts = ["curl", "-sS"]
    if isinstance(credentials, BasicCredentials):
        parts += ["-u", shlex.quote(credentials.username)]
    elif isinstance(credentials, BearerCredentials):
        parts += ["-H", '"Authorization: Bearer $FLOWSYNX_TOKEN"']
    parts.append(shlex.quote(base_url.rstrip("/") + route))
    return " ".join(parts)


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="screen.back"),
        Binding("r", "refresh", "Refresh", id="screen.refresh"),
        Binding("y", "copy_id", "Copy id", show=False, id="screen.copy_id"),
        Binding("Y", "copy_curl", "Copy curl", show=False, id="screen.copy_curl"),
        ServerActionBinding("R", "rerun", "Run again", show=False, id="screen.rerun"),
        # Textual's own screen keys, again with ids, so that they too can be remapped.
        Binding("tab", "app.focus_next", "Focus next", show=False, id="screen.focus_next"),
        Binding("shift+tab", "app.focus_previous", "Focus previous", show=False, id="screen.focus_previous"),
        Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False, id="screen.copy_text"),
    ]
    #: Shown in the help screen.
    TITLE_TEXT = ""
    #: The view shows durations or ages that move with the clock: redraw once a second.
    LIVE_CLOCK = False

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self._stale = False
        self._jobs: list[str] = []
        self._server_actions: dict[str, ServerActionBinding] | None = None

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield StatusHeader(self.services.status, self.services.clock)
        yield from self.compose_body()
        yield OperatorFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def subscriptions(self) -> list[PollJob[object]]:
        """The jobs behind what this screen shows, polled while it is open."""
        return []

    def on_mount(self) -> None:
        poller = self.services.poller
        poller.listen(self)
        for job in [self.services.server_job, *self.subscriptions()]:
            self.subscribe(job)
        if self.LIVE_CLOCK:
            self.set_interval(1.0, self._clock_tick)

    def on_unmount(self) -> None:
        self.services.poller.unlisten(self)
        for key in list(self._jobs):
            self.unsubscribe(key)

    def subscribe(self, job: PollJob[object]) -> None:
        self.services.poller.subscribe(job, self)
        if job.key not in self._jobs:
            self._jobs.append(job.key)

    def unsubscribe(self, key: str) -> None:
        self.services.poller.unsubscribe(key, self)
        if key in self._jobs:
            self._jobs.remove(key)

    # ------------------------------------------------------------ redrawing
    def refresh_view(self) -> None:
        """Redraw from the data the services already have (no request)."""

    def redraw(self) -> None:
        """Redraw now if on top, else when the screen comes back."""
        if not self.is_current:
            self._stale = True
            return
        self._stale = False
        try:
            self.refresh_view()
        except NoMatches:
            pass  # data arrived while the screen was being taken down: nothing to draw

    def refresh_header(self) -> None:
        for header in self.query(StatusHeader):
            header.refresh_info()

    def _clock_tick(self) -> None:
        if self.is_current:
            self.refresh_clock()

    def refresh_clock(self) -> None:
        """Redraw what moves with the clock alone (no new data arrived since the last redraw)."""
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_header()
        self.redraw()

    @on(OverviewChanged)
    def _overview_changed(self, message: OverviewChanged) -> None:
        self.refresh_header()
        self.redraw_changed(message.update.changed)

    def redraw_changed(self, changed: frozenset[str]) -> None:
        """New data in which the executions ``changed`` are new or changed: redraw."""
        self.redraw()

    @on(ServerInfoChanged)
    @on(ConnectionChanged)
    def _status_changed(self) -> None:
        self.refresh_header()
        self.connection_changed()

    def connection_changed(self) -> None:
        """The header shows the connection's state; a screen may say more."""

    def key_of(self, binding_id: str, default: str) -> str:
        """The key a binding working here has now (``[keys]`` may have remapped it)."""
        return key_shown(self, binding_id, default)

    def commands_off_focus(self) -> list[tuple[Binding, Widget, str]]:
        """Keys of widgets shown here that the palette offers whatever has the focus: each
        binding, the widget it acts on, and where its key works (the widget has the focus)."""
        return []

    @on(PollFailed)
    def _poll_failed(self) -> None:
        """The connection indicator already says it; the data on screen stays."""

    @on(ActionFinished)
    def _action_finished(self) -> None:
        # The busy mark goes; the message goes on to the app, which says what happened.
        self.redraw()

    # ------------------------------------------------------------ actions
    def ask(self, prepared: PendingAction | Refusal) -> None:
        """Ask before an action that changes server state; send it once on yes."""
        if isinstance(prepared, Refusal):
            self.notify(prepared.text, severity="warning")
            return

        def answered(yes: bool | None) -> None:
            stale = prepared.stale() if yes and prepared.stale is not None else None
            if stale is not None:
                # Read in the moment between the last check and the key: not sent.
                self.notify(stale, severity="warning")
                return
            if yes and self.services.actions.send(prepared, reply_to=self):
                self.redraw()

        dialog = ConfirmDialog(
            prepared.title, prepared.lines, yes_label=prepared.button, danger=prepared.danger, stale=prepared.stale
        )
        self.app.push_screen(dialog, answered)

    def _server_action_bindings(self) -> dict[str, ServerActionBinding]:
        """Server actions of this screen by key, after the user's remapping."""
        if self._server_actions is None:
            keymap = self.services.settings.keymap
            found: dict[str, ServerActionBinding] = {}
            for cls in type(self).__mro__:
                for binding in cls.__dict__.get("BINDINGS", ()):
                    if isinstance(binding, ServerActionBinding):
                        keys = keymap.get(binding.id or "", binding.key)
                        for key in keys.split(","):
                            found.setdefault(key.strip(), binding)
            self._server_actions = found
        return self._server_actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.can_go_back()
        binding = next((b for b in self._server_action_bindings().values() if b.action == action), None)
        if binding is not None and self.unavailable(binding) is not None:
            return False  # off the footer; the key is answered in on_key
        if action == "rerun":
            try:
                selection = self.selection()
            except NoMatches:
                return False  # not composed yet
            return selection is not None and selection.kind != "workflow"
        return True

    def unavailable(self, binding: ServerActionBinding) -> str | None:
        """Why a server action cannot be asked for here now, or None. Its key leaves the
        footer, and pressing it says why (a key that does nothing would look broken)."""
        if self.services.settings.read_only:
            return f"Read-only session: {binding.description.lower()} is disabled."
        return None

    def on_key(self, event: events.Key) -> None:
        binding = self._server_action_bindings().get(event.key)
        if binding is None:
            return
        reason = self.unavailable(binding)
        if reason is not None:
            event.stop()
            self.notify(reason, severity="warning")

    # ------------------------------------------------------------ the selected item
    def selection(self) -> Selection | None:
        """What the cursor is on; screens that have a cursor say."""
        return None

    def action_copy_id(self) -> None:
        selection = self.selection()
        item_id = selection.item_id if selection else None
        if selection is None or item_id is None:
            self.notify("Nothing selected to copy.", severity="warning")
            return
        # OSC 52: works over SSH and inside tmux (with set-clipboard on).
        self.app.copy_to_clipboard(item_id)
        self.notify(f"Copied the {selection.kind} id {one_line(item_id, 40)}.", title="Copied")

    def action_rerun(self) -> None:
        selection = self.selection()
        if selection is None or selection.kind == "workflow" or selection.execution_id is None:
            self.notify("Select an execution to run again.", severity="warning")
            return
        if selection.workflow_id is None:
            self.notify("Still looking up which workflow this execution belongs to; try again in a moment.")
            return
        self.ask(self.services.actions.start(selection.workflow_id, again=selection.execution_id))

    def action_copy_curl(self) -> None:
        selection = self.selection()
        route = selection.route() if selection else None
        if selection is None or route is None:
            self.notify("Nothing selected to build a command for.", severity="warning")
            return
        self.app.copy_to_clipboard(curl_command(self.services.settings.url, route, self.services.client.credentials))
        self.notify(
            f"Copied a curl command that reads this {selection.kind} (no secret in it).", title="Copied"
        )

    # ------------------------------------------------------------ keys
    def can_go_back(self) -> bool:
        return self.keys_panel_open() or len(self.app.screen_stack) > 2

    def action_back(self) -> None:
        # Textual's keys panel (the palette's "Keys") first: escape also left the screen,
        # so closing the panel took the user back a screen.
        if self.keys_panel_open():
            self.app.action_hide_help_panel()
        else:
            self.back()

    def back(self) -> None:
        """One step back (escape): screens with more to undo first (a filter, a search)
        do that, then call this."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def keys_panel_open(self) -> bool:
        """Whether Textual's keys panel (the palette's "Keys") is shown on this screen."""
        return bool(self.query("HelpPanel"))

    def action_refresh(self) -> None:
        self.services.poller.refresh()
        self.notify("Refreshing…", timeout=1.5)


class FilterableScreen(DashboardScreen):
    """A screen with one main table and a `/` filter under it.

    ``refresh_view`` hands the table all its rows; the table shows those the filter keeps:
    it matches what the table shows (see ``widgets/filter_bar.py``), ``status:failed`` the
    cells of one column by its header.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: handled as it comes, before the keys after it are handed on. Typed in
        # one burst (a paste, a laggy SSH link), "/pay" reached the table's bindings as
        # it bubbled up: a approved, y confirmed.
        Binding(FIELD_OPENERS["screen.filter"], "open_filter", "Filter", id="screen.filter", priority=True),
    ]
    #: Its widgets with keys of their own: those come first while the widget has the focus,
    #: so ``[keys]`` is checked against them too (``keymap.focus_chains``).
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (KeyedTable, FilterBar)
    filter_text = ""
    #: The parsed ``filter_text``, against the headers of the screen's table.
    row_filter = RowFilter()

    def compose_filter(self) -> ComposeResult:
        yield FilterBar(id="filter")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_filter" and isinstance(self.focused, Input):
            return False  # a "/" typed into the filter (or any field) is text
        return super().check_action(action, parameters)

    def action_open_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_filter_bar_filter_changed(self, message: FilterBar.FilterChanged) -> None:
        self.filter_text = message.text
        table = self.query_one(KeyedTable)
        self.row_filter = RowFilter.parse(message.text, table.column_names)
        table.filter_rows(self.row_filter)
        self.query_one(FilterBar).show_filter(self.row_filter)
        self.filter_applied()
        self.refresh_bindings()

    def filter_applied(self) -> None:
        """The table filtered its rows itself: what else says the filter (the title)."""
        self.redraw()

    def can_go_back(self) -> bool:
        return bool(self.filter_text) or self.query_one(FilterBar).display or super().can_go_back()

    def back(self) -> None:
        bar = self.query_one(FilterBar)
        if self.filter_text or bar.display:
            bar.action_clear_filter()
            return
        super().back()
