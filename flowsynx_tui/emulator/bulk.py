"""Large histories written straight into an emulator's store, for benchmarks and load tests.

Running thousands of executions through the engine takes minutes even at a small
``time_scale``; these helpers write what such a history leaves behind (finished
executions with their task rows, paused executions with a pending approval, log
lines) in a second or two. Everything is derived from a fixed-seed generator, so two
calls with the same arguments on fresh emulators give the same ids and timestamps
(workflow ids come from ``stable_id``).

    emu = Emulator(seed=False)
    population = populate(emu, workflows=50, finished=10_000, paused=5)
    add_log_lines(emu, population.finished_ids[-1], 1_000_000)

Records share one definition object per workflow (the engine deep-copies it per
execution); nothing here mutates it, and the routes only read it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from . import logtext
from .clock import seconds_to_ticks
from .core import Emulator
from .ids import random_guid, stable_id
from .store import (
    COMPLETED,
    FAILED,
    PAUSED,
    PENDING,
    ApprovalRecord,
    ExecutionRecord,
    LogRecord,
    TaskRecord,
    WorkflowRecord,
)

#: Task names of every bulk workflow; the middle one is gated by a manual approval.
TASKS = ("Extract", "Review", "Publish")
GATE = "Review"
PLUGIN = "FlowSynx.Data.Csv:1.2.0"


@dataclass
class Population:
    """Ids of what ``populate`` wrote, each list oldest first."""

    workflow_ids: list[str] = field(default_factory=list)
    finished_ids: list[str] = field(default_factory=list)
    paused_ids: list[str] = field(default_factory=list)
    workflow_of: dict[str, str] = field(default_factory=dict)
    """Execution id to workflow id, for every execution written."""

    @property
    def execution_ids(self) -> list[str]:
        """All executions in store order (oldest first)."""
        return list(self.workflow_of)


def bulk_definition(name: str) -> dict[str, Any]:
    """Extract -> Review (manual approval) -> Publish, with no simulation hints."""

    def task(task_name: str, after: str | None, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Name": task_name,
            "Type": PLUGIN,
            "Execution": {"Operation": "read", "Parameters": {"Path": f"in/{name}/{task_name.lower()}.csv"}},
            **extra,
        }
        if after:
            body["FlowControl"] = {"Dependencies": [after]}
        return body

    return {
        "Name": name,
        "Description": f"Bulk workflow {name}",
        "Configuration": {"DegreeOfParallelism": 1},
        "Tasks": [
            task(TASKS[0], None),
            task(TASKS[1], TASKS[0], ManualApproval={"Enabled": True, "Comment": "Check the extract"}),
            task(TASKS[2], TASKS[1]),
        ],
    }


def populate(
    emu: Emulator,
    workflows: int = 50,
    finished: int = 10_000,
    paused: int = 5,
    *,
    failed_every: int = 17,
    seed: int = 1,
    spacing_seconds: float = 60.0,
    user_id: str | None = None,
) -> Population:
    """Add ``workflows`` workflows and ``finished + paused`` executions of them to ``emu``.

    Executions are spread over the workflows at random (uniformly, fixed seed) and
    laid out oldest first, ``spacing_seconds`` apart, ending just before the
    emulator's current time. Every ``failed_every``-th finished one failed in its
    last task, the rest completed. Paused executions are spread evenly through the
    history (so they sit on different pages of the execution list) and each waits
    on a pending approval of task ``Review``, as the engine leaves them (``Extract``
    completed, ``executionEnd`` stamped at the pause: quirk Q4).
    """
    if workflows < 1 and finished + paused > 0:
        raise ValueError("executions need at least one workflow")
    rng = random.Random(seed)
    owner = user_id or emu.admin.id
    store = emu.store
    now = emu.clock.now()
    population = Population()
    records: list[WorkflowRecord] = []
    for index in range(workflows):
        name = f"bulk-{index:03d}"
        record = WorkflowRecord(
            id=stable_id("bulk-workflow", str(seed), name),
            user_id=owner,
            name=name,
            definition=bulk_definition(name),
            schema_url=None,
            modified=now - seconds_to_ticks(86_400 + index),
        )
        store.add_workflow(record)
        records.append(record)
        population.workflow_ids.append(record.id)

    total = finished + paused
    paused_positions = {(2 * k + 1) * total // (2 * paused) for k in range(paused)} if paused else set()
    step = seconds_to_ticks(spacing_seconds)
    duration = seconds_to_ticks(min(spacing_seconds / 2, 20.0))
    finished_seen = 0
    for position in range(total):
        workflow = records[rng.randrange(len(records))]
        start = now - (total - position) * step
        execution_id = random_guid(rng)
        is_paused = position in paused_positions
        if is_paused:
            pause_at = start + duration // 3
            execution = ExecutionRecord(
                id=execution_id,
                workflow_id=workflow.id,
                user_id=owner,
                definition=workflow.definition,
                status=PAUSED,
                start=start,
                end=pause_at,
                paused_at_task=GATE,
            )
            statuses = (COMPLETED, PENDING, PENDING)
            population.paused_ids.append(execution_id)
        else:
            finished_seen += 1
            failed = failed_every > 0 and finished_seen % failed_every == 0
            execution = ExecutionRecord(
                id=execution_id,
                workflow_id=workflow.id,
                user_id=owner,
                definition=workflow.definition,
                status=FAILED if failed else COMPLETED,
                start=start,
                end=start + duration,
            )
            statuses = (COMPLETED, COMPLETED, FAILED if failed else COMPLETED)
            population.finished_ids.append(execution_id)
        tasks = []
        slot = duration // len(TASKS)
        for number, (name, status) in enumerate(zip(TASKS, statuses, strict=True)):
            task_start = start + number * slot if status != PENDING else None
            tasks.append(
                TaskRecord(
                    id=random_guid(rng),
                    name=name,
                    workflow_id=workflow.id,
                    execution_id=execution_id,
                    status=status,
                    message="Simulated failure" if status == FAILED else None,
                    start=task_start,
                    end=task_start + slot if task_start is not None else None,
                )
            )
        store.add_execution(execution, tasks)
        if is_paused:
            store.add_approval(
                ApprovalRecord(
                    id=random_guid(rng),
                    workflow_id=workflow.id,
                    execution_id=execution_id,
                    task_name=GATE,
                    requested_by=owner,
                    requested_at=execution.end or start,
                    comments="Check the extract",
                )
            )
        population.workflow_of[execution_id] = workflow.id
    return population


def add_log_lines(emu: Emulator, execution_id: str, count: int, *, seed: int = 2, batch: int = 100_000) -> int:
    """Append ``count`` plugin-chatter lines (about 5 % with an exception) to an execution.

    They belong to its first task and are spread evenly over the execution's run
    time (or one second from its start when it has no end). With the ``real``
    fidelity profile they are stored under user ``System``, as the background
    worker's lines are (quirk Q3). Returns ``count``. A million lines take ~10 s.
    """
    rng = random.Random(seed)
    store = emu.store
    execution = store.execution(None, execution_id)
    if execution is None:
        raise KeyError(f"no execution {execution_id}")
    tasks = store.tasks(execution_id)
    task = tasks[0] if tasks else None
    task_name = task.name if task else "Task"
    task_id = task.id if task else None
    owner = emu.profile.engine_log_owner(execution.user_id)
    workflow_id = execution.workflow_id
    start = execution.start
    span = max((execution.end or start + seconds_to_ticks(1.0)) - start, 1)
    total = max(count, 1)
    written = 0
    while written < count:
        size = min(batch, count - written)
        lines = logtext.plugin_chatter_bulk(rng, written, size, task_name, PLUGIN)
        ids = _guids(rng, size)
        numbered = zip(range(written, written + size), ids, lines, strict=True)
        records = [
            LogRecord(guid, owner, workflow_id, execution_id, task_id, level, message, start + span * at // total, error)
            for at, guid, (level, message, error) in numbered
        ]
        store.add_logs(execution_id, records)
        written += size
    return count


_VARIANT = {digit: "89ab"[int(digit, 16) & 0x3] for digit in "0123456789abcdef"}


def _guids(rng: random.Random, count: int) -> list[str]:
    """``count`` version-4 GUIDs from ``rng``: one hex string for all of them, then cut."""
    text = rng.randbytes(16 * count).hex()
    variant = _VARIANT
    return [
        f"{text[at : at + 8]}-{text[at + 8 : at + 12]}-4{text[at + 13 : at + 16]}-"
        f"{variant[text[at + 16]]}{text[at + 17 : at + 20]}-{text[at + 20 : at + 32]}"
        for at in range(0, 32 * count, 32)
    ]
