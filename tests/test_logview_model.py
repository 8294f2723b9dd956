"""Direct tests of the log view's model layer (no Textual): LogModel, LogStore, RowLayout.

The properties compare the model with a brute-force one built from plain lists:

- order: lines come out sorted by timestamp, equal timestamps in arrival order;
- retain cap: never more than ``retain_limit`` lines, the oldest dropped first, and
  ``dropped_total`` counts exactly what went;
- filter and search: the visible lines are the retained ones whose severity passes the
  level filter; the matches are the visible lines whose message or exception holds the
  needle, ignoring case as ``str.lower`` does;
- rows: the layout gives each visible line as many rows as ``LogModel.rows`` renders,
  and no rendered row (nor a saved line) holds a control, ESC or bidi character.

Block sizes are shrunk (message blocks, record chunks, layout blocks) so that a few dozen
lines cross many block boundaries.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.style import Style

from flowsynx_tui.widgets.logview import column, layout, store
from flowsynx_tui.widgets.logview.layout import MAX_HEIGHT, RowLayout
from flowsynx_tui.widgets.logview.model import LEVEL_STEPS, LineStyles, LogModel
from flowsynx_tui.widgets.logview.store import Record
from flowsynx_tui.widgets.logview.text import CUT_CHARS, MAX_EXCEPTION_LINES

PLAIN = Style()
STYLES = LineStyles(
    base=PLAIN,
    timestamp=PLAIN,
    levels={name: PLAIN for name in ("trace", "debug", "info", "warning", "error", "critical")},
    exception=PLAIN,
    marker=PLAIN,
    match=PLAIN,
    current_match=PLAIN,
)
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0

MODEL_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def small_blocks() -> Iterator[None]:
    """Shrink every block size so that few lines exercise the block boundaries."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(column, "BLOCK", 8))
        stack.enter_context(mock.patch.object(column, "_DENSE_CHECK", 2))
        stack.enter_context(mock.patch.object(column, "LOWERED_COPY_MAX_AVERAGE", 12))
        stack.enter_context(mock.patch.object(store, "CHUNK", 5))
        stack.enter_context(mock.patch.object(layout, "BLOCK", 4))
        yield


# -- what a user can see, defined here rather than taken from the code under test ----------------

KNOWN_SEVERITY = {"Trace": 0, "Debug": 1, "Information": 2, "Warning": 3, "Error": 4, "Critical": 5, "None": 2}
# Level names this client does not know, each with the severity a server would send for it
# (one per name, as a server's enum gives; out of range values are clamped to 0..5).
UNKNOWN_SEVERITY = {"Custom": 3, "Audit": 9, "\x1b[2Jx": -4, "\u202eevil": 4, "日本語": 1, "": 0}
LEVEL_NAMES = [*KNOWN_SEVERITY, *UNKNOWN_SEVERITY]

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def severity_of(name: str) -> int:
    if name in KNOWN_SEVERITY:
        return KNOWN_SEVERITY[name]
    return min(5, max(0, UNKNOWN_SEVERITY[name]))


def forbidden(text: str) -> set[str]:
    """Characters that must never reach the terminal: C0/C1 controls (ESC among them), DEL,
    the line and paragraph separators and the bidi controls ("trojan source")."""
    return {ch for ch in text if unicodedata.category(ch) == "Cc" or ch in BIDI or ch in "\u2028\u2029"}


def matches(needle: str, message: str, exception: str | None) -> bool:
    lowered = needle.lower()
    return lowered in message.lower() or bool(exception) and lowered in exception.lower()


def record(hours: int, name: str, message: str, exception: str | None = None) -> Record:
    return (T0 + hours * HOUR, severity_of(name), name, message, exception)


class Reference:
    """The brute-force model: every record ever appended, sorted and cut on demand."""

    def __init__(self, retain_limit: int) -> None:
        self.retain_limit = retain_limit
        self.arrived: list[Record] = []

    def append(self, records: list[Record]) -> None:
        self.arrived.extend(records)

    def clear(self) -> None:
        self.arrived = []

    @property
    def ordered(self) -> list[Record]:
        # sorted() is stable: equal timestamps keep arrival order.
        return sorted(self.arrived, key=lambda rec: rec[0])

    @property
    def retained(self) -> list[Record]:
        return self.ordered[-self.retain_limit :]

    def visible(self, min_severity: int | None) -> list[Record]:
        return [rec for rec in self.retained if min_severity is None or severity_of(rec[2]) >= min_severity]


