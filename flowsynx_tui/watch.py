"""``flowsynx-tui watch EXECUTION_ID``: follow one execution until it ends, for scripts and CI.

Prints one line per status change of the execution and of each of its tasks (the first cycle
prints the current state of all of them) and exits with a code a script can test:

====  =====================================================================================
code  meaning
====  =====================================================================================
0     the execution ended ``Completed``
1     it ended ``Failed`` (or ``Canceled``, should a server ever report that status)
2     bad usage: bad arguments or settings, an id that is not a GUID, no such execution
      (404 under every workflow, or under ``--workflow``), credentials refused (401), a
      missing role (403)
3     ``--timeout`` passed: the server stayed unreachable (connection refused, timeouts,
      5xx) until then, or the execution was still not finished
130   interrupted (Ctrl-C)
====  =====================================================================================

``--timeout`` is one deadline for the whole watch, counted from the start: it bounds both how
long an unreachable server is retried and how long a running (or paused) execution is waited
for. Without it the watch waits, and retries, for ever.

Output: stdout carries the status lines, stderr the notes about the connection ("server
unreachable: …, retrying" or "server error: …, retrying", once per distinct reason until a
minute passes without it; "server answering again" once after a reason was said) and the one-line error a
non-zero exit other than 1 comes with. When stdout is not a terminal the lines are plain text;
on a terminal the status word gets a glyph and an SGR colour (never cursor movement;
``NO_COLOR`` turns the colour off). Every piece of server text goes through
:func:`flowsynx_tui.text.one_line`: names, comments, statuses and error messages are data.

Quirks of FlowSynx v1.3.0 handled here (reference section 10): there is no route from an
execution id to its workflow, so without ``--workflow`` every workflow is tried
(``GET /workflows/{wid}/executions/{eid}``, 404 = not this one); ``executionEnd`` is set
while ``Paused`` (Q4) and is ignored then; after an approval the status stays ``Paused``
while the rest runs (Q5), so ``Paused`` is never an end; a task still ``Running`` in a
finished execution (Q7) is marked stale and the exit code follows the execution.

No Textual here: this path must start fast.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO, TypeVar

from flowsynx_tui.api import (
    Approval,
    ConnectionFailed,
    ExecutionDetails,
    ExecutionStatus,
    FlowSynxClient,
    FlowSynxError,
    NotFound,
    PermissionDenied,
    RequestTimedOut,
    TaskExecution,
    TaskStatus,
    as_guid,
    read_all_pages,
)
from flowsynx_tui.config import Settings
from flowsynx_tui.format import STATUS_LOOK, format_duration
from flowsynx_tui.text import one_line, short_id, with_short_ids

PROG = "flowsynx-tui watch"
#: A reason said once is said again only after this many seconds without it.
QUIET_AFTER = 60.0

EXIT_COMPLETED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3
EXIT_INTERRUPTED = 130
#: stdout was closed by the reader (``… | head``): 128 + SIGPIPE, as a shell reports it.
EXIT_BROKEN_PIPE = 141

DEFAULT_INTERVAL = 2.0
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 15.0
#: Workflows probed at once while looking for the execution's workflow.
PROBE_CONCURRENCY = 4

NAME_LIMIT = 60
TASK_NAME_LIMIT = 80
COMMENT_LIMIT = 300

# SGR colours for the status word on a terminal (the glyphs come from the dashboard's look).
_SGR = {
    "Pending": "2",
    "Running": "36",
    "Paused": "35",
    "Completed": "32",
    "Failed": "31",
    "Canceled": "33",
    "Retrying": "33",
}
_ENDED_BADLY = ("canceled", "cancelled")
_LIVE_TASK = (TaskStatus.RUNNING, TaskStatus.RETRYING)

T = TypeVar("T")


@dataclass(frozen=True)
class WatchOptions:
    execution_id: str
    workflow_id: str | None = None
    interval: float = DEFAULT_INTERVAL
    timeout: float | None = None


class WatchExit(Exception):
    """Leave the watch with ``code``; ``message`` (one line) goes to stderr."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class StdoutClosed(Exception):
    """The reader of stdout went away."""


