"""Applications end to end through the API: a missing credit disputed with documents, reviewed by
the right person, accepted with the credit in the same transaction, or rejected and appealed."""

from __future__ import annotations

import datetime as dt
import io
import json
from urllib.parse import quote

import requests
from chalicelib.db.models import Application, CreditRecord

from tests.applications_support import (
    NOT_A_PDF,
    PDF,
    PNG,
    file,
    finished_event,
    upload,
)
from tests.events_support import moderator, organizer, post
from tests.people import login_headers, make_person

MB = 1024 * 1024


def _therapist(oid: str = "9000001") -> dict:
    person = make_person(
        oid, specialties=[("76", "2022-06-01")], name=("Смирнова", "Анна", "Игоревна")
    )
    return login_headers(person)


def _event_claim(event_id: str, day: str, documents: list[str]) -> dict:
    return {
        "kind": "missing_event",
        "element_id": event_id,
        "day": day,
        "specialty": "76",
        "description": "Код не выдали на выходе",
        "documents": documents,
    }


def _event_earned(client, headers) -> float:
    cycles = client.http.get("/api/me/cycles", headers=headers).json_body["items"]
    return float(next(c for c in cycles if c["specialty"] == "76")["earned"]["total"])


def _filed(client, doctor, org_id="org-kgmu"):
    event_id, day = finished_event(org_id)
    doc = upload(client, doctor, PDF).json_body["id"]
    resp = file(client, doctor, _event_claim(event_id, day, [doc]))
    assert resp.status_code == 201, resp.json_body
    return resp.json_body["id"], event_id, day


def test_missing_event_credit_is_accepted_by_the_organizer_with_the_credit(
    client, documents_bucket
):
    org, doctor = organizer(), _therapist()
    before = _event_earned(client, doctor)
    app_id, _, day = _filed(client, doctor)

    mine = client.http.get("/api/me/applications", headers=doctor).json_body["items"]
    assert [(a["id"], a["status_name"]) for a in mine] == [(app_id, "подано")]
    queue = client.http.get("/api/review/applications", headers=org).json_body["items"]
    assert [a["id"] for a in queue] == [app_id]
    assert queue[0]["applicant_name"] == "Смирнова Анна Игоревна"

    seen = client.http.get(f"/api/review/applications/{app_id}", headers=org).json_body
    link = client.http.get(
        f"/api/review/applications/{app_id}/documents/{seen['documents'][0]['id']}", headers=org
    ).json_body
    # Short-lived, and no file name (it may hold a person's name) in the URL.
    assert "X-Amz-Expires=300" in link["url"] and quote("справка") not in link["url"]
    got = requests.get(link["url"], timeout=10)
    assert got.content == PDF and "attachment" in got.headers["content-disposition"]

    resp = post(client, f"/api/review/applications/{app_id}/decision", {"decision": "accept"}, org)
    assert resp.status_code == 200, resp.json_body
    assert resp.json_body["status"] == "accepted"

    assert _event_earned(client, doctor) == before + 6
    ledger = client.http.get("/api/me/credits", headers=doctor).json_body["items"]
    assert [(c["source"], c["hours"], c["completed_on"]) for c in ledger] == [
        ("application", 6, day)
    ]
    history = client.http.get("/api/me/history", headers=doctor).json_body["items"]
    actions = [h["action"] for h in history]
    assert "application_filed" in actions and "credit_application_accepted" in actions
    detail = client.http.get(f"/api/me/applications/{app_id}", headers=doctor).json_body
    assert [(s["action"], s["by"]) for s in detail["steps"]] == [
        ("submit", "вы"),
        ("accept", "организатор"),
    ]
    assert detail["credit_record_id"] == ledger[0]["id"]


