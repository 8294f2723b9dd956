"""Reading and validating workflow definitions (v1.3.0 format, plus v1.2.x task-level keys).

Keys are matched case-insensitively, as Newtonsoft.Json does on the real server. Simulation hints
for the emulator live in a task's ``Execution.Parameters["emulator"]`` (v1.2.x: ``Parameters``)::

    {"seconds": 3, "failAttempts": 2, "fail": true, "logLines": 5000, "logsPerSecond": 40,
     "failMessage": "Partner API returned 503"}

Without hints a task takes between 1 and 3 seconds, chosen from its name so runs are repeatable.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

RETRY = "Retry"
SKIP = "Skip"
ABORT = "Abort"
TRIGGER_TASK = "TriggerTask"
_STRATEGIES = {name.lower(): name for name in (RETRY, SKIP, ABORT, TRIGGER_TASK)}
_BACKOFFS = {"fixed", "linear", "exponential", "jitter"}


class DefinitionError(ValueError):
    """An invalid definition; ``code`` is the FlowSynx error code the server would report."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        return f"[FSX{self.code}] {self.args[0]}"


def get_ci(mapping: Any, key: str, default: Any = None) -> Any:
    """Case-insensitive key lookup; non-dicts yield ``default``."""
    if not isinstance(mapping, dict):
        return default
    if key in mapping:
        return mapping[key]
    lowered = key.lower()
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.lower() == lowered:
            return value
    return default


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff: str = "fixed"
    initial_delay_ms: int = 1000
    max_delay_ms: int = 10000
    coefficient: float = 2.0

    def delay_ms(self, retry_number: int, jitter: float = 1.0) -> int:
        """Delay before retry ``retry_number`` (1-based), capped at the policy maximum."""
        if self.backoff == "linear":
            delay = self.initial_delay_ms * retry_number
        elif self.backoff in ("exponential", "jitter"):
            delay = self.initial_delay_ms * self.coefficient ** (retry_number - 1)
            if self.backoff == "jitter":
                delay *= jitter
        else:
            delay = self.initial_delay_ms
        return int(min(delay, self.max_delay_ms))


@dataclass(frozen=True)
class ErrorPolicy:
    strategy: str = ABORT
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def attempts(self) -> int:
        return 1 + self.retry.max_retries if self.strategy == RETRY else 1


@dataclass(frozen=True)
class Hints:
    seconds: float
    fail_attempts: int = 0
    always_fail: bool = False
    log_lines: int = 0
    fail_message: str | None = None

    def attempt_fails(self, attempt: int) -> bool:
        return self.always_fail or attempt <= self.fail_attempts


@dataclass(frozen=True)
class TaskSpec:
    name: str
    plugin_type: str
    operation: str
    dependencies: tuple[str, ...]
    run_on_failure_of: tuple[str, ...]
    approval_enabled: bool
    approval_comment: str | None
    error_policy: ErrorPolicy
    timeout_ms: int | None
    hints: Hints


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    degree_of_parallelism: int
    tasks: tuple[TaskSpec, ...]

    def task(self, name: str) -> TaskSpec:
        return next(spec for spec in self.tasks if spec.name == name)


def split_envelope(body: Any) -> tuple[str | None, Any]:
    """Accept ``{"schema": url, "workflow": {...}}`` or a bare definition."""
    inner = get_ci(body, "workflow")
    if isinstance(inner, dict) and get_ci(body, "tasks") is None:
        schema = get_ci(body, "schema")
        return (schema if isinstance(schema, str) and schema else None), inner
    return None, body


def default_seconds(task_name: str) -> float:
    return 1.0 + (zlib.crc32(task_name.encode()) % 2001) / 1000.0


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return float(value)


def _retry_policy(raw: Any, inherited: RetryPolicy) -> RetryPolicy:
    if not isinstance(raw, dict):
        return inherited
    backoff = str(get_ci(raw, "BackoffStrategy", inherited.backoff)).lower()
    initial = get_ci(raw, "InitialDelayMilliseconds", get_ci(raw, "InitialDelay"))
    maximum = get_ci(raw, "MaxDelayMilliseconds", get_ci(raw, "MaxDelay"))
    return RetryPolicy(
        max_retries=int(_number(get_ci(raw, "MaxRetries"), inherited.max_retries)),
        backoff=backoff if backoff in _BACKOFFS else "fixed",
        initial_delay_ms=int(_number(initial, inherited.initial_delay_ms)),
        max_delay_ms=int(_number(maximum, inherited.max_delay_ms)),
        coefficient=_number(get_ci(raw, "BackoffCoefficient"), inherited.coefficient),
    )


def _error_policy(raw: Any, inherited: ErrorPolicy) -> ErrorPolicy:
    if not isinstance(raw, dict):
        return inherited
    strategy = _STRATEGIES.get(str(get_ci(raw, "Strategy", inherited.strategy)).lower(), ABORT)
    return ErrorPolicy(strategy, _retry_policy(get_ci(raw, "RetryPolicy"), inherited.retry))


