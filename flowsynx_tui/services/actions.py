"""Start, cancel, approve and reject: confirmed, sent exactly once, reported in words.

Every action goes: read-only check → one in flight per target → confirmation (asked by
the screen, from the ``PendingAction`` built here) → one request in a worker → an
``ActionFinished`` message with the server's words or the reason it failed. A request
that fails in transit is never re-sent by itself: the user is told it may or may not
have been applied, and deciding again needs a new confirmation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from rich.text import Text
from textual.message_pump import MessagePump

from flowsynx_tui.api import (
    ApiError,
    ConnectionFailed,
    ExecutionStatus,
    FlowSynxClient,
    FlowSynxError,
    MalformedResponse,
    NotFound,
    PermissionDenied,
    RequestTimedOut,
    ServerError,
)
from flowsynx_tui.messages import ActionFinished
from flowsynx_tui.services.overview import Overview
from flowsynx_tui.text import one_line

if TYPE_CHECKING:
    from flowsynx_tui.api import Approval, ExecutionDetails

log = logging.getLogger(__name__)


class Host(Protocol):
    def run_worker(self, work: Any, *, group: str = ..., exit_on_error: bool = ...) -> Any: ...

    def post_message(self, message: Any) -> bool: ...


@dataclass(frozen=True)
class Started:
    workflow_id: str
    execution_id: str


@dataclass(frozen=True)
class Answer:
    """What a sent action came back with."""

    messages: tuple[str, ...] = ()
    started: Started | None = None
    #: What the state re-read after the answer says, told instead of the server's sentence
    #: (v1.3.0's sentences say "successfully" whatever happened: Q10, Q12).
    note: str | None = None
    warning: bool = False
    #: The execution as read after the answer: shown at once, with the note (the screens'
    #: own next read, slow on a slow server, came seconds after a toast "now Completed").
    read: ExecutionDetails | None = None


@dataclass(frozen=True)
class PendingAction:
    """An action ready to be confirmed: what the dialog says, and how to send it."""

    verb: str  # start | cancel | approve | reject
    target: str  # what "one in flight" is keyed on
    title: Text
    lines: tuple[Text, ...]
    busy_label: str
    #: Sends the request once (never again by itself), then may re-read the state.
    send: Callable[[], Awaitable[Answer]]
    danger: bool = False
    #: Explains a failure in words, reading more state if that tells the cause apart.
    explain: Callable[[FlowSynxError], Awaitable[str]] | None = None
    #: The approval an approve or reject decides.
    approval: Approval | None = None
    #: What it is done to, in the dashboard's words (``run 0b4c8ed0 of nightly``), for a failure.
    subject: str = ""
    #: Why it no longer applies (the approval was decided meanwhile, the run ended), or
    #: None: asked while the question is on screen and when it is answered.
    stale: Callable[[], str | None] | None = None

    @property
    def button(self) -> str:
        """The yes button's word. Not a bare "Cancel": beside "No", it reads as backing out."""
        return "Cancel run" if self.verb == "cancel" else self.verb.capitalize()


@dataclass(frozen=True)
class Unanswered:
    """An action sent whose outcome is unknown: the request may have reached the server,
    and no answer said what it did."""

    action: PendingAction
    #: When it was sent, local time (``13:43:10``), and why no answer came.
    sent_at: str
    reason: str
    #: The server answered, with an error (a 5xx, an unreadable body): it was done with the
    #: request when it answered, so a later read settles the outcome either way.
    answered: bool = False
    #: When the request ended (``time.monotonic``).
    ended_at: float = 0.0

    @property
    def what(self) -> str:
        """``the approve sent at 13:43:10 got no answer`` (or ``failed (HTTP 503 …)``)."""
        happened = f"failed ({self.reason})" if self.answered else "got no answer"
        return f"the {self.action.verb} sent at {self.sent_at} {happened}"

    def warning(self) -> Text:
        reason = "" if self.answered else f" ({self.reason})"
        return Text(
            f"⚠ {self.what[0].upper()}{self.what[1:]}{reason}: it may have been applied. This sends another request.",
            style="bold yellow",
        )


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
    severity: str = "information"  # information | warning | error
    #: When the request was sent (``time.monotonic``).
    sent_at: float = 0.0


#: A decision, as done.
PAST = {"approve": "approved", "reject": "rejected"}


