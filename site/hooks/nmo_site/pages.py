"""Catalog pages rendered from Jinja2 templates in templates/ (autoescaped: organizer text is
data, never markup). Each function returns the HTML body of one page."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import safe_text
from .source import CatalogEntry

KIND_NAMES = {
    "dpp_pk": "ДПП повышения квалификации",
    "iom": "Интерактивный образовательный модуль",
    "event": "Образовательное мероприятие",
}
KIND_PLURAL = {
    "dpp_pk": "Программы повышения квалификации (ДПП ПК)",
    "iom": "Интерактивные образовательные модули (ИОМ)",
    "event": "Образовательные мероприятия",
}
FORMAT_NAMES = {"in_person": "очно", "online": "онлайн"}
MONTHS = (
    "", "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


SPECIALTY_PAGE_SIZE = 100  # items per specialty page (Терапия at 20,000 elements was 1.7 MB)


def element_url(element_id: str) -> str:
    return f"/catalog/e/{element_id}/"


def specialty_url(code: str, page: int = 1) -> str:
    return f"/catalog/s/{code}/" if page == 1 else f"/catalog/s/{code}/{page}/"


def specialty_src(code: str, page: int) -> str:
    """The generated page's source path behind specialty_url (MkDocs makes the URL of it)."""
    return f"catalog/s/{code}.md" if page == 1 else f"catalog/s/{code}/{page}.md"


@dataclass(frozen=True)
class SpecialtyListing:
    """A specialty's elements in the order its pages list them."""

    ordered: tuple[CatalogEntry, ...]
    ahead: int  # how many of `ordered` are ahead or undated (they come first)
    counts: dict[str, int]  # by kind, all of them

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.ordered) // SPECIALTY_PAGE_SIZE))


def specialty_listing(entries: Sequence[CatalogEntry], today: str) -> SpecialtyListing:
    """Ahead in catalog order (by start date, undated last), then the past, newest first."""
    ahead = [e for e in entries if not has_ended_by(e, today)]
    past = sorted((e for e in entries if has_ended_by(e, today)), key=_ends, reverse=True)
    counts = {kind: sum(e.kind == kind for e in entries) for kind in KIND_NAMES}
    return SpecialtyListing(tuple(ahead + past), len(ahead), counts)


def page_links(page: int, pages: int) -> list[int | None]:
    """Page numbers to link, None for a gap: all of them when few, otherwise the first, the last
    and two either side of the current one."""
    if pages <= 9:
        return list(range(1, pages + 1))
    wanted = {1, pages, *range(page - 2, page + 3)}
    links: list[int | None] = []
    for n in range(1, pages + 1):
        if n in wanted:
            links.append(n)
        elif links and links[-1] is not None:
            links.append(None)
    return links


def event_ics_url(element_id: str) -> str:
    """The API's calendar file of an event (the site ships none of its own)."""
    return f"/api/events/{element_id}/calendar.ics"


def month_url(month: str) -> str:
    return f"/catalog/calendar/{month}/"


def ru_date(value: str | None) -> str:
    if not value:
        return ""
    return dt.date.fromisoformat(value).strftime("%d.%m.%Y")


def ru_dates(entry: CatalogEntry) -> str:
    if not entry.starts_on:
        return "в любое время"
    if entry.ends_on and entry.ends_on != entry.starts_on:
        return f"{ru_date(entry.starts_on)} – {ru_date(entry.ends_on)}"
    return ru_date(entry.starts_on)


_MSK = dt.timezone(dt.timedelta(hours=3))


def ru_time(value: str) -> str:
    """Moscow time (the schedule says «МСК»), whatever offset the organizer entered."""
    return dt.datetime.fromisoformat(value).astimezone(_MSK).strftime("%H:%M")


def short_title(title: str) -> str:
    """What tells events apart in a calendar cell: most titles open with the same words
    («Областной семинар «…»», «Межрегиональная научно-практическая конференция «…»»), so the name
    in quotes is shown when there is one (the full title stays in the link's title)."""
    start = title.find("«")
    end = title.rfind("»")
    if 0 < start < end and end - start > 3:
        return title[start + 1 : end]
    return title


def hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


