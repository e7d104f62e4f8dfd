"""Compile locale/*/LC_MESSAGES/django.po into .mo files with polib (no GNU gettext needed on the machine), then check
the catalogues: Vietnamese has every entry, translated and not fuzzy; English holds only the entries whose English
differs from the msgid (the msgids are English, and Django shows the msgid when English has no entry); no msgid is
defined twice.

Exits 1 when a check fails (the .mo files are written all the same).
"""
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def _same_as_msgid(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        forms = entry.msgstr_plural
        return forms.get(0) == entry.msgid and all(text == entry.msgid_plural for n, text in forms.items() if n > 0)
    return entry.msgstr == entry.msgid


def _name(entry: polib.POEntry) -> str:
    return repr(entry.msgid[:60] + ("…" if len(entry.msgid) > 60 else ""))


def catalogue_problems(vi: polib.POFile, en: polib.POFile) -> list[str]:
    """What is wrong with the two catalogues: a Vietnamese entry untranslated or fuzzy, an English entry that repeats
    its msgid or that Vietnamese does not know."""
    problems = [f"vi: untranslated {_name(e)}" for e in vi.untranslated_entries()]
    # two entries with one msgid (parallel branches both adding it): GNU msgfmt refuses the file, polib keeps one
    seen: set = set()
    for entry in vi:
        key = (entry.msgctxt, entry.msgid)
        if key in seen and not entry.obsolete:
            problems.append(f"vi: defined twice {_name(entry)}")
        seen.add(key)
    problems += [f"vi: fuzzy {_name(e)}" for e in vi.fuzzy_entries()]
    known = {(e.msgctxt, e.msgid) for e in vi if not e.obsolete}
    for entry in en:
        if entry.obsolete:
            continue
        if not entry.translated():
            problems.append(f"en: empty, leave it out {_name(entry)}")
        elif _same_as_msgid(entry):
            problems.append(f"en: same as the msgid, leave it out {_name(entry)}")
        if (entry.msgctxt, entry.msgid) not in known:
            problems.append(f"en: not in the Vietnamese catalogue {_name(entry)}")
    return problems


def main() -> int:
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(ROOT)}: {len(po.translated_entries())} translated, "
              f"{len(po.untranslated_entries())} untranslated, {len(po.fuzzy_entries())} fuzzy")
    problems = catalogue_problems(
        polib.pofile(str(ROOT / "locale/vi/LC_MESSAGES/django.po")),
        polib.pofile(str(ROOT / "locale/en/LC_MESSAGES/django.po")),
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
