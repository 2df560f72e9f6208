"""Faster moto internals for the embedded DynamoDB, with the same outcomes as moto's own.

All of them rely on the embedded store serialising requests (one at a time), and are installed
only there, never in the tests' in-process moto:
- transactions without whole-table backups (below);
- query results not deep-copied (`_QueryResultCopies`);
- index projections without a JSON round trip (`project_index_item`);
- Queries that read only the asked partition, in key order (`moto_query_index`);
- UpdateItem copying an item before changing it while a snapshot reads items outside the lock
  (`freeze_items`);
- attribute values answered as they are rather than walked shape by shape
  (`moto_attribute_values`; this one needs no serialisation, only the checked moto version);
- a handler class's method names, and moto's own module names, listed once rather than on every
  request (`_listed_once`);
- UpdateItem's expression parsed again for its validator instead of deep-copied
  (`_parsed_again`);
- each distinct condition and update expression parsed once (`moto_expression_cache`; no
  serialisation needed either);
- a new item's size checked once, not again after each of its attributes (`_sized_once`);
- a stored item's size, which reads sum to keep answers under their limits, remembered until
  UpdateItem changes the item (`_size_remembered`);
- an update expression that reads nothing of the item validated once for the same names,
  values and table (`_validated_once`);
- response items turned into plain values by their exact types first (`_plain_results`).

Transactions: moto backs up every table a transaction touches with `copy.deepcopy` before applying it, so each
transaction costs time proportional to the size of those tables: in a registration rush the
registrations and audit tables grow and registrations fall to a few per second. Because the
embedded store runs one request at a time, a transaction can instead check every condition first
(no item can change in between, and a transaction never touches one item twice), apply the writes
only if all hold, and keep copies of just the items it writes to undo a write that fails midway.
"""

from __future__ import annotations

import copy
import functools
import pickle
import threading
from typing import Any, ClassVar

from nmo_cli import moto_attribute_values, moto_expression_cache, moto_query_index

