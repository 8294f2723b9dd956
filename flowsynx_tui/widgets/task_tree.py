"""The task tree of an execution: the definition's DAG merged with live task statuses.

Each row is a task, in a tree of the DAG (under the parent it waits for last), with
its status glyph, duration, and a bar on a time axis shared by all tasks: a small
Gantt chart. Tasks behind a manual approval gate carry ⚑, and the pending approval's
comment while one is waiting. A failed or retrying task shows its message after its
name, cut to what the row leaves free, so the reason is visible without opening it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType

from flowsynx_tui.api import Approval, TaskDefinition, TaskExecution, TaskStatus, WorkflowDefinition
from flowsynx_tui.format import STATUS_LOOK, duration_between, format_duration, status_text
from flowsynx_tui.text import one_line
from flowsynx_tui.widgets.keyed_table import KeyedTable, Row

GATE = "⚑"
#: The Gantt keeps at least this many cells when failure messages widen the task column.
MESSAGE_GANTT_MIN = 10
#: A failure message gets a place in the row only with at least this many cells.
MESSAGE_MIN = 4
#: Cells kept free beside the columns while messages are shown (a vertical scrollbar's).
MESSAGE_SLACK = 3
REASON_STATUSES = {TaskStatus.FAILED: "red", TaskStatus.RETRYING: "dim"}


@dataclass(frozen=True)
class TaskRow:
    name: str
    depth: int
    definition: TaskDefinition | None
    execution: TaskExecution | None
    #: The tree's lines before the name ("├ ", "│ └ "); empty for a task that waits for none.
    guide: str = ""


def order_tasks(definition: WorkflowDefinition, tasks: Sequence[TaskExecution]) -> list[TaskRow]:
    """Tasks as a tree of the definition's DAG: each under the parent that sets its depth
    (the longest path from a root), the last listed of them if several, siblings as the
    definition lists them, drawn with the lines of a tree. Listed by depth, a task came under whatever
    sibling of its parent preceded it ("└ NotifyC" above "└ LoadAfterB", which runs after
    TransformB); a task with more parents says so in its row (←N).

    Tasks the server reports but the definition lacks (or the other way round) are kept:
    the tree must never hide a task.
    """
    by_name = {task.name: task for task in tasks}
    defined = {task.name: task for task in definition.tasks}
    depth: dict[str, int] = {}

    def depth_of(name: str, trail: frozenset[str] = frozenset()) -> int:
        if name in depth:
            return depth[name]
        task = defined.get(name)
        parents = [p for p in (task.dependencies if task else ()) if p in defined and p not in trail]
        value = 0 if not parents else 1 + max(depth_of(p, trail | {name}) for p in parents)
        depth[name] = value
        return value

    names = list(defined)
    names += [task.name for task in tasks if task.name not in defined]
    position = {name: index for index, name in enumerate(names)}
    children: dict[str | None, list[str]] = {}
    for name in names:
        task = defined.get(name)
        level = depth_of(name) if task is not None else 0
        # The last listed of the parents that set its depth: a join of four sources comes
        # after all four. Depths fall by one along a parent chain: it always ends at a root.
        setting = [p for p in (task.dependencies if task else ()) if p in defined and depth_of(p) == level - 1]
        parent = max(setting, key=position.__getitem__) if setting else None
        children.setdefault(parent, []).append(name)
    rows: list[TaskRow] = []
    placed: set[str] = set()
    # Depth first, without recursion: a definition may hold thousands of tasks.
    stack: list[tuple[str, int, str, str]] = [(name, 0, "", "") for name in reversed(children.get(None, []))]
    while stack:
        name, level, guide, below = stack.pop()
        if name in placed:
            continue
        placed.add(name)
        rows.append(TaskRow(name, level, defined.get(name), by_name.get(name), guide))
        kids = children.get(name, [])
        for index in range(len(kids) - 1, -1, -1):
            last = index == len(kids) - 1
            stack.append((kids[index], level + 1, below + ("└ " if last else "├ "), below + ("  " if last else "│ ")))
    rows += [TaskRow(name, 0, defined.get(name), by_name.get(name)) for name in names if name not in placed]
    return rows


def gantt_bar(
    execution: TaskExecution | None, start: datetime | None, end: datetime, width: int
) -> Text:
    bar = Text(no_wrap=True)
    if execution is None or execution.start_time is None or start is None or width <= 0:
        return bar.append("·" * width, style="dim") if width > 0 else bar
    span = max((end - start).total_seconds(), 0.001)
    task_end = execution.end_time or end
    first = int(max(0.0, (execution.start_time - start).total_seconds()) / span * width)
    last = int(max(0.0, (task_end - start).total_seconds()) / span * width)
    first = min(first, width - 1)
    last = max(first + 1, min(last, width))
    glyph = "▒" if execution.status in (TaskStatus.RUNNING, TaskStatus.RETRYING) else "█"
    style = STATUS_LOOK.get(str(execution.status.value), ("", ""))[1]
    bar.append(" " * first)
    bar.append(glyph * (last - first), style=style)
    bar.append(" " * (width - last))
    return bar


class TaskTree(KeyedTable):
    """Rows are keyed by task name; the task-execution id is looked up when selected."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Task logs", id="tasks.logs"),
    ]
    # The rows are in DAG order and indented by depth: no `S`, no sort by header click.
    SORTABLE = False

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [("task", "Task"), ("status", "Status"), ("duration", "Duration"), ("timeline", "Timeline")],
            **kwargs,
        )
        self.rows_by_name: dict[str, TaskRow] = {}
        self.gantt_width = 12
        #: Most characters of a task's name shown (then "…"): its marks (⚑ waiting, ←2) and
        #: the timeline stay in view. A 200-character name left the timeline 6 cells.
        self.name_limit = _name_limit(0)
        self._last_show: tuple[object, ...] | None = None
        #: The last rows drawn had failure messages: the Gantt width was fitted to them.
        self._fitted = False

    def on_resize(self) -> None:
        # The Gantt column takes whatever width the other columns leave.
        names = _name_limit(self.size.width)
        used = sum(self.column_span(key)[1] for key in self.column_keys if key != "timeline")
        padding = 2 * self.cell_padding * len(self.column_keys)
        width = min(60, max(6, self.size.width - used - padding - 1))
        if width != self.gantt_width or names != self.name_limit:
            self.gantt_width, self.name_limit = width, names
            if self._last_show is not None:
                self.show(*self._last_show[0], **self._last_show[1])  # type: ignore[arg-type]

    def show(
        self,
        definition: WorkflowDefinition,
        tasks: Sequence[TaskExecution],
        approvals: Sequence[Approval],
        execution_start: datetime | None,
        now: datetime,
        execution_end: datetime | None = None,
        runs: Mapping[str, int] | None = None,
        settled: bool = True,
    ) -> None:
        """``execution_end`` is set once the execution ended; ``runs`` counts the starts of
        tasks that ran more than once; ``settled``: the tasks were read after the run ended
        (until then a task still running is news not read yet, not a stale one)."""
        self._last_show = (
            (definition, tasks, approvals, execution_start, now),
            {"execution_end": execution_end, "runs": runs},
        )
        runs = runs or {}
        ordered = order_tasks(definition, tasks)
        self.rows_by_name = {row.name: row for row in ordered}
        waiting = {a.task_name: a for a in approvals}
        axis_end = execution_end or now
        for row in ordered:
            if row.execution and row.execution.end_time and row.execution.end_time > axis_end:
                axis_end = row.execution.end_time
        rows: list[Row] = []
        ended = execution_end is not None and settled
        for row in ordered:
            cells = self._row_cells(
                row, waiting.get(row.name), execution_start, axis_end, now, runs.get(row.name, 1), ended
            )
            rows.append((row.name, cells))
        reasons = {row.name: row.execution for row in ordered if _reason(row.execution)}
        if reasons or self._fitted:
            rows = self._with_reasons(rows, reasons, execution_start, axis_end)
        self._fitted = bool(reasons)
        self.sync(rows)

    def _with_reasons(
        self, rows: list[Row], reasons: Mapping[str, TaskExecution | None], start: datetime | None, axis_end: datetime
    ) -> list[Row]:
        """Failure messages after the names, each cut so that the Gantt keeps
        ``MESSAGE_GANTT_MIN`` cells; the Gantt then takes what the columns leave."""
        padding = 2 * self.cell_padding
        labels = {key: cell_len(label) for key, label in zip(self.column_keys, self.column_names)}

        def widest(cells_of: list[Row], index: int, label: str) -> int:
            return max([labels.get(label, 0), *(cell_len(cells[index].plain) for _, cells in cells_of)])  # type: ignore[union-attr]

        # Every column's padding, the status and duration columns, a vertical scrollbar's room.
        fixed = padding * len(self.column_keys) + widest(rows, 1, "status") + widest(rows, 2, "duration") + MESSAGE_SLACK
        task_width = max(widest(rows, 0, "task"), self.size.width - fixed - MESSAGE_GANTT_MIN)
        fitted: list[Row] = []
        for key, cells in rows:
            execution = reasons.get(key)
            if execution is not None:
                name = cells[0].copy()  # type: ignore[union-attr]
                room = task_width - cell_len(name.plain) - 1
                if room >= MESSAGE_MIN:
                    reason = Text(one_line(execution.message, 300), style=REASON_STATUSES[execution.status])
                    reason.truncate(room, overflow="ellipsis")
                    name.append(" ")
                    name.append_text(reason)
                cells = (name, *cells[1:])
            fitted.append((key, cells))
        self.gantt_width = min(60, max(6, self.size.width - fixed - widest(fitted, 0, "task")))
        return [
            (key, (*cells[:3], gantt_bar(self.rows_by_name[key].execution, start, axis_end, self.gantt_width)))
            for key, cells in fitted
        ]

    def _row_cells(
        self,
        row: TaskRow,
        approval: Approval | None,
        start: datetime | None,
        axis_end: datetime,
        now: datetime,
        run: int,
        stale_possible: bool,
    ) -> tuple[Text, Text, Text, Text]:
        name = Text(no_wrap=True, overflow="ellipsis")
        if row.guide:
            name.append(row.guide, style="dim")
        name.append(one_line(row.name, self.name_limit))
        gated = row.definition is not None and row.definition.gated
        if gated:
            name.append(f" {GATE}", style="bold magenta")
        if approval is not None:
            # The comment itself is in the execution header; the tree stays narrow.
            name.append(" waiting", style="magenta")
        if row.definition and len(row.definition.dependencies) > 1:
            # Fan-in: the indentation shows one parent, this says there are more.
            name.append(f" ←{len(row.definition.dependencies)}", style="dim")
        if run > 1:
            # Quirk Q6: after an approval v1.3.0 runs the tasks before the gate again; the
            # bar shows this run.
            name.append(f" ↻ run {run}", style="yellow")
        execution = row.execution
        status = status_text(execution.status if execution else None, width=11)
        if stale_possible and execution is not None and execution.status in (TaskStatus.RUNNING, TaskStatus.RETRYING):
            # Quirk Q7: a task whose plugin could not be loaded stays Running in a finished run.
            status.append(" stale", style="bold yellow")
        duration = "–"
        finished_unread = execution is not None and execution.status.is_finished and execution.end_time is None
        if execution is not None and execution.start_time is not None and not finished_unread:
            # A finished task's end not read yet (the hub says a status, never times) is
            # "–" until it is: its start as its end read "✔ Completed 0.0s".
            duration = format_duration(duration_between(execution.start_time, execution.end_time, now))
        return name, status, Text(duration), gantt_bar(execution, start, axis_end, self.gantt_width)

    def selected_task(self) -> TaskRow | None:
        key = self.selected_key
        return self.rows_by_name.get(key) if key else None


def _name_limit(width: int) -> int:
    """A third of the tree's width for a task's name, from 12 to 80 characters (80 before
    the tree knows its width)."""
    return 80 if width <= 0 else max(12, min(80, width // 3))


def _reason(execution: TaskExecution | None) -> bool:
    """True when the row shows the task's message: it failed or is retrying, and says why."""
    return execution is not None and execution.status in REASON_STATUSES and bool(execution.message)
