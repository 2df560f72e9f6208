"""Checks for free text arriving from people: length bounds, broken Unicode, control characters."""

from __future__ import annotations

import unicodedata

from ..errors import InvalidInput

_ALLOWED_CONTROLS = {"\n", "\t"}


def clean_text(
    value: object,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """A trimmed, NFC-normalised string, or a 400 naming the field.

    Lone surrogates (broken UTF-16 in JSON) and control characters are refused rather than
    stored: they break exports, DynamoDB encoding and other people's screens.
    """
    if value is None or value == "":
        if required:
            raise InvalidInput(f"Поле «{label}» обязательно.", field=field)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"Поле «{label}» должно быть строкой.", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"Поле «{label}» содержит повреждённые символы Unicode.", field=field
        ) from exc
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    for ch in text:
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in _ALLOWED_CONTROLS):
            raise InvalidInput(f"Поле «{label}» содержит недопустимые символы.", field=field)
    if required and not text:
        raise InvalidInput(f"Поле «{label}» обязательно.", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"Поле «{label}» длиннее {max_length} символов.", field=field)
    return text
