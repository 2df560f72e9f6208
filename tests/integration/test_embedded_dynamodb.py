"""The embedded DynamoDB: serialised (no overselling under threads) and persisted across restarts."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from nmo_cli.embedded_dynamodb import EmbeddedDynamoDB


def _client(url: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def embedded(tmp_path: Path):
    db = EmbeddedDynamoDB(port=0, data_dir=tmp_path / "ddb", interval=0.2)
    db.start()
    yield db
    db.stop()


def _make_counter_table(client) -> None:
    client.create_table(
        TableName="seats",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    client.put_item(TableName="seats", Item={"id": {"S": "e"}, "taken": {"N": "0"}})


def test_conditional_updates_from_many_threads_never_oversell(embedded):
    client = _client(embedded.url)
    _make_counter_table(client)

    def take_seat(_: int) -> bool:
        try:
            client.update_item(
                TableName="seats",
                Key={"id": {"S": "e"}},
                UpdateExpression="ADD taken :one",
                ConditionExpression="taken < :cap",
                ExpressionAttributeValues={":one": {"N": "1"}, ":cap": {"N": "25"}},
            )
            return True
        except ClientError as err:
            assert err.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        granted = sum(pool.map(take_seat, range(120)))
    item = client.get_item(TableName="seats", Key={"id": {"S": "e"}})["Item"]
    assert granted == 25
    assert item["taken"]["N"] == "25"


def test_data_survives_a_clean_restart(tmp_path: Path):
    from chalicelib.db.models import Specialist

    first = EmbeddedDynamoDB(port=0, data_dir=tmp_path / "ddb", interval=0.2)
    first.start()
    client = _client(first.url)
    from nmo_cli.embedded_dynamodb import table_definition

    client.create_table(**table_definition(Specialist, "nmo-local-specialists"))
    client.put_item(
        TableName="nmo-local-specialists",
        Item={
            "oid": {"S": "42"},
            "last_name": {"S": "Петров"},
            "roles": {"L": [{"S": "specialist"}]},
            "photo": {"B": b"\x00\xff"},
        },
    )
    first.stop()

    second = EmbeddedDynamoDB(port=0, data_dir=tmp_path / "ddb", interval=0.2)
    second.start()
    try:
        item = _client(second.url).get_item(
            TableName="nmo-local-specialists", Key={"oid": {"S": "42"}}
        )["Item"]
    finally:
        second.stop()
    assert item["last_name"]["S"] == "Петров"
    assert item["photo"]["B"] == b"\x00\xff"


def test_periodic_snapshot_is_written_after_a_write_without_a_stop(embedded):
    import time

    client = _client(embedded.url)
    _make_counter_table(client)
    deadline = time.monotonic() + 60  # polled: only an upper bound, generous for a loaded CI
    path = embedded.snapshot_path
    while time.monotonic() < deadline:
        if path.exists() and '"seats"' in path.read_text():
            break
        time.sleep(0.05)
    assert '"seats"' in path.read_text()


def test_one_client_makes_many_calls_over_one_connection(embedded):
    """Keep-alive: a call does not cost a new TCP connection (werkzeug's server closed each)."""
    client = _client(embedded.url)
    _make_counter_table(client)
    opened = embedded.server.connections_opened
    for i in range(30):
        client.put_item(TableName="seats", Item={"id": {"S": f"s{i}"}, "taken": {"N": "0"}})
        assert client.get_item(TableName="seats", Key={"id": {"S": f"s{i}"}})["Item"]
    assert embedded.server.connections_opened - opened <= 1
    # A request that fails is answered on the same connection too.
    with pytest.raises(ClientError):
        client.get_item(TableName="no-such-table", Key={"id": {"S": "x"}})
    client.get_item(TableName="seats", Key={"id": {"S": "s0"}})
    assert embedded.server.connections_opened - opened <= 1


def test_requests_go_on_while_a_snapshot_is_written_and_it_stays_consistent(embedded):
    """The snapshot takes only references under the lock: while it writes them out, an update
    goes through at once and changes the store, not the snapshot being written."""
    from nmo_cli import moto_speedups
    from nmo_cli.embedded_dynamodb import capture, snapshot_lines

    client = _client(embedded.url)
    _make_counter_table(client)
    with embedded.app.lock:
        captured = capture()
        moto_speedups.freeze_items()
    try:
        # The lock is free: this would hang if writing the snapshot held it.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(
                client.update_item,
                TableName="seats",
                Key={"id": {"S": "e"}},
                UpdateExpression="ADD taken :one",
                ExpressionAttributeValues={":one": {"N": "5"}},
            ).result(timeout=60)
        written = [json.loads(line) for line in snapshot_lines(captured)]
    finally:
        with embedded.app.lock:
            moto_speedups.thaw_items()
    seats = [r["item"] for r in written if r["table"] == "seats"]
    assert seats == [{"id": {"S": "e"}, "taken": {"N": "0"}}]
    stored = client.get_item(TableName="seats", Key={"id": {"S": "e"}})["Item"]
    assert stored["taken"] == {"N": "5"}


