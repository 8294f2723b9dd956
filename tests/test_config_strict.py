"""The config file and the command line say what is wrong: one line naming the file, the key
and what it takes, exit 2; `config path|check|init`; [keys] mistakes said at start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from flowsynx_tui.cli import main

PROFILE = 'default_profile = "p"\n[profiles.p]\nurl = "http://127.0.0.1:6262"\n'


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FLOWSYNX")}
    return subprocess.run(
        [sys.executable, "-m", "flowsynx_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**environment, **(env or {})},
        check=False,
    )


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PROFILE + 'read_only = "no"\n', 'profiles.p.read_only: expected true or false, got "no"'),
        ('bell = "no"\n', 'bell: expected true or false, got "no"'),
        (PROFILE + "refresh = true\n", "profiles.p.refresh: expected a number of seconds from 0.2 to 3600, got true"),
        (PROFILE + "refresh = 0.05\n", "profiles.p.refresh: expected a number of seconds from 0.2 to 3600, got 0.05"),
        (PROFILE + 'usernmae = "bob"\n', "profiles.p.usernmae: unknown key (did you mean username?)"),
        ('default_profile = ["a"]\n', 'default_profile: expected a profile name in quotes, got ["a"]'),
        ("[profiles]\nx = 5\n", "profiles.x: expected a table [profiles.x] with url = ..., got 5"),
        ('default_profile = "x"\n[profiles.a]\n', "default_profile: no profile 'x' (profiles: a)"),
        (PROFILE + 'auth = "oauth"\n', 'profiles.p.auth: expected "none", "basic" or "bearer", got "oauth"'),
        ('bel = false\n', "bel: unknown key (did you mean bell?)"),
        (
            "[keys]\n'app.quit' = 3\n",
            'keys."app.quit": expected a string of comma-separated keys (binding ids map to keys, '
            'e.g. "app.quit" = "q"), got 3',
        ),
        ('default_profile = "p"\n[profiles.p]\nurl = "http://[::1"\n', "profiles.p.url: bad URL 'http://[::1': Invalid IPv6 URL"),
        (PROFILE + 'read_only = "no"\nlive = 1\n', 'profiles.p.read_only: expected true or false, got "no" (and 1 more)'),
    ],
)
def test_a_wrong_key_is_one_line_naming_file_key_and_expectation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    assert main(["--config", str(config)]) == 2
    assert one_error_line(capsys.readouterr().err) == f"flowsynx-tui: error: config file {config}: {expected}"


def test_a_secret_of_the_wrong_type_is_not_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(PROFILE + "token = 81726354\n")
    assert main(["--config", str(config)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "profiles.p.token: expected a string" in line
    assert "81726354" not in line


def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'bell = true\n# caf\xe9\n')
    assert main(["--config", str(config)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line == f"flowsynx-tui: error: config file {config}: not UTF-8 text (byte 0xe9 at offset 17)"


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = run_cli("--config", str(missing))
    assert result.returncode == 2
    assert one_error_line(result.stderr) == f"flowsynx-tui: error: config file {missing}: no such file"
    result = run_cli(env={"FLOWSYNX_TUI_CONFIG": str(missing)})
    assert result.returncode == 2
    assert one_error_line(result.stderr) == f"flowsynx-tui: error: config file {missing}: no such file"


def test_flowsynx_tui_config_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('bell = "loud"\n')
    result = run_cli("config", "path", env={"FLOWSYNX_TUI_CONFIG": str(config)})
    assert (result.returncode, result.stdout.strip()) == (0, str(config))
    # It is the file the dashboard reads: its mistake stops the start.
    result = run_cli("--url", "http://127.0.0.1:9", env={"FLOWSYNX_TUI_CONFIG": str(config)})
    assert result.returncode == 2
    assert 'bell: expected true or false, got "loud"' in one_error_line(result.stderr)
    # --config wins over the environment.
    other = tmp_path / "other.toml"
    result = run_cli("config", "path", "--config", str(other), env={"FLOWSYNX_TUI_CONFIG": str(config)})
    assert result.stdout.strip() == str(other)


def test_config_init_writes_a_private_template_that_checks_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "new" / "config.toml"
    assert main(["config", "init", "--config", str(config)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {config}"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    template = config.read_text()
    assert template.startswith("# flowsynx-tui configuration")

    assert main(["config", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "profile local (default): http://localhost:6262" in out

    config.write_text(template + "# mine\n")
    assert main(["config", "init", "--config", str(config)]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        f"flowsynx-tui: error: config file {config} already exists; not overwriting it"
    )
    assert config.read_text().endswith("# mine\n")


def test_config_check_shows_each_profile_with_secrets_masked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "prod"\n'
        '[profiles.prod]\nurl = "https://flowsynx.example.com"\nauth = "bearer"\ntoken = "t0ps3cret"\nread_only = true\n'
        '[profiles.local]\nurl = "http://localhost:6262"\nauth = "basic"\nusername = "admin"\npassword = "hunter2"\n'
    )
    config.chmod(0o600)
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "t0ps3cret" not in result.stdout + result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{config}: ok"
    prod = next(line for line in lines if "profile prod" in line)
    assert "(default)" in prod and "https://flowsynx.example.com" in prod and "read-only yes" in prod
    local = next(line for line in lines if "profile local" in line)
    assert "basic as admin" in local and "****" in local

    assert "basic as admin, password ****" in local

    # A secret is said to be there only when it is; the first line says how it went.
    config.write_text(
        config.read_text()
        + '[profiles.nopass]\nurl = "http://localhost:6262"\nauth = "basic"\nusername = "ops"\n'
        + '[profiles.nouser]\nurl = "http://localhost:6262"\npassword = "hunter3"\n'
        + "[profiles.broken]\nauth = \"basic\"\n"
    )
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0] == f"{config}: 1 profile with errors"
    assert "profile broken: error: profile 'broken' uses basic auth but no username is set" in result.stdout
    assert "basic as ops, no password: asked at sign-in" in next(line for line in lines if "profile nopass" in line)
    nouser = next(line for line in lines if "profile nouser" in line)
    assert "a password is set but no user name, so it is not used" in nouser and "hunter3" not in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--url", "http://[::1"], "bad URL 'http://[::1': Invalid IPv6 URL"),
        (["--url", ""], "bad URL '': expected http://host:port"),
        (["--url", "http://flow synx:6262"], "spaces and control characters are not allowed"),
        (["emulator", "--faults", "error_rate=2"], "--faults: fault error_rate is a probability from 0 to 1, got '2'"),
        (["emulator", "--faults", "latency=-1"], "--faults: fault latency needs a number from 0 up, got '-1'"),
        (["emulator", "--workers", "0"], "argument --workers: must be 1 or more"),
        (["completion", "tcsh"], "argument shell: invalid choice: 'tcsh'"),
    ],
)
def test_other_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    # An empty config file of its own: whatever this machine's user has configured plays no part.
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    result = run_cli(*args, env={"FLOWSYNX_TUI_CONFIG": str(empty)})
    assert result.returncode == 2, result.stderr
    assert needle in one_error_line(result.stderr)


def test_a_ca_cert_that_is_no_ca_bundle_is_one_line(tmp_path: Path) -> None:
    not_a_bundle = tmp_path / "passwd"
    not_a_bundle.write_text("root:x:0:0:root:/root:/bin/bash\n")
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    for url in ("https://127.0.0.1:9", "http://127.0.0.1:9"):
        result = run_cli("--ca-cert", str(not_a_bundle), "--url", url, env={"FLOWSYNX_TUI_CONFIG": str(empty)})
        assert result.returncode == 2
        assert one_error_line(result.stderr).startswith(f"flowsynx-tui: error: --ca-cert {not_a_bundle}: not a PEM CA bundle")


def test_help_has_examples_the_config_path_and_the_environment(tmp_path: Path) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    out = result.stdout
    assert "examples:\n  flowsynx-tui --demo" in out
    assert "config file: " in out and "config.toml" in out
    for variable in ("FLOWSYNX_URL", "FLOWSYNX_TOKEN", "FLOWSYNX_USERNAME", "FLOWSYNX_PASSWORD", "FLOWSYNX_TUI_CONFIG"):
        assert variable in out
    assert "README" not in out  # the installed tool ships none
    assert "completion bash|zsh|fish" in out


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_http_models_or_ui(flag: str) -> None:
    code = (
        "import sys\n"
        "from flowsynx_tui.cli import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(name for name in ('httpx', 'pydantic', 'textual') if name in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.stderr.strip() == "[]"


def test_config_check_reports_key_mistakes(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[keys]\n'app.qiut' = 'q'\n'log.follow' = 'ctrl+flw'\n'app.executions' = '1'\n'app.quit' = 'q,ctrl+q'\n"
                      "'confirm.yes' = 'enter'\n")
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == f"{config}: ok, with 4 warnings (on stderr)"
    assert "  keys: app.qiut = q (not applied: see the warning)" in result.stdout
    assert "  keys: app.quit = q,ctrl+q\n" in result.stdout
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        "flowsynx-tui: warning: [keys] app.qiut: no binding has this id (did you mean app.quit?); ignored",
        "flowsynx-tui: warning: [keys] log.follow: 'ctrl+flw' is not a key name; the binding keeps its key",
        # Accepted, Enter pressed the focused No button: a yes key that cancels.
        "flowsynx-tui: warning: [keys] confirm.yes: enter presses the focused button in a dialog; the binding keeps "
        "its key",
        "flowsynx-tui: warning: [keys] app.executions: 1 is also the key of app.workflows (FlowSynxApp); "
        "ignored, the binding keeps its key (give app.workflows another key too to swap them)",
    ]
    assert "  keys: app.executions = 1 (not applied: see the warning)" in result.stdout
    assert "  keys: log.follow = ctrl+flw (not applied: see the warning)" in result.stdout


def test_config_check_says_the_files_key_text_without_letting_it_act_on_the_terminal(tmp_path: Path) -> None:
    # An id or a key with an escape in it went to the terminal as it was: a title set, a line
    # turned round (U+202E).
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"app.quit\\u001b]0;PWNED\\u0007" = "q"\n"app.executions" = "\\u202e"\n')
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert "\x1b" not in said and "\x07" not in said and "\u202e" not in said, repr(said)
    assert "[keys] app.quit" in result.stderr and "no binding has this id" in result.stderr, result.stderr
    assert "  keys: app.quit" in result.stdout and "  keys: app.executions = " in result.stdout, result.stdout
    assert "[keys] app.executions: '\\u202e' is not a key to press" in result.stderr, result.stderr


async def test_the_dashboard_says_key_mistakes_on_stderr_and_in_a_toast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flowsynx_tui.app import FlowSynxApp
    from flowsynx_tui.config import resolve_settings

    config = tmp_path / "config.toml"
    config.write_text("[keys]\n'app.qiut' = 'q'\n'screen.refresh' = 'x'\n")
    settings = resolve_settings(url="http://127.0.0.1:9", config_path=config, environ={})
    app = FlowSynxApp(settings)
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "flowsynx-tui: warning: [keys] app.qiut: no binding has this id (did you mean app.quit?); ignored"
    assert any("screen.refresh: x is also the key of" in line for line in err), err
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        toasts = [notice.message for notice in app.notices]
        assert any("app.qiut: no binding has this id" in message for message in toasts), toasts

    # A keymap without mistakes says nothing.
    config.write_text("[keys]\n'app.quit' = 'q,ctrl+q'\n")
    FlowSynxApp(resolve_settings(url="http://127.0.0.1:9", config_path=config, environ={}))
    assert capsys.readouterr().err == ""


# [keys] remaps onto a key a widget of the screen already has: the focused widget's binding
# came first, so the action had no working key and left the footer, without a word.
TABLE_AND_LOG_DOWN = "table.down (KeyedTable), log.line_down (LogLines)"


def test_config_check_refuses_a_remap_onto_a_key_a_widget_of_the_screen_has(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[keys]\n'screen.refresh' = 'j'\n'app.executions' = 'k'\n'screen.filter' = 'f'\n")
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == f"{config}: ok, with 2 warnings (on stderr)"
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        "flowsynx-tui: warning: [keys] screen.refresh: j is also the key of pager.down (Pager), "
        f"{TABLE_AND_LOG_DOWN}; ignored, the binding keeps its key (give those other keys too to swap them)",
        "flowsynx-tui: warning: [keys] app.executions: k is also the key of pager.up (Pager), table.up (KeyedTable), "
        "log.line_up (LogLines); ignored, the binding keeps its key (give those other keys too to swap them)",
    ], warnings
    # f is the log pane's Follow, but the lists' filter and the log pane are never on one screen.
    assert "  keys: screen.filter = f\n" in result.stdout


def test_widget_keys_count_only_on_the_screens_that_hold_the_widget() -> None:
    from flowsynx_tui.keymap import checked_keymap

    legitimate = {"screen.filter": "f", "table.down": "n", "log.follow": "F", "table.right": "l", "help.close": "x"}
    assert checked_keymap(legitimate) == (legitimate, [])
    # The other way round: a widget's key onto the screen's, which the focused widget then takes.
    usable, problems = checked_keymap({"log.follow": "r", "pager.down": "v"})
    assert usable == {}
    assert problems == [
        "[keys] log.follow: r is also the key of screen.refresh (DashboardScreen); ignored, the binding keeps "
        "its key (give screen.refresh another key too to swap them)",
        "[keys] pager.down: v is also the key of task.definition (TaskDetailsScreen); ignored, the binding keeps "
        "its key (give task.definition another key too to swap them)",
    ], problems
    # Of two given one key the first listed keeps it, whatever the order the classes are looked at.
    assert checked_keymap({"app.workflows": "z", "app.executions": "z"})[0] == {"app.workflows": "z"}


async def test_a_remap_onto_a_widgets_key_is_said_at_start_and_the_widget_keeps_it(
    emulator_server, capsys: pytest.CaptureFixture[str]
) -> None:
    from flowsynx_tui.testing import footer_now, make_app, wait_for
    from flowsynx_tui.widgets.keyed_table import KeyedTable

    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"screen.refresh": "j"})
    line = (
        f"[keys] screen.refresh: j is also the key of pager.down (Pager), {TABLE_AND_LOG_DOWN}; ignored, "
        "the binding keeps its key (give those other keys too to swap them)"
    )
    assert app.keymap_problems == [line]
    assert capsys.readouterr().err == f"flowsynx-tui: warning: {line}\n"
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, what="the workflows")
        assert [notice.message for notice in app.notices if notice.severity == "warning"] == [line]
        assert "r Refresh" in await footer_now(pilot, app)
        table.move_cursor(row=0)
        await pilot.press("j")
        assert table.cursor_row == 1


async def test_several_key_mistakes_are_one_toast_and_each_a_line_on_stderr(
    emulator_server, capsys: pytest.CaptureFixture[str]
) -> None:
    # Five mistakes were five toasts stacked over the screen.
    from flowsynx_tui.testing import make_app, wait_for

    server = emulator_server(frozen=True)
    keymap = {"app.qiut": "q", "log.follow": "ctrl+flw", "screen.refresh": "x", "app.executions": "1", "log.wrp": "W"}
    app = make_app(server.url, keymap=keymap)
    assert len(app.keymap_problems) == 5
    assert len(capsys.readouterr().err.strip().splitlines()) == 5
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.notices, what="a toast")
        await pilot.pause(0.2)
        warned = [notice for notice in app.notices if notice.severity == "warning"]
        assert len(warned) == 1, warned
        assert warned[0].title == "[keys]: 5 entries not applied"
        assert warned[0].message.splitlines() == [
            *app.keymap_problems[:3],
            "and 2 more: flowsynx-tui config check lists every one.",
        ]


async def test_every_widget_with_keys_is_declared_by_what_holds_it(emulator_server) -> None:
    # The [keys] check knows a widget's keys from the screens' KEYED_WIDGETS: a widget with
    # keys that no screen declared would let a remap onto its keys through unsaid.
    from textual.widget import Widget

    from flowsynx_tui.emulator import seed
    from flowsynx_tui.keymap import focus_chains, has_keys
    from flowsynx_tui.messages import ApprovalsView, DefinitionView, ExecutionsView, ExecutionView, TaskView
    from flowsynx_tui.screens.help import HelpScreen
    from flowsynx_tui.testing import make_app, wait_for, wait_for_screen

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    nightly, run = seed.workflow_id("nightly-csv-export"), seed.execution_id("nightly-csv-export", 6)
    destinations = [
        None, ExecutionsView(), ApprovalsView(), ExecutionView(nightly, run), TaskView(nightly, run, "SaveLocal"),
        DefinitionView(nightly), "help",
    ]
    seen: set[str] = set()
    async with app.run_test(size=(120, 40)) as pilot:
        for destination in destinations:
            if destination == "help":
                await pilot.press("question_mark")
                await wait_for_screen(pilot, app, HelpScreen)
            elif destination is not None:
                before = app.screen
                app.navigate(destination)
                await wait_for(pilot, lambda: app.screen is not before and app.screen.is_mounted, what="the screen")
            await pilot.pause(0.3)
            screen = app.screen
            seen.add(type(screen).__name__)
            declared = focus_chains(type(screen))
            for widget in screen.query(Widget):
                if not has_keys(type(widget)):
                    continue
                holders = [node for node in widget.ancestors_with_self if node is widget or has_keys(type(node))]
                chain = tuple(type(node) for node in reversed(holders[: holders.index(screen) + 1]))
                assert any(
                    len(chain) == len(known) and all(map(issubclass, chain, known)) for known in declared
                ), f"{chain} on {type(screen).__name__}: not in KEYED_WIDGETS"
    assert len(seen) == 7, seen


def test_profiles_that_no_default_profile_names_are_said_to_be_unused(tmp_path: Path) -> None:
    from flowsynx_tui.config import resolve_settings

    # The dashboard went to localhost:6262 and retried for ever, without a word of the profile.
    config = tmp_path / "config.toml"
    config.write_text('[profiles.a]\nurl = "http://127.0.0.1:7351"\n')
    settings = resolve_settings(config_path=config, environ={})
    assert settings.url == "http://localhost:6262"
    assert settings.warnings == (
        "no default_profile names one of the profiles (a): none is used without --profile NAME; "
        "connecting to http://localhost:6262",
    )
    assert resolve_settings(profile="a", config_path=config, environ={}).warnings == ()
    assert resolve_settings(url="http://127.0.0.1:9", config_path=config, environ={}).warnings == ()
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == f"{config}: ok, with 1 warning (on stderr)"
    assert "no default_profile names one of the profiles (a)" in result.stderr


def test_a_profiles_password_is_not_sent_under_another_user_name(tmp_path: Path) -> None:
    from flowsynx_tui.api.auth import BasicCredentials
    from flowsynx_tui.config import resolve_settings

    config = tmp_path / "config.toml"
    config.write_text('default_profile = "a"\n[profiles.a]\nurl = "http://127.0.0.1:7351"\nauth = "basic"\n'
                      'username = "admin"\npassword = "admin-secret"\n')
    config.chmod(0o600)
    other = resolve_settings(username="viewer", config_path=config, environ={})
    assert other.credentials == BasicCredentials("viewer", "")
    assert any("password is for 'admin', not 'viewer': it is not sent" in w for w in other.warnings), other.warnings
    assert "admin-secret" not in " ".join(other.warnings)
    same = resolve_settings(username="admin", config_path=config, environ={})
    assert same.credentials == BasicCredentials("admin", "admin-secret") and same.warnings == ()
    given = resolve_settings(username="viewer", config_path=config, environ={"FLOWSYNX_PASSWORD": "viewer-secret"})
    assert given.credentials == BasicCredentials("viewer", "viewer-secret") and given.warnings == ()


def test_config_check_takes_profile_and_names_the_flags_it_does_not_check(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "a"\n[profiles.a]\nurl = "http://localhost:6262"\nauth = "bearer"\npassword = "pw"\n'
        '[profiles.b]\nurl = "http://localhost:6263"\n'
    )
    config.chmod(0o600)
    one = run_cli("--profile", "a", "--url", "http://elsewhere:1", "config", "check", "--config", str(config))
    assert one.returncode == 0, one.stderr
    assert "profile a (default)" in one.stdout and "profile b" not in one.stdout
    assert "no credentials: auth bearer needs a token" in one.stdout  # not "no user name"
    assert one.stderr.strip() == "flowsynx-tui: warning: config check reads the config file only; --url not checked"
    unknown = run_cli("--profile", "nope", "config", "check", "--config", str(config))
    assert unknown.returncode == 2 and unknown.stderr.strip() == "flowsynx-tui: error: unknown profile 'nope' (profiles: a, b)"
