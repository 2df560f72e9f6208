"""The registration rush against the local stack (serialised embedded DynamoDB + the API server):
200 people for 20 seats through HTTP, then 10 cancellations. In-process moto is not atomic under
threads, so this runs on the stack; a second test shows the check fails when the seat condition
is removed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.registration_rush import (
    Api,
    claims_of,
    line_problems,
    publish_event,
    read_line,
    run_rush,
    seed_people,
)
from tests.stack import running_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("rush")) as running:
        yield running


def test_rush_of_200_for_20_seats_confirms_20_and_numbers_the_line_1_to_180(stack):
    with stack.bound_here():
        # Positions are read in-process with the same rank query the cabinet uses (the HTTP
        # read of all 350 cabinets is the benchmark's job; here it would only add time).
        result = run_rush(
            Api(stack.url),
            people=200,
            seats=20,
            cancels=10,
            threads=16,
            positions_via_http=False,
        )
    assert sum(n for status, n in result.statuses.items() if status >= 500) == 0
    assert result.statuses[201] == 200  # every first click answered «created»
    assert len(result.before.confirmed) == 20
    waiting = [result.before.positions[oid] for oid in result.before.line]
    assert waiting == list(range(1, 181))
    # After 10 cancellations: 20 seats again, the first 10 of the line promoted in order.
    assert len(result.after.confirmed) == 20
    assert set(result.before.line[:10]) <= result.after.confirmed
    assert result.after.line == result.before.line[10:]
    assert [result.after.positions[oid] for oid in result.after.line] == list(range(1, 171))
    assert result.problems == []


def test_without_the_seat_condition_the_same_rush_oversells(stack, monkeypatch):
    """Proof that the rush test can fail: drop `seats_taken < capacity` and seats are oversold."""
    from chalicelib.db import registrations_repo
    from chalicelib.db.models import EventSeats
    from chalicelib.services import registration

    monkeypatch.setattr(
        registrations_repo, "seat_condition", lambda: EventSeats.status == "published"
    )
    with stack.bound_here():
        api = Api(stack.url)
        event_id = publish_event(api, 20, "broken")
        headers = seed_people("broken", 60)
        sessions = [claims_of(h) for h in headers]
        # The API server is another process; the patched code runs here, in threads, against
        # the same serialised DynamoDB.
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda c: registration.register(c, event_id, {}), sessions))
        by_oid = {c.oid: h for c, h in zip(sessions, headers, strict=True)}
        state = read_line(api, event_id, by_oid, 8)
    assert all(status == 201 for _, status in answers)
    assert len(state.confirmed) > 20
    assert any(p.startswith("confirmed") for p in line_problems(state, 20, 40))


def test_fifty_cancels_at_once_each_take_a_few_calls_and_promote_the_first_fifty_in_order(stack):
    """Each request's DynamoDB calls counted in its own thread (the service run in this process,
    against the stack's serialised store): promotion in batches, no race for one head."""
    with stack.bound_here():
        result = run_rush(
            Api(stack.url),
            people=160,
            seats=60,
            cancels=50,
            threads=16,
            positions_via_http=False,
            via="service",
        )
    assert result.problems == []
    assert result.promoted_in_order
    assert len(result.cancel_calls) == 50
    assert sum(result.cancel_calls) / 50 <= 8
    assert max(result.cancel_calls) <= 15
    assert len(result.after.confirmed) == 60
