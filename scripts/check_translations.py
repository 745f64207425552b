"""Fail when a catalogue has untranslated or fuzzy strings, or its .mo is older than its .po.

Run by `make test`; `make messages` extracts new strings and compiles the catalogues.
"""

import gettext
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "accord" / "locale"


def main() -> int:
    problems: list[str] = []
    catalogues = sorted(ROOT.glob("*/LC_MESSAGES/django.po"))
    if not catalogues:
        problems.append("no translation catalogues under accord/locale")
    for po_path in catalogues:
        po = polib.pofile(str(po_path))
        name = po_path.relative_to(ROOT.parent.parent)
        untranslated = po.untranslated_entries()
        fuzzy = po.fuzzy_entries()
        if untranslated:
            sample = ", ".join(repr(e.msgid) for e in untranslated[:5])
            problems.append(f"{name}: {len(untranslated)} untranslated (e.g. {sample})")
        if fuzzy:
            problems.append(f"{name}: {len(fuzzy)} fuzzy entries need review")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{name}: not compiled (run scripts/compile_translations.py)")
            continue
        with mo_path.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for entry in po.translated_entries():
            if entry.msgid_plural:
                continue
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            if compiled._catalog.get(key) != entry.msgstr:  # type: ignore[attr-defined]
                problems.append(f"{name}: the .mo is out of date (run scripts/compile_translations.py)")
                break
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
