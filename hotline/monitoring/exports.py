"""CSV for every table: what spreadsheets open, safe against formula injection."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from hotline.monitoring.figures import Cell, Table

# A cell a spreadsheet would run as a formula. Provider names come from RDAP, i.e. from
# strangers, so text starting like a formula is prefixed with an apostrophe.
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def table_csv(table: Table) -> str:
    return csv_text(table.columns, table.rows)


def csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
