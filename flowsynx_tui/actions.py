"""Start, cancel, approve and reject: confirmed, sent exactly once, reported in words.

Every action goes: read-only check → one in flight per target → confirmation dialog →
one request in a worker → the server's messages or the reason it failed → re-read the
state. A request that fails in transit is never re-sent by itself: the user is told it
may or may not have been applied, and deciding again needs a new confirmation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from flowsynx_tui.api import (
    ActionResult,
    Approval,
    ConnectionFailed,
    ExecutionStatus,
    ExecutionSummary,
    FlowSynxError,
    NotFound,
    PermissionDenied,
    RequestTimedOut,
)
from flowsynx_tui.format import clean, short_id
from flowsynx_tui.screens.confirm import ConfirmDialog

if TYPE_CHECKING:
    from flowsynx_tui.app import FlowSynxApp


@dataclass(frozen=True)
class PendingAction:
    verb: str  # start | cancel | approve | reject
    target: str  # what "one in flight" is keyed on
    title: str
    lines: list[str | Text]
    busy_label: str
    send: Callable[[], Awaitable[object]]
    danger: bool = False


class ActionRunner:
    def __init__(self, app: FlowSynxApp) -> None:
        self.app = app
        self.in_flight: dict[str, str] = {}
        self.sent: list[tuple[str, str]] = []

    # ------------------------------------------------------------ builders
    def start(self, workflow_id: str) -> None:
        name = self.app.overview.workflow_name(workflow_id)

        async def send() -> object:
            result, messages = await self.app.client.start_execution(workflow_id)
            summary = ExecutionSummary(id=result.execution_id, status=ExecutionStatus.PENDING, execution_start=result.started_at)
            self.app.overview.index.record(workflow_id, summary)
            self.app.last_started = (workflow_id, result.execution_id)
            return ActionResult(messages=messages)

        self._ask(
            PendingAction(
                verb="start",
                target=f"workflow:{workflow_id}",
                title="Start a new execution?",
                lines=[f"Workflow: {clean(name, 60)}", f"Id: {workflow_id}", "POST /workflows/{id}/executions"],
                busy_label="starting…",
                send=send,
            )
        )

    def cancel(self, workflow_id: str, execution_id: str, status: ExecutionStatus | None) -> None:
        name = self.app.overview.workflow_name(workflow_id)
        lines: list[str | Text] = [f"Workflow: {clean(name, 60)}", f"Execution: {execution_id}"]
        if status is not None and status is not ExecutionStatus.RUNNING:
            lines.append(
                Text(
                    f"It is {status.value}: the server cancels only running executions and will likely refuse.",
                    style="yellow",
                )
            )
        self._ask(
            PendingAction(
                verb="cancel",
                target=f"execution:{execution_id}",
                title="Cancel this execution?",
                lines=lines,
                busy_label="cancelling…",
                send=lambda: self.app.client.cancel_execution(workflow_id, execution_id),
                danger=True,
            )
        )

    def decide(self, approval: Approval, *, approve: bool) -> None:
        name = self.app.overview.workflow_name(approval.workflow_id)
        verb = "approve" if approve else "reject"
        client = self.app.client
        lines: list[str | Text] = [
            f"Workflow: {clean(name, 60)}",
            f"Execution: {approval.execution_id}",
            f"Task: {clean(approval.task_name, 60)}",
        ]
        if approval.comments:
            lines.append(f"Comment: {clean(approval.comments, 200)}")
        lines.append(
            "Approving runs the rest of the workflow; the server answers when it finishes or reaches the next gate."
            if approve
            else "Rejecting fails the execution at once; no further task runs."
        )
        send = (
            (lambda: client.approve(approval.workflow_id, approval.execution_id, approval.id))
            if approve
            else (lambda: client.reject(approval.workflow_id, approval.execution_id, approval.id))
        )
        self._ask(
            PendingAction(
                verb=verb,
                target=f"execution:{approval.execution_id}",
                title=f"{verb.capitalize()} task {clean(approval.task_name, 40)}?",
                lines=lines,
                busy_label="approving…" if approve else "rejecting…",
                send=send,
                danger=not approve,
            )
        )

    # ------------------------------------------------------------- running
    def busy_label(self, target: str) -> str | None:
        return self.in_flight.get(target)

    def _ask(self, action: PendingAction) -> None:
        if self.app.settings.read_only:
            self.app.notify(f"Read-only session: {action.verb} is disabled.", severity="warning")
            return
        if action.target in self.in_flight:
            self.app.notify(f"Already {self.in_flight[action.target]} Wait for the answer.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes and action.target not in self.in_flight:
                # Marked busy before the worker starts, so a fast second key press
                # finds it taken and cannot send a second request.
                self.in_flight[action.target] = action.busy_label
                self.app.refresh_views()
                self.app.run_worker(self._send(action), group=f"action:{action.target}", exit_on_error=False)

        self.app.push_screen(ConfirmDialog(action.title, action.lines, yes_label=action.verb.capitalize(), danger=action.danger), answered)

    async def _send(self, action: PendingAction) -> None:
        self.sent.append((action.verb, action.target))
        try:
            result = await action.send()
        except FlowSynxError as error:
            self.app.notify(explain_failure(action.verb, error), title=f"{action.verb} failed", severity="error", timeout=12)
        else:
            messages = getattr(result, "messages", ()) or ()
            text = " ".join(clean(m, 200) for m in messages) or f"{action.verb} done."
            self.app.notify(text, title=f"{action.verb.capitalize()} sent", timeout=8)
        finally:
            self.in_flight.pop(action.target, None)
            self.app.poller.refresh()
            self.app.refresh_views()
            self.app.after_action(action.verb)


def explain_failure(verb: str, error: FlowSynxError) -> str:
    if isinstance(error, (RequestTimedOut, ConnectionFailed)):
        return (
            f"The {verb} request did not complete ({clean(error.message, 120)}). It may or may not have been "
            "applied; the state is being re-read. It was not sent again."
        )
    if isinstance(error, PermissionDenied):
        return f"Permission denied: {verb} needs the role {' or '.join(error.required_roles)}."
    if isinstance(error, NotFound):
        text = " ".join(error.server_messages) or error.message
        if "FSX2441" in text:
            return f"Someone else decided first: {clean(text, 200)}"
        if "FSX2435" in text:
            return f"The server did not cancel it: only running executions can be cancelled. {clean(text, 200)}"
        return clean(text, 300)
    return clean(str(error), 300)
