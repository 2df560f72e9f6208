"""The demo region: a seeded, deterministic catalog, its organisations and the people with roles.

`generate_elements(n, seed)` gives element dicts (the shape of `CatalogElement`'s attributes) for
the demo and for benchmarks; element i depends only on (seed, i, today), so a bigger n extends a
smaller one. `seed_demo()` writes the demo region through the repositories; it only creates what is
missing, so running it on every `make run` keeps what people did with the demo data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from chalicelib.db import people_repo
from chalicelib.db.connection import ensure_bound
from chalicelib.db.models import Organization, Specialist, SpecialtyRecord
from chalicelib.domain.catalog import imported_element_id
from chalicelib.domain.dates import today_msk, utcnow
from chalicelib.domain.identifiers import inn_check_digits
from chalicelib.domain.specialties import get_specialty
from chalicelib.services.roles import grant_role, organization_id_for_inn
from pynamodb.exceptions import PutError

from .catalog_writer import StoreResult, element_from_dict, store_elements
from .demo_topics import RELATED, TOPICS

DEMO_SEED = 76  # any fixed number; 76 is «Терапия», the persona doctor's specialty
DEMO_ELEMENT_COUNT = 360
REGION = "Ярославская область"
MSK_OFFSET = "+03:00"

# ЕСИА emulator personas (functions/nmo_cli/esia_emulator/) that need roles before first login.
DOCTOR_OID = "1000000001"
NURSE_OID = "1000000002"
ORGANIZER_OID = "1000000005"
MODERATOR_OID = "1000000006"
ADMIN_OID = "1000000007"  # the emulator's demo administrator


@dataclass(frozen=True)
class DemoOrganization:
    key: str  # short stable name used in element ids
    name: str
    inn_prefix: str  # 9 digits; the check digit is computed, so the ИНН is valid
    city: str
    address: str
    contact: str
    lms: str  # the provider's distance-learning site
    provides: tuple[str, ...]  # kinds it offers
    levels: tuple[str, ...]  # education levels it teaches
    focus: tuple[str, ...] = ()  # specialties it runs events for (empty: any of its levels)

    @property
    def inn(self) -> str:
        return self.inn_prefix + inn_check_digits(self.inn_prefix)

    @property
    def org_id(self) -> str:
        return organization_id_for_inn(self.inn)


ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        "university",
        "ФГБОУ ВО «Ярославский государственный медицинский университет» Минздрава России",
        "760400101",
        "Ярославль",
        "ул. Революционная, д. 5",
        "Институт непрерывного профессионального образования, +7 (4852) 30-56-41",
        "https://sdo.ysmu-demo.ru/course",
        ("dpp_pk", "iom", "event"),
        ("higher", "pharmaceutical"),
    ),
    DemoOrganization(
        "college-yar",
        "ГПОАУ ЯО «Ярославский медицинский колледж»",
        "760400202",
        "Ярославль",
        "ул. Собинова, д. 34",
        "Отделение дополнительного образования, +7 (4852) 72-14-08",
        "https://do.yarmedcollege-demo.ru/course",
        ("dpp_pk", "iom"),
        ("secondary",),
    ),
    DemoOrganization(
        "college-ryb",
        "ГПОУ ЯО «Рыбинский медицинский колледж»",
        "761000303",
        "Рыбинск",
        "ул. Братьев Орловых, д. 3",
        "Отделение повышения квалификации, +7 (4855) 28-33-17",
        "https://sdo.rybmedcollege-demo.ru/course",
        ("dpp_pk", "iom"),
        ("secondary",),
    ),
    DemoOrganization(
        "okb",
        "ГБУЗ ЯО «Областная клиническая больница»",
        "760600404",
        "Ярославль",
        "ул. Яковлевская, д. 7",
        "Учебный центр ОКБ, +7 (4852) 58-91-20",
        "https://okb-demo.ru/webinar",
        ("event",),
        ("higher", "secondary"),
    ),
    DemoOrganization(
        "oncology",
        "ГБУЗ ЯО «Областная клиническая онкологическая больница»",
        "760600505",
        "Ярославль",
        "пр-т Октября, д. 67",
        "Организационно-методический отдел, +7 (4852) 24-04-11",
        "https://onco-demo.ru/webinar",
        ("event",),
        ("higher", "secondary"),
        ("41", "90", "9", "60", "219"),
    ),
    DemoOrganization(
        "perinatal",
        "ГБУЗ ЯО «Областной перинатальный центр»",
        "760600606",
        "Ярославль",
        "ул. Гагарина, д. 12",
        "Симуляционный центр, +7 (4852) 40-77-02",
        "https://perinatal-demo.ru/webinar",
        ("event",),
        ("higher", "secondary"),
        ("2", "37", "49", "207", "221", "4"),
    ),
    DemoOrganization(
        "ambulance",
        "ГБУЗ ЯО «Территориальный центр медицины катастроф и скорой медицинской помощи»",
        "760600707",
        "Ярославль",
        "ул. Городской Вал, д. 9",
        "Учебный класс ТЦМК, +7 (4852) 73-60-03",
        "https://tcmk-demo.ru/webinar",
        ("event",),
        ("higher", "secondary"),
        ("66", "283", "206", "4", "223"),
    ),
    DemoOrganization(
        "rybinsk-hospital",
        "ГБУЗ ЯО «Городская больница № 1» г. Рыбинска",
        "761000808",
        "Рыбинск",
        "ул. Кирова, д. 3",
        "Отдел кадров и обучения, +7 (4855) 21-90-44",
        "https://gb1-rybinsk-demo.ru/webinar",
        ("event",),
        ("higher", "secondary"),
    ),
    DemoOrganization(
        "nurses",
        "Региональная общественная организация «Ассоциация медицинских сестёр Ярославской области»",
        "760400909",
        "Ярославль",
        "ул. Свободы, д. 52",
        "Правление ассоциации, +7 (4852) 32-18-50",
        "https://nurses76-demo.ru/online",
        ("event",),
        ("secondary",),
    ),
)
DEMO_ORGANIZER_ORG = ORGANIZATIONS[3]  # the regional hospital: the persona organizer works there

# Places where hospitals and societies hold bigger events.
VENUES: tuple[tuple[str, str], ...] = (
    ("Ярославль", "ул. Революционная, д. 5, актовый зал ЯГМУ"),
    ("Ярославль", "ул. Первомайская, д. 2а, конгресс-холл «Ринг Премьер Отель»"),
    ("Ярославль", "Которосльная наб., д. 55, конференц-зал «Park Inn»"),
    ("Рыбинск", "ул. Крестовая, д. 17, ДК «Вымпел»"),
    ("Переславль-Залесский", "ул. Свободы, д. 44, Центральная районная больница"),
    ("Ростов", "ул. Фрунзе, д. 35, Ростовская ЦРБ"),
    ("Углич", "ул. Северная, д. 16, Угличская ЦРБ"),
    ("Тутаев", "ул. Комсомольская, д. 99, Тутаевская ЦРБ"),
)

_DPP_HOURS = (18, 36, 36, 36, 72, 72, 144)
_ONE_DAY_EVENTS = (
    "Научно-практическая конференция",
    "Областной семинар",
    "Мастер-класс",
    "Школа специалиста",
    "Клинический разбор",
)
_MULTI_DAY_EVENTS = (
    "Межрегиональная научно-практическая конференция",
    "Областной конгресс",
    "Образовательный форум",
)
_ONLINE_EVENTS = ("Вебинар", "Онлайн-конференция", "Онлайн-школа")
_IOM_VARIANTS = (
    "Разбор клинического случая",
    "Алгоритм действий врача",
    "Типичные ошибки и как их избежать",
    "Клинические рекомендации в вопросах и ответах",
    "Интерактивные задачи",
)


def _weighted_specialties() -> list[str]:
    """Specialties to cycle through; the personas' specialties come up more often."""
    codes = list(TOPICS)
    return [*codes, "76", "219", "76", "219", "39", "49", "90", "25"]


