"""The embedded store's direct attribute values and cached member keys
(nmo_cli/moto_attribute_values.py) answer every DynamoDB and stream operation byte for byte as
moto's own serializer does, errors included: each response below is serialised both ways and
compared (status, headers, body)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, ClassVar

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core.serialize import JSONSerializer
from nmo_cli import moto_attribute_values as direct

TABLE = "av-check"
KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]


class _BothWays(direct.AttributeValueJSONSerializer):
    compared: ClassVar[Counter[str]] = Counter()

    def serialize(self, result: Any) -> Any:
        mine = super().serialize(result)
        stock = JSONSerializer(
            self.operation_model, pretty_print=self.pretty_print, value_picker=self._value_picker
        ).serialize(result)
        assert mine["body"] == stock["body"], self.operation_name
        assert mine["headers"] == stock["headers"], self.operation_name
        assert mine["status_code"] == stock["status_code"], self.operation_name
        kind = "error" if isinstance(result, Exception) else "ok"
        _BothWays.compared[f"{self.operation_name}:{kind}"] += 1
        return mine


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    from moto import mock_aws
    from moto.core import serialize

    assert direct.install(), "moto changed: check moto_attribute_values against it again"
    for service in direct.SERVICES:
        monkeypatch.setitem(serialize.SERVICE_SPECIFIC_SERIALIZERS, service, {"json": _BothWays})
    answered = Counter[str]()
    stock_value = direct.attribute_value

    def counted(value: Any) -> dict[str, Any]:
        answer = stock_value(value)
        answered["direct"] += 1
        return answer

    monkeypatch.setattr(direct, "attribute_value", counted)
    _BothWays.compared.clear()
    with mock_aws():
        # The regional endpoints moto answers on (as nmo_cli/change_feed.py does).
        kw = {"region_name": "eu-central-1", "config": Config(account_id_endpoint_mode="disabled")}
        ddb, streams = boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)
        ddb.create_table(
            TableName=TABLE,
            KeySchema=KEY_SCHEMA,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["bin"]},
                },
                {
                    "IndexName": "by-g-keys",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield ddb, streams
    assert answered["direct"] > 0
    direct.uninstall()


def _item(n: int) -> dict[str, Any]:
    """Every attribute type, nested, with the empty values DynamoDB allows."""
    return {
        "pk": {"S": "p"},
        "sk": {"N": str(n)},
        "g": {"S": "g1" if n % 2 else "g2"},
        "s": {"S": f'строка «{n}» "кавычки" \\ \n'},
        "blank": {"S": ""},
        "num": {"N": "-12.50"},
        "bin": {"B": bytes(range(n, n + 20))},
        "ss": {"SS": ["a", "b", "в"]},
        "ns": {"NS": ["1", "2.5", "-3"]},
        "bs": {"BS": [b"\x00\x01", b"\xff"]},
        "null": {"NULL": True},
        "t": {"BOOL": True},
        "f": {"BOOL": False},
        "l": {"L": [{"S": "x"}, {"N": "1"}, {"L": []}, {"M": {}}, {"B": b"\x10"}]},
        "m": {
            "M": {
                "inner": {"M": {"deep": {"L": [{"NULL": True}, {"BOOL": False}]}}},
                "when": {"S": "2026-12-01T10:00:00+03:00"},
                "codes": {"SS": ["x1"]},
            }
        },
    }


def _refusals(ddb: Any) -> list[tuple[str, int, bytes]]:
    """Errors: a refused condition with the old item, a cancelled transaction with its reasons,
    validation errors, a missing table. Each error's code, HTTP status and raw body."""
    key = {"pk": {"S": "p"}, "sk": {"N": "1"}}
    raw: list[tuple[int, bytes]] = []

    def keep(http_response: Any, **_: Any) -> None:
        raw.append((http_response.status_code, http_response.content))

    ddb.meta.events.register("after-call.dynamodb.*", keep)
    codes = []
    try:
        for call in (
            lambda: ddb.put_item(
                TableName=TABLE,
                Item=_item(1),
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
            lambda: ddb.update_item(
                TableName=TABLE,
                Key=key,
                UpdateExpression="SET num = :n",
                ConditionExpression="num > :n",
                ExpressionAttributeValues={":n": {"N": "0"}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
            lambda: ddb.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": TABLE,
                            "Key": key,
                            "ConditionExpression": "attribute_not_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {"Put": {"TableName": TABLE, "Item": _item(9)}},
                ]
            ),
            lambda: ddb.get_item(TableName=TABLE, Key={"pk": {"S": ""}, "sk": {"N": "1"}}),
            lambda: ddb.query(TableName=TABLE, KeyConditionExpression="nope = :p"),
            lambda: ddb.get_item(TableName="no-such-table", Key=key),
        ):
            with pytest.raises(ClientError) as err:
                call()
            codes.append(err.value.response["Error"]["Code"])
    finally:
        ddb.meta.events.unregister("after-call.dynamodb.*", keep)
    return [(code, status, body) for code, (status, body) in zip(codes, raw, strict=True)]


def test_every_operation_answers_byte_for_byte_as_moto(clients):
    ddb, streams = clients
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]

    for n in range(1, 6):
        ddb.put_item(TableName=TABLE, Item=_item(n))
    old = ddb.put_item(TableName=TABLE, Item=_item(1), ReturnValues="ALL_OLD")
    assert old["Attributes"]["bin"]["B"] == bytes(range(1, 21))
    ddb.put_item(
        TableName=TABLE, Item=_item(2), ReturnConsumedCapacity="TOTAL", ReturnValues="NONE"
    )
    key = {"pk": {"S": "p"}, "sk": {"N": "1"}}
    got = ddb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]
    assert got == ddb.get_item(TableName=TABLE, Key=key)["Item"]
    assert got["l"]["L"][4] == {"B": b"\x10"} and got["f"] == {"BOOL": False}
    ddb.get_item(TableName=TABLE, Key={"pk": {"S": "nobody"}, "sk": {"N": "0"}})
    ddb.get_item(
        TableName=TABLE,
        Key=key,
        ProjectionExpression="#m.inner, l[1], bs",
        ExpressionAttributeNames={"#m": "m"},
        ReturnConsumedCapacity="INDEXES",
    )
    for returns in ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "UPDATED_NEW", "NONE"):
        ddb.update_item(
            TableName=TABLE,
            Key=key,
            UpdateExpression="SET m.codes = :c, num = num + :one ADD ss :s REMOVE blank",
            ExpressionAttributeValues={
                ":c": {"SS": ["x1", "x2"]},
                ":one": {"N": "1"},
                ":s": {"SS": ["г"]},
            },
            ReturnValues=returns,
        )
    ddb.delete_item(
        TableName=TABLE, Key={"pk": {"S": "p"}, "sk": {"N": "5"}}, ReturnValues="ALL_OLD"
    )

    page = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p AND sk > :z",
        ExpressionAttributeValues={":p": {"S": "p"}, ":z": {"N": "0"}},
        Limit=2,
        ReturnConsumedCapacity="TOTAL",
    )
    ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ExclusiveStartKey=page["LastEvaluatedKey"],
        ScanIndexForward=False,
        FilterExpression="attribute_exists(bin)",
    )
    ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="COUNT",
    )
    for index in ("by-g", "by-g-keys"):
        ddb.query(
            TableName=TABLE,
            IndexName=index,
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g1"}},
            Limit=1,
        )
    ddb.scan(
        TableName=TABLE, FilterExpression="t = :t", ExpressionAttributeValues={":t": {"BOOL": True}}
    )
    ddb.scan(TableName=TABLE, Limit=1, ProjectionExpression="pk, sk, m")
    ddb.batch_get_item(
        RequestItems={
            TABLE: {
                "Keys": [
                    key,
                    {"pk": {"S": "p"}, "sk": {"N": "3"}},
                    {"pk": {"S": "no"}, "sk": {"N": "1"}},
                ]
            }
        }
    )
    ddb.batch_write_item(
        RequestItems={
            TABLE: [
                {"PutRequest": {"Item": _item(7)}},
                {"DeleteRequest": {"Key": {"pk": {"S": "p"}, "sk": {"N": "4"}}}},
            ]
        }
    )
    ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": TABLE, "Key": key}},
            {"Get": {"TableName": TABLE, "Key": {"pk": {"S": "none"}, "sk": {"N": "1"}}}},
        ]
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": _item(8)}},
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": key,
                    "UpdateExpression": "SET num = num + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )

    assert [code for code, _, _ in _refusals(ddb)][:3] == [
        "ConditionalCheckFailedException",
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    ]

    records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    assert {r["eventName"] for r in records} == {"INSERT", "MODIFY", "REMOVE"}
    assert any("OldImage" in r["dynamodb"] and "NewImage" in r["dynamodb"] for r in records)
    streams.get_records(ShardIterator=iterator, Limit=2)

    assert direct.AttributeValueJSONSerializer._candidates  # members picked from the cache too
    compared = _BothWays.compared
    for operation in (
        "PutItem:ok",
        "GetItem:ok",
        "UpdateItem:ok",
        "DeleteItem:ok",
        "Query:ok",
        "Scan:ok",
        "BatchGetItem:ok",
        "BatchWriteItem:ok",
        "TransactGetItems:ok",
        "TransactWriteItems:ok",
        "DescribeTable:ok",
        "DescribeStream:ok",
        "GetShardIterator:ok",
        "GetRecords:ok",
    ):
        assert compared[operation] > 0, (operation, compared)


