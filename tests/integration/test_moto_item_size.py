"""A stored item's size is remembered until UpdateItem changes it (nmo_cli/moto_speedups.py
`_size_remembered`): after every kind of change, alone or in a transaction, it is the size moto
itself computes from the item as it now stands."""

from __future__ import annotations

from typing import Any

from tests.embedded_support import string_keyed_table


def _stored(table: str, k: str) -> Any:
    from chalicelib.settings import get_settings
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().region]
    return backend.get_item(table, {"k": {"S": k}})


def _moto_size(item: Any) -> int:
    """moto's own `Item.size`, computed afresh."""
    from moto.dynamodb.models.utilities import bytesize

    return sum(bytesize(key) + value.size() for key, value in item.attrs.items())


def test_the_remembered_size_follows_every_change(embedded_tables):
    client, table = string_keyed_table("sizes")
    client.put_item(
        TableName=table,
        Item={"k": {"S": "a"}, "m": {"M": {"x": {"S": "1"}}}, "l": {"L": [{"S": "p"}]}},
    )

    def read_and_check() -> None:
        client.batch_get_item(RequestItems={table: {"Keys": [{"k": {"S": "a"}}]}})
        item = _stored(table, "a")
        assert "_nmo_size" in item.__dict__  # remembered by the read
        assert item.size() == _moto_size(item)

    read_and_check()
    changes = [
        ("SET m.y = :v", {":v": {"S": "длинное значение " * 20}}),
        ("SET l = list_append(l, :l)", {":l": {"L": [{"S": "q" * 300}]}}),
        ("ADD n :one", {":one": {"N": "12345"}}),
        ("REMOVE m.x", None),
        ("SET m.y = :v", {":v": {"S": "к"}}),
    ]
    for expression, values in changes:
        before = _stored(table, "a").size()
        client.update_item(
            TableName=table,
            Key={"k": {"S": "a"}},
            UpdateExpression=expression,
            **({"ExpressionAttributeValues": values} if values else {}),
        )
        assert _stored(table, "a").size() != before
        read_and_check()
    # The same through a transaction's Update.
    before = _stored(table, "a").size()
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": {"k": {"S": "a"}},
                    "UpdateExpression": "SET t = :t",
                    "ExpressionAttributeValues": {":t": {"S": "x" * 1000}},
                }
            },
            {"Put": {"TableName": table, "Item": {"k": {"S": "b"}}}},
        ]
    )
    assert _stored(table, "a").size() == _moto_size(_stored(table, "a")) > before + 1000
