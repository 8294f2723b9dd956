"""Command palette (ctrl+p): jump to a screen, a workflow or an execution by name or id prefix."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from flowsynx_tui.format import clean, short_id

if TYPE_CHECKING:
    from flowsynx_tui.app import FlowSynxApp

MAX_EXECUTIONS = 2000


class JumpProvider(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: FlowSynxApp = self.app  # type: ignore[assignment]
        overview = app.overview
        entries: list[tuple[str, str, Callable[[], object]]] = [
            ("Workflows", "start screen (1)", app.action_show_workflows),
            ("All executions", "across every workflow (2)", app.action_show_executions),
            ("Approvals inbox", "pending approvals (3)", app.action_show_approvals),
        ]
        for workflow in overview.workflows.values():
            entries.append(
                (f"workflow {clean(workflow.name, 60)}", f"id {workflow.id}", partial(app.open_workflow, workflow.id))
            )
        for summary in overview.index.newest_first()[:MAX_EXECUTIONS]:
            workflow_id = overview.index.workflow_of.get(summary.id)
            if workflow_id is None:
                continue
            name = clean(overview.workflow_name(workflow_id), 40)
            entries.append(
                (
                    f"execution {short_id(summary.id)} {name}",
                    f"{summary.status.value} · id {summary.id}",
                    partial(app.open_execution, workflow_id, summary.id),
                )
            )
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries()[:3]:
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        needle = query.strip().lower()
        for title, help_text, callback in self._entries():
            # An id prefix matches the full id shown in the help text.
            score = matcher.match(title)
            if needle and needle in help_text.lower():
                score = max(score, 0.9)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
