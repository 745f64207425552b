"""Fill a catalogue's empty translations from a JSON file of msgid -> msgstr (or a list of plural
forms). Used when translations are prepared outside the .po file."""

import json
import sys
from pathlib import Path

import polib


def main(po_path: str, json_path: str) -> None:
    po = polib.pofile(po_path)
    translations = json.loads(Path(json_path).read_text(encoding="utf-8"))
    filled = 0
    for entry in po:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        value = translations.get(key)
        if value is None or entry.translated():
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = dict(enumerate(value))
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    po.save()
    print(f"filled {filled}; untranslated left: {len(po.untranslated_entries())}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