def model_lines(model: LogModel, keys: list[int]) -> list[tuple[float, int, str, str | None]]:
    """What the model holds for ``keys``: time, severity, message, exception."""
    s = model.store
    return [(s.time(key), s.level(key).severity, s.message(key), s.exception(key)) for key in keys]


def expected_lines(records: list[Record]) -> list[tuple[float, int, str, str | None]]:
    # An empty exception is no exception (nothing to expand).
    return [(stamp, severity_of(name), message, exception or None) for stamp, _, name, message, exception in records]


def visible_keys(model: LogModel) -> list[int]:
    return [model.key_at(line) for line in range(model.visible_count)]


# -- strategies -----------------------------------------------------------------------------------

WORDS = [
    "alpha", "ALPHA", "Beta", "gamma", "İstanbul", "\u212aelvin", "straße", "STRASSE", "🚀", "日本",
    "x\ny", "tab\there", "\x1b[31mred", "\u202eevil", "\x00\x07\x9b", "\u2028", "", "42",
]
NEEDLES = ["a", "alpha", "ALP", "beta", "k", "kelvin", "i", "istanbul", "ss", "ß", "🚀", "日", "x\ny", "\x1b", "4", "red", " "]

hours = st.integers(min_value=0, max_value=40)  # 40 hours: lines span two or three days
messages = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join) | st.text(alphabet="ab", max_size=30)
exceptions = st.none() | st.lists(st.sampled_from(WORDS), max_size=5).map("\n".join)
records = st.builds(record, hours, st.sampled_from(LEVEL_NAMES), messages, exceptions)
batches = st.lists(records, min_size=1, max_size=12)
needles = st.sampled_from(NEEDLES) | st.text(alphabet="aAlLpPhHİiKkß\u212a ", min_size=1, max_size=3)


# -- order ----------------------------------------------------------------------------------------


@MODEL_SETTINGS
@given(st.lists(batches, min_size=1, max_size=8))
def test_lines_come_out_sorted_by_time_and_ties_keep_arrival_order(appends: list[list[Record]]) -> None:
    with small_blocks():
        model = LogModel(10_000, UTC)
        reference = Reference(10_000)
        for batch in appends:
            model.append(batch)
            reference.append(batch)
            keys = visible_keys(model)
            assert model_lines(model, keys) == expected_lines(reference.ordered)
            times = [model.store.time(key) for key in keys]
            assert times == sorted(times)


def test_equal_timestamps_keep_arrival_order_across_batches() -> None:
    model = LogModel(100, UTC)
    model.append([record(5, "Information", f"first {n}") for n in range(3)])
    model.append([record(1, "Information", "earlier"), record(5, "Information", "second")])
    model.append([record(5, "Information", "third"), record(0, "Information", "earliest")])
    shown = [model.store.message(key) for key in visible_keys(model)]
    assert shown == ["earliest", "earlier", "first 0", "first 1", "first 2", "second", "third"]


# -- memory bounds ---------------------------------------------------------------------------------


@MODEL_SETTINGS
@given(st.integers(min_value=1, max_value=12), st.lists(batches, min_size=1, max_size=10))
def test_retain_cap_keeps_the_newest_lines_and_counts_the_dropped(retain_limit: int, appends: list[list[Record]]) -> None:
    with small_blocks():
        model = LogModel(retain_limit, UTC)
        reference = Reference(retain_limit)
        dropped = 0
        for batch in appends:
            outcome = model.append(batch)
            reference.append(batch)
            dropped += outcome.dropped_lines
            s = model.store
            assert len(s) <= retain_limit
            assert len(s) == min(retain_limit, len(reference.arrived))
            # The oldest (by timestamp, then arrival) went first.
            assert model_lines(model, visible_keys(model)) == expected_lines(reference.retained)
            assert s.dropped_total == len(reference.arrived) - len(s) == dropped
            # Nothing of the dropped lines is kept elsewhere: no exceptions, no whole message
            # blocks below the first retained key.
            assert all(s.origin <= key < s.end_key for key in s.exceptions)
            blocks = s.messages.snapshot().blocks
            assert not blocks or blocks[0].first + column.BLOCK > s.origin


def test_retain_cap_says_how_many_were_dropped() -> None:
    model = LogModel(100, UTC)
    model.append([record(n, "Information", f"message {n}") for n in range(80)])
    outcome = model.append([record(n, "Information", f"message {n}") for n in range(80, 150)])
    assert outcome.dropped_lines == 50 and model.store.dropped_total == 50
    assert len(model.store) == 100
    assert model.store.message(model.key_at(0)) == "message 50"
    model.clear()
    assert model.store.dropped_total == 0 and len(model.store) == 0


