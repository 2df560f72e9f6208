"""The ministry's view of the region: specialists by specialty and month of expiry for the next
24 months — how many, met, behind, portfolio window open with hours missing — and the same per
organization (employer), with its XLSX export.

Every view reads counter cells only (db/dashboard_repo.cells): one Query for the heat map, one
for the organizations, two for an organization the ministry drills into (its cells, and the
organizations' cells its totals row must be suppressed like; one for the employer's own), plus a
BatchGetItem of organization names — whatever the number of specialists. Statuses are those of
the viewing month (domain/dashboard.py `month_status`: as on its last day). Counts of 1–4
people are shown as «<5», and so are the hours of such cells; so are the counts that would give
one of those away by subtraction from a published total (domain/dashboard.suppressed, applied
here once for the API, the page and the XLSX).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from ..db import dashboard_repo, people_repo
from ..domain.cycles import STATUS_WINDOW_OPEN
from ..domain.dashboard import (
    SMALL_CELL,
    TOTAL,
    CellView,
    Position,
    cell_view,
    horizon,
    month_end,
    shown,
    suppressed,
)
from ..domain.dates import ru_date, today_msk
from ..domain.numbers import plain_number
from ..domain.specialties import specialty_name
from ..errors import InvalidInput, NotFound

MEASURES = ("specialists", "met", "behind", "window_open")
Hidden = dict[str, set[Position]]  # measure → cells shown as «<5» (domain `suppressed`)


def _count(view: CellView, measure: str) -> int:
    return view.specialists if measure == "specialists" else view.counts[measure]


def cell_json(view: CellView, hidden: Callable[[str], bool] = lambda _: False) -> dict[str, Any]:
    """One published cell; `hidden(measure)` says whether suppression hides that count. The
    hours go with the count of people whose hours they are (the window open): hidden with it."""
    hide_hours = hidden(STATUS_WINDOW_OPEN) or 0 < view.counts[STATUS_WINDOW_OPEN] < SMALL_CELL
    return {
        **{m: shown(_count(view, m), hidden(m)) for m in MEASURES},
        "window_missing_dpp_pk": None
        if hide_hours
        else plain_number(view.window_missing_dpp_pk, digits=1),
        "window_missing_any": None
        if hide_hours
        else plain_number(view.window_missing_any, digits=1),
    }


def _grid(scope: str, months: list[str]) -> dict[str, dict[str, CellView]]:
    """member → month → view, for every stored cell of the scope in the horizon (members with
    nobody in the horizon left out: their lines are all zero)."""
    grid: dict[str, dict[str, CellView]] = {}
    for key, attributes in dashboard_repo.cells(scope, months[0], months[-1]):
        month, member = dashboard_repo.cell_member(key)
        grid.setdefault(member, {})[month] = cell_view(attributes, month, months[0])
    return {
        member: cells
        for member, cells in grid.items()
        if any(view.specialists for view in cells.values())
    }


def _hidden(
    grid: dict[str, dict[str, CellView]],
    months: list[str],
    pinned: dict[str, dict[Position, bool]] | None = None,
) -> Hidden:
    """Per measure, the cells (and totals) suppression hides. Members in id order, so that the
    same table always gives the same pattern, whatever order its rows are shown in."""
    members = sorted(grid)
    return {
        measure: suppressed(
            members,
            months,
            {
                (member, month): _count(view, measure)
                for member in members
                for month, view in grid[member].items()
            },
            (pinned or {}).get(measure),
        )
        for measure in MEASURES
    }


def _rows(
    grid: dict[str, dict[str, CellView]],
    months: list[str],
    names: dict[str, str],
    hidden: Hidden,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    def hides(member: str, month: str) -> Callable[[str], bool]:
        return lambda measure: (member, month) in hidden[measure]

    rows = []
    per_month = {m: CellView() for m in months}
    for member in sorted(grid, key=lambda m: (names.get(m, m), m)):
        total = CellView()
        cells = {}
        for month in months:
            view = grid[member].get(month, CellView())
            total.merge(view)
            per_month[month].merge(view)
            cells[month] = cell_json(view, hides(member, month))
        rows.append(
            {
                "id": member,
                "name": names.get(member, member),
                "total": cell_json(total, hides(member, TOTAL)),
                "months": cells,
            }
        )
    grand = CellView()
    for view in per_month.values():
        grand.merge(view)
    totals = {
        "months": {m: cell_json(v, hides(TOTAL, m)) for m, v in per_month.items()},
        "total": cell_json(grand, hides(TOTAL, TOTAL)),
    }
    return rows, totals


def region_view(today: dt.date | None = None) -> dict[str, Any]:
    """The heat map: specialty × month of expiry."""
    today = today or today_msk()
    months = horizon(today)
    grid = _grid(dashboard_repo.REGION, months)
    names = {code: specialty_name(code) for code in grid}
    rows, totals = _rows(grid, months, names, _hidden(grid, months))
    return {"as_of": today.isoformat(), "months": months, "specialties": rows, "totals": totals}


def organizations_view(today: dt.date | None = None) -> dict[str, Any]:
    """A bar per organization: its employees (who share with it) by month of expiry."""
    today = today or today_msk()
    months = horizon(today)
    grid = _grid(dashboard_repo.BY_ORG, months)
    rows, totals = _rows(
        grid, months, dashboard_repo.organization_names(grid), _hidden(grid, months)
    )
    return {"as_of": today.isoformat(), "months": months, "organizations": rows, "totals": totals}


def organization_view(
    org_id: str, today: dt.date | None = None, *, beside_others: bool = True
) -> dict[str, Any]:
    """One organization drilled into: specialty × month, as the heat map. `beside_others`: the
    ministry's drill-down, suppressed in step with the organizations view; the employer's own
    summary is not (it would tell the employer where other organizations have few people, and
    the employer sees each of its sharing employees anyway)."""
    org_id = (org_id or "").strip()
    if not org_id.startswith("org-") or len(org_id) > 40:
        raise InvalidInput("Неверный идентификатор организации.", field="org_id")
    organization = people_repo.get_organization(org_id)
    if organization is None:
        raise NotFound("Организация не найдена.", field="org_id")
    today = today or today_msk()
    months = horizon(today)
    grid = _grid(dashboard_repo.org_scope(org_id), months)
    pinned: dict[str, dict[Position, bool]] | None = None
    if beside_others:
        # The drill-down's totals row is this organization's row of the organizations view: it
        # shows and hides exactly what that row does, or one of the two would undo the other.
        parent = _hidden(_grid(dashboard_repo.BY_ORG, months), months)
        pinned = {
            measure: {(TOTAL, month): (org_id, month) in cells for month in [*months, TOTAL]}
            for measure, cells in parent.items()
        }
    names = {code: specialty_name(code) for code in grid}
    rows, totals = _rows(grid, months, names, _hidden(grid, months, pinned))
    return {
        "as_of": today.isoformat(),
        "organization": {"id": org_id, "name": organization.name},
        "months": months,
        "specialties": rows,
        "totals": totals,
    }


# --- export --------------------------------------------------------------------------------------

_COLUMNS = [
    ("Месяц истечения", 16, "text"),
    ("Специалистов", 14, "text"),
    ("Выполнили требования", 14, "text"),
    ("Отстают от графика", 14, "text"),
    ("Окно портфолио открыто, не хватает часов", 20, "text"),
    ("Не хватает ДПП ПК, ч (окно открыто)", 16, "text"),
    ("Не хватает прочих, ч (окно открыто)", 16, "text"),
]


def _sheet(book: Any, title: str, first: str, rows: list[dict[str, Any]]) -> None:
    from .spreadsheet import add_table  # openpyxl only where a sheet is made

    def lines() -> Iterable[list[Any]]:
        for row in rows:
            for month, cell in row["months"].items():
                if cell["specialists"] == 0:
                    continue
                yield [
                    row["name"],
                    month,
                    *(
                        "<5" if cell[k] is None else cell[k]
                        for k in (
                            "specialists",
                            "met",
                            "behind",
                            "window_open",
                            "window_missing_dpp_pk",
                            "window_missing_any",
                        )
                    ),
                ]

    # Counts stay text: «<5» must not turn into a number or an empty cell.
    add_table(book, title, [(first, 40, "text"), *_COLUMNS], lines())


def export(
    view: str, org_id: str | None = None, today: dt.date | None = None
) -> tuple[bytes, str, str]:
    """XLSX of one view: `region`, `organizations` or `organization` (with org_id)."""
    from .spreadsheet import XLSX_TYPE, add_table, new_workbook, workbook_bytes

    today = today or today_msk()
    book = new_workbook()
    if view == "region":
        _sheet(book, "Специальности", "Специальность", region_view(today)["specialties"])
    elif view == "organizations":
        _sheet(book, "Организации", "Организация", organizations_view(today)["organizations"])
    elif view == "organization":
        data = organization_view(org_id or "", today)
        _sheet(book, "Специальности", "Специальность", data["specialties"])
    elif view == "events":
        from .events_dashboard import events_view

        data = events_view(today)
        columns = [
            ("Организатор или специальность", 40, "text"),
            ("Мероприятий", 12, "number"),
            ("Записей", 10, "number"),
            ("В листе ожидания", 12, "number"),
            ("Посещаемость (кодов на место-день)", 14, "number"),
            ("Кодов выдано", 12, "number"),
            ("Кодов введено", 12, "number"),
        ]
        for title, rows in (
            ("Организаторы", data["organizers"]),
            ("Специальности", data["specialties"]),
        ):
            add_table(
                book,
                title,
                columns,
                (
                    [
                        r["name"],
                        r["events"],
                        r["registrations"],
                        r["waiting"],
                        r["attendance_rate"],
                        r["codes_issued"],
                        r["codes_redeemed"],
                    ]
                    for r in rows
                ),
            )
    else:
        raise InvalidInput("view: region, organizations, organization или events.", field="view")
    add_table(
        book,
        "О выгрузке",
        [("Показатель", 40, "text"), ("Значение", 40, "text")],
        [
            ["Дата выгрузки", ru_date(today)],
            [
                "Статусы",
                f"на конец месяца, {ru_date(month_end(today))} (у тех, чей документ истекает "
                "в этом месяце, — на день истечения)",
            ],
            ["Горизонт", "24 месяца от текущего"],
            [
                "Защита данных",
                "«<5» — в ячейке меньше 5 человек или число скрыто, чтобы такую ячейку "
                "нельзя было вычислить из итогов строки или столбца",
            ],
        ],
    )
    return workbook_bytes(book), XLSX_TYPE, f"nmo-dashboard-{view}-{today.isoformat()}.xlsx"