@functools.cache
def environment(template_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        ru_date=ru_date, ru_dates=ru_dates, ru_time=ru_time, hours=hours, short_title=short_title,
        markdown=safe_text.render_markdown,
    )  # fmt: skip
    env.globals.update(
        KIND_NAMES=KIND_NAMES, KIND_PLURAL=KIND_PLURAL, FORMAT_NAMES=FORMAT_NAMES,
        element_url=element_url, specialty_url=specialty_url, event_ics_url=event_ics_url,
        month_url=month_url,
    )  # fmt: skip
    return env


@dataclass(frozen=True)
class Renderer:
    template_dir: Path
    specialty_names: dict[str, str]
    # An element's list item appears on the catalog index and on each of its specialties' pages:
    # rendered once (already escaped by the autoescaping template).
    _items: dict[str, Markup] = field(default_factory=dict)

    def _render(self, template_name: str, **context: Any) -> str:
        template = environment(str(self.template_dir)).get_template(template_name)
        return template.render(specialty_names=self.specialty_names, item=self.item, **context)

    def item(self, entry: CatalogEntry) -> Markup:
        cached = self._items.get(entry.id)
        if cached is None:
            template = environment(str(self.template_dir)).get_template("list_item.html")
            cached = self._items[entry.id] = Markup(template.render(e=entry))  # noqa: S704
        return cached

    def element(self, entry: CatalogEntry) -> str:
        return self._render("element.html", e=entry)

    def specialty(self, code: str, listing: SpecialtyListing, page: int) -> str:
        """One page of a specialty's list: what is ahead (or undated) first, then what has ended,
        newest first (SpecialtyListing). The kinds are counted at the top, each a link to the
        catalog filtered by it."""
        start = (page - 1) * SPECIALTY_PAGE_SIZE
        shown = listing.ordered[start : start + SPECIALTY_PAGE_SIZE]
        split = max(0, min(len(shown), listing.ahead - start))
        return self._render(
            "specialty.html",
            code=code,
            name=self.specialty_names.get(code, code),
            counts=listing.counts,
            ahead=shown[:split],
            past=shown[split:],
            total_ahead=listing.ahead,
            total_past=len(listing.ordered) - listing.ahead,
            page=page,
            pages=listing.pages,
            page_links=page_links(page, listing.pages),
            first=start + 1,
            last=start + len(shown),
            total=len(listing.ordered),
        )

    def catalog(
        self,
        first: Sequence[CatalogEntry],
        total: int,
        counts: dict[str, int],
        cities: Sequence[str],
        index_url: str,
    ) -> str:
        return self._render(
            "catalog.html",
            first=first,
            total=total,
            counts=counts,
            cities=cities,
            index_url=index_url,
        )

    def calendar_index(self, months: dict[str, int]) -> str:
        return self._render(
            "calendar_index.html",
            months=[(m, _month_title(m), n) for m, n in sorted(months.items())],
        )

    def month(
        self, month: str, by_day: dict[str, list[CatalogEntry]], prev: str | None, next_: str | None
    ) -> str:
        year, number = (int(x) for x in month.split("-"))
        weeks = _calendar.Calendar(firstweekday=0).monthdatescalendar(year, number)
        return self._render(
            "month.html",
            title=_month_title(month),
            weeks=[
                [(d, d.month == number, by_day.get(d.isoformat(), [])) for d in week]
                for week in weeks
            ],
            weekdays=WEEKDAYS,
            prev=(prev, _month_title(prev)) if prev else None,
            next=(next_, _month_title(next_)) if next_ else None,
        )


def _ends(entry: CatalogEntry) -> str:
    return entry.ends_on or entry.starts_on or "9999-12-31"


def has_ended_by(entry: CatalogEntry, today: str) -> bool:
    """Whether an element's last day is before `today` (undated programmes never end)."""
    return _ends(entry) < today


def _month_title(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[int(number)]} {year}"


def event_dates(entry: CatalogEntry) -> Iterable[str]:
    """The dates an event occupies on the calendar."""
    if entry.days:
        yield from sorted({d.date for d in entry.days})
        return
    if not entry.starts_on:
        return
    day = dt.date.fromisoformat(entry.starts_on)
    last = dt.date.fromisoformat(entry.ends_on or entry.starts_on)
    for _ in range(60):  # a sane bound: a listed event spanning months is a data error
        if day > last:
            break
        yield day.isoformat()
        day += dt.timedelta(days=1)
