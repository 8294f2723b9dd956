"""Pilot tests of LogPane: a tiny app holding only the pane, fed real LogEntry objects."""

from __future__ import annotations

import os
import random
import re
import stat
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from flowsynx_tui.api.models import LogEntry
from flowsynx_tui.widgets.logview import pane as pane_module
from flowsynx_tui.widgets.logview.model import LogModel
from flowsynx_tui.widgets.logview.pane import LogLines, LogPane, write_log_file

ZONE = timezone(timedelta(hours=2))
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SIZE = (100, 24)


class LogApp(App[None]):
    def __init__(self, **pane_options: Any) -> None:
        super().__init__()
        self.pane_options = pane_options
        self.saved: list[Path] = []
        self.failures: list[str] = []
        self.notices: list[str] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.notices.append(message)
        super().notify(message, *args, **kwargs)

    def compose(self) -> ComposeResult:
        yield LogPane(local_tz=ZONE, id="log", **self.pane_options)

    def on_log_pane_saved(self, message: LogPane.Saved) -> None:
        self.saved.append(message.path)

    def on_log_pane_save_failed(self, message: LogPane.SaveFailed) -> None:
        self.failures.append(message.reason)


@asynccontextmanager
async def running(live: bool = True, **options: Any) -> AsyncIterator[tuple[LogApp, Pilot[None], LogPane]]:
    app = LogApp(**options)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(LogPane)
        pane.refresh_interval = 0  # deterministic: every batch reaches the screen at once
        pane.reset("execution 4d546c15", live=live)
        pane.focus()
        await pilot.pause()
        yield app, pilot, pane


def entry(
    n: int,
    message: str | None = None,
    *,
    level: str = "Information",
    exception: str | None = None,
    seconds: float | None = None,
) -> LogEntry:
    return LogEntry(
        id=str(uuid.UUID(int=n)),  # LogEntry ids are GUIDs
        message=f"message {n}" if message is None else message,
        level=level,
        time_stamp=T0 + timedelta(seconds=n if seconds is None else seconds),
        exception=exception,
    )


def screen_rows(pane: LogPane) -> list[str]:
    view = pane.lines_view
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


def all_rows(pane: LogPane) -> list[str]:
    view = pane.lines_view
    return [view.row_strip(row).text for row in range(view.virtual_size.height)]


def at_tail(pane: LogPane) -> bool:
    view = pane.lines_view
    return view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y


async def test_follow_sticks_to_tail_as_lines_arrive() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        assert at_tail(pane)
        assert "message 99" in screen_rows(pane)[-1]
        pane.append_entries([entry(n) for n in range(100, 130)])
        await pilot.pause()
        assert at_tail(pane)
        assert "message 129" in screen_rows(pane)[-1]
        assert "following" in pane.status_text


async def test_scrolling_up_pauses_counts_new_lines_and_end_resumes() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        await pilot.press("pageup")
        view = pane.lines_view
        paused_at = view.scroll_y
        top_row = screen_rows(pane)[0]
        assert paused_at < view.max_scroll_y
        pane.append_entries([entry(n) for n in range(100, 142)])
        await pilot.pause()
        assert "paused · 42 new" in pane.status_text
        assert view.scroll_y == paused_at and screen_rows(pane)[0] == top_row
        await pilot.press("end")
        assert at_tail(pane) and "following" in pane.status_text
        # What a scrollbar drag does: the scroll lands at once (a deferred scroll_to could
        # land after the G below and undo it, which no user can do).
        view.scroll_to(y=3, animate=False, immediate=True)
        await pilot.pause()
        assert "paused · 0 new" in pane.status_text
        await pilot.press("G")
        assert at_tail(pane) and "following" in pane.status_text
        await pilot.press("f")
        assert "paused" in pane.status_text
        pane.append_entries([entry(200)])
        await pilot.pause()
        assert not at_tail(pane)


async def test_lines_of_the_read_that_finishes_a_live_source_are_new_those_of_a_finished_one_not() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        await pilot.press("pageup")
        pane.append_entries([entry(n) for n in range(100, 110)])
        # The screen learns the run finished before the read that brings its last lines.
        pane.set_live(False)
        pane.append_entries([entry(n) for n in range(110, 115)])
        await pilot.pause()
        assert pane.new_since_pause == 15 and "paused · 15 new" in pane.status_text, pane.status_text
        pane.reset("execution 0b6a9e21", live=False)
        pane.append_entries([entry(n) for n in range(50)])
        await pilot.pause()
        assert pane.new_since_pause == 0 and "follow off" in pane.status_text, pane.status_text


