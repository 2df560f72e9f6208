"""`nmo db split-seats`: events stored with their counters on the catalog item (before seats
had an item of their own) get seats carrying those counters, once; until then nobody can take
a seat the old counters may already have given away."""

from __future__ import annotations

from nmo_cli.cli import main

from tests.events_support import moderator, organizer, post, published_event, specialist


def _register(client, event_id, headers):
    return post(client, f"/api/events/{event_id}/registrations", {}, headers)


def _as_stored_before_the_split(event_id: str) -> None:
    """Move the event's seats back onto its catalog item, as the earlier layout kept them."""
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import CatalogElement, EventSeats

    raw = ensure_bound().client
    key = {"element_id": {"S": event_id}}
    seats = raw.get_item(TableName=EventSeats.Meta.table_name, Key=key)["Item"]
    counters = {k: v for k, v in seats.items() if k not in ("element_id", "status", "capacity")}
    names = {f"#{i}": k for i, k in enumerate(counters)}
    raw.update_item(
        TableName=CatalogElement.Meta.table_name,
        Key=key,
        UpdateExpression="SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":{n[1:]}": counters[k] for n, k in names.items()},
    )
    raw.delete_item(TableName=EventSeats.Meta.table_name, Key=key)


def test_split_seats_carries_the_old_counters_over_once(client, capsys):
    event_id = published_event(client, organizer(), moderator(), capacity=2)
    assert _register(client, event_id, specialist("s-1")).json_body["status"] == "confirmed"
    _as_stored_before_the_split(event_id)

    refused = _register(client, event_id, specialist("s-2"))
    assert refused.status_code == 409
    assert "Запись закрыта" in refused.json_body["error"]["message"]

    assert main(["db", "split-seats"]) == 0
    assert "перенесено 1, уже были 0" in capsys.readouterr().out
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert (public["capacity"], public["seats_left"]) == (2, 1)
    assert _register(client, event_id, specialist("s-2")).json_body["status"] == "confirmed"
    third = _register(client, event_id, specialist("s-3")).json_body
    assert (third["status"], third["position"]) == ("waitlisted", 1)

    assert main(["db", "split-seats"]) == 0
    assert "перенесено 0, уже были 1" in capsys.readouterr().out
    assert client.http.get(f"/api/events/{event_id}").json_body["waitlist_length"] == 1


def test_a_capacity_below_the_seats_taken_meanwhile_is_refused_by_the_seats(client):
    """The organizer's check reads the seats first (test_organizer_events); a registration
    landing between that read and the write is caught by the seats' own condition in the same
    transaction, which leaves the event and its seats as they were."""
    from chalicelib.db import audit_repo, events_repo
    from chalicelib.db.models import EventSeats

    event_id = published_event(client, organizer(), moderator(), capacity=3)
    for i in range(2):
        assert _register(client, event_id, specialist(f"s-{i}")).status_code == 201
    previous = events_repo.get_event(event_id)
    assert previous is not None
    smaller = events_repo.copy_of(previous)
    smaller.capacity = 1
    smaller.version = int(previous.version or 0) + 1
    audit = audit_repo.new_entry(f"event#{event_id}", "org-1", "capacity", None, None)
    try:
        events_repo.replace(smaller, previous, audit)
    except events_repo.StaleEvent:
        pass
    else:
        raise AssertionError("a capacity below the seats taken was written")
    assert int(EventSeats.get(event_id).capacity) == 3
    assert events_repo.get_event(event_id).capacity == 3
