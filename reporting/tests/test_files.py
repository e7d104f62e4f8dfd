"""What an upload really is (reporting/files.py): Office files are real OOXML packages of their kind and of a sane
unpacked size, PDFs are PDFs and not web pages; issue 11, point 12. Uploads go to the cast's report (conftest.py)."""
import io
import zipfile

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.cycle import files, services

pytestmark = pytest.mark.django_db

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>')


def real_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Báo cáo kết quả thực hiện Kế hoạch 119/KH-UBND năm 2025")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def real_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Chỉ tiêu", "Số lượng"])
    workbook.active.append(["Hội nghị xúc tiến", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def package(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def kind_of(name, content):
    return files.classify_upload(SimpleUploadedFile(name, content))


def test_real_word_and_excel_files_are_accepted():
    assert kind_of("bao-cao.docx", real_docx()) == "docx"
    assert kind_of("so-lieu.xlsx", real_xlsx()) == "xlsx"


def test_a_word_file_named_as_excel_and_the_other_way_round_are_refused():
    assert kind_of("bao-cao.xlsx", real_docx()) is None
    assert kind_of("so-lieu.docx", real_xlsx()) is None


def test_a_zip_with_only_a_web_page_under_word_is_not_a_word_file():
    fake = package({"[Content_Types].xml": CONTENT_TYPES.format(main=WORD_MAIN),
                    "word/x.html": "<script>alert(1)</script>"})
    assert kind_of("bao-cao.docx", fake) is None


def test_the_main_part_must_be_declared_as_a_word_document():
    parts = {"word/document.xml": "<w:document/>"}
    assert kind_of("a.docx", package({"[Content_Types].xml": CONTENT_TYPES.format(main=WORD_MAIN), **parts})) == "docx"
    assert kind_of("a.docx", package({"[Content_Types].xml": CONTENT_TYPES.format(main="text/html"), **parts})) is None
    macro = "application/vnd.ms-word.document.macroEnabled.main+xml"
    assert kind_of("a.docx", package({"[Content_Types].xml": CONTENT_TYPES.format(main=macro), **parts})) is None
    assert kind_of("a.docx", package(parts)) is None  # no [Content_Types].xml
    assert kind_of("a.docx", package({"[Content_Types].xml": "<Types", **parts})) is None  # not XML


def bomb(megabytes: int) -> bytes:
    """A Word file padded with megabytes of zeros: a few kilobytes on the wire."""
    parts = {"[Content_Types].xml": CONTENT_TYPES.format(main=WORD_MAIN), "word/document.xml": "<w:document/>"}
    buffer = io.BytesIO(package(parts))
    with (zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
          archive.open("word/media/zeros.bin", "w") as entry):
        for _ in range(megabytes):
            entry.write(bytes(1024 * 1024))
    return buffer.getvalue()


def test_a_zip_bomb_named_docx_is_refused_with_its_own_message(small_report, owner, settings):
    settings.ATTACHMENT_MAX_UNPACKED_MB = 4
    content = bomb(6)
    assert len(content) < 100_000
    with pytest.raises(services.ReportingError, match="MB"):
        services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("bao-cao.docx", content),
                                user=owner)
    assert not small_report.attachments.exists()


def test_an_absurd_compression_ratio_is_refused_below_the_size_cap(settings):
    settings.ATTACHMENT_MAX_UNPACKED_MB = 100
    with pytest.raises(files.UnpackedTooLarge):
        files.classify_upload(SimpleUploadedFile("bao-cao.docx", bomb(3)))


def test_too_many_parts_are_refused(monkeypatch):
    monkeypatch.setattr(files, "OFFICE_MAX_ENTRIES", 10)
    parts = {"[Content_Types].xml": CONTENT_TYPES.format(main=WORD_MAIN), "word/document.xml": "<w:document/>",
             **{f"word/media/{i}.png": b"x" for i in range(10)}}
    with pytest.raises(files.UnpackedTooLarge):
        files.classify_upload(SimpleUploadedFile("bao-cao.docx", package(parts)))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_pdf_is_accepted_and_a_pdf_html_polyglot_is_not():
    assert kind_of("minh-chung.pdf", PDF) == "pdf"
    assert kind_of("minh-chung.pdf", b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF\r\n") == "pdf"
    polyglot = b"%PDF-1.4\n<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
    assert kind_of("minh-chung.pdf", polyglot) is None
    assert kind_of("minh-chung.pdf", b"%PDF-1.4\n<SCRIPT>x</SCRIPT>\n%%EOF\n") is None


def test_a_pdf_without_its_end_marker_is_refused():
    assert kind_of("minh-chung.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n") is None
    assert kind_of("minh-chung.pdf", b"%PDF-1.4\n%%EOF\n" + b"x" * 5000) is None  # not near the end


def test_legacy_office_files_are_judged_as_before():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert kind_of("cu.doc", ole2) == "doc" and kind_of("cu.xls", ole2) == "xls" and kind_of("cu.pdf", ole2) is None


def test_the_size_cap_message_is_in_vietnamese(small_report, owner, settings):
    settings.ATTACHMENT_MAX_UNPACKED_MB = 4
    with pytest.raises(services.ReportingError, match="giải nén sẽ vượt quá 4 MB"):
        services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("bao-cao.docx", bomb(6)),
                                user=owner)
