"""Keys an operator expects on day one: copy ids and ready commands (`y`, `Y`), rerun (`R`),
jump to any execution, quit that asks only when something is in flight. Pilot over real HTTP."""

from __future__ import annotations

from flowsynx_tui.api import BasicCredentials, BearerCredentials
from flowsynx_tui.emulator import seed
from flowsynx_tui.messages import ExecutionView
from flowsynx_tui.screens.approvals import ApprovalInbox
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.testing import footer_keys, make_app, open_inbox, wait_for, wait_for_screen
from flowsynx_tui.widgets.keyed_table import KeyedTable
from flowsynx_tui.widgets.task_tree import TaskTree

NIGHTLY = seed.workflow_id("nightly-csv-export")
INVOICE = seed.workflow_id("invoice-approval")
PAUSED = seed.execution_id("invoice-approval", 5)


async def test_y_copies_the_full_id_and_Y_a_curl_command_without_the_secret(emulator_server) -> None:
    server = emulator_server(frozen=True, auth="basic")
    app = make_app(server.url, credentials=BasicCredentials("admin", "admin"))
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, what="the workflows")
        table.select_key(NIGHTLY)
        await pilot.press("y")
        assert app.clipboard == NIGHTLY
        assert any("Copied the workflow id" in n.message for n in app.notices)
        await pilot.press("Y")
        assert app.clipboard == f"curl -sS -u admin {server.url}/workflows/{NIGHTLY}"
        assert "admin:admin" not in app.clipboard and "YWRtaW46YWRtaW4" not in app.clipboard  # nor base64


async def test_curl_for_a_bearer_session_takes_the_token_from_the_environment(emulator_server) -> None:
    server = emulator_server(frozen=True, auth="bearer")
    token = server.emulator.issue_token("admin", 3600)
    app = make_app(server.url, credentials=BearerCredentials(token))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("3")
        await wait_for_screen(pilot, app, ApprovalInbox)
        inbox = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: inbox.row_count == 1, what="the approval")
        await pilot.press("Y")
        assert app.clipboard == (
            f'curl -sS -H "Authorization: Bearer $FLOWSYNX_TOKEN" '
            f"{server.url}/workflows/{INVOICE}/executions/{PAUSED}/approvals"
        )
        assert token not in app.clipboard
        # Whose token it is, from its claims; the token itself is nowhere on screen.
        header = app.screen.query_one("StatusHeader").render().plain
        assert " · token (admin) · " in header and token.split(".")[2] not in header
        await pilot.press("y")
        assert app.clipboard == inbox.selected_key  # the approval's own id


async def test_y_on_a_task_copies_the_task_execution_id(emulator_server) -> None:
    server = emulator_server(frozen=True)
    execution_id = seed.execution_id("nightly-csv-export", 1)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        app.navigate(ExecutionView(NIGHTLY, execution_id))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        tree = app.screen.query_one(TaskTree)
        await wait_for(pilot, lambda: tree.row_count > 0 and tree.selected_task(), what="the tasks")
        task = tree.selected_task()
        assert task is not None and task.execution is not None
        await pilot.press("y")
        assert app.clipboard == task.execution.id
        await pilot.press("o", "Y")  # from the log pane: the execution itself
        assert app.clipboard.endswith(f"/workflows/{NIGHTLY}/executions/{execution_id}")


async def test_R_runs_an_execution_again_as_a_new_run_and_opens_it(emulator_server) -> None:
    from flowsynx_tui.screens.confirm import ConfirmDialog
    from flowsynx_tui.screens.executions import ExecutionsScreen
    from flowsynx_tui.testing import screen_text

    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        table = app.screen.query_one(KeyedTable)
        old = seed.execution_id("nightly-csv-export", 2)
        await wait_for(pilot, lambda: old in table.keys and app.services.overview.index.workflow_of.get(old))
        table.select_key(old)
        before = {e.id for e in emulator.store.executions()}
        await pilot.press("R")
        await wait_for_screen(pilot, app, ConfirmDialog)
        asked = " ".join(screen_text(app).split())
        assert "Run it again?" in asked and "FlowSynx has no rerun" in asked
        await pilot.press("y")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        (new_id,) = {e.id for e in emulator.store.executions()} - before
        assert app.screen.execution_id == new_id and app.screen.workflow_id == NIGHTLY
        assert any(f"Started run {new_id[:8]} of nightly-csv-export." == n.message for n in app.notices)
    starts = [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/executions")]
    assert len(starts) == 1


async def test_the_palette_opens_an_execution_by_its_full_id_even_one_not_listed_yet(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    emulator = server.emulator
    app = make_app(server.url, refresh=60.0)  # nothing is re-read while the test runs
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5 and app.services.overview.index.loaded)
        new_run = emulator.start_execution(NIGHTLY)
        assert new_run not in app.services.overview.index.by_id
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*new_run)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        assert (app.screen.workflow_id, app.screen.execution_id) == (NIGHTLY, new_run)


