"""The polling layer: owns the timer and the workers, posts results to widgets.

Screens register :class:`PollJob` objects for what they show and unregister them when
they go away, so only what is on screen is polled. Each job has at most one request
in flight: a tick that finds it still running skips it, so a slow server never
piles up requests. A failing job backs off (exponentially, with jitter) while the
last good data stays on screen; the connection state is reported to the app.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump

from flowsynx_tui.api import AuthenticationRequired, FlowSynxError

MAX_BACKOFF = 30.0
TICK = 0.1


class PollUpdate(Message):
    """A job produced fresh data."""

    def __init__(self, key: str, payload: Any) -> None:
        super().__init__()
        self.key = key
        self.payload = payload


class PollFailed(Message):
    """A job failed; the previous data is still valid, only older."""

    def __init__(self, key: str, error: FlowSynxError) -> None:
        super().__init__()
        self.key = key
        self.error = error


@dataclass
class ConnectionState:
    """What the header's connection indicator shows."""

    state: str = "connecting"  # connecting | ok | retrying | error
    reason: str = ""
    retry_at: float | None = None
    last_ok: float | None = None
    auth_failed: bool = False

    def retry_in(self, now: float) -> int | None:
        if self.retry_at is None:
            return None
        return max(0, round(self.retry_at - now))


class ConnectionChanged(Message):
    def __init__(self, connection: ConnectionState) -> None:
        super().__init__()
        self.connection = connection


@dataclass
class PollJob:
    """``fetch`` returns the payload posted to the targets; ``done`` stops the polling."""

    key: str
    fetch: Callable[[], Awaitable[Any]]
    interval: float | None = None
    done: Callable[[], bool] = lambda: False
    #: True when the job knows more data is already waiting: poll again without the pause.
    behind: Callable[[], bool] = lambda: False
    targets: list[MessagePump] = field(default_factory=list)
    in_flight: bool = False
    failures: int = 0
    next_due: float = 0.0
    runs: int = 0


class Poller:
    def __init__(self, app: App[Any], interval: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.interval = interval
        self.clock = clock
        self.jobs: dict[str, PollJob] = {}
        # Jobs removed while their request was still in flight, by key: a job added again
        # with the same key (a screen left and reopened) waits for that answer first.
        self._leaving: dict[str, PollJob] = {}
        self.connection = ConnectionState()
        self._random = random.Random()

    def start(self) -> None:
        self.app.set_interval(TICK, self.tick, name="poller")

    def add(self, job: PollJob, target: MessagePump) -> PollJob:
        """Poll ``job`` for ``target``; a job with the same key is shared."""
        existing = self.jobs.get(job.key)
        if existing is None:
            existing = self.jobs[job.key] = job
        if target not in existing.targets:
            existing.targets.append(target)
        if existing.runs == 0 and not existing.in_flight and not self._leaving_in_flight(existing.key):
            self._launch(existing)
        return existing

    def remove(self, key: str, target: MessagePump) -> None:
        job = self.jobs.get(key)
        if job is None:
            return
        if target in job.targets:
            job.targets.remove(target)
        if not job.targets:
            del self.jobs[key]
            if job.in_flight:
                self._leaving[key] = job

    def _leaving_in_flight(self, key: str) -> bool:
        leaving = self._leaving.get(key)
        return leaving is not None and leaving.in_flight

    def refresh(self, key: str | None = None) -> None:
        """Poll now (the `r` key, or after an action changed server state)."""
        for job in list(self.jobs.values()):
            if key is None or job.key == key:
                job.next_due = 0.0
        self.tick()

    def tick(self) -> None:
        now = self.clock()
        for job in list(self.jobs.values()):
            if job.in_flight or now < job.next_due or (job.runs and job.done()):
                continue
            if not self._leaving_in_flight(job.key):
                self._launch(job)

    def _launch(self, job: PollJob) -> None:
        job.in_flight = True
        self.app.run_worker(self._run(job), group=f"poll:{job.key}", exit_on_error=False)

    async def _run(self, job: PollJob) -> None:
        try:
            payload = await job.fetch()
        except FlowSynxError as error:
            self._failed(job, error)
        except Exception as error:  # noqa: BLE001 - a bug in one job must not stop the others
            self._failed(job, FlowSynxError(f"internal error: {type(error).__name__}: {error}", route=job.key))
        else:
            self._succeeded(job, payload)
        finally:
            job.in_flight = False
            job.runs += 1
            if self._leaving.get(job.key) is job:
                del self._leaving[job.key]

    def _succeeded(self, job: PollJob, payload: Any) -> None:
        job.failures = 0
        job.next_due = self.clock() + (0.0 if job.behind() else (job.interval or self.interval))
        for target in list(job.targets):
            target.post_message(PollUpdate(job.key, payload))
        if self.connection.state != "ok" or self.connection.retry_at is not None:
            self.connection = ConnectionState(state="ok", last_ok=self.clock())
            self.app.post_message(ConnectionChanged(self.connection))
        else:
            self.connection.last_ok = self.clock()

    def _failed(self, job: PollJob, error: FlowSynxError) -> None:
        job.failures += 1
        base = job.interval or self.interval
        delay = min(MAX_BACKOFF, base * (2 ** min(job.failures - 1, 6)))
        delay = self._random.uniform(delay * 0.8, delay * 1.2)
        now = self.clock()
        job.next_due = now + delay
        for target in list(job.targets):
            target.post_message(PollFailed(job.key, error))
        auth = isinstance(error, AuthenticationRequired)
        state = "retrying" if error.is_transient else "error"
        self.connection = ConnectionState(
            state=state,
            reason=str(error),
            retry_at=now + delay,
            last_ok=self.connection.last_ok,
            auth_failed=auth,
        )
        self.app.post_message(ConnectionChanged(self.connection))
