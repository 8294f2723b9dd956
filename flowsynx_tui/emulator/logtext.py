"""Log levels, engine message templates and simulated plugin chatter.

Engine templates follow section 4.9 of the API reference. The reference suspects that the real
logger renders string arguments inside double quotes (``Workflow task '"X"' started.``); that is
unverified, so the emulator writes the plain form ``Workflow task 'X' started.``. Lines marked
"emulator" below have no known server counterpart and exist so a run has a visible beginning.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TRACE = "Trace"
DEBUG = "Debug"
INFORMATION = "Information"
WARNING = "Warning"
ERROR = "Error"
CRITICAL = "Critical"

LEVELS = (TRACE, DEBUG, INFORMATION, WARNING, ERROR, CRITICAL)

# v1.2.4 and earlier serialised the level as an abbreviated enum; Trace had no own member.
_LEGACY_NAMES = {
    TRACE: "Dbug",
    DEBUG: "Dbug",
    INFORMATION: "Info",
    WARNING: "Warn",
    ERROR: "Fail",
    CRITICAL: "Crit",
}

_LEVEL_ALIASES = {
    "trace": TRACE,
    "trce": TRACE,
    "debug": DEBUG,
    "dbug": DEBUG,
    "information": INFORMATION,
    "info": INFORMATION,
    "warning": WARNING,
    "warn": WARNING,
    "error": ERROR,
    "fail": ERROR,
    "critical": CRITICAL,
    "crit": CRITICAL,
}


def level_name(level: str, legacy: bool) -> str:
    return _LEGACY_NAMES[level] if legacy else level


def normalise_level(text: str) -> str:
    """Map a client's level filter to a .NET level name; unknown text becomes Information."""
    return _LEVEL_ALIASES.get(text.strip().lower(), INFORMATION)


@dataclass(frozen=True)
class Line:
    level: str
    message: str
    exception: str | None = None


def execution_started(execution_id: str, workflow_id: str) -> Line:  # emulator
    return Line(INFORMATION, f"Executing workflow '{workflow_id}' (execution '{execution_id}').")


def task_started(task: str) -> Line:
    return Line(INFORMATION, f"Workflow task '{task}' started.")


def task_completed(task: str) -> Line:
    return Line(INFORMATION, f"Workflow task '{task}' completed.")


def task_retrying(task: str) -> Line:
    return Line(WARNING, f"Workflow task '{task}' retrying.")


def attempt_failed(attempt: int, message: str, exception: str) -> Line:
    return Line(WARNING, f"Attempt {attempt} failed: {message}.", exception)


def waiting_before_retry(milliseconds: int) -> Line:
    return Line(DEBUG, f"Waiting {milliseconds}ms before retry...")


def task_skipped(task: str) -> Line:
    return Line(WARNING, f"Workflow task '{task}' skipped.")


def skip_strategy(task: str) -> Line:
    return Line(
        WARNING,
        f"Task '{task}' has failed; however, it has been skipped in accordance with the "
        "defined error handling strategy.",
    )


def abort_strategy(task: str) -> Line:
    return Line(
        ERROR,
        f"Task '{task}' has failed; the workflow will be aborted in accordance with the "
        "defined error handling strategy.",
    )


def task_canceled(task: str) -> Line:
    return Line(ERROR, f"Workflow task '{task}' canceled.")


def task_failed(task: str, message: str, exception: str) -> Line:
    return Line(ERROR, f"Workflow task '{task}' failed: {message}", exception)


def approval_required(task: str) -> Line:
    return Line(INFORMATION, f"Manual approval required for task '{task}'")


def approval_requested(execution_id: str) -> Line:
    return Line(INFORMATION, f"Approval requested for workflow execution {execution_id}")


def paused_for_approval(workflow_id: str, task: str) -> Line:
    return Line(INFORMATION, f"Workflow '{workflow_id}' paused for manual approval at task '{task}'")


def saved_result(execution_id: str) -> Line:
    return Line(DEBUG, f"Saved result for workflow '{execution_id}' to storage")


def resuming(workflow_id: str, execution_id: str) -> Line:
    return Line(INFORMATION, f"Resuming workflow '{workflow_id}' from execution '{execution_id}'")


def unresolved_dependencies() -> Line:
    return Line(ERROR, "Workflow execution failed due to unresolved dependencies.")


def parallel_errors(errors: list[str]) -> Line:
    return Line(WARNING, f"Errors occurred in parallel task execution: {'; '.join(errors)}")


def execution_completed(execution_id: str) -> Line:
    return Line(
        INFORMATION, f"Workflow execution with Id: '{execution_id}' was completed successfully."
    )


def execution_failed(reason: str) -> Line:
    return Line(ERROR, f"Workflow execution error: {reason}")


def execution_canceled() -> Line:
    return Line(ERROR, "Workflow execution canceled.")


def execution_rejected(task: str) -> Line:  # emulator
    return Line(ERROR, f"Manual approval for task '{task}' was rejected; the workflow is stopped.")


def plugin_loaded(plugin_type: str, operation: str) -> Line:  # emulator
    return Line(DEBUG, f"Plugin '{plugin_type}' loaded for operation '{operation or 'default'}'.")