async def test_the_execution_flag_opens_that_run_at_start(emulator_server) -> None:
    server = emulator_server(time_scale=0.05)
    new_run = server.emulator.start_execution(NIGHTLY)
    app = make_app(server.url, refresh=60.0)
    app.open_execution = new_run  # what ``--execution ID`` sets
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        assert (app.screen.workflow_id, app.screen.execution_id) == (NIGHTLY, new_run)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "WorkflowsScreen", "escape leads back to the start screen"


async def test_an_unknown_execution_id_is_said_not_opened(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5)
        app.open_execution_by_id("0b4c8ed0-0000-4000-8000-000000000000")
        await wait_for(pilot, lambda: any("No workflow of this server has" in n.message for n in app.notices))
        assert not isinstance(app.screen, ExecutionDetailScreen)


async def test_an_execution_opens_by_the_start_of_its_id_once_the_lists_tell_it_apart(emulator_server) -> None:
    # ``--execution 3f2a9c1d``: the id as the tables show it, read off a screen or a message.
    from collections import Counter

    from flowsynx_tui.emulator.bulk import populate

    server = emulator_server(frozen=True, seed=False)
    ids = populate(server.emulator, workflows=3, finished=1_500, paused=0).execution_ids
    starts = Counter(execution_id[:4] for execution_id in ids)
    shared = next(start for start, count in starts.items() if count > 1)
    wanted = next(execution_id for execution_id in reversed(ids) if starts[execution_id[:4]] == 1)
    unused = next(f"{n:04x}" for n in range(65_536) if f"{n:04x}" not in starts)
    app = make_app(server.url, refresh=60.0)
    app.open_execution = wanted[:8].upper()  # what ``--execution`` sets; case does not matter
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_screen(pilot, app, ExecutionDetailScreen, timeout=20)
        assert app.screen.execution_id == wanted
        await pilot.press("escape")
        app.open_execution_by_id(shared)
        await wait_for(pilot, lambda: any(f"ids start with {shared}: give more" in n.message for n in app.notices))
        app.open_execution_by_id(unused)
        await wait_for(pilot, lambda: any(f"an id starting with {unused} (1,500 listed)" in n.message
                                          for n in app.notices))
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ExecutionDetailScreen)


async def test_the_palette_opens_a_run_older_than_those_it_lists_by_the_start_of_its_id(emulator_server) -> None:
    from flowsynx_tui.commands import MAX_EXECUTIONS
    from flowsynx_tui.emulator.bulk import populate

    server = emulator_server(frozen=True, seed=False)
    oldest = populate(server.emulator, workflows=3, finished=MAX_EXECUTIONS + 100, paused=0).execution_ids[0]
    app = make_app(server.url, refresh=60.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.index.loaded, timeout=20, what="every run read")
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*oldest[:8])
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ExecutionDetailScreen, timeout=10)
        assert app.screen.execution_id == oldest