# -- filter, search and rows, under any sequence of operations ---------------------------------------

actions = st.one_of(
    st.tuples(st.just("none")),
    st.tuples(st.just("level"), st.integers(min_value=0, max_value=len(LEVEL_STEPS) - 1)),
    st.tuples(st.just("search"), needles),
    # A search whose worker finishes only after more lines arrived (and maybe were dropped).
    st.tuples(st.just("search_while_appending"), needles, batches),
    st.tuples(st.just("clear_search")),
    st.tuples(st.just("wrap"), st.booleans()),
    st.tuples(st.just("width"), st.sampled_from([12, 30, 80, 200])),
    st.tuples(st.just("expand_all")),
    st.tuples(st.just("step"), st.booleans()),
    st.tuples(st.just("clear")),
)
# Each step: a batch arrives (maybe empty), then the user does something.
steps = st.tuples(st.lists(records, max_size=10), actions)


def check_filter_search_and_rows(model: LogModel, reference: Reference) -> None:
    keys = visible_keys(model)
    wanted = reference.visible(model.min_severity)
    # The visible lines: exactly the retained ones that pass the level filter, in order.
    assert model_lines(model, keys) == expected_lines(wanted)
    # The matches: exactly the visible lines whose message or exception holds the needle.
    if model.needle is not None and not model.search_pending:
        hits = [key for key, rec in zip(keys, wanted, strict=True) if matches(model.needle, rec[3], rec[4])]
        assert list(model.visible_matches) == hits
        current = model.match_ordinal()
        if current is not None:
            assert hits[current - 1] == model.current_match
    # Rows: the layout agrees with what rendering gives, line by line.
    assert model.layout.count == len(keys)
    row = 0
    for line, key in enumerate(keys):
        rendered = model.rows(key, STYLES)
        assert model.layout.height(line) == min(MAX_HEIGHT, len(rendered)), (line, [r.plain for r in rendered])
        assert model.layout.row_of(line) == row
        assert model.locate(row) == (key, 0)
        row += model.layout.height(line)
    assert model.layout.total_rows == row
    assert model.locate(row) is None


@MODEL_SETTINGS
@given(
    st.integers(min_value=3, max_value=40),
    st.integers(min_value=0, max_value=len(LEVEL_STEPS) - 1),
    st.none() | needles,
    st.lists(steps, min_size=1, max_size=10),
)
def test_filter_search_and_layout_agree_with_a_brute_force_model(
    retain_limit: int, level_step: int, needle: str | None, ops: list[tuple[list[Record], tuple[Any, ...]]]
) -> None:
    with small_blocks():
        model = LogModel(retain_limit, UTC)
        reference = Reference(retain_limit)
        # Start with a filter and a search on (most of what can go wrong needs both).
        model.set_level_step(level_step)
        if needle is not None:
            model.finish_search(model.begin_search(needle).run())
        for batch, action in ops:
            before = len(reference.retained)
            outcome = model.append(batch)
            reference.append(batch)
            if before + len(batch) <= retain_limit:  # no line dropped: "N new" is exact
                minimum = model.min_severity or 0
                assert outcome.new_lines == sum(severity_of(rec[2]) >= minimum for rec in batch)
            check_filter_search_and_rows(model, reference)
            kind = action[0]
            if kind == "level":
                model.set_level_step(action[1])
            elif kind == "search":
                model.finish_search(model.begin_search(action[1]).run())
            elif kind == "search_while_appending":
                job = model.begin_search(action[1])
                model.append(action[2])
                reference.append(action[2])
                assert model.search_pending
                assert model.finish_search(job.run())
            elif kind == "clear_search":
                model.clear_search()
            elif kind == "wrap":
                model.set_wrap(action[1])
            elif kind == "width":
                model.set_width(action[1])
            elif kind == "expand_all":
                model.toggle_expand_all()
            elif kind == "step":
                model.step_match(action[1])
            elif kind == "clear":
                model.clear()
                reference.clear()
            check_filter_search_and_rows(model, reference)


