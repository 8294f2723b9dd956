"""The polling layer: owns the timer and the workers, posts one typed message per job.

Screens subscribe to the jobs for what they show and unsubscribe when they go away, so
only what is on screen is polled. Each job has at most one request in flight: a tick
that finds it still running skips it, so a slow server never piles up requests. A
failing job backs off (exponentially, with jitter) while the last good data stays on
screen; the connection state goes to the listeners (the app and every screen's header).

A job's payload may carry ``failures``: some of its requests failed, the rest
succeeded. That is posted like any success (the good part is shown), the connection
says what failed, and the job comes back at its normal pace: one failing request costs
only its own part of a cycle. The connection indicator covers every job: it says "ok"
only when none of them is failing.

While the server's hub pushes status changes (``live``, see ``services.live``), a job polls
``live_slowdown`` times less often: the hub says when to look (``refresh``), the slow pace
catches what it never says (log lines, approvals, rejects, workflow edits). A job that
``follows`` an execution gets its events first through ``apply``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

from flowsynx_tui.api import AuthenticationRequired, FlowSynxError, NotFound, PermissionDenied
from flowsynx_tui.messages import ConnectionChanged, PollFailed
from flowsynx_tui.services.clock import Clock
from flowsynx_tui.services.status import ConnectionState, ServerStatus

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
TICK = 0.1
#: How much slower jobs whose news the hub brings poll while it is connected: what it never
#: sends (a reject, a workflow edit) is then seen within a minute at the default pace.
LIVE_SLOWDOWN = 30.0

T = TypeVar("T")


class Host(Protocol):
    """What the poller needs from the app: a timer and workers that end with it."""

    def set_interval(self, interval: float, callback: Callable[[], object], *, name: str | None = ...) -> Any: ...

    def run_worker(self, work: Any, *, group: str = ..., exit_on_error: bool = ...) -> Any: ...


@dataclass(eq=False)
class PollJob(Generic[T]):
    """``fetch`` reads; ``message`` wraps what it read for each subscriber; ``done`` stops it."""

    key: str
    fetch: Callable[[], Awaitable[T]]
    message: Callable[[T], Message]
    interval: float | None = None
    done: Callable[[], bool] = lambda: False
    #: True when the job knows more data is already waiting: poll again without the pause.
    behind: Callable[[], bool] = lambda: False
    targets: list[MessagePump] = field(default_factory=list)
    in_flight: bool = False
    #: Failures in a row, and the wait chosen after the last one (backoff with jitter).
    failures: int = 0
    backoff: float = 0.0
    #: Runs in a row where a part failed (the rest was read): the part is tried again
    #: soon, also while the hub slows the job down, with the same backoff.
    partial_failures: int = 0
    #: What went wrong in the last run (all of it, or a part), and when; None after a clean run.
    error: FlowSynxError | None = None
    failed_at: float = 0.0
    #: When a run last got through whole: the age of what it shows (None: never yet).
    last_ok: float | None = None
    next_due: float = 0.0
    runs: int = 0
    #: How many times slower it polls while the hub is connected (1: the hub says nothing
    #: of what this job reads, as of log lines).
    live_slowdown: float | Callable[[], float] = 1.0
    #: The execution whose hub events concern this job, and how one changes its payload
    #: at once (None: nothing to show before the next read).
    follows: str | None = None
    apply: Callable[[Any], T | None] | None = None
    #: Asked to poll again while a request was in flight: poll again when it ends.
    again: bool = False
    #: Reads one thing (an execution, its logs, a task): a 404 says that thing is gone,
    #: which its screen says; the server answered, so the header stays "connected".
    one_thing: bool = False


@dataclass(frozen=True)
class NothingAnswered:
    """What a run returns that ended well though nothing it asked got through (an optional
    route the server failed): no error to show, and no sign that the server answers."""


class Poller:
    def __init__(self, host: Host, interval: float, clock: Clock, status: ServerStatus) -> None:
        self.host = host
        self.interval = interval
        self.clock = clock
        self.status = status
        self.jobs: dict[str, PollJob[Any]] = {}
        self.listeners: list[MessagePump] = []
        self._last_answer: float | None = None
        self._timer: Any = None
        # Jobs removed while their request was still in flight, by key: a job added again
        # with the same key (a screen left and reopened) waits for that answer first.
        self._leaving: dict[str, PollJob[Any]] = {}
        self._random = random.Random()
        self.live = False

    def set_live(self, live: bool) -> None:
        """The hub connected (poll slower) or went away (back to the normal pace at once)."""
        if live == self.live:
            return
        self.live = live
        if not live:
            now = self.clock.monotonic()
            for job in self.jobs.values():
                job.next_due = min(job.next_due, now + (job.interval or self.interval))

    @property
    def connection(self) -> ConnectionState:
        return self.status.connection

    def start(self) -> None:
        self._timer = self.host.set_interval(TICK, self.tick, name="poller")

    def stop(self) -> None:
        """Poll no more (the app switched to another server): answers still on their way
        reach nobody."""
        if self._timer is not None:
            self._timer.stop()
        self.jobs.clear()
        self.listeners.clear()

    # ------------------------------------------------------------ subscriptions
    def subscribe(self, job: PollJob[Any], target: MessagePump) -> PollJob[Any]:
        """Poll ``job`` for ``target``; a job with the same key is shared."""
        existing = self.jobs.get(job.key)
        if existing is None:
            existing = self.jobs[job.key] = job
        if target not in existing.targets:
            existing.targets.append(target)
        if existing.runs == 0 and not existing.in_flight and not self._leaving_in_flight(existing.key):
            self._launch(existing)
        return existing

    def unsubscribe(self, key: str, target: MessagePump) -> None:
        job = self.jobs.get(key)
        if job is None:
            return
        if target in job.targets:
            job.targets.remove(target)
        if not job.targets:
            del self.jobs[key]
            if job.in_flight:
                self._leaving[key] = job
            if job.error is not None:
                self._update_connection()  # what it failed at is no longer shown

    def listen(self, target: MessagePump) -> None:
        """Send ``target`` every ``ConnectionChanged``."""
        if target not in self.listeners:
            self.listeners.append(target)

    def unlisten(self, target: MessagePump) -> None:
        if target in self.listeners:
            self.listeners.remove(target)

    def publish(self, key: str, payload: Any) -> None:
        """Post an intermediate result of a job that is still running."""
        job = self.jobs.get(key)
        if job is not None:
            self._post(job, payload)
            if self.connection.state == "connecting":
                # The first rows are an answer: the header must not say "connecting…" beside them.
                self._last_answer = self.clock.monotonic()
                self._update_connection()

    # ------------------------------------------------------------------- timing
    def _leaving_in_flight(self, key: str) -> bool:
        leaving = self._leaving.get(key)
        return leaving is not None and leaving.in_flight

    def refresh(self, key: str | None = None) -> None:
        """Poll now (the `r` key, or after an action changed server state)."""
        for job in list(self.jobs.values()):
            if key is None or job.key == key:
                job.next_due = 0.0
                # What is in flight may have been read before the change that asks for this.
                job.again = job.in_flight
        self.tick()

    def retry_all(self) -> None:
        """Poll everything now, forgetting past failures (new credentials: what failed
        with the old ones says nothing about the new)."""
        for job in self.jobs.values():
            job.error, job.failures = None, 0
        self.refresh()

    def tick(self) -> None:
        now = self.clock.monotonic()
        for job in list(self.jobs.values()):
            if job.in_flight or now < job.next_due or (job.runs and job.done()):
                continue
            if not self._leaving_in_flight(job.key):
                self._launch(job)

    def _launch(self, job: PollJob[Any]) -> None:
        job.in_flight = True
        self.host.run_worker(partial(self._run, job), group=f"poll:{job.key}", exit_on_error=False)

    async def _run(self, job: PollJob[Any]) -> None:
        started = time.perf_counter()
        try:
            payload = await job.fetch()
        except FlowSynxError as error:
            log.warning("poll %s failed: %s", job.key, error)
            self._failed(job, error)
        except Exception as error:  # a bug in one job must not stop the others
            log.exception("poll %s: internal error", job.key)
            self._failed(job, FlowSynxError(f"internal error: {type(error).__name__}: {error}", route=job.key))
        else:
            log.debug("poll %s done in %.0f ms", job.key, (time.perf_counter() - started) * 1000)
            self._succeeded(job, payload)
        finally:
            job.in_flight = False
            job.runs += 1
            if job.again:
                job.again = False
                if not job.failures:  # a failing job keeps its backoff
                    job.next_due = 0.0
            if self._leaving.get(job.key) is job:
                del self._leaving[job.key]

    def _post(self, job: PollJob[Any], payload: Any) -> None:
        for target in list(job.targets):
            target.post_message(job.message(payload))

    def _succeeded(self, job: PollJob[Any], payload: Any) -> None:
        now = self.clock.monotonic()
        job.failures = 0
        job.backoff = 0.0
        slowdown = job.live_slowdown() if callable(job.live_slowdown) else job.live_slowdown
        pace = (job.interval or self.interval) * (slowdown if self.live else 1.0)
        # Part of the run may have failed: the rest is fresh, and the header says what
        # failed until a clean run. That part is read again at the polling pace (backing
        # off), not the hub's slow one: one dropped request left a list a minute old and
        # the header saying so for that minute.
        failures: tuple[FlowSynxError, ...] = getattr(payload, "failures", ())
        if failures:
            job.partial_failures += 1
            pace = min(pace, self._backoff(job, job.partial_failures))
            log.warning("poll %s: %d request(s) failed, the rest read: %s", job.key, len(failures), failures[0])
        else:
            job.partial_failures = 0
        job.next_due = now + (0.0 if job.behind() else pace)
        job.error = failures[0] if failures else None
        job.failed_at = now if failures else job.failed_at
        # A run with nothing read is no answer: a /metrics read failing like everything else
        # had the header say "connected · a read failed" of a server failing every read.
        answered = not isinstance(payload, NothingAnswered)
        if not failures and answered:
            job.last_ok = now
        if answered:
            self._last_answer = now
        self._post(job, payload)
        self._update_connection()

    def _failed(self, job: PollJob[Any], error: FlowSynxError) -> None:
        now = self.clock.monotonic()
        job.failures += 1
        job.backoff = self._backoff(job, job.failures)
        job.next_due = now + job.backoff
        job.error, job.failed_at = error, now
        for target in list(job.targets):
            target.post_message(PollFailed(job.key, error))
        self._update_connection()

    def _backoff(self, job: PollJob[Any], failures: int) -> float:
        """The wait after ``failures`` failures in a row: doubling from the job's pace
        without the hub, up to ``MAX_BACKOFF``, with jitter."""
        delay = min(MAX_BACKOFF, (job.interval or self.interval) * (2 ** min(failures - 1, 6)))
        return self._random.uniform(delay * 0.8, delay * 1.2)

    def _update_connection(self) -> None:
        """One indicator for every job: the latest failure while any job is failing, else ok."""
        # A missing role is not a connection problem: the screen that needs it says so.
        failing = [job for job in self.jobs.values() if job.error is not None and not _explained_by_its_screen(job)]
        if failing:
            latest = max(failing, key=lambda job: job.failed_at)
            error = latest.error
            assert error is not None
            # Every failing job read the rest of what it reads: the server answers, and
            # the header says "connected" with what failed, not "reconnecting".
            # Also one job failing whole (a run's first read) while other jobs' answers come
            # in after its failure: the server answers.
            answering = self._last_answer is not None
            partial = not isinstance(error, AuthenticationRequired) and all(
                job.failures == 0 or (answering and self._last_answer > job.failed_at)  # type: ignore[operator]
                for job in failing
            )
            connection = ConnectionState(
                state="partial" if partial else "retrying" if error.is_transient else "error",
                reason=error.message,
                route=error.route,
                retry_at=latest.next_due,
                # The age of what that job shows, not of the last answer to any job: one
                # run's screen failing under a header saying "data 0s old" looked fresh.
                last_ok=latest.last_ok,
                auth_failed=isinstance(error, AuthenticationRequired),
            )
        else:
            connection = ConnectionState(state="ok", last_ok=self._last_answer)
        current = self.connection
        if (connection.state, connection.reason, connection.route, connection.retry_at, connection.auth_failed) == (
            current.state,
            current.reason,
            current.route,
            current.retry_at,
            current.auth_failed,
        ):
            current.last_ok = connection.last_ok
            return
        self._set_connection(connection)

    def _set_connection(self, connection: ConnectionState) -> None:
        self.status.connection = connection
        for listener in list(self.listeners):
            listener.post_message(ConnectionChanged(connection))


def _explained_by_its_screen(job: PollJob[Any]) -> bool:
    """A missing role, or one thing gone: not a connection problem (the screen says it)."""
    return isinstance(job.error, PermissionDenied) or (job.one_thing and isinstance(job.error, NotFound))