_OPERATIONS = {"ConditionCheck", "Put", "Delete", "Update"}


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """Drop-in for `DynamoDBBackend.transact_write_items` (serialised callers only)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    plan: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    # Phase 1: every condition against the current state; nothing is written yet.
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in _OPERATIONS:
            raise ValueError("Unsupported transaction operation")
        key = _key_of(self, op_type, op)
        marker = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is not None:
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not check.expr(current):
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                errors.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
                continue
        errors.append((None, None, None))
        if op_type != "ConditionCheck":
            plan.append((op_type, op, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    # Phase 2: the writes, undone item by item if one of them fails (e.g. a bad expression).
    done: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for op_type, op, key in plan:
            table_name = op["TableName"]
            # Put and Delete replace or remove the stored item, never change it: the item itself
            # is the undo. Update changes it in place: a copy is.
            before = self.get_item(table_name, key)
            if op_type == "Update":
                before = copy.deepcopy(before)
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(table_name, op["Item"])
            elif op_type == "Delete":
                self.delete_item(table_name, key)
            else:
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            done.append((table_name, key, before))
    except Exception:
        for table_name, key, before in reversed(done):
            _restore(self, table_name, key, before)
        raise


def _restore(backend: Any, table_name: str, key: dict[str, Any], before: Any) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = backend.get_table(table_name)
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    if before is None:
        table.delete_item(hash_value, range_value)
    elif range_value is not None:
        table.items[hash_value][range_value] = before
    else:
        table.items[hash_value] = before
    moto_query_index.reindex(table, hash_value, range_value)


class _QueryResultCopies:
    """Stands in for the `copy` module inside moto's table code.

    `Table.query` deep-copies every matching item before projecting it, although projection and
    filtering build new items and never change the stored ones; for a COUNT over a 900-person
    waiting list that copy was most of an 80 ms request. A list of query results is copied
    shallowly; anything else (per-item copies in Scan, table backups) is copied deeply as before.
    """

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.dynamo_type import Item

        if isinstance(value, list) and all(isinstance(v, Item) for v in value):
            return list(value)
        return copy.deepcopy(value, memo)


def project_index_item(self: Any, item: Any) -> Any:
    """Drop-in for `SecondaryIndex.project`: the same attributes, without moto's round trip of
    every item through plain JSON and back (three quarters of an index Query's time). Index
    projections name top-level attributes only, so filtering the attribute map is equivalent."""
    from moto.dynamodb.models.dynamo_type import Item

    projection_type = (self.projection or {}).get("ProjectionType")
    if projection_type not in ("KEYS_ONLY", "INCLUDE"):
        return item  # ALL (or none): the item as stored, as moto does
    allowed = set(self.table_key_attrs) | set(self.schema_key_attrs)
    if projection_type == "INCLUDE":
        allowed |= set(self.projection.get("NonKeyAttributes", []))
    return Item(
        item.hash_key, item.range_key, {k: v for k, v in item.attrs.items() if k in allowed}
    )


class _Frozen:
    """Snapshots in progress: while one serialises items outside the lock, an UpdateItem must not
    change a stored item in place (moto's executor does), so it replaces it by a copy first.
    `changed`: ids of items UpdateItem changed in place since the last `take_changed_in_place`
    (a snapshot re-serialises those, and items that are new objects, and reuses the rest)."""

    count = 0
    changed: ClassVar[set[int]] = set()


ALL_CHANGED = -1


def take_changed_in_place() -> set[int]:
    """Call with the request lock held."""
    changed, _Frozen.changed = _Frozen.changed, set()
    return changed


def freeze_items() -> None:
    """Call with the request lock held, before letting go of items a snapshot still reads."""
    _Frozen.count += 1


def thaw_items() -> None:
    """Call with the request lock held, once the snapshot has read them all."""
    _Frozen.count -= 1


def _copy_on_write(stock: Any) -> Any:
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kw: Any) -> Any:
        if _Frozen.count:
            _replace_by_copy(self, table_name, key)
        from moto.dynamodb.exceptions import ConditionalCheckFailed

        try:
            item = stock(self, table_name, key, *args, **kw)
        except ConditionalCheckFailed:
            raise  # refused before anything changed
        except Exception:
            _Frozen.changed.add(ALL_CHANGED)  # failed midway: the next snapshot redoes everything
            _forget_size(_stored(self, table_name, key))
            raise
        _Frozen.changed.add(id(item))
        _forget_size(item)
        return item

    return update_item


def _stored(backend: Any, table_name: str, key: dict[str, Any]) -> Any:
    """The stored item under `key`, or None (also for a key moto would refuse)."""
    from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException

    try:
        return backend.get_item(table_name, key)
    except (MockValidationException, ResourceNotFoundException):
        return None


_SIZE = "_nmo_size"


def _size_remembered(stock: Any) -> Any:
    """`Item.size`, kept on the item until UpdateItem changes it (`_copy_on_write` forgets it;
    Put and Delete replace items, and copies start without one). moto sums the size of every
    item a Query, Scan or BatchGetItem answers — twice in BatchGetItem — to keep the answer
    under its limit, walking every attribute each time; the items a request reads (an event, a
    person) mostly have not changed since the last read, and that walk was two fifths of a
    four-item BatchGetItem. `size()` is used for nothing else."""

    def size(self: Any) -> int:
        known = self.__dict__.get(_SIZE)
        if known is None:
            known = self.__dict__[_SIZE] = stock(self)
        return int(known)

    size.__nmo_remembered__ = True  # type: ignore[attr-defined]
    return size


def _forget_size(item: Any) -> None:
    if item is not None:
        item.__dict__.pop(_SIZE, None)


def _replace_by_copy(backend: Any, table_name: str, key: dict[str, Any]) -> None:
    from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException

    try:
        table = backend.get_table(table_name)
        hash_key, range_key = backend.get_keys_value(table, key)
    except (MockValidationException, ResourceNotFoundException):
        return  # refused by moto's own update_item next
    if table.range_key_attr:
        part = table.items.get(hash_key)
        if part is not None and range_key in part:
            part[range_key] = copy.deepcopy(part[range_key])
    elif hash_key in table.items:
        table.items[hash_key] = copy.deepcopy(table.items[hash_key])


_LEAVES = (str, int, float, bool, type(None))


def _plain_results(stock: Any) -> Any:
    """`dynamo_to_dict`, which turns a response's items into plain values before serialising,
    with plain strings, numbers, dicts and lists (nearly every node of an item) handled first by
    their exact type: moto's version asks each of them whether it is a datetime, a DynamoType or
    has `to_json` (a failed attribute lookup per string), and a three-item BatchGetItem spent
    half a millisecond on it. Anything else (DynamoType, Item, datetime, subclasses) is moto's,
    whose recursion comes back here."""

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind in _LEAVES:
            return obj
        if kind is dict:
            return {k: dynamo_to_dict(v) for k, v in obj.items()}
        if kind is list:
            return [dynamo_to_dict(v) for v in obj]
        return stock(obj)

    dynamo_to_dict.__nmo_plain__ = True  # type: ignore[attr-defined]
    dynamo_to_dict.stock = stock  # type: ignore[attr-defined]
    return dynamo_to_dict


def _listed_once() -> None:
    """Two lists moto takes again on every request, only to look a name up in them (together 8%
    of the store's time in a rush), taken once instead:

    - `BaseResponse.call_action` lists the handler class's methods with `inspect.getmembers`;
      the speedups replace methods, never add or remove them;
    - the server's dispatcher lists moto's package directory (`os.listdir` and an `isdir` per
      entry) to tell a service name from a host name; the installed package does not change."""
    from moto import backends
    from moto.core import responses

    if not hasattr(responses.method_names_from_class, "cache_info"):
        responses.method_names_from_class = functools.cache(  # type: ignore[assignment]
            responses.method_names_from_class
        )
    if not hasattr(backends.list_of_moto_modules, "cache_info"):
        listed = backends.list_of_moto_modules

        @functools.cache
        def list_of_moto_modules() -> tuple[str, ...]:
            return tuple(listed())

        backends.list_of_moto_modules = list_of_moto_modules  # type: ignore[assignment]


# moto's item size limit (`LimitedSizeDict.__setitem__`, moto 5.2.5).
ITEM_SIZE_LIMIT = 405000


def _sized_once(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    """Drop-in for `Item.__init__`. moto's attribute map checks the item's size on each
    insert by summing every attribute already in it, so building an item of n attributes
    costs n² sizes (a tenth of the store's time in a rush). Sizes only add up, so the checks
    of all the prefixes fail exactly when the check of the whole item does: it is made once.
    The map stays moto's, checking later inserts (UpdateItem's) as before."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    self.hash_key = hash_key
    self.range_key = range_key
    values = LimitedSizeDict()
    size = 0
    for key, value in attrs.items():
        typed = DynamoType(value)
        dict.__setitem__(values, key, typed)
        size += bytesize(key) + typed.size()
    if size > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = values


class _Updating(threading.local):
    """The UpdateExpression of the UpdateItem this thread is in (`_parsed_again`)."""

    expression: str | None = None


_updating = _Updating()


def _validator_copy(value: Any, memo: Any = None) -> Any:
    """`deepcopy` inside moto's validators module. `Validator.__init__` deep-copies the update
    expression's tree so that validating never changes the caller's; in `update_item` that tree
    is the parse of the request's expression, never changed before, so a fresh tree of the same
    text (`moto_expression_cache.fresh_update_tree`: unpickled from its first parse) is an equal
    one, several times faster than copying it (the copy was 5% of the store's time in a rush).
    Anything else is deep-copied as before."""
    from moto.dynamodb.parsing.ast_nodes import UpdateExpression  # type: ignore[attr-defined]

    expression = _updating.expression
    if memo is None and expression is not None and type(value) is UpdateExpression:
        return moto_expression_cache.fresh_update_tree(expression)
    return copy.deepcopy(value, memo)


def _parsed_again(stock: Any) -> Any:
    def update_item(
        self: Any,
        table_name: str,
        key: dict[str, Any],
        update_expression: Any = None,
        *args: Any,
        **kw: Any,
    ) -> Any:
        _updating.expression = update_expression if isinstance(update_expression, str) else None
        try:
            return stock(self, table_name, key, update_expression, *args, **kw)
        finally:
            _updating.expression = None

    return update_item


# Validated trees of update expressions whose validation reads nothing of the item (`_validated_once`).
_validated: dict[str, bytes] = {}
_reads_no_item: dict[str, bool] = {}


def _reads_nothing_of_the_item(tree: Any) -> bool:
    """Whether validating this update expression depends on its expression, names, values and
    table alone: every action's target is a top-level attribute and no value reads one (no path
    on a right-hand side, no function such as `if_not_exists`). Then the validator resolves no
    path against the item, and its answer is the same for every item."""
    from moto.dynamodb.parsing.ast_nodes import (  # type: ignore[attr-defined]
        Node,
        UpdateExpressionAddAction,
        UpdateExpressionDeleteAction,
        UpdateExpressionFunction,
        UpdateExpressionPath,
        UpdateExpressionRemoveAction,
        UpdateExpressionSetAction,
    )

    actions = (
        UpdateExpressionSetAction,
        UpdateExpressionAddAction,
        UpdateExpressionRemoveAction,
        UpdateExpressionDeleteAction,
    )
    targets = paths = 0
    pending, seen = [tree], set()
    while pending:
        node = pending.pop()
        if id(node) in seen or not isinstance(node, Node):
            continue
        seen.add(id(node))
        if isinstance(node, UpdateExpressionFunction):
            return False
        if isinstance(node, UpdateExpressionPath):
            paths += 1
            if len(node.children or []) != 1:
                return False  # a nested target: its parent must exist in the item
        if isinstance(node, actions):
            first = (node.children or [None])[0]
            if not isinstance(first, UpdateExpressionPath):
                return False
            targets += 1
        pending.extend(node.children or [])
    return paths == targets


def _validated_once(stock_init: Any, stock_validate: Any) -> tuple[Any, Any]:
    """`UpdateExpressionValidator.__init__` and `validate`, remembered for expressions that read
    nothing of the item (`_reads_nothing_of_the_item`): keyed by the expression, its names and
    values and the table's key definitions, and handed out as a fresh tree each time (the
    executor moves the tree's values into the item). A validator that knows its answer copies
    and sets up nothing. Validation was a tenth of the store's time in a rush, spent again on
    the same ticket and seat updates. Refusals are never remembered."""

    def __init__(
        self: Any,
        expression: Any,
        expression_attribute_names: Any,
        expression_attribute_values: Any,
        item: Any,
        table: Any,
    ) -> None:
        self._nmo_key = self._nmo_known = None
        text = _updating.expression
        if text is not None:
            independent = _reads_no_item.get(text)
            if independent is None:
                independent = _reads_nothing_of_the_item(expression)
                moto_expression_cache.remember(_reads_no_item, text, independent)
            if independent:
                self._nmo_key = repr(
                    (
                        text,
                        expression_attribute_names,
                        expression_attribute_values,
                        table.name,
                        table.table_key_attrs,
                        table.attribute_keys,
                        table.attr,
                    )
                )
                self._nmo_known = _validated.get(self._nmo_key)
        if self._nmo_known is not None:
            self.expression_attribute_names = expression_attribute_names
            self.expression_attribute_values = expression_attribute_values
            self.item = item
            self.table = table
            return
        stock_init(
            self, expression, expression_attribute_names, expression_attribute_values, item, table
        )

    def validate(self: Any) -> Any:
        known = getattr(self, "_nmo_known", None)
        if known is not None:
            return pickle.loads(known)  # noqa: S301 - our own pickle of our own tree
        tree = stock_validate(self)
        key = getattr(self, "_nmo_key", None)
        if key is not None:
            blob = pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)
            moto_expression_cache.remember(_validated, key, blob)
        return tree

    validate.__nmo_validated_once__ = True  # type: ignore[attr-defined]
    return __init__, validate


def install() -> None:
    """Use the faster transaction and query copies in this process's moto (embedded store only:
    both rely on requests being serialised)."""
    from moto.dynamodb.models import DynamoDBBackend, table

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    table.copy = _QueryResultCopies  # type: ignore[assignment]
    table.SecondaryIndex.project = project_index_item  # type: ignore[method-assign]
    moto_query_index.install()
    moto_attribute_values.install()
    moto_expression_cache.install()
    _listed_once()
    from moto.dynamodb import responses
    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import Item

    Item.__init__ = _sized_once  # type: ignore[method-assign]
    if not getattr(Item.size, "__nmo_remembered__", False):
        Item.size = _size_remembered(Item.size)  # type: ignore[method-assign]
    if not getattr(utilities.dynamo_to_dict, "__nmo_plain__", False):
        utilities.dynamo_to_dict = _plain_results(utilities.dynamo_to_dict)
        responses.dynamo_to_dict = utilities.dynamo_to_dict  # type: ignore[attr-defined]
    if not getattr(DynamoDBBackend.update_item, "__nmo_copy_on_write__", False):
        DynamoDBBackend.update_item = _copy_on_write(  # type: ignore[method-assign]
            DynamoDBBackend.update_item
        )
        DynamoDBBackend.update_item.__nmo_copy_on_write__ = True  # type: ignore[attr-defined]
    from moto.dynamodb.parsing import validators

    if validators.deepcopy is not _validator_copy:
        validators.deepcopy = _validator_copy  # type: ignore[assignment]
        DynamoDBBackend.update_item = _parsed_again(  # type: ignore[method-assign]
            DynamoDBBackend.update_item
        )
    validator = validators.UpdateExpressionValidator
    if not getattr(validator.validate, "__nmo_validated_once__", False):
        validator.__init__, validator.validate = _validated_once(  # type: ignore[method-assign]
            validator.__init__, validator.validate
        )