def test_a_rejection_is_appealed_once_and_the_moderator_decides_finally(client, documents_bucket):
    org, mod, doctor = organizer(), moderator(), _therapist()
    app_id, _, _ = _filed(client, doctor)
    decision = f"/api/review/applications/{app_id}/decision"
    resp = post(client, decision, {"decision": "reject", "reason": " "}, org)
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "reason")
    assert post(client, f"/api/review/applications/{app_id}/take", {}, org).status_code == 200
    resp = post(client, decision, {"decision": "reject", "reason": "Нет в списках"}, org)
    assert resp.json_body["status"] == "rejected"

    appeal = f"/api/me/applications/{app_id}/appeal"
    resp = post(client, appeal, {"comment": ""}, doctor)
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "comment")
    resp = post(client, appeal, {"comment": "Есть фото бейджа и сертификат"}, doctor)
    assert resp.json_body["status"] == "appealed"
    # Appeals go to the moderators: the organizer no longer sees it.
    assert post(client, decision, {"decision": "accept"}, org).status_code == 404
    resp = post(client, decision, {"decision": "reject", "reason": "Регистрации не было"}, mod)
    assert resp.json_body["status"] == "final_rejected"
    again = post(client, appeal, {"comment": "Ещё раз"}, doctor)
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "wrong_status")
    steps = client.http.get(f"/api/me/applications/{app_id}", headers=doctor).json_body["steps"]
    assert [s["status"] for s in steps] == [
        "submitted",
        "in_review",
        "rejected",
        "appealed",
        "final_rejected",
    ]
    assert [s["by"] for s in steps] == ["вы", "организатор", "организатор", "вы", "модератор"]
    assert steps[2]["reason"] == "Нет в списках"


def test_a_file_renamed_to_pdf_is_refused_and_nothing_is_filed(client, documents_bucket):
    organizer()
    doctor = _therapist()
    event_id, day = finished_event()
    doc = upload(client, doctor, NOT_A_PDF, name="скан.pdf").json_body["id"]
    resp = file(client, doctor, _event_claim(event_id, day, [doc]))
    assert resp.status_code == 400
    assert resp.json_body["error"]["field"] == "documents[0]"
    assert "не является PDF" in resp.json_body["error"]["message"]
    assert client.http.get("/api/me/applications", headers=doctor).json_body["items"] == []


def test_an_11_mb_file_is_refused_before_and_after_upload(client, documents_bucket):
    organizer()
    doctor = _therapist()
    event_id, day = finished_event()
    big = PDF + b"0" * (11 * MB)
    asked = upload(client, doctor, big)
    assert (asked.status_code, asked.json_body["error"]["field"]) == (400, "size")
    # A browser that lies about the size: the object itself is checked before filing.
    doc = upload(client, doctor, big, declared_size=1000).json_body["id"]
    resp = file(client, doctor, _event_claim(event_id, day, [doc]))
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "documents[0]")
    assert "больше 10 МБ" in resp.json_body["error"]["message"]
    assert client.http.get("/api/me/applications", headers=doctor).json_body["items"] == []


def test_a_sixth_document_is_refused(client, documents_bucket):
    organizer()
    doctor = _therapist()
    event_id, day = finished_event()
    docs = [
        upload(client, doctor, PNG, name=f"{i}.png", content_type="image/png").json_body["id"]
        for i in range(6)
    ]
    resp = file(client, doctor, _event_claim(event_id, day, docs))
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "documents")
    assert file(client, doctor, _event_claim(event_id, day, docs[:5])).status_code == 201


def test_someone_elses_upload_cannot_be_attached(client, documents_bucket):
    organizer()
    doctor, other = _therapist(), _therapist("9000002")
    event_id, day = finished_event()
    theirs = upload(client, other, PDF).json_body["id"]
    resp = file(client, doctor, _event_claim(event_id, day, [theirs]))
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "documents[0]")


def test_someone_elses_application_is_unknown_to_the_person_and_to_other_organizers(
    client, documents_bucket
):
    organizer()
    doctor, other = _therapist(), _therapist("9000002")
    other_org = organizer("org-2", "org-other", "Другой вуз")
    app_id, _, _ = _filed(client, doctor)
    doc_id = client.http.get(f"/api/me/applications/{app_id}", headers=doctor).json_body[
        "documents"
    ][0]["id"]
    for path in (
        f"/api/me/applications/{app_id}",
        f"/api/me/applications/{app_id}/documents/{doc_id}",
    ):
        assert client.http.get(path, headers=other).status_code == 404
    assert (
        post(client, f"/api/me/applications/{app_id}/appeal", {"comment": "x"}, other).status_code
        == 404
    )
    assert (
        client.http.get(f"/api/review/applications/{app_id}", headers=other_org).status_code == 404
    )
    assert client.http.get("/api/review/applications", headers=other_org).json_body["items"] == []
    assert client.http.get("/api/review/applications", headers=other).status_code == 403