async def test_scrollbar_learns_the_new_length_as_lines_arrive() -> None:
    """Growing the log does not lay out the screen; the scrollbar still shows how long it is,
    following or paused."""
    async with running() as (_, pilot, pane):
        view = pane.lines_view
        bar = view.vertical_scrollbar
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        assert bar.window_virtual_size == view.virtual_size.height == 100
        assert bar.position == view.scroll_y == view.max_scroll_y
        await pilot.press("pageup")
        paused_at = view.scroll_y
        pane.append_entries([entry(n) for n in range(100, 400)])
        await pilot.pause()
        assert bar.window_virtual_size == view.virtual_size.height == 400
        assert view.scroll_y == paused_at and view.max_scroll_y > paused_at
        await pilot.press("end")
        assert bar.position == view.scroll_y == view.max_scroll_y


async def test_level_filter_cycles_and_counts() -> None:
    levels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical"]
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n, level=levels[n % 6]) for n in range(60)])
        await pilot.pause()
        for count in (50, 40, 30, 20):  # debug, info, warning, error (and critical)
            await pilot.press("l")
            assert pane.visible_count == count
            assert f"showing {count}" in pane.status_text
        labels = {line.split()[2] for line in pane.visible_text()}
        assert labels == {"ERR", "CRT"}
        assert "level ≥ error" in pane.status_text
        await pilot.press("l")
        assert pane.visible_count == 60 and "showing" not in pane.status_text


async def test_cycling_the_level_back_to_all_shows_the_lines_shown_before() -> None:
    # Through a level that hides every line (nothing to keep the place by), "all levels"
    # again showed line 1, not where the user was.
    async with running(live=False) as (_, pilot, pane):
        pane.append_entries([entry(n, level="Warning" if n % 7 == 0 else "Information") for n in range(300)])
        await pilot.pause()
        await pilot.press("g", "ctrl+d", "ctrl+d", "ctrl+d", "ctrl+d")
        await pilot.pause()
        before = screen_rows(pane)
        assert pane.lines_view.scroll_y > 0 and "message 0 " not in before[0]
        await pilot.press("l", "l")  # debug, info: every line still shown, in place
        assert screen_rows(pane) == before
        await pilot.press("l", "l")  # warning, then error: none at error
        await pilot.pause()
        assert "No line at level error or above among the 300 lines" in " ".join(screen_rows(pane))
        await pilot.press("l")
        await pilot.pause()
        assert "all levels" in pane.status_text
        assert screen_rows(pane) == before


async def test_search_highlights_jumps_and_steps_through_matches() -> None:
    async with running(live=False) as (_, pilot, pane):
        messages = [f"message {n}" + (" needle here" if n in (40, 90, 150) else "") for n in range(200)]
        pane.append_entries([entry(n, text) for n, text in enumerate(messages)])
        pane.append_entries([entry(300, "plain", exception="Traceback: NEEDLE inside")])
        await pilot.pause()
        await pilot.press("slash", *"NeEdLe", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "match 1/4" in pane.status_text
        rows = screen_rows(pane)
        assert any("message 40 needle here" in row for row in rows)
        # The matched text carries a highlight style (a background) in the rendered strip.
        view = pane.lines_view
        strip = next(view.render_line(y) for y, row in enumerate(rows) if "message 40 " in row)
        plain_bg = next(seg.style.bgcolor for seg in strip if seg.text.startswith(" message 40"))
        assert any(seg.text == "needle" and seg.style.bgcolor != plain_bg for seg in strip)
        await pilot.press("n")
        assert "match 2/4" in pane.status_text
        assert any("message 90 needle" in row for row in screen_rows(pane))
        await pilot.press("N", "N")
        assert "match 4/4" in pane.status_text  # wrapped around backwards
        assert any("NEEDLE inside" in row for row in screen_rows(pane))
        await pilot.press("escape")
        assert "match" not in pane.status_text


async def test_escape_in_search_input_closes_it() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(10)])
        await pilot.press("slash", *"message")
        assert pane.query_one("Input").has_focus
        await pilot.press("escape")
        assert not pane.query_one("Input").display
        assert pane.lines_view.has_focus and "match" not in pane.status_text