def _level(code: str) -> str:
    spec = get_specialty(code)
    return spec.education_level if spec else "higher"


def _provider(rng: random.Random, kind: str, code: str) -> DemoOrganization:
    level = _level(code)
    focused = [o for o in ORGANIZATIONS if kind in o.provides and o.focus and code in o.focus]
    general = [o for o in ORGANIZATIONS if kind in o.provides and not o.focus and level in o.levels]
    pool = focused * 2 + general or [ORGANIZATIONS[0]]
    return rng.choice(pool)


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _specialties(rng: random.Random, code: str) -> list[str]:
    related = [c for c in RELATED.get(code, ()) if c in TOPICS or get_specialty(c)]
    extra = rng.sample(related, k=rng.randint(0, len(related))) if related else []
    return [code, *extra]


def _description(kind: str, specialties: list[str], hours: int) -> str:
    names = ", ".join(get_specialty(c).name for c in specialties if get_specialty(c))  # type: ignore[union-attr]
    what = {
        "dpp_pk": "Программа повышения квалификации",
        "iom": "Интерактивный образовательный модуль",
        "event": "Образовательное мероприятие",
    }[kind]
    return (
        f"{what}, {hours} ч ({hours} ЗЕТ).\n\n"
        f"Для специалистов по специальностям: {names}.\n\n"
        "Освоение подтверждается в личном кабинете портала НМО."
    )


