"""Key-ordered partitions for the embedded DynamoDB, so that a Query costs what it returns.

moto answers every Query by listing and sorting the whole table (`Table.all_items`) and then
keeping the items of the asked partition: in a registration rush each index Query grew with the
registrations table, and a person's credits page with every record in the store. Here each table
keeps, per partition of the table and of each index, its items' keys in the order moto sorts
them, updated on every write (built on a table's first Query). A Query then hands moto's own
`Table.query` only the items its key condition, ExclusiveStartKey and Limit select, so filters,
projections, the 1 MB page, COUNT and LastEvaluatedKey are still moto's code and give the same
answers (`tests/integration/test_embedded_query_index.py` compares them with stock moto).

Written against moto 5.2.5 (`MOTO_VERSION`); on any other version `install()` leaves moto as it
is. Anything this does not handle (multi-attribute keys, legacy QueryFilter, an unknown index)
falls back to moto's own Query. Like the other speedups it relies on the embedded store running
one request at a time.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import logging
from collections.abc import Iterator
from typing import Any

log = logging.getLogger("nmo.dynamodb")

MOTO_VERSION = "5.2.5"
_STATE = "_nmo_partitions"  # attribute of a moto Table: {index name or None: _Partitions}


class _Top:
    """Sorts after every value: `(v, TOP)` is just past every key whose first part is v."""

    def __lt__(self, other: Any) -> bool:
        return False

    def __gt__(self, other: Any) -> bool:
        return other is not self


TOP = _Top()


class _Partitions:
    """One table or one index: for each partition value, entries `(*sort values, table key)` in
    ascending order; `where` remembers each item's entry so a write can move it."""

    def __init__(self, partition_attr: str, sort_attrs: list[str], sparse: list[str]):
        self.partition_attr = partition_attr
        self.sort_attrs = sort_attrs
        self.required = [partition_attr, *sparse]  # an index holds items having all of them
        self.parts: dict[Any, list[tuple[Any, ...]]] = {}
        self.where: dict[Any, tuple[Any, tuple[Any, ...], Any]] = {}

    def entry_of(self, key: Any, item: Any) -> tuple[Any, tuple[Any, ...]] | None:
        attrs = item.attrs
        if any(attrs.get(name) is None for name in self.required):
            return None
        try:
            sort = tuple(attrs[name].cast_value for name in self.sort_attrs)
        except KeyError:
            return None
        return attrs[self.partition_attr].cast_value, (*sort, key)

    def place(self, key: Any, item: Any | None) -> None:
        """Record the item now stored under `key` (None: deleted)."""
        new = self.entry_of(key, item) if item is not None else None
        old = self.where.pop(key, None)
        if old is not None:
            part = self.parts[old[0]]
            del part[bisect.bisect_left(part, old[1])]
            if not part:
                del self.parts[old[0]]
        if new is not None:
            bisect.insort(self.parts.setdefault(new[0], []), new[1])
            self.where[key] = (new[0], new[1], item)

    def item(self, entry: tuple[Any, ...]) -> Any:
        return self.where[entry[-1]][2]


def _key(item: Any) -> tuple[Any, Any]:
    return (item.hash_key.cast_value, item.range_key.cast_value if item.range_key else None)


def _layout(table: Any, index_name: str | None) -> tuple[str, list[str], list[str]] | None:
    """(partition attribute, sort attributes in moto's order, attributes an item needs to be in
    the index) — the same lists moto's `Table.query` builds — or None if unsupported."""
    if index_name is None:
        order = table._generate_attr_to_sort_by([table.hash_key_attr], [table.range_key_attr])
        return order[0], order[1:], []
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None:
        return None
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if len(hashes) != 1 or len(ranges) > 1:
        return None
    if ranges:
        range_attrs = [ranges[0], table.range_key_attr]
    elif table.range_key_attr and index in table.global_indexes:
        range_attrs = [table.range_key_attr, table.range_key_attr]
    else:
        range_attrs = [table.hash_key_attr, table.range_key_attr]
    order = table._generate_attr_to_sort_by([hashes[0], table.hash_key_attr], range_attrs)
    return order[0], order[1:], ranges


