"""Look and habits: the theme (``--theme``, the config file, a palette pick remembered in
the file with its comments and mode), the dashboard under ``NO_COLOR`` (what matters still
stands out), and ``ctrl+s`` (an SVG where it was asked for, else the working directory;
a failure says why)."""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.theme import BUILTIN_THEMES

from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.cli import main
from flowsynx_tui.config import Settings, resolve_settings
from flowsynx_tui.config_cli import TEMPLATE
from flowsynx_tui.config_write import set_top_level_theme
from flowsynx_tui.emulator import Emulator, EmulatorServer
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.testing import (
    DEMO_BASE_TIME,
    SCENES,
    make_demo_app,
    screen_text,
    wait_for,
    wait_for_screen,
)

# ------------------------------------------------------------------ what a screenshot shows

_CELL_W, _CELL_H, _TOP = 12.2, 24.4, 1.5  # Rich's SVG export: cell size and first row
_TEXT = re.compile(r'<text class="([\w-]+)" x="([\d.]+)" y="[\d.]+" [^>]*?-line-(\d+)\)">(.*?)</text>')
_RECT = re.compile(r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"')
_CLASS = re.compile(r"\.([\w-]+) \{ ([^}]*)\}")


def looks(svg: str, needle: str) -> list[dict[str, object]]:
    """How each run of text holding ``needle`` is drawn: its colour, the colour behind it,
    bold and underline, as the screenshot (and so the terminal) shows it."""
    classes = {name: body for name, body in _CLASS.findall(svg)}
    rects = [(fill, float(x), float(y), float(w)) for fill, x, y, w in _RECT.findall(svg)]
    found = []
    for name, x, line, content in _TEXT.findall(svg):
        if needle not in content.replace("&#160;", " "):
            continue
        body = classes[name]
        y = _TOP + int(line) * _CELL_H
        behind = [fill for fill, rx, ry, rw in rects if abs(ry - y) < 1 and rx <= float(x) + 1 < rx + rw]
        fill = re.search(r"fill: (#[0-9a-f]{6})", body)
        found.append({
            "fg": fill.group(1) if fill else "#000000",
            "bg": behind[-1],
            "bold": "bold" in body,
            "underline": "underline" in body,
        })
    assert found, f"{needle!r} is not on screen"
    return found


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio: 1 (invisible) to 21 (black on white); 4.5 reads as body text."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def grey(colour: str) -> bool:
    return len({colour[1:3], colour[3:5], colour[5:7]}) == 1


@pytest.fixture(scope="module")
def frozen_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator(frozen=True, base_time=DEMO_BASE_TIME))
    server.start()
    yield server
    server.stop()


async def shot(app: FlowSynxApp, scene: str, size: tuple[int, int] = (100, 30)) -> str:
    async with app.run_test(size=size) as pilot:
        await SCENES[scene](pilot, app)
        return app.export_screenshot()


# ------------------------------------------------------------------ NO_COLOR


