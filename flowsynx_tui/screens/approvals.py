"""Approvals inbox: every pending approval across all workflows, newest first."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from flowsynx_tui.api import Approval
from flowsynx_tui.format import format_age, format_time
from flowsynx_tui.messages import ExecutionView, Navigate, TaskView
from flowsynx_tui.screens.base import FilterableScreen, Selection, ServerActionBinding
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.services import PollJob
from flowsynx_tui.text import one_line, safe, short_id
from flowsynx_tui.widgets.keyed_table import KeyedTable, Row
from flowsynx_tui.widgets.steady import SteadyStatic


class ApprovalInbox(FilterableScreen):
    TITLE_TEXT = "Approvals inbox"
    LIVE_CLOCK = True  # ages move
    BINDINGS: ClassVar[list[BindingType]] = [
        ServerActionBinding("a", "approve", "Approve", id="approvals.approve"),
        ServerActionBinding("d", "reject", "Reject", id="approvals.reject"),
        Binding("i", "task_details", "Task details", id="approvals.task_details", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield SteadyStatic("", classes="screen-title", id="title")
        yield KeyedTable(
            [
                ("state", ""),
                ("workflow", "Workflow"),
                ("execution", "Execution"),
                ("task", "Task"),
                ("age", "Age"),
                ("comment", "Comment"),
                ("by", "Requested by"),
                ("at", "Requested at"),
            ],
            shares={"workflow": 0.2, "task": 0.2, "comment": 0.25},
            id="approvals",
        )
        yield from self.compose_filter()

    def subscriptions(self) -> list[PollJob[object]]:
        return [self.services.overview_job]

    def on_mount(self) -> None:
        if built(self):
            self.query_one(KeyedTable).focus()

    def approvals(self) -> list[Approval]:
        """Pending approvals, and those whose decision is on its way (marked in their row)."""
        pending = self.services.overview.approvals.all()
        known = {approval.id for approval in pending}
        sent = [approval for approval in self.services.actions.decisions_in_flight() if approval.id not in known]
        if not sent:
            return pending
        rows = pending + sent
        rows.sort(key=lambda a: (a.requested_at is not None, a.requested_at), reverse=True)
        return rows

    def refresh_view(self) -> None:
        overview = self.services.overview
        now = self.services.clock.now()
        rows: list[Row] = []
        listed = self.approvals()
        for approval in listed:
            workflow = overview.workflow_of(approval.execution_id)  # "workflow unknown (deleted?)" once it is gone
            busy = self.services.actions.execution_busy(approval.execution_id)
            if busy is None and (earlier := self.services.actions.unanswered(f"execution:{approval.execution_id}")):
                # Sent, its outcome unknown: it may have been taken.
                busy = {"approve": "approved?", "reject": "rejected?", "cancel": "cancelled?"}.get(earlier.action.verb, "?")
            if busy is None:
                # Answered, and listed still: read before the answer (the reads failing since).
                busy = self.services.actions.decided(approval.id)
            if busy is None and self.services.actions.stuck(approval.id):
                busy = "✘ stuck"  # refused for good (quirk Q2): it waits for ever
            cells = (
                Text(busy or "⚑", style="bold yellow" if busy else "magenta"),
                safe(workflow, 40, style="bold"),
                overview.label(approval.execution_id),
                safe(approval.task_name, 40),
                format_age(approval.requested_at, now),
                safe(approval.comments or "", 60),
                short_id(approval.requested_by),
                format_time(approval.requested_at, compact=True),
            )
            rows.append((approval.id, cells))
        table = self.query_one(KeyedTable)
        offered = bool(table.row_count)
        table.sync(rows)
        if bool(table.row_count) != offered:
            self.refresh_bindings()  # approve and reject come or go with the rows
        # Those whose decision is on its way count too: "(0)" over the row being approved.
        total = len(listed)
        # Not "(0)" when some cannot be read: that read as nothing to decide.
        count = (f"{total} known" if total else "unknown") if overview.approvals_hidden else f"{total}"
        if self.filter_text:
            # "(1)" over no row: the filter hid it, as the other lists' titles say.
            count = f"{table.row_count} of {count}, filter: {one_line(self.filter_text, 30)}"
        title = f"Approvals waiting ({count})"
        sending = len(self.services.actions.decisions_in_flight())
        if sending:
            title += f" · {sending} decision{'s' if sending > 1 else ''} sent, waiting for the server's answer"
        unanswered = sum(
            1 for approval in overview.approvals.all() if self.services.actions.unanswered(f"execution:{approval.execution_id}")
        )
        if unanswered:
            title += f" · {unanswered} decision{'s' if unanswered > 1 else ''} sent, outcome unknown: it may have been taken"
        if overview.approvals_hidden:
            title += f" · {one_line(overview.approvals_hidden, 120)}"
        elif not overview.index.loaded:
            title += " · looking for paused executions…"
        elif total == 0 and not sending:
            # Reference 7.1: the approval lookups filter by the execution's owner.
            # Short enough for one line at 80 columns: it was cut before it said whose runs.
            title += " · none (you see only your own runs' approvals)"
        self.query_one("#title", Static).update(Text(title))

    def selection(self) -> Selection | None:
        approval = self.selected()
        if approval is None:
            return None
        return Selection(
            "approval",
            approval.workflow_id,
            approval.execution_id,
            task_name=approval.task_name,
            approval_id=approval.id,
        )

    def unavailable(self, binding: ServerActionBinding) -> str | None:
        refused = super().unavailable(binding)
        if refused is not None or binding.action not in ("approve", "reject") or not built(self):
            return refused
        table = self.query_one(KeyedTable)
        if table.row_count == 0:
            # The keys stayed in the footer over an empty inbox and did nothing when pressed.
            hidden = " the filter shows" if self.filter_text else ""
            return f"No approval{hidden} waits here: nothing to {binding.action}."
        return None

    def selected(self) -> Approval | None:
        key = self.query_one(KeyedTable).selected_key
        return next((a for a in self.approvals() if a.id == key), None)

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        self.action_open_approval()

    def action_open_approval(self) -> None:
        approval = self.selected()
        if approval is not None:
            self.post_message(
                Navigate(ExecutionView(approval.workflow_id, approval.execution_id, select_task=approval.task_name))
            )

    def action_approve(self) -> None:
        approval = self.selected()
        if approval is not None:
            self.ask(self.services.actions.decide(approval, approve=True))

    def action_reject(self) -> None:
        approval = self.selected()
        if approval is not None:
            self.ask(self.services.actions.decide(approval, approve=False))

    def action_task_details(self) -> None:
        """The gated task's details (found by name in the execution's task list)."""
        selection = self.selection()
        if selection is not None and selection.execution_id and selection.task_name and selection.workflow_id:
            self.post_message(Navigate(TaskView(selection.workflow_id, selection.execution_id, selection.task_name)))
