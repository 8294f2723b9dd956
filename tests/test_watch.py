"""``flowsynx-tui watch``: the real CLI in a subprocess (stdout a pipe) against the emulator over HTTP."""

from __future__ import annotations

import io
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowsynx_tui.emulator import EmulatorServer, Faults
from flowsynx_tui.watch import Printer

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
# Anything a terminal could act on: C0 (but the newline ending each line), DEL, C1, the
# Unicode line/paragraph separators and the bidi controls.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def no_profiles(tmp_path: Path) -> Path:
    """An empty config file: no profile of this machine's user plays a part (a named file
    that does not exist is an error)."""
    config = tmp_path / "empty.toml"
    config.write_text("")
    return config


def task(name: str, seconds: float = 5, after: tuple[str, ...] = (), **hints: Any) -> dict[str, Any]:
    """A v1.3.0 task whose simulated work takes ``seconds`` (x 0.02 with the fixture's time scale)."""
    extra = {key: hints.pop(key) for key in list(hints) if key[:1].isupper()}
    return {
        "Name": name,
        "Type": "FlowSynx.Test:1.0.0",
        "Execution": {"Operation": "run", "Parameters": {"emulator": {"seconds": seconds, **hints}}},
        "FlowControl": {"Dependencies": list(after)},
        **extra,
    }


def gated(comment: str) -> dict[str, Any]:
    return {"ManualApproval": {"Enabled": True, "Comment": comment}}


def workflow(name: str, *tasks: dict[str, Any]) -> dict[str, Any]:
    return {"Name": name, "Tasks": list(tasks)}


#: ``python -m flowsynx_tui`` as a terminal's foreground job starts it: with ctrl+c's SIGINT
#: not ignored. A run of the tests in the background (``pytest &`` in a script) ignores it,
#: children inherit that, and Python, rightly, then keeps it ignored.
_FOREGROUND = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'flowsynx-tui'; runpy.run_module('flowsynx_tui', run_name='__main__', alter_sys=True)"
)


