"""Compare two submitted versions of a report, word by word, for the DFA: section by section, the old text with what
was removed marked, the new text with what was added marked (side by side), and both in one text (inline), where a
removal and the insertion that replaces it are kept apart by a space so that words are never glued together."""
import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.numbers import format_number
from reporting.models import Progress

FIELDS = ("progress", "results", "difficulties", "proposals")
LABELS = {
    "summary": gettext_lazy("Overall assessment"),
    "progress": gettext_lazy("Progress"),
    "results": gettext_lazy("Results achieved"),
    "difficulties": gettext_lazy("Difficulties"),
    "proposals": gettext_lazy("Proposals"),
    "figures": gettext_lazy("Figures"),
    "indicators": gettext_lazy("Indicators"),
}
# a word with the spaces after it: a run of changed words is one removal and one insertion, not word by word
_TOKEN = re.compile(r"\S+\s*|\s+")


def _mark(tag: str, text: str) -> str:
    """A removal (<del>) or an insertion (<ins>), announced in words to screen readers: colour and line are not the
    only cue (WCAG 1.4.1)."""
    said = _("removed:") if tag == "del" else _("added:")
    words = text.rstrip()
    if not words:  # only spaces or line breaks changed: nothing to strike through or underline
        return escape(text)
    # the spaces after the words stay outside the mark: a struck-through space reads as a dash
    return f'<{tag}><span class="visually-hidden">[{escape(said)} </span>{escape(words)}' \
           f'<span class="visually-hidden">]</span></{tag}>{escape(text[len(words):])}'


def _safe(parts: list[str]) -> SafeString:
    # Safe: every piece of user text went through escape() (_mark, equal runs); only our own tags are raw.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


def words_diff(old: str, new: str) -> dict[str, SafeString]:
    """`old` with its removals marked, `new` with its insertions marked, and one inline text with both."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    before: list[str] = []
    after: list[str] = []
    inline: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            before.append(escape(removed))
            after.append(escape(added))
            inline.append(escape(added))
            continue
        if removed:
            before.append(_mark("del", removed))
            inline.append(_mark("del", removed))
        if removed and added:
            inline.append(" ")  # "tổ" replaced by "số" reads "tổ số", never "tổsố"
        if added:
            after.append(_mark("ins", added))
            inline.append(_mark("ins", added))
    return {"old": _safe(before), "new": _safe(after), "inline": _safe(inline)}


def _progress_text(value: str) -> str:
    return str(Progress(value).label) if value in Progress.values else value


def _figures_text(figures: list[dict]) -> str:
    return "\n".join(f"{f['label']}: {format_number(f['value'])} {f.get('unit', '')}".strip() for f in figures)


def _indicators_text(indicators: list[dict]) -> str:
    """The indicators (chỉ tiêu) a version reports for a task, one per line: code, name, value in the page's number
    format, unit."""
    return "\n".join(
        " ".join(filter(None, [str(i.get("code", "")), f"{i.get('name', '')}:", format_number(i.get("value")),
                               str(i.get("unit", ""))]))
        for i in indicators
    )


def _section_texts(section: dict) -> dict[str, str]:
    texts = {field: section.get(field, "") or "" for field in FIELDS}
    texts["progress"] = _progress_text(texts["progress"])
    texts["figures"] = _figures_text(section.get("figures", []))
    texts["indicators"] = _indicators_text(section.get("indicators", []))
    return texts


def _row(field: str, old: str, new: str) -> dict:
    return {"field": field, "label": LABELS[field], "old_text": old, "new_text": new, **words_diff(old, new)}


def versions_diff(old: dict, new: dict) -> list[dict]:
    """What changed between two snapshots, as blocks: the overall assessment, then each task that changed with its
    changed fields (progress by its label, figures and indicators one per line, numbers as the page writes them)."""
    blocks: list[dict] = []
    if old.get("summary", "") != new.get("summary", ""):
        blocks.append({"code": "", "title": LABELS["summary"],
                       "rows": [_row("summary", old.get("summary", ""), new.get("summary", ""))]})
    old_sections, new_sections = old.get("sections", {}), new.get("sections", {})
    for code in dict.fromkeys([*old_sections, *new_sections]):
        a, b = old_sections.get(code, {}), new_sections.get(code, {})
        ta, tb = _section_texts(a), _section_texts(b)
        rows = [_row(field, ta[field], tb[field])
                for field in (*FIELDS, "figures", "indicators") if ta[field] != tb[field]]
        if rows:
            blocks.append({"code": code, "title": b.get("title") or a.get("title"), "rows": rows,
                           "added": not a, "removed": not b})
    return blocks