async def test_a_question_about_an_approval_decided_meanwhile_is_withdrawn_not_sent(emulator_server) -> None:
    # Someone else rejected it while the approve dialog was open: "y" sent the approve, and
    # the answer was "Someone else decided first".
    import httpx

    from flowsynx_tui.screens.confirm import ConfirmDialog

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await open_inbox(pilot, app)
        (approval_id,) = table.keys
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConfirmDialog)
        dialog = app.screen
        async with httpx.AsyncClient() as someone_else:
            answer = await someone_else.post(
                f"{server.url}/workflows/{INVOICE}/executions/{PAUSED}/approvals/{approval_id}/reject"
            )
            assert answer.status_code == 200, answer.text
        await wait_for(pilot, lambda: dialog.withdrawn is not None, 10, "the question withdrawn")
        said = " ".join(str(s.render()) for s in dialog.query("Static"))
        assert "No longer waiting: it was decided meanwhile" in said, said
        title = str(dialog.query_one("#confirm-title").render())
        assert title.startswith("No longer asked: Approve"), title  # it still asked "Approve …?"
        # Its footer said "n No" beside its one button, "Close (n)".
        await wait_for(pilot, lambda: "n Close" in footer_keys(app), what="the footer's Close")
        assert "n No" not in footer_keys(app) and "y " not in footer_keys(app), footer_keys(app)
        await pilot.press("y")
        await pilot.pause(0.3)
        assert app.screen is dialog, "y answers nothing now"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is not dialog, what="closed")
    assert [r.path for r in server.emulator.requests if r.method == "POST"] == [
        f"/workflows/{INVOICE}/executions/{PAUSED}/approvals/{approval_id}/reject"
    ], "only the other client's decision"


async def test_the_palette_opens_no_run_whose_id_only_contains_the_digits_typed(emulator_server) -> None:
    # "7390" matched the middle of a run's id and enter opened that run.
    server = emulator_server(frozen=True)
    middle = PAUSED.split("-")[1]
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.services.overview.index.loaded, what="every run read")
        assert not any(i.startswith(middle) for i in app.services.overview.index.by_id)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*middle)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(f"an id starting with {middle}" in n.message for n in app.notices),
                       what="none starts so")
        assert not isinstance(app.screen, ExecutionDetailScreen)


async def approve_from_the_inbox(pilot, app) -> None:  # noqa: ANN001
    """The inbox's one approval approved (a, y), its answer still on its way."""
    from flowsynx_tui.screens.confirm import ConfirmDialog

    await pilot.press("3")
    await wait_for_screen(pilot, app, ApprovalInbox)
    inbox = app.screen.query_one(KeyedTable)
    await wait_for(pilot, lambda: inbox.row_count == 1, what="the approval")
    await pilot.press("a")
    await wait_for_screen(pilot, app, ConfirmDialog)
    await pilot.press("y")
    await wait_for(pilot, lambda: app.services.actions.in_flight, what="the approve in flight")


def app_with_a_slow_approve(emulator_server, seconds: int):  # noqa: ANN001, ANN201
    """The emulator, whose approve answers ``seconds`` late, and the app against it."""
    from flowsynx_tui.emulator import Faults

    server = emulator_server(time_scale=0.05)
    server.emulator.faults = Faults.parse(f"latency={seconds},only=/approve$")
    return server, make_app(server.url)


async def asked_to_quit_while_approving(pilot, app) -> None:  # noqa: ANN001
    """q pressed while the inbox's approval is on its way: the quit question on screen."""
    from flowsynx_tui.screens.confirm import ConfirmDialog

    await approve_from_the_inbox(pilot, app)
    await pilot.press("q")
    await wait_for_screen(pilot, app, ConfirmDialog)


async def test_q_asks_first_only_while_an_action_waits_for_its_answer(emulator_server) -> None:
    server, app = app_with_a_slow_approve(emulator_server, 3)
    async with app.run_test(size=(160, 48)) as pilot:
        await asked_to_quit_while_approving(pilot, app)
        await pilot.press("n")
        assert app.is_running
        await wait_for(pilot, lambda: not app.services.actions.in_flight, timeout=20, what="the answer")
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, what="quit at once")
    assert len([r for r in server.emulator.requests if r.path.endswith("/approve")]) == 1


async def test_q_again_in_the_question_quits(emulator_server) -> None:
    # The dialog is modal: the app's q did not reach it, and "q again" did nothing.
    server, app = app_with_a_slow_approve(emulator_server, 5)
    async with app.run_test(size=(160, 48)) as pilot:
        await asked_to_quit_while_approving(pilot, app)
        said = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "q again quits too" in said, said
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=3, what="quit while the approve is on its way")


