"""The individual learning plan («индивидуальный план обучения»): per cycle, the catalog elements a
person means to complete, what they would bring by the deadline, and what stays uncovered.

Plan items live beside the person's credit aggregates (one partition, `plan#…` items), so the
plan and the projection cost the same single Query as the cycles. A planned element keeps a copy
of what the plan shows; it is ticked off in the same transaction as the credit that completes it
(services/credits.write_credit).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from ..db import catalog_repo, credits_repo, registrations_repo
from ..db.models import CreditTotal, Specialist
from ..domain.catalog import DPP_PK, KINDS_SHORT, UNDATED
from ..domain.cycles import (
    Cycle,
    Standing,
    missing_phrase,
    missing_view,
    requirement_view,
    standing_after,
    standing_of,
)
from ..domain.dates import ru_date, today_msk, utcnow
from ..domain.numbers import plain_number
from ..domain.rules import rule_book
from ..domain.specialties import specialty_name
from ..errors import Conflict, InvalidInput, NotFound
from . import credits

SUGGESTIONS = 8
_SUGGEST_PAGE = 100


@dataclass(frozen=True)
class Planned:
    """One plan item as the domain sees it."""

    specialty: str
    element_id: str
    kind: str
    title: str
    hours: float
    starts_on: str | None
    ends_on: str | None
    specialties: tuple[str, ...]
    days: tuple[str, ...]
    done: bool

    @classmethod
    def of(cls, item: CreditTotal) -> Planned:
        specialty = item.bucket[len(credits_repo.PLAN_PREFIX) :].split("#", 1)[0]
        return cls(
            specialty=specialty,
            element_id=str(item.element_id),
            kind=str(item.kind),
            title=str(item.title),
            hours=float(item.hours or 0),
            starts_on=item.starts_on,
            ends_on=item.ends_on,
            specialties=tuple(str(s) for s in item.element_specialties or []),
            days=tuple(str(d) for d in item.days or []),
            done=bool(item.done_record),
        )

    @property
    def finishes(self) -> dt.date | None:
        return dt.date.fromisoformat(self.ends_on) if self.ends_on else None


def _warnings(
    p: Planned, cycle: Cycle, plan: list[Planned], today: dt.date
) -> list[dict[str, str]]:
    """What could stop a planned element from counting, in the person's words."""
    out: list[dict[str, str]] = []
    if p.done:
        return out
    if p.specialty not in p.specialties:
        out.append(
            {
                "code": "not_accredited",
                "text": f"Не аккредитован по специальности «{specialty_name(p.specialty)}»: "
                "в этот цикл не зачтётся.",
            }
        )
    ends = p.finishes
    if ends is not None and ends < today:
        out.append(
            {
                "code": "past",
                "text": f"Уже завершился {ru_date(ends)}. Если вы его прошли, зачёт придёт от "
                "провайдера или по коду подтверждения.",
            }
        )
    elif ends is not None and ends > cycle.ends:
        out.append(
            {
                "code": "after_cycle",
                "text": f"Заканчивается {ru_date(ends)} — после окончания цикла "
                f"({ru_date(cycle.ends)}): в этот цикл не зачтётся.",
            }
        )
    elif ends is not None:
        posting = rule_book().plan.provider_posting_days
        if p.kind != "event" and (cycle.expires - ends).days < posting:
            out.append(
                {
                    "code": "after_portfolio_deadline",
                    "text": f"Заканчивается {ru_date(ends)}: провайдер передаёт сведения до "
                    f"{posting} дней, можно не успеть подать портфолио до "
                    f"{ru_date(cycle.expires)}.",
                }
            )
    if p.kind == "event":
        clashes = sorted(
            {
                o.title
                for o in plan
                if o is not p and o.kind == "event" and not o.done and set(o.days) & set(p.days)
            }
        )
        if clashes:
            out.append(
                {
                    "code": "same_day",
                    "text": "В тот же день в плане: " + "; ".join(f"«{t}»" for t in clashes) + ".",
                }
            )
    return out


def _counts_by_deadline(p: Planned, cycle: Cycle, today: dt.date) -> bool:
    if p.done or p.specialty not in p.specialties:
        return False
    ends = p.finishes
    return ends is None or today <= ends <= cycle.ends


def _item_view(p: Planned, warnings: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "element_id": p.element_id,
        "kind": p.kind,
        "kind_name": KINDS_SHORT.get(p.kind, p.kind),
        "title": p.title,
        "hours": plain_number(p.hours, digits=2),
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "url": f"/catalog/e/{p.element_id}/",
        "done": p.done,
        "warnings": warnings,
    }


