"""Shell completion scripts for bash, zsh and fish, generated from the argparse parser.

Written here rather than with shtab: the scripts need only the option and subcommand
names, which the parser already has, and a dependency for ~100 lines is not worth it.
Profile names for ``--profile`` come from ``flowsynx-tui config profiles`` at TAB time,
so a new profile completes without regenerating the script.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

PROG = "flowsynx-tui"
FUNCTION = "_flowsynx_tui"
#: Options whose value is a file.
_PATH_OPTIONS = frozenset({"--config", "--ca-cert"})
#: Positional arguments and hidden choices not offered.
_HIDDEN_CHOICES = frozenset({"profiles"})


@dataclass
class _Command:
    name: str
    help: str = ""
    #: Option -> help text.
    options: dict[str, str] = field(default_factory=dict)
    #: Options that take a value (the next word is not an option).
    takes_value: set[str] = field(default_factory=set)
    #: Option -> its choices.
    choices: dict[str, list[str]] = field(default_factory=dict)
    #: Choices of the positional arguments (config's action, completion's shell).
    words: list[str] = field(default_factory=list)


def _describe(parser: argparse.ArgumentParser, name: str, help_text: str = "") -> tuple[_Command, list[_Command]]:
    command = _Command(name, help_text)
    children: list[_Command] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for child_name, child in action.choices.items():
                children.append(_describe(child, child_name, helps.get(child_name, ""))[0])
            continue
        if not action.option_strings:
            if action.choices:
                command.words.extend(c for c in action.choices if c not in _HIDDEN_CHOICES)
            continue
        long_names = [option for option in action.option_strings if option.startswith("--")]
        for option in long_names:
            text = "" if action.help == argparse.SUPPRESS else (action.help or "")
            command.options[option] = text.split(";")[0].split(" (")[0][:60]
            if action.nargs != 0:
                command.takes_value.add(option)
            if action.choices:
                command.choices[option] = [str(choice) for choice in action.choices]
    return command, children


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    top, children = _describe(parser, PROG)
    if shell == "bash":
        return _bash(top, children)
    if shell == "zsh":
        return _zsh(top, children)
    return _fish(top, children)


def _value_cases(commands: list[_Command], indent: str, words: str, files: str, profiles: str) -> str:
    """Shell ``case`` arms for the word after an option: choices, files, profiles, nothing."""
    choices: dict[str, list[str]] = {}
    takes_value: set[str] = set()
    for command in commands:
        takes_value |= command.takes_value
        for option, values in command.choices.items():
            choices.setdefault(option, values)
    arms = [f"{indent}--profile) {profiles} ;;"]
    arms += [f"{indent}{option}) {files} ;;" for option in sorted(_PATH_OPTIONS & takes_value)]
    arms += [f"{indent}{option}) {words.format(' '.join(values))} ;;" for option, values in sorted(choices.items())]
    rest = sorted(takes_value - _PATH_OPTIONS - set(choices) - {"--profile"})
    if rest:
        arms.append(f"{indent}{'|'.join(rest)}) return 0 ;;")
    return "\n".join(arms)


def _bash(top: _Command, children: list[_Command]) -> str:
    names = " ".join(child.name for child in children)
    per_command = "\n".join(
        f'        {child.name}) opts="{" ".join([*child.words, *child.options])}" ;;' for child in children
    )
    value_cases = _value_cases(
        [top, *children],
        "        ",
        words='COMPREPLY=($(compgen -W "{}" -- "$cur")); return 0',
        files='COMPREPLY=($(compgen -f -- "$cur")); return 0',
        profiles='COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" ${config:+--config "$config"} config profiles 2>/dev/null)" -- "$cur")); return 0',
    )
    return f"""# {PROG} completion for bash: {PROG} completion bash > ~/.local/share/bash-completion/completions/{PROG}
{FUNCTION}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local command="" config="" i opts
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            --config) config="${{COMP_WORDS[i+1]}}" ;;
        esac
        if [[ -z "$command" && " {names} " == *" ${{COMP_WORDS[i]}} "* ]]; then
            command="${{COMP_WORDS[i]}}"
        fi
    done
    case "$prev" in
{value_cases}
    esac
    case "$command" in
        "") opts="{" ".join(top.options)} {names}" ;;
{per_command}
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}}
complete -o default -F {FUNCTION} {PROG}
"""


def _zsh(top: _Command, children: list[_Command]) -> str:
    names = " ".join(child.name for child in children)
    per_command = "\n".join(
        f"        {child.name}) compadd -- {' '.join([*child.words, *child.options])} ;;" for child in children
    )
    value_cases = _value_cases(
        [top, *children],
        "        ",
        words="compadd -- {}; return 0",
        files="_files; return 0",
        profiles='compadd -- ${(f)"$(${words[1]} ${config:+--config} ${config:+"$config"} config profiles 2>/dev/null)"}; return 0',
    )
    return f"""#compdef {PROG}
# {PROG} completion for zsh: {PROG} completion zsh > "${{fpath[1]}}/_{PROG}"
{FUNCTION}() {{
    local command="" config="" i
    for ((i = 2; i < CURRENT; i++)); do
        [[ ${{words[i]}} == --config ]] && config=${{words[i+1]}}
        if [[ -z $command && " {names} " == *" ${{words[i]}} "* ]]; then
            command=${{words[i]}}
        fi
    done
    case ${{words[CURRENT-1]}} in
{value_cases}
    esac
    case $command in
        "") compadd -- {" ".join(top.options)} {names} ;;
{per_command}
    esac
}}
if [[ ${{zsh_eval_context[-1]}} == loadautofunc ]]; then
    {FUNCTION} "$@"
else
    compdef {FUNCTION} {PROG}
fi
"""


def _fish(top: _Command, children: list[_Command]) -> str:
    lines = [
        f"# {PROG} completion for fish: {PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
        f"complete -c {PROG} -f",
    ]

    def option_lines(command: _Command, condition: str) -> None:
        for option, text in command.options.items():
            flag = option[2:]
            if option == "--profile":
                extra = f" -x -a '({PROG} config profiles 2>/dev/null)'"
            elif option in _PATH_OPTIONS:
                extra = " -r -F"
            elif option in command.choices:
                extra = f" -x -a '{' '.join(command.choices[option])}'"
            elif option in command.takes_value:
                extra = " -x"
            else:
                extra = ""
            description = f" -d {_fish_quote(text)}" if text else ""
            lines.append(f"complete -c {PROG} -n {condition} -l {flag}{extra}{description}")

    option_lines(top, "__fish_use_subcommand")
    for child in children:
        description = f" -d {_fish_quote(child.help)}" if child.help else ""
        lines.append(f"complete -c {PROG} -n __fish_use_subcommand -a {child.name}{description}")
        condition = f"'__fish_seen_subcommand_from {child.name}'"
        if child.words:
            lines.append(f"complete -c {PROG} -n {condition} -a '{' '.join(child.words)}'")
        option_lines(child, condition)
    return "\n".join(lines) + "\n"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
