"""The machine's draft of the synthesis body, in Vietnamese (the language of the document the DFA signs).

For each task one paragraph: how many agencies report each progress state, the indicator totals with the change from
the previous year, and the lead agency's key results in a few words. Then the shortcomings by task, the directions
for next year and the proposals by group — each bounded, so that the body does not grow with the number of agencies
(every agency's full text goes to the appendix). Pure functions of the synthesis content: no database, no clock.

The officer edits any paragraph on the synthesis page; `fingerprint` is what a rebuild compares to mark the edited
paragraphs whose figures changed since.
"""
import hashlib
import json
import re
from decimal import Decimal

from agencies.numbers import format_number_vi

LEAD_WORDS = 40  # the lead agency's key results, at most this many words
TEXT_WORDS = 30  # an excerpt of a difficulty, a plan for next year
NAMES = 4  # agencies named before "và N cơ quan khác"
PROGRESS_WORDS = [
    ("completed", "đã hoàn thành"),
    ("in_progress", "đang triển khai"),
    ("ongoing", "thực hiện thường xuyên"),
    ("not_started", "chưa triển khai"),
]
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def excerpt(text: str, words: int) -> str:
    """The first sentences of `text` up to `words` words, cut at a word with "…" when longer."""
    flat = " ".join((text or "").split())
    if not flat:
        return ""
    sentences, count = _SENTENCE_END.split(flat), 0
    out: list[str] = []
    for sentence in sentences:
        n = len(sentence.split())
        if count + n > words:
            if not out:
                out.append(" ".join(sentence.split()[:words]).rstrip(",;:") + " …")
            break
        out.append(sentence)
        count += n
    return " ".join(out)


def names(agencies: list[str]) -> str:
    """"A, B, C, D và 3 cơ quan khác": bounded whatever the number of agencies."""
    if len(agencies) <= NAMES:
        return ", ".join(agencies)
    return f"{', '.join(agencies[:NAMES])} và {len(agencies) - NAMES} cơ quan, đơn vị khác"


def change(total, previous, previous_year: int | None) -> str:
    """"tăng 12 % so với năm 2025", "giảm 3 %", "bằng năm 2025"; "" when there is nothing to compare with."""
    if total is None or previous is None or previous_year is None:
        return ""
    total, previous = Decimal(total), Decimal(previous)
    if previous == 0:
        return "" if total == 0 else f"năm {previous_year} chưa có kết quả"
    percent = ((total - previous) / previous * 100).quantize(Decimal(1))
    if percent == 0:
        return f"bằng năm {previous_year}"
    word = "tăng" if percent > 0 else "giảm"
    return f"{word} {format_number_vi(abs(percent))} % so với năm {previous_year}"


def indicator_phrase(item: dict, previous_year: int | None) -> str:
    """"Sự kiện xúc tiến: 1.234 sự kiện (tăng 12 % so với năm 2025)" — the total of the agencies that had to
    report."""
    phrase = f"{item['name']}: {format_number_vi(item['total'])} {item['unit']}".rstrip()
    compared = change(item["total"], item.get("previous"), previous_year)
    return f"{phrase} ({compared})" if compared else phrase


def fingerprint(task: dict) -> str:
    """What the task's figures are: the progress counts and each indicator's total and previous total."""
    basis = {"counts": task.get("counts", {}),
             "indicators": [[i["code"], i["total"], i.get("previous")] for i in task.get("indicators", [])]}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


def task_paragraph(task: dict, previous_year: int | None) -> str:
    """The drafted paragraph of one task (see the module's docstring)."""
    counts = task.get("counts", {})
    reported = sum(counts.get(key, 0) for key, _word in PROGRESS_WORDS)
    parts = []
    if reported:
        states = "; ".join(f"{word} {counts[key]}" for key, word in PROGRESS_WORDS if counts.get(key))
        parts.append(f"Có {reported} cơ quan, đơn vị báo cáo kết quả ({states})")
    if counts.get("no_report"):
        parts.append(f"{counts['no_report']} cơ quan, đơn vị chưa báo cáo")
    text = "; ".join(parts) + "." if parts else "Chưa có cơ quan, đơn vị báo cáo kết quả nhiệm vụ này."
    figures = [indicator_phrase(i, previous_year) for i in task.get("indicators", []) if i.get("total") is not None]
    if figures:
        text += " Kết quả chính: " + "; ".join(figures) + "."
    lead = task.get("lead")
    if lead and lead.get("results"):
        text += f" {lead['agency']} (chủ trì): {excerpt(lead['results'], LEAD_WORDS)}"
        text = text if text.endswith((".", "…", "!", "?")) else text + "."
    return text


def shortcomings(tasks: list[dict]) -> list[str]:
    """One line per task whose agencies reported difficulties: who raised them, and the first in a few words."""
    lines = []
    for task in tasks:
        raised = task.get("difficulties", [])
        if raised:
            first = excerpt(raised[0]["text"], TEXT_WORDS)
            who = names([r["agency"] for r in raised])
            lines.append(f"- Nhiệm vụ {task['code']} ({len(raised)} cơ quan, đơn vị: {who}): {first}")
    return lines


def directions(plans: list[dict], next_year: int) -> list[str]:
    """From the agencies' plans for next year: how many gave one, and the lead departments' in a few words."""
    if not plans:
        return [f"Các cơ quan, đơn vị tiếp tục triển khai các nhiệm vụ của Kế hoạch trong năm {next_year}."]
    lines = [f"Có {len(plans)} cơ quan, đơn vị đề ra phương hướng, nhiệm vụ năm {next_year} (toàn văn tại Phụ lục), "
             "trong đó:"]
    for item in plans[:NAMES + 2]:
        lines.append(f"- {item['agency']}: {excerpt(item['text'], TEXT_WORDS)}")
    if len(plans) > NAMES + 2:
        lines.append(f"- Và {len(plans) - NAMES - 2} cơ quan, đơn vị khác.")
    return lines


def proposals(groups: list[dict], escalated: list[dict]) -> list[str]:
    """The agencies' proposals counted by group of tasks, then what the DFA escalated to the Committee (bounded)."""
    lines = []
    for group in groups:
        proposing = [p for task in group.get("tasks", []) for p in task.get("proposals", [])]
        if proposing:
            who = names(sorted({p["agency"] for p in proposing}))
            first = excerpt(proposing[0]["text"], TEXT_WORDS)
            lines.append(f"- Nhóm nhiệm vụ {group['code']} ({len(proposing)} kiến nghị của {who}): {first}")
    shown = escalated[:NAMES + 2]
    if shown:
        lines.append("Các khó khăn, kiến nghị vượt thẩm quyền đề nghị UBND tỉnh xem xét, giải quyết:")
        lines += [f"- {item['title']} ({item['agency']}, nhiệm vụ {item['task']})" for item in shown]
        if len(escalated) > len(shown):
            lines.append(f"- Và {len(escalated) - len(shown)} nội dung khác (chi tiết tại Phụ lục).")
    return lines


def task_text(task: dict, paragraphs: dict) -> tuple[str, bool, bool]:
    """The paragraph the document prints for a task: the officer's wording when there is one, else the draft; with
    whether it was edited, and whether its figures changed since it was (a rebuild marks it; the officer rereads)."""
    edited = (paragraphs or {}).get(task["code"]) or {}
    if (edited.get("text") or "").strip():
        return edited["text"], True, edited.get("basis") != task.get("basis")
    return task.get("draft", ""), False, False