def test_pressing_submit_twice_files_one_application(client, documents_bucket):
    organizer()
    doctor = _therapist()
    event_id, day = finished_event()
    doc = upload(client, doctor, PDF).json_body["id"]
    body = {"request_id": "form-0123456789", **_event_claim(event_id, day, [doc])}
    first = client.http.post("/api/me/applications", body=json.dumps(body), headers=doctor)
    second = client.http.post("/api/me/applications", body=json.dumps(body), headers=doctor)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json_body["id"] == second.json_body["id"]
    assert len(client.http.get("/api/me/applications", headers=doctor).json_body["items"]) == 1


def test_accepting_when_the_credit_already_exists_writes_no_second_credit(client, documents_bucket):
    org, doctor = organizer(), _therapist()
    app_id, event_id, day = _filed(client, doctor)
    CreditRecord(
        oid="9000001",
        record_id=f"{day}#code-ABC",
        kind="event",
        title="Школа терапевта",
        hours=6,
        completed_on=day,
        specialty="76",
        source="code",
        element_id=event_id,
        created_at=dt.datetime.now(dt.UTC),
    ).save()
    resp = post(client, f"/api/review/applications/{app_id}/decision", {"decision": "accept"}, org)
    assert resp.status_code == 200
    assert resp.json_body["credit_record_id"] == f"{day}#code-ABC"
    ledger = client.http.get("/api/me/credits", headers=doctor).json_body["items"]
    assert [c["id"] for c in ledger] == [f"{day}#code-ABC"]


def test_a_programme_whose_provider_is_not_on_the_portal_goes_to_the_moderators(
    client, documents_bucket
):
    org, mod, doctor = organizer(), moderator(), _therapist()
    claim = {
        "kind": "missing_programme",
        "title": "Неотложные состояния в терапии, 36 ч",
        "completed_on": "2025-11-20",
        "document_number": "772400012345",
        "specialty": "76",
    }
    app_id = file(client, doctor, claim).json_body["id"]
    assert client.http.get("/api/review/applications", headers=org).json_body["items"] == []
    decision = f"/api/review/applications/{app_id}/decision"
    resp = post(client, decision, {"decision": "accept"}, mod)
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "credit_kind")
    resp = post(client, decision, {"decision": "accept", "credit_kind": "dpp_pk", "hours": 36}, mod)
    assert resp.status_code == 200, resp.json_body
    ledger = client.http.get("/api/me/credits", headers=doctor).json_body["items"]
    assert [(c["kind"], c["hours"], c["document"]) for c in ledger] == [
        ("dpp_pk", 36, "772400012345")
    ]


def test_bad_claims_name_every_field(client, documents_bucket):
    doctor = _therapist()
    resp = file(client, doctor, {"kind": "missing_programme", "completed_on": "2999-01-01"})
    assert resp.status_code == 400
    fields = [p["field"] for p in resp.json_body["error"]["problems"]]
    assert fields == ["title", "completed_on", "document_number", "specialty"]
    assert file(client, doctor, {"kind": "other"}).json_body["error"]["field"] == "kind"