async def test_the_quit_question_names_the_action_and_goes_with_its_answer(emulator_server) -> None:
    # It stayed open, still "waiting for an answer: approving…", after the answer had come.
    server, app = app_with_a_slow_approve(emulator_server, 2)
    async with app.run_test(size=(160, 48)) as pilot:
        await asked_to_quit_while_approving(pilot, app)
        asked = " ".join(str(line.render()) for line in app.screen.query(".confirm-line"))
        assert "approving… PublishInvoices of run c9b12d57 of invoice-approval" in asked, asked
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalInbox), timeout=20, what="the question gone")
        assert app.is_running and not app.services.actions.in_flight
        assert any(n.message.startswith("Approved PublishInvoices") for n in app.notices)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, what="quit at once")


async def test_the_palette_runs_what_the_screens_keys_do_and_names_the_keys(emulator_server) -> None:
    from flowsynx_tui.screens.confirm import ConfirmDialog

    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"approvals.reject": "D"})
    async with app.run_test(size=(160, 48)) as pilot:
        await open_inbox(pilot, app)
        inbox = app.screen
        commands = {command.title: command.help for command in app.get_system_commands(inbox)}
        assert commands["Approve"] == "key a · here" and commands["Reject"] == "key D · here"
        assert commands["Copy id"] == "key y · here"  # not in the footer, found by its name
        assert commands["Quit"] == "key q or ^q · asks first while a decision waits for its answer"
        assert commands["Sign in"] == "key L · here" and commands["Help"] == "key ? · here"
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"reject")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ConfirmDialog)
        assert "Reject task PublishInvoices?" in " ".join(str(s.render()) for s in app.screen.query("Static"))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is inbox, what="back in the inbox")
        await pilot.press("slash", *"no-such-row", "enter")
        await wait_for(pilot, lambda: inbox.query_one(KeyedTable).row_count == 0 or
                       not inbox.query_one(KeyedTable).visible_keys, what="nothing shown")
        titles = {command.title for command in app.get_system_commands(inbox)}
        assert "Approve" not in titles and "Reject" not in titles, "offered with nothing to decide"
    read_only = make_app(server.url, read_only=True)
    async with read_only.run_test(size=(160, 48)) as pilot:
        await open_inbox(pilot, read_only)
        titles = {command.title for command in read_only.get_system_commands(read_only.screen)}
        assert "Refresh" in titles and not titles & {"Approve", "Reject"}


async def test_the_palette_names_the_keys_of_quit_and_screenshot_as_remapped(emulator_server) -> None:
    # Quit and Screenshot showed no key, while every other command named its own.
    server = emulator_server(frozen=True)
    for keymap, quit_keys, screenshot_key in (({}, "q or ^q", "^s"), ({"app.quit": "Q", "app.screenshot": "f9"},
                                                                         "Q or ^q", "f9")):
        app = make_app(server.url, keymap=keymap)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5, what="the workflows")
            commands = {command.title: command.help for command in app.get_system_commands(app.screen)}
            assert commands["Quit"].startswith(f"key {quit_keys} · "), commands["Quit"]
            assert commands["Screenshot"].startswith(f"key {screenshot_key} · "), commands["Screenshot"]


async def test_the_palette_offers_follow_on_the_execution_screen_whatever_has_the_focus(emulator_server) -> None:
    # Follow (and search, save, level, wrap) were there only while the log pane had the
    # focus; the task tree has it at first.
    from flowsynx_tui.widgets.logview import LogPane

    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"log.follow": "F"})
    async with app.run_test(size=(120, 40)) as pilot:
        app.navigate(ExecutionView(INVOICE, PAUSED))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        pane = app.screen.query_one(LogPane)
        tree = app.screen.query_one(TaskTree)
        await wait_for(pilot, lambda: tree.has_focus and pane.follow, what="the task tree focused, the log followed")
        commands = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert commands["Follow"] == "key F in the log pane", commands
        for title in ("Search", "Save", "Level", "Wrap"):  # the QA pass's "follow, save, wrap, level"
            assert commands[title].endswith("in the log pane"), commands
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"follow")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not pane.follow, timeout=3, what="following paused from the palette")
        assert tree.has_focus
        level = pane.status_text
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"level")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "≥" in pane.status_text and pane.status_text != level, timeout=3, what="the level stepped from the palette")
        pane.focus()
        await wait_for(pilot, lambda: not tree.has_focus, what="the log pane focused")
        commands = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert commands["Follow"] == "key F · here", commands


