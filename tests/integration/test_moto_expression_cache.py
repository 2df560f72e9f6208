"""Remembered expression parses (nmo_cli/moto_expression_cache.py) answer as moto's own: the same
script of writes, conditions and refusals runs on stock moto and with the caches installed, and
every answer and the stored items come out the same — including the same condition text with
other values or names, which must not share a parse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from nmo_cli import moto_expression_cache

from tests.integration.test_moto_update_parse import _same

TABLE = "expr-check"


def _script(ddb: Any) -> list[Any]:
    """Every answer of a fixed sequence of requests (errors as their code and message)."""
    answers: list[Any] = []

    def ask(call: Callable[[], Any]) -> None:
        try:
            answer = call()
            answer.pop("ResponseMetadata", None)
            answers.append(answer)
        except ClientError as err:
            answers.append(
                ("error", err.response["Error"]["Code"], err.response["Error"]["Message"])
            )
        except (ValueError, KeyError) as err:  # moto's parsers raise these in-process
            answers.append(("raised", type(err).__name__, str(err)))

    for n in range(4):
        ask(
            lambda n=n: ddb.put_item(
                TableName=TABLE,
                Item={"k": {"S": f"i{n}"}, "num": {"N": str(n * 10)}, "tag": {"S": "a"}},
                ConditionExpression="attribute_not_exists(k)",
            )
        )
    # The same put again: its condition now fails.
    ask(
        lambda: ddb.put_item(
            TableName=TABLE,
            Item={"k": {"S": "i0"}},
            ConditionExpression="attribute_not_exists(k)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    )
    # One condition text, other values: passes for some, fails for others.
    for n, bound in ((0, "-1"), (1, "100"), (2, "5"), (3, "100"), (3, "29")):
        ask(
            lambda n=n, bound=bound: ddb.update_item(
                TableName=TABLE,
                Key={"k": {"S": f"i{n}"}},
                UpdateExpression="SET #t = :t ADD #n :one",
                ConditionExpression="#n > :bound",
                ExpressionAttributeNames={"#t": "tag", "#n": "num"},
                ExpressionAttributeValues={
                    ":t": {"S": f"b{bound}"},
                    ":one": {"N": "1"},
                    ":bound": {"N": bound},
                },
                ReturnValues="ALL_NEW",
            )
        )
    # One condition and update text, other names: each must act on its own attribute.
    for name in ("num", "tag", "other"):
        ask(
            lambda name=name: ddb.update_item(
                TableName=TABLE,
                Key={"k": {"S": "i2"}},
                UpdateExpression="SET #a = :v",
                ConditionExpression="attribute_exists(#a) OR attribute_not_exists(#a)",
                ExpressionAttributeNames={"#a": name},
                ExpressionAttributeValues={":v": {"S": f"set-{name}"}},
                ReturnValues="UPDATED_OLD",
            )
        )
    # Refusals, each asked twice: remembered parses must not remember errors.
    for _ in range(2):
        ask(
            lambda: ddb.update_item(
                TableName=TABLE,
                Key={"k": {"S": "i1"}},
                UpdateExpression="SET a = :v",
                ConditionExpression="a >",
                ExpressionAttributeValues={":v": {"S": "x"}},
            )
        )
        ask(
            lambda: ddb.update_item(
                TableName=TABLE,
                Key={"k": {"S": "i1"}},
                UpdateExpression="SET a = :missing",
                ExpressionAttributeValues={":v": {"S": "x"}},
            )
        )
        ask(
            lambda: ddb.update_item(
                TableName=TABLE, Key={"k": {"S": "i1"}}, UpdateExpression="SET a = = :v"
            )
        )
        # Names found by the parse decide this refusal: a remembered parse must report them.
        ask(
            lambda: ddb.update_item(
                TableName=TABLE,
                Key={"k": {"S": "i1"}},
                UpdateExpression="SET b = :v",
                ConditionExpression="size(#a) > :one",
                ExpressionAttributeNames={"#a": "num", "#unused": "q"},
                ExpressionAttributeValues={":v": {"S": "x"}, ":one": {"N": "1"}},
            )
        )
    # Transactions: the same texts, values that cancel one and let another through.
    for bound in ("1000", "0"):
        ask(
            lambda bound=bound: ddb.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key": {"k": {"S": "i3"}},
                            "UpdateExpression": "ADD #n :one",
                            "ConditionExpression": "#n > :bound",
                            "ExpressionAttributeNames": {"#n": "num"},
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":bound": {"N": bound},
                            },
                        }
                    },
                    {
                        "Put": {
                            "TableName": TABLE,
                            "Item": {"k": {"S": f"t{bound}"}},
                            "ConditionExpression": "attribute_not_exists(k)",
                        }
                    },
                ]
            )
        )
    ask(lambda: ddb.scan(TableName=TABLE, ConsistentRead=True))
    answers[-1]["Items"].sort(key=lambda item: item["k"]["S"])
    return answers


@pytest.fixture
def table() -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        ddb = boto3.client(
            "dynamodb",
            region_name="eu-central-1",
            config=Config(account_id_endpoint_mode="disabled"),
        )
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ddb


@pytest.fixture
def remembered() -> Iterator[Counter[str]]:
    """The caches installed, counting the parses that reach moto's own parsers."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    parsed = Counter[str]()
    stock_parse = ConditionExpressionParser.parse
    stock_make = UpdateExpressionParser.__dict__["make"]

    def counted_parse(self: Any) -> Any:
        parsed["condition"] += 1
        return stock_parse(self)

    def counted_make(cls: Any, text: str) -> Any:
        parsed["update"] += 1
        return stock_make.__func__(cls, text)

    ConditionExpressionParser.parse = counted_parse
    UpdateExpressionParser.make = classmethod(counted_make)
    try:
        moto_expression_cache.install()
        yield parsed
    finally:
        moto_expression_cache.uninstall()
        ConditionExpressionParser.parse = stock_parse
        UpdateExpressionParser.make = stock_make