def partitions(table: Any, index_name: str | None) -> _Partitions | None:
    state = table.__dict__.setdefault(_STATE, {})
    if index_name not in state:
        layout = _layout(table, index_name)
        if layout is None:
            return None
        built = _Partitions(*layout)
        for item in _stored(table):
            built.place(_key(item), item)
        state[index_name] = built
    return state[index_name]  # type: ignore[no-any-return]


def _stored(table: Any) -> list[Any]:
    if table.range_key_attr:
        return [item for part in table.items.values() for item in part.values()]
    return list(table.items.values())


def reindex(table: Any, hash_key: Any, range_key: Any) -> None:
    """After any write of one key: move its entries to where the stored item now belongs."""
    state = table.__dict__.get(_STATE)
    if not state:
        return
    # `.get`, not `[]`: `table.items` is a defaultdict and must not grow empty partitions here.
    if table.range_key_attr:
        item = table.items.get(hash_key, {}).get(range_key) if range_key is not None else None
    else:
        item = table.items.get(hash_key)
    key = (hash_key.cast_value, range_key.cast_value if range_key else None)
    for built in state.values():
        built.place(key, item)


def forget(table: Any) -> None:
    """The table's indexes changed: rebuild on the next Query."""
    table.__dict__.pop(_STATE, None)


_OPERATORS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}


def _bounds(
    part: list[tuple[Any, ...]], comparison: str, values: list[Any]
) -> tuple[int, int] | None:
    """[lo, hi) of the entries whose first sort value meets the range condition."""
    op = _OPERATORS.get(comparison, comparison)

    def at_or_after(v: Any) -> int:
        return bisect.bisect_left(part, (v,))

    def after(v: Any) -> int:
        return bisect.bisect_left(part, (v, TOP))

    if op == "EQ":
        return at_or_after(values[0]), after(values[0])
    if op == "LT":
        return 0, at_or_after(values[0])
    if op == "LE":
        return 0, after(values[0])
    if op == "GT":
        return after(values[0]), len(part)
    if op == "GE":
        return at_or_after(values[0]), len(part)
    if op == "BETWEEN":
        lo = at_or_after(values[0])
        return lo, max(lo, after(values[1]))
    if op == "BEGINS_WITH":
        prefix = values[0]
        if not isinstance(prefix, str) or (prefix and ord(prefix[-1]) >= 0x10FFFF):
            return None
        if not prefix:
            return 0, len(part)
        # Strings starting with p are exactly those in [p, p with its last character + 1).
        following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        lo = at_or_after(prefix)
        return lo, max(lo, at_or_after(following))
    return None