def test_values_not_in_the_expected_form_are_moto_s_to_answer():
    for unusual in ({"S": "a", "N": "1"}, {"s": "lower"}, {}, ["S", "a"], {"X": "?"}):
        with pytest.raises(direct._Unusual):
            direct.attribute_value(unusual)
    with pytest.raises(direct._Unusual):
        direct.attribute_value({"M": {"": {"S": "empty name"}}})
    assert direct.attribute_value({"S": None}) == {}
    assert direct.attribute_value({"L": [None, {"N": "1"}]}) == {"L": [None, {"N": "1"}]}
    assert direct.attribute_value({"B": "YQ=="}) == {"B": "WVE9PQ=="}  # as moto: str encoded


def test_stock_and_direct_agree_on_unusual_values_too():
    """The unusual forms, serialised through the shapes both ways: moto's code answers them."""
    from moto.core.responses import get_service_model

    model = get_service_model("dynamodb")
    operation = model.operation_model("GetItem")
    for item in (
        {"a": {"S": "x", "N": "1"}},
        {"a": {"s": "lower"}},
        {"a": {"M": {"": {"S": "v"}, "k": {"N": "2"}}}},
        {"a": {"L": [{"S": "x"}, {"BOOL": True, "NULL": True}]}},
        {"a": {"S": None}},
        {"a": None},
    ):
        stock = JSONSerializer(operation).serialize({"Item": item})
        mine = direct.AttributeValueJSONSerializer(operation).serialize({"Item": item})
        assert mine == stock, item


