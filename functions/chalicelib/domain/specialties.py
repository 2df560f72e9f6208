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


def specialty_name(code: object) -> str:
    spec = get_specialty(code)
    return spec.name if spec else str(code)


def is_known_specialty(code: str) -> bool:
    return get_specialty(code) is not None
