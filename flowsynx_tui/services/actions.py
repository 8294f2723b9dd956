"""Start, cancel, approve and reject: confirmed, sent exactly once, reported in words.

Every action goes: read-only check → one in flight per target → confirmation (asked by
the screen, from the ``PendingAction`` built here) → one request in a worker → an
``ActionFinished`` message with the server's words or the reason it failed. A request
that fails in transit is never re-sent by itself: the user is told it may or may not
have been applied, and deciding again needs a new confirmation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rich.text import Text
from textual.message_pump import MessagePump

from flowsynx_tui.api import (
    ActionResult,
    Approval,
    ConnectionFailed,
    ExecutionStatus,
    ExecutionSummary,
    FlowSynxClient,
    FlowSynxError,
    NotFound,
    PermissionDenied,
    RequestTimedOut,
)
from flowsynx_tui.messages import ActionFinished
from flowsynx_tui.services.overview import Overview
from flowsynx_tui.text import one_line


class Host(Protocol):
    def run_worker(self, work: Any, *, group: str = ..., exit_on_error: bool = ...) -> Any: ...

    def post_message(self, message: Any) -> bool: ...


@dataclass(frozen=True)
class Started:
    workflow_id: str
    execution_id: str


@dataclass(frozen=True)
class PendingAction:
    """An action ready to be confirmed: what the dialog says, and how to send it."""

    verb: str  # start | cancel | approve | reject
    target: str  # what "one in flight" is keyed on
    title: Text
    lines: tuple[Text, ...]
    busy_label: str
    #: Sends the request once; returns the server's messages and, for start, the new run.
    send: Callable[[], Awaitable[tuple[tuple[str, ...], Started | None]]]
    danger: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why an action cannot be asked for now (read-only session, one already in flight)."""

    text: str


@dataclass(frozen=True)
class ActionOutcome:
    verb: str
    target: str
    ok: bool
    title: str
    #: What to tell the user, already made safe for the screen.
    text: str
    started: Started | None = None