def test_error_answers_are_the_same_as_stock_moto_s():
    """DynamoDB's errors are moto's exceptions, written out by themselves (not by the serializer):
    the same refusals answer the same bytes with and without the direct attribute values."""
    from moto import mock_aws

    answers = []
    for install in (False, True):
        if install:
            assert direct.install()
        try:
            with mock_aws():
                ddb = boto3.client("dynamodb", region_name="eu-central-1")
                ddb.create_table(
                    TableName=TABLE,
                    KeySchema=KEY_SCHEMA,
                    AttributeDefinitions=[
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "N"},
                    ],
                    BillingMode="PAY_PER_REQUEST",
                )
                ddb.put_item(TableName=TABLE, Item=_item(1))
                answers.append(_refusals(ddb))
        finally:
            direct.uninstall()
    assert len(answers[0]) == 6
    assert answers[0] == answers[1]
    assert b"ALL_OLD" not in answers[0][0][2] and b"Item" in answers[0][0][2]


def _request_bodies() -> list[tuple[str, dict[str, Any]]]:
    """Requests of every operation the portal sends, as JSON on the wire (binaries base64), with
    the unusual values moto's own walk must answer mixed in."""
    import base64
    import json

    def wire(value: Any) -> Any:
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        if isinstance(value, dict):
            return {k: wire(v) for k, v in value.items()}
        if isinstance(value, list):
            return [wire(v) for v in value]
        return value

    key = {"pk": {"S": "p"}, "sk": {"N": "1"}}
    unusual = {
        "two": {"S": "a", "N": "1"},
        "unknown": {"X": "?"},
        "lower": {"s": "x"},
        "empty": {},
        "null_member": {"S": None},
        "number_as_json": {"N": 5},
        "set_as_string": {"SS": "abc"},
        "map_with_null": {"M": {"a": None, "b": {"BOOL": False}}},
        "list_with_null": {"L": [None, {"NULL": True}, {"L": []}]},
        "nested_unusual": {"M": {"deep": {"L": [{"S": "x", "BOOL": True}]}}},
        "strings_in_a_map": {"SS": {"a": "b"}},
    }
    requests = [
        ("PutItem", {"TableName": TABLE, "Item": _item(3)}),
        ("PutItem", {"TableName": TABLE, "Item": {**key, **unusual}}),
        ("GetItem", {"TableName": TABLE, "Key": key, "ConsistentRead": True}),
        (
            "UpdateItem",
            {
                "TableName": TABLE,
                "Key": key,
                "UpdateExpression": "SET a = :a ADD n :n",
                "ExpressionAttributeValues": {":a": {"BS": [b"\x00", b"\xff"]}, ":n": {"N": "1"}},
                "ConditionExpression": "attribute_exists(pk)",
                "ReturnValues": "ALL_NEW",
            },
        ),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {"TableName": TABLE, "Item": _item(4)}},
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key": key,
                            "UpdateExpression": "ADD n :n",
                            "ExpressionAttributeValues": {":n": {"N": "-1"}},
                        }
                    },
                    {
                        "ConditionCheck": {
                            "TableName": TABLE,
                            "Key": key,
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "q"}, "sk": {"N": "2"}}}},
                ]
            },
        ),
        (
            "BatchGetItem",
            {
                "RequestItems": {
                    TABLE: {"Keys": [key, {"pk": {"B": b"\x01"}}], "ConsistentRead": True}
                }
            },
        ),
        (
            "BatchWriteItem",
            {
                "RequestItems": {
                    TABLE: [{"PutRequest": {"Item": _item(5)}}, {"DeleteRequest": {"Key": key}}]
                }
            },
        ),
        (
            "Query",
            {
                "TableName": TABLE,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {
                    ":p": {"S": "p"},
                    **{f":{k}": v for k, v in unusual.items()},
                },
                "ExclusiveStartKey": key,
            },
        ),
    ]
    return [(operation, json.loads(json.dumps(wire(body)))) for operation, body in requests]


