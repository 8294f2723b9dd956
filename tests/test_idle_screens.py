"""A screen under another one stays out of the terminal: only what is seen is current.

Textual counts the screen right under the top one as current whatever the top one is, and
that screen then repainted the whole top screen about once a second while nothing changed
(the idle figures are in benchmarks/bench_idle.py). Pilot over real HTTP.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.scrollbar import ScrollBarRender

from flowsynx_tui.emulator import seed
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.executions import ExecutionsScreen
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.testing import make_app, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.scrollbar import CompactScrollBarRender

NIGHTLY = seed.workflow_id("nightly-csv-export")
FAILED_RUN = seed.execution_id("nightly-csv-export", 6)
SGR = re.compile("\x1b\\[[0-9;]*m")


async def test_a_screen_under_an_opaque_one_is_not_current_but_one_under_a_dialog_is(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.index.loaded, what="the overview")
        workflows = app.screen
        app.navigate(ExecutionView(NIGHTLY, FAILED_RUN))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        detail = app.screen
        assert detail.is_current and not workflows.is_current
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        assert detail.is_current, "seen through the help dialog, so still drawn"
        assert not workflows.is_current
        await pilot.press("escape")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is workflows, what="back on the workflows")
        assert workflows.is_current and len(app.screen.query("KeyedTable")) == 1


async def all_executions(pilot, app) -> KeyedTable:  # noqa: ANN001
    await wait_for(pilot, lambda: app.services.overview.index.loaded, what="the overview")
    await pilot.press("2")
    await wait_for_screen(pilot, app, ExecutionsScreen)
    return app.screen.query_one(KeyedTable)


async def test_a_table_row_goes_to_the_terminal_with_one_colour_change_a_cell(emulator_server) -> None:
    # A new run moves every row under it down a line, and each moved row is written again:
    # a cell's padding, text and filling were written each with its own colours and a reset
    # (~10 KB a new run at 80x24, benchmarks/bench_idle.py ``idle.new_runs``).
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(160, 30)) as pilot:
        table = await all_executions(pilot, app)
        await wait_for(pilot, lambda: table.row_count > 5, what="the runs")
        checked = 0
        for y, key in enumerate(table.visible_keys, start=table.header_height):
            written = table.render_line(y).render(app.console)
            cells = table.get_row(key)
            styled = sum(1 for cell in cells if cell.style or cell.spans)
            colour_changes = len(SGR.findall(written)) - written.count("\x1b[0m")
            # A styled cell: padding, text, filling; and the line's end past the last column.
            assert colour_changes <= len(cells) + 2 * styled + 1, (key, written)
            checked += 1
        assert checked > 5


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(1, 300),
    virtual=st.integers(2, 5_000),
    window=st.integers(0, 5_000),
    position=st.integers(0, 5_000),
)
def test_a_horizontal_scrollbar_is_drawn_as_textual_draws_it_in_a_few_segments(size, virtual, window, position) -> None:
    # Textual writes one segment (colours, a space, a reset) per cell: ~1.9 KB for an
    # 80-column bar, repainted with the log pane under it.
    window = min(window, virtual - 1)  # a bar is shown only for more than fits (Textual divides by the rest)
    position = min(position, max(0, virtual - window))
    args = dict(size=size, virtual_size=virtual, window_size=window, position=position, vertical=False)
    stock = list(ScrollBarRender.render_bar(**args).segments)
    compact = list(CompactScrollBarRender.render_bar(**args).segments)

    def cells(segments):  # the look and the click meaning of every cell, in order
        return [(character, segment.style) for segment in segments for character in segment.text]

    assert cells(compact) == cells(stock)
    assert len([segment for segment in compact if segment.text != "\n"]) <= 5


async def test_the_apps_horizontal_scrollbars_are_the_compact_ones(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(60, 24)) as pilot:
        table = await all_executions(pilot, app)
        await wait_for(pilot, lambda: table.show_horizontal_scrollbar, what="a table wider than the screen")
        bar = table.horizontal_scrollbar
        drawn = list(app.console.render(bar.render(), app.console.options.update_dimensions(*bar.size)))
        assert 1 < len([segment for segment in drawn if segment.text.strip("\n")]) <= 5, drawn