async def test_the_palette_switches_servers_like_contexts(emulator_server, tmp_path) -> None:
    from flowsynx_tui.app import FlowSynxApp
    from flowsynx_tui.config import resolve_settings
    from flowsynx_tui.screens.login import LoginDialog
    from flowsynx_tui.screens.workflows import WorkflowsScreen
    from flowsynx_tui.widgets.status_header import StatusHeader

    first = emulator_server(frozen=True)
    second = emulator_server(frozen=True, seed=False)
    second.emulator.add_workflow({"Name": "only-on-b", "Tasks": [{"Name": "T", "Type": "Demo:1.0"}]})
    locked = emulator_server(frozen=True, seed=False, auth="basic")
    locked.emulator.add_workflow({"Name": "behind-a-password", "Tasks": [{"Name": "T", "Type": "Demo:1.0"}]})
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.a]\nurl = "{first.url}"\n'
        f'[profiles.b]\nurl = "{second.url}"\n'
        f'[profiles.c]\nurl = "{locked.url}"\nauth = "basic"\nusername = "admin"\n'
    )
    app = FlowSynxApp(replace_refresh(resolve_settings(profile="a", config_path=config, environ={})))

    def header() -> str:
        return app.screen.query_one(StatusHeader).render().plain

    async def switch(pilot, profile: str) -> None:  # noqa: ANN001
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*f"switch server {profile}")
        await pilot.pause(0.5)
        await pilot.press("enter")

    async with app.run_test(size=(160, 48)) as pilot:
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 5, what="server a's workflows")
        assert "[a]" in header()
        await pilot.press("2")  # somewhere deeper: switching starts over
        await switch(pilot, "b")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkflowsScreen) and "[b]" in header(), what="on b")
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="server b's workflows")
        assert len(app.screen_stack) == 2
        # Said before anything is read, so not "connected": the header says whether it answers.
        assert any(n.message.startswith("Switched to b (http://127.0.0.1:") for n in app.notices)
        await pilot.pause(0.5)  # answers already on their way land (and reach nobody)
        mark = len(first.emulator.requests)
        await pilot.pause(1.0)
        assert len(first.emulator.requests) == mark, "the old server is still polled"
        await switch(pilot, "c")
        await wait_for_screen(pilot, app, LoginDialog)  # the profile holds no password
        assert app.screen.title_text == "Sign in", "a first sign-in, not 'again'"
        app.screen.query_one("#password").value = "admin"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkflowsScreen) and "[c]" in header(), what="on c")
        table = app.screen.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="server c's workflows")
        assert "connected" in header()


async def test_switching_servers_without_profiles_says_how_to_add_them(emulator_server) -> None:
    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5, what="the workflows")
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"switch server")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.message.startswith("No server to switch to: add [profiles.NAME]") for n in app.notices),
                       what="how to add a server")


def replace_refresh(settings):  # noqa: ANN001, ANN201
    from dataclasses import replace

    return replace(settings, refresh=0.3)


async def test_ctrl_c_says_how_to_quit_in_plain_words_and_ctrl_q_asks_like_q(emulator_server) -> None:
    from flowsynx_tui.screens.confirm import ConfirmDialog

    server, app = app_with_a_slow_approve(emulator_server, 3)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: any("to quit" in n.message for n in app.notices), what="the toast")
        said = next(n.message for n in app.notices if "to quit" in n.message)
        assert said.startswith("Press q") and "[" not in said, said
        await approve_from_the_inbox(pilot, app)
        await pilot.press("ctrl+q")
        await wait_for_screen(pilot, app, ConfirmDialog)
        assert app.is_running
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.services.actions.in_flight, timeout=20, what="the answer")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="quit at once")


