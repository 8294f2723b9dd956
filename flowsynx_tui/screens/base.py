"""What every dashboard screen shares: header, footer, back, filter and refresh keys."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer

from flowsynx_tui.polling import PollFailed, PollJob
from flowsynx_tui.widgets.filter_bar import FilterBar
from flowsynx_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from flowsynx_tui.app import FlowSynxApp


#: Bindings that change server state; hidden in read-only sessions.
ACTION_BINDING_IDS = frozenset(
    {
        "workflows.start",
        "executions.start",
        "executions.cancel",
        "detail.approve",
        "detail.reject",
        "detail.cancel",
        "approvals.approve",
        "approvals.reject",
    }
)


def hide_bindings(node: Screen[None], binding_ids: frozenset[str]) -> None:
    """Take bindings off the footer while keeping the key working (it says why not).

    Textual has no public API to change ``show`` per instance, so the instance's own
    binding map gets copies with ``show=False``.
    """
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(b, show=False) if b.id in binding_ids else b for b in bindings
        ]


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="screen.back"),
        Binding("r", "refresh", "Refresh", id="screen.refresh"),
    ]
    #: Shown in the help screen and the command palette.
    TITLE_TEXT = ""

    @property
    def fsx(self) -> FlowSynxApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        if self.fsx.settings.read_only:
            hide_bindings(self, ACTION_BINDING_IDS)

    def on_screen_resume(self) -> None:
        self.refresh_header()
        self.refresh_view()

    def refresh_header(self) -> None:
        for header in self.query(StatusHeader):
            header.refresh_info()

    def refresh_view(self) -> None:
        """Redraw from the data the app already has (no request)."""

    def on_overview_changed(self) -> None:
        try:
            self.refresh_view()
        except NoMatches:
            pass  # data arrived while the screen was being taken down: nothing to draw


    def watch_job(self, job: PollJob) -> PollJob:
        return self.fsx.poller.add(job, self)

    def unwatch_job(self, key: str) -> None:
        self.fsx.poller.remove(key, self)

    def on_poll_failed(self, message: PollFailed) -> None:
        # The connection indicator already says it; the data on screen stays.
        message.stop()

    def can_go_back(self) -> bool:
        return len(self.app.screen_stack) > 2

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.can_go_back()
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_refresh(self) -> None:
        self.fsx.poller.refresh()
        self.notify("Refreshing…", timeout=1.5)


class FilterableScreen(DashboardScreen):
    """A screen with one main table and a `/` substring filter under it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "open_filter", "Filter", id="screen.filter"),
    ]
    filter_text = ""

    def compose_filter(self) -> ComposeResult:
        yield FilterBar(id="filter")

    def action_open_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_filter_bar_filter_changed(self, message: FilterBar.FilterChanged) -> None:
        self.filter_text = message.text
        self.refresh_view()
        self.refresh_bindings()

    def can_go_back(self) -> bool:
        return bool(self.filter_text) or self.query_one(FilterBar).display or super().can_go_back()

    def action_back(self) -> None:
        bar = self.query_one(FilterBar)
        if self.filter_text or bar.display:
            bar.action_clear_filter()
            return
        super().action_back()
