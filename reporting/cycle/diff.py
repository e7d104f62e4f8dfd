"""Compare two submitted versions of a report, word by word, for the DFA."""
import difflib
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

FIELDS = ("progress", "results", "difficulties", "proposals")
LABELS = {
    "summary": _("Overall assessment"),
    "progress": _("Progress"),
    "results": _("Results achieved"),
    "difficulties": _("Difficulties"),
    "proposals": _("Proposals"),
    "figures": _("Figures"),
}
_TOKEN = re.compile(r"\s+|[^\s]+")


def _words_diff(old: str, new: str) -> str:
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    # Safe: every piece of user text above went through escape(); only our own <del>/<ins> tags are raw.
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703


def _figures_text(figures: list[dict]) -> str:
    return "\n".join(f"{f['label']}: {f['value']} {f['unit']}".strip() for f in figures)


def versions_diff(old: dict, new: dict) -> list[dict]:
    """Rows of what changed between two snapshots: the overall assessment, then each task's fields and figures."""
    rows = []
    if old.get("summary", "") != new.get("summary", ""):
        rows.append({"code": "", "field": "summary", "label": LABELS["summary"], "old": old.get("summary", ""),
                     "new": new.get("summary", ""),
                     "diff": _words_diff(old.get("summary", ""), new.get("summary", ""))})
    codes = list(dict.fromkeys([*old.get("sections", {}), *new.get("sections", {})]))
    for code in codes:
        a, b = old["sections"].get(code, {}), new["sections"].get(code, {})
        for field in FIELDS:
            if a.get(field, "") != b.get(field, ""):
                rows.append({"code": code, "title": b.get("title") or a.get("title"), "field": field,
                             "label": LABELS[field],
                             "old": a.get(field, ""), "new": b.get(field, ""),
                             "diff": _words_diff(a.get(field, ""), b.get(field, ""))})
        fa, fb = _figures_text(a.get("figures", [])), _figures_text(b.get("figures", []))
        if fa != fb:
            rows.append({"code": code, "title": b.get("title") or a.get("title"), "field": "figures",
                         "label": LABELS["figures"], "old": fa, "new": fb,
                         "diff": _words_diff(fa, fb)})
    return rows
