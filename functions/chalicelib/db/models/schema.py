"""A table's schema read from its PynamoDB model: keys, key attribute types and indexes.

One reading for every description generated from the models (CloudFormation in
infra/generate_tables.py, Terraform for Yandex Cloud in nmo_cli/yandex_infra.py), so the two
deployment targets cannot disagree on a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import PortalModel


@dataclass(frozen=True)
class IndexSchema:
    name: str
    hash_key: str
    range_key: str | None
    projection_type: str  # ALL | KEYS_ONLY | INCLUDE
    non_key_attributes: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    hash_key: str
    range_key: str | None
    key_types: dict[str, str]  # every key attribute of the table and its indexes: S, N or B
    indexes: tuple[IndexSchema, ...]  # by name


def _keys_of(attributes: dict[str, Any]) -> tuple[str, str | None]:
    hash_key = next(name for name, attr in attributes.items() if attr.is_hash_key)
    range_key = next((name for name, attr in attributes.items() if attr.is_range_key), None)
    return hash_key, range_key


def schema_of(model: type[PortalModel]) -> TableSchema:
    attributes = model.get_attributes()
    hash_key, range_key = _keys_of(attributes)
    key_types = {hash_key: attributes[hash_key].attr_type}
    if range_key:
        key_types[range_key] = attributes[range_key].attr_type
    indexes = []
    for index in sorted(model._indexes.values(), key=lambda i: i.Meta.index_name):
        index_attrs = {
            name: attr
            for name, attr in vars(type(index)).items()
            if getattr(attr, "is_hash_key", False) or getattr(attr, "is_range_key", False)
        }
        index_hash, index_range = _keys_of(index_attrs)
        for name in filter(None, (index_hash, index_range)):
            key_types[name] = index_attrs[name].attr_type
        non_key = getattr(index.Meta.projection, "non_key_attributes", None) or ()
        indexes.append(
            IndexSchema(
                name=index.Meta.index_name,
                hash_key=index_hash,
                range_key=index_range,
                projection_type=index.Meta.projection.projection_type,
                non_key_attributes=tuple(sorted(non_key)),
            )
        )
    return TableSchema(hash_key, range_key, dict(sorted(key_types.items())), tuple(indexes))