def _projection_sentence(cycle: Cycle, after: Standing, planned_hours: float) -> str:
    if planned_hours <= 0 and not after.met:
        return (
            "В плане пока нет элементов, которые успеют засчитаться в этот цикл. "
            + missing_phrase(cycle, after)
        )
    if after.met:
        return f"С планом требования будут выполнены к {ru_date(cycle.expires)}."
    return f"С планом к {ru_date(cycle.expires)} останется не покрыто: " + missing_phrase(
        cycle, after
    ).removeprefix("Не хватает ")


def plan_view(person: Specialist, today: dt.date | None = None) -> dict[str, Any]:
    """Every cycle with its plan, the projected totals by kind and what stays uncovered."""
    today = today or today_msk()
    cycles = credits.person_cycles(person)
    items = credits.current_totals(person, cycles)
    tallies = credits.tallies_of(cycles, items)
    plan = [Planned.of(i) for i in credits_repo.plan_items(items)]
    views = []
    for cycle in cycles:
        now = standing_of(cycle, tallies[cycle.specialty])
        mine = [p for p in plan if p.specialty == cycle.specialty]
        mine.sort(key=lambda p: (p.done, p.starts_on or UNDATED, p.title))
        counting = [p for p in mine if _counts_by_deadline(p, cycle, today)]
        plan_dpp = sum(p.hours for p in counting if p.kind == DPP_PK)
        plan_other = sum(p.hours for p in counting if p.kind != DPP_PK)
        after = standing_after(cycle.rule_set, now, plan_dpp, plan_other)
        views.append(
            {
                "specialty": cycle.specialty,
                "specialty_name": specialty_name(cycle.specialty),
                "expires": cycle.expires.isoformat(),
                "portfolio_window_opens": cycle.portfolio_window_opens.isoformat(),
                "items": [_item_view(p, _warnings(p, cycle, plan, today)) for p in mine],
                "earned": _kinds(now),
                "planned": {
                    "dpp_pk": plain_number(plan_dpp, digits=2),
                    "other": plain_number(plan_other, digits=2),
                },
                "projected": _kinds(after),
                "uncovered": missing_view(after),
                "required": requirement_view(cycle.rule_set),
                "summary": _projection_sentence(cycle, after, plan_dpp + plan_other),
            }
        )
    return {"cycles": views, "limit": rule_book().plan.max_items, "count": len(plan)}


def _kinds(s: Standing) -> dict[str, Any]:
    return {
        "total": plain_number(s.total, digits=2),
        "dpp_pk": plain_number(s.dpp_pk, digits=2),
        "other": plain_number(s.other, digits=2),
    }


def _cycle_of(cycles: list[Cycle], specialty: Any, field: str = "specialty") -> Cycle:
    if not isinstance(specialty, str) or not specialty.strip():
        raise InvalidInput("Укажите специальность цикла (код V021).", field=field)
    cycle = next((c for c in cycles if c.specialty == specialty.strip()), None)
    if cycle is None:
        raise InvalidInput(
            "Такой специальности нет в вашем профиле: добавьте её в разделе «Мои специальности».",
            field=field,
        )
    return cycle