async def test_wrap_changes_the_number_of_virtual_lines() -> None:
    async with running() as (_, pilot, pane):
        long_text = "x" * 250 + " the end"
        pane.append_entries([entry(n, f"{n} {long_text}") for n in range(30)])
        await pilot.pause()
        view = pane.lines_view
        assert view.virtual_size.height == 30
        await pilot.press("w")
        await pilot.pause()
        width = view.scrollable_content_region.width
        assert view.virtual_size.height > 30 * 3
        assert all(cell_len(row) <= width for row in all_rows(pane))
        assert at_tail(pane) and screen_rows(pane)[-1].rstrip().endswith("the end")
        assert "wrap on" in pane.status_text
        await pilot.press("home", "w")
        assert view.virtual_size.height == 30


async def test_save_writes_exactly_the_filtered_lines(tmp_path: Path) -> None:
    async with running() as (app, pilot, pane):
        pane.save_dir = tmp_path
        pane.append_entries(
            [entry(n, level="Warning" if n % 3 == 0 else "Information") for n in range(30)]
            + [entry(40, "boom", level="Error", exception="E: bad\n at x")]
        )
        await pilot.press("l", "l", "l")  # warning and up
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.press("s")  # same second: must not overwrite the first file
        await app.workers.wait_for_complete()
        await pilot.pause()
        files = sorted(tmp_path.iterdir())
        assert len(files) == 2 and len(app.saved) == 2
        assert all(re.fullmatch(r"flowsynx-execution-4d546c15-\d{8}-\d{6}(-1)?\.log", f.name) for f in files)
        text = files[0].read_text(encoding="utf-8")
        assert text.splitlines() == pane.visible_text()
        assert len(pane.visible_text()) == 10 + 1 + 2
        assert "    E: bad" in text and "INF" not in text


async def test_save_failure_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    async with running() as (app, pilot, pane):
        pane.save_dir = blocker
        pane.append_entries([entry(1)])
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.failures and not app.saved


async def test_hostile_text_is_shown_literally_and_never_reaches_the_terminal() -> None:
    hostile = [
        "[bold red]x[/]",
        "[/]",
        "[link=http://x]y",
        "title \x1b]0;title\x07 done",
        "clear \x1b[2J\x1b[31mred\r\x00\x9b",
        "\tindented",
    ]
    async with running() as (app, pilot, pane):
        pane.append_entries([entry(n, text) for n, text in enumerate(hostile)])
        pane.append_entries([entry(9, "ok", exception="[bold]E[/]\x1b[2J\nline2")])
        await pilot.press("e")
        view = pane.lines_view
        strips = [view.row_strip(row) for row in range(view.virtual_size.height)]
        for strip in strips:
            for segment in strip:
                assert "\x1b" not in segment.text and "\x07" not in segment.text
                assert not any(ord(ch) < 32 for ch in segment.text)
        text = "\n".join(strip.text for strip in strips)
        for literal in ("[bold red]x[/]", "[/]", "[link=http://x]y", "␛]0;title␇ done", "␛[2J␛[31mred␍␀<9B>", "[bold]E[/]␛[2J"):
            assert literal in text
        assert "INF     indented" in text
        await pilot.press("w", "u", "l")
        await pilot.pause()
        assert app.is_running


async def test_out_of_order_batches_end_sorted() -> None:
    async with running() as (_, pilot, pane):
        order = list(range(50))
        random.Random(5).shuffle(order)
        pane.append_entries([entry(n) for n in order])
        pane.append_entries([entry(n, f"late {n}", seconds=n + 0.5) for n in (10, 3, 47)])
        await pilot.pause()
        stamps = [line.split()[1] for line in pane.visible_text()]
        assert stamps == sorted(stamps) and len(stamps) == 53
        messages = [line.split(" ", 3)[3] for line in pane.visible_text()]
        assert messages[3:6] == ["message 3", "late 3", "message 4"]


async def test_equal_timestamps_keep_arrival_order() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n, f"first {n}", seconds=5) for n in range(3)])
        pane.append_entries([entry(9, "earlier", seconds=1), entry(10, "second", seconds=5)])
        messages = [line.split(" ", 3)[3] for line in pane.visible_text()]
        assert messages == ["earlier", "first 0", "first 1", "first 2", "second"]


