"""Build accord/static/accord/icons.svg, a sprite of the Lucide icons the UI uses.

Run after `npm pack lucide-static && tar xzf lucide-static-*.tgz` with the package's folder as the
argument; the sprite is committed, so a normal install needs neither npm nor this script.
"""

import re
import sys
from pathlib import Path

ICONS = {
    # name in templates: lucide icon
    "sun": "sun",
    "users": "users",
    "building": "building-2",
    "activity": "activity",
    "tasks": "square-check-big",
    "search": "search",
    "bell": "bell",
    "plus": "plus",
    "phone": "phone",
    "mail": "mail",
    "calendar": "calendar",
    "note": "sticky-note",
    "settings": "settings",
    "logout": "log-out",
    "chevron-left": "chevron-left",
    "chevron-right": "chevron-right",
    "chevron-down": "chevron-down",
    "download": "download",
    "edit": "pencil",
    "trash": "trash-2",
    "merge": "merge",
    "x": "x",
    "menu": "menu",
    "filter": "sliders-horizontal",
    "bookmark": "bookmark",
    "clock": "clock",
    "user": "user",
    "map-pin": "map-pin",
    "globe": "globe",
    "tag": "tag",
    "history": "history",
    "sort": "arrow-up-down",
    "check-circle": "circle-check",
    "circle": "circle",
    "alert": "triangle-alert",
    "phone-in": "phone-incoming",
    "phone-out": "phone-outgoing",
    "chat": "message-square",
    "sms": "smartphone",
    "letter": "file-text",
    "fax": "printer",
    "social": "share-2",
    "visit": "car",
    "languages": "languages",
    "external": "external-link",
    "inbox": "inbox",
    "check": "check",
    "list": "list",
    "keyboard": "keyboard",
    "layout": "kanban",
    "chart": "chart-column",
    "sliders": "sliders-horizontal",
    "trophy": "trophy",
    "lost": "circle-x",
    "quote": "file-text",
    "grip": "grip-vertical",
    "money": "banknote",
    "target": "target",
    "zap": "zap",
    "send": "send",
    "copy": "copy",
    "code": "code-xml",
    "package": "package",
    "percent": "percent",
    "paperclip": "paperclip",
    "upload": "upload",
    "reset": "rotate-ccw",
    "link": "link",
    "shield": "shield-check",
    "key": "key-round",
    "lock": "lock",
}


def main(package: Path, out: Path) -> None:
    symbols = []
    for name, lucide in sorted(ICONS.items()):
        svg = (package / "icons" / f"{lucide}.svg").read_text()
        body = svg[svg.index(">", svg.index("<svg")) + 1 : svg.rindex("</svg>")]
        body = re.sub(r"\s+", " ", body).strip()
        symbols.append(f'<symbol id="i-{name}" viewBox="0 0 24 24">{body}</symbol>')
    header = "<!-- Lucide icons (ISC licence, see vendor/lucide/LICENSE), built by scripts/build_icons.py -->"
    out.write_text(
        header + '\n<svg xmlns="http://www.w3.org/2000/svg" style="display:none">\n' + "\n".join(symbols) + "\n</svg>\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "accord/templates/components/icons.svg")
