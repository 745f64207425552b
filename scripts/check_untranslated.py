"""Fail when a user-visible string in a template or a Python module is not marked for translation.

The interface speaks five languages; an English word left unmarked shows as English in all of them.
This check reads the source (Django is only needed for its template lexer) and reports
``file:line: text`` for:

Templates (every ``*.html`` under a ``templates`` folder of ``accord``), tokenised with Django's own
lexer so that ``{% translate %}``, ``{% blocktranslate %}`` … ``{% endblocktranslate %}``,
``{# #}``/``{% comment %}`` and ``{{ variables }}`` are told apart from the HTML around them:

- text between tags (outside ``<script>``/``<style>``) that contains a word;
- the user-visible attributes ``placeholder``, ``title``, ``aria-label``, ``alt``, ``label``,
  ``data-confirm``, and ``value`` of a submit/button/reset input (a ``<button>``'s value is not shown);
- literal strings in a template tag that name a visible text (``with label="…"``, ``title="…"``)
  and a filter's ``default:"…"`` / ``yesno:"…"`` argument.

Python modules (``accord``, without tests, migrations and demo data), by their syntax tree:

- ``verbose_name``/``verbose_name_plural``/``help_text``/``label``/``empty_label``/``placeholder``/
  ``title``/``subject``/``success_message``/``error_message`` given as a literal (keyword or
  assignment);
- choices: a ``*Choices`` class member without a label (Django would show its English name) or with
  a literal label, and ``choices=[(value, "Label"), …]`` / ``*_CHOICES = …`` literals;
- the message of ``ValidationError``, ``PermissionDenied``, ``Http404``, the API's ``BadRequest``/
  ``Conflict``/``HttpError`` and the other exceptions whose text reaches the user (``USER_ERRORS``);
- ``messages.success/info/warning/error/debug(request, "…")`` and ``messages.add_message``;
- the text of ``HttpResponse*("…")``;
- ``"placeholder"``/``"title"``/``"aria-label"`` values in a widget's ``attrs``;
- the values of ``error_messages={…}`` and of a ModelForm Meta's ``labels``/``help_texts``.

Where a code may stand as well as a text (``label=``, ``title=``, an exception's first argument such
as ``Rejected("closed")``), a lone lower-case token counts as an identifier.

A string is fine when it has no word left after removing what the allow-list
(scripts/untranslated_allow.txt) names: identifiers and non-words such as the brand "Accord", "CSV",
"XLSX", "API", e-mail addresses, URLs, format placeholders and HTML entities. An allow-list line
``path/to/file.py | text`` allows one text in one file only.

Run by `make test` (the ``checks`` target): ``python scripts/check_untranslated.py [PATH ...]``.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "accord"
ALLOW_FILE = Path(__file__).resolve().parent / "untranslated_allow.txt"
SKIPPED_DIRS = frozenset({"tests", "migrations", "__pycache__", "locale", "static"})
SKIPPED_FILES = frozenset({"demo.py", "settings.py", "conftest.py", "testing.py"})

WORD = re.compile(r"[^\W\d_]{2,}|[^\W\d_](?=\W|$)", re.UNICODE)
# Things that are not words of a language: removed before looking for words.
NON_WORDS = [
    re.compile(r"&[a-zA-Z]+;|&#x?[0-9a-fA-F]+;"),  # HTML entities
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"\b(https?|mailto|tel):[^\s\"'<>]*"),  # URLs
    re.compile(r"%\([a-z_]+\)[sdfr]|%[sdfr]|\{[a-z_0-9]*(:[^}]*)?\}"),  # format placeholders
    re.compile(r"(?<![\w/])/[\w/.-]*"),  # paths
    re.compile(r"(?<![\w.])\.[a-z]{2,4}\b"),  # file extensions
]
# In Python, where a code or a text may stand (``label=``, an exception's first argument), a lone
# lower-case token ("closed", "work", "people.contact") is an identifier: a code, a key or a name the
# program uses, not a text shown as it is.
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_.:-]*$")

# Template: attributes a reader sees or hears.
VISIBLE_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt", "label", "data-confirm"})
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})
# Template tags whose keyword argument with one of these names is shown.
VISIBLE_TAG_ARGUMENT = re.compile(
    r"""\b(\w*(?:label|title|text|placeholder|heading|message|hint|empty|caption|help))=(?P<q>["'])(?P<text>.*?)(?P=q)"""
)
VISIBLE_FILTER_ARGUMENT = re.compile(r"""\|(?:default|default_if_none|yesno):(?P<q>["'])(?P<text>.*?)(?P=q)""")
SKIPPED_ELEMENTS = frozenset({"script", "style"})

# Python: keyword arguments and class attributes whose literal value the user sees.
VISIBLE_KEYWORDS = frozenset(
    {
        "verbose_name",
        "verbose_name_plural",
        "help_text",
        "label",
        "empty_label",
        "placeholder",
        "title",
        "subject",
        "success_message",
        "error_message",
    }
)
# Dicts whose values are shown: a form's ``error_messages``, a ModelForm Meta's ``labels``/``help_texts``.
VISIBLE_DICTS = frozenset({"error_messages", "labels", "help_texts"})
# Of those, the names that also carry codes (an app's label, a list's file name, a schema's default).
CODE_OR_TEXT = frozenset({"label", "title", "subject"})
VISIBLE_ATTRS_KEYS = frozenset({"placeholder", "title", "aria-label", "alt"})
# Exceptions whose first argument (HttpError: second) reaches the user as text.
USER_ERRORS = frozenset(
    {
        "ValidationError",
        "PermissionDenied",
        "Http404",
        "BadRequest",
        "Conflict",
        "IdempotencyMismatch",
        "ImportFileError",
        "MappingError",
        "SendFailed",
        "Rejected",
        "MissingRate",
        "AccessDenied",
    }
)
MESSAGE_LEVELS = frozenset({"debug", "info", "success", "warning", "error"})
TRANSLATING = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
        "gettext_noop",
    }
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