def _request_dict(body: dict[str, Any]) -> dict[str, Any]:
    """A request as moto's parsers take it, with `body` as its JSON."""
    import json

    return {
        "method": "POST",
        "values": {},
        "headers": {},
        "body": json.dumps(body).encode(),
        "url_path": "/",
        "url_params": {},
    }


def test_requests_parse_as_moto_parses_them():
    """AttributeValueJSONParser gives exactly moto's parse of each request (binaries as bytes,
    numbers and odd values as they came), the unusual values included."""

    from moto.core.parse import JSONParser
    from moto.core.responses import get_service_model

    model = get_service_model("dynamodb")
    for operation, body in _request_bodies():
        request = _request_dict(body)
        operation_model = model.operation_model(operation)
        stock = JSONParser(operation_model, map_type=dict).parse(request)
        mine = direct.AttributeValueJSONParser(operation_model, map_type=dict).parse(request)
        assert repr(mine) == repr(stock), operation
    # The direct reading really answers, and refuses what is moto's to judge.
    assert direct.parsed_attribute_value({"B": "AP8="}) == {"B": b"\x00\xff"}
    for unusual in ({"S": "a", "N": "1"}, {"X": "?"}, {"SS": "abc"}, {"M": []}, ["S"]):
        with pytest.raises(direct._Unusual):
            direct.parsed_attribute_value(unusual)


def test_a_request_moto_refuses_is_refused_the_same_way():

    from moto.core.parse import JSONParser
    from moto.core.responses import get_service_model

    operation_model = get_service_model("dynamodb").operation_model("PutItem")
    for item in ({"b": {"B": "not base64!"}}, {"m": {"M": "not a map"}}, {"l": {"L": 7}}):
        request = _request_dict({"TableName": TABLE, "Item": item})
        outcomes = []
        for parser in (JSONParser, direct.AttributeValueJSONParser):
            try:
                outcomes.append(repr(parser(operation_model, map_type=dict).parse(request)))
            except Exception as err:
                outcomes.append(f"{type(err).__name__}: {err}")
        assert outcomes[0] == outcomes[1], item