def dotnet_exception(message: str, plugin_type: str, exception_type: str | None = None) -> str:
    """A stack trace shaped like .NET's ``Exception.ToString()`` output."""
    plugin = plugin_type.split(":", 1)[0] or "FlowSynx.Plugin"
    kind = exception_type or "FlowSynx.PluginCore.Exceptions.FlowSynxException"
    frames = [
        f"{plugin}.PluginBase.ExecuteAsync(PluginParameters parameters, CancellationToken cancellationToken)",
        "FlowSynx.Infrastructure.PluginHost.PluginExecutor.ExecuteAsync(IPlugin plugin, "
        "PluginParameters parameters, CancellationToken cancellationToken)",
        "FlowSynx.Infrastructure.Workflow.WorkflowTaskExecutor.ExecuteTaskAsync(WorkflowTask task, "
        "WorkflowExecutionContext context, CancellationToken cancellationToken)",
        "FlowSynx.Infrastructure.Workflow.WorkflowTaskExecutor.ExecuteAsync(WorkflowTask task, "
        "WorkflowExecutionContext context, CancellationToken cancellationToken)",
        "FlowSynx.Infrastructure.Workflow.ErrorHandlingStrategies.RetryStrategy.HandleAsync("
        "ErrorHandlingContext context, CancellationToken cancellationToken)",
    ]
    return f"{kind}: {message}\n" + "\n".join(f"   at {frame}" for frame in frames)


_CHATTER = (
    (DEBUG, "Fetched batch {batch} ({rows} rows) from '{source}' in {ms} ms"),
    (INFORMATION, "Processed {total} records so far"),
    (DEBUG, "Buffer flushed: {rows} rows, {kb} KB"),
    (INFORMATION, "Wrote batch {batch} to '{target}' ({rows} rows)"),
    (WARNING, "Row {row}: column 'ShipDate' is empty, using default value"),
    (DEBUG, "Connection pool stats: active={active}, idle={idle}"),
    (WARNING, "Slow query detected on '{source}' ({ms} ms)"),
)


def plugin_chatter(rng: random.Random, index: int, task: str, plugin_type: str) -> Line:
    """One simulated plugin log line; about 5 % carry an exception, like flaky I/O would.

    All values come from one 64-bit draw: seeding writes thousands of these lines.
    """
    bits = rng.getrandbits(64)

    def draw(shift: int, low: int, high: int) -> int:
        return low + (bits >> shift) % (high - low + 1)

    values = {
        "batch": index + 1,
        "rows": draw(0, 50, 2_000),
        "source": f"{task.lower()}-source",
        "target": f"{task.lower()}-target",
        "ms": draw(11, 3, 900),
        "total": (index + 1) * draw(21, 80, 120),
        "kb": draw(27, 4, 4_096),
        "row": draw(30, 1, 999_999),
        "active": draw(50, 1, 8),
        "idle": draw(53, 0, 8),
    }
    if draw(56, 0, 19) == 0:
        message = f"Transient error while writing batch {index + 1}; the batch will be retried"
        error = f"Timeout expired after {values['ms']} ms while waiting for '{values['target']}'."
        return Line(WARNING, message, dotnet_exception(error, plugin_type, "System.TimeoutException"))
    level, template = _CHATTER[draw(61, 0, len(_CHATTER) - 1)]
    return Line(level, template.format(**values))


def plugin_chatter_bulk(
    rng: random.Random, first_index: int, count: int, task: str, plugin_type: str
) -> list[tuple[str, str, str | None]]:
    """``count`` lines like ``plugin_chatter``'s (same templates, levels and share of
    exceptions), as ``(level, message, exception)``, for ``bulk.add_log_lines``.

    A million-line history took a minute with one ``Line`` and one ``str.format`` of a
    dict per line; each template here is an f-string reading only the draws it shows.
    """
    source = f"{task.lower()}-source"
    target = f"{task.lower()}-target"
    templates = (
        lambda b, i: (
            DEBUG, f"Fetched batch {i + 1} ({50 + b % 1951} rows) from '{source}' in {3 + (b >> 11) % 898} ms"
        ),
        lambda b, i: (INFORMATION, f"Processed {(i + 1) * (80 + (b >> 21) % 41)} records so far"),
        lambda b, i: (DEBUG, f"Buffer flushed: {50 + b % 1951} rows, {4 + (b >> 27) % 4093} KB"),
        lambda b, i: (INFORMATION, f"Wrote batch {i + 1} to '{target}' ({50 + b % 1951} rows)"),
        lambda b, i: (WARNING, f"Row {1 + (b >> 30) % 999_999}: column 'ShipDate' is empty, using default value"),
        lambda b, i: (DEBUG, f"Connection pool stats: active={1 + (b >> 50) % 8}, idle={(b >> 53) % 9}"),
        lambda b, i: (WARNING, f"Slow query detected on '{source}' ({3 + (b >> 11) % 898} ms)"),
    )
    assert len(templates) == len(_CHATTER)
    getrandbits = rng.getrandbits
    lines: list[tuple[str, str, str | None]] = []
    append = lines.append
    for index in range(first_index, first_index + count):
        bits = getrandbits(64)
        if (bits >> 56) % 20 == 0:
            message = f"Transient error while writing batch {index + 1}; the batch will be retried"
            error = f"Timeout expired after {3 + (bits >> 11) % 898} ms while waiting for '{target}'."
            append((WARNING, message, dotnet_exception(error, plugin_type, "System.TimeoutException")))
        else:
            level, message = templates[(bits >> 61) % len(templates)](bits, index)
            append((level, message, None))
    return lines