def test_the_store_reports_what_snapshots_cost_its_requests(embedded):
    import urllib.request

    client = _client(embedded.url)
    _make_counter_table(client)
    assert embedded.snapshot() >= 1
    with urllib.request.urlopen(embedded.url + "/_nmo/stats", timeout=60) as resp:
        stats = json.loads(resp.read())
    assert stats["snapshots"] >= 1 and stats["items"] >= 1
    assert {"lock_held_ms_max", "written_ms_max", "request_wait_behind_snapshot_ms_max"} <= set(
        stats
    )


def test_a_snapshot_reusing_unchanged_lines_writes_what_a_full_one_would(embedded):
    """Lines of unchanged items are kept between snapshots; whatever changed in between (an
    update in place, a put, a delete, a failed condition) the file equals a fresh serialisation."""
    from nmo_cli.embedded_dynamodb import capture, snapshot_lines

    client = _client(embedded.url)
    _make_counter_table(client)
    for i in range(20):
        client.put_item(TableName="seats", Item={"id": {"S": f"s{i}"}, "taken": {"N": "0"}})
    embedded.snapshot()
    client.update_item(
        TableName="seats",
        Key={"id": {"S": "s3"}},
        UpdateExpression="ADD taken :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    with pytest.raises(ClientError):
        client.update_item(
            TableName="seats",
            Key={"id": {"S": "s4"}},
            UpdateExpression="ADD taken :one",
            ConditionExpression="taken > :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    client.put_item(TableName="seats", Item={"id": {"S": "s5"}, "taken": {"N": "7"}})
    client.delete_item(TableName="seats", Key={"id": {"S": "s6"}})
    embedded.snapshot()
    written = embedded.snapshot_path.read_text(encoding="utf-8").splitlines()
    with embedded.app.lock:
        fresh = list(snapshot_lines(capture()))
    assert sorted(written) == sorted(fresh)
    assert any('"s3"' in line and '"1"' in line for line in written)
    assert not any('"s6"' in line for line in written)


@pytest.mark.parametrize("over", [0, 1])
def test_a_new_item_s_size_is_checked_once_as_moto_checks_it_attribute_by_attribute(over):
    """moto_speedups._sized_once refuses exactly the items moto's attribute-by-attribute check
    refuses: one at the limit is stored, one byte more is not."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from nmo_cli import moto_speedups

    fixed = {"k": {"S": "key"}, "n": {"N": "12.5"}, "m": {"M": {"x": {"SS": ["a", "б"]}}}}
    fixed["big"] = {"S": "ж" * 1000}
    used = sum(len(k.encode()) + DynamoType(v).size() for k, v in fixed.items())
    pad = "x" * (moto_speedups.ITEM_SIZE_LIMIT - used - len("pad") + over)
    attrs = {**fixed, "pad": {"S": pad}}

    def moto_s_own_check() -> object:
        stored = LimitedSizeDict()
        for key, value in attrs.items():  # what moto's Item.__init__ does
            stored[key] = DynamoType(value)
        return sorted(stored)

    def checked_once() -> object:
        item = Item.__new__(Item)
        moto_speedups._sized_once(item, DynamoType({"S": "key"}), None, attrs)
        return sorted(item.attrs)

    outcomes = []
    for build in (moto_s_own_check, checked_once):
        try:
            outcomes.append(build())
        except ItemSizeTooLarge:
            outcomes.append("too large")
    assert outcomes == [("too large" if over else sorted(attrs))] * 2


def test_response_items_become_the_same_plain_values_as_moto_makes_them():
    """moto_speedups._plain_results: exact dicts, lists, strings and numbers first, the rest
    (attribute values, items, binaries, datetimes, dict subclasses) as moto converts them."""
    import datetime as dt
    from collections import OrderedDict

    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from nmo_cli import moto_speedups

    # moto's own, also when an embedded store in this process installed the speedups
    stock = getattr(utilities.dynamo_to_dict, "stock", utilities.dynamo_to_dict)
    plain = moto_speedups._plain_results(stock)
    attrs = {
        "s": {"S": "строка"},
        "n": {"N": "-1.5"},
        "b": {"B": b"\x00\xff"},
        "bs": {"BS": [b"\x01", b"\x02"]},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}}},
        "ss": {"SS": ["a", "b"]},
    }
    item = Item(DynamoType({"S": "k"}), None, attrs)
    result = {
        "Responses": {"t": [item.to_json()["Attributes"], item]},
        "Item": item,
        "When": dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC),
        "Ordered": OrderedDict(a=DynamoType({"N": "1"})),
        "Plain": [1, 2.5, True, None, "x", {"B": "AP8="}],
        "Value": DynamoType({"B": "AP8="}),
    }
    assert repr(plain(result)) == repr(stock(result))
    assert plain(result)["Value"] == {"B": b"\x00\xff"}