def _program(kind: str, topic: str) -> str:
    if kind == "dpp_pk":
        return (
            f"1. Нормативная база и клинические рекомендации: {topic.lower()}\n"
            "2. Диагностика: современные методы\n"
            "3. Лечение и маршрутизация пациентов\n"
            "4. Разбор клинических случаев\n"
            "5. Итоговая аттестация (тестирование)"
        )
    if kind == "iom":
        return "1. Теоретическая часть\n2. Клинический случай\n3. Тестовые задания"
    return (
        "09:30 Регистрация участников\n"
        "10:00 Открытие, пленарные доклады\n"
        "12:30 Перерыв\n"
        "13:15 Секционные заседания, клинические разборы\n"
        "16:00 Дискуссия, тестирование"
    )


def _event_days(rng: random.Random, first: dt.date, n_days: int) -> list[dict[str, Any]]:
    days = []
    day = first
    for _ in range(n_days):
        hours = 6 if n_days > 1 or rng.random() < 0.7 else 4
        # 6 academic hours (270 min) plus breaks; a 4-hour seminar fits into a morning
        start, end = ("10:00", "16:00") if hours == 6 else ("10:00", "13:30")
        days.append(
            {
                "date": day.isoformat(),
                "starts_at": f"{day.isoformat()}T{start}:00{MSK_OFFSET}",
                "ends_at": f"{day.isoformat()}T{end}:00{MSK_OFFSET}",
                "hours": hours,
            }
        )
        day = _weekday_on_or_after(day + dt.timedelta(days=1))
    return days


