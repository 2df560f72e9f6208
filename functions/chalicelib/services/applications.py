"""Applications use cases: upload a document, file, appeal; review, take, decide; lists, counts
and the XLSX report.

The state machine and routing are domain/applications.py; storage is db/applications_repo.py;
documents are chalicelib/document_store.py. Accepting a missing-credit claim writes the credit
through services.credits.write_credit with the application's change as its `extra`, so the
decision and the credit commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from .. import document_store
from ..db import applications_repo, catalog_repo, credits_repo, events_repo, people_repo
from ..db.audit_repo import new_entry
from ..db.models import Application, AuditEntry, CatalogElement, CreditRecord, Specialist
from ..db.transactions import Transaction
from ..domain import applications as rules
from ..domain.dates import parse_iso_date, ru_date, today_msk, utcnow
from ..domain.specialties import specialty_name
from ..domain.text import full_name
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from . import credits

_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_DOCUMENT_ID = re.compile(r"^doc-[0-9a-f]{24}$")
_NOT_FOUND = "Заявление не найдено."
_REVIEWER_ROLES = ("organizer", "moderator")


# Notifications: each step reaches the applicant from the applications table's stream
# (services/change_notices.py), after the step and outside its request; nothing to call here.


# --- documents -----------------------------------------------------------------------------------


def new_document(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    """A presigned POST for one document: the browser uploads straight to object storage."""
    name, content_type = rules.check_document(
        body.get("file_name"), body.get("content_type"), body.get("size")
    )
    document_id = f"doc-{secrets.token_hex(12)}"
    form = document_store.upload_form(
        person.oid,
        document_id,
        content_type=content_type,
        max_bytes=rules.MAX_DOCUMENT_BYTES,
        name=name,
    )
    return {
        "id": document_id,
        "name": name,
        "content_type": content_type,
        "max_bytes": rules.MAX_DOCUMENT_BYTES,
        "upload": form,
    }


def _checked_documents(person: Specialist, value: object) -> list[dict[str, Any]]:
    """The uploads an application names, each checked in storage: the person's own, present,
    at most 10 MB, and really of the type declared (its first bytes)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("Документы — список загруженных файлов.", field="documents")
    if len(value) > rules.MAX_DOCUMENTS:
        raise InvalidInput(
            f"Не больше {rules.MAX_DOCUMENTS} документов в одном заявлении.", field="documents"
        )
    if len(set(value)) != len(value):
        raise InvalidInput("Один и тот же документ указан дважды.", field="documents")
    checked = []
    for index, document_id in enumerate(value):
        field = f"documents[{index}]"
        stored = (
            document_store.inspect_upload(person.oid, document_id, rules.MAGIC_BYTES)
            if _DOCUMENT_ID.match(document_id)
            else None
        )
        if stored is None or stored.owner != document_store.owner_tag(person.oid):
            raise InvalidInput("Файл не найден: загрузите его заново.", field=field)
        if stored.size > rules.MAX_DOCUMENT_BYTES:
            raise InvalidInput(
                f"Файл «{stored.name}» больше 10 МБ: уменьшите скан или фотографию.", field=field
            )
        real = rules.content_type_of(stored.head)
        if real is None or real != stored.content_type:
            raise InvalidInput(
                f"Файл «{stored.name}» не является PDF, JPEG или PNG, хотя назван так.",
                field=field,
            )
        name = rules.sanitised_name(stored.name, real)
        checked.append({"id": document_id, "name": name, "content_type": real, "size": stored.size})
    return checked


# --- filing --------------------------------------------------------------------------------------


def _request_id(body: dict[str, Any]) -> str:
    value = body.get("request_id")
    if not isinstance(value, str) or not _REQUEST_ID.match(value):
        raise InvalidInput(
            "Форма устарела: обновите страницу и подайте заявление снова.", field="request_id"
        )
    return value


def _organization_on_portal(org_id: str | None) -> bool:
    return bool(org_id) and people_repo.get_organization(str(org_id)) is not None