@dataclass
class AllowList:
    anywhere: frozenset[str]
    per_file: frozenset[tuple[str, str]]

    @classmethod
    def read(cls, path: Path = ALLOW_FILE) -> AllowList:
        anywhere: set[str] = set()
        per_file: set[tuple[str, str]] = set()
        if path.exists():
            for raw in path.read_text(encoding="utf-8").splitlines():
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if " | " in line:
                    where, text = line.split(" | ", 1)
                    per_file.add((where.strip(), text.strip()))
                else:
                    anywhere.add(line)
        return cls(frozenset(anywhere), frozenset(per_file))

    def words_left(self, text: str) -> list[str]:
        """The words of ``text`` a translator would have to translate."""
        cleaned = text
        for pattern in NON_WORDS:
            cleaned = pattern.sub(" ", cleaned)
        for phrase in sorted((p for p in self.anywhere if " " in p), key=len, reverse=True):
            cleaned = cleaned.replace(phrase, " ")
        return [word for word in WORD.findall(cleaned) if word not in self.anywhere]

    def needs_translation(self, text: str, where: str) -> bool:
        text = " ".join(text.split())
        if not text or (where, text) in self.per_file or text in self.anywhere:
            return False
        return bool(self.words_left(text))


# --- templates -----------------------------------------------------------------------------------


