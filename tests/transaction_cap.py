"""Pytest plugin: no TransactWriteItems call may carry more than 25 actions.

YDB's Document API (the DynamoDB-compatible API of Yandex Cloud, the portal's second target)
caps a transaction at 25 actions; DynamoDB allows 100. `Transaction` refuses a 26th item itself
(`chalicelib.db.transactions.MAX_ACTIONS`); this guard watches every DynamoDB client in the test
process, so a transaction built any other way is caught too. A call over the cap raises at once,
and the test that made it fails even if the code under test swallowed the exception.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

_lock = threading.Lock()
violations: list[str] = []


class TransactionOverCap(AssertionError):
    pass


def check(operation: str, params: dict[str, Any]) -> None:
    from chalicelib.db.transactions import MAX_ACTIONS

    if operation != "TransactWriteItems":
        return
    size = len(params.get("TransactItems", []))
    if size > MAX_ACTIONS:
        tables = sorted(
            {body["TableName"] for item in params["TransactItems"] for body in item.values()}
        )
        message = f"TransactWriteItems with {size} actions (cap {MAX_ACTIONS}) on {tables}"
        with _lock:
            violations.append(message)
        raise TransactionOverCap(message)


def install() -> None:
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            check(operation_name, api_params)
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    install()


@pytest.fixture(autouse=True)
def _transactions_within_cap() -> Iterator[None]:
    before = len(violations)
    yield
    with _lock:
        new = violations[before:]
    if new:
        pytest.fail("\n".join(new), pytrace=False)
