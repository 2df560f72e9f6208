"""Queries on the embedded store answered from key-ordered partitions (`moto_query_index`) give
exactly stock moto's answers, and read only the asked partition, not the table."""

from __future__ import annotations

import random
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.table import Table
from nmo_cli import moto_query_index
from nmo_cli.embedded_dynamodb import EmbeddedDynamoDB


@pytest.fixture(scope="module")
def ddb() -> Iterator[object]:
    db = EmbeddedDynamoDB(port=0, data_dir=None)
    db.start()
    client = boto3.client(
        "dynamodb",
        endpoint_url=db.url,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    _create_tables(client)
    _fill_and_churn(client, random.Random(20))
    yield client
    db.stop()


def _create_tables(client) -> None:
    # Like `registrations`: hash + range, a GSI with a range key, a sparse KEYS_ONLY GSI with a
    # number range, a GSI without a range key, an LSI.
    client.create_table(
        TableName="regs",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "ev", "KeyType": "HASH"},
            {"AttributeName": "who", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "ev", "AttributeType": "S"},
            {"AttributeName": "who", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "S"},
            {"AttributeName": "seq", "AttributeType": "N"},
            {"AttributeName": "kind", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-person",
                "KeySchema": [
                    {"AttributeName": "who", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "line",
                "KeySchema": [
                    {"AttributeName": "ev", "KeyType": "HASH"},
                    {"AttributeName": "seq", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "by-kind",
                "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n"]},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-at",
                "KeySchema": [
                    {"AttributeName": "ev", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    # Like `catalog`: hash only, a GSI over status + sort key.
    client.create_table(
        TableName="things",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


EVENTS = [f"e{i}" for i in range(4)]
PEOPLE = [f"p{i:02d}" for i in range(25)]
DATES = ["2026-01-0", "2026-01-1", "2026-02-0", "2026-03-1"]


def _reg(rng: random.Random, ev: str, who: str) -> dict:
    item = {
        "ev": {"S": ev},
        "who": {"S": who},
        "at": {"S": f"{rng.choice(DATES)}{rng.randint(0, 9)}#{ev}"},
        "n": {"N": str(rng.randint(-5, 50))},
        "note": {"S": rng.choice(["да", "нет", "ёж"])},
    }
    if rng.random() < 0.6:  # sparse: only some stand in line
        # Equal numbers written differently ("7" and "7.0") must sort and match as one value.
        seq = rng.randint(1, 40)
        item["seq"] = {"N": rng.choice([str(seq), f"{seq}.0"])}
    if rng.random() < 0.5:
        item["kind"] = {"S": rng.choice(["a", "b"])}
    return item


def _fill_and_churn(client, rng: random.Random) -> None:
    for ev in EVENTS:
        for who in rng.sample(PEOPLE, 18):
            client.put_item(TableName="regs", Item=_reg(rng, ev, who))
    for i in range(120):
        client.put_item(
            TableName="things",
            Item={
                "id": {"S": f"t{i:03d}"},
                "status": {"S": rng.choice(["published", "draft", "review"])},
                "sk": {"S": f"{rng.choice(DATES)}{i % 10}#t{i:03d}"},
            },
        )
    # Query once so the partitions exist, then change things under them in every way there is.
    _answer(client, {"TableName": "regs", **_eq("ev", EVENTS[0])})
    _answer(client, {"TableName": "things", "IndexName": "by-status", **_eq("status", "draft")})
    for _ in range(150):
        ev, who = rng.choice(EVENTS), rng.choice(PEOPLE)
        key = {"ev": {"S": ev}, "who": {"S": who}}
        roll = rng.random()
        if roll < 0.3:
            client.put_item(TableName="regs", Item=_reg(rng, ev, who))
        elif roll < 0.5:
            client.delete_item(TableName="regs", Key=key)
        elif roll < 0.7:
            client.update_item(
                TableName="regs",
                Key=key,
                UpdateExpression="SET seq = :s, #at = :a REMOVE kind",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={
                    ":s": {"N": str(rng.randint(1, 40))},
                    ":a": {"S": f"2026-05-0{rng.randint(0, 9)}"},
                },
            )
        elif roll < 0.8:
            client.update_item(
                TableName="regs",
                Key=key,
                UpdateExpression="REMOVE seq ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        elif roll < 0.9:
            # A transaction whose second write fails midway: the first is undone.
            try:
                client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": "regs", "Item": _reg(rng, ev, who)}},
                        {
                            "Update": {
                                "TableName": "things",
                                "Key": {"id": {"S": "t000"}},
                                "UpdateExpression": "SET sk = :bad",
                                "ExpressionAttributeValues": {":bad": {"N": "1"}},
                            }
                        },
                    ]
                )
            except ClientError:
                pass
        else:
            thing = f"t{rng.randint(0, 119):03d}"
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "things",
                            "Key": {"id": {"S": thing}},
                            "UpdateExpression": "SET #s = :s",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {
                                ":s": {"S": rng.choice(["published", "draft"])}
                            },
                        }
                    },
                    {"Delete": {"TableName": "regs", "Key": key}},
                ]
            )
    client.batch_write_item(
        RequestItems={
            "regs": [{"PutRequest": {"Item": _reg(rng, "e1", f"b{i}")}} for i in range(20)]
            + [{"DeleteRequest": {"Key": {"ev": {"S": "e2"}, "who": {"S": p}}}} for p in PEOPLE[:5]]
        }
    )


def _eq(name: str, value: str) -> dict:
    return {
        "KeyConditionExpression": "#h = :h",
        "ExpressionAttributeNames": {"#h": name},
        "ExpressionAttributeValues": {":h": {"S": value}},
    }


def _answer(client, request: dict) -> list[dict]:
    """Every page of a query: each page's Items, Count, ScannedCount and LastEvaluatedKey."""
    pages = []
    request = dict(request)
    while True:
        resp = client.query(**request)
        pages.append(
            {k: resp.get(k) for k in ("Items", "Count", "ScannedCount", "LastEvaluatedKey")}
        )
        if "LastEvaluatedKey" not in resp or len(pages) > 200:
            return pages
        request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def _both(client, request: dict) -> tuple[object, object]:
    def outcome() -> object:
        try:
            return _answer(client, request)
        except ClientError as err:
            return err.response["Error"]["Code"], err.response["Error"]["Message"]

    indexed = outcome()
    with moto_query_index.bypassed():
        stock = outcome()
    return indexed, stock


def _range(name: str, op: str, *values: dict) -> tuple[str, dict]:
    names = {":v0": values[0]} | ({":v1": values[1]} if len(values) > 1 else {})
    if op == "BETWEEN":
        return "#r BETWEEN :v0 AND :v1", names
    if op == "begins_with":
        return "begins_with(#r, :v0)", names
    return f"#r {op} :v0", names


def _requests() -> Iterator[dict]:
    s, n = (lambda v: {"S": v}), (lambda v: {"N": v})
    shapes = [
        # (table, index, hash attr, hash values, range attr, range conditions)
        (
            "regs",
            None,
            "ev",
            ["nobody", *EVENTS],
            "who",
            [
                ("=", s("p03")),
                ("<", s("p10")),
                ("<=", s("p10")),
                (">", s("p20")),
                (">=", s("p20")),
                ("BETWEEN", s("p05"), s("p15")),
                ("BETWEEN", s("p15"), s("p05")),
                ("begins_with", s("p1")),
                ("begins_with", s("b")),
            ],
        ),
        (
            "regs",
            "by-person",
            "who",
            ["b3", *PEOPLE[:6]],
            "at",
            [
                ("begins_with", s("2026-01")),
                (">", s("2026-02")),
                ("BETWEEN", s("2026-01-1"), s("2026-03")),
            ],
        ),
        (
            "regs",
            "line",
            "ev",
            EVENTS,
            "seq",
            [
                ("<", n("10")),
                ("<=", n("7")),
                (">=", n("7.0")),
                ("BETWEEN", n("3"), n("20")),
                ("=", n("7")),
            ],
        ),
        ("regs", "by-kind", "kind", ["c", "a", "b"], None, []),
        (
            "regs",
            "by-at",
            "ev",
            EVENTS[:2],
            "at",
            [("begins_with", s("2026-01")), ("<", s("2026-02"))],
        ),
        ("things", None, "id", ["missing", "t000", "t007"], None, []),
        (
            "things",
            "by-status",
            "status",
            ["published", "draft", "review"],
            "sk",
            [("BETWEEN", s("2026-01"), s("2026-02-0\uffff")), ("begins_with", s("2026-03"))],
        ),
    ]
    extras = [
        {},
        {"Limit": 3},
        {"Limit": 5, "ScanIndexForward": False},
        {"ScanIndexForward": False},
        {"Select": "COUNT", "Limit": 4},
    ]
    for table, index, hash_attr, hash_values, range_attr, conditions in shapes:
        for hash_value in hash_values[:3]:
            hash_typed = {"S": hash_value}
            for condition in [None, *conditions]:
                for extra in extras:
                    request = {"TableName": table, "KeyConditionExpression": "#h = :h"}
                    names = {"#h": hash_attr}
                    values = {":h": hash_typed}
                    if index:
                        request["IndexName"] = index
                    if condition is not None:
                        expression, more = _range(range_attr, condition[0], *condition[1:])
                        request["KeyConditionExpression"] += f" AND {expression}"
                        names["#r"] = range_attr
                        values |= more
                    request.update(extra)
                    request["ExpressionAttributeNames"] = names
                    request["ExpressionAttributeValues"] = values
                    yield request
                    if table == "regs" and index in (None, "by-person") and "Select" not in extra:
                        filtered = dict(request)
                        filtered["FilterExpression"] = "n > :min"
                        filtered["ExpressionAttributeValues"] = values | {":min": {"N": "20"}}
                        yield filtered


def test_every_query_shape_answers_exactly_as_stock_moto(ddb):
    checked = 0
    for request in _requests():
        indexed, stock = _both(ddb, request)
        assert indexed == stock, request
        checked += 1
    assert checked > 300


def test_a_start_key_from_elsewhere_and_projections_answer_as_stock_moto(ddb):
    base = {"TableName": "regs", **_eq("ev", "e1")}
    first = ddb.query(**base, Limit=3)["LastEvaluatedKey"]
    for start in (
        first,
        {**first, "ev": {"S": "e0"}},  # a key of another partition
        {**first, "ev": {"S": "e3"}},
        {**first, "who": {"S": "p999"}},  # between stored keys
    ):
        for forward in (True, False):
            request = {**base, "ExclusiveStartKey": start, "ScanIndexForward": forward, "Limit": 5}
            indexed, stock = _both(ddb, request)
            assert indexed == stock, request
    projected = {
        **base,
        "ProjectionExpression": "who, #n",
        "ExpressionAttributeNames": {"#h": "ev", "#n": "n"},
    }
    assert _both(ddb, projected)[0] == _both(ddb, projected)[1]
    bad_range = {
        "TableName": "regs",
        "IndexName": "by-kind",
        "KeyConditionExpression": "kind = :k",
        "ExpressionAttributeValues": {":k": {"S": "a"}},
        "ConsistentRead": True,
    }
    indexed, stock = _both(ddb, bad_range)
    assert indexed == stock and isinstance(indexed, tuple)  # refused the same way


def test_a_query_reads_its_partition_not_the_table(ddb, monkeypatch):
    listed = []
    stock_all_items = Table.all_items

    def counting(self):
        items = stock_all_items(self)
        listed.append(len(items))
        return items

    monkeypatch.setattr(Table, "all_items", counting)
    pages = _answer(ddb, {"TableName": "regs", "IndexName": "line", **_eq("ev", "e1"), "Limit": 2})
    assert pages[0]["Count"] == 2
    assert listed == []  # moto's whole-table listing never ran
    with moto_query_index.bypassed():
        _answer(ddb, {"TableName": "regs", "IndexName": "line", **_eq("ev", "e1"), "Limit": 2})
    assert listed and min(listed) > 60  # ... which stock moto does for every page


def test_the_partitions_hold_exactly_the_stored_items(ddb):
    """After all the churn, each partition structure lists what a full rebuild would."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    for name in ("regs", "things"):
        table = backend.get_table(name)
        kept = dict(table.__dict__["_nmo_partitions"])
        assert kept, name
        moto_query_index.forget(table)
        for index_name, partitions in kept.items():
            rebuilt = moto_query_index.partitions(table, index_name)
            assert rebuilt is not None
            assert rebuilt.parts == partitions.parts, (name, index_name)
