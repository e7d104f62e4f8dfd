"""What an uploaded file really is, judged by its content and not only by its name."""
import zipfile
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree
from django.conf import settings

# The kinds of evidence agencies attach (issue #3): PDF, Word, Excel (new and old formats), photos.
ALLOWED_KINDS = {"pdf", "docx", "xlsx", "doc", "xls", "jpg", "png"}
EXTENSIONS = {"pdf": {"pdf"}, "docx": {"docx"}, "xlsx": {"xlsx"}, "doc": {"doc"}, "xls": {"xls"},
              "jpg": {"jpg", "jpeg"}, "png": {"png"}}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "jpg": "image/jpeg",
    "png": "image/png",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# An Office file (OOXML) is a zip package: its main part, where Word and Excel put it, and the content type
# [Content_Types].xml must declare for that part. Macro-enabled and template variants declare other types.
OOXML_MAIN_PARTS = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}
# Judged from the zip's central directory, nothing unpacked: a 200 MB of zeros named .docx is some 200 KB on the wire,
# and whoever opens it in Word pays for it. The unpacked total is capped by settings.ATTACHMENT_MAX_UNPACKED_MB.
OFFICE_MAX_ENTRIES = 2000
OFFICE_MAX_RATIO = 200  # unpacked / packed, for a part over 1 MB: text and XML stay far below; zeros reach ~1000
_CONTENT_TYPES_MAX = 1024 * 1024  # bytes of [Content_Types].xml read, at most (a few kilobytes in real files)
_CT_NAMESPACE = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# A PDF that is also a web page (a "polyglot") would run as one if a browser were ever led to sniff it.
_PDF_HTML_MARKERS = (b"<html", b"<script", b"<!doctype", b"<body", b"<iframe", b"<svg")
_PDF_HEAD = 1024  # bytes after "%PDF-" searched for those markers
_PDF_TAIL = 1024  # "%%EOF" must be within the last kilobyte, where readers look for it


class UnpackedTooLarge(Exception):
    """An Office file that would unpack to more than the caps allow (a zip bomb, or close enough)."""


def _ooxml_kind(upload) -> str | None:
    """docx or xlsx when the zip is a valid OOXML package of that kind; raises UnpackedTooLarge past the caps."""
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > OFFICE_MAX_ENTRIES:
                raise UnpackedTooLarge
            if sum(e.file_size for e in entries) > settings.ATTACHMENT_MAX_UNPACKED_MB * 1024 * 1024:
                raise UnpackedTooLarge
            if any(e.file_size > 1024 * 1024 and e.file_size > OFFICE_MAX_RATIO * max(e.compress_size, 1)
                   for e in entries):
                raise UnpackedTooLarge
            names = {e.filename for e in entries}
            if "[Content_Types].xml" not in names:
                return None
            with archive.open("[Content_Types].xml") as handle:
                declared = handle.read(_CONTENT_TYPES_MAX + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        return None  # not a zip we can read: unknown compression, encrypted, truncated, lying about a size
    if len(declared) > _CONTENT_TYPES_MAX:
        return None
    try:
        types = DefusedElementTree.fromstring(declared)  # an uploaded file: no entities, no expansion bombs
    except (ElementTree.ParseError, DefusedXmlException):
        return None
    overrides = {e.get("PartName", "").lower(): e.get("ContentType") for e in types.iter(f"{_CT_NAMESPACE}Override")}
    defaults = {e.get("Extension", "").lower(): e.get("ContentType") for e in types.iter(f"{_CT_NAMESPACE}Default")}
    for kind, (part, main_type) in OOXML_MAIN_PARTS.items():
        if part in names:
            declared_type = overrides.get(f"/{part}".lower()) or defaults.get(part.rsplit(".", 1)[-1])
            return kind if declared_type == main_type else None
    return None


def _is_pdf(upload) -> bool:
    """Starts with %PDF-, ends with %%EOF, and is not also a web page."""
    head = upload.read(5 + _PDF_HEAD).lower()
    upload.seek(max(upload.size - _PDF_TAIL, 0))
    tail = upload.read(_PDF_TAIL)
    return head.startswith(b"%pdf-") and b"%%EOF" in tail and not any(m in head for m in _PDF_HTML_MARKERS)


def sniff_kind(upload) -> str | None:
    """The file's kind from its first bytes (and, for PDF and Office files, their structure); None when unknown.

    Raises UnpackedTooLarge for an Office file that would unpack to more than the caps allow.
    """
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return "pdf" if _is_pdf(upload) else None
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return "png"
        if head.startswith(b"\xff\xd8\xff"):
            return "jpg"
        if head.startswith(_OLE2):
            return "ole2"  # .doc or .xls: the container is the same; the name decides which
        if head.startswith(b"PK\x03\x04"):
            return _ooxml_kind(upload)
        return None
    finally:
        upload.seek(0)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def classify_upload(upload) -> str | None:
    """The accepted kind of an upload when its name and its content agree; None otherwise.

    Raises UnpackedTooLarge for an Office file that would unpack to more than the caps allow.
    """
    extension = extension_of(upload.name)
    sniffed = sniff_kind(upload)
    if sniffed == "ole2":
        return extension if extension in ("doc", "xls") else None
    if sniffed and extension in EXTENSIONS.get(sniffed, ()):
        return sniffed
    return None
