"""The reference list of medical specialties (FFOMS classifier V021: code, name, education level)."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

EDUCATION_LEVELS = {
    "higher": "высшее медицинское / фармацевтическое",
    "secondary": "среднее медицинское",
    "pharmaceutical": "фармацевтическое",
}

_CSV = Path(__file__).resolve().parent.parent / "reference" / "specialties.csv"


@dataclass(frozen=True)
class Specialty:
    code: str
    name: str
    education_level: str


@functools.cache
def all_specialties() -> tuple[Specialty, ...]:
    with _CSV.open(encoding="utf-8", newline="") as fh:
        rows = [
            Specialty(r["code"].strip(), r["name"].strip(), r["education_level"].strip())
            for r in csv.DictReader(fh)
        ]
    return tuple(rows)


@functools.cache
def _by_code() -> dict[str, Specialty]:
    return {s.code: s for s in all_specialties()}


def get_specialty(code: object) -> Specialty | None:
    return _by_code().get(str(code).strip())


_LEVEL_SHORT = {
    "higher": "высшее образование",
    "secondary": "среднее образование",
    "pharmaceutical": "фармацевтическое образование",
}


@functools.cache
def _ambiguous_names() -> frozenset[str]:
    seen: dict[str, int] = {}
    for s in all_specialties():
        seen[s.name] = seen.get(s.name, 0) + 1
    return frozenset(name for name, n in seen.items() if n > 1)


def specialty_name(code: object) -> str:
    """The name people read and choose from: V021 has «Лечебное дело» and «Сестринское дело» for
    two education levels, so those names carry the level beside them everywhere."""
    spec = get_specialty(code)
    if spec is None:
        return str(code)
    if spec.name in _ambiguous_names():
        return f"{spec.name} ({_LEVEL_SHORT.get(spec.education_level, spec.education_level)})"
    return spec.name


def is_known_specialty(code: str) -> bool:
    return get_specialty(code) is not None
