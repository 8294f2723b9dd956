"""A screen under another one stays out of the terminal: only what is seen is current.

Textual counts the screen right under the top one as current whatever the top one is, and
that screen then repainted the whole top screen about once a second while nothing changed
(the idle figures are in benchmarks/bench_idle.py). Pilot over real HTTP.
"""

from __future__ import annotations

from flowsynx_tui.emulator import seed
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.testing import make_app, wait_for, wait_for_screen

NIGHTLY = seed.workflow_id("nightly-csv-export")
FAILED_RUN = seed.execution_id("nightly-csv-export", 6)


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