class ActionRunner:
    def __init__(self, client: FlowSynxClient, overview: Overview, host: Host, *, read_only: bool) -> None:
        self.client = client
        self.overview = overview
        self.host = host
        self.read_only = read_only
        #: Each action sent and not answered yet, by target.
        self._sending: dict[str, PendingAction] = {}
        #: The last action on a target, when its outcome is unknown; asking again warns.
        self._unanswered: dict[str, Unanswered] = {}
        #: (verb, target) of every request sent, in order: exactly one per confirmed action.
        self.sent: list[tuple[str, str]] = []
        #: Approvals this session decided and the server answered for: (verb, sent at) by
        #: approval id. Until a read of the approvals drops one, it is still listed.
        self._answered_decisions: dict[str, tuple[str, str]] = {}
        #: Gates the server refused to decide because another gate of the run was decided
        #: before (quirk Q2): approval id -> when (local time). They can never be decided.
        self._stuck: dict[str, str] = {}
        #: Told an execution as read right after an action's answer (``Answer.read``), on
        #: the UI's loop, before the screen that asked hears of the answer.
        self.on_read: Callable[[ExecutionDetails], None] = lambda _details: None

    # ------------------------------------------------------------ builders
    def start(self, workflow_id: str, *, again: str | None = None) -> PendingAction | Refusal:
        """Start a run of a workflow; ``again``: the execution the user wants run again
        (FlowSynx has no rerun: it is a new execution of the same workflow)."""
        name = self.overview.workflow_name(workflow_id)

        async def send() -> Answer:
            from flowsynx_tui.api.models import ExecutionSummary  # loaded by the request

            result, messages = await self.client.start_execution(workflow_id)
            summary = ExecutionSummary(
                id=result.execution_id, status=ExecutionStatus.PENDING, execution_start=result.started_at
            )
            self.overview.index.record(workflow_id, summary)
            note = f"Started run {self.overview.label(result.execution_id)} of {one_line(name, 60)}."
            return Answer(messages, Started(workflow_id, result.execution_id), note=note)

        lines = [Text(f"Workflow: {one_line(name, 60)}"), Text(f"Id: {one_line(workflow_id, 40)}")]
        if again is not None:
            lines.append(
                Text(
                    f"FlowSynx has no rerun: this starts a new execution of the same workflow "
                    f"(as run {self.overview.label(again)} was), with the workflow's definition as it is now."
                )
            )
        lines.append(Text("POST /workflows/{id}/executions"))
        return self._check(
            PendingAction(
                verb="rerun" if again is not None else "start",
                target=f"workflow:{workflow_id}",
                title=Text("Run it again?" if again is not None else "Start a new execution?", style="bold"),
                lines=tuple(lines),
                busy_label="starting…",
                send=send,
                subject=one_line(name, 60),
            )
        )

    def cancel(self, workflow_id: str, execution_id: str, status: ExecutionStatus | None) -> PendingAction | Refusal:
        refused = self.cannot_cancel(workflow_id, execution_id, status)
        if refused is not None:
            return refused
        name = self.overview.workflow_name(workflow_id)
        lines = [Text(f"Workflow: {one_line(name, 60)}"), Text(f"Execution: {one_line(execution_id, 40)}")]
        if status is ExecutionStatus.PAUSED:
            lines.append(
                Text(
                    "It is Paused: FlowSynx v1.3.0 does not cancel a paused run. It answers that it did "
                    "(the run stays paused), or 404 when it has no cancel for it (a run paused before the "
                    "server started, or cancelled once already). Rejecting its approval is what ends it.",
                    style="yellow",
                )
            )
        elif status is not None and status is not ExecutionStatus.RUNNING:
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
                send=partial(self._cancel, workflow_id, execution_id),
                explain=partial(self._explain_cancel, status),
                danger=True,
                subject=self._run_words(workflow_id, execution_id),
                stale=partial(self._run_ended, execution_id),
            )
        )

    def cannot_cancel(self, workflow_id: str, execution_id: str, status: ExecutionStatus | None) -> Refusal | None:
        """A finished run, refused here: a finished status never changes back, and the
        server answers a cancel of one with 404 ("not found", FSX2435), which reads as if
        the run were gone."""
        if status is None or not status.is_finished:
            return None
        run = self._run_words(workflow_id, execution_id)
        return Refusal(f"Nothing to cancel: {run} has {one_line(status.value, 20).lower()}.")

    def decided(self, approval_id: str) -> str | None:
        """How this session decided an approval, answered by the server ("approved",
        "rejected"), or None."""
        decided = self._answered_decisions.get(approval_id)
        return None if decided is None else PAST[decided[0]]

    def stuck(self, approval_id: str) -> bool:
        """The server refused to decide this gate: v1.3.0 decides only a run's first one."""
        return approval_id in self._stuck

    def decide(self, approval: Approval, *, approve: bool) -> PendingAction | Refusal:
        earlier = self._answered_decisions.get(approval.id)
        if earlier is not None:
            # The list shown was read before that answer (its reads failing since): a
            # second decision would go out for an approval already used, and the first
            # would be told as someone else's.
            verb, sent_at = earlier
            return Refusal(
                f"Already {PAST[verb]}: the {verb} sent at {sent_at} was answered by the server. "
                "The approvals shown were read before that answer."
            )
        name = self.overview.workflow_name(approval.workflow_id)
        verb = "approve" if approve else "reject"
        lines = [
            Text(f"Workflow: {one_line(name, 60)}"),
            Text(f"Execution: {one_line(approval.execution_id, 40)}"),
            Text(f"Task: {one_line(approval.task_name, 60)}"),
        ]
        if approval.comments:
            # Whole (the dialog wraps and scrolls): it is what the approver is asked to check.
            lines.append(Text(f"Comment: {one_line(approval.comments, 1_000)}"))
        lines.append(
            Text(
                "Approving runs the rest of the workflow; the server answers when it finishes or reaches the next gate."
                if approve
                else "Rejecting fails the execution at once; no further task runs."
            )
        )

        refused_at = self._stuck.get(approval.id)
        if refused_at is not None:
            lines.append(
                Text(
                    f"⚠ The server refused to decide this gate at {refused_at}: FlowSynx v1.3.0 decides only the "
                    "first approval of an execution, and that one is decided already. It will refuse again.",
                    style="bold yellow",
                )
            )
        title = Text(f"{verb.capitalize()} task {one_line(approval.task_name, 40)}?", style="bold")
        return self._check(
            PendingAction(
                verb=verb,
                target=f"execution:{approval.execution_id}",
                title=title,
                lines=tuple(lines),
                busy_label="approving…" if approve else "rejecting…",
                send=partial(self._decide, approval, approve),
                danger=not approve,
                explain=partial(self._explain_decision, approval, verb),
                approval=approval,
                subject=f"{one_line(approval.task_name, 40)} of {self._run_words(approval.workflow_id, approval.execution_id)}",
                stale=partial(self._decided_meanwhile, approval),
            )
        )

    def _run_ended(self, execution_id: str) -> str | None:
        summary = self.overview.index.by_id.get(execution_id)
        if summary is None or not summary.status.is_finished:
            return None
        return f"The run ended meanwhile ({one_line(summary.status.value, 20)}): there is nothing to cancel."

    def _decided_meanwhile(self, approval: Approval) -> str | None:
        # Read since the question was asked: no longer pending (someone decided, or the run
        # moved on). v1.3.0 would refuse it ("already decided", FSX2441).
        if any(pending.id == approval.id for pending in self.overview.approvals.all()):
            return None
        return "No longer waiting: it was decided meanwhile (by someone else?) or the run moved on. Nothing to send."

    # ------------------------------------------------------------- requests
    async def _cancel(self, workflow_id: str, execution_id: str) -> Answer:
        result = await self.client.cancel_execution(workflow_id, execution_id)
        run = self._run_words(workflow_id, execution_id)
        read = await self._read_now(workflow_id, execution_id)
        status = read.status if read is not None else None
        if status is ExecutionStatus.PAUSED:
            # Quirk Q10: the run that paused left its cancellation token behind.
            return Answer(
                result.messages,
                read=read,
                note=(
                    "The server answered that it cancelled the execution, but it is still Paused: "
                    "FlowSynx v1.3.0 does not cancel a paused run. Reject its approval (on the run's screen or in "
                    "the inbox) to end it."
                ),
                warning=True,
            )
        if status is ExecutionStatus.RUNNING:
            return Answer(result.messages, read=read, note=f"Cancel sent for {run}: it ends Failed once its running tasks stop.")
        if status is not None:
            return Answer(result.messages, read=read, note=f"Cancelled {run}: it is now {one_line(status.value, 20)}.")
        return Answer(result.messages, read=read, note=f"Cancel sent for {run}.")

    def _run_words(self, workflow_id: str, execution_id: str) -> str:
        """``run 0b4c8ed0 of nightly-csv-export``: how the dashboard names an execution."""
        name = self.overview.workflow_name(workflow_id)
        return f"run {self.overview.label(execution_id)} of {one_line(name, 60)}"

    async def _decide(self, approval: Approval, approve: bool) -> Answer:
        decide = self.client.approve if approve else self.client.reject
        result = await decide(approval.workflow_id, approval.execution_id, approval.id)
        # The server's sentence is the same whatever became of the run (quirk Q12): say
        # what the run is now instead.
        read = await self._read_now(approval.workflow_id, approval.execution_id)
        status = read.status if read is not None else None
        run = self._run_words(approval.workflow_id, approval.execution_id)
        done = f"{'Approved' if approve else 'Rejected'} {one_line(approval.task_name, 40)} of {run}"
        if status is None:
            return Answer(result.messages, read=read, note=f"{done}.")
        if approve and status is ExecutionStatus.FAILED:
            return Answer(result.messages, read=read, note=f"{done}, but the run then failed: it is Failed.", warning=True)
        if approve and status is ExecutionStatus.PAUSED:
            return Answer(result.messages, read=read, note=f"{done}; the run is paused again, at its next approval gate.")
        return Answer(result.messages, read=read, note=f"{done}; the run is now {one_line(status.value, 20)}.")

    async def _explain_cancel(self, status: ExecutionStatus | None, error: FlowSynxError) -> str:
        if status is ExecutionStatus.PAUSED and isinstance(error, NotFound) and "[FSX2435]" in _codes(error):
            # "only running executions can be cancelled" under a dialog that said the server
            # answers a paused run's cancel as done: it keeps a cancel for a run paused since
            # it started, once (Q10).
            return (
                "The server has no cancel for this paused run (one paused before it started, or cancelled "
                "once already): it stays Paused. Rejecting its approval is what ends it. "
                f"{one_line(error.server_words, 200)}"
            )
        return explain_failure("cancel", error)

    async def _explain_decision(self, approval: Approval, verb: str, error: FlowSynxError) -> str:
        if isinstance(error, NotFound) and "[FSX2441]" in _codes(error):
            earlier = self._unanswered.get(f"execution:{approval.execution_id}")
            if earlier is not None and earlier.action.approval is not None and earlier.action.approval.id == approval.id:
                # "Already decided": by this session's own request whose answer never came.
                return (
                    f"{earlier.what[0].upper()}{earlier.what[1:]} and was taken: the approval "
                    f"is decided already, and this {verb} was refused. {one_line(' '.join(error.server_messages), 200)}"
                )
            try:
                pending = (await self.client.list_approvals(approval.workflow_id, approval.execution_id)).items
            except FlowSynxError:
                pending = ()
            if pending:
                # Quirk Q2: approve and reject look up the first approval row of the
                # execution, whatever approval id the request names.
                self._stuck[approval.id] = time.strftime("%H:%M:%S")
                return (
                    f"The server would not {verb} it: FlowSynx v1.3.0 decides only the first approval of an "
                    "execution, and that one is decided already. This gate can be neither approved nor "
                    f"rejected, so the run stays paused. {one_line(' '.join(error.server_messages), 200)}"
                )
            status = await self._status_now(approval.workflow_id, approval.execution_id)
            if status is ExecutionStatus.PAUSED:
                # Quirk Q5: after an approve the run reads Paused while the rest runs.
                return f"{explain_failure(verb, error)} The run still reads Paused, as v1.3.0 shows a run resuming after an approve."
            if status is not None:
                # What the other decision did to the run, as an answered one says it.
                return f"{explain_failure(verb, error)} The run is now {one_line(status.value, 20)}."
        return explain_failure(verb, error)

    async def _status_now(self, workflow_id: str, execution_id: str) -> ExecutionStatus | None:
        read = await self._read_now(workflow_id, execution_id)
        return None if read is None else read.status

    async def _read_now(self, workflow_id: str, execution_id: str) -> ExecutionDetails | None:
        """The execution read again after an action (a GET: safe to repeat)."""
        try:
            return await self.client.get_execution(workflow_id, execution_id)
        except FlowSynxError:
            return None

    # ------------------------------------------------------------- running
    def busy_label(self, target: str) -> str | None:
        action = self._sending.get(target)
        return None if action is None else action.busy_label

    def execution_busy(self, execution_id: str) -> str | None:
        return self.busy_label(f"execution:{execution_id}")

    def busy_executions(self) -> dict[str, str]:
        """Execution id to what is being done to it, for every action in flight on one."""
        return {
            target.removeprefix("execution:"): label
            for target, label in self.in_flight.items()
            if target.startswith("execution:")
        }

    @property
    def in_flight(self) -> dict[str, str]:
        """What is being done, by target, for every action waiting for its answer."""
        return {target: action.busy_label for target, action in self._sending.items()}

    def in_flight_described(self) -> list[str]:
        """Each action waiting for its answer, in words (``approving… PublishInvoices of run
        0b4c8ed0 of invoice-approval``)."""
        return [f"{action.busy_label} {action.subject}".strip() for action in self._sending.values()]

    def decisions_in_flight(self) -> list[Approval]:
        """Approvals whose approve or reject is sent and not answered yet. The server stops
        listing an approval as pending when it takes the decision, but answers an approve
        only once the resumed run stops or pauses again (minutes, on v1.3.0): until then the
        inbox keeps its row, marked, so the decision is seen to be on its way."""
        return [action.approval for action in self._sending.values() if action.approval is not None]

    def _check(self, action: PendingAction) -> PendingAction | Refusal:
        if self.read_only:
            return Refusal(f"Read-only session: {action.verb} is disabled.")
        if action.target in self._sending:
            return Refusal(f"Already {self._sending[action.target].busy_label} Wait for the answer.")
        earlier = self.unanswered(action.target)
        if earlier is not None:
            # Never sent again by itself; sent again by hand only after reading this.
            return replace(action, lines=(earlier.warning(), *action.lines))
        return action

    def unanswered(self, target: str) -> Unanswered | None:
        """The last action on ``target`` if its outcome is unknown. A decision's is known
        once its approval is no longer pending: the server took one."""
        earlier = self._unanswered.get(target)
        if earlier is not None and self._decided(earlier):
            return None
        return earlier

    def settled(self) -> list[Unanswered]:
        """Decisions without an answer that the last read settles (their approval is no
        longer pending), forgotten here: the caller tells the user."""
        done = [earlier for earlier in self._unanswered.values() if self._decided(earlier)]
        for earlier in done:
            del self._unanswered[earlier.action.target]
        return done

    def not_applied(self) -> list[Unanswered]:
        """Decisions the server answered with an error whose approval a list asked for after
        that answer still holds: not applied, as approve and reject mark the approval before
        anything else (reference 9.3). Forgotten here; the caller tells the user. One that
        got no answer at all may still be on its way: it stays unknown."""
        tracker = self.overview.approvals
        pending = {approval.id for approval in tracker.all()}
        done = [
            earlier
            for earlier in self._unanswered.values()
            if earlier.answered
            and earlier.action.approval is not None
            and earlier.action.approval.id in pending
            and tracker.read_at.get(earlier.action.approval.execution_id, float("-inf")) > earlier.ended_at
        ]
        for earlier in done:
            del self._unanswered[earlier.action.target]
        return done

    def _decided(self, earlier: Unanswered) -> bool:
        approval = earlier.action.approval
        return approval is not None and approval.id not in {a.id for a in self.overview.approvals.all()}

    def send(self, action: PendingAction, reply_to: MessagePump) -> bool:
        """Send a confirmed action once; False if one for the same target is in flight.

        ``reply_to`` (the screen that asked) gets ``ActionFinished``, which bubbles on to
        the app; if it has closed by then, the app gets it directly.
        """
        if self.read_only or action.target in self._sending:
            return False
        # Marked busy before the worker starts, so a fast second key press finds it
        # taken and cannot send a second request.
        self._sending[action.target] = action
        self.host.run_worker(partial(self._send, action, reply_to), group=f"action:{action.target}", exit_on_error=False)
        return True

    async def _send(self, action: PendingAction, reply_to: MessagePump) -> None:
        self.sent.append((action.verb, action.target))
        sent_at = time.strftime("%H:%M:%S")
        sent_monotonic = time.monotonic()
        log.info("action %s %s: sent", action.verb, action.target)
        try:
            answer = await action.send()
        except FlowSynxError as error:
            log.warning("action %s %s failed: %s", action.verb, action.target, error)
            text = await action.explain(error) if action.explain else explain_failure(action.verb, error)
            if outcome_unknown(error):
                self._unanswered[action.target] = Unanswered(
                    action,
                    sent_at,
                    one_line(error.message, 80).rstrip("."),
                    answered=isinstance(error, (ServerError, MalformedResponse)),
                    ended_at=time.monotonic(),
                )
            else:
                self._unanswered.pop(action.target, None)
            if action.subject:
                text = f"{action.subject}: {text}"
            outcome = ActionOutcome(
                action.verb, action.target, ok=False, title=f"{action.verb.capitalize()} failed", text=text, severity="error",
                sent_at=sent_monotonic,
            )
        else:
            self._unanswered.pop(action.target, None)
            if action.approval is not None:
                self._answered_decisions[action.approval.id] = (action.verb, sent_at)
            log.info("action %s %s: done", action.verb, action.target)
            if answer.read is not None:
                self.on_read(answer.read)
            text = answer.note or " ".join(one_line(m, 200) for m in answer.messages) or f"{action.verb} done."
            outcome = ActionOutcome(
                action.verb,
                action.target,
                ok=True,
                title=f"{action.verb.capitalize()} sent",
                text=text,
                started=answer.started,
                severity="warning" if answer.warning else "information",
                sent_at=sent_monotonic,
            )
        finally:
            self._sending.pop(action.target, None)
        message = ActionFinished(outcome)
        if not reply_to.post_message(message):
            self.host.post_message(ActionFinished(outcome))


