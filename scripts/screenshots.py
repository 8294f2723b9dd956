"""Regenerate the README's pictures in screenshots/ from the frozen demo.

    python scripts/screenshots.py            # every scene
    python scripts/screenshots.py workflows  # just one

The same scenes drive the snapshot tests, so the pictures show what the tests check.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.testing import DEMO_BASE_TIME, SCENES, make_demo_app, use_utc

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (120, 34)
#: Scenes worth a picture in the README (the dialogs are in the snapshot tests).
PICTURED = (
    "workflows",
    "executions",
    "execution_running",
    "execution_paused",
    "approvals",
    "confirm_approve",
    "task_details",
    "definition",
    "help",
)


async def shoot(server: EmulatorServer, scene: str) -> Path:
    app = make_demo_app(server.port, refresh=0.5)
    path = OUT / f"{scene}.svg"
    async with app.run_test(size=SIZE) as pilot:
        await SCENES[scene](pilot, app)
        path.write_text(app.export_screenshot(title=f"flowsynx-tui · {scene.replace('_', ' ')}"))
    return path


async def main(names: list[str]) -> None:
    use_utc()
    OUT.mkdir(exist_ok=True)
    server = EmulatorServer(Emulator(frozen=True, base_time=DEMO_BASE_TIME))
    server.start()
    try:
        for name in names:
            print(await shoot(server, name))
    finally:
        server.stop()


if __name__ == "__main__":
    chosen = sys.argv[1:] or list(PICTURED)
    unknown = [name for name in chosen if name not in SCENES]
    if unknown:
        sys.exit(f"unknown scene(s): {', '.join(unknown)}; known: {', '.join(SCENES)}")
    asyncio.run(main(chosen))
