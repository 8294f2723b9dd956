"""Shell completion as a user gets it: the script from `flowsynx-tui completion SHELL`,
loaded in the real shell, completing subcommands, choices and the config file's profiles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowsynx_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def profiles_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.alpha]\nurl = "http://a:1"\n[profiles.beta]\nurl = "http://b:2"\n')
    return config


def bash_complete(script: Path, words: list[str], env: dict[str, str]) -> list[str]:
    """COMPREPLY for the last word of ``words``, as bash's programmable completion asks."""
    quoted = " ".join(f"'{word}'" for word in words)
    program = f'source "{script}"; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _flowsynx_tui; printf "%s\\n" "${{COMPREPLY[@]}}"'
    result = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, timeout=60, env=env, check=False)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.skipif(not (BIN / "flowsynx-tui").exists(), reason="the flowsynx-tui command is not installed next to python")
def test_bash_completes_commands_choices_and_profiles(tmp_path: Path, profiles_config: Path) -> None:
    result = cli("completion", "bash")
    assert result.returncode == 0
    script = tmp_path / "flowsynx-tui.bash"
    script.write_text(result.stdout)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "FLOWSYNX_TUI_CONFIG": str(profiles_config)}

    assert bash_complete(script, ["flowsynx-tui", "--profile", ""], env) == ["alpha", "beta"]
    assert bash_complete(script, ["flowsynx-tui", "watch", "--profile", "b"], env) == ["beta"]
    # A --config on the line is the file whose profiles complete.
    other = tmp_path / "other.toml"
    other.write_text("[profiles.gamma]\n")
    assert bash_complete(script, ["flowsynx-tui", "--config", str(other), "--profile", ""], env) == ["gamma"]
    assert bash_complete(script, ["flowsynx-tui", "co"], env) == ["config", "completion"]
    assert bash_complete(script, ["flowsynx-tui", "emulator", "--auth", ""], env) == ["none", "basic", "bearer"]
    assert bash_complete(script, ["flowsynx-tui", "config", ""], env)[:3] == ["path", "check", "init"]
    assert "--read-only" in bash_complete(script, ["flowsynx-tui", "--re"], env)


def test_config_profiles_lists_names_and_stays_quiet_on_a_broken_file(tmp_path: Path, profiles_config: Path) -> None:
    result = cli("config", "profiles", "--config", str(profiles_config))
    assert (result.returncode, result.stdout, result.stderr) == (0, "alpha\nbeta\n", "")
    broken = tmp_path / "broken.toml"
    broken.write_text("bell = 'no'\n")
    # Called on every TAB: an error there would be printed into the user's command line.
    result = cli("config", "profiles", "--config", str(broken))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def script_for(shell: str, tmp_path: Path) -> Path:
    result = cli("completion", shell)
    assert result.returncode == 0
    script = tmp_path / f"completion.{shell}"
    script.write_text(result.stdout)
    return script


def shell_env(config: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "FLOWSYNX_TUI_CONFIG": str(config)}


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completes_profiles_and_choices(tmp_path: Path, profiles_config: Path) -> None:
    script = script_for("zsh", tmp_path)
    other = tmp_path / "other.toml"
    other.write_text("[profiles.gamma]\n")

    def complete(*words: str) -> list[str]:
        # compadd and compdef exist only inside zsh's completion system: here compadd prints
        # what the script offers, and the script's own function does the rest.
        program = (
            'compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; '
            f'source "{script}"; words=({" ".join(repr(w) for w in words)}); CURRENT={len(words)}; _flowsynx_tui'
        )
        result = subprocess.run(
            ["zsh", "-f", "-c", program], capture_output=True, text=True, timeout=60, env=shell_env(profiles_config), check=False
        )
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if line]

    assert complete("flowsynx-tui", "--profile", "") == ["alpha", "beta"]
    assert complete("flowsynx-tui", "--config", str(other), "--profile", "") == ["gamma"]
    assert complete("flowsynx-tui", "emulator", "--auth", "") == ["none", "basic", "bearer"]
    assert complete("flowsynx-tui", "config", "")[:3] == ["path", "check", "init"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_profiles_and_choices(tmp_path: Path, profiles_config: Path) -> None:
    script = script_for("fish", tmp_path)

    def complete(line: str) -> list[str]:
        program = f'source "{script}"; complete -C "{line}"'
        result = subprocess.run(
            ["fish", "--no-config", "-c", program], capture_output=True, text=True, timeout=60, env=shell_env(profiles_config), check=False
        )
        assert result.returncode == 0, result.stderr
        return [line.split("\t")[0] for line in result.stdout.splitlines() if line]

    assert complete("flowsynx-tui --profile ") == ["alpha", "beta"]
    assert complete("flowsynx-tui emulator --auth ") == ["basic", "bearer", "none"]
    assert complete("flowsynx-tui co") == ["completion", "config"]
    assert complete("flowsynx-tui --rea") == ["--read-only"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_load_and_ask_for_profiles(shell: str, tmp_path: Path) -> None:
    result = cli("completion", shell)
    assert result.returncode == 0
    assert "config profiles" in result.stdout
    for option in ("profile", "read-only", "faults", "workers"):
        assert option in result.stdout
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed: the script's syntax is not checked")
    script = tmp_path / f"completion.{shell}"
    script.write_text(result.stdout)
    check = [shell, "-n", str(script)] if shell == "zsh" else [shell, "--no-execute", str(script)]
    assert subprocess.run(check, capture_output=True, text=True, timeout=60, check=False).returncode == 0
