"""Message templates: the words of each kind of message per channel and language.

A template is Django template text, rendered by an engine of its own that knows no tags or
filters beyond Django's built-ins and no context processors: it sees only the variables it is
given. The subject and the plain text are rendered without autoescaping (they are not HTML);
the HTML text with it, so a customer's name cannot inject markup.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, TextNode, Variable, VariableNode, render_value_in_context
from django.template.defaulttags import CommentNode, ForNode, IfNode, TemplateLiteral
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accord.core import access, changes, languages
from accord.core.access import AccessDenied
from accord.messaging.models import MessageChannel, MessageTemplate

if TYPE_CHECKING:
    from accord.identity.models import User

# Django's own tags and filters, less those that reach beyond the variables given: no {% load %},
# {% include %} or {% extends %} (files), {% url %}, {% debug %} (dumps the context), {% csrf_token %}.
_BUILTINS = Library()
_BUILTINS.tags = {
    name: tag for name, tag in defaulttags.register.tags.items() if name not in {"load", "url", "debug", "csrf_token"}
}
_BUILTINS.filters = dict(defaultfilters.register.filters)
_ENGINE = Engine(dirs=[], app_dirs=False, libraries={}, debug=False, autoescape=True, string_if_invalid="")
_ENGINE.template_builtins = [_BUILTINS]

# The variables each kind's sample preview is made with.
SAMPLES: dict[str, dict[str, str]] = {
    "quote": {"number": "Q-2026-0042/2", "customer": "Żółta Łódź Sp. z o.o.", "contact": "Zofia Nowak"},
    "payment_reminder": {"number": "FV/2026/11/0007", "customer": "Żółta Łódź Sp. z o.o.", "amount": "1 230,00 zł"},
}


class TemplateMissing(LookupError):
    """No template of that kind and channel in the language asked for or the site's."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str


def find(kind: str, channel: str, language: str) -> MessageTemplate:
    """The template in ``language``, else in the site's language."""
    wanted = [languages.supported(language), languages.site_language()]
    found = {t.language: t for t in MessageTemplate.objects.filter(kind=kind, channel=channel, language__in=wanted)}
    for code in wanted:
        if code in found:
            return found[code]
    raise TemplateMissing(f"no {channel} template for {kind!r} in {language or '-'} or the site's language")


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    """A template's source compiled once per process: a run that writes to thousands of
    customers with the same template parses it once."""
    return _ENGINE.from_string(source)


def _render(source: str, context: Mapping[str, Any], *, autoescape: bool) -> str:
    return _compiled(source).render(Context(dict(context), autoescape=autoescape))


def render_template(template: MessageTemplate, context: Mapping[str, Any]) -> Rendered:
    with languages.writing_in(template.language) as code:
        return Rendered(
            subject=" ".join(_render(template.subject, context, autoescape=False).split()),
            text=_render(template.body_text, context, autoescape=False),
            html=_render(template.body_html, context, autoescape=True) if template.body_html else "",
            language=code,
        )


# --- many messages from the same templates ---------------------------------------------------
#
# A run that writes to thousands of customers renders the same few templates thousands of times.
# Django's rendering of a template costs a quarter of a millisecond, most of it walking nodes and
# resolving variables through a context stack; the templates of such runs are text, variables and
# the odd ``{% for %}`` or ``{% if %}``. ``Renderer`` walks those itself, with Django's own rules
# (the same lookups, ``render_value_in_context`` for every value, the same escaping) so the text is
# the same, and hands anything else (a filter, another tag, a lookup that is not a dictionary's
# key) to Django's rendering.

_TEXT, _VAR, _FOR, _IF = range(4)
_BUILTIN_NAMES = {"True": True, "False": False, "None": None}  # what every Django context starts with


class _NotPlain(Exception):
    """The walk met something only Django's rendering answers exactly."""


def _plain_lookups(expression: Any) -> tuple[str, ...] | None:
    """The lookups of a variable without filters (``invoice.number``), else None."""
    if not isinstance(expression, FilterExpression) or expression.filters or not expression.is_var:
        return None
    var = expression.var
    if not isinstance(var, Variable) or var.lookups is None or var.translate or var.message_context:
        return None
    return tuple(var.lookups)


