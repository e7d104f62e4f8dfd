"""Any table on a dashboard, downloaded as CSV or XLSX (?format=csv|xlsx)."""
import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font


def table_response(request, *, filename: str, headers: list[str], rows) -> HttpResponse | None:
    """The table as a file when the request asks for one (else None, and the view renders HTML)."""
    fmt = request.GET.get("format")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([str(h) for h in headers])
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        # the byte-order mark makes Excel read the Vietnamese as UTF-8
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append([str(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(["" if v is None else v for v in row])
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        return None
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
