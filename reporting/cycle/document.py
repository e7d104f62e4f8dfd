"""The agency's own report as an official document (Decree 30/2020/NĐ-CP), the one it signs and sends to the DFA.

IV.2 of the plan: every assigned agency evaluates its results and reports to the Provincial People's Committee
through the DFA. The web form is how the DFA receives the report; this DOCX is the signed paper (or signed PDF)
that goes with it: the agency's own heading, the number line, the place/date line, the title, the body by task with
its indicators, the overall assessment, the plans for next year, "Nơi nhận" and the signature block. The layout is
the synthesis's (reporting/synthesis/decree30.py, one set of functions for both documents).

``report_document_content`` reads what the document says; ``report_docx`` turns it into the file without touching
the database or the clock, so the same content always gives the same document.
"""
from __future__ import annotations

import datetime

from django.utils import timezone

from agencies.numbers import format_number_vi
from reporting.cycle.services import report_snapshot
from reporting.models import Report, ReportStatus
from reporting.synthesis.decree30 import (
    add_body,
    add_closing_block,
    add_header_block,
    add_title,
    document_bytes,
    issuer_of,
    new_document,
    number_line,
    paragraphs,
    signature_lines,
)
from reporting.synthesis.documents import PROGRESS_LINE, plan_subject
from tasks.models import code_sort_key

__all__ = ["SENT_STATES", "report_docx", "report_document_content"]

# Where the report stands on a version the DFA has: the document is that version, never the text edited since.
SENT_STATES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
PROGRESS = dict(PROGRESS_LINE)
# The agency reports to the Provincial People's Committee through the DFA (IV.2), which synthesises (IV.1).
RECIPIENTS = ("- Sở Ngoại vụ (để tổng hợp);", "- Lưu: VT.")


def report_document_content(report: Report, *, today: datetime.date | None = None) -> dict:
    """What the agency's document says, as plain data.

    Submitted or accepted (the DFA has a version and nothing was edited since): the last submitted version, exactly
    as the DFA received it, dated the day it was submitted. Otherwise (a draft never sent, a report returned for
    changes or reopened): the text being edited, dated today and marked "DỰ THẢO" (draft): a returned version was
    refused, so it is not a document to sign again, and the next one is still a draft.
    """
    agency, period = report.agency, report.period
    version = report.versions.order_by("-number").first() if report.status in SENT_STATES else None
    if version is not None:
        said, day, draft = version.content, timezone.localtime(version.submitted_at).date(), False
    else:
        said, day, draft = report_snapshot(report), today or timezone.localdate(), True
    plan = period.plan
    return {
        "agency": {"code": agency.code, "name": agency.name, "kind": agency.kind},
        "plan": {"number": plan.number, "title": plan.title, "issued_on": plan.issued_on.isoformat()},
        "year": period.year,
        "draft": draft,
        "version": version.number if version is not None else None,
        "date": day.isoformat(),
        "report": said,
    }


def _number(value) -> str:
    """A stored value ("1234.50") as people write it in Vietnamese ("1.234,5"); anything else as it is."""
    return format_number_vi(value) or str(value or "")


def _labelled(doc, label: str, text: str | None) -> None:
    """A labelled text ("Kết quả: …"), its further paragraphs below; nothing when it is empty."""
    lines = paragraphs(text)
    if lines:
        add_body(doc, f"{label}: {lines[0]}")
        for more in lines[1:]:
            add_body(doc, more)


def _figures(doc, section: dict) -> None:
    """The task's catalogue indicators, then the free-form figures, one per line: "- Sự kiện: 1.234,5 sự kiện"."""
    indicators = section.get("indicators") or []
    if indicators:
        add_body(doc, "Chỉ tiêu:", italic=True)
        for item in indicators:
            add_body(doc, f"- {item.get('name', '')}: {_number(item.get('value'))} {item.get('unit') or ''}".rstrip())
    figures = section.get("figures") or []
    if figures:
        add_body(doc, "Số liệu khác:", italic=True)
        for item in figures:
            add_body(doc, f"- {item.get('label', '')}: {_number(item.get('value'))} {item.get('unit') or ''}".rstrip())


def _tasks(doc, sections: dict) -> None:
    """I. Results, task by task in the plan's order (a version's JSON need not keep its keys in order)."""
    add_body(doc, "I. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ", bold=True)
    if not sections:
        add_body(doc, "Đơn vị không được giao nhiệm vụ nào trong kỳ báo cáo.")
    for code in sorted(sections, key=code_sort_key):
        section = sections[code] or {}
        add_body(doc, f"{code}. {section.get('title', '')}", bold=True, italic=True)
        progress = PROGRESS.get(section.get("progress") or "", "chưa đánh giá")
        add_body(doc, f"Tiến độ: {progress}.")
        _labelled(doc, "Kết quả", section.get("results"))
        _figures(doc, section)
        _labelled(doc, "Khó khăn, vướng mắc", section.get("difficulties"))
        _labelled(doc, "Kiến nghị, đề xuất", section.get("proposals"))


def _text_part(doc, heading: str, text: str | None, *, empty: str) -> None:
    add_body(doc, heading, bold=True)
    for line in paragraphs(text) or [empty]:
        add_body(doc, line)


def report_docx(content: dict, *, doc_number: str = "", signer: str = "", signer_title: str = "") -> bytes:
    """The agency's report as a Decree 30 DOCX: its own heading and number (``doc_number``: "12", or "12/BC-SCT" as
    typed; blank leaves room for the clerk), the title, the results by task with their indicators, the overall
    assessment, the plans for next year, "Nơi nhận" and the signature of the head of the agency (or KT./TL.)."""
    agency, plan, year = content["agency"], content["plan"], content["year"]
    said = content.get("report") or {}
    day = datetime.date.fromisoformat(content["date"])
    issuer = issuer_of(kind=agency["kind"], name=agency["name"], code=agency["code"])

    doc = new_document()
    add_header_block(doc, issuer=issuer, number=number_line(doc_number, f"BC-{issuer.symbol}"), day=day)
    add_title(doc, plan_subject(plan, year), draft=content.get("draft", False))
    add_body(doc, f"Thực hiện Kế hoạch số {plan.get('number', '')} của UBND tỉnh, {agency['name']} báo cáo kết quả "
                  f"thực hiện năm {year} như sau:")
    _tasks(doc, said.get("sections") or {})
    _text_part(doc, "II. ĐÁNH GIÁ CHUNG", said.get("summary"), empty="(Chưa có đánh giá chung.)")
    _text_part(doc, f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {year + 1}", said.get("next_year"),
               empty="(Chưa có phương hướng, nhiệm vụ năm tới.)")
    add_closing_block(doc, recipients=RECIPIENTS, signer=signer,
                      authority=signature_lines(issuer.head, signer_title, issuer.collective))
    return document_bytes(
        doc, title=f"Báo cáo kết quả thực hiện Kế hoạch số {plan.get('number', '')} năm {year}",
        subject=agency["name"], author=agency["name"], keywords=f"Kế hoạch {plan.get('number', '')}; báo cáo", day=day)
