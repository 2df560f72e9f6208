"""Files providers and organizations send (CSV in UTF-8, UTF-16 or Windows-1251, or XLSX): the one
reader for every import, so encodings, delimiters and spreadsheet quirks are handled once."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, columns); message in Russian."""


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's «Unicode text»), else cp1251.

    The whole file is decoded incrementally: a cp1251 file's first non-ASCII byte may come late.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


@dataclass
class SourceFile:
    """Rows of a CSV or XLSX file as (row number, cells), the header already taken off."""

    path: Path
    encoding: str | None = None
    delimiter: str | None = None
    header: list[Any] = field(default_factory=list)

    @property
    def is_xlsx(self) -> bool:
        return self.path.suffix.lower() in (".xlsx", ".xlsm")

    def open(self) -> None:
        suffix = self.path.suffix.lower()
        if not self.path.is_file():
            raise ImportFileError(f"Файл {self.path} не найден.")
        if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
            raise ImportFileError("Поддерживаются файлы CSV и XLSX.")
        if not self.is_xlsx:
            self.encoding = detect_encoding(self.path)
            with self.path.open(encoding=self.encoding, newline="") as fh:
                self.delimiter = detect_delimiter(fh.readline())

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows with their numbers as a spreadsheet shows them (the header is row 1)."""
        if self.is_xlsx:
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[tuple[int, list[Any]]]:
        assert self.encoding and self.delimiter
        with self.path.open(encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            try:
                self.header = next(reader, [])
                yield from enumerate(reader, start=2)
            except csv.Error as exc:
                raise ImportFileError(f"Файл CSV повреждён: {exc}.") from exc

    def _xlsx_rows(self) -> Iterator[tuple[int, list[Any]]]:
        import zipfile

        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ImportFileError("Файл не открывается как книга Excel (XLSX).") from exc
        try:
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            self.header = list(next(rows, ()) or ())
            for number, cells in enumerate(rows, start=2):
                yield number, list(cells)
        finally:
            workbook.close()
