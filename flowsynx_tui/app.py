"""The Textual application: screens, global keys, and the polling of shared data."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

import httpx
from textual.app import App
from textual.binding import Binding, BindingType

from flowsynx_tui.actions import ActionRunner
from flowsynx_tui.api import Approval, Credentials, FlowSynxClient, FlowSynxError
from flowsynx_tui.commands import JumpProvider
from flowsynx_tui.config import Settings
from flowsynx_tui.format import clean
from flowsynx_tui.polling import ConnectionChanged, PollFailed, Poller, PollJob, PollUpdate
from flowsynx_tui.screens.base import DashboardScreen
from flowsynx_tui.screens.help import HelpScreen
from flowsynx_tui.screens.workflows import WorkflowsScreen
from flowsynx_tui.state import Overview
from flowsynx_tui.widgets.status_header import HeaderInfo, StatusHeader


class FlowSynxApp(App[None]):
    TITLE = "flowsynx-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {JumpProvider}
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (150, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_app", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("1", "show_workflows", "Workflows", id="app.workflows", show=False),
        Binding("2", "show_executions", "All runs", id="app.executions", show=False),
        Binding("3", "show_approvals", "Approvals", id="app.approvals", show=False),
        Binding("L", "login", "Sign in", id="app.login", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        demo: bool = False,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        log_retain_limit: int = 200_000,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.demo = demo
        self._clock = clock or (lambda: datetime.now(UTC))
        self.monotonic = monotonic
        self.log_retain_limit = log_retain_limit
        self.client = FlowSynxClient(
            settings.url, credentials=settings.credentials, verify=settings.verify, transport=transport
        )
        self.overview = Overview(self.client)
        self.poller = Poller(self, settings.refresh)
        badges = []
        if demo:
            badges.append("demo")
        if settings.read_only:
            badges.append("read-only")
        if settings.insecure:
            badges.append("TLS NOT VERIFIED")
        self.header_info = HeaderInfo(url=settings.url, user=settings.user_label, badges=tuple(badges))
        self.actions = ActionRunner(self)
        self.last_started: tuple[str, str] | None = None
        self._approvals_swept = False
        self._login_open = False
        self._login_declined = False
        self._reported_problems: set[str] = set()
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))

    # ------------------------------------------------------------ lifecycle
    def on_mount(self) -> None:
        for warning in self.settings.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.push_screen(WorkflowsScreen())
        self.poller.start()
        self.poller.add(
            PollJob(key="overview", fetch=lambda: self.overview.refresh(progress=self._refresh_screen)), self
        )
        self.poller.add(PollJob(key="server", fetch=self._fetch_server_info, interval=max(5.0, self.settings.refresh)), self)

    async def on_unmount(self) -> None:
        await self.client.aclose()

    def now(self) -> datetime:
        return self._clock()

    async def _fetch_server_info(self) -> tuple[str | None, object]:
        version = self.header_info.version
        if version is None:
            try:
                version = (await self.client.version()).version
            except FlowSynxError:
                version = None
        return version, await self.client.metrics()

    # ---------------------------------------------------------- poll results
    def on_poll_update(self, message: PollUpdate) -> None:
        if message.key == "overview":
            _changed, fresh = message.payload
            self.header_info.approvals_waiting = len(self.overview.approvals.all())
            self.on_new_approvals(fresh)
            self._report_problems(self.overview.problems)
            self._refresh_screen()
        elif message.key == "server":
            version, metrics = message.payload
            self.header_info.version = version
            self.header_info.metrics = metrics
            self._refresh_header()

    def on_poll_failed(self, message: PollFailed) -> None:
        self._refresh_header()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.header_info.connection = message.connection
        self._refresh_header()
        if message.connection.state == "ok":
            self._login_declined = False
        elif message.connection.auth_failed and not self._login_declined:
            self.action_login(message.connection.reason)

    def action_login(self, reason: str = "Sign in with other credentials.") -> None:
        if self._login_open:
            return
        from flowsynx_tui.screens.login import LoginDialog

        self._login_open = True

        def done(credentials: Credentials | None) -> None:
            self._login_open = False
            if credentials is None:
                # Keep polling with backoff, but do not ask again until asked (L) or it recovers.
                self._login_declined = True
                self.notify("Not signed in. Press L to sign in.", severity="warning")
                return
            self.client.set_credentials(credentials)
            self.header_info.user = credentials.who
            self.poller.refresh()

        self.push_screen(LoginDialog(reason, self.client.credentials), done)

    def _report_problems(self, problems: tuple[str, ...]) -> None:
        """Items the server sent that could not be read, or may not be read, are named once each."""
        for problem in problems:
            if problem not in self._reported_problems:
                self._reported_problems.add(problem)
                title = "Missing role" if "permission denied" in problem else "Skipped unreadable data"
                self.notify(clean(problem, 300), title=title, severity="warning", timeout=10)

    def on_new_approvals(self, fresh: list[Approval]) -> None:
        first_sweep = not self._approvals_swept
        self._approvals_swept = True
        if not fresh:
            return
        if first_sweep:
            # Approvals that were already waiting at start: one summary, no bell.
            self.notify(f"{len(fresh)} approval(s) waiting. Press 3 for the inbox.", title="Approvals")
            return
        for approval in fresh[:3]:
            name = clean(self.overview.workflow_name(approval.workflow_id), 40)
            self.notify(
                f"{name}: task {clean(approval.task_name, 40)} waits for approval. Press 3 for the inbox.",
                title="New approval",
                timeout=10,
            )
        if self.settings.bell:
            self.bell()

    def refresh_views(self) -> None:
        self._refresh_screen()

    def after_action(self, verb: str) -> None:
        if verb == "start" and self.last_started is not None:
            workflow_id, execution_id = self.last_started
            from flowsynx_tui.screens.executions import ExecutionsScreen

            screen = self.screen
            if not isinstance(screen, ExecutionsScreen):
                self.open_workflow(workflow_id)
                screen = self.screen
            if isinstance(screen, ExecutionsScreen):
                screen.refresh_view()
                screen.select_execution(execution_id)

    def _refresh_screen(self) -> None:
        if not self.screen_stack:
            return  # shutting down
        screen = self.screen
        if isinstance(screen, DashboardScreen):
            screen.refresh_header()
            screen.on_overview_changed()

    def _refresh_header(self) -> None:
        if not self.screen_stack:
            return
        for header in self.screen.query(StatusHeader):
            header.refresh_info()

    # ------------------------------------------------------------- actions
    def busy_label(self, execution_id: str) -> str | None:
        return self.actions.busy_label(f"execution:{execution_id}")

    def action_quit_app(self) -> None:
        self.exit()

    def action_help(self) -> None:
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for key, active in self.active_bindings.items():
            binding = active.binding
            if binding.action in seen and not binding.description:
                continue
            seen.add(binding.action)
            label = self.get_key_display(binding)
            rows.append((label, binding.description or binding.action, binding.id or ""))
        rows.append(("ctrl+p", "Command palette", ""))
        # This app's own keys first; the generic ones of tables and inputs after them.
        rows.sort(key=lambda row: not row[2])
        title = getattr(self.screen, "TITLE_TEXT", "") or "flowsynx-tui"
        self.push_screen(HelpScreen(title, rows))

    def _go_to(self, screen: DashboardScreen) -> None:
        # Number keys jump to a top-level view from anywhere, without growing the stack.
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if type(screen) is not WorkflowsScreen:
            self.push_screen(screen)

    def action_show_workflows(self) -> None:
        self._go_to(WorkflowsScreen())

    def action_show_executions(self) -> None:
        from flowsynx_tui.screens.executions import ExecutionsScreen

        self._go_to(ExecutionsScreen(None))

    def action_show_approvals(self) -> None:
        from flowsynx_tui.screens.approvals import ApprovalInbox

        self._go_to(ApprovalInbox())

    def open_workflow(self, workflow_id: str) -> None:
        from flowsynx_tui.screens.executions import ExecutionsScreen

        self._go_to(ExecutionsScreen(workflow_id))

    def open_execution(self, workflow_id: str, execution_id: str, select_task: str | None = None) -> None:
        from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen

        self.push_screen(ExecutionDetailScreen(workflow_id, execution_id, select_task=select_task))
