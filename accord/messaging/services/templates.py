"""Message templates: the words of each kind of message per channel and language.

A template is Django template text, rendered by an engine of its own that knows no tags or
filters beyond Django's built-ins and no context processors: it sees only the variables it is
given. The subject and the plain text are rendered without autoescaping (they are not HTML);
the HTML text with it, so a customer's name cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
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


def _render(source: str, context: Mapping[str, Any], *, autoescape: bool) -> str:
    return _ENGINE.from_string(source).render(Context(dict(context), autoescape=autoescape))


def render_template(template: MessageTemplate, context: Mapping[str, Any]) -> Rendered:
    with languages.writing_in(template.language) as code:
        return Rendered(
            subject=" ".join(_render(template.subject, context, autoescape=False).split()),
            text=_render(template.body_text, context, autoescape=False),
            html=_render(template.body_html, context, autoescape=True) if template.body_html else "",
            language=code,
        )


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