def _codes(error: ApiError) -> set[str]:
    """The server's codes: only where a message starts; the same letters inside one are
    quoted text (a task name, say) and must not choose what the user is told."""
    return {message.lstrip()[:9] for message in error.server_messages}


def outcome_unknown(error: FlowSynxError) -> bool:
    """The request may have been applied, and nothing says whether it was."""
    if isinstance(error, (RequestTimedOut, ConnectionFailed)):
        return error.may_have_arrived
    return isinstance(error, (ServerError, MalformedResponse))


def explain_failure(verb: str, error: FlowSynxError) -> str:
    if isinstance(error, (RequestTimedOut, ConnectionFailed)) and not error.may_have_arrived:
        return f"The {verb} request was not sent: {one_line(error.message, 120)}. Nothing changed on the server."
    if isinstance(error, (RequestTimedOut, ConnectionFailed)):
        return (
            f"The {verb} request did not complete ({one_line(error.message, 120)}). It may or may not have been "
            "applied; the state is being re-read. It was not sent again."
        )
    if isinstance(error, PermissionDenied):
        return f"Permission denied: {verb} needs the role {' or '.join(error.required_roles)}."
    if isinstance(error, NotFound):
        text = error.server_words
        codes = _codes(error)
        if "[FSX2441]" in codes:
            return f"Someone else decided first: {one_line(text, 200)}"
        if "[FSX2435]" in codes:
            return f"The server did not cancel it: only running executions can be cancelled. {one_line(text, 200)}"
        if "[FSX2439]" in codes:
            # The approval row is marked Approved before the status check fails.
            return (
                "The execution was no longer paused when the approval arrived; FlowSynx v1.3.0 counts the "
                f"approval as used anyway. {one_line(text, 200)}"
            )
        if "[FSX2440]" in codes:
            return f"The server found no pending approval for this execution under this workflow. {one_line(text, 200)}"
        return one_line(text, 300)
    # The route is in the debug log; in a toast it was most of the text, an id cut in two.
    if isinstance(error, ServerError):
        return (
            f"The server answered {one_line(error.message, 200).rstrip('.')}. The {verb} may or may not have been "
            "applied; the state is being re-read. It was not sent again."
        )
    if isinstance(error, MalformedResponse):
        return (
            f"The server's answer could not be read ({one_line(error.message, 120)}). The {verb} may have been "
            "applied; the state is being re-read. It was not sent again."
        )
    if isinstance(error, ApiError):
        return f"The server refused the {verb}: {one_line(error.message, 200)}."
    return one_line(error.message, 300)
