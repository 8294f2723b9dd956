"""The ``Emulator``: store, engine, auth and faults behind one ASGI app, plus thread-safe test helpers."""

from __future__ import annotations

import copy
import secrets
import time
from datetime import datetime
from typing import Any, Callable, Iterable

from .auth import DEMO_USERS, Authenticator, User
from .clock import Clock, format_utc
from .definition import parse_definition, split_envelope
from .engine import Engine
from .faults import Faults
from .hub import Hub
from .fidelity import ALL, FRIENDLY, Profile, check_execution_list
from .ids import IdSource
from .middleware import ASGIApp, FaultInjector, Recorder, RequestLog
from .routes import Api
from .seed import seed_store
from .store import ExecutionRecord, Store, WorkflowRecord


class Emulator:
    """A FlowSynx v1.3.0 server in memory. Serve ``app`` with ``EmulatorServer`` or any ASGI server.

    ``frozen=True`` stops time and the engine, so responses are byte-identical between runs with
    the same ``base_time``; new executions stay ``Pending`` and ids come from a fixed-seed source.

    ``fidelity`` is ``"friendly"`` (default) or ``"real"``, which reproduces the real server's
    unkind behaviours (see ``fidelity``). ``execution_list`` is ``"all"`` (default, quirk Q1:
    ``GET /workflows/{id}/executions`` lists every execution of the caller) or ``"by-workflow"``
    (that workflow's only, 404 for an unknown workflow, as the original API page describes).
    """

    def __init__(
        self,
        auth: str = "none",
        time_scale: float = 1.0,
        seed: bool = True,
        frozen: bool = False,
        base_time: datetime | None = None,
        legacy_log_levels: bool = False,
        workers: int = 1,
        faults: Faults | None = None,
        health_check: bool = False,
        jwt_secret: bytes | None = None,
        fidelity: str = FRIENDLY,
        execution_list: str = ALL,
    ) -> None:
        self.profile = Profile.named(fidelity)
        self.fidelity = fidelity
        self.execution_list = check_execution_list(execution_list)
        self.authenticator = Authenticator(auth, jwt_secret or secrets.token_bytes(32))
        self.auth = auth
        self.time_scale = time_scale
        self.legacy_log_levels = legacy_log_levels
        self.health_check = health_check
        #: What ``GET /version`` reports; tests may set any text (a hostile server's, say).
        self.version = "1.3.0"
        self.clock = Clock(base_time, frozen)
        self.store = Store()
        self.ids = IdSource("frozen" if frozen else None)
        self.engine = Engine(
            self.store, self.clock, self.ids, time_scale=time_scale, workers=workers, frozen=frozen, profile=self.profile
        )
        self.faults = faults if faults is not None else Faults()
        self.hub = Hub(self.authenticator, lambda: self.faults)
        self.engine.events = self.hub.publish
        self.requests = RequestLog()
        if seed:
            seed_store(self.store, self.admin.id, self.clock.base_ticks, self.profile)
        self.app: ASGIApp = Recorder(
            FaultInjector(Api(self), lambda: self.faults, self._now_utc),
            self.requests,
        )

    @property
    def frozen(self) -> bool:
        return self.engine.frozen

    @property
    def admin(self) -> User:
        """The user that owns the seed data in the current auth mode."""
        return self.authenticator.admin

    def _now_utc(self) -> str:
        return format_utc(self.clock.now(), self.profile.trim_timestamps)

    # -- auth ----------------------------------------------------------------------------------

    def issue_token(
        self,
        username: str = "admin",
        ttl_seconds: float = 3600,
        roles: Iterable[str] | None = None,
        user_id: str | None = None,
    ) -> str:
        """An HS256 JWT for bearer mode; also ends a simulated token expiry (see ``Faults``)."""
        demo = DEMO_USERS.get(username)
        if demo is None and (roles is None or user_id is None):
            raise ValueError(f"unknown demo user {username!r}; pass roles and user_id for other users")
        base = demo.user if demo else User(user_id or "", username, ())
        user = User(user_id or base.id, username, tuple(roles) if roles is not None else base.roles)
        self.faults.reset_token()
        return self.authenticator.issue_token(user, ttl_seconds)

    # -- test helpers (any thread) -------------------------------------------------------------

    def add_workflow(self, definition: dict[str, Any], user_id: str | None = None) -> str:
        """Store a workflow (bare definition or ``{"schema", "workflow"}`` envelope); returns its id.

        Raises ``DefinitionError`` (a ``ValueError``) for definitions the server would refuse.
        """
        schema_url, inner = split_envelope(definition)
        spec = parse_definition(inner)
        record = WorkflowRecord(
            id=self.ids.new(),
            user_id=user_id or self.admin.id,
            name=spec.name,
            definition=copy.deepcopy(inner),
            schema_url=schema_url,
            modified=self.clock.now(),
        )
        self.store.add_workflow(record)
        return record.id

    def delete_workflow(self, workflow_id: str) -> None:
        """Soft-delete a workflow, as ``DELETE /workflows/{id}`` does: it leaves the workflow list,
        its executions stay in the execution list (Q11)."""
        workflow = self._workflow_any_user(workflow_id)
        with self.store.lock:
            workflow.deleted = True
            workflow.modified = self.clock.now()

    def forget_execution(self, execution_id: str) -> None:
        """Lose a finished or paused run, as a server whose database was reset does: its
        routes answer 404 and its tasks route an empty list."""
        self.store.remove_execution(execution_id)

    def start_execution(self, workflow_id: str) -> str:
        """Queue a run of a workflow, as ``POST …/executions`` does; returns the execution id."""
        workflow = self._workflow_any_user(workflow_id)
        return self.engine.create_execution(workflow).id

    def execution_status(self, execution_id: str) -> str:
        return self._execution(execution_id).status

    def task_statuses(self, execution_id: str) -> dict[str, str]:
        with self.store.lock:
            return {task.name: task.status for task in self.store.tasks(execution_id)}

    def wait_for_status(self, execution_id: str, statuses: Iterable[str] | str, timeout: float = 10.0) -> str:
        """Block until the execution reaches one of ``statuses``; raises ``TimeoutError`` otherwise."""
        wanted = {statuses} if isinstance(statuses, str) else set(statuses)
        execution = self._execution(execution_id)
        what = f"execution {execution_id} to reach {sorted(wanted)}"
        self.wait_until(lambda: execution.status in wanted, timeout, what)
        return execution.status

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
        """Block until ``condition()`` (evaluated under the store lock) holds."""
        deadline = time.monotonic() + timeout
        with self.store.changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
                # Short slices also catch changes that notify nobody, such as new log lines.
                self.store.changed.wait(min(remaining, 0.05))

    def _workflow_any_user(self, workflow_id: str) -> WorkflowRecord:
        workflow = self.store.workflow(None, workflow_id)
        if workflow is None:
            raise KeyError(f"no workflow {workflow_id}")
        return workflow

    def _execution(self, execution_id: str) -> ExecutionRecord:
        execution = self.store.execution(None, execution_id)
        if execution is None:
            raise KeyError(f"no execution {execution_id}")
        return execution
