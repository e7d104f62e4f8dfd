"""What an uploaded file really is, judged by its content and not only by its name."""
import zipfile

# The kinds of evidence agencies attach (issue #3): PDF, Word, Excel (new and old formats), photos.
ALLOWED_KINDS = {"pdf", "docx", "xlsx", "doc", "xls", "jpg", "png"}
EXTENSIONS = {"pdf": {"pdf"}, "docx": {"docx"}, "xlsx": {"xlsx"}, "doc": {"doc"}, "xls": {"xls"}, "jpg": {"jpg", "jpeg"}, "png": {"png"}}
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


def sniff_kind(upload) -> str | None:
    """The file's kind from its first bytes (and, for Office files, its inner structure); None when unknown."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(_OLE2):
        return "ole2"  # .doc or .xls: the container is the same; the name decides which
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def classify_upload(upload) -> str | None:
    """The accepted kind of an upload when its name and its content agree; None otherwise."""
    extension = extension_of(upload.name)
    sniffed = sniff_kind(upload)
    if sniffed == "ole2":
        return extension if extension in ("doc", "xls") else None
    if sniffed and extension in EXTENSIONS.get(sniffed, ()):
        return sniffed
    return None
