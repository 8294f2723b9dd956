"""``flowsynx-tui serve``: the dashboard in a real headless browser, against the emulator.

The browser test needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs
them when it runs as root) and selenium (the ``test`` extra); without them it is skipped
and says which. The page draws the terminal on a canvas, so the screen is read from
xterm.js's own buffer (see ``XTERM_HOOK``), and keys are real key events in the page.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from flowsynx_tui.cli import main
from flowsynx_tui.emulator import seed

INVOICE_PAUSED = seed.execution_id("invoice-approval", 5)
APT_HINT = "apt-get install chromium chromium-driver (Debian; .ci/run does it when run as root)"
# Bounds for what a slow shared machine may take, not expectations of speed.
START_BOUND = 60.0
STEP_BOUND = 30.0

# textual-serve keeps its xterm.js Terminal in a closure. Before the page's scripts run, a
# setter for ``terminal`` on Object.prototype catches the assignment ``this.terminal = new
# Terminal(...)`` and keeps the instance where the test can read its buffer; the property
# then becomes an ordinary one on that object, so the page works as before.
XTERM_HOOK = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && value.buffer.active) { window.__flowsynxTerminal = value; }
  },
});
"""
READ_SCREEN = """
const terminal = window.__flowsynxTerminal;
if (!terminal) { return ''; }
const buffer = terminal.buffer.active;
const rows = [];
for (let y = 0; y < terminal.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  rows.push(line ? line.translateToString(true) : '');
}
return rows.join('\\n');
"""


def no_profiles(tmp_path: Path) -> Path:
    """An empty config file: no profile of this machine's user plays a part (a named file
    that does not exist is an error)."""
    config = tmp_path / "empty.toml"
    config.write_text("")
    return config


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _browser_and_driver() -> tuple[str, str]:
    browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        missing = " and ".join(name for name, path in (("chromium", browser), ("chromedriver", driver)) if not path)
        pytest.skip(f"web mode browser test needs {missing}: {APT_HINT}")
    return browser, driver


@pytest.fixture
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install -e '.[test]'")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _browser_and_driver()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        # The page asks Google for a font; offline, only the loopback servers exist.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    except WebDriverException as error:
        pytest.skip(f"chromium did not start ({error.msg or error}); check: {APT_HINT}")
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": XTERM_HOOK})
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[object]:
    """Factory: ``serve_process(*args)`` runs ``flowsynx-tui serve ARGS`` on a free port and
    returns it once its page answers."""
    pytest.importorskip("textual_serve", reason="needs textual-serve: pip install -e '.[web]'")
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> Served:
        port = _free_port()
        command = [sys.executable, "-m", "flowsynx_tui", "serve", "--port", str(port), *args]
        log = (tmp_path / f"serve-{port}.log").open("w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        processes.append(process)
        page = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + START_BOUND
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}: {Path(log.name).read_text()}")
            try:
                if httpx.get(page, timeout=2).status_code == 200:
                    return Served(process, page, Path(log.name))
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer on {page}: {Path(log.name).read_text()}")
            time.sleep(0.2)

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Served:
    process: subprocess.Popen[str]
    page: str
    log: Path


def screen_text(driver: object) -> str:
    return driver.execute_script(READ_SCREEN)  # type: ignore[attr-defined]


def wait_for_screen(driver: object, *needles: str, bound: float = STEP_BOUND) -> str:
    """The page's terminal once it shows every needle; fails with what it shows instead."""
    deadline = time.monotonic() + bound
    while True:
        text = screen_text(driver)
        if all(needle in text for needle in needles):
            return text
        if time.monotonic() > deadline:
            pytest.fail(f"the page never showed {needles!r}; it shows:\n{text}")
        time.sleep(0.2)


