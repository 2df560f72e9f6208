"""`nmo db backup | restore`: whole tables to JSON lines and back, nothing lost or doubled."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from chalicelib.db import audit_repo
from chalicelib.db.connection import create_tables, delete_tables, ensure_bound, table_name
from chalicelib.db.models import ALL_MODELS, AttemptCounter
from nmo_cli.backup import BackupError, backup, restore, validate
from nmo_cli.catalog_writer import element_from_dict, store_elements
from nmo_cli.demo_data import generate_elements, moderation_queue

from tests.people import make_person


def everything() -> dict[str, list[Any]]:
    client = ensure_bound().client
    tables = {}
    for model in ALL_MODELS:
        items: list[Any] = []
        kwargs: dict[str, Any] = {"TableName": table_name(model)}
        while True:
            page = client.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        tables[model.table] = sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return tables


@pytest.fixture
def populated(dynamodb):
    today = dt.date(2026, 11, 22)
    now = dt.datetime.now(dt.UTC)
    data = generate_elements(40, today=today) + moderation_queue(today)
    store_elements([element_from_dict(d, now) for d in data], update_existing=False)
    make_person("2000000001", roles=["specialist", "organizer"], specialties=[("76", "2022-01-10")])
    audit_repo.append("person#2000000001", "admin-cli", "role.grant.organizer", None, {"x": 1})
    AttemptCounter(key="code#2000000001#w", attempts=3, expires_at=dt.timedelta(minutes=5)).save()


def test_backup_wipe_restore_gives_back_every_item(populated):
    before = everything()
    assert (
        len(before["catalog"]) == 46
        and before["catalog-by-specialty"]
        and before["audit"]
        and before["attempts"]
    )
    out = io.StringIO()
    counts = backup(out)
    assert counts["catalog"] == len(before["catalog"])
    delete_tables()
    create_tables()
    assert all(items == [] for items in everything().values())
    text = out.getvalue()
    validate(io.StringIO(text))
    restored = restore(io.StringIO(text))
    assert sum(restored.values()) == sum(counts.values())
    assert everything() == before


def test_restoring_twice_doubles_nothing(populated):
    out = io.StringIO()
    backup(out)
    before = everything()
    restore(io.StringIO(out.getvalue()))
    restore(io.StringIO(out.getvalue()))
    assert everything() == before


def test_backup_is_json_lines_with_a_header_and_logical_table_names(populated):
    out = io.StringIO()
    backup(out)
    lines = out.getvalue().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "nmo-backup"
    assert set(header["tables"]) == {m.table for m in ALL_MODELS}
    first = json.loads(lines[1])
    assert first["table"] in header["tables"] and "nmo-test-" not in first["table"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "пуст"),
        ('{"hello": 1}\n', "заголовок"),
        ('{"format": "nmo-backup", "version": 1}\nnot json\n', "Строка 2"),
        ('{"format": "nmo-backup", "version": 1}\n{"table": "nope", "item": {"a": 1}}\n', "nope"),
        (
            '{"format": "nmo-backup", "version": 1}\n{"table": "catalog", "item": {"x": {"S": "1"}}}\n',
            "element_id",
        ),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused_before_anything_is_written(dynamodb, text, message):
    with pytest.raises(BackupError, match=message):
        validate(io.StringIO(text))
    assert all(items == [] for items in everything().values())