@MODEL_SETTINGS
@given(st.lists(batches, min_size=1, max_size=4), st.data())
def test_expanding_single_exceptions_keeps_rows_and_layout_in_step(appends: list[list[Record]], data: st.DataObject) -> None:
    """Clicking lines open and shut (with wrap on or off) while lines arrive in order."""
    with small_blocks():
        model = LogModel(1_000, UTC)
        reference = Reference(1_000)
        model.set_width(data.draw(st.sampled_from([14, 40, 120])))
        model.set_wrap(data.draw(st.booleans()))
        for batch in appends:
            newest = max((rec[0] for rec in reference.arrived), default=T0)
            # In time order only: late lines are test_a_late_line_does_not_leave_blank_rows_...
            batch = [(max(rec[0], newest), *rec[1:]) for rec in batch]
            model.append(batch)
            reference.append(batch)
            with_exception = [key for key in visible_keys(model) if model.store.exception(key) is not None]
            for key in data.draw(st.lists(st.sampled_from(with_exception), max_size=4)) if with_exception else []:
                was = model.is_expanded(key)
                assert model.toggle_line(key)
                assert model.is_expanded(key) != was
            check_filter_search_and_rows(model, reference)
        plain = [key for key in visible_keys(model) if model.store.exception(key) is None]
        if plain:
            assert not model.toggle_line(plain[0])


