"""Reading a spreadsheet export as a table of rows, and collecting per-row problems.

What arrives is whatever Excel or WPS saved: UTF-8 with or without a BOM, or GBK/GB18030
("CSV (逗号分隔)" on a Chinese Windows), commas or tabs, Chinese or English headers,
blank rows at the end. :func:`read_table` turns that into ``(row number, {column: text})``
pairs where the row number is the one the spreadsheet shows (the header is row 1), so an
error message points at the cell a person has to fix.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Callable

from core.errors import TooLarge, ValidationFailed

from .fields import FieldError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ERRORS_SHOWN = 500

# Chinese and alternative headers -> column names; ``None`` marks a column to ignore
HEADER_ALIASES = {
    "楼栋": "building", "楼号": "building", "楼栋号": "building", "栋": "building", "单元": "unit",
    "单元号": "unit", "房号": "room", "房间号": "room", "门牌号": "room", "室": "room", "楼层": "floor",
    "专有面积": "area_m2", "专有部分面积": "area_m2", "套内面积": "area_m2", "面积": "area_m2",
    "area": "area_m2", "姓名": "name", "手机": "phone", "手机号": "phone", "手机号码": "phone",
    "电话": "phone", "联系电话": "phone", "关系": "relation", "身份": "relation", "与房屋关系": "relation",
    "关怀标签": "care_labels", "关怀": "care_labels", "care": "care_labels", "备注": None, "note": None,
    "notes": None, "remark": None,
}
_UNIT_SUFFIX = re.compile(r"\s*[（(][^()（）]*[)）]\s*$")   # 面积(㎡) -> 面积


class ImportRejected(ValidationFailed):
    """The file has problems; ``errors`` lists each one and nothing was written."""

    def __init__(self, errors: list[dict]):
        shown = errors[:MAX_ERRORS_SHOWN]
        super().__init__("directory.import.rejected", details={"errors": shown, "error_count": len(errors)},
                         count=len(errors))
        self.errors = shown


@dataclass
class Problems:
    """Problems found while checking a file, in row order."""

    items: list[dict] = field(default_factory=list)

    def add(self, row: int, column: str, problem: str, **params) -> None:
        self.items.append({"row": row, "column": column, "problem": problem,
                           "message_key": f"directory.import.{problem}", "params": params})

    def check_row(self, row_no: int, row: dict, checks: dict[str, Callable]) -> dict | None:
        """Run each column's checker; the clean values, or None after recording every failure."""
        clean, ok = {}, not row.get("__extra__")
        if not ok:
            self.add(row_no, "", "extra_cells")
        for column, check in checks.items():
            try:
                clean[column] = check(row.get(column, ""))
            except FieldError as exc:
                self.add(row_no, column, exc.problem, **exc.params)
                ok = False
        return clean if ok else None

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRejected(sorted(self.items, key=lambda e: e["row"]))


def decode(data: bytes | str) -> str:
    """Text of an upload: UTF-8 (BOM or not), else GB18030 (a superset of GBK and GB2312)."""
    if isinstance(data, str):
        if len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            raise TooLarge("directory.import.too_large", limit_mb=MAX_BYTES // (1024 * 1024))
        return data.lstrip("\ufeff")
    if len(data) > MAX_BYTES:
        raise TooLarge("directory.import.too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationFailed("directory.import.encoding")


def _column_name(header: str) -> str | None:
    name = _UNIT_SUFFIX.sub("", header.strip()).strip()
    lowered = name.lower().replace(" ", "_")
    if lowered in HEADER_ALIASES:
        return HEADER_ALIASES[lowered]
    return HEADER_ALIASES.get(name, lowered)


def read_table(data: bytes | str, required: tuple[str, ...], optional: tuple[str, ...] = ()
               ) -> list[tuple[int, dict]]:
    """Rows of the upload as dicts of the known columns; header problems raise at once."""
    text = decode(data)
    if "\x00" in text:
        raise ValidationFailed("directory.import.malformed")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationFailed("directory.import.empty")
        columns, problems = _columns(header, required, optional)
        problems.raise_if_any()
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue       # Excel leaves blank lines at the end
            if len(rows) >= MAX_ROWS:
                raise TooLarge("directory.import.too_many_rows", limit=MAX_ROWS)
            row = {name: cells[i].strip() for i, name in enumerate(columns) if name and i < len(cells)}
            if any(cell.strip() for cell in cells[len(columns):]):
                row["__extra__"] = True
            rows.append((reader.line_num, row))
    except csv.Error:
        raise ValidationFailed("directory.import.malformed")
    if not rows:
        raise ValidationFailed("directory.import.empty")
    return rows


def _columns(header: list[str], required, optional) -> tuple[list[str | None], Problems]:
    problems, columns = Problems(), []
    known = set(required) | set(optional)
    for cell in header:
        name = _column_name(cell) if cell.strip() else None
        if name is not None and name not in known:
            problems.add(1, cell.strip(), "unknown_column")
            name = None
        elif name is not None and name in columns:
            problems.add(1, name, "duplicate_column")
            name = None
        columns.append(name)
    for name in required:
        if name not in columns:
            problems.add(1, name, "missing_column")
    return columns, problems
