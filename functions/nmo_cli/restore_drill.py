"""`nmo db restore-drill`: restore the stage's tables into NEW tables and prove the copies whole.

Uses DynamoDB's own restore calls, which only ever create a table (they fail if the target
exists), so a drill cannot write into a live table:

- `backup` (default): the drill takes an on-demand backup of each table (`CreateBackup`) and
  restores it (`RestoreTableFromBackup`). The source is fingerprinted just before and just after
  the backup; when both agree the table did not change meanwhile, so the restored copy must
  equal that fingerprint exactly. A table that keeps changing is fingerprinted again (a few
  times) and, if it never holds still, reported as not comparable.
- `pitr`: point-in-time recovery (`RestoreTableToPointInTime`, the latest restorable moment or
  `--at`). The restored copy is compared with the table as it is now: anything written since the
  restore point shows as a difference, which is what the operator wants to see.

The recovery points of the AWS Backup plan (infra/backup.yaml) restore through AWS Backup's
`StartRestoreJob`, which moto does not implement; the drill therefore exercises DynamoDB's own
backups and PITR, which it does, and which protect the same tables.

A fingerprint is the item count and an order-independent checksum: the sum, modulo 2^256, of the
SHA-256 of each item's canonical DynamoDB JSON (set members sorted). Items are unique by key, so
the sum changes when any item is missing, extra or different. The drill tables (and backups it
made) are deleted at the end unless the operator keeps them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SOURCES = ("backup", "pitr")
_MODULUS = 1 << 256
_BACKUP_ATTEMPTS = 3  # a source table that changes during every bracket is not comparable


class DrillError(Exception):
    """A reason not to start (or to stop), worded for the operator in Russian."""


@dataclass(frozen=True)
class Fingerprint:
    items: int
    checksum: str

    @property
    def short(self) -> str:
        return self.checksum[:16]


def _canonical(value: Any) -> Any:
    """DynamoDB JSON with a fixed form: set members sorted, binary as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key in ("SS", "NS", "BS"):
                out[key] = sorted(_canonical(v) for v in inner)
            else:
                out[key] = _canonical(inner)
        return out
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def item_digest(item: dict[str, Any]) -> int:
    text = json.dumps(_canonical(item), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


def fingerprint_items(items: Iterable[dict[str, Any]]) -> Fingerprint:
    count, total = 0, 0
    for item in items:
        count += 1
        total = (total + item_digest(item)) % _MODULUS
    return Fingerprint(count, f"{total:064x}")


def scan_items(client: Any, table: str) -> Iterable[dict[str, Any]]:
    """Every item of a table, strongly consistent, page by page."""
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def fingerprint(client: Any, table: str) -> Fingerprint:
    return fingerprint_items(scan_items(client, table))


@dataclass
class TableResult:
    logical: str  # the model's table name without the prefix
    source: str
    drill: str
    expected: Fingerprint | None = None  # the source at the restore point (or now, for pitr)
    restored: Fingerprint | None = None
    note: str = ""  # why there is nothing to compare, in Russian

    @property
    def matches(self) -> bool:
        return self.expected is not None and self.expected == self.restored


@dataclass
class DrillReport:
    source: str
    drill_prefix: str
    tables: list[TableResult] = field(default_factory=list)
    restore_seconds: float = 0.0
    kept: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.tables) and all(t.matches for t in self.tables)

    def render(self) -> str:
        """The Russian report the operator files after the drill."""
        what = {
            "backup": "резервная копия DynamoDB, снятая учениями (сверка с таблицей на момент копии)",
            "pitr": "восстановление на момент времени (PITR); сверка с текущим состоянием таблиц",
        }[self.source]
        lines = [
            f"Учения по восстановлению: {what}",
            f"Таблицы учений: {self.drill_prefix}*",
            "",
            f"{'таблица':<18} {'записей в источнике':>20} {'восстановлено':>14}  "
            f"{'контрольная сумма':<35} итог",
        ]
        for t in self.tables:
            expected = t.expected.items if t.expected else "—"
            restored = t.restored.items if t.restored else "—"
            if t.expected and t.restored:
                sums = t.expected.short if t.matches else f"{t.expected.short} ≠ {t.restored.short}"
            else:
                sums = "—"
            verdict = "совпадает" if t.matches else (t.note or "РАСХОДИТСЯ")
            lines.append(f"{t.logical:<18} {expected!s:>20} {restored!s:>14}  {sums:<35} {verdict}")
        matched = sum(t.matches for t in self.tables)
        lines += [
            "",
            f"Время восстановления (от запроса до готовности всех таблиц): "
            f"{self.restore_seconds:.0f} с",
            f"Совпало таблиц: {matched} из {len(self.tables)}",
            "Таблицы учений оставлены (удалите их сами)."
            if self.kept
            else "Таблицы учений и снятые ими резервные копии удалены.",
            "ИТОГ: восстановление проверено, данные совпадают."
            if self.ok
            else "ИТОГ: ВОССТАНОВЛЕНИЕ НЕ ПОДТВЕРЖДЕНО — см. таблицы выше.",
        ]
        return "\n".join(lines)


