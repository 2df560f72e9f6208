"""DynamoDB attribute values answered as they are, not walked shape by shape (embedded store only).

moto 5.2 serialises every response by walking the botocore output shape, and for each member of
each structure asks an attribute picker that instantiates six alias providers. An item's every
attribute value is such a structure (`AttributeValue`: S, N, B, SS, …, ten members), so a response
with the event item cost ~40 alias lookups per attribute: in a registration rush that walk was 43%
of the store's time, a third of it the change feed's stream records with their full images.

moto's results already hold attribute values as DynamoDB JSON (`{"S": "…"}`), so an attribute value
is answered here by one dict lookup of its only key, converted as moto would convert it (strings
via `str`, binaries base64-encoded, booleans as they are, lists and maps element by element). The
response's other structures still go through moto's own walk, so its layout is moto's own. Anything
not of the expected form (several keys, an unknown key, an empty attribute name, a conversion that
fails) is handed back to moto's own code for that value: the answer is byte for byte moto's either
way, which tests/integration/test_moto_attribute_values.py checks operation by operation.

Requests the same way round: moto parses a request by walking the input shape, an attribute value
member by member (ten lookups, and a base64 decode for binaries). `AttributeValueJSONParser` reads
a one-key attribute value as moto's walk would give it, and hands anything else to that walk.
tests/integration/test_moto_attribute_values.py compares the two parses, unusual values included.

Only `install()` enables it, for the dynamodb and dynamodbstreams services, and only on the moto
version it was checked against (VERIFIED_MOTO): on any other version moto's serializer and parser
stay.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from enum import Enum
from typing import Any, ClassVar

from moto.core.parse import JSONParser
from moto.core.serialize import AttributePickerContext, JSONSerializer, XFormedAttributePicker

log = logging.getLogger("nmo.dynamodb")

VERIFIED_MOTO = "5.2.5"
SERVICES = ("dynamodb", "dynamodbstreams")
ATTRIBUTE_VALUE = "AttributeValue"


class _Unusual(Exception):
    """A value this module does not answer itself: moto's own code does."""


def _string(value: Any) -> Any:
    # moto's BaseJSONSerializer._serialize_type_string.
    if type(value) is str:
        return value
    if isinstance(value, Enum):
        value = value.value
    return str(value) if value not in [None, {}, []] else value


def _blob(value: Any) -> str:
    # moto's ResponseSerializer._base64 (a str is encoded as it is, as moto does).
    if isinstance(value, str):
        value = value.encode("utf-8")
    return base64.b64encode(value).strip().decode("utf-8")


def _same(value: Any) -> Any:
    return value  # booleans: moto's default serialisation


def _strings(values: Any) -> list[Any]:
    return [_string(v) for v in values]


def _blobs(values: Any) -> list[str]:
    return [_blob(v) for v in values]


def _list(values: Any) -> list[Any]:
    # moto appends the element itself when serialising it produced nothing (a None element).
    return [None if v is None else attribute_value(v) for v in values]


def _map(values: Any) -> dict[str, Any]:
    # moto skips None values; an empty attribute name would make moto merge the value's members
    # into the map itself, so that rare case is moto's to answer.
    if "" in values:
        raise _Unusual
    return {k: attribute_value(v) for k, v in values.items() if v is not None}


# The members of botocore's AttributeValue shape and what moto does with each (checked against the
# service models by `install()`).
_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "S": _string,
    "N": _string,
    "B": _blob,
    "SS": _strings,
    "NS": _strings,
    "BS": _blobs,
    "M": _map,
    "L": _list,
    "NULL": _same,
    "BOOL": _same,
}
_MEMBER_TYPES = {
    "S": ("string", None),
    "N": ("string", None),
    "B": ("blob", None),
    "SS": ("list", "string"),
    "NS": ("list", "string"),
    "BS": ("list", "blob"),
    "M": ("map", ATTRIBUTE_VALUE),
    "L": ("list", ATTRIBUTE_VALUE),
    "NULL": ("boolean", None),
    "BOOL": ("boolean", None),
}


