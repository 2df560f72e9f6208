"""Checks for free text arriving from people: length bounds, broken Unicode, control characters."""

from __future__ import annotations

import re
import unicodedata

from ..errors import InvalidInput

_ALLOWED_CONTROLS = {"\n", "\t"}
# C0/C1 controls (except tab and newline), lone surrogates and non-characters: broken Unicode that
# must not reach a page, a JSON index or a calendar file.
_BROKEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_TAG = re.compile(r"<[^>]*>?")
# Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C): an override in a
# title or a name reverses what follows it on other people's screens («cod.exe» shown as «exe.doc»).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def display_text(value: object, limit: int = 20000) -> str:
    """Stored text made fit for a page or a file: broken Unicode replaced, bidi controls dropped,
    bounded, trimmed (for text written before input was checked, or by imports)."""
    if value is None:
        return ""
    text = str(value)
    text = _BROKEN.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return BIDI_CONTROLS.sub("", text).strip()[:limit]


def plain_text(value: object, limit: int = 20000) -> str:
    """Text without anything tag-like: for calendar files, whose readers may render HTML."""
    return _TAG.sub("", display_text(value, limit)).replace("<", "").replace(">", "")


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
    # Bidi controls are dropped, not refused: pasted text carries them invisibly (U+200E from
    # spreadsheets), and without them the text reads the same, only no longer reversed.
    text = BIDI_CONTROLS.sub("", text).strip()
    for ch in text:
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in _ALLOWED_CONTROLS):
            raise InvalidInput(f"Поле «{label}» содержит недопустимые символы.", field=field)
    if required and not text:
        raise InvalidInput(f"Поле «{label}» обязательно.", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"Поле «{label}» длиннее {max_length} символов.", field=field)
    return text


def full_name(last: str | None, first: str | None, middle: str | None) -> str:
    """«Фамилия Имя Отчество», skipping what is missing (a person may have no patronymic)."""
    return " ".join(part for part in (last, first, middle) if part)