@pytest.mark.parametrize("text", ["x", "日", "\x1b"], ids=["ascii", "wide", "control"])
@pytest.mark.parametrize("exception", [None, "E: bad\n at x"], ids=["plain", "exception"])
def test_a_wrapped_line_takes_as_many_rows_as_it_needs(text: str, exception: str | None) -> None:
    model = LogModel(1_000, UTC)
    model.set_width(model.prefix_width + 10)  # rows of ten cells
    model.set_wrap(True)
    lengths = range(0, 32)
    model.append([record(0, "Information", text * length, exception) for length in lengths])
    if exception:
        model.toggle_expand_all()
    cells = 2 if text == "日" else 1
    for line, length in enumerate(lengths):
        rows = model.rows(model.key_at(line), STYLES)
        body = max(1, -(-length * cells // 10))
        if exception:
            body = max(1, -(-(length * cells + 3) // 10)) + 2  # "  ▾" after the text; 2 exception rows
        assert model.layout.height(line) == len(rows) == body, length
        assert all(row.cell_len <= model.width for row in rows)


def test_a_late_line_does_not_leave_blank_rows_where_a_line_was_expanded() -> None:
    model = LogModel(100, UTC)
    model.append([record(1, "Information", "A", "ea\n1\n2"), record(3, "Information", "B", "eb\n1\n2\n3")])
    assert model.toggle_line(model.key_at(1))  # B expanded: 1 + 4 rows
    model.append([record(2, "Information", "C", "ec\n1")])  # C lands on B's key, B moves on
    heights = [model.layout.height(line) for line in range(model.visible_count)]
    rendered = [len(model.rows(key, STYLES)) for key in visible_keys(model)]
    assert heights == rendered  # today: [1, 3, 1] vs [1, 1, 1], two blank rows under C


def test_level_filter_steps() -> None:
    model = LogModel(100, UTC)
    names = ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "Custom", "Audit"]
    model.append([record(n, names[n % len(names)], f"m{n}") for n in range(40)])
    counts = []
    for step in range(len(LEVEL_STEPS)):
        model.set_level_step(step)
        counts.append(model.visible_count)
    # all; debug+; info+; warning+ (Custom is 3); error+ (Audit is clamped to 5, critical)
    assert counts == [40, 35, 30, 25, 15]
    assert {model.store.level(key).label for key in visible_keys(model)} == {"ERR", "CRT", "AUD"}


def test_search_ignores_case_in_messages_and_exceptions() -> None:
    model = LogModel(100, UTC)
    model.append(
        [
            record(0, "Information", "Needle here"),
            record(1, "Information", "nothing"),
            record(2, "Error", "boom", "Traceback\n  NEEDLE inside"),
            record(3, "Information", "needle again"),
        ]
    )
    model.set_level_step(4)  # errors only
    model.finish_search(model.begin_search("nEeDlE").run())
    assert list(model.matches) == [0, 2, 3]
    assert list(model.visible_matches) == [2] and model.current_match == 2
    model.set_level_step(0)
    assert list(model.visible_matches) == [0, 2, 3]
    assert model.step_match(True) == 3 and model.match_ordinal() == 3
    assert model.step_match(True) == 0  # wraps around


def test_a_search_that_finishes_after_lines_arrived_also_covers_them() -> None:
    """The search runs in a thread on a snapshot; lines that arrive (late ones too) or are
    dropped meanwhile must end up searched exactly like the others."""
    with small_blocks():
        model = LogModel(30, UTC)
        reference = Reference(30)
        first = [record(2 * n, "Information", "alpha" if n % 3 else "beta", "Trace\nALPHA" if n == 4 else None) for n in range(20)]
        model.append(first)
        reference.append(first)
        job = model.begin_search("ALPHA")
        late = [record(2 * n + 1, "Warning", "late Alpha" if n % 2 else "late", None) for n in range(15)]
        model.append(late)  # in between the old lines; 5 of the oldest are dropped
        reference.append(late)
        assert model.search_pending and model.store.dropped_total == 5
        assert model.finish_search(job.run())
        keys = visible_keys(model)
        hits = [key for key, rec in zip(keys, reference.retained, strict=True) if matches("alpha", rec[3], rec[4])]
        assert list(model.visible_matches) == hits and len(hits) == 17
        assert model.current_match == hits[0]
        assert not model.finish_search(job)  # a finished job is not adopted twice


# -- cut markers and hostile text ----------------------------------------------------------------------


def body_of(model: LogModel, key: int) -> str:
    """The message part of a line's rows (wrapped rows joined, the prefix columns removed)."""
    prefix = model.prefix_width
    return "".join(row.plain[prefix:] for row in model.rows(key, STYLES))


@settings(max_examples=12, deadline=None)
@given(
    st.sampled_from([CUT_CHARS - 1, CUT_CHARS, CUT_CHARS + 1, CUT_CHARS + 1_234, 100_000]),
    st.sampled_from(["A", "é", "\x1b", "日"]),
    st.booleans(),
)
def test_long_messages_are_cut_with_a_marker(length: int, char: str, wrap: bool) -> None:
    model = LogModel(10, UTC)
    model.set_wrap(wrap)
    model.append([record(0, "Information", char * length)])
    body = body_of(model, model.key_at(0))
    shown = "␛" if char == "\x1b" else char
    if length <= CUT_CHARS:
        assert body == shown * length
    else:
        assert body == shown * CUT_CHARS + f"… [+{length - CUT_CHARS:,} chars]"
    assert not forbidden(body)


def test_hundred_kilobyte_message_row() -> None:
    model = LogModel(10, UTC)
    model.append([record(0, "Information", "A" * 100_000)])
    (row,) = model.rows(model.key_at(0), STYLES)
    assert row.plain.endswith("… [+90,000 chars]") and row.plain.count("A") == CUT_CHARS


@pytest.mark.parametrize("extra", [0, 1, 7])
def test_long_exceptions_say_how_many_lines_are_left_out(extra: int) -> None:
    total = MAX_EXCEPTION_LINES + extra
    exception = "\n".join(f"   at Step{n}()" for n in range(total))
    model = LogModel(10, UTC)
    model.append([record(0, "Error", "boom", exception)])
    key = model.key_at(0)
    (collapsed,) = model.rows(key, STYLES)
    assert collapsed.plain.endswith(f"▸    at Step0()  (+{total - 1} lines)")
    model.toggle_line(key)
    rows = [row.plain for row in model.rows(key, STYLES)]
    assert model.layout.height(0) == len(rows)
    assert rows[1].endswith("   at Step0()")
    assert rows[MAX_EXCEPTION_LINES].endswith(f"   at Step{MAX_EXCEPTION_LINES - 1}()")
    if extra:
        assert len(rows) == 1 + MAX_EXCEPTION_LINES + 1
        assert rows[-1].endswith(f"… [+{extra:,} more lines]")
    else:
        assert len(rows) == 1 + total and "more lines" not in rows[-1]


HOSTILE = [
    "\x1b", "\x1b[2J", "\x1b]0;title\x07", "\x9b", "\x00", "\x7f", "\x85", "\r", "\n", "\r\n", "\t", "\x0b", "\x0c",
    "\u2028", "\u2029", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c", "[bold]", "a", "日", "é", " ",
]
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.characters(), max_size=12).map("".join)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.builds(record, hours, st.sampled_from(LEVEL_NAMES), hostile_text, st.none() | hostile_text),
        min_size=1,
        max_size=10,
    ),
    st.booleans(),
    st.booleans(),
    st.sampled_from(NEEDLES),
)
def test_no_control_or_bidi_character_is_ever_rendered_or_saved(
    batch: list[Record], wrap: bool, expand: bool, needle: str
) -> None:
    model = LogModel(100, UTC)
    model.set_width(30)
    model.append(batch)
    model.set_wrap(wrap)
    if expand:
        model.toggle_expand_all()
    model.finish_search(model.begin_search(needle).run())
    for key in visible_keys(model):
        for row in model.rows(key, STYLES):
            assert not forbidden(row.plain), row.plain
    for line in model.snapshot().lines():
        assert not forbidden(line), line