def test_moderators_filter_count_and_export(client, documents_bucket, monkeypatch):
    org, mod, doctor = organizer(), moderator(), _therapist()
    app_id, _, _ = _filed(client, doctor)
    post(
        client,
        f"/api/review/applications/{app_id}/decision",
        {"decision": "reject", "reason": "Нет"},
        org,
    )
    _filed(client, doctor)
    counts = client.http.get("/api/review/applications/counts", headers=mod).json_body
    by = {c["status"]: c["count"] for c in counts["items"]}
    assert (by["submitted"], by["rejected"], counts["total"]) == (1, 1, 2)
    listed = client.http.get(
        "/api/review/applications?status=rejected&kind=missing_event&organization=org-kgmu",
        headers=mod,
    ).json_body["items"]
    assert [a["id"] for a in listed] == [app_id]
    assert (
        client.http.get(
            "/api/review/applications?from=2000-01-01&to=2000-12-31", headers=mod
        ).json_body["items"]
        == []
    )
    bad = client.http.get("/api/review/applications?status=lost", headers=mod)
    assert (bad.status_code, bad.json_body["error"]["field"]) == (400, "status")
    assert client.http.get("/api/review/applications/counts", headers=org).status_code == 403

    resp = client.http.get(
        "/api/review/applications/export?status=rejected", headers={**mod, "Accept": "*/*"}
    )
    assert resp.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(resp.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Подано", "Номер", "Вид", "Статус")
    assert [(r[1], r[3], r[9]) for r in rows[1:]] == [(app_id, "отклонено", "Нет")]


def test_an_application_open_for_more_than_ten_working_days_goes_to_the_moderators(
    client, documents_bucket, monkeypatch
):
    org, mod, doctor = organizer(), moderator(), _therapist()
    app_id, _, _ = _filed(client, doctor)
    item = Application.get(app_id)
    item.filed_on = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    item.save()
    assert client.http.get("/api/review/applications", headers=org).json_body["items"] == []
    seen = client.http.get(f"/api/review/applications/{app_id}", headers=mod).json_body
    assert (seen["reviewer"], seen["escalated"]) == ("moderators", True)
    resp = post(client, f"/api/review/applications/{app_id}/decision", {"decision": "accept"}, mod)
    assert resp.json_body["status"] == "accepted"


def test_a_record_error_is_accepted_with_the_correction_in_the_same_transaction(
    client, documents_bucket
):
    org, doctor = organizer(), _therapist()
    event_id, day = finished_event()
    CreditRecord(
        oid="9000001",
        record_id=f"{day}#code-XYZ",
        kind="event",
        title="Школа терапевта",
        hours=2,
        completed_on=day,
        specialty="76",
        source="code",
        element_id=event_id,
        created_at=dt.datetime.now(dt.UTC),
    ).save()
    from chalicelib.db.models import Specialist
    from chalicelib.services.credits import rebuild_totals

    rebuild_totals(Specialist.get("9000001"))
    before = _event_earned(client, doctor)
    claim = {"kind": "record_error", "record_id": f"{day}#code-XYZ", "description": "Было 6 часов"}
    app_id = file(client, doctor, claim).json_body["id"]
    decision = f"/api/review/applications/{app_id}/decision"
    resp = post(client, decision, {"decision": "accept"}, org)
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "hours")
    resp = post(client, decision, {"decision": "accept", "hours": 6}, org)
    assert resp.status_code == 200, resp.json_body
    assert _event_earned(client, doctor) == before + 4
    ledger = client.http.get("/api/me/credits", headers=doctor).json_body["items"]
    assert [(c["id"], c["hours"]) for c in ledger] == [(f"{day}#code-XYZ", 6)]
    assert resp.json_body["credit_record_id"] == f"{day}#code-XYZ"


def test_every_step_reaches_the_applicant_once_by_mail_from_the_stream(
    client, documents_bucket, mailbox
):
    from nmo_cli.change_feed import ChangeFeed

    from tests.mail_support import give_address

    feed = ChangeFeed()
    feed.start()
    org, doctor = organizer(), _therapist("9000009")
    give_address("9000009", "therapist@example.ru")
    app_id, _, _ = _filed(client, doctor)
    decision = f"/api/review/applications/{app_id}/decision"
    assert post(client, f"/api/review/applications/{app_id}/take", {}, org).status_code == 200
    resp = post(client, decision, {"decision": "reject", "reason": "Нет в списках"}, org)
    assert resp.status_code == 200, resp.json_body
    feed.deliver()
    feed.deliver()  # a stream delivers at least once: a repeat sends nothing
    mails = [m for m in mailbox.messages() if m.to == ["therapist@example.ru"]]
    assert [m.subject.rsplit(": ", 1)[-1] for m in mails] == [
        "подано",
        "на рассмотрении",
        "отклонено",
    ]
    assert "Причина: Нет в списках" in mails[-1].text and "обжаловать" in mails[-1].text
    assert all(any(u.endswith("/cabinet/applications/") for u in m.links) for m in mails)
    feed_kinds = client.http.get("/api/me/notifications", headers=doctor).json_body["items"]
    assert [i["kind"] for i in feed_kinds] == ["application_step"] * 3