async def test_retain_cap_drops_oldest_and_says_so() -> None:
    async with running(retain_limit=100) as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(80)])
        pane.append_entries([entry(n) for n in range(80, 150)])
        await pilot.pause()
        assert pane.line_count == 100
        assert pane.visible_text()[0].endswith("message 50")
        assert "oldest 50 lines dropped (cap 100)" in pane.status_text
        assert "message 149" in screen_rows(pane)[-1]


async def test_hundred_kilobyte_line_is_cut_with_a_marker() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(1, "A" * 100_000)])
        await pilot.pause()
        row = pane.lines_view.row_strip(0).text
        assert row.endswith("… [+90,000 chars]")
        assert row.count("A") == 10_000


async def test_exceptions_collapse_expand_all_and_click_one() -> None:
    trace = "System.InvalidOperationException: boom\n" + "\n".join(f"   at Step{n}()" for n in range(12))
    async with running(live=False) as (_, pilot, pane):
        pane.append_entries([entry(0, "first", exception=trace), entry(1, "plain"), entry(2, "second", exception=trace)])
        await pilot.pause()
        rows = all_rows(pane)
        assert len(rows) == 3
        assert "▸ System.InvalidOperationException: boom  (+12 lines)" in rows[0]
        await pilot.press("e")
        assert pane.lines_view.virtual_size.height == 3 + 2 * 13
        assert "   at Step11()" in all_rows(pane)[13]
        await pilot.press("e")
        await pilot.click(LogPane, offset=(20, 0))  # the first line of the pane
        rows = all_rows(pane)
        assert len(rows) == 3 + 13 and "▾" in rows[0] and "▸" in rows[-1]


async def test_u_toggles_utc_and_dates_appear_when_lines_span_days() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(0, "noon")])
        await pilot.pause()
        assert all_rows(pane)[0].startswith("14:00:00.000 INF noon")  # +02:00
        await pilot.press("u")
        assert all_rows(pane)[0].startswith("12:00:00.000 INF noon")
        assert "UTC" in pane.status_text
        pane.append_entries([entry(1, "tomorrow", seconds=86_400)])
        assert all_rows(pane)[1].startswith("2024-05-02 12:00:00.000 INF tomorrow")


async def test_wide_characters_keep_alignment() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(0, "日本語のログ 🚀 done"), entry(1, "ascii")])
        await pilot.pause()
        view = pane.lines_view
        width = view.scrollable_content_region.width
        assert all(view.render_line(y).cell_length == width for y in range(3))
        await pilot.press("w")
        pane.append_entries([entry(2, "漢" * 200)])
        rows = all_rows(pane)
        assert all(cell_len(row) <= width for row in rows)
        assert sum(row.count("漢") for row in rows) == 200


async def test_batches_refresh_at_most_about_ten_times_a_second() -> None:
    async with running() as (_, pilot, pane):
        pane.refresh_interval = 0.1
        flushes = 0
        original = pane._sync_virtual_size

        def counting() -> None:
            nonlocal flushes
            flushes += 1
            original()

        pane._sync_virtual_size = counting  # type: ignore[method-assign]
        for batch in range(50):
            pane.append_entries([entry(batch * 10 + n) for n in range(10)])
        assert flushes <= 1
        await pilot.pause(0.25)
        assert flushes <= 3 and at_tail(pane)
        assert "message 499" in screen_rows(pane)[-1]


def test_bindings_have_ids_and_main_ones_show() -> None:
    bindings = {binding.id: binding for binding in LogPane.BINDINGS}  # type: ignore[union-attr]
    required = {
        "log.follow", "log.tail", "log.wrap", "log.level", "log.search",
        "log.next_match", "log.prev_match", "log.save", "log.utc", "log.expand",
    }
    assert required <= set(bindings)
    assert all(bindings[name].show for name in ("log.follow", "log.level", "log.search", "log.save"))


