"""Any table on a dashboard, downloaded as CSV or XLSX (?format=csv|xlsx).

Every cell goes through the one sanitiser (agencies/text.py): text is cleaned, never a formula in the workbook and
never read as one from the CSV; the dashboards' own counts and rates stay numbers.
"""
import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from agencies.text import csv_cell, sheet_cell


def table_response(request, *, filename: str, headers: list[str], rows) -> HttpResponse | None:
    """The table as a file when the request asks for one (else None, and the view renders HTML)."""
    fmt = request.GET.get("format")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([csv_cell(str(h)) for h in headers])
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
        # the byte-order mark makes Excel read the Vietnamese as UTF-8
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        for j, header in enumerate(headers, 1):
            sheet_cell(sheet, 1, j, str(header)).font = Font(bold=True)
        for i, row in enumerate(rows, 2):
            for j, value in enumerate(row, 1):
                sheet_cell(sheet, i, j, "" if value is None else value)
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        return None
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
