"""UpdateItem's validator gets the expression parsed again instead of deep-copied
(nmo_cli/moto_speedups.py `_parsed_again`): the fresh tree is the copy's equal, and updates on the
embedded store come out as moto's own."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.embedded_support import string_keyed_table

EXPRESSIONS = [
    "SET a = :a, b = if_not_exists(b, :z) + :one ADD c :s REMOVE d, e.f[1] DELETE g :h",
    "SET #n = list_append(#n, :l), m.x = :v",
    "ADD waitlist_seq :one SET updated_at = :now",
    "REMOVE a, b.c[2]",
    "SET a = b - :x, #c.#d = :y",
]


def _same(a: Any, b: Any, seen: set[tuple[int, int]]) -> bool:
    """Structural equality of two expression trees (they hold parent links: cycles)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y, seen) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], seen) for k in a)
    if hasattr(a, "__dict__"):
        if (id(a), id(b)) in seen:
            return True
        seen.add((id(a), id(b)))
        return _same(vars(a), vars(b), seen)
    return bool(a == b)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_a_fresh_parse_equals_the_deep_copy(expression):
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    tree = UpdateExpressionParser.make(expression)
    assert _same(copy.deepcopy(tree), UpdateExpressionParser.make(expression), set())


def test_updates_on_the_embedded_store_come_out_as_moto_s(embedded_tables):
    from moto.dynamodb.parsing import validators
    from nmo_cli import moto_speedups

    assert validators.deepcopy is moto_speedups._validator_copy
    client, table = string_keyed_table("parse-check")
    key = {"k": {"S": "x"}}
    # A new item (moto validates twice: against an empty item, then the created one).
    new = client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET n = if_not_exists(n, :z) + :one, l = :l ADD s :s",
        ExpressionAttributeValues={
            ":z": {"N": "0"},
            ":one": {"N": "1"},
            ":l": {"L": [{"S": "a"}]},
            ":s": {"SS": ["p"]},
        },
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert new == {"k": {"S": "x"}, "n": {"N": "1"}, "l": {"L": [{"S": "a"}]}, "s": {"SS": ["p"]}}
    again = client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET n = n + :one, l = list_append(l, :l) DELETE s :s",
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":l": {"L": [{"S": "b"}]},
            ":s": {"SS": ["p"]},
        },
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert again == {"k": {"S": "x"}, "n": {"N": "2"}, "l": {"L": [{"S": "a"}, {"S": "b"}]}}
    with pytest.raises(client.exceptions.ClientError, match="ValidationException"):
        client.update_item(TableName=table, Key=key, UpdateExpression="SET n = :missing")


def test_validated_once_updates_keep_each_item_its_own(embedded_tables):
    """Update expressions that read nothing of the item are validated once
    (moto_speedups._validated_once): each update still gets its own values — other values, other
    items, the same text — and item-dependent ones are never remembered."""
    from nmo_cli import moto_speedups

    client, table = string_keyed_table("validated-once")

    def update(k: str, expression: str, values: dict[str, Any], **extra: Any) -> Any:
        return client.update_item(
            TableName=table,
            Key={"k": {"S": k}},
            UpdateExpression=expression,
            ExpressionAttributeNames={p: p[1:] for p in ("#a", "#n") if p in expression},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
            **extra,
        )["Attributes"]

    one = {":v": {"N": "1"}}
    assert update("x", "ADD #n :v REMOVE #a", one)["n"] == {"N": "1"}
    assert update("x", "ADD #n :v REMOVE #a", one)["n"] == {"N": "2"}
    assert update("x", "ADD #n :v REMOVE #a", {":v": {"N": "5"}})["n"] == {"N": "7"}
    assert update("y", "ADD #n :v REMOVE #a", one)["n"] == {"N": "1"}
    assert moto_speedups._reads_no_item["ADD #n :v REMOVE #a"] is True
    # The same value set into two items, then one of them changed: the other keeps its own.
    tags = {":v": {"SS": ["t1"]}}
    update("x", "SET #a = :v REMOVE #n", tags)
    update("y", "SET #a = :v REMOVE #n", tags)
    assert update("x", "ADD #a :v", {":v": {"SS": ["t2"]}})["a"] == {"SS": ["t1", "t2"]}
    assert client.get_item(TableName=table, Key={"k": {"S": "y"}})["Item"]["a"] == {"SS": ["t1"]}
    # Reading the item: never remembered, each item's own value counts.
    update("x", "SET #n = :v REMOVE #a", {":v": {"N": "10"}})
    grown = "SET #n = if_not_exists(#n, :v) + :v REMOVE #a"
    assert update("x", grown, one)["n"] == {"N": "11"}
    assert update("y", grown, one)["n"] == {"N": "2"}
    assert moto_speedups._reads_no_item[grown] is False
    # A refusal (the key is not updatable) every time, never a remembered success.
    for _ in range(2):
        with pytest.raises(client.exceptions.ClientError, match="part of the key"):
            client.update_item(
                TableName=table,
                Key={"k": {"S": "x"}},
                UpdateExpression="SET #k = :v",
                ExpressionAttributeNames={"#k": "k"},
                ExpressionAttributeValues={":v": {"S": "other"}},
            )