def _steps(nodelist: Any) -> list[tuple[Any, ...]] | None:
    """The nodes as steps the walk takes, or None when one of them is not plain."""
    steps: list[tuple[Any, ...]] = []
    for node in nodelist:
        kind = type(node)
        if kind is TextNode:
            steps.append((_TEXT, node.s))
        elif kind is VariableNode:
            lookups = _plain_lookups(node.filter_expression)
            if lookups is None:
                return None
            steps.append((_VAR, lookups))
        elif kind is ForNode:
            sequence = _plain_lookups(node.sequence)
            body, empty = _steps(node.nodelist_loop), _steps(node.nodelist_empty)
            if len(node.loopvars) != 1 or sequence is None or body is None or empty is None:
                return None
            steps.append((_FOR, node.loopvars[0], sequence, node.is_reversed, body, empty))
        elif kind is IfNode:
            branches = []
            for condition, branch in node.conditions_nodelists:
                test = None
                if condition is not None:
                    test = _plain_lookups(condition.value) if type(condition) is TemplateLiteral else None
                    if test is None:
                        return None
                body = _steps(branch)
                if body is None:
                    return None
                branches.append((test, body))
            steps.append((_IF, branches))
        elif kind is not CommentNode:
            return None
    return steps


@functools.lru_cache(maxsize=512)
def _plan(source: str) -> list[tuple[Any, ...]] | None:
    return _steps(_compiled(source).nodelist)


def _resolve(lookups: Sequence[str], scopes: Sequence[Mapping[str, Any]]) -> Any:
    """A variable as Django's ``Variable`` resolves it, for names found in the context and keys
    of dictionaries; anything else (a missing name, an attribute, a callable) is not plain."""
    first = lookups[0]
    for scope in reversed(scopes):
        if first in scope:
            value = scope[first]
            break
    else:
        raise _NotPlain
    for bit in lookups[1:]:
        if callable(value) or type(value) is not dict or bit not in value:
            raise _NotPlain
        value = value[bit]
    if callable(value):
        raise _NotPlain
    return value


@dataclass
class Renderer:
    """``render_template`` for many messages: the same text, several times faster. Dates and
    whole numbers are localised once per language for the renderer's life (one run)."""

    shown: dict[tuple[Any, ...], str] = dataclass_field(default_factory=dict)

    def render(self, template: MessageTemplate, context: Mapping[str, Any]) -> Rendered:
        code = languages.first_supported(template.language)
        if translation.get_language() == code:  # the caller writes in it already
            return self._rendered(template, context, code)
        with translation.override(code):
            return self._rendered(template, context, code)

    def texts(self, text: str, html: str, context: Mapping[str, Any], language: str) -> tuple[str, str]:
        """Plain text and HTML sources rendered with ``context`` in ``language``."""
        code = languages.first_supported(language)
        with translation.override(code):
            return (
                self._render(text, context, False, code),
                self._render(html, context, True, code) if html else "",
            )

    def _rendered(self, template: MessageTemplate, context: Mapping[str, Any], code: str) -> Rendered:
        return Rendered(
            subject=" ".join(self._render(template.subject, context, False, code).split()),
            text=self._render(template.body_text, context, False, code),
            html=self._render(template.body_html, context, True, code) if template.body_html else "",
            language=code,
        )

    def _render(self, source: str, context: Mapping[str, Any], autoescape: bool, language: str) -> str:
        steps = _plan(source)
        if steps is None:
            return _render(source, context, autoescape=autoescape)
        out: list[str] = []
        try:
            self._walk(steps, [_BUILTIN_NAMES, dict(context)], out, Context(autoescape=autoescape), language)
        except _NotPlain:  # a value the quick path does not write as Django would: render in full
            return _render(source, context, autoescape=autoescape)
        return SafeString("".join(out))

    def _show(self, value: Any, shown: Context, language: str) -> str:
        kind = type(value)
        if kind is str or kind is SafeString:
            return conditional_escape(value) if shown.autoescape else str(value)
        if kind is datetime.date or kind is int:
            key = (language, shown.autoescape, kind, value)
            if key not in self.shown:
                self.shown[key] = render_value_in_context(value, shown)
            return self.shown[key]
        return render_value_in_context(value, shown)

    def _walk(
        self,
        steps: list[tuple[Any, ...]],
        scopes: list[Mapping[str, Any]],
        out: list[str],
        shown: Context,
        language: str,
    ) -> None:
        for step in steps:
            kind = step[0]
            if kind == _TEXT:
                out.append(step[1])
            elif kind == _VAR:
                out.append(self._show(_resolve(step[1], scopes), shown, language))
            elif kind == _FOR:
                _kind, name, sequence, is_reversed, body, empty = step
                parentloop: Any = next((scope["forloop"] for scope in reversed(scopes) if "forloop" in scope), {})
                values = _resolve(sequence, scopes)
                if values is None:
                    values = []
                if not hasattr(values, "__len__"):
                    values = list(values)
                count = len(values)
                if count < 1:
                    self._walk(empty, [*scopes, {}], out, shown, language)
                    continue
                loop: dict[str, Any] = {"parentloop": parentloop, "length": count}
                scope: dict[str, Any] = {"forloop": loop}
                inner = [*scopes, scope]
                for i, item in enumerate(reversed(values) if is_reversed else values):
                    loop.update(
                        counter0=i,
                        counter=i + 1,
                        revcounter=count - i,
                        revcounter0=count - i - 1,
                        first=i == 0,
                        last=i == count - 1,
                    )
                    scope[name] = item
                    self._walk(body, inner, out, shown, language)
            else:
                for test, body in step[1]:
                    if test is None or _resolve(test, scopes):
                        self._walk(body, scopes, out, shown, language)
                        break


