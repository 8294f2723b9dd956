"""One execution: header, live task tree with a small Gantt, and the log pane.

The log pane shows the execution's logs; `enter` on a task switches it to that task's
logs and `escape` switches back. Polling stops once the execution is final and its
last logs are in.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Static

from flowsynx_tui.api import Approval, ExecutionStatus, NotFound, TaskStatus
from flowsynx_tui.format import duration_between, format_duration, format_time, status_text
from flowsynx_tui.messages import (
    DefinitionView,
    ExecutionChanged,
    LogsArrived,
    Navigate,
    PollFailed,
    ProblemsFound,
    TaskView,
)
from flowsynx_tui.screens.base import DashboardScreen, Selection, ServerActionBinding
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.services import ExecutionSnapshot, ExecutionWatch, LogSource, PollJob, Services
from flowsynx_tui.text import one_line
from flowsynx_tui.widgets.logview import LogPane, SetAside
from flowsynx_tui.widgets.task_tree import TaskTree
from flowsynx_tui.widgets.steady import SteadyStatic


class ExecutionDetailScreen(DashboardScreen):
    TITLE_TEXT = "Execution"
    CSS_PATH = "execution_detail.tcss"
    LIVE_CLOCK = True  # the running duration and the Gantt's time axis move
    BINDINGS: ClassVar[list[BindingType]] = [
        ServerActionBinding("a", "approve", "Approve", id="detail.approve"),
        ServerActionBinding("d", "reject", "Reject", id="detail.reject"),
        ServerActionBinding("c", "cancel_execution", "Cancel run", id="detail.cancel"),
        Binding("t", "focus_tasks", "Tasks", id="detail.focus_tasks", show=False),
        Binding("o", "focus_logs", "Logs", id="detail.focus_logs", show=False),
        Binding("i", "task_details", "Task details", id="detail.task_details", show=False),
        Binding("v", "definition", "Definition", id="detail.definition", show=False),
    ]
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (TaskTree, LogPane)

    def __init__(
        self,
        services: Services,
        workflow_id: str,
        execution_id: str,
        *,
        select_task: str | None = None,
        task_logs: bool = False,
    ) -> None:
        super().__init__(services)
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.select_task = select_task
        #: Once ``select_task`` is selected, show its logs (not the execution's).
        self.task_logs = task_logs
        self.watch: ExecutionWatch = services.watch_execution(workflow_id, execution_id)
        self.log_source: LogSource | None = None
        #: What the footer's actions were last chosen for: the status, an approval known.
        self._offered: tuple[ExecutionStatus | None, bool] = (None, False)
        #: The pane holds the last batch of a complete source (the source's own flag turns
        #: True in its worker, before that batch reaches the pane).
        self._logs_shown_complete = False
        #: The execution's own log while a task's is shown: its source, whether its last
        #: batch was shown complete, and the pane's lines and place in them.
        self._execution_logs: tuple[LogSource, bool, SetAside] | None = None
        #: Why the server no longer has the execution shown (it answered 404), or None.
        self.gone: str | None = None
        self._gone_at: datetime | None = None

    @property
    def snapshot(self) -> ExecutionSnapshot:
        return self.watch.snapshot

    @property
    def label(self) -> str:
        return self.services.overview.label(self.execution_id)

    @property
    def logs_complete(self) -> bool:
        """True once the logs shown are all there will be (the execution ended and they were read)."""
        return self.log_source is not None and self._logs_shown_complete

    def compose_body(self) -> ComposeResult:
        yield SteadyStatic(Text(f"Execution {self.label} · loading…"), id="exec-info")
        with Container(id="detail-body"):
            yield TaskTree(id="tasks")
            yield LogPane(id="logs", retain_limit=self.services.log_retain_limit)

    def subscriptions(self) -> list[PollJob[object]]:
        return [self.watch.job()]

    def on_mount(self) -> None:
        if not built(self):
            return
        self._switch_logs(None, f"execution {self.label}")
        self.query_one(TaskTree).focus()

    # ----------------------------------------------------------------- logs
    def _switch_logs(self, task_id: str | None, label: str) -> None:
        pane = self.query_one(LogPane)
        live = not self.snapshot.final
        shown = self.log_source
        if shown is not None:
            self.unsubscribe(shown.key)
        set_aside = None
        if shown is not None and shown.task_id is None and task_id is not None:
            # From the execution's log to a task's: kept, to come back to where it was.
            set_aside = pane.set_aside(label, live=live)
            self._execution_logs = (shown, self._logs_shown_complete, set_aside)
        source = self.services.log_source(
            self.workflow_id,
            self.execution_id,
            task_id,
            label,
            execution_final=lambda: self.snapshot.final,
            execution_quiet=lambda: self.watch.quiet,
        )
        self.log_source = source
        self._logs_shown_complete = False
        if set_aside is None:
            pane.reset(label, live=live)
        pane.empty_note = ""
        self.subscribe(source.job())

    def _back_to_execution_logs(self) -> None:
        if self._execution_logs is None:
            self._switch_logs(None, f"execution {self.label}")
            return
        shown = self.log_source
        if shown is not None:
            self.unsubscribe(shown.key)
        source, complete, kept = self._execution_logs
        self._execution_logs = None
        self.log_source, self._logs_shown_complete = source, complete
        pane = self.query_one(LogPane)
        pane.bring_back(kept)
        pane.set_live(not self.snapshot.final)
        if not source.complete:
            # Read on from where it stopped: what came meanwhile arrives as news.
            self.subscribe(source.job())

    def _why_no_logs(self) -> str:
        source = self.log_source
        details = self.snapshot.details
        if source is not None and source.task_id is not None:
            task = next((task for task in self.snapshot.tasks if task.id == source.task_id), None)
            if task is not None and task.status is TaskStatus.PENDING:
                if any(approval.task_name == task.name for approval in self.snapshot.approvals):
                    return "No log lines yet: the task waits for a decision on its approval."
                return "No log lines yet: the task has not started."
        elif details is not None and details.status is ExecutionStatus.PENDING:
            return "No log lines yet: the run has not started."
        # Quirk Q3: the engine runs queued executions outside any request, so its lines
        # are stored under the user System, and the log routes return the caller's only.
        credentials = self.services.client.credentials
        who = (
            f"you are signed in as {one_line(credentials.who, 40)}"
            if credentials is not None
            else "without credentials the server serves you as its built-in admin user, not System either"
        )
        return (
            "No log lines from the server. FlowSynx v1.3.0 files the lines its engine writes while "
            "running a queued execution under its own user, System, and returns only the signed-in "
            f"user's lines ({who}): only lines written while an approval resumed the run show up here."
        )

    def action_show_task_logs(self) -> None:
        row = self.query_one(TaskTree).selected_task()
        if row is None:
            return
        if row.execution is None:
            self.notify(f"Task {one_line(row.name, 40)} has no execution record yet.", severity="warning")
            return
        self._switch_logs(row.execution.id, f"task {one_line(row.name, 40)}")

    def on_keyed_table_row_selected(self, event: TaskTree.RowSelected) -> None:
        event.stop()
        self.action_show_task_logs()

    def back(self) -> None:
        if self.log_source is not None and self.log_source.task_id is not None:
            self._back_to_execution_logs()
            return
        super().back()

    def selection(self) -> Selection:
        """The task under the cursor while the task tree has focus, else the execution."""
        tree = self.query_one(TaskTree)
        row = tree.selected_task() if tree.has_focus else None
        if row is not None:
            return Selection(
                "task",
                self.workflow_id,
                self.execution_id,
                task_id=row.execution.id if row.execution else None,
                task_name=row.name,
            )
        return Selection("execution", self.workflow_id, self.execution_id)

    def commands_off_focus(self) -> list[tuple[Binding, Widget, str]]:
        # The pane's keys work only while it has the focus, and following, searching or saving
        # its log is wanted while watching a run from its task tree too. Not those about the
        # pane's own cursor and search (copy a line, next match).
        wanted = {"log.follow", "log.tail", "log.wrap", "log.level", "log.search", "log.save", "log.utc", "log.expand"}
        bindings = [b for b in LogPane.BINDINGS if isinstance(b, Binding) and b.id in wanted]
        return [(binding, pane, "the log pane") for pane in self.query(LogPane) if pane.display for binding in bindings]

    def action_focus_tasks(self) -> None:
        self.query_one(TaskTree).focus()

    def action_focus_logs(self) -> None:
        self.query_one(LogPane).focus()

    # --------------------------------------------------------------- updates
    @on(PollFailed)
    def _execution_unreadable(self, message: PollFailed) -> None:
        if message.key != self.watch.key:
            return
        if self.snapshot.details is None:
            # Nothing to keep on screen yet: say why instead of "loading…" forever.
            text = Text(f"Execution {self.label}: ", style="bold")
            if isinstance(message.error, NotFound):
                # Nothing can be done to it either: "c Cancel run" stayed in the footer.
                self._show_gone(message.error.server_words)
                workflow = self.services.overview.workflow_name(self.workflow_id)
                why = (
                    f"the server has no such run under workflow {one_line(workflow, 60)} "
                    f"(404: {message.error.server_words})"
                )
            else:
                why = str(message.error)
            text.append(one_line(why, 200), style="bold red")
            self.query_one("#exec-info", Static).update(text)
        elif isinstance(message.error, NotFound):
            # Nothing of it answered (a server reset): as when its details alone are gone.
            self._show_gone(message.error.server_words)

    def _show_gone(self, gone: str | None) -> None:
        """Shown before, gone now (a deleted workflow's run, a reset server): what is on
        screen is the last that was read, and nothing can be done to it."""
        gone = None if gone is None else one_line(gone, 120)
        if gone is not None and self.gone is None:
            # Most likely its workflow was deleted (Q11): the lists learn it now, not at
            # their next read (a minute while live).
            self.services.poller.refresh("overview")
        if gone != self.gone:
            self.gone = gone
            self._gone_at = None if gone is None else self.services.clock.now()
            self.refresh_bindings()
            self.redraw()

    def on_execution_changed(self, message: ExecutionChanged) -> None:
        self._show_gone(message.snapshot.gone)
        details = message.snapshot.details
        offered = (details.status if details else None, bool(message.snapshot.approvals))
        if offered != self._offered:
            # Approve and reject are offered only while an approval waits: the footer follows.
            self._offered = offered
            self.refresh_bindings()
        self.redraw()
        if self.select_task and self.query_one(TaskTree).select_key(self.select_task):
            self.select_task = None
            if self.task_logs:
                self.task_logs = False
                self.action_show_task_logs()
        self.query_one(LogPane).set_live(not message.snapshot.final)

    def on_logs_arrived(self, message: LogsArrived) -> None:
        if message.source is not self.log_source:
            return  # a late answer for the source the user just left
        pane = self.query_one(LogPane)
        if message.entries:
            pane.append_entries(message.entries)
        pane.empty_note = "" if pane.line_count else self._why_no_logs()
        self._logs_shown_complete = message.complete
        if message.source.problems:
            # Entries that could not be read were skipped; name them, as list screens do.
            self.post_message(ProblemsFound(message.source.problems))

    def refresh_view(self) -> None:
        snapshot = self.snapshot
        details = snapshot.details
        if details is None:
            return
        now = self.services.clock.now()
        end = details.effective_end
        busy = self.services.actions.execution_busy(self.execution_id)
        if busy is None and (earlier := self.services.actions.unanswered(f"execution:{self.execution_id}")):
            busy = f"{earlier.what}: it may have been applied"
        info = Text(no_wrap=True, overflow="ellipsis")
        workflow_name = snapshot.definition.name or self.services.overview.workflow_name(self.workflow_id)
        info.append(one_line(workflow_name, 60), style="bold")
        if snapshot.definition.description:
            info.append(f" · {one_line(snapshot.definition.description, 120)}", style="dim")
        info.append("\n")
        info.append_text(status_text(details.status))
        if busy:
            info.append(f" ({busy})", style="bold yellow")
        # A run gone from the server keeps the duration it had when last read.
        live = details.status in (ExecutionStatus.RUNNING, ExecutionStatus.PAUSED) and self.gone is None
        duration = duration_between(details.execution_start, None if live else end, self._gone_at or now)
        info.append(
            f" · started {format_time(details.execution_start)} · ended {format_time(end)}"
            f" · duration {format_duration(duration)} · execution {self.label}"
        )
        if self.gone is not None:
            info.append("\n")
            info.append(f"✘ no longer on the server (404: {self.gone}); this is what was last read", style="bold red")
        elif snapshot.approvals:
            approval = snapshot.approvals[0]
            info.append("\n")
            info.append(
                f"⚑ waiting for approval of task {one_line(approval.task_name, 40)}: "
                f"{one_line(approval.comments or '', 80)}",
                style="bold magenta",
            )
        self.query_one("#exec-info", Static).update(info)
        self.query_one(TaskTree).show(
            snapshot.definition,
            snapshot.tasks,
            snapshot.approvals,
            details.execution_start,
            # Gone: the timeline stops where the run was last seen, as its duration does.
            self._gone_at or now,
            execution_end=end if not live else None,
            runs=snapshot.runs,
            # Until a read of the tasks after its end (an event or an action's answer says
            # it first), a task still running is not stale: its own news is on its way.
            settled=snapshot.final,
        )

    # --------------------------------------------------------------- actions
    def unavailable(self, binding: ServerActionBinding) -> str | None:
        refused = super().unavailable(binding)
        details = self.snapshot.details
        deciding = binding.action in ("approve", "reject")
        if refused is not None:
            return refused
        if self.gone is not None:
            what = {"approve": "approve", "reject": "reject", "cancel_execution": "cancel"}.get(binding.action, "do")
            if details is None:  # never read: opened by its id, or from a list a reset server left behind
                return f"Run {self.label} is not on the server: there is nothing to {what}."
            return f"Run {self.label} is no longer on the server: there is nothing to {what}."
        if details is None:
            return "This run has not been read yet: nothing to decide." if deciding else None
        if deciding and details.status is not ExecutionStatus.PAUSED:
            return f"Nothing to {binding.action}: this run is {one_line(details.status.value, 20)}, not waiting for a decision."
        if deciding and not self.snapshot.approvals:
            failed = next((e for e in self.snapshot.failures if e.route and e.route.endswith("/approvals")), None)
            if failed is not None:
                # "not known yet" read as none waiting, while every read of them failed.
                return f"Its approvals could not be read ({one_line(failed.message, 100)}): nothing known to {binding.action} yet."
            return "No pending approval is known for this execution yet."
        if binding.action == "cancel_execution":
            refusal = self.services.actions.cannot_cancel(self.workflow_id, self.execution_id, details.status)
            return refusal.text if refusal is not None else None
        return None

    def _pending_approval(self) -> Approval | None:
        if not self.snapshot.approvals:
            self.notify("No pending approval is known for this execution yet.", severity="warning")
            return None
        return self.snapshot.approvals[0]

    def action_approve(self) -> None:
        approval = self._pending_approval()
        if approval is not None:
            self.ask(self.services.actions.decide(approval, approve=True))

    def action_reject(self) -> None:
        approval = self._pending_approval()
        if approval is not None:
            self.ask(self.services.actions.decide(approval, approve=False))

    def action_cancel_execution(self) -> None:
        details = self.snapshot.details
        self.ask(self.services.actions.cancel(self.workflow_id, self.execution_id, details.status if details else None))

    # --------------------------------------------------------------- task details, definition
    def show_logs_of_task(self, task_name: str) -> None:
        """Select ``task_name`` in the tree and show its logs (now, or once its row is there)."""
        tree = self.query_one(TaskTree)
        tree.focus()
        if tree.select_key(task_name):
            self.action_show_task_logs()
        else:
            self.select_task, self.task_logs = task_name, True

    def action_task_details(self) -> None:
        selection = self.selection()
        if selection.kind != "task" or selection.task_name is None:
            self.notify("Select a task in the task tree first (t goes to the tree).", severity="warning")
            return
        self.post_message(
            Navigate(TaskView(self.workflow_id, self.execution_id, selection.task_name, task_id=selection.task_id))
        )

    def action_definition(self) -> None:
        """The execution's snapshot of the definition; on a task (tree focused), only that task's part."""
        selection = self.selection()
        task_name = selection.task_name if selection.kind == "task" else None
        self.post_message(Navigate(DefinitionView(self.workflow_id, self.execution_id, task_name=task_name)))