def _route(person: Specialist, claim: rules.Claim) -> tuple[rules.Claim, str, str]:
    """Check what the claim names against the catalog and the ledger; returns the claim (with
    the programme's title filled in), its reviewer and the title lists show."""
    own = {s.code for s in person.specialties or []}
    if claim.specialty is not None and claim.specialty not in own:
        raise InvalidInput(
            "Специальность: выберите одну из ваших специальностей (профиль кабинета).",
            field="specialty",
        )
    if claim.kind == "missing_event":
        event = events_repo.get_event(claim.element_id or "")
        if event is None or event.status in ("draft", "on_review", "rejected"):
            raise InvalidInput("Мероприятие не найдено в каталоге.", field="element_id")
        if claim.day not in {d.date for d in event.days or []}:
            raise InvalidInput("В этот день мероприятие не проводилось.", field="day")
        if claim.specialty not in (event.specialties or []):
            raise InvalidInput(
                "Мероприятие не аккредитовано по этой специальности.", field="specialty"
            )
        return claim, _reviewer_of(event.organizer_id), event.title
    if claim.kind == "missing_programme":
        if claim.element_id:
            element = catalog_repo.get_element(claim.element_id)
            if element is None or element.kind not in rules.PROGRAMME_KINDS:
                raise InvalidInput("Программа не найдена в каталоге.", field="element_id")
            claim = rules.Claim(**{**claim.__dict__, "title": element.title})
            return claim, _reviewer_of(element.organizer_id), element.title
        return claim, rules.MODERATORS, str(claim.title)
    record = credits_repo.get_record(person.oid, claim.record_id or "")
    if record is None:
        raise InvalidInput("Запись не найдена в вашем учёте.", field="record_id")
    element = catalog_repo.get_element(record.element_id) if record.element_id else None
    return claim, _reviewer_of(element.organizer_id if element else None), record.title


def _reviewer_of(org_id: str | None) -> str:
    return rules.routed_reviewer(org_id, organizer_on_portal=_organization_on_portal(org_id))


