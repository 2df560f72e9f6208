"""Reusing a line read earlier for a promotion (registrations_repo.still_first): it gives the
true first N still waiting, or nothing — never someone behind a person who still waits. The line
is modelled as tickets; the event's seat counters (promoted, left) as the repository keeps them."""

from __future__ import annotations

from chalicelib.db.models import EventSeats, Registration
from chalicelib.db.registrations_repo import still_first
from hypothesis import given, settings
from hypothesis import strategies as st


class Line:
    """Tickets 1…issued; promotion from the head, leaving from anywhere (as the service does)."""

    def __init__(self) -> None:
        self.issued = 0
        self.promoted: list[int] = []
        self.left: set[int] = set()

    def waiting(self) -> list[int]:
        gone = set(self.promoted) | self.left
        return [t for t in range(1, self.issued + 1) if t not in gone]

    def event(self) -> EventSeats:
        return EventSeats(
            "ev-line",
            waitlist_promoted=len(self.promoted),
            waitlist_left=set(self.left) or None,
        )

    def query(self, limit: int) -> list[Registration]:
        return [
            Registration("ev-line", f"p{t}", wait_seq=t, status="waitlisted")
            for t in self.waiting()[:limit]
        ]


def _tickets(heads: list[Registration]) -> list[int]:
    return [int(h.wait_seq) for h in heads]


def test_a_line_read_before_others_promoted_gives_the_next_heads() -> None:
    line = Line()
    line.issued = 6
    read = line.query(5)
    line.promoted += [1, 2]  # another cancel's promotion took the first two
    assert _tickets(still_first(read, line.event(), 2)) == [3, 4]
    line.left.add(3)  # and the third left the line
    assert _tickets(still_first(read, line.event(), 2)) == [4, 5]


def test_a_line_too_short_or_not_at_the_head_asks_for_a_new_query() -> None:
    line = Line()
    line.issued = 6
    read = line.query(3)
    line.promoted += [1, 2]
    assert still_first(read, line.event(), 2) == []  # only ticket 3 is left of what was read
    assert still_first(read[1:], Line().event(), 1) == []  # starts at ticket 2: 1 may still wait
    assert still_first([], line.event(), 1) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["join", "promote", "leave", "read"]), st.integers(0, 9)))
)
def test_reused_heads_are_always_the_first_still_waiting(steps: list[tuple[str, int]]) -> None:
    line = Line()
    reads: list[list[Registration]] = []
    for action, n in steps:
        if action == "join":
            line.issued += 1 + n % 3
        elif action == "promote":
            line.promoted += line.waiting()[: 1 + n % 3]
        elif action == "leave" and line.waiting():
            line.left.add(line.waiting()[n % len(line.waiting())])
        elif action == "read":
            reads.append(line.query(1 + n))
        for read in reads:
            for count in range(1, 4):
                heads = _tickets(still_first(read, line.event(), count))
                assert heads in ([], line.waiting()[:count])