def exit_code_for(status: ExecutionStatus) -> int | None:
    """The exit code an execution in ``status`` ends the watch with, or None while it goes on.

    ``Paused`` is not an end: an approval resumes it (and v1.3.0 reports ``Paused`` while the
    rest runs, Q5).
    """
    if status is ExecutionStatus.COMPLETED:
        return EXIT_COMPLETED
    if status is ExecutionStatus.FAILED or str(status.value).lower() in _ENDED_BADLY:
        return EXIT_FAILED
    return None


# --------------------------------------------------------------------------- output


class Printer:
    """Status lines on ``out``, notes and errors on ``err``; flushed line by line (CI logs)."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        color: bool = False,
        glyphs: bool = False,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.out = out
        self.err = err
        self.color = color
        self.glyphs = glyphs
        self.now = now

    @classmethod
    def for_streams(cls, out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None) -> Printer:
        env = os.environ if environ is None else environ
        terminal = _isatty(out) and env.get("TERM") != "dumb"
        encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "")
        return cls(
            out,
            err,
            color=terminal and "NO_COLOR" not in env,
            glyphs=terminal and encoding.startswith("utf"),
        )

    def status(self, status: object) -> str:
        raw = one_line(getattr(status, "value", status), 20) or "unknown"
        text = raw
        if self.glyphs:
            glyph = STATUS_LOOK.get(raw, ("?", ""))[0]
            text = f"{glyph} {text}"
        code = _SGR.get(raw)
        if self.color and code:
            text = f"\x1b[{code}m{text}\x1b[0m"
        return text

    def line(self, prefix: str, text: str) -> None:
        stamp = self.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._write(self.out, f"{stamp}  {prefix}  {text}\n")

    def note(self, text: str) -> None:
        self._write(self.err, f"{PROG}: {text}\n")

    def error(self, text: str) -> None:
        self._write(self.err, f"{PROG}: error: {text}\n")

    def _write(self, stream: TextIO, text: str) -> None:
        try:
            stream.write(text)
            stream.flush()
        except BrokenPipeError:
            if stream is self.out:
                raise StdoutClosed from None
            # Nobody reads stderr any more: nothing useful left to do with the note.


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def describe(error: FlowSynxError, base_url: str) -> str:
    """One safe line for a failed request: what went wrong, the URL for a connection problem."""
    message = error.message
    if base_url not in message:
        message = f"{base_url}: {message}"
    return with_short_ids(message, 300)


# --------------------------------------------------------------------------- the watch


@dataclass
class _TaskSeen:
    status: TaskStatus
    stale_reported: bool = False


@dataclass
class Watch:
    client: FlowSynxClient
    options: WatchOptions
    printer: Printer
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    _deadline: float | None = field(default=None, init=False)
    #: Reasons already said, with when each last failed: a server that fails one request in
    #: three (a flapping proxy) said "unreachable" and "reachable again" every few seconds.
    _said: dict[str, float] = field(default_factory=dict, init=False)
    #: An outage was said, and its end not yet.
    _down_said: bool = field(default=False, init=False)
    _last_reason: str | None = field(default=None, init=False)
    _last_trouble: str = field(default="server unreachable", init=False)
    _random: random.Random = field(default_factory=random.Random, init=False)
    _execution: ExecutionStatus | None = field(default=None, init=False)
    _tasks: dict[str, _TaskSeen] = field(default_factory=dict, init=False)
    _approvals: dict[str, Approval] = field(default_factory=dict, init=False)
    _approvals_open: set[str] = field(default_factory=set, init=False)
    _approvals_readable: bool = field(default=True, init=False)
    _paused_noted: bool = field(default=False, init=False)
    _prefix: str = field(default="", init=False)

    # ------------------------------------------------------------------ entry
    async def run(self) -> int:
        if self.options.timeout is not None:
            self._deadline = self.monotonic() + self.options.timeout
        workflow_id, details, listed_name = await self._find()
        name = details.definition.name or listed_name or f"workflow {short_id(workflow_id)}"
        self._prefix = f"{one_line(name, NAME_LIMIT)} {short_id(details.execution_id)}"
        first = True
        while True:
            details, tasks, approvals = await self._poll(workflow_id)
            self._report(details, tasks, approvals, first=first)
            first = False
            code = exit_code_for(details.status)
            if code is not None:
                return code
            remaining = self._remaining()
            if remaining is not None and remaining <= 0:
                raise self._still_running(details.status)
            await self.sleep(self.options.interval if remaining is None else min(self.options.interval, remaining))
            remaining = self._remaining()
            if remaining is not None and remaining <= 0:
                raise self._still_running(details.status)

    def _still_running(self, status: ExecutionStatus) -> WatchExit:
        return WatchExit(
            EXIT_TIMEOUT,
            f"--timeout {self.options.timeout:g}s passed: execution {short_id(self.options.execution_id)} "
            f"is still {one_line(status.value, 20)}",
        )

    # ------------------------------------------------------------------ finding the workflow
    async def _find(self) -> tuple[str, ExecutionDetails, str | None]:
        execution_id = self.options.execution_id
        given = self.options.workflow_id
        if given is not None:
            try:
                details = await self._call(lambda: self.client.get_execution(given, execution_id))
            except NotFound:
                raise WatchExit(
                    EXIT_USAGE, f"execution {execution_id} not found under workflow {given}"
                ) from None
            return given, details, None
        try:
            workflows = await self._call(lambda: self.client.all_workflows(page_size=100))
        except PermissionDenied:
            raise WatchExit(
                EXIT_USAGE,
                "finding the execution's workflow needs the workflow list (role admin or workflows), "
                "which this user may not read; give the workflow with --workflow ID",
            ) from None
        for start in range(0, len(workflows), PROBE_CONCURRENCY):
            batch = workflows[start : start + PROBE_CONCURRENCY]
            # Each probe retried by itself: one failing did not cost the batch's others.
            found = await asyncio.gather(*(self._call(lambda w=w: self._probe(w.id)) for w in batch))
            for workflow, details in zip(batch, found, strict=True):
                if details is not None:
                    return workflow.id, details, workflow.name
        raise WatchExit(
            EXIT_USAGE,
            f"execution {execution_id} not found under any of the {len(workflows)} workflows of this user "
            "(a deleted workflow's runs cannot be found; give --workflow ID if you know it)",
        )

    async def _probe(self, workflow_id: str) -> ExecutionDetails | None:
        try:
            return await self.client.get_execution(workflow_id, self.options.execution_id)
        except NotFound:
            return None  # not this workflow's (FSX2436)

    # ------------------------------------------------------------------ polling
    async def _poll(self, workflow_id: str) -> tuple[ExecutionDetails, list[TaskExecution], list[Approval] | None]:
        execution_id = self.options.execution_id
        # Tasks first, so that a task never seems to start before its execution does. When the
        # execution's status has changed (it started, paused or ended), read them again: rows
        # read after that status are at least as new, and final once the run has ended.
        # Each request retried by itself: on a flaky server, retrying all of them whenever
        # one failed printed nothing for minutes (with half the requests failing, a whole
        # cycle of four got through one time in sixteen).
        tasks = await self._call(lambda: self.client.all_tasks(workflow_id, execution_id))
        try:
            details = await self._call(lambda: self.client.get_execution(workflow_id, execution_id))
        except NotFound:
            raise WatchExit(
                EXIT_USAGE,
                f"execution {execution_id} is no longer found under workflow {workflow_id} "
                "(was the workflow deleted?)",
            ) from None
        if details.status != self._execution:
            tasks = await self._call(lambda: self.client.all_tasks(workflow_id, execution_id))
        approvals: list[Approval] | None = None
        if details.status is ExecutionStatus.PAUSED and self._approvals_readable:
            try:
                approvals = await self._call(
                    lambda: read_all_pages(
                        lambda page, size: self.client.list_approvals(workflow_id, execution_id, page, size), 100
                    )
                )
            except PermissionDenied:
                self._approvals_readable = False
                self.printer.note(
                    "the pending approval cannot be shown: listing approvals needs the role admin or approvals"
                )
        return details, tasks, approvals

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """``make()``, retried with backoff while the failure is transient and time is left."""
        delay = FIRST_BACKOFF
        while True:
            remaining = self._remaining()
            try:
                if remaining is None:
                    result = await make()
                elif remaining <= 0:
                    raise TimeoutError
                else:
                    result = await asyncio.wait_for(make(), remaining)
            except TimeoutError:
                raise self._gave_up() from None
            except FlowSynxError as error:
                if not error.is_transient:
                    raise
                reason = describe(error, self.client.base_url)
                # A server that answered with an error is not unreachable.
                trouble = "server unreachable" if isinstance(error, (ConnectionFailed, RequestTimedOut)) else "server error"
                self._last_reason, self._last_trouble = reason, trouble
                now = self.monotonic()
                self._said = {said: at for said, at in self._said.items() if now - at < QUIET_AFTER}
                if reason not in self._said:
                    self.printer.note(f"{trouble}: {reason.rstrip('.')}, retrying")
                    self._down_said = True
                self._said[reason] = now
                pause = self._random.uniform(delay / 2, delay)
                remaining = self._remaining()
                await self.sleep(pause if remaining is None else max(0.0, min(pause, remaining)))
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            self._last_reason = None
            if self._down_said:
                self._down_said = False
                self.printer.note("server answering again")
            return result

    def _gave_up(self) -> WatchExit:
        if self._last_reason is None and self._execution is not None:
            # The server answers; the deadline merely fell during a request.
            return self._still_running(self._execution)
        reason = self._last_reason or f"no answer from {self.client.base_url} before the deadline"
        trouble = self._last_trouble if self._last_reason else "server unreachable"
        return WatchExit(EXIT_TIMEOUT, f"{trouble} until --timeout {self.options.timeout:g}s passed: {reason}")

    def _remaining(self) -> float | None:
        return None if self._deadline is None else self._deadline - self.monotonic()

    # ------------------------------------------------------------------ reporting
    def _report(
        self,
        details: ExecutionDetails,
        tasks: Sequence[TaskExecution],
        approvals: list[Approval] | None,
        *,
        first: bool,
    ) -> None:
        """The lines for one poll, in the order things happened: a start first, approvals
        decided, tasks by time of change, then a pause or the end, then new approvals."""
        status = details.status
        ended = exit_code_for(status) is not None
        # A pause or an end comes after the task changes that led to it; a start before them.
        late = ended or status is ExecutionStatus.PAUSED
        execution_changed = status != self._execution
        self._execution = status

        if first:
            self._execution_line(details, first=True)
            changed = list(tasks)
        else:
            if execution_changed and not late:
                self._execution_line(details, first=False)
            changed = [t for t in tasks if t.id not in self._tasks or self._tasks[t.id].status != t.status]
            changed = _in_order_of_change(changed, tasks)
        if approvals is not None or status is not ExecutionStatus.PAUSED:
            # Out of Paused, every approval shown is decided; while Paused the list says.
            self._approvals_decided({approval.id for approval in approvals or ()})
        for task in changed:
            seen = self._tasks.setdefault(task.id, _TaskSeen(task.status))
            seen.status = task.status
            stale = ended and task.status in _LIVE_TASK
            seen.stale_reported = stale
            self._task_line(task, stale=stale)
        if ended:
            # Q7: a row left Running by a run that has ended; say so once.
            for task in tasks:
                seen = self._tasks.get(task.id)
                if task.status in _LIVE_TASK and seen is not None and not seen.stale_reported:
                    seen.stale_reported = True
                    self._task_line(task, stale=True)
        if execution_changed and late and not first:
            self._execution_line(details, first=False)
        if approvals is not None:
            self._approvals_pending(approvals)

    def _execution_line(self, details: ExecutionDetails, *, first: bool) -> None:
        text = f"execution: {self.printer.status(details.status)}"
        extra: list[str] = []
        if exit_code_for(details.status) is not None and details.execution_start is not None:
            # effective_end ignores the executionEnd stamped on a pause (Q4).
            end = details.effective_end
            if end is not None:
                extra.append(format_duration(end - details.execution_start))
        if first:
            extra.append(f"id {details.execution_id}, workflow {details.workflow_id}")
        if extra:
            text += f" ({'; '.join(extra)})"
        self.printer.line(self._prefix, text)

    def _task_line(self, task: TaskExecution, *, stale: bool) -> None:
        text = f"task {one_line(task.name, TASK_NAME_LIMIT)} [{short_id(task.id)}]: {self.printer.status(task.status)}"
        if stale:
            text += " (stale: the execution has ended)"
        elif task.status.is_finished and task.start_time is not None and task.end_time is not None:
            text += f" ({format_duration(task.end_time - task.start_time)})"
        self.printer.line(self._prefix, text)

    def _approvals_pending(self, approvals: list[Approval]) -> None:
        for approval in approvals:
            if approval.id in self._approvals:
                continue  # each approval is shown once, however long the run waits
            self._approvals[approval.id] = approval
            self._approvals_open.add(approval.id)
            text = f"approval pending: task {one_line(approval.task_name, TASK_NAME_LIMIT)} [{short_id(approval.id)}]"
            if approval.comments:
                text += f": {one_line(approval.comments, COMMENT_LIMIT)}"
            self.printer.line(self._prefix, text)
        if not self._approvals and not self._paused_noted:
            self._paused_noted = True
            self.printer.line(
                self._prefix,
                "paused, and no pending approval is visible to this user "
                "(already decided and resuming, or the run belongs to another user)",
            )

    def _approvals_decided(self, still_pending: set[str]) -> None:
        for approval_id in sorted(self._approvals_open - still_pending):
            # Approved: v1.3.0 keeps reporting Paused while the rest runs (Q5).
            self._approvals_open.discard(approval_id)
            task_name = one_line(self._approvals[approval_id].task_name, TASK_NAME_LIMIT)
            text = f"approval for task {task_name} [{short_id(approval_id)}] is no longer pending"
            self.printer.line(self._prefix, text)


def _in_order_of_change(changed: list[TaskExecution], tasks: Sequence[TaskExecution]) -> list[TaskExecution]:
    """Tasks changed since the last poll, in the order the changes happened on the server
    (end time for a finished task, start time for one that started), else in list order."""
    position = {task.id: index for index, task in enumerate(tasks)}
    far = datetime.max.replace(tzinfo=UTC)

    def key(task: TaskExecution) -> tuple[datetime, int]:
        moment = task.end_time if task.status.is_finished else task.start_time
        if task.status is TaskStatus.PENDING:
            moment = None
        return (moment or far, position[task.id])

    return sorted(changed, key=key)


# --------------------------------------------------------------------------- main


def run_watch(
    settings: Settings,
    options: WatchOptions,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The ``watch`` subcommand after its arguments were parsed: returns the exit code."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    for stream in (out, err):
        # Stand-ins such as ␛ must not crash a stream whose encoding cannot show them.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    printer = Printer.for_streams(out, err)
    execution_id = as_guid(options.execution_id)
    if execution_id is None:
        shown = one_line(options.execution_id, 60)
        printer.error(f"EXECUTION_ID must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not '{shown}'")
        return EXIT_USAGE
    workflow_id = None
    if options.workflow_id is not None:
        workflow_id = as_guid(options.workflow_id)
        if workflow_id is None:
            printer.error(f"--workflow must be a GUID, not '{one_line(options.workflow_id, 60)}'")
            return EXIT_USAGE
    options = WatchOptions(execution_id, workflow_id, options.interval, options.timeout)
    try:
        return asyncio.run(_watch(settings, options, printer))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except StdoutClosed:
        _silence_stdout(out)
        return EXIT_BROKEN_PIPE


async def _watch(settings: Settings, options: WatchOptions, printer: Printer) -> int:
    # Retries are done here, not in the client, so they are bounded by --timeout and
    # reported once per outage.
    client = FlowSynxClient(
        settings.url, credentials=settings.credentials, verify=settings.verify, system_ca=settings.system_ca, retries=0
    )
    try:
        return await Watch(client, options, printer).run()
    except WatchExit as leaving:
        if leaving.message:
            printer.error(leaving.message)
        return leaving.code
    except FlowSynxError as error:
        # 401, 403, 400 and the like: nothing to wait for; the message names the route and,
        # for 403, the roles it accepts.
        printer.error(with_short_ids(str(error), 300))
        return EXIT_USAGE
    finally:
        await client.aclose()


def _silence_stdout(out: TextIO) -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    if out is not sys.stdout:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