def candidates(
    table: Any,
    hash_key: Any,
    range_comparison: str | None,
    range_objs: list[Any],
    limit: int | None,
    exclusive_start_key: dict[str, Any] | None,
    scan_index_forward: bool,
    index_name: str | None,
    hash_key_conditions: list[tuple[str, Any]] | None,
    range_key_conditions: list[tuple[str, str, list[Any]]] | None,
) -> list[Any] | None:
    """The only items moto's Query would look at, ascending, or None to let moto do it all."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if len(hash_key_conditions or []) > 1 or len(range_key_conditions or []) > 1:
        return None
    built = partitions(table, index_name)
    if built is None:
        return None
    if hash_key_conditions:
        name, hash_key = hash_key_conditions[0]
        if name != built.partition_attr:
            return None
    elif index_name is not None:
        return None  # moto matches every item of an index queried without a key condition
    if hash_key is None:
        return None
    value = hash_key.cast_value
    part = built.parts.get(value, [])
    lo, hi = 0, len(part)
    if range_comparison:
        if not built.sort_attrs or (index_name and not built.required[1:]):
            return None  # moto refuses these itself
        if range_key_conditions and range_key_conditions[-1][0] != built.sort_attrs[0]:
            return None
        bounds = _bounds(part, range_comparison, [o.cast_value for o in range_objs])
        if bounds is None:
            return None
        lo, hi = bounds
    if exclusive_start_key is not None:
        names = [built.partition_attr, *built.sort_attrs]
        if any(name not in exclusive_start_key for name in names):
            return None
        start = [DynamoType(exclusive_start_key[name]).cast_value for name in names]
        # moto skips every item up to and including the start key, in the query's direction.
        if start[0] != value:
            before_start = value < start[0]
            if before_start == scan_index_forward:
                return []
        elif scan_index_forward:
            lo = max(lo, bisect.bisect_left(part, (*start[1:], TOP)))
        else:
            hi = min(hi, bisect.bisect_left(part, tuple(start[1:])))
    hi = max(lo, hi)
    # moto checks the page's end before the range condition: once a page is full, any further
    # item of the partition (matching or not) makes it set LastEvaluatedKey, and so can one that
    # would pass 1 MB. So the page's items are followed by the next one of the partition in the
    # query's direction, or, without a Limit, by the rest of it.
    if scan_index_forward:
        end = hi if limit is None else min(hi, lo + limit)
        chosen = part[lo:end] + (part[end:] if limit is None else part[end : end + 1])
    else:
        first = lo if limit is None else max(lo, hi - limit)
        before = part[:first] if limit is None else part[max(0, first - 1) : first]
        chosen = before + part[first:hi]
    return [built.item(entry) for entry in chosen]


class _Switch:
    on = True


@contextlib.contextmanager
def bypassed() -> Iterator[None]:
    """Answer Queries with moto's own code meanwhile (the partitions are still kept up to date):
    the tests compare both answers on the same store."""
    _Switch.on = False
    try:
        yield
    finally:
        _Switch.on = True


def _indexed_query(stock: Any) -> Any:
    @functools.wraps(stock)
    def query(
        self: Any,
        hash_key: Any,
        range_comparison: str | None,
        range_objs: list[Any],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: Any,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: Any = None,
        range_key_conditions: Any = None,
        **filter_kwargs: Any,
    ) -> Any:
        def run() -> Any:
            return stock(
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                consistent_read,
                filter_expression,
                hash_key_conditions=hash_key_conditions,
                range_key_conditions=range_key_conditions,
                **filter_kwargs,
            )

        picked = None
        if _Switch.on and not filter_kwargs:
            picked = candidates(
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                index_name,
                hash_key_conditions,
                range_key_conditions,
            )
        if picked is None:
            return run()
        # moto's Query lists its candidates through `all_items` alone; this one call sees ours.
        self.all_items = lambda: picked
        try:
            return run()
        finally:
            del self.all_items

    query.__nmo_indexed__ = True  # type: ignore[attr-defined]
    return query


def _after_table_put(stock: Any) -> Any:
    @functools.wraps(stock)
    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = stock(self, *args, **kwargs)
        reindex(self, item.hash_key, item.range_key)
        return item

    return put_item


def _after_table_delete(stock: Any) -> Any:
    @functools.wraps(stock)
    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        try:
            return stock(self, hash_key, range_key)
        finally:
            reindex(self, hash_key, range_key)

    return delete_item


def _after_backend_update(stock: Any) -> Any:
    """UpdateItem changes the stored item in place (moto's executor), not through put_item."""

    @functools.wraps(stock)
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kw: Any) -> Any:
        try:
            return stock(self, table_name, key, *args, **kw)
        finally:
            _reindex_key(self, table_name, key)

    return update_item


def _reindex_key(backend: Any, table_name: str, key: dict[str, Any]) -> None:
    from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException

    try:
        table = backend.get_table(table_name)
        hash_key, range_key = backend.get_keys_value(table, key)
    except (MockValidationException, ResourceNotFoundException):
        return  # a request refused for its table or key changed nothing
    reindex(table, hash_key, range_key)


def _forgetting(stock: Any) -> Any:
    @functools.wraps(stock)
    def update_table_global_indexes(self: Any, table: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return stock(self, table, *args, **kwargs)
        finally:
            forget(table)

    return update_table_global_indexes


def install() -> bool:
    """Answer Queries from the partitions (embedded store only). False, and moto unchanged, on
    a moto version this was not written against."""
    import moto
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if moto.__version__ != MOTO_VERSION:
        log.warning("moto %s, not %s: index queries scan the table", moto.__version__, MOTO_VERSION)
        return False
    if getattr(Table.query, "__nmo_indexed__", False):
        return True
    Table.query = _indexed_query(Table.query)  # type: ignore[method-assign]
    Table.put_item = _after_table_put(Table.put_item)  # type: ignore[method-assign]
    Table.delete_item = _after_table_delete(Table.delete_item)  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _after_backend_update(  # type: ignore[method-assign]
        DynamoDBBackend.update_item
    )
    DynamoDBBackend.update_table_global_indexes = _forgetting(  # type: ignore[method-assign]
        DynamoDBBackend.update_table_global_indexes
    )
    return True
