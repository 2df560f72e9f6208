"""The one way to write several items atomically and learn which condition failed.

`Transaction` wraps PynamoDB's TransactWrite: every item added gets a name (default: its table),
and after a cancellation `failed` holds the names whose condition failed, read from DynamoDB's
cancellation reasons by position. PynamoDB sends condition checks, deletes, puts and updates in
that order whatever order they were added in (its `transact_write_items` call), so the names are
kept in four lists the same way — without reading PynamoDB's private item lists.

    with Transaction() as tx:           # or: tx = Transaction(); ...; tx.commit()
        tx.put(record, condition=..., name="record")
        tx.update(summary, actions=[...], condition=..., name="summary")
    # on cancellation: raises Cancelled with .failed == {"summary"} (only conditions of ours),
    # or the original TransactWriteError for anything else (a TransactionConflict, a throttle).
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from .connection import connection, ensure_bound

CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"

# Actions per transaction: YDB's Document API (Yandex Cloud, the second deployment target)
# allows 25, DynamoDB 100; the code keeps to the smaller cap everywhere. Writes that can grow past
# it (a rebuild of a person's totals, the listings of an element with many specialties) are split
# by their repositories, which say how each part stays safe.
MAX_ACTIONS = 25


class TooManyActions(ValueError):
    """A programming error: the caller must split its write (see MAX_ACTIONS)."""


class Cancelled(Exception):
    """Some of the transaction's own conditions failed; nothing was written."""

    def __init__(self, failed: set[str], cause: TransactWriteError):
        super().__init__(f"conditions failed: {sorted(failed)}")
        self.failed = failed
        self.cause = cause


def _table(model: Any) -> str:
    return str(type(model).Meta.table_name)


class Transaction:
    def __init__(self) -> None:
        ensure_bound()
        self._tx = TransactWrite(connection=connection())
        self._checks: list[str] = []
        self._deletes: list[str] = []
        self._puts: list[str] = []
        self._updates: list[str] = []
        self.size = 0

    @property
    def room(self) -> int:
        """How many more items this transaction can take."""
        return MAX_ACTIONS - self.size

    def _count(self) -> None:
        if self.size >= MAX_ACTIONS:
            raise TooManyActions(f"a transaction holds at most {MAX_ACTIONS} actions")
        self.size += 1

    # --- items -----------------------------------------------------------------------------

    def check(
        self,
        model_cls: Any,
        hash_key: Any,
        range_key: Any = None,
        *,
        condition: Any,
        name: str | None = None,
    ) -> None:
        self._count()
        self._tx.condition_check(model_cls, hash_key, range_key, condition=condition)
        self._checks.append(name or str(model_cls.Meta.table_name))

    def delete(self, model: Any, *, condition: Any = None, name: str | None = None) -> None:
        self._count()
        self._tx.delete(model, condition=condition)
        self._deletes.append(name or _table(model))

    def put(self, model: Any, *, condition: Any = None, name: str | None = None) -> None:
        self._count()
        self._tx.save(model, condition=condition)
        self._puts.append(name or _table(model))

    def update(
        self, model: Any, actions: list[Any], *, condition: Any = None, name: str | None = None
    ) -> None:
        self._count()
        self._tx.update(model, actions=actions, condition=condition)
        self._updates.append(name or _table(model))

    # --- sending ---------------------------------------------------------------------------

    def commit(self) -> None:
        try:
            with self._tx:
                pass
        except TransactWriteError as err:
            raise self._classified(err) from err

    def committed(self) -> bool:
        """Commit; False when one of the transaction's own conditions failed (nothing was
        written). Anything else (a conflict, a throttle) still raises."""
        try:
            self.commit()
        except Cancelled:
            return False
        return True

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.commit()

    def _classified(self, err: TransactWriteError) -> Exception:
        names = [*self._checks, *self._deletes, *self._puts, *self._updates]
        reasons = err.cancellation_reasons or []
        failed = {
            name
            for name, reason in zip(names, reasons, strict=False)
            if reason is not None and reason.code == CONDITION_FAILED
        }
        others = {r.code for r in reasons if r is not None} - {CONDITION_FAILED, "None"}
        if failed and not others:
            return Cancelled(failed, err)
        return err


def conflicted(err: BaseException) -> bool:
    """Whether DynamoDB cancelled a transaction only because another one touched its items."""
    if not isinstance(err, TransactWriteError):
        return False
    codes = {r.code for r in err.cancellation_reasons or [] if r is not None}
    return CONFLICT in codes
