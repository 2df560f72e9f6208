"""`nmo db restore-drill`: DynamoDB's own backups and PITR restored into new tables on moto,
compared by item count and checksum, cleaned up, and never a write into a live table."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from chalicelib.db import audit_repo
from chalicelib.db.connection import ensure_bound, table_name
from chalicelib.db.models import ALL_MODELS, AttemptCounter
from nmo_cli.catalog_writer import element_from_dict, store_elements
from nmo_cli.cli import main
from nmo_cli.demo_data import generate_elements
from nmo_cli.restore_drill import (
    DrillError,
    RestoreDrill,
    fingerprint,
    fingerprint_items,
)

from tests.people import make_person

LOGICAL = [m.table for m in ALL_MODELS]
LIVE_PREFIX = "nmo-test-"
WRITES = {
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "DeleteTable",
    "UpdateTable",
    "UpdateTimeToLive",
    "CreateTable",
}


@pytest.fixture
def populated(dynamodb):
    now = dt.datetime.now(dt.UTC)
    data = generate_elements(30, today=dt.date(2026, 11, 22))
    store_elements([element_from_dict(d, now) for d in data], update_existing=False)
    make_person("2000000001", roles=["specialist"], specialties=[("76", "2022-01-10")])
    audit_repo.append("person#2000000001", "admin-cli", "role.grant.organizer", None, {"x": 1})
    AttemptCounter(key="code#2000000001#w", attempts=3, expires_at=dt.timedelta(minutes=5)).save()


@pytest.fixture
def live_writes():
    """Every DynamoDB call that could change a live table, as (operation, table)."""
    seen: list[tuple[str, str]] = []
    live = {table_name(m) for m in ALL_MODELS}

    def record(params: Any = None, **kwargs: Any) -> None:
        operation = kwargs["event_name"].rsplit(".", 1)[-1]
        if operation not in WRITES or not isinstance(params, dict):
            return
        names = set(params.get("RequestItems", {})) | {params.get("TableName", "")}
        for entry in params.get("TransactItems", []):
            names |= {part.get("TableName", "") for part in entry.values()}
        seen.extend((operation, name) for name in names & live)

    client = ensure_bound().client
    client.meta.events.register("before-call.dynamodb.*", record)
    yield seen
    client.meta.events.unregister("before-call.dynamodb.*", record)


def _live_fingerprints() -> dict[str, Any]:
    client = ensure_bound().client
    return {m.table: fingerprint(client, table_name(m)) for m in ALL_MODELS}


def _all_tables() -> set[str]:
    return set(ensure_bound().client.list_tables()["TableNames"])


def _drill(**kwargs: Any) -> RestoreDrill:
    defaults: dict[str, Any] = {
        "live_prefix": LIVE_PREFIX,
        "logical_tables": LOGICAL,
        "drill_prefix": "nmo-drill-t-",
        "sleep": lambda seconds: None,
    }
    return RestoreDrill(ensure_bound().client, **{**defaults, **kwargs})


# ---- the checksum --------------------------------------------------------------------------


def test_the_checksum_ignores_item_and_set_order_but_not_content():
    items = [
        {"k": {"S": "a"}, "tags": {"SS": ["x", "y"]}, "n": {"N": "1"}},
        {"k": {"S": "b"}, "blob": {"B": b"\x00\x01"}},
        {"k": {"S": "c"}, "m": {"M": {"z": {"BOOL": True}, "a": {"NULL": True}}}},
    ]
    base = fingerprint_items(items)
    for order in itertools.permutations(items):
        assert fingerprint_items(order) == base
    reordered_set = [{**items[0], "tags": {"SS": ["y", "x"]}}, *items[1:]]
    assert fingerprint_items(reordered_set) == base
    changed = [{**items[0], "n": {"N": "2"}}, *items[1:]]
    assert fingerprint_items(changed).checksum != base.checksum
    assert fingerprint_items(items[:2]).items == 2
    assert fingerprint_items(items[:2]).checksum != base.checksum


# ---- the command ---------------------------------------------------------------------------


def test_the_drill_restores_every_table_into_new_ones_matches_and_cleans_up(
    populated, live_writes, capsys
):
    before_tables, before = _all_tables(), _live_fingerprints()
    assert before["catalog"].items == 30 and before["audit"].items >= 1
    code = main(["db", "restore-drill", "--stage", "local", "--yes", "--drill-prefix", "nmo-d1-"])
    out = capsys.readouterr().out
    assert code == 0, out
    for logical in LOGICAL:
        (row,) = [line for line in out.splitlines() if line.startswith(logical + " ")]
        assert row.rstrip().endswith("совпадает"), row
    assert f"{before['catalog'].items:>14}" in next(
        line for line in out.splitlines() if line.startswith("catalog ")
    )
    assert f"Совпало таблиц: {len(LOGICAL)} из {len(LOGICAL)}" in out
    assert "ИТОГ: восстановление проверено" in out
    # Drill tables and the drill's own backups are gone; the live tables are as they were.
    assert _all_tables() == before_tables
    assert ensure_bound().client.list_backups()["BackupSummaries"] == []
    assert _live_fingerprints() == before
    assert live_writes == []


def test_keep_leaves_the_drill_tables_with_the_same_items(populated):
    drill = _drill(drill_prefix="nmo-kept-")
    report = drill.run(keep=True)
    assert report.ok and report.kept
    client = ensure_bound().client
    for m in ALL_MODELS:
        assert fingerprint(client, "nmo-kept-" + m.table) == fingerprint(client, table_name(m))
    assert "оставлены" in report.render()


def test_without_yes_the_drill_only_checks_and_creates_nothing(populated, capsys):
    before = _all_tables()
    assert main(["db", "restore-drill", "--stage", "local"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert _all_tables() == before
    assert ensure_bound().client.list_backups()["BackupSummaries"] == []


def test_a_stage_other_than_the_configured_one_is_refused(populated, capsys):
    before = _all_tables()
    assert main(["db", "restore-drill", "--stage", "pilot", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "«pilot»" in err and "«local»" in err
    assert _all_tables() == before


@pytest.mark.parametrize(
    ("prefix", "message"),
    [(LIVE_PREFIX, "отличаться"), (LIVE_PREFIX + "drill-", "начинается с рабочего")],
)
def test_a_drill_prefix_that_could_be_live_is_refused(populated, prefix, message):
    with pytest.raises(DrillError, match=message):
        _drill(drill_prefix=prefix).run()


def test_an_existing_drill_table_is_never_overwritten(populated):
    client = ensure_bound().client
    client.create_table(
        TableName="nmo-drill-t-audit",
        KeySchema=[{"AttributeName": "x", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "x", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="nmo-drill-t-audit", Item={"x": {"S": "mine"}})
    before = _all_tables()
    with pytest.raises(DrillError, match="уже есть"):
        _drill().run()
    assert _all_tables() == before
    assert client.scan(TableName="nmo-drill-t-audit")["Items"] == [{"x": {"S": "mine"}}]


# ---- a faulty restore or a moving source is caught -----------------------------------------


def test_a_restored_copy_that_lost_an_item_is_reported_and_exits_non_zero(populated):
    client = ensure_bound().client

    def lose_one(message: str) -> None:
        if message == "сверка catalog":  # the restore "dropped" an item of the catalog
            first = client.scan(TableName="nmo-drill-t-catalog", Limit=1)["Items"][0]
            client.delete_item(
                TableName="nmo-drill-t-catalog", Key={"element_id": first["element_id"]}
            )

    report = _drill(progress=lose_one).run()
    assert not report.ok
    (catalog,) = [t for t in report.tables if t.logical == "catalog"]
    assert catalog.expected and catalog.restored
    assert catalog.restored.items == catalog.expected.items - 1
    assert all(t.matches for t in report.tables if t.logical != "catalog")
    text = report.render()
    assert "РАСХОДИТСЯ" in text and "НЕ ПОДТВЕРЖДЕНО" in text
    assert "nmo-drill-t-catalog" not in _all_tables()


class _WritesDuringBackups:
    """The moto client, with another writer adding an audit entry while some backups are taken
    (a live portal does not stop for the drill)."""

    def __init__(self, client: Any, busy_backups: int) -> None:
        self._client = client
        self._busy = busy_backups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_backup(self, **kwargs: Any) -> Any:
        answer = self._client.create_backup(**kwargs)
        if kwargs["TableName"] == LIVE_PREFIX + "audit" and self._busy > 0:
            self._busy -= 1
            audit_repo.append("person#2000000001", "other", "role.grant.x", None, {"n": self._busy})
        return answer


def test_a_table_written_during_one_backup_is_backed_up_again_and_compared_exactly(populated):
    client = _WritesDuringBackups(ensure_bound().client, busy_backups=1)
    drill = RestoreDrill(
        client,
        live_prefix=LIVE_PREFIX,
        logical_tables=LOGICAL,
        drill_prefix="nmo-drill-t-",
        sleep=lambda s: None,
    )
    report = drill.run()
    assert report.ok
    (audit,) = [t for t in report.tables if t.logical == "audit"]
    assert audit.restored == fingerprint(ensure_bound().client, LIVE_PREFIX + "audit")
    assert ensure_bound().client.list_backups()["BackupSummaries"] == []


def test_a_table_that_never_holds_still_is_not_comparable(populated):
    client = _WritesDuringBackups(ensure_bound().client, busy_backups=10)
    drill = RestoreDrill(
        client,
        live_prefix=LIVE_PREFIX,
        logical_tables=LOGICAL,
        drill_prefix="nmo-drill-t-",
        sleep=lambda s: None,
    )
    report = drill.run()
    assert not report.ok
    (audit,) = [t for t in report.tables if t.logical == "audit"]
    assert audit.restored is None and "менялась" in audit.note
    assert "менялась" in report.render()


# ---- PITR ----------------------------------------------------------------------------------


def _enable_pitr() -> None:
    client = ensure_bound().client
    for m in ALL_MODELS:
        client.update_continuous_backups(
            TableName=table_name(m),
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


def test_a_pitr_drill_restores_and_compares_with_the_tables_now(populated, live_writes, capsys):
    _enable_pitr()
    code = main(["db", "restore-drill", "--stage", "local", "--yes", "--source", "pitr"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PITR" in out and f"Совпало таблиц: {len(LOGICAL)}" in out
    assert live_writes == []
    assert not any(name.startswith("nmo-drill-") for name in _all_tables())


def test_a_pitr_drill_shows_what_changed_since_the_restore_point(populated):
    _enable_pitr()

    def write_meanwhile(message: str) -> None:
        if message == "сверка audit":
            audit_repo.append("person#2000000001", "other", "role.grant.y", None, {})

    report = _drill(source="pitr", progress=write_meanwhile).run()
    (audit,) = [t for t in report.tables if t.logical == "audit"]
    assert audit.expected and audit.restored
    assert audit.expected.items == audit.restored.items + 1 and not report.ok


def test_a_pitr_drill_needs_pitr_and_at_needs_pitr(populated):
    with pytest.raises(DrillError, match="PITR"):
        _drill(source="pitr").run()
    with pytest.raises(DrillError, match="--at"):
        _drill(at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    assert not any(name.startswith("nmo-drill-") for name in _all_tables())


# ---- waiting, with an injected clock -------------------------------------------------------


class _SlowRestores:
    """Restored tables report CREATING for the first `polls` descriptions, as on AWS."""

    def __init__(self, client: Any, polls: int) -> None:
        self._client = client
        self._left: dict[str, int] = {}
        self._polls = polls

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def restore_table_from_backup(self, **kwargs: Any) -> Any:
        self._left[kwargs["TargetTableName"]] = self._polls
        return self._client.restore_table_from_backup(**kwargs)

    def describe_table(self, **kwargs: Any) -> Any:
        answer = self._client.describe_table(**kwargs)
        left = self._left.get(kwargs["TableName"], 0)
        if left:
            self._left[kwargs["TableName"]] = left - 1
            answer["Table"]["TableStatus"] = "CREATING"
        return answer


def _fake_time() -> tuple[Any, Any]:
    now = [0.0]
    return (lambda: now[0]), (lambda seconds: now.__setitem__(0, now[0] + seconds))


def test_the_drill_waits_for_restores_and_reports_how_long_they_took(populated):
    clock, sleep = _fake_time()
    drill = RestoreDrill(
        _SlowRestores(ensure_bound().client, polls=3),
        live_prefix=LIVE_PREFIX,
        logical_tables=LOGICAL,
        drill_prefix="nmo-drill-t-",
        poll_seconds=20,
        clock=clock,
        sleep=sleep,
    )
    report = drill.run()
    assert report.ok and report.restore_seconds == 60
    assert "60 с" in report.render()


def test_a_restore_that_does_not_finish_in_time_stops_the_drill_and_cleans_up(populated):
    clock, sleep = _fake_time()
    drill = RestoreDrill(
        _SlowRestores(ensure_bound().client, polls=1000),
        live_prefix=LIVE_PREFIX,
        logical_tables=LOGICAL,
        drill_prefix="nmo-drill-t-",
        poll_seconds=60,
        timeout_seconds=300,
        clock=clock,
        sleep=sleep,
    )
    with pytest.raises(DrillError, match="не закончилось"):
        drill.run()
    assert not any(name.startswith("nmo-drill-") for name in _all_tables())
    assert ensure_bound().client.list_backups()["BackupSummaries"] == []