def test_message_column_reads_and_searches_like_a_plain_list(monkeypatch: Any) -> None:
    """The block storage behind every line and `/` agrees with a list of strings."""
    from flowsynx_tui.widgets.logview import column as log_messages

    monkeypatch.setattr(log_messages, "BLOCK", 8)  # many blocks from few lines
    monkeypatch.setattr(log_messages, "_DENSE_CHECK", 2)  # and the dense path too
    monkeypatch.setattr(log_messages, "LOWERED_COPY_MAX_AVERAGE", 12)  # both block kinds
    rng = random.Random(1)
    words = ["Alpha", "beta", "GAMMA", "x\ny", "İstanbul", "delta", "🚀", "\ud800", "Ünïcode"]
    needles = ("alpha", "GAMMA beta", "x\ny", "i̇stanbul", "a", "🚀", "ünï", "42", "")
    for _ in range(40):
        column, lines, first, end = log_messages.MessageColumn(), {}, 0, 0
        for _ in range(25):
            roll = rng.random()
            if roll < 0.6:
                batch = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 20))]
                column.extend(end, batch)
                lines.update(zip(range(end, end + len(batch)), batch))
                end += len(batch)
            elif roll < 0.8:
                cut = rng.randint(first, end)
                column.truncate(cut)
                end = cut
            else:
                first = rng.randint(first, end)
                column.drop_below(first)
            assert [column.get(key) for key in range(first, end)] == [lines[k] for k in range(first, end)]
            start = rng.randint(first, end)
            assert column.slice(start, end) == [lines[k] for k in range(start, end)]
            for needle in needles:
                found = [key for key in column.find(needle, start) if key >= first]
                assert found == [k for k in range(start, end) if needle.lower() in lines[k].lower()], needle


# -- reactive state, toasts, file modes -------------------------------------------------------------


def shown_status(pane: LogPane) -> str:
    """The status bar as drawn (not ``status_text``, which is computed on demand)."""
    return str(pane.query_one(".log-pane--status", Static).content)


async def test_status_bar_redraws_when_follow_live_or_new_count_change() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        assert "following" in shown_status(pane)
        pane.follow = False  # whoever changes it, the bar says so at once
        assert "paused · 0 new" in shown_status(pane)
        pane.append_entries([entry(n) for n in range(100, 105)])
        assert pane.new_since_pause == 5 and "paused · 5 new" in shown_status(pane)
        pane.new_since_pause = 7
        assert "paused · 7 new" in shown_status(pane)
        pane.new_since_pause = 0
        pane.live = False
        assert "follow off" in shown_status(pane)
        pane.set_live(True)  # five lines came below while paused: not at the end, still paused
        assert not pane.follow and "paused · 0 new" in shown_status(pane)
        await pilot.press("end")
        assert "following" in shown_status(pane)
        await pilot.press("f")
        assert "paused · 0 new" in shown_status(pane)
        pane.set_live(False)
        assert "follow off" in shown_status(pane)
        assert shown_status(pane) == pane.status_text


async def test_save_toasts_are_plain_one_line_text(tmp_path: Path, monkeypatch: Any) -> None:
    toasts: list[tuple[str, dict[str, Any]]] = []

    def failing(*_: Any) -> None:
        raise OSError("[Errno 28] disk [bold]full\x1b[2J\nsecond line")

    async with running() as (app, pilot, pane):
        monkeypatch.setattr(app, "notify", lambda message, **options: toasts.append((message, options)))
        monkeypatch.setattr(pane_module, "write_log_file", failing)
        pane.save_dir = tmp_path
        pane.append_entries([entry(1)])
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        monkeypatch.setattr(pane_module, "write_log_file", write_log_file)
        pane.save_dir = tmp_path / "[b]x[/b]"
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.failures == ["[Errno 28] disk [bold]full\x1b[2J\nsecond line"]  # the message keeps it all
    (failed, failed_options), (saved, saved_options) = toasts
    assert failed == "Could not save the log: [Errno 28] disk [bold]full␛[2J ⏎ second line"
    assert failed_options["markup"] is False and failed_options["severity"] == "error"
    assert saved.startswith("Saved 1 log lines to ") and "/[b]x[/b]/flowsynx-" in saved
    assert saved_options["markup"] is False


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
async def test_saved_log_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # so that it is not the umask that takes the other bits away
    try:
        async with running() as (app, pilot, pane):
            pane.save_dir = tmp_path
            pane.append_entries([entry(n) for n in range(3)])
            await pilot.press("s")
            await app.workers.wait_for_complete()
            await pilot.pause()
    finally:
        os.umask(old_umask)
    (saved,) = app.saved
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert len(saved.read_text(encoding="utf-8").splitlines()) == 3


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_saving_never_overwrites_a_file_nor_writes_through_a_link(tmp_path: Path) -> None:
    model = LogModel(10, ZONE)
    model.append([(T0.timestamp(), 2, "Information", "hello", None)])
    (tmp_path / "log.log").write_text("mine", encoding="utf-8")
    target = tmp_path / "elsewhere"
    (tmp_path / "log-1.log").symlink_to(target)  # a planted link, dangling
    result = write_log_file(model.snapshot(), tmp_path, "log")
    assert result.path.name == "log-2.log" and result.lines == 1
    assert (tmp_path / "log.log").read_text(encoding="utf-8") == "mine"
    assert not target.exists()
    assert result.path.read_text(encoding="utf-8") == "2024-05-01 14:00:00.000 INF hello\n"