def burst(app, *keys: tuple[str, str]) -> None:  # noqa: ANN001
    """Keys arriving in one read, as a paste or a laggy SSH link delivers them: all are
    queued before the first is handled (``Pilot.press`` waits after each one)."""
    from textual import events

    for key, character in keys:
        app.post_message(events.Key(key, character))


async def test_keys_typed_in_one_burst_after_slash_go_into_the_filter_not_to_the_actions(emulator_server) -> None:
    from flowsynx_tui.screens.base import FilterableScreen
    from flowsynx_tui.widgets.logview import LogPane

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inbox(pilot, app)
        inbox = app.screen
        # "/pay": a and y were the inbox's approve and the dialog's yes.
        burst(app, ("slash", "/"), ("p", "p"), ("a", "a"), ("y", "y"))
        await pilot.pause(0.3)
        assert app.screen is inbox
        assert isinstance(inbox, FilterableScreen) and inbox.filter_text == "pay"
        assert str(inbox.query_one("#title").render()).startswith("Approvals waiting (0 of 1, filter: pay)")
        assert not [r for r in server.emulator.requests.snapshot() if r.method == "POST"]
        # The same in a log pane's search: n, e and s are its keys (next match, exceptions, save).
        app.navigate(ExecutionView(INVOICE, PAUSED))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        pane = app.screen.query_one(LogPane)
        pane.focus()
        await pilot.pause()
        burst(app, ("slash", "/"), ("s", "s"), ("e", "e"), ("n", "n"), ("d", "d"))
        await pilot.pause(0.3)
        assert pane.query_one("Input").value == "send"
        assert isinstance(app.screen, ExecutionDetailScreen)


async def test_keys_typed_in_one_burst_before_slash_are_taken_before_it(emulator_server) -> None:
    # "2 /" in one burst opened the workflows list's filter and lost the 2: the slash, taken
    # at once so that the keys after it go into the field, went ahead of the 2 queued before it.
    from flowsynx_tui.screens.base import FilterableScreen
    from flowsynx_tui.screens.executions import ExecutionsScreen

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5, what="the workflows")
        workflows = app.screen
        burst(app, ("2", "2"), ("slash", "/"), ("n", "n"), ("i", "i"), ("g", "g"))
        await wait_for_screen(pilot, app, ExecutionsScreen)
        executions = app.screen
        await wait_for(pilot, lambda: executions.filter_text == "nig", what="the executions filtered")
        assert isinstance(workflows, FilterableScreen) and workflows.filter_text == ""
        # j moves in the list before the filter opens; the keys after / are text, a second /
        # and a screen key (3) too. "-q/3j" keeps every row, so the cursor shows the move.
        await pilot.press("escape")
        await wait_for(pilot, lambda: executions.filter_text == "" and isinstance(app.focused, KeyedTable),
                       what="the filter cleared")
        table = executions.query_one(KeyedTable)
        row = table.cursor_row
        burst(app, ("j", "j"), ("slash", "/"), ("minus", "-"), ("q", "q"), ("slash", "/"), ("3", "3"), ("j", "j"))
        await wait_for(pilot, lambda: executions.filter_text == "-q/3j", what="the keys after the first / typed")
        assert table.cursor_row == row + 1 and app.screen is executions


async def test_keys_typed_in_one_burst_after_enter_leave_the_field_with_it(emulator_server) -> None:
    # "/nig⏎j" filtered on "nigj", and "/nig⏎⏎" opened nothing: enter left the field only
    # once it had come up to the app, and the field took the keys queued behind it as text.
    from flowsynx_tui.screens.executions import ExecutionsScreen
    from flowsynx_tui.widgets.logview import LogPane

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5, what="the workflows")
        await pilot.press("2")
        await wait_for_screen(pilot, app, ExecutionsScreen)
        executions = app.screen
        table = executions.query_one(KeyedTable)
        await wait_for(pilot, lambda: table.row_count > 8, what="the executions")
        burst(app, ("slash", "/"), ("n", "n"), ("i", "i"), ("g", "g"), ("enter", "\r"), ("j", "j"), ("enter", "\r"))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        assert executions.filter_text == "nig"
        opened = app.screen
        assert opened.execution_id == table.keys[1], "j moved to the second nightly run, enter opened it"
        # The same in a log pane's search: n after enter is the next match, not the needle.
        pane = opened.query_one(LogPane)
        pane.focus()
        await wait_for(pilot, lambda: pane.line_count > 3, what="log lines")
        burst(app, ("slash", "/"), ("c", "c"), ("s", "s"), ("v", "v"), ("enter", "\r"), ("n", "n"))
        await pilot.pause(0.5)
        field = pane.query_one("Input")
        assert not field.has_focus and field.value == "csv", field.value  # not "csvn"
        await wait_for(pilot, lambda: '"csv": match' in pane.status_text, what="the search done")


