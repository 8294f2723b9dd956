"""One execution: header, live task tree with a small Gantt, and the log pane.

The log pane shows the execution's logs; `enter` on a task switches it to that task's
logs and `escape` switches back. Polling stops once the execution is final and its
last logs are in.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.widgets import DataTable, Static

from flowsynx_tui.api import ExecutionStatus, LogEntry
from flowsynx_tui.format import clean, duration_between, format_duration, format_time, short_id, status_text
from flowsynx_tui.polling import PollFailed, PollJob, PollUpdate
from flowsynx_tui.screens.base import DashboardScreen
from flowsynx_tui.state import ExecutionSnapshot, ExecutionWatch, LogSource
from flowsynx_tui.widgets.logview.pane import LogPane
from flowsynx_tui.widgets.task_tree import TaskTree


class ExecutionDetailScreen(DashboardScreen):
    TITLE_TEXT = "Execution"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", "Approve", id="detail.approve"),
        Binding("d", "reject", "Reject", id="detail.reject"),
        Binding("c", "cancel_execution", "Cancel run", id="detail.cancel"),
        Binding("t", "focus_tasks", "Tasks", id="detail.focus_tasks", show=False),
        Binding("o", "focus_logs", "Logs", id="detail.focus_logs", show=False),
    ]

    def __init__(self, workflow_id: str, execution_id: str, *, select_task: str | None = None) -> None:
        super().__init__()
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.select_task = select_task
        self.watch: ExecutionWatch | None = None
        self.log_source: LogSource | None = None
        self._logs_final = False

    @property
    def snapshot(self) -> ExecutionSnapshot:
        return self.watch.snapshot if self.watch else ExecutionSnapshot()

    def compose_body(self) -> ComposeResult:
        yield Static(Text(f"Execution {short_id(self.execution_id)} · loading…"), id="exec-info")
        with Container(id="detail-body"):
            yield TaskTree(id="tasks")
            yield LogPane(id="logs", retain_limit=self.fsx.log_retain_limit)

    def on_mount(self) -> None:
        self.watch = ExecutionWatch(self.fsx.client, self.workflow_id, self.execution_id)
        self.watch_job(
            PollJob(
                key=f"execution:{self.execution_id}",
                fetch=self.watch.refresh,
                done=lambda: self.snapshot.final,
            )
        )
        self._switch_logs(None, f"execution {short_id(self.execution_id)}")
        self.query_one(TaskTree).focus()
        self.set_interval(1.0, self.refresh_view)

    def on_unmount(self) -> None:
        self.unwatch_job(f"execution:{self.execution_id}")
        if self.log_source is not None:
            self.unwatch_job(self.log_source.key)

    # ----------------------------------------------------------------- logs
    def _switch_logs(self, task_id: str | None, label: str) -> None:
        if self.log_source is not None:
            self.unwatch_job(self.log_source.key)
        source = LogSource(self.fsx.client, self.workflow_id, self.execution_id, task_id, label)
        self.log_source = source
        self._logs_final = False
        pane = self.query_one(LogPane)
        pane.reset(label, live=not self.snapshot.final)

        async def fetch() -> tuple[LogSource, list[LogEntry], bool]:
            # Read "final" before the logs: logs fetched after the execution was seen
            # final are complete, so that poll can be the last one.
            was_final = self.snapshot.final
            entries = await source.tail.poll()
            return source, entries, was_final

        self.watch_job(
            PollJob(
                key=source.key,
                fetch=fetch,
                done=lambda: self._logs_final and not source.tail.behind,
                behind=lambda: source.tail.behind,
            )
        )

    def action_show_task_logs(self) -> None:
        row = self.query_one(TaskTree).selected_task()
        if row is None:
            return
        if row.execution is None:
            self.notify(f"Task {clean(row.name, 40)} has no execution record yet.", severity="warning")
            return
        self._switch_logs(row.execution.id, f"task {clean(row.name, 40)}")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_show_task_logs()

    def action_back(self) -> None:
        if self.log_source is not None and self.log_source.task_id is not None:
            self._switch_logs(None, f"execution {short_id(self.execution_id)}")
            return
        super().action_back()

    def action_focus_tasks(self) -> None:
        self.query_one(TaskTree).focus()

    def action_focus_logs(self) -> None:
        self.query_one(LogPane).focus()

    # --------------------------------------------------------------- updates
    def on_poll_failed(self, message: PollFailed) -> None:
        message.stop()
        if message.key == f"execution:{self.execution_id}" and self.snapshot.details is None:
            # Nothing to keep on screen yet: say why instead of "loading…" forever.
            text = Text(f"Execution {short_id(self.execution_id)}: ", style="bold")
            text.append(clean(str(message.error), 200), style="bold red")
            self.query_one("#exec-info", Static).update(text)

    def on_poll_update(self, message: PollUpdate) -> None:
        message.stop()
        payload = message.payload
        if isinstance(payload, ExecutionSnapshot):
            self.refresh_view()
            if self.select_task and self.query_one(TaskTree).select_key(self.select_task):
                self.select_task = None
            self.query_one(LogPane).set_live(not payload.final)
        elif isinstance(payload, tuple) and len(payload) == 3:
            source, entries, was_final = payload
            if source is not self.log_source:
                return  # a late answer for the source the user just left
            if entries:
                self.query_one(LogPane).append_entries(entries)
            # Entries that could not be read were skipped; name them, as list screens do.
            self.fsx._report_problems(source.tail.problems)
            if was_final and not source.tail.behind:
                self._logs_final = True

    def refresh_view(self) -> None:
        snapshot = self.snapshot
        details = snapshot.details
        if details is None:
            return
        now = self.fsx.now()
        end = details.effective_end
        info = Text(no_wrap=True, overflow="ellipsis")
        info.append(clean(snapshot.definition.name or self.fsx.overview.workflow_name(self.workflow_id), 60), style="bold")
        if snapshot.definition.description:
            info.append(f" · {clean(snapshot.definition.description, 120)}", style="dim")
        info.append("\n")
        info.append_text(status_text(details.status))
        if self.fsx.busy_label(self.execution_id):
            info.append(f" ({self.fsx.busy_label(self.execution_id)})", style="bold yellow")
        live = details.status in (ExecutionStatus.RUNNING, ExecutionStatus.PAUSED)
        duration = duration_between(details.execution_start, None if live else end, now)
        info.append(
            f" · started {format_time(details.execution_start)} · ended {format_time(end)}"
            f" · duration {format_duration(duration)} · execution {short_id(self.execution_id)}"
        )
        if snapshot.approvals:
            approval = snapshot.approvals[0]
            info.append("\n")
            info.append(
                f"⚑ waiting for approval of task {clean(approval.task_name, 40)}: {clean(approval.comments or '', 80)}",
                style="bold magenta",
            )
        self.query_one("#exec-info", Static).update(info)
        self.query_one(TaskTree).show(
            snapshot.definition,
            snapshot.tasks,
            snapshot.approvals,
            details.execution_start,
            now,
            execution_end=end if not live else None,
        )

    # --------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "reject"):
            details = self.snapshot.details
            return details is not None and details.status is ExecutionStatus.PAUSED
        return True

    def _pending_approval(self):  # noqa: ANN202 - Approval | None
        if not self.snapshot.approvals:
            self.notify("No pending approval is known for this execution yet.", severity="warning")
            return None
        return self.snapshot.approvals[0]

    def action_approve(self) -> None:
        approval = self._pending_approval()
        if approval is not None:
            self.fsx.actions.decide(approval, approve=True)

    def action_reject(self) -> None:
        approval = self._pending_approval()
        if approval is not None:
            self.fsx.actions.decide(approval, approve=False)

    def action_cancel_execution(self) -> None:
        details = self.snapshot.details
        self.fsx.actions.cancel(self.workflow_id, self.execution_id, details.status if details else None)
