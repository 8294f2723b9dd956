"""The command line as a user meets it: help, version, and one clear line on bad input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

import pytest

from flowsynx_tui import __version__
from flowsynx_tui.cli import main
from flowsynx_tui.config import ConfigError, resolve_settings


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowsynx_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_the_options_and_the_emulator() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for option in ("--url", "--token", "--username", "--password", "--profile", "--refresh", "--read-only", "--demo"):
        assert option in result.stdout
    assert "emulator" in result.stdout
    assert "visible to other users" in result.stdout


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"flowsynx-tui {__version__}"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        # Said by the command given them, as its other errors are.
        (["watch", "0b4c8ed0-0000-4000-8000-000000000000", "extra"], "flowsynx-tui watch: error: unrecognized arguments: extra"),
        (["--refresh", "abc"], "'abc' is not a number"),
        (["--refresh", "-1"], "must be greater than 0"),
        (["emulator", "--time-scale", "nan"], "'nan' is not a finite number"),
        (["emulator", "--port", "99999"], "must be between 0 and 65535"),
        (["emulator", "--auth", "magic"], "invalid choice"),
        (["emulator", "--fidelity", "nonsense"], "argument --fidelity: invalid choice: 'nonsense'"),
        (["emulator", "--execution-list", "sideways"], "argument --execution-list: invalid choice: 'sideways'"),
        (["--execution", "0b4"], "argument --execution: '0b4' is not an execution id (a GUID, or its first digits"),
        (["--execution", "0b4c-8ed0"], "argument --execution: '0b4c-8ed0' is not an execution id"),
        (["--url", "ftp://example"], "bad URL"),
        (["--url", "http://admin:secret@example:6262"], "not in the URL"),
        (["--url", "http://127.0.0.1:6262/?x=1"], "no ?query or #fragment"),
        (["--url", "http://127.0.0.1:6262#top"], "no ?query or #fragment"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr


def test_unknown_profile_and_broken_config_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.prod]\nurl = "http://localhost:6262"\n')
    assert main(["--config", str(config), "--profile", "staging"]) == 2
    assert "unknown profile 'staging' (profiles: prod)" in capsys.readouterr().err

    config.write_text("this is [not toml")
    assert main(["--config", str(config)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err


def test_precedence_flags_over_environment_over_profile(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "p"\n[profiles.p]\nurl = "http://profile:1"\nusername = "from-profile"\nrefresh = 7\nread_only = true\n'
    )
    env = {"FLOWSYNX_URL": "http://env:2", "FLOWSYNX_PASSWORD": "pw"}
    settings = resolve_settings(config_path=config, environ=env)
    assert settings.url == "http://env:2"
    assert settings.refresh == 7.0 and settings.read_only
    assert settings.user_label == "from-profile"
    settings = resolve_settings(url="http://flag:3", config_path=config, environ=env)
    assert settings.url == "http://flag:3"
    assert "pw" not in repr(settings)


def test_the_default_profiles_secrets_stay_with_its_own_server(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "prod"\n'
        '[profiles.prod]\nurl = "https://flowsynx.example.com"\nauth = "bearer"\ntoken = "t0ps3cret"\nread_only = true\n'
    )
    config.chmod(0o600)
    elsewhere = resolve_settings(url="http://127.0.0.1:6464", config_path=config, environ={})
    assert elsewhere.credentials is None
    assert elsewhere.profile is None  # the header names no profile: this is not prod's server
    assert elsewhere.read_only  # what is not a secret still applies, as documented
    assert elsewhere.warnings == (
        "default profile 'prod' is for https://flowsynx.example.com: its token is not sent to "
        "http://127.0.0.1:6464 (--profile prod sends it)",
    )
    for same in ("https://FLOWSYNX.example.com:443/", "https://flowsynx.example.com"):
        own = resolve_settings(url=same, config_path=config, environ={})
        assert own.profile == "prod" and own.credentials is not None and not own.warnings
    named = resolve_settings(url="http://127.0.0.1:6464", profile="prod", config_path=config, environ={})
    assert named.profile == "prod" and named.credentials is not None
    from_env = resolve_settings(config_path=config, environ={"FLOWSYNX_URL": "http://127.0.0.1:6464", "FLOWSYNX_TOKEN": "mine"})
    assert from_env.credentials is not None and from_env.credentials.token == "mine" and from_env.profile is None


def test_token_beats_basic_and_never_shows(tmp_path: Path) -> None:
    settings = resolve_settings(token="t0ps3cret", username="u", password="p4ss", config_path=tmp_path / "none.toml", environ={})
    assert "a token and a user name ('u') were given: the token is sent, the user name is not used" in settings.warnings
    assert settings.credentials is not None and settings.credentials.kind == "bearer"
    assert "t0ps3cret" not in repr(settings) and "t0ps3cret" not in str(settings.credentials)


def test_world_readable_config_with_a_secret_warns(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "p"\n[profiles.p]\nusername = "u"\npassword = "hunter2"\n')
    config.chmod(0o644)
    settings = resolve_settings(config_path=config, environ={})
    assert any("readable by other users" in w for w in settings.warnings)
    config.chmod(0o600)
    assert not resolve_settings(config_path=config, environ={}).warnings


def test_basic_over_plain_http_to_a_remote_host_warns(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    remote = resolve_settings(url="http://flowsynx.example:6262", username="u", password="p", config_path=none, environ={})
    assert any("plain http://" in w for w in remote.warnings)
    local = resolve_settings(url="http://127.0.0.1:6262", username="u", password="p", config_path=none, environ={})
    assert not local.warnings


def test_bad_keymap_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[keys]\n'app.quit' = 3\n")
    with pytest.raises(ConfigError, match="binding ids"):
        resolve_settings(config_path=config, environ={})


# -- emulator fidelity and execution-list flags --------------------------------------------------------------


def test_emulator_help_names_fidelity_and_execution_list() -> None:
    result = run_cli("emulator", "--help")
    assert result.returncode == 0
    for text in ("--fidelity {real,friendly}", "--execution-list {all,by-workflow}"):
        assert text in result.stdout


def test_emulator_flags_reach_the_emulator() -> None:
    """End to end: the flags change what the emulator serves, not only its banner."""
    command = [sys.executable, "-m", "flowsynx_tui", "emulator", "--port", "0"]
    command += ["--fidelity", "friendly", "--execution-list", "by-workflow"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "fidelity friendly, execution list by-workflow" in banner, banner
        match = re.search(r"on (http://127\.0\.0\.1:\d+) ", banner)
        assert match, banner
        workflows = httpx.get(f"{match[1]}/workflows", timeout=10).json()["data"]
        listed = {
            workflow["id"]: httpx.get(f"{match[1]}/workflows/{workflow['id']}/executions", timeout=10).json()["data"]
            for workflow in workflows
        }
        # Filtering by workflow (the seed page's reading, not v1.3.0's): each workflow lists its
        # own runs, none twice, and a workflow id that is no workflow's is not found.
        ids = [execution["id"] for runs in listed.values() for execution in runs]
        assert len(ids) == len(set(ids)) == 27
        assert all(len(runs) < 27 for runs in listed.values())
        nobody = "0b4c8ed0-0000-4000-8000-000000000000"
        assert httpx.get(f"{match[1]}/workflows/{nobody}/executions", timeout=10).status_code == 404
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_demo_keeps_the_friendly_profile() -> None:
    from flowsynx_tui.cli import demo_emulator

    emulator = demo_emulator()
    assert (emulator.fidelity, emulator.execution_list, emulator.auth) == ("friendly", "all", "none")


def test_emulator_command_serves_the_real_profile_by_default() -> None:
    """End to end: the banner says so, and /metrics without credentials is the server's 404 (Q14)."""
    command = [sys.executable, "-m", "flowsynx_tui", "emulator", "--port", "0", "--auth", "basic", "--no-seed"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "fidelity real, execution list all" in banner, banner
        match = re.search(r"on (http://127\.0\.0\.1:\d+) ", banner)
        assert match, banner
        response = httpx.get(f"{match[1]}/metrics", timeout=10)
        assert response.status_code == 404
        assert response.json()["messages"] == ["Access is denied. Please check and ensure you using a valid credentials."]
    finally:
        process.terminate()
        process.communicate(timeout=10)
