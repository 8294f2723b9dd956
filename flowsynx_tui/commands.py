"""Command palette (ctrl+p): jump to a screen, a workflow or an execution by name or id prefix.

The palette renders both the title and the help line of a hit as markup, so server text
in them goes through ``text.markup_literal``; the title is built as ``Content`` with the
matched characters highlighted, never parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.theme import ThemeProvider

from flowsynx_tui.api import as_guid, as_guid_prefix
from flowsynx_tui.messages import (
    ApprovalsView,
    Destination,
    ExecutionsView,
    ExecutionView,
    FindExecution,
    Navigate,
    SwitchServer,
    WorkflowsView,
)
from flowsynx_tui.screens.base import DashboardScreen
from flowsynx_tui.text import markup_literal, one_line

MAX_EXECUTIONS = 2000

Entry = tuple[str, str, Callable[[], object]]  # title (plain), help (markup), command


def _highlighted(matcher: Matcher, title: str) -> Content:
    content = Content(title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class JumpProvider(Provider):
    def _go(self, destination: Destination, *, top_level: bool = False) -> None:
        self.screen.post_message(Navigate(destination, top_level=top_level))

    def entries(self) -> list[Entry]:
        go = self._go
        screen = self.screen

        def key(binding_id: str, default: str) -> str:  # as [keys] made it
            return screen.key_of(binding_id, default) if isinstance(screen, DashboardScreen) else default

        entries: list[Entry] = [
            ("Workflows", f"start screen ({key('app.workflows', '1')})", partial(go, WorkflowsView(), top_level=True)),
            ("All executions", f"across every workflow ({key('app.executions', '2')})",
             partial(go, ExecutionsView(), top_level=True)),
            ("Approvals inbox", f"pending approvals ({key('app.approvals', '3')})",
             partial(go, ApprovalsView(), top_level=True)),
        ]
        if not isinstance(screen, DashboardScreen):
            return entries
        settings = screen.services.settings
        if not settings.profiles:
            # Searched for and not found, switching looked missing rather than unconfigured.
            where = one_line(str(settings.config_path), 200) if settings.config_path else "the config file"
            entries.append(
                (
                    "switch server: no profiles",
                    "servers to switch to are the config file's profiles",
                    partial(
                        screen.notify,
                        f"No server to switch to: add [profiles.NAME] with a url to {where} "
                        "(flowsynx-tui config init writes a template), then start again.",
                        markup=False,
                    ),
                )
            )
        for profile in settings.profiles:
            current = " (this one)" if profile == settings.profile else ""
            entries.append(
                (
                    f"switch server → {one_line(profile, 40)}{current}",
                    "connect to this config profile's server, in place",
                    partial(self.screen.post_message, SwitchServer(profile)),
                )
            )
        overview = screen.services.overview
        for workflow in overview.workflows.values():
            entries.append(
                (
                    f"workflow {one_line(workflow.name, 60)}",
                    f"id {markup_literal(workflow.id)}",
                    partial(go, ExecutionsView(workflow.id), top_level=True),
                )
            )
        for summary in overview.index.newest_first()[:MAX_EXECUTIONS]:
            workflow_id = overview.index.workflow_of.get(summary.id)
            if workflow_id is None:
                continue
            name = one_line(overview.workflow_name(workflow_id), 40)
            entries.append(
                (
                    f"execution {overview.label(summary.id)} {name}",
                    f"{markup_literal(summary.status.value, 20)} · id {markup_literal(summary.id)}",
                    partial(go, ExecutionView(workflow_id, summary.id)),
                )
            )
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self.entries()[:3]:
            yield DiscoveryHit(Content(title), callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        needle = query.strip().lower()
        guid = as_guid(needle)
        if guid is not None:
            # A full id opens that execution, listed or not (its workflow is looked up).
            yield Hit(1.0, Content(f"open execution {guid}"), partial(self.screen.post_message, FindExecution(guid)),
                      help="looks up its workflow, then opens it")
        prefix = as_guid_prefix(needle)
        found = False
        for title, help_text, callback in self.entries():
            # An id prefix matches the full id shown in the help text, from its start: "dead"
            # fuzzily matched other runs' titles, and "7390" the middle of an id, and enter
            # opened a run whose id did not start so.
            shown_id = help_text.lower().rsplit("id ", 1)[-1]
            if prefix is not None and title.startswith("execution "):
                score = 0.95 if shown_id.startswith(prefix) else 0.0
            else:
                score = matcher.match(title)
                if needle and shown_id.startswith(needle):
                    score = max(score, 0.9)
            found = found or (prefix is not None and shown_id.startswith(prefix))
            if score > 0:
                yield Hit(score, _highlighted(matcher, title), callback, help=help_text)
        if prefix is not None and not found:
            # A run older than the newest listed here.
            yield Hit(0.9, Content(f"open the execution whose id starts with {prefix}"),
                      partial(self.screen.post_message, FindExecution(prefix)),
                      help="among every execution read; says so if none or several")


class ThemePicker(ThemeProvider):
    """Textual's theme list, whose pick the app also writes to the config file."""

    @property
    def commands(self) -> list[tuple[str, Callable[[], None]]]:
        pick = self.app.pick_theme  # type: ignore[attr-defined]
        return [(name, partial(pick, name)) for name in sorted(self.app.available_themes)]