class ActionRunner:
    def __init__(self, client: FlowSynxClient, overview: Overview, host: Host, *, read_only: bool) -> None:
        self.client = client
        self.overview = overview
        self.host = host
        self.read_only = read_only
        self.in_flight: dict[str, str] = {}
        #: (verb, target) of every request sent, in order: exactly one per confirmed action.
        self.sent: list[tuple[str, str]] = []

    # ------------------------------------------------------------ builders
    def start(self, workflow_id: str) -> PendingAction | Refusal:
        name = self.overview.workflow_name(workflow_id)

        async def send() -> tuple[tuple[str, ...], Started | None]:
            result, messages = await self.client.start_execution(workflow_id)
            summary = ExecutionSummary(
                id=result.execution_id, status=ExecutionStatus.PENDING, execution_start=result.started_at
            )
            self.overview.index.record(workflow_id, summary)
            return messages, Started(workflow_id, result.execution_id)

        return self._check(
            PendingAction(
                verb="start",
                target=f"workflow:{workflow_id}",
                title=Text("Start a new execution?", style="bold"),
                lines=(
                    Text(f"Workflow: {one_line(name, 60)}"),
                    Text(f"Id: {one_line(workflow_id, 40)}"),
                    Text("POST /workflows/{id}/executions"),
                ),
                busy_label="starting…",
                send=send,
            )
        )

    def cancel(self, workflow_id: str, execution_id: str, status: ExecutionStatus | None) -> PendingAction | Refusal:
        name = self.overview.workflow_name(workflow_id)
        lines = [Text(f"Workflow: {one_line(name, 60)}"), Text(f"Execution: {one_line(execution_id, 40)}")]
        if status is not None and status is not ExecutionStatus.RUNNING:
            lines.append(
                Text(
                    f"It is {one_line(status.value, 20)}: the server cancels only running executions "
                    "and will likely refuse.",
                    style="yellow",
                )
            )
        return self._check(
            PendingAction(
                verb="cancel",
                target=f"execution:{execution_id}",
                title=Text("Cancel this execution?", style="bold"),
                lines=tuple(lines),
                busy_label="cancelling…",
                send=lambda: _messages_of(self.client.cancel_execution(workflow_id, execution_id)),
                danger=True,
            )
        )

    def decide(self, approval: Approval, *, approve: bool) -> PendingAction | Refusal:
        name = self.overview.workflow_name(approval.workflow_id)
        verb = "approve" if approve else "reject"
        client = self.client
        lines = [
            Text(f"Workflow: {one_line(name, 60)}"),
            Text(f"Execution: {one_line(approval.execution_id, 40)}"),
            Text(f"Task: {one_line(approval.task_name, 60)}"),
        ]
        if approval.comments:
            lines.append(Text(f"Comment: {one_line(approval.comments, 200)}"))
        lines.append(
            Text(
                "Approving runs the rest of the workflow; the server answers when it finishes or reaches the next gate."
                if approve
                else "Rejecting fails the execution at once; no further task runs."
            )
        )
        decide = client.approve if approve else client.reject

        def send() -> Awaitable[tuple[tuple[str, ...], Started | None]]:
            return _messages_of(decide(approval.workflow_id, approval.execution_id, approval.id))

        title = Text(f"{verb.capitalize()} task {one_line(approval.task_name, 40)}?", style="bold")
        return self._check(
            PendingAction(
                verb=verb,
                target=f"execution:{approval.execution_id}",
                title=title,
                lines=tuple(lines),
                busy_label="approving…" if approve else "rejecting…",
                send=send,
                danger=not approve,
            )
        )

    # ------------------------------------------------------------- running
    def busy_label(self, target: str) -> str | None:
        return self.in_flight.get(target)

    def execution_busy(self, execution_id: str) -> str | None:
        return self.in_flight.get(f"execution:{execution_id}")

    def _check(self, action: PendingAction) -> PendingAction | Refusal:
        if self.read_only:
            return Refusal(f"Read-only session: {action.verb} is disabled.")
        if action.target in self.in_flight:
            return Refusal(f"Already {self.in_flight[action.target]} Wait for the answer.")
        return action

    def send(self, action: PendingAction, reply_to: MessagePump) -> bool:
        """Send a confirmed action once; False if one for the same target is in flight.

        ``reply_to`` (the screen that asked) gets ``ActionFinished``, which bubbles on to
        the app; if it has closed by then, the app gets it directly.
        """
        if self.read_only or action.target in self.in_flight:
            return False
        # Marked busy before the worker starts, so a fast second key press finds it
        # taken and cannot send a second request.
        self.in_flight[action.target] = action.busy_label
        self.host.run_worker(self._send(action, reply_to), group=f"action:{action.target}", exit_on_error=False)
        return True

    async def _send(self, action: PendingAction, reply_to: MessagePump) -> None:
        self.sent.append((action.verb, action.target))
        try:
            messages, started = await action.send()
        except FlowSynxError as error:
            outcome = ActionOutcome(
                action.verb, action.target, ok=False, title=f"{action.verb} failed", text=explain_failure(action.verb, error)
            )
        else:
            text = " ".join(one_line(m, 200) for m in messages) or f"{action.verb} done."
            outcome = ActionOutcome(
                action.verb, action.target, ok=True, title=f"{action.verb.capitalize()} sent", text=text, started=started
            )
        finally:
            self.in_flight.pop(action.target, None)
        message = ActionFinished(outcome)
        if not reply_to.post_message(message):
            self.host.post_message(ActionFinished(outcome))


async def _messages_of(request: Awaitable[ActionResult]) -> tuple[tuple[str, ...], Started | None]:
    return (await request).messages, None


def explain_failure(verb: str, error: FlowSynxError) -> str:
    if isinstance(error, (RequestTimedOut, ConnectionFailed)):
        return (
            f"The {verb} request did not complete ({one_line(error.message, 120)}). It may or may not have been "
            "applied; the state is being re-read. It was not sent again."
        )
    if isinstance(error, PermissionDenied):
        return f"Permission denied: {verb} needs the role {' or '.join(error.required_roles)}."
    if isinstance(error, NotFound):
        text = " ".join(error.server_messages) or error.message
        # The server's own code opens a message; the same letters inside one are quoted
        # text (a task name, say) and must not choose what the user is told.
        codes = {message.lstrip()[:9] for message in error.server_messages}
        if "[FSX2441]" in codes:
            return f"Someone else decided first: {one_line(text, 200)}"
        if "[FSX2435]" in codes:
            return f"The server did not cancel it: only running executions can be cancelled. {one_line(text, 200)}"
        return one_line(text, 300)
    return one_line(str(error), 300)
