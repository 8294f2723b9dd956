"""Every screen at 80x24 and 160x48, from the frozen demo (fixed ids, data and clock).

Update on purpose with `python -m pytest tests/test_snapshots.py --snapshot-update`, then
read the SVG diff.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.testing import DEMO_BASE_TIME, SCENES, make_demo_app

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


@pytest.fixture(scope="module")
def frozen_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator(frozen=True, base_time=DEMO_BASE_TIME))
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", SCENES)
def test_screen(snap_compare, frozen_server: EmulatorServer, scene: str, size: str) -> None:
    app = make_demo_app(frozen_server.port, refresh=0.5)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await SCENES[scene](pilot, app)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