def press(driver: object, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    # What a click on the terminal does: xterm.js takes keys through its focused textarea.
    driver.execute_script("window.__flowsynxTerminal.focus()")  # type: ignore[attr-defined]
    ActionChains(driver).send_keys(keys).perform()


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _command_lines(pids: list[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return lines


def test_an_approver_approves_in_a_browser(emulator_server, serve_process, browser, tmp_path: Path) -> None:
    server = emulator_server(auth="bearer")
    emulator = server.emulator
    token = emulator.issue_token("admin")
    served = serve_process("--url", server.url, "--token", token, "--config", str(no_profiles(tmp_path)))

    browser.get(served.page)
    # The header says "connected" and the version once the version is read, after the rows.
    screen = wait_for_screen(browser, "invoice-approval", "nightly-csv-export", "Workflows (5)", "connected", "v1.3.0")
    # The emulator answers nobody without the token: the session got it, through its environment.
    assert "· token (admin) ·" in screen.splitlines()[0]  # whose token, from its claims

    if Path("/proc").is_dir():
        sessions = [line for line in _command_lines(_descendants(served.process.pid)) if "flowsynx_tui" in line]
        assert sessions, "no dashboard process under serve"
        assert all(token not in line for line in sessions), "the token is on a command line others can read"
        assert any(server.url in line for line in sessions)

    press(browser, "3")
    wait_for_screen(browser, "Approvals waiting (1)", "PublishInvoices", INVOICE_PAUSED[:8])
    press(browser, "a")
    wait_for_screen(browser, "Approve task PublishInvoices?", INVOICE_PAUSED)
    press(browser, "y")

    emulator.wait_for_status(INVOICE_PAUSED, "Completed", timeout=STEP_BOUND)
    wait_for_screen(browser, "the run is now Completed", "Approvals waiting (0)")
    approves = [r for r in emulator.requests.snapshot() if r.method == "POST" and r.path.endswith("/approve")]
    assert len(approves) == 1
    decided = [a.status for a in emulator.store.approvals(INVOICE_PAUSED)]
    assert decided == ["Approved"]


def test_only_the_dashboards_own_page_opens_a_session(emulator_server, serve_process, tmp_path: Path) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    served = serve_process("--url", emulator_server().url, "--config", str(no_profiles(tmp_path)))
    session_url = served.page.replace("http://", "ws://") + "ws"
    # Any web site the approver visits could try this: a WebSocket to 127.0.0.1 from its page.
    with pytest.raises(InvalidStatus) as refused, connect(session_url, origin="http://attacker.example"):
        pass
    assert refused.value.response.status_code == 403
    assert "refused a session opened from 'http://attacker.example'" in served.log.read_text()
    # The page itself, under either loopback name, may.
    for name in ("127.0.0.1", "localhost"):
        origin = served.page.replace("127.0.0.1", name).rstrip("/")
        with connect(session_url, origin=origin, open_timeout=STEP_BOUND) as session:
            assert session.protocol.state.name == "OPEN"


def test_no_other_page_may_show_the_dashboard_in_a_frame(emulator_server, serve_process, tmp_path: Path) -> None:
    # Framed by another site, a click and a key would reach the signed-in dashboard: its
    # session is opened by our own page, so the origin check cannot see it.
    served = serve_process("--url", emulator_server().url, "--config", str(no_profiles(tmp_path)))
    for path in ("", "static/js/textual.js"):
        answer = httpx.get(served.page + path, timeout=STEP_BOUND)
        assert answer.status_code == 200
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_without_textual_serve_serve_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # As if the web extra were not installed: importing it fails.
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert main(["serve", "--config", str(no_profiles(tmp_path))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "textual-serve" in err[0] and "pip install 'flowsynx-tui[web]'" in err[0]


@pytest.mark.parametrize("port", ["http", "0", "65536"])
def test_a_bad_port_is_one_line_and_exit_2(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", port])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--port" in err[0]


def test_binding_beyond_loopback_warns_loudly(tmp_path: Path) -> None:
    pytest.importorskip("textual_serve", reason="needs textual-serve: pip install -e '.[web]'")
    # 192.0.2.1 is a documentation address no machine owns: the warning comes first, then the
    # bind fails, so nothing is ever reachable from elsewhere while this test runs.
    result = subprocess.run(
        [sys.executable, "-m", "flowsynx_tui", "serve", "--host", "192.0.2.1", "--port", str(_free_port()),
         "--config", str(no_profiles(tmp_path))],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "WARNING" in result.stderr and "NO authentication" in result.stderr
    assert "ssh -L" in result.stderr and "127.0.0.1" in result.stderr
    assert "cannot serve on 192.0.2.1" in result.stderr.splitlines()[-1]


def test_loopback_is_the_default_and_quiet() -> None:
    from flowsynx_tui.cli import build_parser
    from flowsynx_tui.serve import exposure_warning

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8000
    for host in ("127.0.0.1", "localhost", "::1", "127.1.2.3"):
        assert exposure_warning(host, 8000) == ()
    for host in ("0.0.0.0", "::", "10.0.0.5", "dashboard.example.com"):
        assert exposure_warning(host, 8000)


def test_secrets_go_to_the_sessions_environment_not_their_command_line(tmp_path: Path, monkeypatch) -> None:
    from flowsynx_tui.cli import build_parser
    from flowsynx_tui.config import Settings
    from flowsynx_tui.serve import plan

    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(
        ["--profile", "prod", "serve", "--url", "https://flowsynx.example", "--username", "anna",
         "--password", "s3cret-pass", "--token", "s3cret-token", "--config", "conf.toml", "--read-only"]
    )
    served = plan(args, Settings())
    assert "s3cret" not in served.command
    assert served.environment == {
        "FLOWSYNX_USERNAME": "anna", "FLOWSYNX_PASSWORD": "s3cret-pass", "FLOWSYNX_TOKEN": "s3cret-token"
    }
    # The rest of the dashboard's options, given before or after ``serve``, reach every session.
    assert "--profile prod" in served.command and "--url https://flowsynx.example" in served.command
    assert f"--config {tmp_path / 'conf.toml'}" in served.command and "--read-only" in served.command
