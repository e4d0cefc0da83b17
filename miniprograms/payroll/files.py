"""Tabular files from enterprises (CSV in UTF-8 or GBK, or XLSX), read one row at a time.

Every cell comes out normalised: full-width digits, letters and spaces folded (NFKC), zero-
width characters dropped, surrounding space stripped. A cell holding a formula (an XLSX
formula, or CSV text that a spreadsheet would run: ``=...``, ``@...``, ``+``/``-`` before a
non-number) comes out as ``Formula``, never evaluated; rows are refused for it. Limits are
checked while streaming, so a 10^6-row file stops at the limit without being read to its end.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from miniprograms.payroll.errors import FileRefused
from miniprograms.payroll.vocabulary import FileProblem

MAX_COLUMNS = 32
MAX_CELL = 200
_SNIFF = 64 * 1024
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_NUMBER_LIKE = re.compile(r"[+-]\s*[\d.]")


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell that would compute its value: refused, never run."""

    text: str


Cell = str | int | float | date | datetime | Formula | None


@dataclass(frozen=True, slots=True)
class Sheet:
    """What was read: the encoding detected (CSV) and the rows as {column: cell}."""

    encoding: str | None
    rows: Iterator[tuple[int, dict[str, Cell]]]  # (row number as the spreadsheet shows it, cells)


def normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).strip()


def read_table(
    data: bytes, *, columns: Mapping[str, tuple[str, ...]], required: frozenset[str], max_rows: int,
    max_bytes: int, encoding: str | None = None,
) -> Sheet:
    """Open ``data`` (XLSX by its signature, else CSV) and map its header to ``columns``
    ({column: header aliases}); FileRefused for the file as a whole."""
    if len(data) > max_bytes:
        raise FileRefused(FileProblem.TOO_LARGE, limit=max_bytes)
    if not data.strip():
        raise FileRefused(FileProblem.EMPTY)
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary .xls: ask for XLSX or CSV
        raise FileRefused(FileProblem.UNKNOWN_FORMAT)
    if data.startswith(b"PK\x03\x04"):
        raw_rows, found = _xlsx_rows(data), None
    else:
        found = encoding or _detect_encoding(data)
        raw_rows = _csv_rows(data, found)
    return Sheet(found, _mapped(raw_rows, columns, required, max_rows))


def _detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else GB 18030 (a superset of the GBK
    that Excel on a Chinese Windows saves), judged on the first 64 KiB."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:_SNIFF]
    for name in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(head, final=len(data) <= _SNIFF)
            return name
        except UnicodeDecodeError:
            continue
    raise FileRefused(FileProblem.UNKNOWN_ENCODING)


def _csv_rows(data: bytes, encoding: str) -> Iterator[list[Cell]]:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FileRefused(FileProblem.UNKNOWN_ENCODING) from None
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="strict", newline="")
    try:
        for row in csv.reader(text, strict=True):
            yield [_csv_cell(value) for value in row[:MAX_COLUMNS + 1]]
    except UnicodeDecodeError:
        raise FileRefused(FileProblem.UNKNOWN_ENCODING) from None
    except csv.Error:
        raise FileRefused(FileProblem.MALFORMED) from None


def _csv_cell(raw: str) -> Cell:
    if "\x00" in raw:
        raise FileRefused(FileProblem.MALFORMED)
    value = normalised(raw)
    if value[:1] in ("=", "@") or (value[:1] in ("+", "-") and not _NUMBER_LIKE.match(value)):
        return Formula(value)
    return value or None


def _xlsx_rows(data: bytes) -> Iterator[list[Cell]]:
    from openpyxl import load_workbook  # only when an XLSX arrives

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise FileRefused(FileProblem.MALFORMED) from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1):
            yield [_xlsx_cell(cell) for cell in row]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise FileRefused(FileProblem.MALFORMED) from None
    finally:
        book.close()


def _xlsx_cell(cell) -> Cell:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
        return Formula(str(value))
    if isinstance(value, str):
        return _csv_cell(value)
    if isinstance(value, bool):
        return str(value)
    return value


def _header_key(cell: Cell) -> str:
    return "".join(normalised(str(cell)).lower().split()) if cell is not None else ""


def _mapped(raw_rows: Iterator[list[Cell]], columns: Mapping[str, tuple[str, ...]], required: frozenset[str],
            max_rows: int) -> Iterator[tuple[int, dict[str, Cell]]]:
    aliases = {_header_key(alias): column for column, names in columns.items() for alias in (column, *names)}
    header: dict[int, str] | None = None
    count = 0
    for number, row in enumerate(raw_rows, start=1):
        if header is None:
            if all(cell is None for cell in row):
                continue
            header = {i: aliases[_header_key(c)] for i, c in enumerate(row) if _header_key(c) in aliases}
            missing = [column for column in columns if column in required and column not in header.values()]
            if missing:  # named as the template's header names them
                raise FileRefused(FileProblem.MISSING_COLUMNS,
                                  columns="、".join((columns[c] or (c,))[0] for c in missing))
            continue
        if all(cell is None for cell in row):
            continue
        count += 1
        if count > max_rows:
            raise FileRefused(FileProblem.TOO_MANY_ROWS, limit=max_rows)
        yield number, {column: (row[i] if i < len(row) else None) for i, column in header.items()}
    if header is None:
        raise FileRefused(FileProblem.EMPTY)
