"""The ministry's answers and their XLSX carry the same secondary suppression: a count that
would give a «<5» away by subtraction from a published total is «<5» too, and the drill-down
into an organization hides its totals row exactly as the organizations view hides that row."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from chalicelib.db import dashboard_repo
from chalicelib.db.connection import ensure_bound
from chalicelib.db.models import DashboardCounter, Organization
from chalicelib.domain.dashboard import horizon
from chalicelib.domain.dates import today_msk
from openpyxl import load_workbook

from tests.people import login_headers, make_person

ORG_A, ORG_B = "org-7707083893", "org-7728168971"


def _cell(scope: str, month: str, member: str, met: int) -> None:
    """A counter cell as the write path leaves it: `met` people (names are data, read raw)."""
    ensure_bound().client.put_item(
        TableName=DashboardCounter.Meta.table_name,
        Item={
            "scope": {"S": scope},
            "cell": {"S": dashboard_repo.cell_key(month, member)},
            "met": {"N": str(met)},
        },
    )


def _table(scope: str, rows: dict[str, list[int]]) -> list[str]:
    months = horizon(today_msk())
    for member, counts in rows.items():
        for month, n in zip(months, counts, strict=False):
            if n:
                _cell(scope, month, member, n)
    return months


def _analyst(client: Any) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    Organization(org_id=ORG_A, name="Городская больница № 1", created_at=now).save()
    Organization(org_id=ORG_B, name="Областная больница", created_at=now).save()
    return login_headers(make_person("3000000050", roles=["specialist", "analyst"]))


def test_a_lone_small_cell_hides_its_partners_in_the_answer_and_in_the_xlsx(client: Any) -> None:
    headers = _analyst(client)
    months = _table(dashboard_repo.REGION, {"76": [3, 7, 20], "49": [9, 8, 30]})
    body = json.loads(client.http.get("/api/stats/region", headers=headers).body)
    rows = {row["id"]: row for row in body["specialties"]}
    shown = {code: [rows[code]["months"][m]["specialists"] for m in months[:3]] for code in rows}
    # 3 alone would be «total − 7 − 20»: 7 hides with it, 9 below it, and 8 to close both.
    assert shown == {"76": ["<5", "<5", 20], "49": ["<5", "<5", 30]}
    assert rows["76"]["total"]["specialists"] == 30
    assert body["totals"]["months"][months[0]]["specialists"] == 12
    assert rows["76"]["months"][months[1]]["met"] == "<5"

    export = client.http.get("/api/stats/export?view=region", headers={**headers, "Accept": "*/*"})
    sheet = load_workbook(io.BytesIO(export.body))["Специальности"]
    lines = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
    names = {rows[code]["name"]: code for code in rows}
    assert {
        (names[name], month): value for (name, month), value in lines.items() if name in names
    } == {
        ("76", months[0]): "<5",
        ("76", months[1]): "<5",
        ("76", months[2]): "20",
        ("49", months[0]): "<5",
        ("49", months[1]): "<5",
        ("49", months[2]): "30",
    }


def test_a_small_organization_total_hides_the_next_one_so_the_region_total_gives_nothing(
    client: Any,
) -> None:
    headers = _analyst(client)
    _table(dashboard_repo.BY_ORG, {ORG_A: [2, 0, 0], ORG_B: [0, 30, 40]})
    body = json.loads(client.http.get("/api/stats/organizations", headers=headers).body)
    totals = {row["id"]: row["total"]["specialists"] for row in body["organizations"]}
    # ORG_A's 2 is small; grand total − ORG_B's 70 would give it, so 70 is hidden as well.
    assert totals == {ORG_A: "<5", ORG_B: "<5"}
    assert body["totals"]["total"]["specialists"] == 72


def test_the_drill_down_hides_its_totals_row_as_the_organizations_view_hides_that_row(
    client: Any,
) -> None:
    headers = _analyst(client)
    # The organizations view: ORG_A's months 0 and 1 (6 and 12) — 6 is not small, but ORG_B's
    # 3 in month 0 makes the column hide ORG_A's 6, and ORG_A's row then hides its 12.
    months = _table(dashboard_repo.BY_ORG, {ORG_A: [6, 12, 40], ORG_B: [3, 20, 50]})
    _table(dashboard_repo.org_scope(ORG_A), {"76": [6, 5, 20], "49": [0, 7, 20]})
    orgs = json.loads(client.http.get("/api/stats/organizations", headers=headers).body)
    row_a = next(r for r in orgs["organizations"] if r["id"] == ORG_A)
    parent = [row_a["months"][m]["specialists"] for m in months[:3]]
    detail = json.loads(client.http.get(f"/api/stats/organizations/{ORG_A}", headers=headers).body)
    totals_row = [detail["totals"]["months"][m]["specialists"] for m in months[:3]]
    assert parent[0] == "<5" and totals_row == parent
    assert detail["totals"]["total"]["specialists"] == row_a["total"]["specialists"]
    # And the drill-down's own cells cannot be had from that row: 6 alone in month 0 is hidden.
    cells = {r["id"]: r["months"][months[0]]["specialists"] for r in detail["specialties"]}
    assert cells["76"] == "<5"


def test_the_employers_own_summary_does_not_hide_by_other_organizations_numbers(
    client: Any,
) -> None:
    headers = _analyst(client)
    months = _table(dashboard_repo.BY_ORG, {ORG_A: [6, 12, 40], ORG_B: [3, 20, 50]})
    _table(dashboard_repo.org_scope(ORG_A), {"76": [6, 5, 20], "49": [0, 7, 20]})
    employer = make_person("3000000051", roles=["specialist", "employer"], organization_id=ORG_A)
    mine = json.loads(
        client.http.get("/api/stats/employer/summary", headers=login_headers(employer)).body
    )
    ministry = json.loads(
        client.http.get(f"/api/stats/organizations/{ORG_A}", headers=headers).body
    )
    # ORG_B's 3 hides ORG_A's month in the ministry's tables; the employer's own summary says
    # nothing of ORG_B, so its 6 stays.
    assert ministry["totals"]["months"][months[0]]["specialists"] == "<5"
    assert mine["totals"]["months"][months[0]]["specialists"] == 6