def generate_element(index: int, seed: int, today: dt.date) -> dict[str, Any]:
    """The element number `index` of the catalog generated from `seed`, dated around `today`."""
    rng = random.Random(f"{seed}:{index}")
    cycle = _weighted_specialties()
    code = cycle[index % len(cycle)]
    kind = rng.choices(("dpp_pk", "iom", "event"), weights=(35, 25, 40))[0]
    topic = rng.choice(TOPICS[code])
    org = _provider(rng, kind, code)
    external_id = f"DEMO-{seed}-{index:06d}"
    element_id = imported_element_id(kind, org.inn, external_id)
    specialties = _specialties(rng, code)
    data: dict[str, Any] = {
        "element_id": element_id,
        "kind": kind,
        "status": "published",
        "specialties": specialties,
        "organizer_id": org.org_id,
        "organizer_name": org.name,
        "external_id": external_id,
        "contact": org.contact,
        "starts_on": None,
        "ends_on": None,
        "days": [],
        "format": "online",
        "city": None,
        "address": None,
        "url": None,
        "capacity": None,
    }
    if kind == "dpp_pk":
        hours = rng.choice(_DPP_HOURS)
        data["title"] = topic
        if rng.random() < 0.7:  # a scheduled cohort; the rest is open distance learning
            start = _monday_on_or_after(today + dt.timedelta(days=rng.randint(-120, 150)))
            weeks = max(1, hours // 36)
            data["starts_on"] = start.isoformat()
            data["ends_on"] = (start + dt.timedelta(days=7 * weeks - 3)).isoformat()
        if data["starts_on"] and rng.random() < 0.5:
            data.update(format="in_person", city=org.city, address=org.address)
        else:
            data["url"] = f"{org.lms}/{external_id.lower()}"
    elif kind == "iom":
        hours = rng.randint(1, 6)
        data["title"] = f"{topic}. {rng.choice(_IOM_VARIANTS)}"
        data["url"] = f"{org.lms}/{external_id.lower()}"
    else:
        n_days = rng.choice((1, 1, 1, 1, 2, 2, 3))
        first = _weekday_on_or_after(today + dt.timedelta(days=rng.randint(-150, 200)))
        days = _event_days(rng, first, n_days)
        hours = sum(d["hours"] for d in days)
        data["days"] = days
        data["starts_on"] = days[0]["date"]
        data["ends_on"] = days[-1]["date"]
        if rng.random() < 0.65:
            city, address = (org.city, org.address) if rng.random() < 0.5 else rng.choice(VENUES)
            data.update(format="in_person", city=city, address=address)
            data["capacity"] = rng.choice((40, 60, 80, 120, 150, 250))
            label = rng.choice(_MULTI_DAY_EVENTS if n_days > 1 else _ONE_DAY_EVENTS)
        else:
            data["url"] = f"{org.lms}/{external_id.lower()}"
            data["capacity"] = rng.choice((300, 500, 1000))
            label = rng.choice(_ONLINE_EVENTS if n_days == 1 else _MULTI_DAY_EVENTS)
        data["title"] = f"{label} «{topic}»"
    data["hours"] = hours
    data["description"] = _description(kind, specialties, hours)
    data["program"] = _program(kind, topic)
    return data


def generate_elements(
    n: int, seed: int = DEMO_SEED, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """N published catalog elements (programs, modules, events) for demos and benchmarks."""
    today = today or today_msk()
    return [generate_element(i, seed, today) for i in range(n)]


def moderation_queue(today: dt.date) -> list[dict[str, Any]]:
    """Upcoming events of the persona organizer's hospital that are not published yet."""
    org = DEMO_ORGANIZER_ORG
    plans = (
        ("draft", "Областной семинар «Острый коронарный синдром: маршрутизация и лечение»",
         ["25", "76", "66"], 24, 1, None),
        ("draft", "Школа специалиста «Сестринский уход за пациентами после инсульта»",
         ["219", "100"], 31, 1, None),
        ("on_review", "Научно-практическая конференция «Сахарный диабет 2 типа: что нового»",
         ["92", "76", "39"], 38, 1, None),
        ("on_review", "Областной конгресс «Хирургия: актуальные вопросы»",
         ["90", "79", "4"], 45, 2, None),
        ("on_review", "Мастер-класс «Эхокардиография для терапевта»",
         ["81", "76"], 52, 1, None),
        ("rejected", "Вебинар «Новые препараты для снижения веса»",
         ["92"], 30, 1,
         "В программе не указаны докладчики и нет разделения спонсорских докладов; "
         "дополните программу и отправьте заново."),
    )  # fmt: skip
    items = []
    for n, (status, title, specialties, offset, n_days, reason) in enumerate(plans):
        rng = random.Random(f"queue:{n}")
        external_id = f"DEMO-QUEUE-{n:02d}"
        days = _event_days(rng, _weekday_on_or_after(today + dt.timedelta(days=offset)), n_days)
        hours = sum(d["hours"] for d in days)
        online = title.startswith("Вебинар")
        items.append(
            {
                "element_id": imported_element_id("event", org.inn, external_id),
                "kind": "event",
                "status": status,
                "title": title,
                "description": _description("event", specialties, hours),
                "program": _program("event", title),
                "specialties": specialties,
                "hours": hours,
                "starts_on": days[0]["date"],
                "ends_on": days[-1]["date"],
                "days": days,
                "format": "online" if online else "in_person",
                "city": None if online else org.city,
                "address": None if online else org.address,
                "url": f"{org.lms}/queue-{n}" if online else None,
                "contact": org.contact,
                "organizer_id": org.org_id,
                "organizer_name": org.name,
                "external_id": external_id,
                "capacity": 500 if online else 80,
                "rejection_reason": reason,
                "created_by": ORGANIZER_OID,
            }
        )
    return items


# People who attended the persona organizer's past seminar (with the demo therapist), so the
# README's attendance step can be tried: enter minutes, and codes reach their cabinets.
DEMO_ATTENDEES: tuple[tuple[str, str, str, str], ...] = (
    (DOCTOR_OID, "Петров", "Сергей", "Иванович"),
    ("1000000101", "Андреева", "Ольга", "Сергеевна"),
    ("1000000102", "Белов", "Игорь", "Николаевич"),
    ("1000000103", "Григорьева", "Наталья", "Павловна"),
    ("1000000104", "Дмитриев", "Алексей", "Юрьевич"),
)


def attended_event(today: dt.date) -> dict[str, Any]:
    """A seminar of the persona organizer's hospital held three days ago: published (the local
    schedule then finishes it), with the demo attendees registered."""
    org = DEMO_ORGANIZER_ORG
    day = today - dt.timedelta(days=3)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    days = _event_days(random.Random("attended"), day, 1)
    days[0].update(
        starts_at=f"{day.isoformat()}T10:00:00{MSK_OFFSET}",
        ends_at=f"{day.isoformat()}T16:00:00{MSK_OFFSET}",
        hours=6,
    )
    title = "Областной семинар «Артериальная гипертензия: разбор клинических случаев»"
    return {
        "element_id": imported_element_id("event", org.inn, "DEMO-ATTENDED-01"),
        "kind": "event",
        "status": "published",
        "title": title,
        "description": _description("event", ["76"], 6),
        "program": _program("event", title),
        "specialties": ["76"],
        "hours": 6,
        "starts_on": day.isoformat(),
        "ends_on": day.isoformat(),
        "days": days,
        "format": "in_person",
        "city": org.city,
        "address": org.address,
        "url": None,
        "contact": org.contact,
        "organizer_id": org.org_id,
        "organizer_name": org.name,
        "external_id": "DEMO-ATTENDED-01",
        "capacity": 40,
        "created_by": ORGANIZER_OID,
    }


def _seed_attendees(event: dict[str, Any], now: dt.datetime) -> int:
    """Confirmed registrations of the demo attendees for the past seminar (created once), each
    with its seat."""
    from chalicelib.db.models import EventSeats, Registration
    from chalicelib.db.transactions import Transaction

    made = 0
    for oid, last, first, middle in DEMO_ATTENDEES:
        if oid != DOCTOR_OID:
            person = Specialist(
                oid,
                last_name=last,
                first_name=first,
                middle_name=middle,
                education_level="higher",
                roles=["specialist"],
                specialties=[SpecialtyRecord(code="76", admitted_on="2023-09-01")],
                created_at=now,
                updated_at=now,
            )
            _create_once(person, Specialist.oid.does_not_exist())
        registration = Registration(
            event_id=event["element_id"],
            oid=oid,
            registration_id=f"r-demo-{oid[-3:]}",
            status="confirmed",
            specialty="76",
            registered_key=f"{now.isoformat()}#{event['element_id']}",
            registered_at=now,
            updated_at=now,
            full_name=f"{last} {first} {middle}",
            attendance={},
            codes={},
            event_title=event["title"],
            event_starts_at=event["days"][0]["starts_at"],
        )
        tx = Transaction()
        tx.put(registration, condition=Registration.oid.does_not_exist())
        tx.update(EventSeats(element_id=event["element_id"]), [EventSeats.seats_taken.add(1)])
        made += tx.committed()
    return made


def _create_once(item: Any, absent: Any) -> bool:
    """Save a demo item unless it is there already (seeding twice changes nothing)."""
    try:
        item.save(condition=absent)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


@dataclass
class SeedSummary:
    today: str
    organizations_created: int = 0
    elements: StoreResult = field(default_factory=StoreResult)
    specialties: int = 0
    roles_granted: list[str] = field(default_factory=list)
    specialties_given: list[str] = field(default_factory=list)
    history_rows: int = 0
    attendees: int = 0
    demo_code: str | None = None
    population: int = 0

    def lines(self) -> list[str]:
        return [
            f"дата отсчёта: {self.today}",
            f"организаций создано: {self.organizations_created}",
            f"элементов каталога: создано {self.elements.created}, "
            f"уже были {self.elements.unchanged} (специальностей: {self.specialties})",
            "роли: " + (", ".join(self.roles_granted) or "уже выданы"),
            "специальности персон: " + (", ".join(self.specialties_given) or "уже есть"),
            f"история обучения врача-терапевта: {self.history_rows} записей ждут его входа",
            f"прошедший семинар больницы с записавшимися (для отметки посещаемости): "
            f"{self.attendees} новых записей",
            "демо-код подтверждения (ввести в кабинете врача): "
            + (self.demo_code or "нет прошедшего мероприятия по терапии"),
            f"специалистов региона для дашборда: {self.population} новых",
        ]


def _seed_organizations(now: dt.datetime) -> int:
    created = 0
    for org in ORGANIZATIONS:
        if people_repo.get_organization(org.org_id) is not None:
            continue
        Organization(
            org.org_id,
            name=org.name,
            inn=org.inn,
            city=org.city,
            contact=org.contact,
            created_at=now,
        ).save(condition=Organization.org_id.does_not_exist())
        created += 1
    return created


def _seed_roles() -> list[str]:
    """Roles for the personas, on Specialist items keyed by oid only: the first ЕСИА login
    fills in СНИЛС and names from the emulator, so nothing here can clash with SnilsOwner."""
    grants = (
        (ORGANIZER_OID, "organizer", DEMO_ORGANIZER_ORG.org_id),
        (MODERATOR_OID, "moderator", None),
        (ADMIN_OID, "admin", None),
    )
    done = []
    for oid, role, org_id in grants:
        if grant_role(oid, role, organization_id=org_id, actor="demo-seed"):
            done.append(f"{oid}: {role}")
    return done


# Specialties ЕСИА does not send (in production they come from ФРМР): the personas' admitting
# documents, so the cabinet shows real cycles from the first login.
PERSONA_SPECIALTIES = {
    DOCTOR_OID: ("higher", [("76", "2022-03-15", "Аккредитация 7722 031234567")]),
    NURSE_OID: ("secondary", [("219", "2025-06-30", "Аккредитация 7724 009876543")]),
}


def _seed_persona_specialties(now: dt.datetime) -> list[str]:
    """Create the doctor's and the nurse's items (oid, level, specialties; no СНИЛС: the login
    fills it in) unless they exist already, in which case they are left alone."""
    done = []
    for oid, (level, specialties) in PERSONA_SPECIALTIES.items():
        person = Specialist(
            oid,
            education_level=level,
            roles=["specialist"],
            specialties=[
                SpecialtyRecord(code=code, admitted_on=admitted, document_number=number)
                for code, admitted, number in specialties
            ],
            created_at=now,
            updated_at=now,
        )
        if not _create_once(person, Specialist.oid.does_not_exist()):
            continue
        done.append(f"{oid}: {', '.join(code for code, _, _ in specialties)}")
    return done


def seed_demo(today: dt.date | None = None) -> SeedSummary:
    """Create the demo region's organisations, catalog and role holders where they are missing."""
    ensure_bound()
    today = today or today_msk()
    now = utcnow()
    summary = SeedSummary(today=today.isoformat())
    summary.organizations_created = _seed_organizations(now)
    attended = attended_event(today)
    data = generate_elements(DEMO_ELEMENT_COUNT, DEMO_SEED, today) + moderation_queue(today)
    data.append(attended)
    summary.specialties = len({c for d in data for c in d["specialties"]})
    summary.elements = store_elements(
        [element_from_dict(d, now) for d in data], update_existing=False
    )
    summary.roles_granted = _seed_roles()
    summary.specialties_given = _seed_persona_specialties(now)
    summary.history_rows = _seed_learning_history(now)
    summary.attendees = _seed_attendees(attended, now)
    summary.demo_code = _seed_demo_code(data, today, now)
    summary.population = _seed_population(today, now)
    return summary


def _seed_population(today: dt.date, now: dt.datetime) -> int:
    """The dashboard's demo region (nmo_cli/demo_population.py), and the personas who read it:
    the administrator as the ministry's analyst, the organizer as their hospital's employer."""
    from .demo_population import seed_population

    hospitals = [o.org_id for o in ORGANIZATIONS if o.key in HOSPITALS]
    created = seed_population(today, now, hospitals)
    # The personas and the seminar's attendees are written above without the dashboard: place
    # them once, as their first change would (nothing moves when they are placed already).
    from chalicelib.db import people_repo
    from chalicelib.services.dashboard_counters import sync

    for oid in {DOCTOR_OID, NURSE_OID, *(a[0] for a in DEMO_ATTENDEES)}:
        person = people_repo.get_specialist(oid)
        if person is not None:
            sync(person)
    grant_role(ADMIN_OID, "analyst", actor="demo-seed")
    grant_role(
        ORGANIZER_OID, "employer", organization_id=DEMO_ORGANIZER_ORG.org_id, actor="demo-seed"
    )
    return created


HOSPITALS = ("okb", "oncology", "perinatal", "ambulance", "rybinsk-hospital")


# What a provider would have reported for the demo therapist (persona 1000000001, СНИЛС from the
# ЕСИА emulator, therapy since 15.03.2022): kept as provider rows, credited at the first login, so
# the cabinet shows a cycle partly done. (kind, title, hours, completed_on, document)
DEMO_DOCTOR_SNILS = "11223344595"
DEMO_DOCTOR_HISTORY: tuple[tuple[str, str, int, str, str], ...] = (
    ("dpp_pk", "Актуальные вопросы терапии", 36, "2022-10-14", "762416001234"),
    ("iom", "Артериальная гипертензия: выбор стартовой терапии", 4, "2023-02-10", "ИОМ-2023-0210"),
    (
        "iom",
        "Хроническая сердечная недостаточность в практике терапевта",
        6,
        "2023-09-05",
        "ИОМ-2023-0905",
    ),
    ("dpp_pk", "Кардиология в практике врача-терапевта", 72, "2024-04-19", "762416004567"),
    ("iom", "Сахарный диабет 2 типа: сахароснижающая терапия", 3, "2025-03-12", "ИОМ-2025-0312"),
    ("iom", "Внебольничная пневмония у взрослых", 5, "2025-10-01", "ИОМ-2025-1001"),
)


def _seed_learning_history(now: dt.datetime) -> int:
    """Provider rows for the demo therapist (idempotent: the same rows keep the same ids)."""
    from chalicelib.db import credits_repo
    from chalicelib.db.models import PendingCredit

    kept = 0
    for kind, title, hours, completed_on, document in DEMO_DOCTOR_HISTORY:
        token = credits_repo.import_token(DEMO_DOCTOR_SNILS, title, completed_on, document)
        credits_repo.save_pending(
            PendingCredit(
                snils=DEMO_DOCTOR_SNILS,
                record_id=credits_repo.new_record_id(completed_on, token),
                kind=kind,
                title=title,
                hours=hours,
                completed_on=completed_on,
                specialty="76",
                candidate_specialties=["76"],
                document=document,
                created_at=now,
            )
        )
        kept += 1
    return kept


def _seed_demo_code(data: list[dict[str, Any]], today: dt.date, now: dt.datetime) -> str | None:
    """One paper confirmation code for the latest past therapy event of the demo catalog. It is
    random like every code (a code derived from the event could be computed and redeemed by
    anyone): each seed run issues a fresh one and prints it."""
    from chalicelib.db import codes_repo
    from chalicelib.domain.codes import format_code
    from chalicelib.domain.events import code_expires_on

    past = [
        d
        for d in data
        if d["kind"] == "event"
        and d.get("status", "published") == "published"
        and "76" in d["specialties"]
        and d.get("days")
        and dt.date.fromisoformat(d["days"][-1]["date"]) < today
    ]
    if not past:
        return None
    event = max(past, key=lambda d: d["days"][-1]["date"])
    day = event["days"][-1]
    item = codes_repo.issue(
        event_id=event["element_id"],
        day=day["date"],
        specialty="76",
        hours=day["hours"],
        title=event["title"],
        issued_to=None,
        expires_on=code_expires_on(day["date"]),  # the one validity rule (event_rules.json)
        now=now,
    )
    return format_code(item.code)