def _hints(parameters: Any, task_name: str) -> Hints:
    raw = get_ci(parameters, "emulator")
    if not isinstance(raw, dict):
        return Hints(seconds=default_seconds(task_name))
    seconds = _number(get_ci(raw, "seconds"), default_seconds(task_name))
    lines = int(_number(get_ci(raw, "logLines"), 0))
    per_second = _number(get_ci(raw, "logsPerSecond"), 0)
    if lines <= 0 and per_second > 0:
        lines = int(per_second * seconds)
    message = get_ci(raw, "failMessage")
    return Hints(
        seconds=max(seconds, 0.0),
        fail_attempts=int(_number(get_ci(raw, "failAttempts"), 0)),
        always_fail=get_ci(raw, "fail") is True,
        log_lines=max(lines, 0),
        fail_message=message if isinstance(message, str) else None,
    )


def _plugin_type(raw_task: dict) -> str:
    value = get_ci(raw_task, "Type")
    if isinstance(value, dict):
        plugin = get_ci(value, "Plugin", "")
        version = get_ci(value, "Version", "")
        return f"{plugin}:{version}" if version else str(plugin)
    return value if isinstance(value, str) else ""


def _task(raw_task: Any, inherited: ErrorPolicy) -> TaskSpec:
    if not isinstance(raw_task, dict):
        raise DefinitionError(2402, "Each workflow task must be an object.")
    name = get_ci(raw_task, "Name")
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(1401, "Every workflow task must have a Name.")
    execution = get_ci(raw_task, "Execution")
    flow = get_ci(raw_task, "FlowControl")
    source = execution if isinstance(execution, dict) else raw_task
    parameters = get_ci(source, "Parameters", {})
    operation = get_ci(execution, "Operation") or get_ci(parameters, "Operation") or ""
    timeout = get_ci(source, "TimeoutMilliseconds", get_ci(raw_task, "Timeout"))
    approval = get_ci(raw_task, "ManualApproval")
    comment = get_ci(approval, "Comment", get_ci(approval, "Instructions"))
    flow_source = flow if isinstance(flow, dict) else raw_task
    return TaskSpec(
        name=name,
        plugin_type=_plugin_type(raw_task),
        operation=operation if isinstance(operation, str) else "",
        dependencies=_names(get_ci(flow_source, "Dependencies", get_ci(raw_task, "Dependencies"))),
        run_on_failure_of=_names(
            get_ci(flow_source, "RunOnFailureOf", get_ci(raw_task, "RunOnFailureOf"))
        ),
        approval_enabled=get_ci(approval, "Enabled") is True,
        approval_comment=comment if isinstance(comment, str) else None,
        error_policy=_error_policy(get_ci(raw_task, "ErrorHandling"), inherited),
        timeout_ms=int(timeout) if isinstance(timeout, (int, float)) and timeout > 0 else None,
        hints=_hints(parameters, name),
    )


def parse_definition(definition: Any) -> WorkflowSpec:
    """Validate like the server does: name, unique tasks, known dependencies, no cycles."""
    if not isinstance(definition, dict):
        raise DefinitionError(2402, "The workflow definition must be a JSON object.")
    name = get_ci(definition, "Name")
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(2403, "The workflow name must have a value.")
    configuration = get_ci(definition, "Configuration", {})
    workflow_policy = _error_policy(get_ci(configuration, "ErrorHandling"), ErrorPolicy())
    raw_tasks = get_ci(definition, "Tasks", [])
    if not isinstance(raw_tasks, list):
        raise DefinitionError(2402, "The workflow tasks must be a list.")
    tasks = tuple(_task(raw, workflow_policy) for raw in raw_tasks)
    _check_tasks(tasks)
    parallelism = int(_number(get_ci(configuration, "DegreeOfParallelism"), 3))
    return WorkflowSpec(name=name, degree_of_parallelism=max(parallelism, 1), tasks=tasks)


def _check_tasks(tasks: tuple[TaskSpec, ...]) -> None:
    names = [task.name for task in tasks]
    if len(set(names)) != len(names):
        raise DefinitionError(2404, "There is a duplicated task name in the workflow tasks.")
    known = set(names)
    missing = sorted(
        {dep for task in tasks for dep in task.dependencies + task.run_on_failure_of} - known
    )
    if missing:
        raise DefinitionError(
            2405,
            "Invalid workflow: missing dependencies. There are list of missing dependencies: "
            + ", ".join(missing),
        )
    for task in tasks:
        if task.error_policy.retry.max_retries < 0:
            raise DefinitionError(
                1401,
                f"Task '{task.name}' has negative MaxRetries: '{task.error_policy.retry.max_retries}'.",
            )
    cyclic = _cyclic_tasks(tasks)
    if cyclic:
        raise DefinitionError(
            2406,
            "The workflow has cyclic dependencies. Please resolve them and try again!. "
            f"There are Cyclic: {', '.join(cyclic)}",
        )


def _cyclic_tasks(tasks: tuple[TaskSpec, ...]) -> list[str]:
    """Names left over after repeatedly removing tasks whose dependencies are all removed."""
    remaining = {task.name: set(task.dependencies) for task in tasks}
    progress = True
    while remaining and progress:
        free = [name for name, deps in remaining.items() if not deps & remaining.keys()]
        progress = bool(free)
        for name in free:
            del remaining[name]
    return sorted(remaining)