def test_the_script_answers_the_same_with_and_without_remembered_parses(table, remembered):
    with_caches = _script(table)
    table.delete_table(TableName=TABLE)
    table.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    parses = dict(remembered)
    moto_expression_cache.uninstall()
    stock = _script(table)
    assert with_caches == stock
    # The script really exercises both outcomes of each shared text, and errors.
    assert sum(1 for a in stock if isinstance(a, tuple)) >= 8
    assert any(isinstance(a, dict) and "Attributes" in a for a in stock)
    # Remembering happened: far fewer parses reached moto's parsers than stock moto makes.
    stock_parses = dict(remembered)
    assert parses["condition"] < (stock_parses["condition"] - parses["condition"]) / 2
    assert parses["update"] < (stock_parses["update"] - parses["update"]) / 2


def test_readers_share_one_parse_and_the_validator_gets_a_fresh_tree(remembered):
    """moto's own callers only read `make`'s tree: they share the first parse. The validator,
    which changes its tree, gets one of its own each time, equal to a parse of the text."""
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser
    from moto.dynamodb.parsing.tokens import ExpressionTokenizer

    text = "SET a = :a, b = if_not_exists(b, :z) + :one ADD c :s REMOVE d"
    shared = UpdateExpressionParser.make(text)
    assert UpdateExpressionParser.make(text) is shared
    first, second = (moto_expression_cache.fresh_update_tree(text) for _ in range(2))
    assert len({id(shared), id(first), id(second)}) == 3
    assert first.children[0] is not second.children[0]
    stock = UpdateExpressionParser(ExpressionTokenizer.make_list(text)).parse()
    assert (
        _same(first, stock, set()) and _same(second, stock, set()) and _same(shared, stock, set())
    )
    assert remembered["update"] == 1
