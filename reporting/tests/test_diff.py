"""The comparison of two versions (reporting/cycle/diff.py and its page): readable removals and insertions, side by
side or in one text, section by section, figures and indicators in the page's number format."""
import re

import pytest
from django.urls import reverse
from django.utils import translation

from plan119.testing import fill
from reporting.cycle import services
from reporting.cycle.diff import versions_diff, words_diff


def _plain(html: str) -> str:
    """What a sighted reader sees: the text without tags and without the words kept for screen readers."""
    return re.sub(r"<[^>]+>", "", re.sub(r'<span class="visually-hidden">.*?</span>', "", html))


def test_replaced_words_are_never_glued_together():
    with translation.override("vi"):
        diff = words_diff("tổ chức 5 hội", "số hóa 100% hồ")
    assert _plain(diff["inline"]) == "tổ chức 5 hội số hóa 100% hồ"  # never "hộisố"
    assert diff["inline"].count("<del>") == 1 and diff["inline"].count("<ins>") == 1  # one run each, not word by word
    assert _plain(diff["old"]) == "tổ chức 5 hội" and _plain(diff["new"]) == "số hóa 100% hồ"
    assert "<del>" in diff["old"] and "<ins>" not in diff["old"]
    assert "<ins>" in diff["new"] and "<del>" not in diff["new"]
    assert "[đã xóa: " in diff["inline"] and "[đã thêm: " in diff["inline"]  # said in words, not only in colour


def test_user_text_is_escaped():
    diff = words_diff("<b>a</b>", "<script>x</script>")
    assert "<script>" not in diff["new"] and "&lt;script&gt;" in diff["new"] and "&lt;b&gt;" in diff["old"]


def test_sections_progress_figures_and_indicators():
    old = {"summary": "A", "sections": {
        "1.1": {"title": "Hội nghị", "progress": "in_progress", "results": "x",
                "figures": [{"label": "Tin bài", "value": "80.00", "unit": "tin bài"}]},
        "2.1": {"title": "Kết nghĩa", "progress": "ongoing", "results": "y"},
    }}
    new = {"summary": "A", "sections": {
        "1.1": {"title": "Hội nghị", "progress": "completed", "results": "x",
                "figures": [{"label": "Tin bài", "value": "1234.50", "unit": "tin bài"}],
                "indicators": [{"code": "CT1", "name": "Vốn FDI", "unit": "triệu USD", "value": "1234.5"}]},
        "2.1": {"title": "Kết nghĩa", "progress": "ongoing", "results": "y"},
    }}
    with translation.override("vi"):
        blocks = versions_diff(old, new)
    assert [b["code"] for b in blocks] == ["1.1"]  # 2.1 did not change; the summary neither
    rows = {r["field"]: r for r in blocks[0]["rows"]}
    assert set(rows) == {"progress", "figures", "indicators"}
    assert (rows["progress"]["old_text"], rows["progress"]["new_text"]) == ("Đang triển khai", "Đã hoàn thành")
    assert rows["figures"]["old_text"] == "Tin bài: 80 tin bài"
    assert rows["figures"]["new_text"] == "Tin bài: 1.234,5 tin bài"
    assert rows["indicators"]["new_text"] == "CT1 Vốn FDI: 1.234,5 triệu USD"
    with translation.override("en"):
        blocks = versions_diff(old, new)
    assert {r["field"]: r for r in blocks[0]["rows"]}["figures"]["new_text"] == "Tin bài: 1,234.5 tin bài"


@pytest.mark.django_db
def test_the_page_side_by_side_and_inline(client, small_report, owner, dfa, outsider):
    fill(small_report, text="Đã tổ chức 5 hội nghị")
    services.report_submit(report=small_report, user=owner)
    services.report_return(report=small_report, user=dfa, comment="Bổ sung")
    fill(small_report, text="Đã số hóa 100% hồ sơ")
    services.report_submit(report=small_report, user=owner)
    url = reverse("report_versions", args=[small_report.pk])
    for user in (dfa, owner):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert 'id="diff-legend"' in html and 'id="diff-1.1"' in html and "diff-old" in html and "diff-new" in html
        assert "<del>" in html and "<ins>" in html
    inline = client.get(url, {"view": "inline"}).content.decode()
    assert "diff-old" not in inline and "<del>" in inline and "<ins>" in inline
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