def add_item(person: Specialist, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Put a published catalog element into the plan of one cycle; 201, or 200 if already there."""
    element_id = body.get("element_id")
    if not isinstance(element_id, str) or not 0 < len(element_id.strip()) <= 100:
        raise InvalidInput("Укажите элемент каталога (element_id).", field="element_id")
    cycle = _cycle_of(credits.person_cycles(person), body.get("specialty"))
    element = catalog_repo.get_element(element_id.strip())
    if element is None or element.status != "published":
        raise NotFound("Элемент не найден в опубликованном каталоге.", field="element_id")
    items = credits_repo.totals(person.oid)
    plan = credits_repo.plan_items(items)
    key = credits_repo.plan_key(cycle.specialty, element.element_id)
    if any(i.bucket == key for i in plan):
        return plan_view(person), 200
    limit = rule_book().plan.max_items
    if len(plan) >= limit:
        raise Conflict(
            f"В плане уже {limit} элементов — больше не помещается. Уберите пройденные или "
            "ненужные.",
            field="element_id",
            code="plan_full",
        )
    item = CreditTotal(
        person.oid,
        key,
        element_id=element.element_id,
        kind=element.kind,
        title=element.title,
        hours=element.hours,
        starts_on=element.starts_on,
        ends_on=element.ends_on or element.starts_on,
        element_specialties=[str(s) for s in element.specialties or []],
        days=[d.date for d in element.days or []],
        added_at=utcnow(),
    )
    if not credits_repo.add_plan_item(item, actor=person.oid):
        return plan_view(person), 200
    return plan_view(person), 201


def remove_item(person: Specialist, element_id: str, params: dict[str, str]) -> dict[str, Any]:
    """Take an element out of the plan (of one cycle with `specialty`, else of every cycle)."""
    specialty = params.get("specialty") or None
    items = credits_repo.plan_items(credits_repo.totals(person.oid))
    chosen = [
        i
        for i in items
        if i.element_id == element_id
        and (specialty is None or Planned.of(i).specialty == specialty)
    ]
    if not chosen:
        raise NotFound("Этого элемента нет в вашем плане.", field="element_id")
    for item in chosen:
        credits_repo.remove_plan_item(item, actor=person.oid)
    return plan_view(person)


def suggestions(
    person: Specialist, params: dict[str, str], today: dt.date | None = None
) -> dict[str, Any]:
    """«Что поможет закрыть разрыв»: published elements of the cycle's specialty that still count
    by its deadline, not planned, registered or completed, the missing kind first, the soonest
    to finish first. `today`: the day they are suggested on (the reminders job's `--today`)."""
    cycles = credits.person_cycles(person)
    cycle = _cycle_of(cycles, params.get("specialty"))
    today = today or today_msk()
    items = credits.current_totals(person, cycles)
    now = standing_of(cycle, credits.tallies_of(cycles, items)[cycle.specialty])
    if now.met:
        return {"specialty": cycle.specialty, "items": [], "met": True}
    taken = {str(i.element_id) for i in credits_repo.plan_items(items)}
    regs, _ = registrations_repo.for_person(person.oid, limit=_SUGGEST_PAGE)
    taken |= {r.event_id for r in regs if r.status in ("confirmed", "waitlisted")}
    since = (today - dt.timedelta(days=366)).isoformat()
    taken |= credits_repo.recent_element_ids(person.oid, since=since)
    wanted_kinds = _kinds_that_help(now)
    found = []
    for element in _listed(cycle, today):
        if element.element_id in taken or element.kind not in wanted_kinds:
            continue
        ends = element.ends_on or element.starts_on
        if ends is not None and not today.isoformat() <= ends <= cycle.ends.isoformat():
            continue
        found.append(element)
    dpp_first = now.missing_dpp_pk > 0

    def rank(e: Any) -> tuple[int, str, float]:
        # An undated programme or module can start today and takes about a day per 6 hours.
        finishes = e.ends_on or e.starts_on
        if finishes is None:
            finishes = (today + dt.timedelta(days=math.ceil(float(e.hours) / 6))).isoformat()
        return (0 if dpp_first and e.kind == DPP_PK else 1, finishes, -float(e.hours))

    found.sort(key=rank)
    return {
        "specialty": cycle.specialty,
        "met": False,
        "missing": {
            "total": plain_number(now.missing_total, digits=2),
            "dpp_pk": plain_number(now.missing_dpp_pk, digits=2),
        },
        "items": [
            {
                "id": e.element_id,
                "kind": e.kind,
                "kind_name": KINDS_SHORT.get(e.kind, e.kind),
                "title": e.title,
                "hours": plain_number(e.hours),
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
                "city": e.city,
                "url": f"/catalog/e/{e.element_id}/",
            }
            for e in found[:SUGGESTIONS]
        ],
    }


def _kinds_that_help(now: Standing) -> set[str]:
    kinds = {DPP_PK}
    if now.missing_any > 0 and (now.other_room is None or now.other_room > 0):
        kinds |= {"iom", "event"}
    return kinds


def _listed(cycle: Cycle, today: dt.date) -> list[Any]:
    """Two bounded Queries of the specialty listing: dated elements from half a year back (a
    programme under way can still be joined) to the cycle's end, and undated ones."""
    start = (today - dt.timedelta(days=183)).isoformat()
    dated, _ = catalog_repo.query_published(
        specialty=cycle.specialty,
        kind=None,
        date_from=start,
        date_to=cycle.ends.isoformat(),
        limit=_SUGGEST_PAGE,
        cursor=None,
    )
    undated, _ = catalog_repo.query_published(
        specialty=cycle.specialty,
        kind=None,
        date_from=UNDATED,
        date_to=None,
        limit=_SUGGEST_PAGE,
        cursor=None,
    )
    return [*dated, *undated]


def planned_events(person: Specialist) -> list[str]:
    """Ids of the events in the plan that are still ahead (the plan's calendar file)."""
    today = today_msk().isoformat()
    items = credits_repo.plan_items(credits_repo.totals(person.oid))
    return sorted(
        {
            str(i.element_id)
            for i in items
            if i.kind == "event" and not i.done_record and (i.ends_on or "") >= today
        }
    )