class Watcher:
    """``python -m flowsynx_tui ARGS`` with stdout and stderr pipes read line by line."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _FOREGROUND, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            # No FLOWSYNX_* from the caller's shell, no config file from their home.
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("FLOWSYNX_")},
                "XDG_CONFIG_HOME": os.path.join(os.sep, "nonexistent", "flowsynx-tui-tests"),
                **(env or {}),
            },
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._arrived: queue.Queue[str] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)
            self._arrived.put(line)

    def wait_for(self, needle: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not any(needle in line for line in self.out + self.err):
            if self.process.poll() is not None and not any(r.is_alive() for r in self._readers):
                raise AssertionError(f"exited {self.process.returncode} before {needle!r}: {self.out} {self.err}")
            try:
                self._arrived.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {needle!r} within {timeout}s: {self.out} {self.err}") from None

    def finish(self, timeout: float = 30) -> int:
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        for reader in self._readers:
            reader.join(5)
        self.elapsed = time.monotonic() - self.started
        return code

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


def events(lines: list[str], prefix: str) -> list[str]:
    """Each stdout line without its time stamp and ``prefix`` (workflow name and short id)."""
    found = []
    for line in lines:
        match = re.fullmatch(rf"{STAMP}  {re.escape(prefix)}  (.*)\n", line)
        assert match, f"not a status line: {line!r}"
        found.append(match[1])
    return found


def task_states(found: list[str]) -> list[tuple[str, str]]:
    """(task name, status) for each task line, in order."""
    pairs = []
    for event in found:
        match = re.fullmatch(r"task (.+) \[[0-9a-f]{8}\]: (\w+)( \(.*\))?", event)
        if match:
            pairs.append((match[1], match[2]))
    return pairs


def hold_queue(server: EmulatorServer) -> Callable[[], None]:
    """Occupy the emulator's single worker with a long run, so the next execution stays Pending
    until the returned function cancels the blocker (then it runs at once)."""
    emu = server.emulator
    blocker_workflow = emu.add_workflow(workflow("blocker", task("Hold", 10_000)))
    blocker = emu.start_execution(blocker_workflow)
    emu.wait_for_status(blocker, "Running")

    def release() -> None:
        response = httpx.post(f"{server.url}/workflows/{blocker_workflow}/executions/{blocker}/cancel", timeout=10)
        assert response.status_code == 200, response.text

    return release


def approvals_url(server: EmulatorServer, workflow_id: str, execution_id: str) -> str:
    return f"{server.url}/workflows/{workflow_id}/executions/{execution_id}/approvals"


def decide(server: EmulatorServer, workflow_id: str, execution_id: str, verb: str) -> httpx.Response:
    url = approvals_url(server, workflow_id, execution_id)
    (approval,) = httpx.get(url, timeout=10).json()["data"]
    return httpx.post(f"{url}/{approval['id']}/{verb}", timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------- outcomes


def test_completed_run_prints_each_change_in_order_and_exits_0(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    release = hold_queue(server)
    workflow_id = server.emulator.add_workflow(
        workflow(
            "nightly-export", task("Extract", 25), task("Transform", 25, ("Extract",)), task("Load", 25, ("Transform",))
        )
    )
    execution_id = server.emulator.start_execution(workflow_id)
    watch = Watcher("watch", execution_id, "--url", server.url, "--interval", "0.05")
    watch.wait_for("task Load")  # the first snapshot: everything still queued
    release()
    assert watch.finish() == 0, watch.stderr
    assert watch.stderr == ""
    found = events(watch.out, f"nightly-export {execution_id[:8]}")
    assert found[0] == f"execution: Pending (id {execution_id}, workflow {workflow_id})"
    assert task_states(found[1:4]) == [("Extract", "Pending"), ("Transform", "Pending"), ("Load", "Pending")]
    assert found[4] == "execution: Running"
    assert re.fullmatch(r"execution: Completed \(\d+\.\ds\)", found[-1]), found[-1]
    assert sum(event.startswith("execution: Completed") for event in found) == 1
    assert task_states(found[4:]) == [
        ("Extract", "Running"), ("Extract", "Completed"),
        ("Transform", "Running"), ("Transform", "Completed"),
        ("Load", "Running"), ("Load", "Completed"),
    ], found
    assert "\x1b" not in watch.stdout, "plain text when stdout is a pipe"


def test_failed_run_exits_1(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    release = hold_queue(server)
    workflow_id = server.emulator.add_workflow(
        workflow(
            "flaky-import", task("Fetch", 5), task("Parse", 5, ("Fetch",), fail=True), task("Store", 5, ("Parse",))
        )
    )
    execution_id = server.emulator.start_execution(workflow_id)
    watch = Watcher("watch", execution_id, "--url", server.url, "--interval", "0.05")
    watch.wait_for("task Store")
    release()
    assert watch.finish() == 1, watch.stderr
    found = events(watch.out, f"flaky-import {execution_id[:8]}")
    assert found[-1].startswith("execution: Failed (")
    states = task_states(found)
    assert ("Parse", "Failed") in states and ("Fetch", "Completed") in states
    assert ("Store", "Running") not in states
    assert watch.stderr == ""


def test_paused_run_shows_the_approval_once_then_completes(emulator_server: Any) -> None:
    server = emulator_server(seed=False, fidelity="real")  # real: Q5 and the Q6 re-run of Extract
    emu = server.emulator
    workflow_id = emu.add_workflow(
        workflow(
            "invoice-approval",
            task("Extract", 5),
            task("Publish", 5, ("Extract",), **gated("Check totals before publishing")),
            task("Archive", 5, ("Publish",)),
        )
    )
    execution_id = emu.start_execution(workflow_id)
    watch = Watcher("watch", execution_id, "--url", server.url, "--interval", "0.05")
    watch.wait_for("approval pending")
    asked = len([r for r in emu.requests.snapshot() if r.path.endswith("/approvals")])
    emu.wait_until(
        lambda: len([r for r in emu.requests.snapshot() if r.path.endswith("/approvals")]) >= asked + 3,
        10, "three more polls while paused",
    )
    assert decide(server, workflow_id, execution_id, "approve").status_code == 200
    assert watch.finish() == 0, watch.stderr
    found = events(watch.out, f"invoice-approval {execution_id[:8]}")
    pending = [line for line in found if line.startswith("approval pending")]
    assert len(pending) == 1, found
    assert re.fullmatch(r"approval pending: task Publish \[[0-9a-f]{8}\]: Check totals before publishing", pending[0])
    assert sum("is no longer pending" in line for line in found) == 1
    after = found[found.index(pending[0]) :]
    assert ("Publish", "Completed") in task_states(after) and ("Archive", "Completed") in task_states(after)
    assert found.count("execution: Paused") <= 1 and "execution: Running" not in after, "Q5: Paused until the end"
    assert found[-1].startswith("execution: Completed")


def test_rerun_of_an_ended_execution_prints_its_state_and_exits_at_once(emulator_server: Any) -> None:
    """An execution that already ended: one snapshot, then the exit code; a Running task row
    left by the run (Q7) is called stale and does not change the outcome."""
    server = emulator_server(seed=False)
    emu = server.emulator
    workflow_id = emu.add_workflow(workflow("report", task("Build", 1), task("Mail", 1, ("Build",))))
    execution_id = emu.start_execution(workflow_id)
    emu.wait_for_status(execution_id, "Completed")
    with emu.store.lock:
        mail = next(row for row in emu.store.tasks(execution_id) if row.name == "Mail")
        mail.status = "Running"
    watch = Watcher("watch", execution_id, "--url", server.url, "--workflow", workflow_id)
    assert watch.finish() == 0, watch.stderr
    found = events(watch.out, f"report {execution_id[:8]}")
    assert found[0].startswith("execution: Completed (")
    assert task_states(found)[0] == ("Build", "Completed")
    assert re.fullmatch(r"task Mail \[[0-9a-f]{8}\]: Running \(stale: the execution has ended\)", found[2])
    assert len(found) == 3


# --------------------------------------------------------------------------- finding the execution


def test_not_a_guid_and_unknown_execution_exit_2_with_one_line(emulator_server: Any) -> None:
    server = emulator_server()  # seeded demo workflows
    emu = server.emulator
    bad = Watcher("watch", "12345\x1b[2J", "--url", server.url)
    assert bad.finish() == 2
    assert len(bad.err) == 1 and "EXECUTION_ID must be a GUID" in bad.err[0] and "\x1b" not in bad.stderr
    assert bad.stdout == "" and emu.requests.snapshot() == [], "nothing is sent for a bad id"

    unknown = str(uuid.uuid4())
    missing = Watcher("watch", unknown, "--url", server.url)
    assert missing.finish() == 2
    workflows = len(httpx.get(f"{server.url}/workflows", params={"pageSize": 0}).json()["data"])
    assert len(missing.err) == 1, missing.err
    assert f"execution {unknown} not found under any of the {workflows} workflows" in missing.err[0]
    probes = [r for r in emu.requests.snapshot() if r.path.endswith(f"/executions/{unknown}")]
    assert len(probes) == workflows and {r.status for r in probes} == {404}
    assert missing.stdout == ""


def test_workflow_given_or_found_across_pages_prints_the_same(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    emu = server.emulator
    for number in range(105):  # the workflow list's second page holds the one that matters
        emu.add_workflow(workflow(f"filler-{number}", task("Noop")))
    workflow_id = emu.add_workflow(workflow("target", task("One", 1), task("Two", 1, ("One",))))
    execution_id = emu.start_execution(workflow_id)
    emu.wait_for_status(execution_id, "Completed")

    # Top-level connection options before the subcommand work too.
    found = Watcher("--url", server.url, "watch", execution_id)
    given = Watcher("watch", execution_id, "--workflow", workflow_id.upper(), "--url", server.url)
    assert found.finish() == 0 and given.finish() == 0, (found.stderr, given.stderr)
    prefix = f"target {execution_id[:8]}"
    assert events(found.out, prefix) == events(given.out, prefix)
    assert len(found.out) == 3

    other = emu.add_workflow(workflow("other", task("Noop")))
    wrong = Watcher("watch", execution_id, "--workflow", other, "--url", server.url)
    assert wrong.finish() == 2
    assert len(wrong.err) == 1 and f"not found under workflow {other}" in wrong.err[0]


def test_roles_and_credentials_are_one_clear_line(emulator_server: Any) -> None:
    server = emulator_server(seed=False, auth="basic")
    emu = server.emulator
    workflow_id = emu.add_workflow(workflow("guarded", task("Gate", 1, **gated("ok?"))))
    execution_id = emu.start_execution(workflow_id)
    emu.wait_for_status(execution_id, "Paused")
    viewer = {"FLOWSYNX_USERNAME": "viewer", "FLOWSYNX_PASSWORD": "viewer"}

    no_list = Watcher("watch", execution_id, "--url", server.url, env=viewer)
    assert no_list.finish() == 2
    assert len(no_list.err) == 1 and "role admin or workflows" in no_list.err[0] and "--workflow" in no_list.err[0]

    wrong = Watcher("watch", execution_id, "--url", server.url, env={**viewer, "FLOWSYNX_PASSWORD": "nope"})
    assert wrong.finish() == 2
    assert len(wrong.err) == 1 and "rejected the credentials" in wrong.err[0] and "nope" not in wrong.stderr

    # The viewer may follow the run but not see its approval: said once; --timeout ends it.
    paused = Watcher(
        "watch", execution_id, "--workflow", workflow_id, "--url", server.url, "--interval", "0.1", "--timeout", "1",
        env=viewer,
    )
    assert paused.finish() == 3
    assert paused.err == [
        (
            "flowsynx-tui watch: the pending approval cannot be shown: "
            "listing approvals needs the role admin or approvals\n"
        ),
        f"flowsynx-tui watch: error: --timeout 1s passed: execution {execution_id[:8]} is still Paused\n",
    ]
    assert events(paused.out, f"guarded {execution_id[:8]}")[0].startswith("execution: Paused")


# --------------------------------------------------------------------------- connection and signals


def test_unreachable_server_exits_3_after_the_timeout(tmp_path: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    watch = Watcher("--config", str(no_profiles(tmp_path)), "watch", str(uuid.uuid4()), "--url", url, "--timeout", "2")
    assert watch.finish(timeout=15) == 3
    assert 2 <= watch.elapsed < 8, watch.elapsed
    assert watch.stdout == ""
    assert watch.err == [
        f"flowsynx-tui watch: server unreachable: cannot reach {url} (connection refused), retrying\n",
        (
            "flowsynx-tui watch: error: server unreachable until --timeout 2s passed: "
            f"cannot reach {url} (connection refused)\n"
        ),
    ]


def test_a_flapping_server_is_reported_once_per_reason_not_per_failure(emulator_server: Any) -> None:
    # One request in two failing (a proxy that flaps): it said "unreachable" and "reachable
    # again" every few seconds, ~45 lines in 90 s.
    server = emulator_server(seed=False)
    emu = server.emulator
    workflow_id = emu.add_workflow(workflow("long", task("Only", 3000)))  # a minute at the fixture's time scale
    execution_id = emu.start_execution(workflow_id)
    emu.faults.seed = 7
    emu.faults.error_rate = 0.5
    watch = Watcher("watch", execution_id, "--workflow", workflow_id, "--url", server.url, "--interval", "0.2")
    emu.wait_until(lambda: sum(r.fault == "error" for r in emu.requests.snapshot()) >= 8, 40, "failures, between answers")
    emu.faults.error_rate = 0.0
    # The watch ends (Failed) instead of waiting a minute for the run.
    httpx.post(f"{server.url}/workflows/{workflow_id}/executions/{execution_id}/cancel", timeout=10).raise_for_status()
    assert watch.finish(timeout=60) == 1, watch.stderr
    errors = [line for line in watch.err if "server error" in line]
    back = [line for line in watch.err if "answering again" in line]
    assert 1 <= len(errors) <= 2 and len(back) <= 2, watch.err  # 500 and 503, each said once


def test_on_a_server_failing_every_other_request_each_request_is_retried_by_itself(emulator_server: Any) -> None:
    # All of a poll's requests were retried whenever one failed: with most of them failing,
    # a whole poll rarely got through and nothing was printed until --timeout.
    server = emulator_server(seed=False)
    emu = server.emulator
    workflow_id = emu.add_workflow(workflow("steady", task("First", 1), task("Second", 1, ("First",))))
    execution_id = emu.start_execution(workflow_id)
    emu.wait_for_status(execution_id, "Completed")
    # A new Faults: its seed takes effect only when made (set afterwards, each run drew other
    # failures, and one CI run drew a streak long enough to reach the timeout).
    emu.faults = Faults(error_rate=0.6, seed=3)
    watch = Watcher("watch", execution_id, "--workflow", workflow_id, "--url", server.url, "--timeout", "60")
    assert watch.finish(timeout=90) == 0, watch.stderr
    assert events(watch.out, f"steady {execution_id[:8]}")[0].startswith("execution: Completed")


def test_server_errors_are_retried_and_reported_once(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    emu = server.emulator
    workflow_id = emu.add_workflow(workflow("steady", task("Only", 1)))
    execution_id = emu.start_execution(workflow_id)
    emu.wait_for_status(execution_id, "Completed")
    emu.faults.error_rate = 1.0  # every request: 500 or 503
    watch = Watcher("watch", execution_id, "--workflow", workflow_id, "--url", server.url)
    watch.wait_for("server error")  # it answers: not "unreachable"
    emu.wait_until(lambda: sum(r.fault == "error" for r in emu.requests.snapshot()) >= 3, 15, "three failed attempts")
    emu.faults.error_rate = 0.0
    assert watch.finish() == 0, watch.stderr
    notes = [line for line in watch.err if "server error" in line]
    assert 1 <= len(notes) <= 2, watch.err  # one per distinct answer (500, 503), not per attempt
    assert all(line.endswith(", retrying\n") and server.url in line and ".," not in line for line in notes)
    assert watch.err[-1] == "flowsynx-tui watch: server answering again\n"
    assert events(watch.out, f"steady {execution_id[:8]}")[0].startswith("execution: Completed")


def test_timeout_while_the_run_waits_and_ctrl_c(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    emu = server.emulator
    workflow_id = emu.add_workflow(workflow("waits", task("Gate", 1, **gated("later"))))
    execution_id = emu.start_execution(workflow_id)
    emu.wait_for_status(execution_id, "Paused")

    timed = Watcher("watch", execution_id, "--url", server.url, "--interval", "0.2", "--timeout", "1.5")
    assert timed.finish() == 3
    assert timed.err == [
        f"flowsynx-tui watch: error: --timeout 1.5s passed: execution {execution_id[:8]} is still Paused\n"
    ]
    assert sum("approval pending: task Gate" in line for line in timed.out) == 1

    interrupted = Watcher("watch", execution_id, "--url", server.url, "--interval", "0.2")
    interrupted.wait_for("approval pending")
    interrupted.process.send_signal(signal.SIGINT)
    assert interrupted.finish() == 130
    assert interrupted.stderr == "", "no traceback"


# --------------------------------------------------------------------------- hostile text


def test_hostile_names_and_comments_reach_stdout_without_a_control_character(emulator_server: Any) -> None:
    server = emulator_server(seed=False)
    emu = server.emulator
    name = "[bold red]evil[/] \x1b]0;pwned\x07 \u202eexe.txt"
    first = "Extract\x1b[2J\x1b[H\x9b31m"
    second = "Pub\u2066lish\r\nInjected: Completed"
    comment = "Approve? \x1b]8;;http://evil.test\x1b\\click\x1b]8;;\x1b\\ \u2028next"
    workflow_id = emu.add_workflow(workflow(name, task(first, 1), task(second, 1, (first,), **gated(comment))))
    execution_id = emu.start_execution(workflow_id)
    watch = Watcher("watch", execution_id, "--url", server.url, "--interval", "0.05")
    watch.wait_for("approval pending")
    assert decide(server, workflow_id, execution_id, "reject").status_code == 200
    assert watch.finish() == 1, watch.stderr
    for text in (watch.stdout, watch.stderr):
        assert not CONTROL.search(text), CONTROL.search(text)
    assert not any(line.startswith("Injected") for line in watch.out)
    assert "[bold red]evil[/] ␛]0;pwned␇ <U+202E>exe.txt" in watch.stdout
    assert "task Extract␛[2J␛[H<9B>31m [" in watch.stdout
    assert "task Pub<U+2066>lish ⏎ Injected: Completed [" in watch.stdout
    assert "Approve? ␛]8;;http://evil.test␛\\click␛]8;;␛\\ <U+2028>next" in watch.stdout


# --------------------------------------------------------------------------- terminal output and options


def test_on_a_terminal_only_colour_codes_are_added() -> None:
    class Terminal(io.StringIO):
        encoding = "utf-8"

        def isatty(self) -> bool:
            return True

    out = Terminal()
    printer = Printer.for_streams(out, io.StringIO(), environ={"TERM": "xterm-256color"})
    printer.now = lambda: datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC)
    printer.line("etl 1a2b3c4d", f"execution: {printer.status('Failed')}")
    hostile_status = printer.status("Weird\x1b[1A")  # an unknown status from the server
    printer.line("etl 1a2b3c4d", f"task x: {hostile_status}")
    text = out.getvalue()
    assert text.startswith("2026-01-05T09:00:01Z  etl 1a2b3c4d  execution: \x1b[31m✘ Failed\x1b[0m\n")
    assert "task x: ? Weird␛[1A\n" in text
    assert not CONTROL.search(re.sub(r"\x1b\[[0-9;]*m", "", text)), "no cursor movement, nothing but SGR"
    plain = Printer.for_streams(Terminal(), io.StringIO(), environ={"TERM": "xterm", "NO_COLOR": "1"})
    assert plain.status("Failed") == "✘ Failed"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["watch"], "the following arguments are required: EXECUTION_ID"),
        (["watch", str(uuid.UUID(int=1)), "--interval", "0"], "must be greater than 0"),
        (["watch", str(uuid.UUID(int=1)), "--timeout", "soon"], "'soon' is not a number"),
        (["watch", str(uuid.UUID(int=1)), "--timeout", "nan"], "'nan' is not a finite number"),
        (["watch", str(uuid.UUID(int=1)), "--interval", "inf"], "'inf' is not a finite number"),
        (["watch", str(uuid.UUID(int=1)), "--workflow", "wf-1"], "--workflow must be a GUID"),
        (["watch", str(uuid.UUID(int=1)), "--url", "ftp://x"], "bad URL"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args: list[str], needle: str, tmp_path: Any) -> None:
    watch = Watcher("--config", str(no_profiles(tmp_path)), *args)
    assert watch.finish() == 2
    assert len(watch.err) == 1 and needle in watch.err[0], watch.err
    assert "Traceback" not in watch.stderr


def test_the_watch_path_does_not_import_textual() -> None:
    code = (
        "import sys; from flowsynx_tui import cli, watch; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('textual', 'uvicorn', 'starlette')]; "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
