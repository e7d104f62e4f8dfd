"""The catalogues: Vietnamese complete, English only where it differs from the (English) msgids, and both render."""
import importlib.util

import polib
import pytest
from django.conf import settings
from django.urls import reverse

spec = importlib.util.spec_from_file_location("compile_messages", settings.BASE_DIR / "scripts" / "compile_messages.py")
compile_messages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compile_messages)

LOCALE = settings.BASE_DIR / "locale"


def catalogue(*entries: polib.POEntry) -> polib.POFile:
    po = polib.POFile()
    for entry in entries:
        po.append(entry)
    return po


def test_the_catalogues_pass_their_check():
    vi = polib.pofile(str(LOCALE / "vi/LC_MESSAGES/django.po"))
    en = polib.pofile(str(LOCALE / "en/LC_MESSAGES/django.po"))
    assert compile_messages.catalogue_problems(vi, en) == []
    assert len(en) < len(vi) // 10  # English keeps only its differences


def test_the_check_finds_what_is_wrong():
    vi = catalogue(
        polib.POEntry(msgid="Lead (chủ trì)", msgstr="Chủ trì"),
        polib.POEntry(msgid="Report", msgstr="Báo cáo"),
        polib.POEntry(msgid="Draft", msgstr=""),
        polib.POEntry(msgid="Late", msgstr="Chậm", flags=["fuzzy"]),
        polib.POEntry(msgid="%(n)d day", msgid_plural="%(n)d days", msgstr_plural={0: "%(n)d ngày"}),
        polib.POEntry(msgid="Report", msgstr="Báo cáo"),  # a second definition, as two merged branches leave it
    )
    en = catalogue(
        polib.POEntry(msgid="Lead (chủ trì)", msgstr="Lead"),
        polib.POEntry(msgid="Report", msgstr="Report"),
        polib.POEntry(msgid="%(n)d day", msgid_plural="%(n)d days", msgstr_plural={0: "%(n)d day", 1: "%(n)d days"}),
        polib.POEntry(msgid="Gone", msgstr="Gone away"),
        polib.POEntry(msgid="Empty", msgstr=""),
    )
    problems = compile_messages.catalogue_problems(vi, en)
    assert problems == [
        "vi: untranslated 'Draft'",
        "vi: defined twice 'Report'",
        "vi: fuzzy 'Late'",
        "en: same as the msgid, leave it out 'Report'",
        "en: same as the msgid, leave it out '%(n)d day'",
        "en: not in the Vietnamese catalogue 'Gone'",
        "en: empty, leave it out 'Empty'",
        "en: not in the Vietnamese catalogue 'Empty'",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language,shown,hidden", [
    ("en", ["Difficulties and proposals", ">Lead<", "Co-operating"], ["Khó khăn, vướng mắc", "Lead (chủ trì)"]),
    ("vi", ["Khó khăn, vướng mắc, kiến nghị", "Chủ trì"], ["Difficulties and proposals", ">Lead<"]),
])
def test_a_page_renders_in_each_language(client, small_plan, owner, language, shown, hidden):
    """English has almost no entries of its own: the msgids show, and its few differences too. The page of the cast's
    item 1.1 (conftest.py), which has a lead and co-operating agencies."""
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    task = small_plan.tasks["1.1"]
    html = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    for text in shown:
        assert text in html, text
    for text in hidden:
        assert text not in html, text
