"""Notifications through the API: the address (from ЕСИА, changed only after its link is
clicked, once), preferences and one-click unsubscribe, the feed, change notices from the
stores' streams, and bad input — each answered clearly, nothing sent to a wrong address."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from chalicelib.db import notifications_repo

from tests.events_support import event_body, moderator, organizer, post, published_event, put
from tests.mail_support import give_address
from tests.people import login_headers, make_person


@pytest.fixture
def feed(dynamodb):
    """The local path of the stream-triggered Lambda, from the streams' current end."""
    from nmo_cli.change_feed import ChangeFeed

    changes = ChangeFeed()
    changes.start()
    return changes


def _token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def _doctor(oid: str = "2001", email: str | None = "doctor@example.ru") -> dict:
    person = make_person(oid, specialties=[("76", "2022-06-01")])
    if email:
        give_address(oid, email)
    return login_headers(person)


# --- the address --------------------------------------------------------------------------------


def test_a_new_address_is_used_only_after_its_link_is_clicked_and_the_link_works_once(
    client, mailbox
):
    me = _doctor()
    answer = put(client, "/api/me/email", {"email": "new.address@example.ru"}, me)
    assert answer.status_code == 202
    assert answer.json_body["email"] == "doctor@example.ru"  # the old one stays in use
    assert answer.json_body["pending_email"] == "new.address@example.ru"
    [mail] = mailbox.messages()
    assert mail.to == ["new.address@example.ru"]  # the link goes to the new address only
    link = next(u for u in mail.links if "/email/confirm" in u)
    path = urlsplit(link).path + "?" + urlsplit(link).query
    # Only the mailbox holds the one-use link: no unsubscribe offer, nothing in the feed.
    assert "List-Unsubscribe" not in mail.headers and "Отписаться" not in mail.text
    feed_items = client.http.get("/api/me/notifications", headers=me).json_body["items"]
    assert all(_token_of(link) not in json.dumps(i) for i in feed_items)
    # A GET (a mail scanner following links) changes nothing.
    page = client.http.get(path)
    assert page.status_code == 200 and "Подтвердить" in page.body.decode()
    assert notifications_repo.get_contact("2001").email == "doctor@example.ru"
    first = client.http.post(
        path, body="", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert first.status_code == 200 and "Адрес подтверждён" in first.body.decode()
    assert notifications_repo.get_contact("2001").email == "new.address@example.ru"
    again = client.http.post(
        path, body="", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert again.status_code == 410
    assert "уже использована" in again.body.decode()
    assert notifications_repo.get_contact("2001").email == "new.address@example.ru"


@pytest.mark.parametrize(
    "value",
    ["not-an-email", "doctor@", "doctor@example", "a\r\nBcc: victim@example.ru@example.ru", 42, ""],
)
def test_an_address_that_is_not_an_email_is_refused_naming_the_field(client, mailbox, value):
    me = _doctor()
    answer = put(client, "/api/me/email", {"email": value}, me)
    assert answer.status_code == 400
    assert answer.json_body["error"]["field"] == "email"
    assert "адрес" in answer.json_body["error"]["message"].lower()
    contact = notifications_repo.get_contact("2001")
    assert (contact.email, contact.pending_email) == ("doctor@example.ru", None)
    assert mailbox.messages() == []


def test_a_tampered_confirmation_token_changes_nothing(client, mailbox):
    me = _doctor()
    put(client, "/api/me/email", {"email": "new.address@example.ru"}, me)
    token = _token_of(mailbox.messages()[0].links[0])
    _body, _, mac = token.partition(".")
    forged = json.dumps(["2001", "guess"]).encode()
    import base64

    forged_token = base64.urlsafe_b64encode(forged).decode().rstrip("=") + "." + mac
    answer = client.http.post(
        f"/api/notifications/email/confirm?token={forged_token}",
        body="",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400 and "повреждена" in answer.body.decode()
    assert notifications_repo.get_contact("2001").email == "doctor@example.ru"


# --- preferences and unsubscribe ---------------------------------------------------------------


def test_preferences_are_shown_and_changed_in_the_cabinet(client, mailbox):
    me = _doctor()
    view = client.http.get("/api/me/notifications/preferences", headers=me).json_body
    assert view["email_masked"] == "do***@example.ru"
    kinds = {k["kind"]: k["enabled"] for k in view["kinds"]}
    assert kinds["promoted"] is True and "review_digest" not in kinds  # not a moderator
    answer = put(client, "/api/me/notifications/preferences", {"kinds": {"promoted": False}}, me)
    assert {k["kind"]: k["enabled"] for k in answer.json_body["kinds"]}["promoted"] is False
    bad = put(client, "/api/me/notifications/preferences", {"kinds": {"review_digest": False}}, me)
    assert (bad.status_code, bad.json_body["error"]["field"]) == (400, "kinds.review_digest")
    bad = put(client, "/api/me/notifications/preferences", {"kinds": {"promoted": "no"}}, me)
    assert (bad.status_code, bad.json_body["error"]["field"]) == (400, "kinds.promoted")


def _promotion_mail(client, mailbox, feed):
    org, mod = organizer(), moderator()
    event_id = published_event(client, org, mod, capacity=1)
    first = login_headers(make_person("2100", specialties=[("76", "2022-06-01")]))
    me = _doctor()
    assert post(client, f"/api/events/{event_id}/registrations", {}, first).status_code == 201
    waiting = post(client, f"/api/events/{event_id}/registrations", {}, me)
    assert waiting.json_body["status"] == "waitlisted"
    assert (
        client.http.delete(f"/api/events/{event_id}/registrations/me", headers=first).status_code
        == 200
    )
    feed.deliver()
    return event_id, [m for m in mailbox.messages() if m.to == ["doctor@example.ru"]]


def test_promotion_from_the_waiting_list_is_mailed_once_right_after_the_change(
    client, mailbox, feed
):
    _event_id, mails = _promotion_mail(client, mailbox, feed)
    assert [m.subject for m in mails] == [
        "Освободилось место: Школа кардиолога: острый коронарный синдром"
    ]
    feed_items = client.http.get("/api/me/notifications", headers=_doctor(email=None)).json_body
    assert [i["kind"] for i in feed_items["items"]] == ["promoted"]
    # The same stream records once more (a stream delivers at least once): nothing new.
    from chalicelib.services.change_notices import handle_records

    feed.deliver()
    assert len([m for m in mailbox.messages() if m.to == ["doctor@example.ru"]]) == 1
    assert handle_records([]) == 0


def test_one_click_unsubscribe_needs_no_login_and_a_tampered_token_changes_nothing(
    client, mailbox, feed
):
    _, [mail] = _promotion_mail(client, mailbox, feed)
    url = mail.headers["List-Unsubscribe"].strip("<>")
    path = urlsplit(url).path + "?" + urlsplit(url).query
    token = _token_of(url)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    bad = client.http.post(
        f"/api/notifications/unsubscribe?token={tampered}",
        body="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad.status_code == 400 and "повреждена" in bad.body.decode()
    assert notifications_repo.preferences_of(notifications_repo.get_contact("2001")) == {}
    done = client.http.post(
        path,
        body="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and "Вы отписались" in done.body.decode()
    prefs = notifications_repo.preferences_of(notifications_repo.get_contact("2001"))
    assert prefs == {"promoted": False}


# --- organizers' fields cannot add headers -------------------------------------------------------


def test_a_line_break_in_an_organizers_title_cannot_add_a_mail_header(client, mailbox, feed):
    org, mod = organizer(), moderator()
    give_address("org-1", "organizer@example.ru")
    title = "Школа кардиолога\r\nBcc: victim@example.ru\r\nX-Evil: 1"
    created = post(client, "/api/organizer/events", event_body(title=title), org)
    if created.status_code == 400:
        # The form refuses control characters: then the same title arrives by a direct write.
        from boto3.dynamodb.types import TypeSerializer
        from chalicelib.services.change_notices import handle_records

        ser = TypeSerializer()
        image = {
            "element_id": "ev-x",
            "kind": "event",
            "title": title,
            "status": "rejected",
            "created_by": "org-1",
            "rejection_reason": "Нет программы\r\nBcc: victim@example.ru",
            "version": 2,
        }
        old = {**image, "status": "on_review"}
        handle_records(
            [
                {
                    "table": "catalog",
                    "dynamodb": {
                        "NewImage": {k: ser.serialize(v) for k, v in image.items()},
                        "OldImage": {k: ser.serialize(v) for k, v in old.items()},
                    },
                }
            ]
        )
    else:
        event_id = created.json_body["id"]
        post(client, f"/api/organizer/events/{event_id}/submit", {}, org)
        post(
            client,
            f"/api/moderation/events/{event_id}/decision",
            {"decision": "reject", "reason": "Нет программы"},
            mod,
        )
        feed.deliver()
    [mail] = mailbox.messages()
    assert mail.to == ["organizer@example.ru"]
    assert "Bcc" not in mail.headers and "X-Evil" not in mail.headers
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject.startswith("Мероприятие отклонено: Школа кардиолога")


def test_the_organizer_learns_of_publication_with_a_link_to_the_event(client, mailbox, feed):
    org, mod = organizer(), moderator()
    give_address("org-1", "organizer@example.ru")
    event_id = published_event(client, org, mod)
    feed.deliver()
    [mail] = mailbox.messages()
    assert mail.subject.startswith("Мероприятие опубликовано:")
    assert any(u.endswith(f"/catalog/e/{event_id}/") for u in mail.links)


def test_a_bounce_report_disables_the_address(client, mailbox):
    from app import mail_events

    _doctor()
    message = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "doctor@example.ru"}],
        },
    }
    answer = mail_events({"Records": [{"Sns": {"Message": json.dumps(message)}}]}, None)
    assert answer == {"disabled": 1}
    assert notifications_repo.get_contact("2001").email_status == "bounced"
    from chalicelib.services import notifications

    outcome = notifications.notify(
        "2001",
        "promoted",
        subject="e",
        day=dt.date(2026, 12, 1),
        context={"title": "x", "starts": ""},
    )
    assert outcome == notifications.SKIPPED
    assert mailbox.messages() == []