def _masked_template(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template's HTML with every tag, variable and translated block blanked out (newlines kept,
    so that positions stay), and the tag/variable texts with their lines for their own checks."""
    from django.template.base import DebugLexer, TokenType

    tokens = DebugLexer(source).tokenize()
    masked = list(source)
    expressions: list[tuple[int, str]] = []
    skipping: str | None = None  # the end tag of the block being skipped
    for token in tokens:
        start, end = token.position
        if skipping is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == [skipping]:
                skipping = None
            _blank(masked, start, end)
            continue
        if token.token_type == TokenType.TEXT:
            continue
        _blank(masked, start, end)
        if token.token_type == TokenType.COMMENT:
            continue
        words = token.contents.split()
        name = words[0] if words else ""
        if name in {"blocktranslate", "blocktrans"}:
            skipping = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
        elif name in {"comment", "verbatim"}:
            skipping = "end" + name
        if name not in {"translate", "trans", "blocktranslate", "blocktrans"}:
            expressions.append((token.lineno, token.contents))
    return "".join(masked), expressions


def _blank(masked: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if masked[i] != "\n":
            masked[i] = " "


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # entities (&nbsp;) go to handle_entityref, which ignores them
        self.found: list[tuple[int, str]] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            button_type = (values.get("type") or "").strip()
            is_button_text = name == "value" and tag == "input" and button_type in BUTTON_INPUT_TYPES
            if name in VISIBLE_ATTRIBUTES or is_button_text:
                self.found.append((line, value))
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self._skipping.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.found.append((self.getpos()[0] + _leading_newlines(data), data))


def _leading_newlines(data: str) -> int:
    return len(data) - len(data.lstrip("\n")) if data.lstrip() else 0


def template_texts(source: str) -> Iterator[tuple[int, str]]:
    """Every (line, text) of a template a reader would see that is not marked for translation."""
    html, expressions = _masked_template(source)
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    yield from collector.found
    for line, contents in expressions:
        for pattern in (VISIBLE_TAG_ARGUMENT, VISIBLE_FILTER_ARGUMENT):
            for match in pattern.finditer(contents):
                yield line, match.group("text")


def check_template(path: Path, allow: AllowList, name: str) -> Iterator[Finding]:
    source = path.read_text(encoding="utf-8")
    for line, text in template_texts(source):
        if allow.needs_translation(text, name):
            yield Finding(name, line, " ".join(text.split()))


# --- Python --------------------------------------------------------------------------------------


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal_texts(node: ast.expr | None) -> Iterator[tuple[int, str]]:
    """The literal text parts of an expression that would reach the user as they are: a string, an
    f-string's literal parts, either side of ``+``/``%``, both branches of ``a if c else b``, every
    operand of ``a or b``."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else " "
            for part in node.values
        )
        yield node.lineno, text
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        yield from _literal_texts(node.left)
        if isinstance(node.op, ast.Add):
            yield from _literal_texts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literal_texts(node.body)
        yield from _literal_texts(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literal_texts(value)


def _choice_labels(node: ast.expr) -> Iterator[tuple[int, str]]:
    """Literal labels in ``[(value, "Label"), …]`` (and grouped choices)."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return
    for item in node.elts:
        if isinstance(item, ast.Tuple) and len(item.elts) == 2:
            label = item.elts[1]
            if isinstance(label, (ast.List, ast.Tuple)):
                yield from _literal_texts(item.elts[0])
                yield from _choice_labels(label)
            else:
                yield from _literal_texts(label)


def _dict_values(node: ast.Dict) -> Iterator[tuple[int, str]]:
    for value in node.values:
        yield from _literal_texts(value)


def _is_choices_class(node: ast.ClassDef) -> bool:
    return any(_name_of(base).endswith("Choices") for base in node.bases)


def python_texts(source: str, filename: str = "<source>") -> Iterator[tuple[int, str, bool]]:
    """Every (line, text, always_text) of a module that reaches the user unmarked. ``always_text`` is
    False where a program also passes codes and names (``label=``, an exception's reason), so that a
    lone lower-case token there counts as an identifier."""
    tree = ast.parse(source, filename=filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and _is_choices_class(node):
            yield from _strict(_choices_class(node))
        elif isinstance(node, ast.Call):
            yield from _call_texts(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _name_of(target) if isinstance(target, (ast.Name, ast.Attribute)) else ""
                if name in VISIBLE_KEYWORDS:
                    yield from _tagged(_literal_texts(node.value), name not in CODE_OR_TEXT)
                elif name.upper().endswith("CHOICES") and node.value is not None:
                    yield from _strict(_choice_labels(node.value))
                elif name in VISIBLE_DICTS and isinstance(node.value, ast.Dict):
                    yield from _strict(_dict_values(node.value))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in VISIBLE_ATTRS_KEYS:
                    yield from _strict(_literal_texts(value))


def _tagged(texts: Iterable[tuple[int, str]], always_text: bool) -> Iterator[tuple[int, str, bool]]:
    for line, text in texts:
        yield line, text, always_text


def _strict(texts: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, bool]]:
    return _tagged(texts, True)


def _choices_class(node: ast.ClassDef) -> Iterator[tuple[int, str]]:
    for statement in node.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            continue
        target = statement.targets[0]
        if not isinstance(target, ast.Name) or target.id.startswith("_") or not target.id.isupper():
            continue
        value = statement.value
        if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
            yield from _literal_texts(value.elts[-1])
        elif isinstance(value, ast.Constant):
            # No label: Django shows the member's name, in English, in every language.
            yield statement.lineno, target.id.replace("_", " ").title()


def _call_texts(node: ast.Call) -> Iterator[tuple[int, str, bool]]:
    name = _name_of(node.func)
    if name in TRANSLATING:
        return
    for keyword in node.keywords:
        if keyword.arg in VISIBLE_KEYWORDS:
            yield from _tagged(_literal_texts(keyword.value), keyword.arg not in CODE_OR_TEXT)
        elif keyword.arg == "choices":
            yield from _strict(_choice_labels(keyword.value))
        elif keyword.arg in VISIBLE_DICTS and isinstance(keyword.value, ast.Dict):
            yield from _strict(_dict_values(keyword.value))
        elif keyword.arg == "message" and name in USER_ERRORS:
            yield from _strict(_literal_texts(keyword.value))
    if name in USER_ERRORS and node.args:
        yield from _tagged(_literal_texts(node.args[0]), False)
    elif name == "HttpError" and len(node.args) >= 2:
        yield from _strict(_literal_texts(node.args[1]))
    elif name.startswith("HttpResponse") and node.args:
        yield from _strict(_literal_texts(node.args[0]))
    elif isinstance(node.func, ast.Attribute) and _name_of(node.func.value) == "messages":
        if name in MESSAGE_LEVELS and len(node.args) >= 2:
            yield from _strict(_literal_texts(node.args[1]))
        elif name == "add_message" and len(node.args) >= 3:
            yield from _strict(_literal_texts(node.args[2]))


def check_python(path: Path, allow: AllowList, name: str) -> Iterator[Finding]:
    source = path.read_text(encoding="utf-8")
    for line, text, always_text in sorted(python_texts(source, name)):
        if not always_text and IDENTIFIER.match(text.strip()):
            continue
        if allow.needs_translation(text, name):
            yield Finding(name, line, " ".join(text.split()))


# --- driver --------------------------------------------------------------------------------------


def files_under(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for candidate in candidates:
            if SKIPPED_DIRS & set(candidate.relative_to(ROOT).parts if candidate.is_relative_to(ROOT) else ()):
                continue
            is_module = candidate.suffix == ".py" and candidate.name not in SKIPPED_FILES
            if is_module or (candidate.suffix == ".html" and "templates" in candidate.parts):
                yield candidate


def findings(paths: Iterable[Path], allow: AllowList | None = None) -> list[Finding]:
    allow = allow or AllowList.read()
    found: list[Finding] = []
    for path in files_under(paths):
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        check = check_python if path.suffix == ".py" else check_template
        found.extend(check(path, allow, name))
    return found


def main(argv: list[str]) -> int:
    _setup_django()
    paths = [Path(arg).resolve() for arg in argv] or [PACKAGE]
    found = findings(paths)
    for finding in found:
        print(finding, file=sys.stderr)
    if found:
        print(
            f"{len(found)} user-visible string(s) not marked for translation: wrap them in "
            "{% translate %} / gettext (pgettext when one English word has two meanings), or add an "
            f"identifier to {ALLOW_FILE.relative_to(ROOT)}.",
            file=sys.stderr,
        )
    return 1 if found else 0


def _setup_django() -> None:
    """The template lexer needs no settings, but importing it must not fail for want of them."""
    from django.conf import settings

    if not settings.configured:
        settings.configure()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
