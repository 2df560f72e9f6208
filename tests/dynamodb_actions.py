"""Pytest plugin: records which DynamoDB actions the deployed code performs, per table.

Only calls made while the API handles a request (Chalice app invocations) or while the hourly
`finish-events` job or a notification Lambda (daily job, stream handler, SES events) runs are
counted: what test fixtures seed or inspect is not the Lambda's.
Each worker writes build/dynamodb-actions/<worker>.json; at the end of a run the controller
merges them and compares with infra/lambda_dynamodb_actions.json, from which the Lambda's IAM
policy is generated (infra/package.py): an action the code performs that the file lacks fails
the run at once; on a complete run (whole suite, nothing deselected, all passed) an action
granted that no test performed fails it too. `python -m tests.dynamodb_actions --write`
replaces the committed file with the last complete recording.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECORD_DIR = ROOT / "build" / "dynamodb-actions"
COMMITTED = ROOT / "infra" / "lambda_dynamodb_actions.json"
MERGED = RECORD_DIR / "merged.json"

_lock = threading.Lock()
_depth = 0  # > 0 while Lambda code runs (threads the code starts inherit it: one test at a time)
recorded: dict[str, set[str]] = defaultdict(set)

_TRANSACT_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _logical(table: str) -> str:
    from chalicelib.settings import get_settings

    prefix = get_settings().table_prefix
    return table.removeprefix(prefix)


def actions_of(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(resource, IAM action) pairs of one DynamoDB call; resource is `table` or
    `table/index/name` by logical name."""
    if operation in ("TransactWriteItems", "TransactGetItems"):
        pairs = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                pairs.append((_logical(body["TableName"]), _TRANSACT_ITEM_ACTIONS[kind]))
        return pairs
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(_logical(t), operation) for t in params.get("RequestItems", {})]
    table = params.get("TableName")
    if not table:
        return [("*", operation)]
    resource = _logical(table)
    if params.get("IndexName"):
        resource += "/index/" + params["IndexName"]
    return [(resource, operation)]


def _record(operation: str, params: dict[str, Any]) -> None:
    with _lock:
        for resource, action in actions_of(operation, params):
            recorded[resource].add(action)


def _in_lambda(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _depth
        _depth += 1
        try:
            return function(*args, **kwargs)
        finally:
            _depth -= 1

    wrapper.__wrapped__ = function  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    import botocore.client
    from chalicelib.services import lifecycle
    from chalicelib.web import PortalApp

    original = botocore.client.BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if _depth > 0 and self.meta.service_model.service_name == "dynamodb":
            _record(operation_name, api_params)
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    # The app's entry point for every API Gateway event (the Chalice test client calls it too).
    PortalApp.__call__ = _in_lambda(PortalApp.__call__)  # type: ignore[method-assign]
    # The scheduled job (app.finish_events calls exactly this); tests call it directly.
    lifecycle.finish_ended_events = _in_lambda(lifecycle.finish_ended_events)
    # The notification Lambdas: the daily job, the stream handler, the SES events handler.
    from chalicelib.services import change_notices, contacts, reminders

    reminders.run_daily = _in_lambda(reminders.run_daily)
    change_notices.handle_records = _in_lambda(change_notices.handle_records)
    contacts.handle_ses_event = _in_lambda(contacts.handle_ses_event)


def as_json(actions: dict[str, set[str]]) -> dict[str, list[str]]:
    return {r: sorted(a) for r, a in sorted(actions.items()) if a}


def load(path: Path) -> dict[str, set[str]]:
    data = json.loads(path.read_text("utf-8"))
    return {r: set(a) for r, a in data.items() if not r.startswith("_")}


def compare(
    performed: dict[str, set[str]], granted: dict[str, set[str]], *, complete: bool
) -> list[str]:
    """What the policy lacks (always) and, on a complete run, what it grants unused."""
    problems = [
        f"performed but not granted: {r} {sorted(a - granted.get(r, set()))}"
        for r, a in sorted(performed.items())
        if a - granted.get(r, set())
    ]
    if complete:
        problems += [
            f"granted but never performed: {r} {sorted(a - performed.get(r, set()))}"
            for r, a in sorted(granted.items())
            if a - performed.get(r, set())
        ]
    return problems


# ---- pytest hooks -----------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    install()
    if not hasattr(config, "workerinput"):
        RECORD_DIR.mkdir(parents=True, exist_ok=True)
        for old in RECORD_DIR.glob("*.json"):
            old.unlink()


def _complete_run(session: pytest.Session) -> bool:
    config = session.config
    args = [a for a in config.args if a not in ("tests", "tests/", str(ROOT / "tests"))]
    narrowed = (
        args
        or config.getoption("keyword", "")
        or config.getoption("markexpr", "")
        or config.getoption("lf", False)
        or config.getoption("deselect", None)
    )
    return not narrowed and session.exitstatus == 0


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    if worker is not None or not hasattr(session.config, "workerinput"):
        name = worker or "main"
        (RECORD_DIR / f"{name}.json").write_text(json.dumps(as_json(recorded)), "utf-8")
    if worker is not None:
        return
    merged: dict[str, set[str]] = defaultdict(set)
    for part in RECORD_DIR.glob("*.json"):
        if part.name != MERGED.name:
            for resource, actions in load(part).items():
                merged[resource] |= actions
    if not merged:
        return
    complete = _complete_run(session)
    MERGED.write_text(json.dumps({"_complete": complete, **as_json(merged)}, indent=1), "utf-8")
    problems = compare(merged, load(COMMITTED), complete=complete)
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [
            "The Lambda's DynamoDB policy (infra/lambda_dynamodb_actions.json) differs from "
            "what the code did in this run:",
            *problems,
            "Review, then `python -m tests.dynamodb_actions --write` after a complete run.",
        ]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--write" or argv[1:] not in ([], ["--incomplete"]):
        print("usage: python -m tests.dynamodb_actions --write [--incomplete]", file=sys.stderr)
        return 2
    data = json.loads(MERGED.read_text("utf-8"))
    if not data.pop("_complete", False) and "--incomplete" not in argv:
        print("the last recording is not of a complete passing run", file=sys.stderr)
        return 1
    note = {
        "_comment": "DynamoDB actions of the Lambda per table/index (logical names), recorded "
        "by tests/dynamodb_actions.py; infra/package.py generates the IAM policy from it."
    }
    COMMITTED.write_text(json.dumps({**note, **data}, indent=2) + os.linesep, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