def default_drill_prefix(now: dt.datetime) -> str:
    """Outside every live prefix (`nmo-<stage>-`): neither the API's policy, which names its
    tables exactly, nor the backup plan's `<prefix>*` selection ever covers a drill table."""
    return f"nmo-drill-{now.astimezone(dt.UTC):%Y%m%d%H%M%S}-"


class RestoreDrill:
    """One drill. `clock`/`sleep` are injectable so tests never wait on real time."""

    def __init__(
        self,
        client: Any,
        *,
        live_prefix: str,
        logical_tables: list[str],
        drill_prefix: str,
        source: str = "backup",
        at: dt.datetime | None = None,
        timeout_seconds: float = 4 * 3600,
        poll_seconds: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[str], None] = lambda message: None,
    ) -> None:
        if source not in SOURCES:
            raise DrillError(f"Неизвестный источник {source!r}: допустимо {', '.join(SOURCES)}.")
        if at is not None and source != "pitr":
            raise DrillError("Момент восстановления (--at) задаётся только с --source pitr.")
        self.client = client
        self.live_prefix = live_prefix
        self.logical_tables = logical_tables
        self.drill_prefix = drill_prefix
        self.source = source
        self.at = at
        self.timeout_seconds = timeout_seconds
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.sleep = sleep
        self.progress = progress
        self.created_tables: list[str] = []
        self.created_backups: list[str] = []
        self.leftovers: list[str] = []  # drill tables that could not be deleted (still restoring)

    # ---- safety ----------------------------------------------------------------------------

    def _live_names(self) -> set[str]:
        return {self.live_prefix + t for t in self.logical_tables}

    def check(self) -> list[TableResult]:
        """Refuse before anything is created: a drill name that is (or could be) a live table,
        a target that already exists, a missing source, PITR off for a PITR drill."""
        if not self.drill_prefix or self.drill_prefix == self.live_prefix:
            raise DrillError("Префикс таблиц учений должен отличаться от префикса рабочих таблиц.")
        if self.drill_prefix.startswith(self.live_prefix):
            raise DrillError(
                f"Префикс учений {self.drill_prefix!r} начинается с рабочего {self.live_prefix!r}: "
                "такие таблицы попали бы под права и план резервного копирования стадии."
            )
        live = self._live_names()
        results = []
        for logical in self.logical_tables:
            source, drill = self.live_prefix + logical, self.drill_prefix + logical
            if drill in live:
                raise DrillError(f"Таблица учений {drill} совпадает с рабочей таблицей.")
            if self._exists(drill):
                raise DrillError(
                    f"Таблица {drill} уже есть: учения не перезаписывают таблицы. "
                    "Удалите её или задайте другой --drill-prefix."
                )
            if not self._exists(source):
                raise DrillError(f"Нет исходной таблицы {source} (проверьте NMO_TABLE_PREFIX).")
            if self.source == "pitr":
                self._require_pitr(source)
            results.append(TableResult(logical=logical, source=source, drill=drill))
        return results

    def _exists(self, table: str) -> bool:
        try:
            self.client.describe_table(TableName=table)
        except self.client.exceptions.ResourceNotFoundException:
            return False
        return True

    def _require_pitr(self, table: str) -> None:
        answer = self.client.describe_continuous_backups(TableName=table)
        pitr = answer["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
        if pitr.get("PointInTimeRecoveryStatus") != "ENABLED":
            raise DrillError(
                f"У таблицы {table} не включено восстановление на момент времени (PITR): "
                "используйте --source backup или включите PITR (стек tables включает его сам)."
            )

    # ---- the drill -------------------------------------------------------------------------

    def run(self, *, keep: bool = False) -> DrillReport:
        results = self.check()
        report = DrillReport(source=self.source, drill_prefix=self.drill_prefix, kept=keep)
        report.tables = results
        try:
            started = self.clock()
            for result in results:
                self._start_restore(result)
            self._wait_active([r.drill for r in results if r.drill in self.created_tables])
            report.restore_seconds = self.clock() - started
            for result in results:
                if result.drill not in self.created_tables:
                    continue
                self.progress(f"сверка {result.logical}")
                result.restored = fingerprint(self.client, result.drill)
                if self.source == "pitr":
                    result.expected = fingerprint(self.client, result.source)
        finally:
            if not keep:
                self.clean_up()
        return report

    def _start_restore(self, result: TableResult) -> None:
        self.progress(f"восстановление {result.source} → {result.drill}")
        if self.source == "pitr":
            request: dict[str, Any] = {
                "SourceTableName": result.source,
                "TargetTableName": result.drill,
                "BillingModeOverride": "PAY_PER_REQUEST",
            }
            if self.at is None:
                request["UseLatestRestorableTime"] = True
            else:
                request["RestoreDateTime"] = self.at
            self.client.restore_table_to_point_in_time(**request)
            self.created_tables.append(result.drill)
            return
        backup = self._bracketed_backup(result)
        if backup is None:
            return
        self.client.restore_table_from_backup(
            TargetTableName=result.drill,
            BackupArn=backup,
            BillingModeOverride="PAY_PER_REQUEST",
        )
        self.created_tables.append(result.drill)

    def _bracketed_backup(self, result: TableResult) -> str | None:
        """A backup taken while the source held still; its fingerprint becomes `expected`."""
        for attempt in range(1, _BACKUP_ATTEMPTS + 1):
            before = fingerprint(self.client, result.source)
            name = f"{self.drill_prefix}{result.logical}-{attempt}"[:255]
            details = self.client.create_backup(TableName=result.source, BackupName=name)
            arn = str(details["BackupDetails"]["BackupArn"])
            self.created_backups.append(arn)
            self._wait_backup(arn)
            after = fingerprint(self.client, result.source)
            if before == after:
                result.expected = before
                return arn
            self.progress(f"{result.source} изменилась во время копии, повтор")
        result.note = "таблица менялась во время каждой копии — не с чем сравнить"
        return None

    def _deadline_passed(self, started: float) -> bool:
        return self.clock() - started > self.timeout_seconds

    def _wait_backup(self, arn: str) -> None:
        started = self.clock()
        while True:
            described = self.client.describe_backup(BackupArn=arn)["BackupDescription"]
            status = described["BackupDetails"]["BackupStatus"]
            if status == "AVAILABLE":
                return
            if status != "CREATING":
                raise DrillError(f"Резервная копия {arn}: состояние {status}.")
            if self._deadline_passed(started):
                raise DrillError(f"Резервная копия {arn} не готова за отведённое время.")
            self.sleep(self.poll_seconds)

    def _wait_active(self, tables: list[str]) -> None:
        started = self.clock()
        waiting = list(tables)
        while waiting:
            still = []
            for table in waiting:
                status = self.client.describe_table(TableName=table)["Table"]["TableStatus"]
                if status != "ACTIVE":
                    still.append(table)
            waiting = still
            if not waiting:
                return
            if self._deadline_passed(started):
                raise DrillError(
                    "Восстановление не закончилось за отведённое время: " + ", ".join(waiting)
                )
            self.progress(f"ожидание таблиц: {len(waiting)}")
            self.sleep(self.poll_seconds)

    def clean_up(self) -> None:
        """Delete only what this drill created, never a live name."""
        live = self._live_names()
        for table in self.created_tables:
            if table in live or not table.startswith(self.drill_prefix):
                raise DrillError(f"Отказ удалять {table}: это не таблица учений.")
            try:
                self.client.delete_table(TableName=table)
            except self.client.exceptions.ResourceNotFoundException:
                pass
            except self.client.exceptions.ResourceInUseException:
                self.leftovers.append(table)  # a restore still running cannot be deleted yet
        for arn in self.created_backups:
            try:
                self.client.delete_backup(BackupArn=arn)
            except self.client.exceptions.BackupNotFoundException:
                pass
        self.created_tables, self.created_backups = [], []
