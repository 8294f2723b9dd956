"""The execution list's newest-first order, kept up as runs and pages come in place (no
sort of 100k positions per run or page), is the order a fresh sort gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flowsynx_tui.services.overview import ExecutionList

# (run, its position in the server's list, whether the screen reads the order after it)
Placed = st.tuples(st.integers(0, 40), st.integers(0, 60), st.booleans())


def fresh_order(placed: list[tuple[int, int, bool]]) -> list[str]:
    listed = ExecutionList("any", 100, None)
    for run, position, _ in placed:
        listed.place(f"r{run}", position)
    return list(listed.newest_first())


@settings(max_examples=300, deadline=None)
@given(st.lists(Placed, max_size=80))
def test_the_order_kept_up_in_place_is_the_order_sorted_afresh(placed: list[tuple[int, int, bool]]) -> None:
    listed = ExecutionList("any", 100, None)
    listed.newest_first()  # read from the start: every later run is put in place
    for run, position, read in placed:
        listed.place(f"r{run}", position)
        if read:
            listed.newest_first()
    assert listed.newest_first() == fresh_order(placed)


def test_a_first_read_back_in_time_and_new_runs_keep_the_newest_on_top() -> None:
    listed = ExecutionList("any", 3, None)
    listed.newest_first()
    for page in ([6, 7, 8], [3, 4, 5], [0, 1, 2]):  # the last page first, as the app reads
        for position in page:
            listed.place(f"p{position}", position)
    listed.place("new", 9)
    listed.place("recorded", 9)  # started here before the list showed it: the later first
    assert listed.newest_first() == ["recorded", "new", *(f"p{n}" for n in range(8, -1, -1))]
