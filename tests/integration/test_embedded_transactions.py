"""TransactWriteItems on the embedded store: all or nothing, reasons in order, and its cost
independent of table size (moto's own version deep-copies whole tables)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from nmo_cli.embedded_dynamodb import EmbeddedDynamoDB


@pytest.fixture
def ddb(tmp_path: Path):
    db = EmbeddedDynamoDB(port=0, data_dir=None)
    db.start()
    client = boto3.client(
        "dynamodb",
        endpoint_url=db.url,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    for name in ("events", "regs"):
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
    client.put_item(
        TableName="events", Item={"id": {"S": "e1"}, "taken": {"N": "1"}, "cap": {"N": "1"}}
    )
    yield client
    db.stop()


def _seat(reg_id: str) -> list[dict]:
    return [
        {
            "Put": {
                "TableName": "regs",
                "Item": {"id": {"S": reg_id}},
                "ConditionExpression": "attribute_not_exists(id)",
            }
        },
        {
            "Update": {
                "TableName": "events",
                "Key": {"id": {"S": "e1"}},
                "UpdateExpression": "ADD taken :one",
                "ConditionExpression": "taken < cap",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]


def test_a_failed_condition_writes_nothing_and_names_the_item(ddb):
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=_seat("r1"))
    err = caught.value.response
    assert err["Error"]["Code"] == "TransactionCanceledException"
    reasons = err["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["taken"] == {"N": "1"}
    assert "Item" not in ddb.get_item(TableName="regs", Key={"id": {"S": "r1"}})


def test_a_transaction_whose_conditions_hold_applies_every_write(ddb):
    ddb.update_item(
        TableName="events",
        Key={"id": {"S": "e1"}},
        UpdateExpression="SET cap = :c",
        ExpressionAttributeValues={":c": {"N": "5"}},
    )
    ddb.transact_write_items(TransactItems=_seat("r1"))
    assert "Item" in ddb.get_item(TableName="regs", Key={"id": {"S": "r1"}})
    event = ddb.get_item(TableName="events", Key={"id": {"S": "e1"}})["Item"]
    assert event["taken"] == {"N": "2"}


def test_a_write_failing_midway_is_undone(ddb):
    items = [
        {"Put": {"TableName": "regs", "Item": {"id": {"S": "r9"}}}},
        {
            "Update": {
                "TableName": "events",
                "Key": {"id": {"S": "e1"}},
                "UpdateExpression": "ADD taken :word",
                "ExpressionAttributeValues": {":word": {"S": "not a number"}},
            }
        },
    ]
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=items)
    assert "Item" not in ddb.get_item(TableName="regs", Key={"id": {"S": "r9"}})
    event = ddb.get_item(TableName="events", Key={"id": {"S": "e1"}})["Item"]
    assert event["taken"] == {"N": "1"}


def test_one_item_twice_in_a_transaction_is_refused(ddb):
    items = [
        {"Put": {"TableName": "regs", "Item": {"id": {"S": "r1"}}}},
        {"Delete": {"TableName": "regs", "Key": {"id": {"S": "r1"}}}},
    ]
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=items)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Item" not in ddb.get_item(TableName="regs", Key={"id": {"S": "r1"}})


def test_index_queries_return_exactly_the_projected_attributes(ddb):
    ddb.create_table(
        TableName="people",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": "S"} for a in ("id", "ev", "at")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": "ev", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": projection,
            }
            for name, projection in (
                ("keys", {"ProjectionType": "KEYS_ONLY"}),
                ("incl", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]}),
                ("all", {"ProjectionType": "ALL"}),
            )
        ],
    )
    for i in range(5):
        ddb.put_item(
            TableName="people",
            Item={
                "id": {"S": f"p{i}"},
                "ev": {"S": "e1"},
                "at": {"S": f"2026-11-2{i}"},
                "name": {"S": "Иванова"},
                "tags": {"L": [{"S": "a"}]},
                "n": {"N": str(i)},
            },
        )
    ddb.put_item(TableName="people", Item={"id": {"S": "no-index"}, "name": {"S": "x"}})

    def query(index: str, **extra) -> dict:
        return ddb.query(
            TableName="people",
            IndexName=index,
            KeyConditionExpression="ev = :e",
            ExpressionAttributeValues={":e": {"S": "e1"}},
            **extra,
        )

    keys = query("keys")["Items"]
    assert [set(i) for i in keys] == [{"id", "ev", "at"}] * 5
    assert [i["at"]["S"] for i in keys] == sorted(i["at"]["S"] for i in keys)
    assert [set(i) for i in query("incl")["Items"]] == [{"id", "ev", "at", "name"}] * 5
    full = query("all")["Items"]
    assert full[0]["tags"] == {"L": [{"S": "a"}]} and full[4]["n"] == {"N": "4"}
    assert query("keys", Select="COUNT")["Count"] == 5
    # Stored items are untouched by projections.
    stored = ddb.get_item(TableName="people", Key={"id": {"S": "p1"}})["Item"]
    assert set(stored) == {"id", "ev", "at", "name", "tags", "n"}