def submit(person: Specialist, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """File an application: 201, or 200 with the same application when the form is sent twice."""
    request_id = _request_id(body)
    application_id = applications_repo.application_id(person.oid, request_id)
    existing = applications_repo.get(application_id)
    if existing is not None:
        return applicant_view(existing), 200
    now = utcnow()
    today = today_msk()
    claim = rules.parse_claim(body, today)
    claim, reviewer, title = _route(person, claim)
    documents = _checked_documents(person, body.get("documents"))
    for document in documents:
        document_store.attach(person.oid, document["id"], application_id)
    application = Application(
        application_id=application_id,
        oid=person.oid,
        applicant_name=full_name(person.last_name, person.first_name, person.middle_name),
        kind=claim.kind,
        status="submitted",
        reviewer=reviewer,
        organization_id=rules.reviewer_org(reviewer),
        title=title[:300],
        claim=claim.view(),
        documents=documents,
        filed_at=now,
        filed_on=today.isoformat(),
        filed_key=applications_repo.filed_key(now, application_id),
        updated_at=now,
        version=0,
    )
    step = {"status": "submitted", "kind": claim.kind, "documents": len(documents)}
    audits = [
        new_entry(applications_repo.subject(application_id), person.oid, "submit", None, step),
        new_entry(
            credits_repo.person_subject(person.oid),
            person.oid,
            "application_filed",
            None,
            {"application_id": application_id, "kind": claim.kind, "title": title[:300]},
        ),
    ]
    if not applications_repo.create(application, audits):
        # The same form sent twice at once: the other request filed it.
        again = applications_repo.get(application_id)
        if again is None:
            raise Conflict("Заявление сейчас подаётся. Обновите страницу.", code="busy")
        return applicant_view(again), 200
    return applicant_view(application), 201


# --- the applicant -------------------------------------------------------------------------------


def _own(person: Specialist, application_id: str) -> Application:
    application = applications_repo.get(application_id)
    # Someone else's application is reported exactly like an unknown one.
    if application is None or application.oid != person.oid:
        raise NotFound(_NOT_FOUND, field="id")
    return application


def own_list(person: Specialist) -> dict[str, Any]:
    return {"items": [applicant_view(a) for a in applications_repo.of_applicant(person.oid)]}


def own_detail(person: Specialist, application_id: str) -> dict[str, Any]:
    application = _own(person, application_id)
    return applicant_view(application, steps=_steps(application, person.oid))


def own_document(person: Specialist, application_id: str, document_id: str) -> dict[str, Any]:
    return _document_link(_own(person, application_id), document_id)


def appeal(person: Specialist, application_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Appeal a rejection, once, with a comment; the appeal goes to the moderators."""
    comment = rules.parse_reason(body.get("comment"), field="comment", label="Комментарий")
    application = _own(person, application_id)
    target = rules.next_status(application.status, "appeal")
    now = utcnow()
    audit = new_entry(
        applications_repo.subject(application_id),
        person.oid,
        "appeal",
        {"status": application.status},
        {"status": target, "comment": comment},
    )
    actions = [
        Application.status.set(target),
        Application.appeal_comment.set(comment),
        Application.updated_at.set(now),
    ]
    tx = Transaction()
    applications_repo.extend(tx, application, actions, audit)
    tx.put(
        new_entry(
            credits_repo.person_subject(person.oid),
            person.oid,
            "application_appealed",
            None,
            {"application_id": application_id},
        )
    )
    if not tx.committed():
        raise Conflict("Заявление изменилось. Обновите страницу.", code="stale")
    fresh = _own(person, application_id)
    return applicant_view(fresh, steps=_steps(fresh, person.oid))


# --- reviewers -----------------------------------------------------------------------------------


def _require_reviewer(person: Specialist) -> None:
    if not any(r in (person.roles or []) for r in _REVIEWER_ROLES):
        raise Forbidden("Заявления рассматривают организаторы и модераторы.")


def _reviewer_now(application: Application) -> str:
    return rules.effective_reviewer(
        application.reviewer,
        application.status,
        dt.date.fromisoformat(application.filed_on),
        today_msk(),
    )


def _for_review(person: Specialist, application_id: str) -> Application:
    _require_reviewer(person)
    application = applications_repo.get(application_id)
    if application is None:
        raise NotFound(_NOT_FOUND, field="id")
    allowed = rules.may_review(
        _reviewer_now(application),
        roles=[str(r) for r in person.roles or []],
        organization_id=person.organization_id,
    )
    # An organizer who may not review it does not learn that it exists.
    if not allowed or application.oid == person.oid:
        raise NotFound(_NOT_FOUND, field="id")
    return application


def _period(params: dict[str, str]) -> tuple[str | None, str | None]:
    since = until = None
    if params.get("from"):
        since = parse_iso_date(params["from"], field="from", label="С даты").isoformat()
    if params.get("to"):
        until = parse_iso_date(params["to"], field="to", label="По дату").isoformat()
    if since and until and since > until:
        raise InvalidInput("Период: дата начала позже даты конца.", field="from")
    return since, until


def _filters(params: dict[str, str]) -> dict[str, Any]:
    status = params.get("status") or None
    if status is not None and status not in rules.STATUSES:
        raise InvalidInput("Статус: " + ", ".join(rules.STATUSES) + ".", field="status")
    kind = params.get("kind") or None
    if kind is not None and kind not in rules.KINDS:
        raise InvalidInput("Вид: " + ", ".join(rules.KINDS) + ".", field="kind")
    organization = (params.get("organization") or "").strip() or None
    if organization is not None and len(organization) > 80:
        raise InvalidInput("Организация: слишком длинный идентификатор.", field="organization")
    since, until = _period(params)
    return {
        "status": status,
        "kind": kind,
        "organization_id": organization,
        "since": since,
        "until": until,
    }


def _listed(person: Specialist, params: dict[str, str]) -> list[Application]:
    _require_reviewer(person)
    f = _filters(params)
    roles = [str(r) for r in person.roles or []]
    if "moderator" in roles:
        statuses = [f["status"]] if f["status"] else list(rules.STATUSES)
        found = [
            a
            for s in statuses  # one Query per status: bounded by the number of statuses
            for a in applications_repo.with_status(
                s,
                since=f["since"],
                until=f["until"],
                kind=f["kind"],
                organization_id=f["organization_id"],
            )
        ]
    else:
        org = person.organization_id
        if not org:
            raise Forbidden("Организатору нужна организация.")
        own = rules.organization_reviewer(org)
        found = [
            a
            for a in applications_repo.of_reviewer(own, since=f["since"], until=f["until"])
            if _reviewer_now(a) == own
            and (f["status"] is None or a.status == f["status"])
            and (f["kind"] is None or a.kind == f["kind"])
        ]
    found = [a for a in found if a.oid != person.oid]
    return sorted(found, key=lambda a: a.filed_key, reverse=True)


def review_list(person: Specialist, params: dict[str, str]) -> dict[str, Any]:
    return {"items": [reviewer_view(a) for a in _listed(person, params)]}


def review_detail(person: Specialist, application_id: str) -> dict[str, Any]:
    application = _for_review(person, application_id)
    return reviewer_view(application, steps=_steps(application, None))


def review_document(person: Specialist, application_id: str, document_id: str) -> dict[str, Any]:
    return _document_link(_for_review(person, application_id), document_id)


def counts(person: Specialist) -> dict[str, Any]:
    """Applications by status, for the moderation page (one COUNT Query per status)."""
    if "moderator" not in (person.roles or []):
        raise Forbidden("Сводка заявлений доступна модераторам.")
    by_status = {s: applications_repo.count_with_status(s) for s in rules.STATUSES}
    return {
        "items": [
            {"status": s, "status_name": rules.STATUSES[s], "count": n}
            for s, n in by_status.items()
        ],
        "total": sum(by_status.values()),
    }


def take(person: Specialist, application_id: str) -> dict[str, Any]:
    application = _for_review(person, application_id)
    target = rules.next_status(application.status, "take")
    audit = _review_audit(person, application, "take", target, None)
    actions = [Application.status.set(target), Application.updated_at.set(utcnow())]
    if not applications_repo.change(application, actions, audit):
        raise Conflict("Заявление уже взял другой проверяющий.", code="stale")
    return _after_step(application_id)


def decide(person: Specialist, application_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Accept (the credit is written in the same transaction) or reject with a reason."""
    decision = body.get("decision")
    if decision not in ("accept", "reject"):
        raise InvalidInput("Решение: accept (принять) или reject (отклонить).", field="decision")
    reason = rules.parse_reason(body.get("reason")) if decision == "reject" else None
    application = _for_review(person, application_id)
    target = rules.next_status(application.status, str(decision))
    now = utcnow()
    final = application.status == "appealed"
    actions = [
        Application.status.set(target),
        Application.decided_by.set(person.oid),
        Application.updated_at.set(now),
    ]
    if reason is not None:
        actions.append(
            (Application.final_reason if final else Application.decision_reason).set(reason)
        )
    if decision == "accept" and application.kind == "record_error":
        _accept_with_correction(person, application, body, actions, target)
    elif decision == "accept":
        record, existing = _credit_for(application, body)
        if existing is not None:
            note = "зачёт уже был в учёте"
            audit = _review_audit(person, application, "accept", target, note)
            actions.append(Application.credit_record_id.set(existing.record_id))
            if not applications_repo.change(application, actions, audit):
                raise _decided_meanwhile()
        else:
            actions.append(Application.credit_record_id.set(record.record_id))
            _accept_with_credit(person, application, record, actions, target)
    else:
        audit = _review_audit(person, application, str(decision), target, reason)
        if not applications_repo.change(application, actions, audit):
            raise _decided_meanwhile()
    return _after_step(application_id)


def _decided_meanwhile() -> Conflict:
    return Conflict("Решение по заявлению уже принял другой проверяющий.", code="stale")


def _after_step(application_id: str) -> dict[str, Any]:
    fresh = applications_repo.get(application_id)
    assert fresh is not None  # applications are never deleted
    return reviewer_view(fresh, steps=_steps(fresh, None))


def _review_audit(
    person: Specialist, application: Application, action: str, target: str, note: str | None
) -> AuditEntry:
    role = "moderator" if "moderator" in (person.roles or []) else "organizer"
    after: dict[str, Any] = {"status": target, "by": role}
    if note:
        after["reason"] = note
    return new_entry(
        applications_repo.subject(application.application_id),
        person.oid,
        action,
        {"status": application.status},
        after,
    )


def _hours(body: dict[str, Any]) -> float:
    value = body.get("hours")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1000:
        raise InvalidInput("Укажите число ЗЕТ: программы нет в каталоге портала.", field="hours")
    return float(value)


def _credit_for(
    application: Application, body: dict[str, Any]
) -> tuple[CreditRecord, CreditRecord | None]:
    """The credit an accepted claim gives, and the one the person already has for it (then no
    second credit is written)."""
    claim = application.claim
    element: CatalogElement | None = (
        catalog_repo.get_element(claim["element_id"]) if claim.get("element_id") else None
    )
    if application.kind == "missing_event":
        if element is None:
            raise Conflict("Мероприятие больше не найдено в каталоге.", code="element_missing")
        day = claim["day"]
        hours = next((float(d.hours) for d in element.days or [] if d.date == day), None)
        if hours is None:
            raise Conflict("В этот день мероприятие не проводилось.", code="element_missing")
        kind, completed_on = "event", day
    elif element is not None:
        kind, hours, completed_on = element.kind, float(element.hours), claim["completed_on"]
    else:
        credit_kind = body.get("credit_kind")
        if credit_kind not in rules.PROGRAMME_KINDS:
            raise InvalidInput("Вид элемента: dpp_pk (ДПП ПК) или iom (ИОМ).", field="credit_kind")
        kind, hours, completed_on = str(credit_kind), _hours(body), claim["completed_on"]
    record = CreditRecord(
        oid=application.oid,
        # Deterministic: one application can give one credit, however often it is accepted.
        record_id=credits_repo.new_record_id(completed_on, application.application_id),
        kind=kind,
        title=application.title,
        hours=hours,
        completed_on=completed_on,
        specialty=claim["specialty"],
        eligible_specialties=[claim["specialty"]],
        source="application",
        document=claim.get("document_number") or f"заявление {application.application_id}",
        element_id=claim.get("element_id"),
        created_at=utcnow(),
    )
    existing = credits_repo.existing_credit(
        application.oid,
        completed_on,
        element_id=claim.get("element_id"),
        document=claim.get("document_number"),
    )
    return record, existing


def _accept_with_credit(
    person: Specialist,
    application: Application,
    record: CreditRecord,
    actions: list[Any],
    target: str,
) -> None:
    applicant = people_repo.get_specialist(application.oid)
    if applicant is None:
        raise Conflict("Учётная запись заявителя не найдена.", code="applicant_missing")

    def decision(tx: Transaction) -> None:
        audit = _review_audit(person, application, "accept", target, None)
        applications_repo.extend(tx, application, actions, audit)

    outcome = credits.write_credit(
        applicant, record, actor=person.oid, action="credit_application_accepted", extra=decision
    )
    if outcome is not None:
        raise _decided_meanwhile()


def _accept_with_correction(
    person: Specialist,
    application: Application,
    body: dict[str, Any],
    actions: list[Any],
    target: str,
) -> None:
    """Accept a record error: the record is corrected (hours and/or completion date, the cycle
    totals moved) in the same transaction as the decision."""
    hours = _hours(body) if body.get("hours") is not None else None
    completed_on = None
    if body.get("completed_on") is not None:
        completed_on = parse_iso_date(
            body.get("completed_on"), field="completed_on", label="Дата завершения"
        ).isoformat()
    if hours is None and completed_on is None:
        raise InvalidInput(
            "Укажите исправление: часы (hours) или дату завершения (completed_on).", field="hours"
        )
    applicant = people_repo.get_specialist(application.oid)
    record_id = str(application.claim.get("record_id", ""))
    old = credits_repo.get_record(application.oid, record_id)
    if applicant is None or old is None:
        raise Conflict("Запись, о которой заявление, больше не найдена.", code="record_missing")
    token = old.record_id.split("#", 1)[1]
    new_id = credits_repo.new_record_id(completed_on or old.completed_on, token)
    actions.append(Application.credit_record_id.set(new_id))

    def decision(tx: Transaction) -> None:
        audit = _review_audit(person, application, "accept", target, None)
        applications_repo.extend(tx, application, actions, audit)

    try:
        credits.correct_credit(
            applicant,
            record_id,
            hours=hours,
            completed_on=completed_on,
            reason=f"заявление {application.application_id}",
            actor=person.oid,
            extra=decision,
        )
    except Conflict as err:
        if err.code == "stale":
            raise _decided_meanwhile() from err
        raise


# --- views ---------------------------------------------------------------------------------------


def _document_link(application: Application, document_id: str) -> dict[str, Any]:
    for document in application.documents or []:
        if document["id"] == document_id:
            url = document_store.read_link(
                application.application_id,
                document_id,
                name=document["name"],
                content_type=document["content_type"],
            )
            return {"url": url, "expires_in": document_store.READ_SECONDS}
    raise NotFound("Документ не найден.", field="document_id")


_ACTORS = {"organizer": "организатор", "moderator": "модератор"}


def _steps(application: Application, viewer: str | None) -> list[dict[str, Any]]:
    """Every step with when and who: «вы» for the applicant's own steps, the reviewer's role
    otherwise (never another person's name or id)."""
    out = []
    for entry in applications_repo.steps(application.application_id):
        after = entry.after or {}
        if entry.actor == application.oid:
            who = "вы" if viewer == application.oid else "заявитель"
        else:
            who = _ACTORS.get(after.get("by", ""), "проверяющий")
        out.append(
            {
                "at": entry.at.isoformat(),
                "action": entry.action,
                "action_name": rules.ACTIONS.get(entry.action, entry.action),
                "status": after.get("status"),
                "status_name": rules.STATUSES.get(after.get("status", ""), ""),
                "by": who,
                "reason": after.get("reason") or after.get("comment"),
            }
        )
    return out


def _claim_view(claim: dict[str, Any]) -> dict[str, Any]:
    view = dict(claim)
    if view.get("specialty"):
        view["specialty_name"] = specialty_name(view["specialty"])
    for key in ("day", "completed_on"):
        if view.get(key):
            view[f"{key}_ru"] = ru_date(view[key])
    return view


def applicant_view(
    application: Application, *, steps: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    view = {
        "id": application.application_id,
        "kind": application.kind,
        "kind_name": rules.KINDS[application.kind],
        "status": application.status,
        "status_name": rules.STATUSES[application.status],
        "title": application.title,
        "claim": _claim_view(application.claim),
        "documents": [
            {k: d[k] for k in ("id", "name", "content_type", "size")}
            for d in application.documents or []
        ],
        "filed_at": application.filed_at.isoformat(),
        "filed_on": application.filed_on,
        "updated_at": application.updated_at.isoformat(),
        "decision_reason": application.decision_reason,
        "appeal_comment": application.appeal_comment,
        "final_reason": application.final_reason,
        "credit_record_id": application.credit_record_id,
        "can_appeal": (application.status, "appeal") in rules.TRANSITIONS,
    }
    if steps is not None:
        view["steps"] = steps
    return view


def reviewer_view(
    application: Application, *, steps: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    view = applicant_view(application, steps=steps)
    del view["can_appeal"]
    reviewer_now = _reviewer_now(application)
    view.update(
        {
            "applicant_name": application.applicant_name,
            "organization_id": application.organization_id,
            "reviewer": "moderators" if reviewer_now == rules.MODERATORS else "organization",
            "escalated": reviewer_now != application.reviewer,
            "can_take": (application.status, "take") in rules.TRANSITIONS,
            "can_decide": (application.status, "accept") in rules.TRANSITIONS,
            "needs_hours": application.kind == "missing_programme"
            and not application.claim.get("element_id"),
            "needs_correction": application.kind == "record_error",
        }
    )
    return view


# --- report --------------------------------------------------------------------------------------


def export(person: Specialist, params: dict[str, str]) -> tuple[bytes, str, str]:
    """The report of every application for the chosen filters as XLSX («Экспорт в Excel»)."""
    if "moderator" not in (person.roles or []):
        raise Forbidden("Отчёт по заявлениям доступен модераторам.")
    from .spreadsheet import XLSX_TYPE, add_table, new_workbook, workbook_bytes

    rows = [
        [
            a.filed_on,
            a.application_id,
            rules.KINDS[a.kind],
            rules.STATUSES[a.status],
            a.title,
            a.applicant_name,
            a.organization_id or "модераторы",
            specialty_name(a.claim["specialty"]) if a.claim.get("specialty") else "",
            a.updated_at.date(),
            a.decision_reason or a.final_reason or "",
        ]
        for a in _listed(person, params)
    ]
    book = new_workbook()
    add_table(
        book,
        "Заявления",
        [
            ("Подано", 12, "date"),
            ("Номер", 26, "text"),
            ("Вид", 28, "text"),
            ("Статус", 22, "text"),
            ("О чём", 40, "text"),
            ("Заявитель", 30, "text"),
            ("Рассматривает", 20, "text"),
            ("Специальность", 24, "text"),
            ("Изменено", 12, "date"),
            ("Причина отказа", 40, "text"),
        ],
        rows,
    )
    return workbook_bytes(book), XLSX_TYPE, f"zayavleniya-{today_msk().isoformat()}.xlsx"
