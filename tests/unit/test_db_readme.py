"""The storage design document names every table and index the models define."""

from __future__ import annotations

from pathlib import Path

from chalicelib.db.models import ALL_MODELS

README = Path(__file__).resolve().parents[2] / "functions" / "chalicelib" / "db" / "README.md"


def test_db_readme_describes_every_table_with_its_keys_and_indexes():
    text = README.read_text(encoding="utf-8")
    for model in ALL_MODELS:
        row = next(
            (line for line in text.splitlines() if line.startswith(f"| `{model.table}` |")), None
        )
        assert row is not None, f"table {model.table} is missing from db/README.md"
        assert f"`{model._hash_keyname}`" in row, model.table
        if model._range_keyname:
            assert f"`{model._range_keyname}`" in row, model.table
        for index in model._indexes.values():
            assert f"`{index.Meta.index_name}`" in row, (model.table, index.Meta.index_name)
        if model.ttl_attribute:
            assert f"`{model.ttl_attribute}`" in row, model.table