# Messages with shared words: one renderer per process (what it keeps are localised dates and
# numbers) and each content's text read once (contents never change once a message names them).
_PERSONALISER = Renderer()


@functools.lru_cache(maxsize=64)
def _content(pk: Any) -> tuple[str, str]:
    from accord.messaging.models import MessageContent

    found = MessageContent.objects.filter(pk=pk).values_list("body_text", "body_html").first()
    return found if found is not None else ("", "")


def personalise(message: Any) -> Any:
    """Give a message with shared words (``content``) its own text: ``body`` and ``body_html``
    rendered with its variables (``context``) in its language, in memory (the row keeps them
    empty). A message with its own text is left as it is. Returns the message."""
    if message.content_id is None or message.body:
        return message
    text, html = _content(message.content_id)
    message.body, message.body_html = _PERSONALISER.texts(text, html, message.context or {}, message.language)
    return message


def render(kind: str, channel: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """The message of ``kind`` on ``channel`` for a reader of ``language``, with ``context``'s
    variables filled in (falls back to the site's language; ``TemplateMissing`` when neither)."""
    return render_template(find(kind, channel, language), context)


def preview(template: MessageTemplate, context: Mapping[str, Any] | None = None) -> Rendered:
    """What the template makes of the kind's sample variables (or those given)."""
    return render_template(template, SAMPLES.get(template.kind, {}) if context is None else context)


def _check_syntax(data: Mapping[str, str], errors: dict[str, list[str]]) -> None:
    for field in ("subject", "body_text", "body_html"):
        try:
            _ENGINE.from_string(data.get(field, ""))
        except TemplateSyntaxError as exc:
            errors.setdefault(field, []).append(_("This template has an error: %(why)s") % {"why": exc})


def check_syntax(fields: Mapping[str, str], errors: dict[str, list[str]]) -> None:
    """Whether each of ``fields`` (name -> source) is a template the sandbox compiles; an error
    under the field's name when it is not."""
    for field, source in fields.items():
        try:
            _ENGINE.from_string(source)
        except TemplateSyntaxError as exc:
            errors.setdefault(field, []).append(_("This template has an error: %(why)s") % {"why": exc})


def render_text(source: str, context: Mapping[str, Any]) -> str:
    """Plain text from ``source`` with only ``context``'s values (a canned reply, a snippet)."""
    return _render(source, context, autoescape=False)


@transaction.atomic
def save_template(
    *, actor: User | None, template: MessageTemplate | None = None, data: Mapping[str, str]
) -> MessageTemplate:
    """Create or change a template (administrators only); every field is checked first."""
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied()
    errors: dict[str, list[str]] = {}
    values = {name: str(data.get(name, "") or "").strip() for name in ("kind", "channel", "language", "subject")}
    values["body_text"] = str(data.get("body_text", "") or "")
    values["body_html"] = str(data.get("body_html", "") or "")
    if template is not None:
        values.update(kind=template.kind, channel=template.channel, language=template.language)
    if not values["kind"] or len(values["kind"]) > 40:
        errors["kind"] = [_("Enter a kind of 1 to 40 characters.")]
    if values["channel"] not in MessageChannel.values or values["channel"] == MessageChannel.IN_APP:
        errors["channel"] = [_("Choose e-mail, SMS or letter.")]
    if not languages.supported(values["language"]) or languages.supported(values["language"]) != values["language"]:
        errors["language"] = [_("Choose one of Accord's languages.")]
    if len(values["subject"]) > 200:
        errors["subject"] = [_("Keep the subject within 200 characters.")]
    if not values["body_text"].strip():
        errors["body_text"] = [_("Enter the text.")]
    _check_syntax(values, errors)
    if template is None and not errors:
        taken = MessageTemplate.objects.filter(
            kind=values["kind"], channel=values["channel"], language=values["language"]
        ).exists()
        if taken:
            errors["language"] = [_("This kind already has a template on this channel in this language.")]
    if errors:
        raise ValidationError(errors)
    if template is None:
        created = MessageTemplate.objects.create(**values)
        changes.record_create(actor=actor, obj=created)
        return created
    locked = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    before = changes.snapshot(locked)
    for name in ("subject", "body_text", "body_html"):
        setattr(locked, name, values[name])
    if changes.snapshot(locked) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked
