"""How many A4 pages the synthesis body (before the appendix) and the whole DOCX run to, rendered by LibreOffice.

    DEBUG=1 .venv/bin/python bench/synthesis_pages.py [--year 2026] [--keep DIR]

Builds the year's synthesis from the database it is pointed at (the demo's after `make run`'s seeding, or the 2,000
agencies of bench/generate.py), writes the DOCX, cuts a copy at the "PHỤ LỤC" page break, and converts both with
`soffice --headless --convert-to pdf` (Debian: libreoffice-writer-nogui; only this benchmark needs it). Targets
(issue 13): body ≤ 10 pages for the demo year, ≤ 12 at 2,000 agencies. Prints the figures; asserts nothing.
"""
import argparse
import io
import os
import re
import shutil
import subprocess  # nosec B404  # runs LibreOffice on files this script wrote
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plan119.settings")


def body_only(docx_bytes: bytes) -> bytes:
    """The document up to the appendix: everything from the paragraph "PHỤ LỤC" on is dropped (with the page break
    before it)."""
    import docx

    doc = docx.Document(io.BytesIO(docx_bytes))
    body = doc.element.body
    children = list(body.iterchildren())
    heading = next(p for p in doc.paragraphs if p.text.strip() == "PHỤ LỤC")._element
    start = children.index(heading)
    for el in children[start - 1:]:
        if not el.tag.endswith("}sectPr"):
            body.remove(el)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pages(docx_path: Path, soffice: str) -> int:
    out_dir = docx_path.parent
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out_dir), str(docx_path)],  # nosec
                   check=True, capture_output=True, timeout=300)
    pdf = docx_path.with_suffix(".pdf").read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", type=int, help="default: the latest period with reports")
    parser.add_argument("--keep", help="folder to keep the DOCX and PDF files in")
    args = parser.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice is not installed: apt-get install libreoffice-writer-nogui", file=sys.stderr)
        return 2
    import django

    django.setup()
    from django.utils import timezone

    from reporting.models import ReportingPeriod
    from reporting.synthesis.build import synthesis_build
    from reporting.synthesis.documents import synthesis_docx

    periods = ReportingPeriod.objects.filter(reports__isnull=False).distinct().order_by("-year")
    period = periods.filter(year=args.year).first() if args.year else periods.first()
    if period is None:
        print("No period with reports in this database.", file=sys.stderr)
        return 2
    synthesis = synthesis_build(period=period, today=timezone.localdate())
    whole = synthesis_docx(synthesis.content, synthesis.narrative(), doc_number=synthesis.doc_number)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "synthesis.docx").write_bytes(whole)
    (folder / "synthesis-body.docx").write_bytes(body_only(whole))
    agencies = len(synthesis.content.get("agencies", []))
    body_words = sum(len(p.split()) for p in _paragraphs(folder / "synthesis-body.docx"))
    print(f"year {period.year}: {agencies} agencies counted")
    print(f"body (before the appendix): {pages(folder / 'synthesis-body.docx', soffice)} pages, {body_words} words "
          "(target: ≤ 10 for the demo year, ≤ 12 at 2,000 agencies)")
    print(f"whole document with the appendix: {pages(folder / 'synthesis.docx', soffice)} pages")
    if not args.keep:
        shutil.rmtree(folder)
    return 0


def _paragraphs(path: Path) -> list[str]:
    import docx

    doc = docx.Document(str(path))
    return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]


if __name__ == "__main__":
    sys.exit(main())
