"""moto's expression parsers, remembered: the embedded DynamoDB parses each distinct expression
once rather than two to five times a request (pinned to the moto version in pyproject.toml).

moto parses every condition and update expression again at each step that looks at it: a
transaction's response layer validates each item's condition, the transaction checks it, and an
UpdateItem parses its update expression in the response layer, in the backend and once more for
its validator. The portal sends a handful of distinct expressions, so in a registration rush that
parsing was about a quarter of the store's time (about 0.5 ms a condition, 0.2–0.4 ms an update
expression).

- Conditions (`ConditionExpressionParser.parse`): the tree is only ever evaluated, never changed
  (each node's `expr` reads the item), so one tree serves every request with the same
  expression, names and values. The key is their `repr`: two requests with the same key ask
  exactly the same thing; the same thing asked in another order is merely parsed again.
- Update expressions (`UpdateExpressionParser.make`): moto's own callers only read the tree (the
  response layer lists its clauses, the backend hands it to the validator, which copies it), so
  they share the first parse. The validator changes its copy: `fresh_update_tree` gives it one
  unpickled from that parse, three to five times faster than parsing (our own pickle of our own
  parse; moto_speedups._validator_copy).

Errors are never remembered: an expression that fails to parse fails the same way every time.
Each cache keeps at most `MAX_ENTRIES` expressions and starts afresh when full.
"""

from __future__ import annotations

import pickle
from typing import Any

MAX_ENTRIES = 4096

_conditions: dict[str, tuple[Any, list[str], list[str]]] = {}
_updates: dict[str, tuple[Any, bytes]] = {}


def remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    """Keep `value` under `key`; a cache holding MAX_ENTRIES starts afresh (each of this store's
    caches, here and in moto_speedups, is bounded this way)."""
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value


def _remembered_condition(stock: Any) -> Any:
    def parse(self: Any) -> Any:
        key = repr(
            (
                self.condition_expression,
                self.expression_attribute_names,
                self.expression_attribute_values,
            )
        )
        known = _conditions.get(key)
        if known is None:
            tree = stock(self)
            found = (list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            remember(_conditions, key, (tree, *found))
            return tree
        tree, names, values = known
        self.expr_attr_names_found = list(names)
        self.expr_attr_values_found = list(values)
        return tree

    parse.__nmo_remembered__ = True  # type: ignore[attr-defined]
    return parse


def _remembered_update(stock: Any) -> Any:
    def make(cls: Any, expression_str: str) -> Any:
        known = _updates.get(expression_str) if isinstance(expression_str, str) else None
        if known is not None:
            return known[0]
        tree = stock(expression_str)
        if isinstance(expression_str, str):
            blob = pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)
            remember(_updates, expression_str, (tree, blob))
        return tree

    make.__nmo_remembered__ = True  # type: ignore[attr-defined]
    return classmethod(make)


def fresh_update_tree(expression: str) -> Any:
    """A tree of its own for a caller that changes it (the validator): unpickled from the
    remembered parse, or parsed now."""
    from moto.dynamodb.parsing.expressions import (  # type: ignore[attr-defined]
        UpdateExpressionParser,
    )

    known = _updates.get(expression)
    if known is None:
        UpdateExpressionParser.make(expression)
        known = _updates.get(expression)
        if known is None:  # not remembered (moto's own parser is installed)
            return UpdateExpressionParser.make(expression)
    return pickle.loads(known[1])  # noqa: S301 - our own pickle of our own parse


_stock: dict[str, Any] = {}


def install() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import (  # type: ignore[attr-defined]
        UpdateExpressionParser,
    )

    if not getattr(ConditionExpressionParser.parse, "__nmo_remembered__", False):
        _stock["parse"] = ConditionExpressionParser.parse
        ConditionExpressionParser.parse = _remembered_condition(  # type: ignore[method-assign]
            ConditionExpressionParser.parse
        )
    if not getattr(UpdateExpressionParser.make, "__nmo_remembered__", False):
        _stock["make"] = UpdateExpressionParser.__dict__["make"]
        UpdateExpressionParser.make = _remembered_update(  # type: ignore[method-assign]
            UpdateExpressionParser.make
        )


def uninstall() -> None:
    """moto's own parsers again (the tests compare both), with nothing remembered."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import (  # type: ignore[attr-defined]
        UpdateExpressionParser,
    )

    if "parse" in _stock:
        ConditionExpressionParser.parse = _stock.pop("parse")  # type: ignore[method-assign]
    if "make" in _stock:
        UpdateExpressionParser.make = _stock.pop("make")  # type: ignore[method-assign]
    _conditions.clear()
    _updates.clear()
