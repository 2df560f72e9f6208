"""Storage calls per registration and cancellation, pinned (the project counts every DynamoDB
call in `chalicelib.db.connection.call_counter`): the floor of each path, independent of how
long the line is, and positions from the event's counters rather than a Query."""

from __future__ import annotations

from tests.events_support import moderator, organizer, post, published_event, specialist


def _register(client, event_id, headers):
    return post(client, f"/api/events/{event_id}/registrations", {}, headers)


def _cancel(client, event_id, headers):
    return client.http.delete(f"/api/events/{event_id}/registrations/me", headers=headers)


def _counted(action):
    from chalicelib.db.connection import call_counter

    call_counter.clear()
    resp = action()
    return resp, dict(call_counter)


def test_a_confirmed_seat_costs_one_read_with_the_session_and_one_transaction(client):
    event_id = published_event(client, organizer(), moderator(), capacity=3)
    _register(client, event_id, specialist("s-0"))
    me = specialist("s-1")
    resp, calls = _counted(lambda: _register(client, event_id, me))
    assert resp.json_body["status"] == "confirmed"
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_joining_a_long_line_costs_a_ticket_more_and_no_query(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    for i in range(15):
        _register(client, event_id, specialist(f"s-{i}"))
    last = specialist("s-last")
    resp, calls = _counted(lambda: _register(client, event_id, last))
    assert (resp.json_body["status"], resp.json_body["position"]) == ("waitlisted", 15)
    assert calls == {"BatchGetItem": 1, "UpdateItem": 1, "TransactWriteItems": 1}


def test_cancelling_a_seat_with_a_line_costs_four_calls_and_promotes_the_head(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    people = [specialist(f"s-{i}") for i in range(12)]
    for h in people:
        _register(client, event_id, h)
    resp, calls = _counted(lambda: _cancel(client, event_id, people[0]))
    assert resp.json_body["status"] == "cancelled"
    # The read, the cancel, the heads of the line, their promotion.
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": 2, "Query": 1}
    mine = client.http.get(f"/api/events/{event_id}/registrations/me", headers=people[1])
    assert mine.json_body["registration"]["status"] == "confirmed"
    last = client.http.get(f"/api/events/{event_id}/registrations/me", headers=people[-1])
    assert last.json_body["registration"]["position"] == 10


def test_leaving_the_line_costs_two_calls_and_everyone_behind_moves_up(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    people = [specialist(f"s-{i}") for i in range(6)]
    for h in people:
        _register(client, event_id, h)
    resp, calls = _counted(lambda: _cancel(client, event_id, people[2]))  # 2nd in line
    assert resp.json_body["status"] == "cancelled"
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": 1}
    positions = [
        client.http.get(f"/api/events/{event_id}/registrations/me", headers=h).json_body[
            "registration"
        ]["position"]
        for h in people[1:]
    ]
    assert positions == [1, None, 2, 3, 4]


def test_cancelling_without_a_line_costs_two_calls(client):
    event_id = published_event(client, organizer(), moderator(), capacity=2)
    me = specialist("s-1")
    _register(client, event_id, me)
    resp, calls = _counted(lambda: _cancel(client, event_id, me))
    assert resp.json_body["status"] == "cancelled"
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_positions_stay_exact_after_promotions_and_departures_mixed(client):
    """ticket − promoted − departed-below, checked against the line as it really stands."""
    from chalicelib.db.models import Registration

    event_id = published_event(client, organizer(), moderator(), capacity=2)
    people = [specialist(f"s-{i}") for i in range(10)]
    for h in people:
        _register(client, event_id, h)
    for gone in (people[0], people[4], people[3], people[9], people[1]):
        assert _cancel(client, event_id, gone).status_code == 200
    waiting = sorted(
        (r for r in Registration.query(event_id, consistent_read=True) if r.status == "waitlisted"),
        key=lambda r: r.wait_seq,
    )
    by_oid = {f"s-{i}": h for i, h in enumerate(people)}
    told = [
        client.http.get(
            f"/api/events/{event_id}/registrations/me", headers=by_oid[r.oid]
        ).json_body["registration"]["position"]
        for r in waiting
    ]
    assert told == list(range(1, len(waiting) + 1))
    assert len(waiting) == 10 - 5 - 2


def test_registering_waiting_cancelling_and_promoting_never_write_the_catalog_item(client):
    """The counters move on the event's seats item; the large, streamed, indexed catalog item
    stays exactly as published (no notification record, no index write per registration)."""
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import CatalogElement

    event_id = published_event(client, organizer(), moderator(), capacity=1)
    raw_client = ensure_bound().client
    catalog = CatalogElement.Meta.table_name
    before = raw_client.get_item(TableName=catalog, Key={"element_id": {"S": event_id}})["Item"]
    written: list[str] = []

    def record(params, **_):
        tables = [params.get("TableName")] + [
            next(iter(item.values()))["TableName"] for item in params.get("TransactItems", [])
        ]
        written.extend(t for t in tables if t)

    for op in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"):
        raw_client.meta.events.register(f"provide-client-params.dynamodb.{op}", record)
    try:
        people = [specialist(f"s-{i}") for i in range(3)]
        for h in people:
            assert _register(client, event_id, h).status_code == 201
        assert _cancel(client, event_id, people[0]).json_body["status"] == "cancelled"
        assert _cancel(client, event_id, people[2]).json_body["status"] == "cancelled"
    finally:
        for op in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"):
            raw_client.meta.events.unregister(f"provide-client-params.dynamodb.{op}", record)
    assert written and catalog not in written
    after = raw_client.get_item(TableName=catalog, Key={"element_id": {"S": event_id}})["Item"]
    assert after == before
    mine = client.http.get(f"/api/events/{event_id}/registrations/me", headers=people[1])
    assert mine.json_body["registration"]["status"] == "confirmed"
    assert client.http.get(f"/api/events/{event_id}").json_body["seats_left"] == 0
