"""The Textual application: builds the services, holds the global keys, and turns messages
into navigation and notifications.

Screens never reach into the app: they get the ``Services`` object and post messages
(``Navigate``, ``ActionFinished``, ``ProblemsFound``), which bubble up to here.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual import events
from textual.events import DeliveryComplete, DeliveryFailed
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.widgets import Input

from flowsynx_tui.api import (
    BasicCredentials,
    Credentials,
    FlowSynxError,
    as_guid,
    as_guid_prefix,
)
from flowsynx_tui.config import ConfigError, Settings, resolve_settings
from flowsynx_tui.messages import (
    ActionFinished,
    ApprovalsView,
    ConnectionChanged,
    DefinitionView,
    Destination,
    ExecutionsView,
    ExecutionView,
    FindExecution,
    Navigate,
    OverviewChanged,
    ProblemsFound,
    SwitchServer,
    TaskView,
    WorkflowsView,
)
from flowsynx_tui.screens.base import DashboardScreen
from flowsynx_tui.screens.workflows import WorkflowsScreen
from flowsynx_tui.services import Clock, Services
from flowsynx_tui.text import lines, markup_literal, one_line
from flowsynx_tui.widgets.focus import FIELD_OPENERS
from flowsynx_tui.widgets.scrollbar import CompactScrollBarRender

if TYPE_CHECKING:
    import httpx

    from flowsynx_tui.api import Approval

# Only the first screen is imported with the app; the others (the execution screen and its
# log view are the biggest) when first opened, so the start does not wait for them.


def _executions(services: Services, to: Any) -> Screen[None]:
    from flowsynx_tui.screens.executions import ExecutionsScreen

    return ExecutionsScreen(services, to.workflow_id, select=to.select_execution)


def _execution(services: Services, to: Any) -> Screen[None]:
    from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen

    return ExecutionDetailScreen(
        services, to.workflow_id, to.execution_id, select_task=to.select_task, task_logs=to.task_logs
    )


def _approvals(services: Services, _: Any) -> Screen[None]:
    from flowsynx_tui.screens.approvals import ApprovalInbox

    return ApprovalInbox(services)


def _task(services: Services, to: Any) -> Screen[None]:
    from flowsynx_tui.screens.task_details import TaskDetailsScreen

    return TaskDetailsScreen(services, to.workflow_id, to.execution_id, to.task_name, task_id=to.task_id)


def _definition(services: Services, to: Any) -> Screen[None]:
    from flowsynx_tui.screens.definition import DefinitionScreen

    return DefinitionScreen(services, to.workflow_id, execution_id=to.execution_id, task_name=to.task_name)


def _is_executions_screen(screen: Screen[Any] | None) -> bool:
    from flowsynx_tui.screens.executions import ExecutionsScreen

    return isinstance(screen, ExecutionsScreen)


def _is_inbox(screen: Screen[Any] | None) -> bool:
    from flowsynx_tui.screens.approvals import ApprovalInbox

    return isinstance(screen, ApprovalInbox)


def _jump_provider() -> type[Provider]:
    from flowsynx_tui.commands import JumpProvider

    return JumpProvider


#: How each view is built: one entry per screen.
SCREENS: dict[type, Callable[[Services, Destination], Screen[None]]] = {
    WorkflowsView: lambda services, _: WorkflowsScreen(services),
    ExecutionsView: _executions,
    ExecutionView: _execution,
    ApprovalsView: _approvals,
    TaskView: _task,
    DefinitionView: _definition,
}


@dataclass(frozen=True)
class Notice:
    """A toast the app raised, as shown (for tests and anyone watching the session)."""

    title: str
    message: str
    severity: str


#: How long the keys typed after a key that opens a field wait for it at most (seconds).
ORDERED_KEY_WAIT = 1.0

#: The app's bindings the palette has as its jumps (1, 2, 3) or as Textual's commands.
_IN_THE_PALETTE_ALREADY = frozenset(
    {"app.workflows", "app.executions", "app.approvals", "app.quit", "app.quit_anywhere", "app.palette", "app.screenshot"}
)


class FlowSynxApp(App[None]):
    TITLE = "flowsynx-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {_jump_provider}
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (150, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (36, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_app", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("1", "show_workflows", "Workflows", id="app.workflows", show=False),
        Binding("2", "show_executions", "All runs", id="app.executions", show=False),
        Binding("3", "show_approvals", "Approvals", id="app.approvals", show=False),
        Binding("L", "login", "Sign in", id="app.login", show=False),
        # Raw mode turns ctrl+z into a key; this is the shell's suspend (``fg`` resumes).
        Binding("ctrl+z", "suspend_process", "Suspend", id="app.suspend", show=False),
        Binding("ctrl+s", "screenshot", "Screenshot (SVG)", id="app.screenshot", show=False),
        # Textual's own, again with ids, so that they too can be remapped: ctrl+q quits from
        # anywhere (also a filter line, where q is typed), asking first as q does.
        Binding("ctrl+q", "quit_app", "Quit (also while typing)", id="app.quit_anywhere", show=False, priority=True),
        Binding("ctrl+p", "command_palette", "Command palette", id="app.palette", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        demo: bool = False,
        clock: Clock | None = None,
        log_retain_limit: int = 200_000,
        transport: httpx.AsyncBaseTransport | None = None,
        open_execution: str | None = None,
    ) -> None:
        super().__init__()
        # Textual's documented hook, and it takes a class: every scrollbar of the app.
        ScrollBar.renderer = CompactScrollBarRender
        self.settings = settings
        if settings.theme:
            self.theme = settings.theme
        #: Under NO_COLOR, before Textual's own filters: see ``look``.
        self._signal_filter: list[LineFilter] = []
        if self.no_color:
            from flowsynx_tui.look import SignalAttributes

            self._signal_filter.append(SignalAttributes())
        #: An execution to open once the first screen is up (``--execution``).
        self.open_execution = open_execution
        self._transport = transport
        self.services = Services.connect(
            settings, self, clock=clock, transport=transport, log_retain_limit=log_retain_limit, demo=demo
        )
        #: The newest toasts, as shown.
        self.notices: deque[Notice] = deque(maxlen=500)
        #: When each toast was last shown: the same one again soon after is not stacked.
        self._shown_toasts: dict[Notice, float] = {}
        #: True once the first full polling cycle looked for pending approvals.
        self.approvals_swept = False
        self._login_open = False
        self._login_declined = False
        #: When the last key came (``time.monotonic``).
        self._last_key_at = 0.0
        #: A key that opens a field, on its way behind the keys typed before it, and the keys
        #: typed after it, held until it has opened its field (``on_event``).
        self._ordered_key: events.Key | None = None
        self._holding = False
        self._held_keys: list[events.Key] = []
        self._ordered_timer: Any = None
        #: The start of an id given to open (``--execution 3f2a9c1d``), until it can be told.
        self.wanted_prefix: str | None = None
        self._prefix_told = False
        #: The question asked when q comes while an action waits for its answer.
        self._quit_dialog: Screen[bool] | None = None
        self._reported_problems: set[str] = set()
        self._event_loop: asyncio.AbstractEventLoop | None = None
        #: What is wrong with the config file's [keys]: said on stderr now, in a toast at start.
        self.keymap_problems: list[str] = []
        self._remapped: dict[str, str] = {}
        if settings.keymap:
            from flowsynx_tui.keymap import checked_keymap

            usable, self.keymap_problems = checked_keymap(settings.keymap)
            self._remapped = dict(usable)
            self.set_keymap(usable)
            for problem in self.keymap_problems:
                print(f"flowsynx-tui: warning: {problem}", file=sys.stderr)
        self._field_keys = frozenset().union(*(self._keys_of(binding, key) for binding, key in FIELD_OPENERS.items()))

    def _keys_of(self, binding_id: str, default: str) -> frozenset[str]:
        """Every key a binding has now, as ``[keys]`` made them."""
        return frozenset(key.strip() for key in self._remapped.get(binding_id, default).split(","))

    # ------------------------------------------------------------ lifecycle
    @property
    def _background_screens(self) -> list[Screen[Any]]:
        """Screens seen through the translucent ones above them (dialogs, help).

        Textual's own list always holds the screen right under the top one, opaque top or
        not: that screen then counts as current, and whenever it handled any message (a
        timer, a poll result) it repainted the whole top screen, about once a second on
        every pushed screen while nothing changed (22-40 KB/s on an 80x24 terminal, see
        benchmarks/bench_idle.py). Here a screen is listed only while every screen above
        it lets it show through."""
        stack = self.screen_stack
        shown: list[Screen[Any]] = []
        for below, above in zip(reversed(stack[:-1]), reversed(stack[1:])):
            if above.styles.background.a == 1:
                break
            shown.append(below)
        return shown[::-1]

    @property
    def top_screen(self) -> Screen[Any] | None:
        """The screen on top, or None: news that lands while the app closes finds no screen,
        and ``self.screen`` raises then (a toast's wording crashed the closing app)."""
        stack = self.screen_stack
        return stack[-1] if stack else None

    def key_of(self, binding_id: str) -> str:
        """The key one of the app's bindings has now, as the footer shows it: what a toast
        tells the user to press must be the key they remapped it to."""
        return self.shown_key(next(b for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id))

    def shown_key(self, binding: Binding) -> str:
        """The first key ``binding`` has now (``[keys]`` may have remapped it), as the footer
        shows it, also while the binding is not active."""
        first = self._remapped.get(binding.id or "", binding.key).split(",")[0].strip()
        return self.get_key_display(replace(binding, key=first))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key_at = time.monotonic()
            if event is self._ordered_key:
                # Back from where the keys before it went: they have been handled.
                self._ordered_key_back(event)
                return
            if not event.is_forwarded:
                if self._holding:
                    self._held_keys.append(event)
                    return
                if self._opens_a_field(event):
                    self._send_behind_earlier_keys(event)
                    return
        await super().on_event(event)

    # ------------------------------------------------------------ keys in the order typed
    # The keys that open a field (/) are priority bindings, so that the keys typed after
    # them go into the field: the others are handed to the focused widget and handled when
    # it gets to them, and "/pay" in one burst reached the table (a approved, y confirmed).
    # Handled at once, though, such a key went ahead of the keys typed before it: "2 /" in
    # one burst opened the filter of the workflows list and lost the 2. So it is sent where
    # those went, behind them, and taken as just typed when it comes back; the keys after it
    # wait meanwhile, then go where it put the focus.

    def _opens_a_field(self, event: events.Key) -> bool:
        if event.key not in self._field_keys and event.character not in self._field_keys:
            return False
        return not isinstance(self.focused, Input)  # typed into a field it is text

    def _send_behind_earlier_keys(self, event: events.Key) -> None:
        self._ordered_key = event
        self._holding = True
        (self.focused or self.screen).post_message(event)
        # Lost with a screen that closed on its way: after a while it is taken as typed then,
        # and the keys after it go on.
        self._ordered_timer = self.set_timer(ORDERED_KEY_WAIT, self._ordered_key_lost)

    def _ordered_key_back(self, event: events.Key) -> None:
        self._ordered_key = None
        if self._ordered_timer is not None:
            self._ordered_timer.stop()
            self._ordered_timer = None
        # A screen the keys before it opened ("2") is composed before its bindings are
        # asked: the screen's queue gets to this after its compose and mount.
        self.screen.call_later(self.call_later, self._take_ordered_key, event)

    async def _take_ordered_key(self, event: events.Key) -> None:
        # As if just typed, with the bindings of the screen shown now. A new event: the one
        # that came back was stopped where it would have reached the app, and handed on
        # again it reached no binding that is not a priority one (a remapped filter key
        # that is also the log pane's follow toggled nothing).
        await super().on_event(events.Key(event.key, event.character))
        await self._release_held_keys()

    async def _ordered_key_lost(self) -> None:
        self._ordered_timer = None
        event, self._ordered_key = self._ordered_key, None
        if event is not None:
            await self._take_ordered_key(event)

    async def _release_held_keys(self) -> None:
        self._holding = False
        held, self._held_keys = self._held_keys, []
        for at, key in enumerate(held):
            if self._holding:  # one of them opens a field too: the rest wait for it
                self._held_keys = held[at:] + self._held_keys
                return
            await self.on_event(key)

    def get_line_filters(self) -> list[LineFilter]:
        return [*self._signal_filter, *super().get_line_filters()]

    def on_mount(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        for warning in self.settings.warnings:
            self.notify(warning, severity="warning", timeout=10)
        if self.keymap_problems:
            from flowsynx_tui.keymap import problems_toast

            title, text = problems_toast(self.keymap_problems)
            self.notify(text, title=title, severity="warning", timeout=10)
        self._begin()

    def _begin(self) -> None:
        services = self.services
        services.status.sign_in_key = self.key_of("app.login")
        self.push_screen(WorkflowsScreen(services))
        services.poller.listen(self)
        services.poller.subscribe(services.overview_job, self)
        services.poller.subscribe(services.server_job, self)
        services.poller.start()
        services.live.start(self)
        if self.open_execution is not None:
            self.open_execution_by_id(self.open_execution)

    # ------------------------------------------------------------ servers
    def on_switch_server(self, message: SwitchServer) -> None:
        self.switch_server(message.profile)

    def switch_server(self, profile: str) -> None:
        """Connect to another profile's server in place, like a k9s context: new client, new
        polling, screens from the start; credentials asked if the profile holds none."""
        try:
            # The profile as the file says it: flags and environment named the old server.
            settings = resolve_settings(profile=profile, config_path=self.settings.config_path, environ={})
        except ConfigError as error:
            self.notify(f"Cannot switch to {one_line(profile, 40)}: {error}", severity="error")
            return
        settings = replace(settings, keymap=self.settings.keymap, bell=self.settings.bell)
        credentials = settings.credentials
        missing = (credentials is None and settings.auth in ("basic", "bearer")) or (
            isinstance(credentials, BasicCredentials) and not credentials.password
        )
        if not missing:
            self._connect(settings)
            return

        def signed_in(given: Credentials | None) -> None:
            self._login_open = False
            if given is None:
                self.notify(f"Not switched: {one_line(profile, 40)} needs credentials.", severity="warning")
                return
            self._connect(replace(settings, credentials=given))

        from flowsynx_tui.screens.login import LoginDialog

        self._login_open = True
        reason = f"Sign in to {one_line(profile, 40)} ({one_line(settings.url, 80)})."
        self.push_screen(LoginDialog(reason, credentials, title="Sign in"), signed_in)

    def _connect(self, settings: Settings) -> None:
        old = self.services
        old.poller.stop()
        self.run_worker(old.aclose, exit_on_error=False)
        self.settings = settings
        self.services = Services.connect(
            settings, self, clock=old.clock, transport=self._transport, log_retain_limit=old.log_retain_limit
        )
        self.approvals_swept = False
        self._reported_problems.clear()
        self._login_declined = False
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._begin()
        # Said before anything is read: whether it answers, the header says.
        where = f"{one_line(settings.profile, 40)} ({one_line(settings.url, 60)})" if settings.profile else one_line(settings.url, 60)
        self.notify(f"Switched to {where}; the header shows the connection.", title="Server")
        for warning in settings.warnings:
            self.notify(warning, severity="warning", timeout=10)

    async def on_unmount(self) -> None:
        await self.services.aclose()

    def exit_from_signal(self, signum: int) -> None:
        """Leave through Textual's own exit (terminal restored); safe from a signal handler."""
        loop = self._event_loop
        if loop is None or loop.is_closed():
            raise SystemExit(128 + signum)
        loop.call_soon_threadsafe(self.exit, None, 128 + signum)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast is literal text: messages quote server text, which is never markup.
        The same toast again while it still shows is not stacked on it: a key pressed again
        and again (a refused action) piled ten of them over half the screen."""
        message, title = lines(message, 2000), one_line(title, 100)
        notice = Notice(title, message, severity)
        now = time.monotonic()
        shown_for = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        self._shown_toasts = {n: at for n, at in self._shown_toasts.items() if now - at < shown_for}
        if notice in self._shown_toasts:
            return
        self._shown_toasts[notice] = now
        self.notices.append(notice)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def clear_notifications(self) -> None:
        super().clear_notifications()
        self._shown_toasts.clear()  # none shows now: the next one is shown, repeat or not

    # ---------------------------------------------------------- messages up
    def on_overview_changed(self, message: OverviewChanged) -> None:
        update = message.update
        if not update.complete:
            return
        self._open_by_prefix()
        self._report_problems(update.problems)
        self._announce_approvals(list(update.fresh_approvals))
        actions = self.services.actions
        for earlier in actions.settled():
            # Its "may or may not have been applied" gets its answer.
            self.notify(
                f"{earlier.action.subject} no longer waits for a decision: {earlier.what} and was taken, "
                "unless someone else decided first.",
                title=f"{earlier.action.verb.capitalize()} taken",
            )
        for earlier in actions.not_applied():
            # An operator who read "approved?" and walked away left the run paused for good.
            self.notify(
                f"{earlier.action.subject} still waits for a decision: {earlier.what}, and the approvals read "
                f"since list it pending, so it was not applied. {earlier.action.verb.capitalize()} again if you "
                "still want to.",
                title=f"{earlier.action.verb.capitalize()} not applied",
                severity="warning",
                timeout=20,
            )

    def on_problems_found(self, message: ProblemsFound) -> None:
        self._report_problems(message.problems)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        connection = message.connection
        if self.wanted_prefix is not None and connection.state in ("retrying", "error") and connection.last_ok is None:
            # Nothing read, so nothing to look in: said now, as a full id's lookup says it,
            # not done minutes later over whatever the user is doing then.
            prefix, self.wanted_prefix, self._prefix_told = self.wanted_prefix, None, False
            self.notify(f"Cannot look for the execution {prefix}: {one_line(connection.reason, 200)}", severity="error")
        if message.connection.state == "ok":
            self._login_declined = False
        elif message.connection.auth_failed and not self._login_declined:
            self.action_login(message.connection.reason)

    def on_action_finished(self, message: ActionFinished) -> None:
        outcome = message.outcome
        if self._quit_dialog is not None and not self.services.actions.in_flight:
            # The question was about this answer: it is here, and the toast below says it.
            self._quit_dialog.dismiss(False)
            self.notify("Nothing waits for an answer now: q quits at once.", title="Quit")
        self.notify(outcome.text, title=outcome.title, severity=outcome.severity,  # type: ignore[arg-type]
                    timeout=8 if outcome.severity == "information" else 12)
        self.services.poller.refresh()
        started = outcome.started
        if started is not None and outcome.verb == "rerun":
            self.navigate(ExecutionView(started.workflow_id, started.execution_id))
        elif started is not None and not _is_executions_screen(self.top_screen) and self._last_key_at < outcome.sent_at:
            # The new run on top of its workflow's executions, with the cursor on it; not when
            # keys came since the start was sent: "x y j x" took the user to that list, where
            # j x asked to start the same workflow again.
            self.navigate(ExecutionsView(started.workflow_id, select_execution=started.execution_id), top_level=True)

    def on_navigate(self, message: Navigate) -> None:
        self.navigate(message.destination, top_level=message.top_level)

    def on_find_execution(self, message: FindExecution) -> None:
        self.open_execution_by_id(message.execution_id)

    def open_execution_by_id(self, execution_id: str) -> None:
        """Open any execution by its full id, also one no list shows yet; or by the start of
        its id, once the lists are read and only one run's id starts so."""
        guid = as_guid(execution_id)
        if guid is None:
            prefix = as_guid_prefix(execution_id)
            if prefix is None:
                self.notify("That is not an execution id (a GUID).", severity="warning")
                return
            self.wanted_prefix = prefix
            self._open_by_prefix()
            return
        self.run_worker(partial(self._find_and_open, guid), group=f"find:{guid}", exclusive=True, exit_on_error=False)

    def _open_by_prefix(self) -> None:
        """The execution ``_wanted_prefix`` names, opened when it names one; said when it
        names none or several. Until every list is read another run may start the same."""
        prefix = self.wanted_prefix
        if prefix is None:
            return
        index = self.services.overview.index
        found = [execution_id for execution_id in index.by_id if execution_id.startswith(prefix)]
        if not index.loaded and len(found) < 2:
            if not self._prefix_told:
                self._prefix_told = True
                self.notify(f"Looking for the execution {prefix}… once the executions are read.", timeout=5)
            return
        self.wanted_prefix, self._prefix_told = None, False
        if len(found) == 1:
            self.open_execution_by_id(found[0])
        elif found:
            self.notify(
                f"{len(found):,} executions' ids start with {prefix}: give more of the id.", severity="warning"
            )
        else:
            self.notify(
                f"No execution listed on this server has an id starting with {prefix} "
                f"({len(index.by_id):,} listed).",
                severity="warning",
            )

    async def _find_and_open(self, execution_id: str) -> None:
        label = execution_id[:8]
        self.notify(f"Looking up execution {label}…", timeout=3)
        try:
            workflow_id = await self.services.overview.find_workflow_of(execution_id)
        except FlowSynxError as error:
            self.notify(f"Cannot open execution {label}: {error}", severity="error")
            return
        if workflow_id is None:
            self.notify(f"No workflow of this server has execution {execution_id}.", severity="warning")
            return
        self.services.workflow_found(execution_id, workflow_id)
        self.navigate(ExecutionView(workflow_id, execution_id))

    def navigate(self, destination: Destination, *, top_level: bool = False) -> None:
        """Open a view; a top-level one (the number keys) replaces the stack above the start screen."""
        screen = SCREENS[type(destination)](self.services, destination)
        if top_level:
            while len(self.screen_stack) > 2:
                self.pop_screen()
            if isinstance(screen, WorkflowsScreen):
                return
        self.push_screen(screen)

    def _report_problems(self, problems: tuple[str, ...]) -> None:
        """Items the server sent that could not be read, or may not be read, are named once each."""
        for problem in problems:
            if problem not in self._reported_problems:
                self._reported_problems.add(problem)
                title = "Missing role" if "permission denied" in problem else "Skipped unreadable data"
                self.notify(one_line(problem, 300), title=title, severity="warning", timeout=10)

    def _announce_approvals(self, fresh: list[Approval]) -> None:
        first_sweep = not self.approvals_swept
        self.approvals_swept = True
        if not fresh:
            return
        # Not "press 3 for the inbox" to someone looking at it.
        where = " It is in the list." if _is_inbox(self.top_screen) else f" Press {self.key_of('app.approvals')} for the inbox."
        if first_sweep:
            # Approvals that were already waiting at start: one summary, no bell.
            self.notify(f"{len(fresh)} approval(s) waiting.{where}", title="Approvals")
            return
        overview = self.services.overview
        for approval in fresh[:3]:
            name = one_line(overview.workflow_name(approval.workflow_id), 40)
            self.notify(
                f"{name}: task {one_line(approval.task_name, 40)} waits for approval.{where}",
                title="New approval",
                timeout=10,
            )
        if self.settings.bell:
            self.bell()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's, and what the keys of the screen under the palette do there (approve,
        cancel run, follow…): each can be searched for by name, its key beside it, as in
        posting's palette. Those the footer shows are listed before anything is typed."""
        for command in super().get_system_commands(screen):
            if command.title == "Quit":  # its action is ours: it asks while an answer is awaited
                keys = f"{self.key_of('app.quit')} or {self.key_of('app.quit_anywhere')}"
                command = command._replace(
                    help=f"key {markup_literal(keys)} · asks first while a decision waits for its answer"
                )
            elif command.title == "Screenshot":
                command = command._replace(help=f"key {markup_literal(self.key_of('app.screenshot'))} · {command.help}")
            yield command
        if not isinstance(screen, DashboardScreen):
            return
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.id or binding.id in _IN_THE_PALETTE_ALREADY or binding.id in seen or not active.enabled:
                continue
            seen.add(binding.id)
            yield SystemCommand(
                binding.description or binding.action,
                f"key {markup_literal(self.get_key_display(binding))} · here",
                partial(self.run_action, binding.action, active.node),
                discover=binding.show,
            )
        for binding, node, where in screen.commands_off_focus():
            if binding.id in seen or not node.check_action(binding.action, ()):
                continue
            seen.add(binding.id or binding.action)
            yield SystemCommand(
                binding.description or binding.action,
                f"key {markup_literal(self.shown_key(binding))} in {where}",
                partial(self.run_action, binding.action, node),
                discover=binding.show,
            )

    # ------------------------------------------------------------- look
    def search_themes(self) -> None:
        """The palette's "Theme": Textual's list, where a pick is also remembered."""
        from textual.command import CommandPalette

        from flowsynx_tui.commands import ThemePicker

        self.push_screen(CommandPalette(providers=[ThemePicker], placeholder="Search for themes…"))

    def pick_theme(self, name: str) -> None:
        """Use theme ``name`` and write it to the config file, so the next start has it too."""
        self.theme = name
        path = self.settings.config_path
        if path is None:
            return  # settings made by hand (tests), read from no file
        from flowsynx_tui.config_write import ConfigWriteError, remember_theme

        try:
            if remember_theme(path, name):
                self.notify(f"Theme {name} remembered in {path}.", title="Theme", timeout=4)
        except ConfigWriteError as error:
            self.notify(f"Theme {name} for now only: {error}", title="Theme", severity="warning", timeout=10)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        # Textual's default is ~/Downloads, which a server seldom has: the configured
        # directory, else the working directory. ctrl+s and the palette's "Screenshot" both.
        if path is None:
            path = str(self.settings.screenshot_dir or ".")
        return super().deliver_screenshot(filename, path, time_format)

    def _on_delivery_complete(self, event: DeliveryComplete) -> None:
        if event.name != "screenshot":
            return
        event.prevent_default()  # Textual's toast is markup, which ours never are
        where = "to the browser" if event.path is None else f"to {os.path.abspath(event.path)}"
        self.notify(f"Screenshot saved {where}.", title="Screenshot", timeout=6)

    def _on_delivery_failed(self, event: DeliveryFailed) -> None:
        if event.name != "screenshot":
            return
        event.prevent_default()  # Textual's says that it failed, not why
        error = event.exception
        reason = (error.strerror or str(error)) if isinstance(error, OSError) else str(error)
        where = f" to {error.filename}" if isinstance(error, OSError) and error.filename else ""
        self.notify(f"Screenshot not saved{where}: {reason}.", title="Screenshot", severity="error", timeout=12)

    # ------------------------------------------------------------- keys
    def action_login(self, reason: str = "Sign in with other credentials.") -> None:
        if self._login_open:
            return
        self._login_open = True
        services = self.services

        def done(credentials: Credentials | None) -> None:
            self._login_open = False
            if credentials is None:
                if not services.poller.connection.auth_failed:
                    # Turned down on a server that takes these credentials (or none): the
                    # dashboard still reads it, and "Not signed in" would say otherwise.
                    return
                # Keep polling with backoff, but do not ask again until asked (L) or it recovers.
                self._login_declined = True
                self.notify(f"Not signed in. Press {self.key_of('app.login')} to sign in.", severity="warning")
                return
            services.client.set_credentials(credentials)
            services.status.user = credentials.who
            services.poller.retry_all()

        from flowsynx_tui.screens.login import LoginDialog

        current = services.client.credentials
        # "Again" only after something was read with the credentials that failed now.
        title = "Sign in again" if services.status.connection.last_ok is not None else "Sign in"
        if isinstance(current, BasicCredentials) and not current.password:
            # A user name without a password (none on the command line, in the environment
            # or the profile): nothing was rejected, it was never given.
            title, reason = "Sign in", f"No password was given for {one_line(current.who, 40)}: enter it to go on."
        self.push_screen(LoginDialog(reason, current, title=title), done)

    async def action_quit(self) -> None:
        # Textual's ctrl+q: it exited at once, also with a decision waiting for its answer.
        self.action_quit_app()

    def action_help_quit(self) -> None:
        # Textual's ctrl+c toast says ``[b]ctrl+q[/b]``: its text is markup, and toasts here
        # are literal text.
        quits = [
            active.binding
            for active in self.active_bindings.values()
            if active.binding.action in ("quit", "quit_app", "app.quit", "app.quit_app")
        ]
        quits.sort(key=lambda binding: binding.priority)  # q before ctrl+q (which also works while typing)
        keys = [self.get_key_display(binding) for binding in quits]
        self.notify(f"Press {' or '.join(dict.fromkeys(keys)) or 'q'} to quit.", title="Do you want to quit?")

    def action_quit_app(self) -> None:
        """Quit at once, unless an action waits for its answer: then ask."""
        waiting = self.services.actions.in_flight_described()
        if not waiting or self._quit_dialog is not None:
            self.exit()  # nothing to wait for, or q again in the question: quit anyway
            return
        lines = [
            Text(f"Still waiting for an answer: {'; '.join(one_line(what, 120) for what in waiting)}"),
            Text(
                "Quitting now, you will not see what became of it: the server may still apply it. "
                "It is not sent again either way."
            ),
            Text(f"{self.key_of('app.quit')} again quits too."),
        ]
        from flowsynx_tui.screens.confirm import ConfirmDialog

        dialog = ConfirmDialog(
            Text("Quit with an action in flight?", style="bold"),
            lines,
            yes_label="Quit",
            danger=True,
            also_yes=self._keys_of("app.quit", "q"),
        )

        def answered(yes: bool | None) -> None:
            self._quit_dialog = None
            if yes:
                self.exit()

        self._quit_dialog = dialog
        self.push_screen(dialog, answered)

    def action_help(self) -> None:
        from flowsynx_tui.screens.help import HelpScreen, help_rows

        title = getattr(self.screen, "TITLE_TEXT", "") or "flowsynx-tui"
        self.push_screen(HelpScreen(title, help_rows(self.screen.active_bindings, self.get_key_display)))

    def action_show_workflows(self) -> None:
        self.navigate(WorkflowsView(), top_level=True)

    def action_show_executions(self) -> None:
        self.navigate(ExecutionsView(), top_level=True)

    def action_show_approvals(self) -> None:
        self.navigate(ApprovalsView(), top_level=True)