# -- less/vim keys, and a status bar that keeps what matters when narrow -----------------------------


@asynccontextmanager
async def running_at(
    size: tuple[int, int], live: bool = True, **options: Any
) -> AsyncIterator[tuple[LogApp, Pilot[None], LogPane]]:
    app = LogApp(**options)
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(LogPane)
        pane.refresh_interval = 0
        pane.reset("execution 4d546c15", live=live)
        pane.focus()
        await pilot.pause()
        yield app, pilot, pane


async def test_j_k_g_and_half_screen_keys_scroll_the_lines() -> None:
    async with running(live=False) as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        view = pane.lines_view
        half = view.scrollable_content_region.height // 2
        assert view.scroll_y == 0 and half > 1
        await pilot.press("j")
        assert view.scroll_y == 1
        await pilot.press("j", "j")
        assert view.scroll_y == 3
        await pilot.press("k")
        assert view.scroll_y == 2
        await pilot.press("ctrl+d")
        assert view.scroll_y == 2 + half
        await pilot.press("ctrl+d")
        assert view.scroll_y == 2 + 2 * half
        await pilot.press("ctrl+u")
        assert view.scroll_y == 2 + half
        await pilot.press("G")  # still the tail, and following
        assert at_tail(pane) and "following" in pane.status_text
        await pilot.press("g")
        assert view.scroll_y == 0 and "following" not in pane.status_text
        assert "message 0" in screen_rows(pane)[0]
        await pilot.press("end")
        assert at_tail(pane) and "following" in pane.status_text
        await pilot.press("home")
        assert view.scroll_y == 0


async def test_half_screen_up_pauses_following_and_down_to_the_end_resumes() -> None:
    async with running() as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        view = pane.lines_view
        half = view.scrollable_content_region.height // 2
        assert at_tail(pane) and pane.follow
        await pilot.press("ctrl+u")
        assert view.scroll_y == view.max_scroll_y - half
        assert not pane.follow and "paused · 0 new" in pane.status_text
        await pilot.press("ctrl+d")
        assert at_tail(pane) and pane.follow  # a live source: reaching the end follows again


async def test_log_keys_are_remapped_by_binding_id() -> None:
    async with running(live=False) as (app, pilot, pane):
        app.set_keymap({"log.half_page_down": "ctrl+f", "log.top": "T"})
        pane.append_entries([entry(n) for n in range(100)])
        await pilot.pause()
        view = pane.lines_view
        half = view.scrollable_content_region.height // 2
        await pilot.press("ctrl+d")
        assert view.scroll_y == 0  # ctrl+d is no longer log.half_page_down
        await pilot.press("ctrl+f")
        assert view.scroll_y == half
        await pilot.press("g")
        assert view.scroll_y == half  # nor is g log.top
        await pilot.press("T")
        assert view.scroll_y == 0
        await pilot.press("j")  # not remapped
        assert view.scroll_y == 1


def test_new_log_bindings_have_ids_and_stay_off_the_footer() -> None:
    bindings = {binding.id: binding for binding in LogLines.BINDINGS}  # type: ignore[union-attr]
    for name, keys in {
        "log.line_down": {"down", "j"},
        "log.line_up": {"up", "k"},
        "log.top": {"home", "g"},
        "log.half_page_down": {"ctrl+d"},
        "log.half_page_up": {"ctrl+u"},
    }.items():
        assert set(bindings[name].key.split(",")) == keys and not bindings[name].show