async def test_without_colour_the_approval_marker_and_statuses_still_stand_out(
    frozen_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    svg = await shot(make_demo_app(frozen_server.port, refresh=0.5), "execution_paused")
    text_colour = looks(svg, "invoice-approval")[0]["fg"]
    for needle in ("1 approval waiting", "Paused", "waiting for approval of task"):
        (look,) = looks(svg, needle)
        assert grey(look["fg"]) and grey(look["bg"]), f"{needle}: NO_COLOR has colour"  # type: ignore[arg-type]
        # Was grey (#3b3b3b) on grey (#2d2d2d), 1.2:1. Reverse: a light block, the
        # background behind the letters lighter than the screen's text.
        assert contrast(look["fg"], look["bg"]) >= 4.5, f"{needle} is hard to read: {look}"  # type: ignore[arg-type]
        assert look["bg"] > text_colour and look["bold"], f"{needle} is not a reverse block: {look}"  # type: ignore[operator]


async def test_without_colour_failures_are_underlined_and_readable(
    frozen_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    svg = await shot(make_demo_app(frozen_server.port, refresh=0.5), "executions", size=(120, 40))
    failed = looks(svg, "Failed")
    assert len(failed) >= 2  # off the cursor row, where the cursor's own style rules
    for look in failed[1:]:
        assert look["underline"] and look["bold"], look
        assert contrast(look["fg"], look["bg"]) >= 4.5, look  # type: ignore[arg-type]


async def test_without_colour_a_json_null_is_not_drawn_as_a_signal(
    frozen_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    svg = await shot(make_demo_app(frozen_server.port, refresh=0.5), "definition")
    null, key = looks(svg, "null")[0], looks(svg, "Schema")[-1]
    assert null["bg"] == key["bg"] and not null["underline"], (null, key)  # magenta, but a word of the JSON


async def test_with_colour_the_marker_keeps_its_colour(frozen_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    svg = await shot(make_demo_app(frozen_server.port, refresh=0.5), "execution_paused")
    (marker,) = looks(svg, "1 approval waiting")
    assert not grey(marker["fg"]), marker  # type: ignore[arg-type]
    assert not looks(svg, "Paused")[0]["underline"]


# ------------------------------------------------------------------ theme


def config_settings(config: Path, url: str, **flags: object) -> Settings:
    return replace(resolve_settings(url=url, config_path=config, environ={}, **flags), refresh=0.5)  # type: ignore[arg-type]


async def background(app: FlowSynxApp) -> str:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        svg = app.export_screenshot()
    return looks(svg, "Workflows")[0]["bg"]  # type: ignore[return-value]


async def test_the_theme_comes_from_the_flag_over_the_config_file(frozen_server: EmulatorServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "nord"\n')
    nord = await background(FlowSynxApp(config_settings(config, frozen_server.url)))
    dracula = await background(FlowSynxApp(config_settings(config, frozen_server.url, theme="dracula")))
    config.write_text("")
    default = await background(FlowSynxApp(config_settings(config, frozen_server.url)))
    assert len({nord, dracula, default}) == 3, (nord, dracula, default)


async def pick_theme_in_palette(pilot: Pilot[None], app: FlowSynxApp, name: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause(0.3)
    await pilot.press(*"theme")
    await pilot.pause(0.5)
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Search for themes" in str(app.screen.query("Input").first().placeholder), what="themes")
    await pilot.press(*name)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.theme == name, what=f"theme {name}")


COMMENTED = """\
# my servers; keep this comment
default_profile = "a"   # the usual one

bell = false

# a: the local emulator
[profiles.a]
url = "http://127.0.0.1:1"
password = "s3cret"
"""


async def test_a_theme_picked_in_the_palette_is_remembered_comments_and_mode_kept(
    frozen_server: EmulatorServer, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(COMMENTED)
    config.chmod(0o640)
    app = FlowSynxApp(config_settings(config, frozen_server.url))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pick_theme_in_palette(pilot, app, "dracula")
        await wait_for(pilot, lambda: any(n.title == "Theme" for n in app.notices), what="the toast")
        assert "remembered" in app.notices[-1].message
    assert config.read_text() == COMMENTED.replace("bell = false\n", 'bell = false\ntheme = "dracula"\n')
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary left behind
    assert resolve_settings(config_path=config, environ={}).theme == "dracula"  # the next start

    app = FlowSynxApp(config_settings(config, frozen_server.url))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.theme == "dracula"
        await pick_theme_in_palette(pilot, app, "nord")
    assert config.read_text() == COMMENTED.replace("bell = false\n", 'bell = false\ntheme = "nord"\n')


async def test_a_pick_without_a_config_file_creates_one_0600(frozen_server: EmulatorServer, tmp_path: Path) -> None:
    config = tmp_path / "flowsynx-tui" / "config.toml"
    previous = os.umask(0o022)
    try:
        app = FlowSynxApp(config_settings(config, frozen_server.url))
        async with app.run_test(size=(100, 30)) as pilot:
            await pick_theme_in_palette(pilot, app, "gruvbox")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert resolve_settings(config_path=config, environ={}).theme == "gruvbox"


async def test_a_pick_that_cannot_be_written_says_so_and_still_applies(frozen_server: EmulatorServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "nord"\n')
    settings = config_settings(config, frozen_server.url)
    config.write_text("theme = [oops\n")  # broken while the dashboard runs
    app = FlowSynxApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pick_theme_in_palette(pilot, app, "monokai")
        await wait_for(pilot, lambda: any(n.title == "Theme" for n in app.notices), what="the toast")
        notice = app.notices[-1]
        assert notice.severity == "warning" and "not valid TOML" in notice.message
    assert config.read_text() == "theme = [oops\n"


def test_the_template_gets_the_theme_under_its_commented_line() -> None:
    edited = set_top_level_theme(TEMPLATE, "nord")
    lines = edited.splitlines()
    assert lines[lines.index('theme = "nord"') - 1].startswith("# theme = ")
    assert edited.replace('theme = "nord"\n', "", 1) == TEMPLATE


@pytest.mark.parametrize(
    ("args", "text", "expected"),
    [
        ((), 'theme = "nrod"\n', "theme: unknown theme 'nrod' (did you mean nord?); themes: textual-dark, "),
        ((), "theme = 3\n", 'theme: expected a theme name in quotes, e.g. "nord", got 3'),
        ((), 'screenshot_dir = "no/such/dir"\n', "screenshot_dir: 'no/such/dir' is not a directory"),
        (("--theme", "solarised-dark"), "", "--theme: unknown theme 'solarised-dark' (did you mean solarized-dark?)"),
    ],
)
def test_a_bad_theme_or_screenshot_dir_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], text: str, expected: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    assert main(["--config", str(config), "--url", "http://127.0.0.1:1", *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    if "unknown theme" in expected:
        assert all(name in err for name in BUILTIN_THEMES)


def test_every_textual_theme_is_accepted(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    for name in BUILTIN_THEMES:
        config.write_text(f'theme = "{name}"\n')
        assert resolve_settings(config_path=config, environ={}).theme == name


# ------------------------------------------------------------------ ctrl+s


async def press_ctrl_s(app: FlowSynxApp) -> str:
    """ctrl+s on the workflows screen; the toast that follows."""
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.screen.query("KeyedTable") and app.screen.query_one("KeyedTable").row_count, what="workflows")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(n.title == "Screenshot" for n in app.notices), what="the screenshot's toast")
        notice = next(n for n in app.notices if n.title == "Screenshot")
    return f"{notice.severity}: {notice.message}"


async def test_ctrl_s_saves_an_svg_in_the_configured_directory(frozen_server: EmulatorServer, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'screenshot_dir = "{shots}"\n')
    toast = await press_ctrl_s(FlowSynxApp(config_settings(config, frozen_server.url)))
    (saved,) = shots.glob("*.svg")
    assert toast == f"information: Screenshot saved to {saved}."
    assert "invoice-approval" in saved.read_text().replace("&#160;", " ")


async def test_ctrl_s_without_a_directory_saves_in_the_working_directory_not_downloads(
    frozen_server: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/Downloads, as on a server
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text("")
    toast = await press_ctrl_s(FlowSynxApp(config_settings(config, frozen_server.url)))
    (saved,) = tmp_path.glob("*.svg")
    assert toast == f"information: Screenshot saved to {saved}."


async def test_a_screenshot_that_cannot_be_saved_says_why(frozen_server: EmulatorServer, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'screenshot_dir = "{shots}"\n')
    settings = config_settings(config, frozen_server.url)
    shots.rmdir()  # gone since the start
    toast = await press_ctrl_s(FlowSynxApp(settings))
    assert toast.startswith(f"error: Screenshot not saved to {shots}/")
    assert toast.endswith(": No such file or directory.")


async def test_ctrl_s_is_in_help_with_its_id_and_can_be_remapped(frozen_server: EmulatorServer, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    app = make_demo_app(frozen_server.port, keymap={"app.screenshot": "f9"})
    app.settings = replace(app.settings, screenshot_dir=shots)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for_screen(pilot, app, HelpScreen)
        await pilot.press("G")  # the app's own keys are listed last, under the screen's
        await pilot.pause(0.2)
        (row,) = [line for line in screen_text(app).splitlines() if "app.screenshot" in line]
        assert row.strip("│ ").split()[:2] == ["f9", "Screenshot"], row
        await pilot.press("escape")
        await pilot.press("f9")
        await wait_for(pilot, lambda: list(shots.glob("*.svg")), what="the screenshot")


def test_ctrl_s_on_a_real_terminal_saves_0600_in_the_configured_directory(tmp_path: Path) -> None:
    from benchmarks.processes import EmulatorProcess
    from tests.test_terminal_gone import Terminal

    with EmulatorProcess() as emulator:
        shots = tmp_path / "shots"
        shots.mkdir()
        config = tmp_path / "config.toml"
        config.write_text(f'screenshot_dir = "{shots}"\n')
        previous = os.umask(0o022)  # under which a plain open() makes 0644
        try:
            term = Terminal(emulator.url, tmp_path, "--config", str(config))
        finally:
            os.umask(previous)
        try:
            term.wait_for("invoice-approval")
            term.press(b"\x13")  # ctrl+s: the terminal's XOFF, which the dashboard's raw mode turns off
            deadline = time.monotonic() + 15
            while not list(shots.glob("*.svg")):
                assert time.monotonic() < deadline, "no screenshot was saved"
                time.sleep(0.1)
            (saved,) = shots.glob("*.svg")
            term.wait_for("Screenshot saved")
            assert stat.S_IMODE(saved.stat().st_mode) == 0o600
            assert "invoice-approval" in saved.read_text().replace("&#160;", " ")
        finally:
            term.cleanup()


@pytest.mark.parametrize("size", [(80, 24), (60, 18)])
async def test_the_sign_in_dialog_shows_whole_where_an_operator_types(frozen_server: EmulatorServer, size: tuple[int, int]) -> None:
    app = make_demo_app(frozen_server.port, refresh=0.5)
    async with app.run_test(size=size) as pilot:
        await SCENES["sign_in"](pilot, app)
        box = app.screen.query_one("#login-box")
        # Title, reason, fields and buttons at once: nothing to scroll to before typing.
        assert box.max_scroll_y == 0
        text = screen_text(app)
        for words in ("Sign in again", "Token", "User name", "Password", "Sign in", "Cancel (esc)"):
            assert words in text
        # No credentials yet (the demo): the user name first, the fields' order after it.
        assert app.screen.focused is not None and app.screen.focused.id == "username"
        await pilot.press("a", "b", "tab", "c")
        assert app.screen.query_one("#username").value == "ab" and app.screen.query_one("#password").value == "c"