def _one_member(value: Any, converters: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """A one-key DynamoDB JSON dict with its member converted (a None member gives {}, as moto
    skips null members); anything else is _Unusual."""
    if type(value) is not dict or len(value) != 1:
        raise _Unusual
    ((kind, inner),) = value.items()
    convert = converters.get(kind)
    if convert is None:
        raise _Unusual
    return {} if inner is None else {kind: convert(inner)}


def attribute_value(value: Any) -> dict[str, Any]:
    """moto's serialisation of one AttributeValue structure that is a one-key DynamoDB JSON dict.
    (With one key K, moto's picker finds only member K: no member's aliases name another.)"""
    return _one_member(value, _CONVERTERS)


class AttributeValueJSONSerializer(JSONSerializer):
    """moto's JSON serializer, with attribute values and attribute maps answered directly."""

    # (service, parent shape, member shape, member name) → the keys moto's picker tries, in order.
    _candidates: ClassVar[dict[tuple[str, Any, str, str], tuple[str, ...]]] = {}

    def _direct(self) -> bool:
        # A response transformer on a key path inside an item would need moto's walk.
        return not getattr(self._value_picker, "response_transformers", None)

    def get_value(self, value: Any, key: str, shape: Any) -> Any:
        """moto's picker on a plain dict: the first of its candidate keys the dict holds. For a
        dict the candidates depend on the shapes only (a dict has no `Meta`, its class name is
        `dict`), so they are listed once per member."""
        picker = self._value_picker
        if (
            type(value) is not dict
            or type(picker) is not XFormedAttributePicker
            or not self._direct()
        ):
            return super().get_value(value, key, shape)
        parent = getattr(shape, "parent", None)
        marker = (
            str(self.service_model.service_name),
            getattr(parent, "name", None),
            shape.name,
            key,
        )
        keys = self._candidates.get(marker)
        if keys is None:
            context = AttributePickerContext(
                obj=value,
                key=key,
                shape=shape,
                operation_model=self.operation_model,
                service_model=self.operation_model.service_model,
                key_path=".".join(self.path),
            )
            keys = tuple(picker.get_possible_keys(context))
            if any("." in k for k in keys):  # a dotted key is a path to moto's picker
                return super().get_value(value, key, shape)
            self._candidates[marker] = keys
        for candidate in keys:
            if candidate in value:
                return value[candidate]
        return None

    def _answered(
        self, serialized: Any, shape: Any, key: str, convert: Callable[[Any], Any], value: Any
    ) -> bool:
        """Write `convert(value)` under the member's name; False when it cannot (moto's own code
        then answers, or fails, just the same)."""
        try:
            serialized[self.get_serialized_name(shape, key)] = convert(value)
        except Exception:
            return False
        return True

    def _serialize_type_structure(self, serialized: Any, value: Any, shape: Any, key: str) -> None:
        direct = key and value is not None and shape.name == ATTRIBUTE_VALUE and self._direct()
        if not (direct and self._answered(serialized, shape, key, attribute_value, value)):
            super()._serialize_type_structure(serialized, value, shape, key)

    def _serialize_type_map(self, serialized: Any, value: Any, shape: Any, key: str) -> None:
        direct = shape.value.name == ATTRIBUTE_VALUE and self._direct()
        if not (direct and self._answered(serialized, shape, key, _map, value)):
            super()._serialize_type_map(serialized, value, shape, key)


def _parsed_blob(value: Any) -> bytes:
    return base64.b64decode(value)  # moto's default_blob_parser


def _parsed_list(values: Any) -> list[Any]:
    if type(values) is not list:
        raise _Unusual  # moto would walk a string or a map as if it were a list
    return list(values)


def _parsed_blobs(values: Any) -> list[bytes]:
    return [_parsed_blob(v) for v in _parsed_list(values)]


def _parsed_map(values: Any) -> dict[str, Any]:
    if type(values) is not dict:
        raise _Unusual
    # moto keeps a null value of a map as None.
    return {k: None if v is None else parsed_attribute_value(v) for k, v in values.items()}


def _parsed_elements(values: Any) -> list[Any]:
    return [None if v is None else parsed_attribute_value(v) for v in _parsed_list(values)]


# What moto's parser makes of each member of an AttributeValue: strings, numbers and booleans
# stay as they came (its default handler), binaries are base64-decoded, lists and maps walked.
_PARSERS: dict[str, Callable[[Any], Any]] = {
    "S": _same,
    "N": _same,
    "B": _parsed_blob,
    "SS": _parsed_list,
    "NS": _parsed_list,
    "BS": _parsed_blobs,
    "M": _parsed_map,
    "L": _parsed_elements,
    "NULL": _same,
    "BOOL": _same,
}


def parsed_attribute_value(value: Any) -> dict[str, Any]:
    """moto's parse of one AttributeValue that is a one-key DynamoDB JSON dict."""
    return _one_member(value, _PARSERS)


class AttributeValueJSONParser(JSONParser):
    """moto's JSON request parser, with DynamoDB's attribute values read directly."""

    def _direct(self, shape: Any) -> bool:
        return (
            self.MAP_TYPE is dict
            and str(self.operation_model.service_model.service_name) in SERVICES
            and shape.name == ATTRIBUTE_VALUE
        )

    def _parse_structure(self, shape: Any, value: Any) -> Any:
        if value is not None and self._direct(shape):
            try:
                return parsed_attribute_value(value)
            except Exception:  # noqa: S110 - moto's own walk answers (or fails) instead
                pass
        return super()._parse_structure(shape, value)

    def _parse_map(self, shape: Any, value: Any) -> Any:
        if self._direct(shape.value) and getattr(shape.key, "type_name", None) == "string":
            try:
                return _parsed_map(value)
            except Exception:  # noqa: S110 - moto's own walk answers (or fails) instead
                pass
        return super()._parse_map(shape, value)


def _shape_matches(service: str) -> bool:
    from moto.core.responses import get_service_model

    model = get_service_model(service)
    shape: Any = model.shape_for(ATTRIBUTE_VALUE)
    if model.protocol != "json" or set(shape.members) != set(_MEMBER_TYPES):
        return False
    for name, member in shape.members.items():
        kind, inner = _MEMBER_TYPES[name]
        if member.type_name != kind:
            return False
        if kind == "list" and inner not in (member.member.type_name, member.member.name):
            return False
        if kind == "map" and member.value.name != inner:
            return False
    return True


def install() -> bool:
    """Answer attribute values directly in this process's moto, for DynamoDB and its streams.
    Returns whether it did (not on a moto version other than VERIFIED_MOTO)."""
    import moto
    from moto.core import serialize

    if moto.__version__ != VERIFIED_MOTO or not all(_shape_matches(s) for s in SERVICES):
        log.warning(
            "moto %s: attribute values keep moto's own serializer (checked on %s)",
            moto.__version__,
            VERIFIED_MOTO,
        )
        return False
    from moto.core import parse

    for service in SERVICES:
        serialize.SERVICE_SPECIFIC_SERIALIZERS[service] = {"json": AttributeValueJSONSerializer}
    # Keyed by protocol only: the parser itself acts for SERVICES alone.
    parse.PROTOCOL_PARSERS["json"] = AttributeValueJSONParser
    return True


def uninstall() -> None:
    from moto.core import parse, serialize

    if parse.PROTOCOL_PARSERS.get("json") is AttributeValueJSONParser:
        parse.PROTOCOL_PARSERS["json"] = JSONParser

    for service in SERVICES:
        if serialize.SERVICE_SPECIFIC_SERIALIZERS.get(service) == {
            "json": AttributeValueJSONSerializer
        }:
            del serialize.SERVICE_SPECIFIC_SERIALIZERS[service]