def test_hostile_text_is_shown_with_visible_stand_ins() -> None:
    model = LogModel(10, UTC)
    model.append([record(0, "\u202eevil", "a\x1b[2Jb\u202ec\td", "E\x1b]0;t\x07\nline2\u2066")])
    model.toggle_expand_all()
    rows = [row.plain for row in model.rows(model.key_at(0), STYLES)]
    # The level label too: three cells, an unsafe character in it shown as "?".
    assert rows[0] == "12:00:00.000 ?EV a␛[2Jb<U+202E>c    d  ▾"
    assert rows[1:] == [" " * model.prefix_width + "E␛]0;t␇", " " * model.prefix_width + "line2<U+2066>"]
    (saved, *exception) = model.snapshot().lines()
    assert saved == "2024-05-01 12:00:00.000 ?EV a␛[2Jb<U+202E>c    d" and exception == ["    E␛]0;t␇", "    line2<U+2066>"]


# -- RowLayout --------------------------------------------------------------------------------------

heights_strategy = st.lists(st.integers(min_value=1, max_value=5), max_size=12)
layout_ops = st.one_of(
    st.tuples(st.just("append"), heights_strategy),
    st.tuples(st.just("set_height"), st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=7)),
    # Where to truncate or how many to drop: taken modulo the line count (+2, to go past it).
    st.tuples(st.just("truncate"), st.integers(min_value=0, max_value=10_000)),
    st.tuples(st.just("drop_front"), st.integers(min_value=-1, max_value=10_000)),
    st.tuples(st.just("set_heights"), heights_strategy),
    st.tuples(st.just("set_uniform"), st.integers(min_value=0, max_value=30)),
)


def check_layout(subject: RowLayout, heights: list[int]) -> None:
    starts = list(accumulate(heights, initial=0))
    assert subject.count == len(heights)
    assert subject.total_rows == starts[-1]
    for line, height in enumerate(heights):
        assert subject.height(line) == height
        assert subject.row_of(line) == starts[line]
    assert subject.row_of(len(heights)) == starts[-1]
    for row in range(-2, starts[-1] + 2):
        if 0 <= row < starts[-1]:
            line = bisect_right(starts, row) - 1
            assert subject.locate(row) == (line, row - starts[line]), row
        else:
            assert subject.locate(row) is None


@settings(max_examples=300, deadline=None)
@given(st.booleans(), st.lists(layout_ops, max_size=30))
def test_row_layout_agrees_with_a_list_of_heights(start_uniform: bool, ops: list[tuple[Any, ...]]) -> None:
    from array import array

    with mock.patch.object(layout, "BLOCK", 4):
        subject = RowLayout()
        if not start_uniform:
            subject.set_heights(array("H"))
        heights: list[int] = []
        for op in ops:
            kind = op[0]
            if kind == "append":
                if subject.uniform:
                    subject.append(len(op[1]))
                    heights += [1] * len(op[1])
                else:
                    subject.append(len(op[1]), op[1])
                    heights += op[1]
            elif kind == "set_height":
                if subject.uniform or not heights:
                    continue
                line = op[1] % len(heights)
                subject.set_height(line, op[2])
                heights[line] = max(1, op[2])
            elif kind == "truncate":
                line = op[1] % (len(heights) + 2)
                subject.truncate(line)
                del heights[line:]
            elif kind == "drop_front":
                lines = op[1] % (len(heights) + 2) if op[1] >= 0 else op[1]
                rows = subject.drop_front(lines)
                gone = heights[: max(0, lines)]
                assert rows == sum(gone)
                del heights[: len(gone)]
            elif kind == "set_heights":
                subject.set_heights(array("H", op[1]))
                heights = list(op[1])
            elif kind == "set_uniform":
                subject.set_uniform(op[1])
                heights = [1] * op[1]
            check_layout(subject, heights)


def test_row_layout_clamps_heights() -> None:
    from array import array

    subject = RowLayout()
    subject.set_heights(array("H", [1, 2, 3]))
    subject.set_height(1, MAX_HEIGHT + 10)
    subject.set_height(2, 0)
    assert [subject.height(line) for line in range(3)] == [1, MAX_HEIGHT, 1]
    assert subject.total_rows == MAX_HEIGHT + 2
    assert subject.locate(MAX_HEIGHT + 1) == (2, 0)
