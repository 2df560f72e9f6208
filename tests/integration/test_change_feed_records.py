"""The local change feed reads GetRecords answers as JSON (nmo_cli/change_feed.py): the records
it hands on are exactly those botocore's own parser gives, binaries and timestamps included."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from nmo_cli import change_feed

TABLE = "feed-check"


def _items() -> list[dict[str, Any]]:
    return [
        {
            "pk": {"S": f"k{n}"},
            "s": {"S": 'строка «кавычки» "\\\n' if n % 2 else ""},
            "n": {"N": str(n * 1.5)},
            "b": {"B": bytes(range(n, n + 9))},
            "bs": {"BS": [b"\x00", bytes([n])]},
            "ss": {"SS": ["a", "б"]},
            "ns": {"NS": ["1", "-2.5"]},
            "null": {"NULL": True},
            "flag": {"BOOL": n % 2 == 0},
            "l": {"L": [{"S": "x"}, {"B": b"\xff\x00"}, {"L": []}, {"M": {}}]},
            "m": {"M": {"deep": {"M": {"codes": {"SS": ["d1"]}, "bin": {"B": b"\x01"}}}}},
        }
        for n in range(1, 8)
    ]


@pytest.fixture
def streams_and_table() -> Any:
    from moto import mock_aws

    with mock_aws():
        kw = {"region_name": "eu-central-1", "config": Config(account_id_endpoint_mode="disabled")}
        ddb = boto3.client("dynamodb", **kw)
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        for item in _items():
            ddb.put_item(TableName=TABLE, Item=item)
        for n in (1, 2):
            ddb.update_item(
                TableName=TABLE,
                Key={"pk": {"S": f"k{n}"}},
                UpdateExpression="SET n = n + :one, m.deep.codes = :c REMOVE b",
                ExpressionAttributeValues={":one": {"N": "1"}, ":c": {"SS": ["d1", "d2"]}},
            )
        ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "k3"}})
        arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        yield kw, arn


def _read_all(client: Any, arn: str, limit: int) -> list[dict[str, Any]]:
    shard = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    pages = []
    for _ in range(5):
        answer = client.get_records(ShardIterator=iterator, Limit=limit)
        answer.pop("ResponseMetadata")
        iterator = answer.pop("NextShardIterator")  # a new random iterator each answer
        pages.append(answer)
    return pages


def test_records_read_as_json_are_those_botocore_parses(streams_and_table, monkeypatch):
    kw, arn = streams_and_table
    direct = boto3.client("dynamodbstreams", **kw)
    used = []

    def counted(response_dict: dict[str, Any], **rest: Any) -> None:
        change_feed.records_read_directly(response_dict, **rest)
        used.append(response_dict["body"] == b"{}")

    direct.meta.events.register("before-parse.dynamodb-streams.GetRecords", counted)
    stock = boto3.client("dynamodbstreams", **kw)
    for limit in (1000, 3):
        mine, botocores = _read_all(direct, arn, limit), _read_all(stock, arn, limit)
        assert mine == botocores
    assert used and all(used)
    records = [r for page in mine for r in page["Records"]]
    assert {r["eventName"] for r in records} == {"INSERT", "MODIFY", "REMOVE"}
    first = next(r for r in records if r["eventName"] == "MODIFY")["dynamodb"]
    assert isinstance(first["OldImage"]["b"]["B"], bytes)
    assert first["ApproximateCreationDateTime"].tzinfo is not None


def test_the_feed_s_own_client_reads_its_records_directly(dynamodb, monkeypatch):
    from chalicelib.db.connection import ensure_bound
    from chalicelib.settings import get_settings

    read = []
    original = change_feed.records_read_directly

    def counted(response_dict: dict[str, Any], **rest: Any) -> None:
        original(response_dict, **rest)
        read.append(response_dict["body"] == b"{}")

    monkeypatch.setattr(change_feed, "records_read_directly", counted)
    feed = change_feed.ChangeFeed(("registrations",))
    feed.start()
    assert feed.poll() == []
    ensure_bound().client.put_item(
        TableName=get_settings().table_prefix + "registrations",
        Item={"event_id": {"S": "e1"}, "oid": {"S": "p1"}, "status": {"S": "confirmed"}},
    )
    (record,) = feed.poll()
    assert record["table"] == "registrations" and record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"]["status"] == {"S": "confirmed"}
    assert read and all(read)


@pytest.mark.parametrize(
    "body",
    [
        b'{"Records": [{"dynamodb": {"Keys": {"k": {"S": "a", "N": "1"}}}}]}',
        b'{"Records": [{"dynamodb": {"NewImage": {"k": {"X": "?"}}}}]}',
        b'{"Records": [{"dynamodb": {"NewImage": {"k": ["S", "a"]}}}]}',
        b"not json",
    ],
)
def test_an_answer_of_another_form_is_left_to_botocore(body):
    response = {"status_code": 200, "body": body, "headers": {}}
    custom: dict[str, Any] = {}
    change_feed.records_read_directly(response, custom)
    assert response["body"] == body and custom == {}


def test_an_error_is_left_to_botocore():
    body = b'{"__type": "ExpiredIteratorException", "message": "x"}'
    response = {"status_code": 400, "body": body, "headers": {}}
    custom: dict[str, Any] = {}
    change_feed.records_read_directly(response, custom)
    assert response["body"] == body and custom == {}