async def test_a_filter_key_remapped_onto_a_log_pane_key_still_does_both(emulator_server) -> None:
    # [keys] screen.filter = "f": on a list f opens the filter (after the keys typed before
    # it), and in a log pane, which has no filter, f still toggles following (it did nothing).
    from flowsynx_tui.screens.executions import ExecutionsScreen
    from flowsynx_tui.widgets.logview import LogPane

    server = emulator_server(frozen=True)
    app = make_app(server.url, keymap={"screen.filter": "f"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5, what="the workflows")
        burst(app, ("2", "2"), ("f", "f"), ("n", "n"), ("i", "i"), ("g", "g"))
        await wait_for_screen(pilot, app, ExecutionsScreen)
        executions = app.screen
        await wait_for(pilot, lambda: executions.filter_text == "nig", what="the executions filtered")
        app.navigate(ExecutionView(INVOICE, PAUSED))
        await wait_for_screen(pilot, app, ExecutionDetailScreen)
        pane = app.screen.query_one(LogPane)
        pane.focus()
        await wait_for(pilot, lambda: pane.follow, what="following")
        await pilot.press("f")
        await wait_for(pilot, lambda: not pane.follow, timeout=3, what="following paused by f")
        await pilot.press("f")
        await wait_for(pilot, lambda: pane.follow, timeout=3, what="following again")


async def test_at_80x24_toasts_leave_a_confirmation_readable(emulator_server) -> None:
    # Toasts came up over the dialog's text and buttons ("Start sent" after x y, then c).
    from rich.text import Text

    from flowsynx_tui.screens.confirm import ConfirmDialog

    server = emulator_server(frozen=True)
    app = make_app(server.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyedTable).row_count == 5, what="the workflows")
        lines = [Text("Workflow: warehouse-load"), Text("Execution: 4ef6c664-f1c5-456f-8c72-0123456789ab"),
                 Text("It is Paused: FlowSynx v1.3.0 answers that it cancelled a paused run but leaves it paused.")]
        app.push_screen(ConfirmDialog(Text("Cancel this execution?"), lines, yes_label="Cancel run", danger=True))
        await wait_for_screen(pilot, app, ConfirmDialog)
        app.notify("warehouse-load: The server did not cancel it: only running executions can be cancelled.",
                   title="Cancel failed", severity="error")
        app.notify("Started run 4ef6c664 of warehouse-load.", title="Start sent")
        dialog = app.screen

        def toasts() -> list:  # noqa: ANN202 - Textual's Toast is private
            return [toast for toast in dialog.query("Toast") if toast.region.area]

        await wait_for(pilot, lambda: len(toasts()) == 2, what="the toasts drawn")
        read = [dialog.query_one("#confirm-title"), *dialog.query(".confirm-line"), dialog.query_one("#confirm-buttons")]
        for toast in toasts():
            for part in read:
                assert not toast.region.overlaps(part.region), (toast.region, part.region)


async def test_the_start_of_an_id_given_while_nothing_can_be_read_is_said_not_opened_later(emulator_server) -> None:
    # It waited, said nothing more, and opened the run minutes later over whatever the user
    # was doing once the server answered.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = make_app(nowhere)
    app.open_execution = PAUSED[:8]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: any(n.message.startswith(f"Cannot look for the execution {PAUSED[:8]}: cannot reach")
                                          for n in app.notices), timeout=10, what="why not")
        assert app.wanted_prefix is None  # nothing left waiting to take over the screen later