@pytest.mark.parametrize("width", [80, 44])
async def test_narrow_status_keeps_the_match_count_following_and_line_count(width: int) -> None:
    async with running_at((width, 24)) as (_, pilot, pane):
        await pilot.press("f")  # paused, on a live source: what comes is news
        pane.append_entries([entry(n, f"message {n}" + (" needle" if n in (5, 50, 150) else "")) for n in range(200)])
        await pilot.press("slash", *"needle", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert cell_len(pane.status_text) > width  # the whole would not fit
        shown = shown_status(pane)
        # Lines came while not following: "paused · 200 new" (or, narrower, "paused +200").
        assert "match 1/3" in shown and "200 lines" in shown and "paused" in shown
        assert cell_len(shown) <= width - 2 and "…" not in shown  # fitted, not cut
        await pilot.press("n")
        assert "match 2/3" in shown_status(pane)


async def test_status_refits_when_the_pane_narrows() -> None:
    async with running_at((120, 24)) as (app, pilot, pane):
        await pilot.press("f")
        pane.append_entries([entry(n, f"message {n}" + (" needle" if n % 40 == 0 else "")) for n in range(200)])
        await pilot.press("slash", *"needle", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shown_status(pane) == pane.status_text  # room for everything
        assert "wrap off" in shown_status(pane)
        await pilot.resize_terminal(50, 24)
        await pilot.pause()
        shown = shown_status(pane)
        assert "match 1/5" in shown and "200 lines" in shown and "paused" in shown
        assert "wrap off" not in shown and cell_len(shown) <= 48


async def test_a_mouse_drag_selects_rows_as_shown_and_y_copies_them() -> None:
    async with running(live=False) as (app, pilot, pane):
        pane.append_entries([entry(n) for n in range(10)])
        await pilot.pause()
        rows = [row.rstrip() for row in screen_rows(pane)]
        view = pane.lines_view
        await pilot.mouse_down(view, offset=(0, 2))
        await pilot.hover(view, offset=(12, 4))
        await pilot.mouse_up(view, offset=(12, 4))
        await pilot.pause()
        selected = app.screen.get_selected_text()
        assert selected is not None
        first, middle, last = selected.split("\n")
        assert (first, middle) == (rows[2], rows[3])
        assert last and rows[4].startswith(last) and len(last) < len(rows[4])
        # The selected rows are drawn in the selection style, the others not.
        selection_bg = app.screen.get_component_rich_style("screen--selection").bgcolor
        assert any(seg.style and seg.style.bgcolor == selection_bg for seg in view.render_line(3))
        assert not any(seg.style and seg.style.bgcolor == selection_bg for seg in view.render_line(6))
        await pilot.press("y")
        assert app.clipboard == selected
        assert "Copied the selection: 3 lines" in app.notices


async def test_y_without_a_selection_copies_the_match_else_the_line_clicked_else_the_newest_shown() -> None:
    async with running(live=False) as (app, pilot, pane):
        pane.append_entries([entry(n) for n in range(5)])
        pane.append_entries([entry(7, "boom", level="Error", exception="Traceback\n  at Step()")])
        await pilot.pause()
        await pilot.press("y")
        assert app.clipboard.endswith(" ERR boom\n    Traceback\n      at Step()"), app.clipboard
        assert app.clipboard.startswith("2024-05-01 14:00:07")  # the date, as in a saved file
        view = pane.lines_view
        row = next(y for y, text in enumerate(screen_rows(pane)) if "message 1" in text)
        await pilot.click(view, offset=(5, row))
        await pilot.press("y")
        assert app.clipboard.endswith(" INF message 1"), app.clipboard
        await pilot.press("slash", *"message 3", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("y")
        assert app.clipboard.endswith(" INF message 3"), app.clipboard
        assert any(n.startswith("Copied the current match: ") for n in app.notices), app.notices



async def test_a_level_that_hides_every_line_says_so_where_the_lines_would_be() -> None:
    async with running_at((100, 20), live=False) as (_, pilot, pane):
        pane.append_entries([entry(n) for n in range(50)])  # information only
        await pilot.pause()
        await pilot.press("l", "l", "l")  # debug, info, warning
        await pilot.pause()
        assert "level ≥ warning" in pane.status_text and pane.visible_count == 0
        assert "No line at level warning or above among the 50 lines" in " ".join(screen_rows(pane))
        await pilot.press("l", "l")  # error, then all again
        await pilot.pause()
        assert not any("No line at level" in row for row in screen_rows(pane))
