"""A campaign's words: blocks turned into the HTML and plain text templates the outbox renders,
and each recipient's variables.

An e-mail version is a list of blocks::

    {"type": "heading", "text": "Hello {{ first_name }}"}
    {"type": "paragraph", "text": "..."}
    {"type": "button", "text": "See the offer", "url": "https://..."}
    {"type": "image", "url": "https://.../photo.jpg", "alt": "..."}
    {"type": "divider"}
    {"type": "footer", "text": "Accord Sp. z o.o., Warszawa"}

Texts are templates of the sandboxed engine of ``messaging/services/templates.py`` (only the
variables given); in the HTML their literal parts are escaped, so a text cannot add markup. The
footer always carries the unsubscribe link (a footer is added when the blocks have none).

Links are never written into the content: the i-th distinct link of the campaign is the variable
``link_<i>``, which each recipient's variables fill with a tracked redirect signed for them and
that link (or the plain URL when click tracking is off). The redirect only goes to
``Campaign.links[i]``, so no token can send anyone anywhere else.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.template import TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from accord.core import languages
from accord.marketing.services.consent import absolute_url
from accord.messaging.services.templates import Renderer

if TYPE_CHECKING:
    from accord.marketing.models import Campaign
    from accord.people.models import Contact

BLOCK_TYPES = ("heading", "paragraph", "button", "image", "divider", "footer")
TEXT_MAX = 10_000
TRACK_SALT = "accord.marketing.track"
# What the texts may use, besides ``custom.<key>`` of the campaign's chosen custom fields.
VARIABLES = ("first_name", "last_name", "full_name", "company_name", "email", "city")
SAMPLE = {
    "first_name": "Zofia",
    "last_name": "Nowak",
    "full_name": "Zofia Nowak",
    "company_name": "Żółta Łódź Sp. z o.o.",
    "email": "zofia@example.com",
    "city": "Kraków",
}

_url = URLValidator(schemes=["http", "https"])


# --- checking ---------------------------------------------------------------------------------------


def _check_template(source: str, field: str, errors: dict[str, list[str]]) -> None:
    try:
        Renderer().texts(source, "", {}, languages.site_language())
    except TemplateSyntaxError as exc:
        errors.setdefault(field, []).append(_("This text has an error: %(why)s") % {"why": exc})


def _check_url(value: Any, field: str, errors: dict[str, list[str]]) -> str:
    url = str(value or "").strip()
    try:
        _url(url)
    except ValidationError:
        errors.setdefault(field, []).append(_("Enter a full web address (https://...)."))
    return url


def clean_blocks(blocks: Any, prefix: str, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """The blocks as stored, each checked; problems go to ``errors`` under ``<prefix>.<i>.<field>``."""
    if not isinstance(blocks, list):
        errors.setdefault(prefix, []).append(_("Give a list of blocks."))
        return []
    cleaned: list[dict[str, str]] = []
    for i, block in enumerate(blocks):
        at = f"{prefix}.{i}"
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            errors.setdefault(f"{at}.type", []).append(
                _("Choose a heading, paragraph, button, image, divider or footer.")
            )
            continue
        kind = block["type"]
        out: dict[str, str] = {"type": kind}
        if kind in ("heading", "paragraph", "button", "footer"):
            text = str(block.get("text") or "")
            if kind != "footer" and not text.strip():
                errors.setdefault(f"{at}.text", []).append(_("Enter the text."))
            elif len(text) > TEXT_MAX:
                errors.setdefault(f"{at}.text", []).append(_("At most %(max)d characters.") % {"max": TEXT_MAX})
            else:
                _check_template(text, f"{at}.text", errors)
            out["text"] = text
        if kind in ("button", "image"):
            out["url"] = _check_url(block.get("url"), f"{at}.url", errors)
        if kind == "image":
            out["alt"] = str(block.get("alt") or "")[:300]
        cleaned.append(out)
    if not cleaned and prefix not in errors and not any(k.startswith(prefix) for k in errors):
        errors.setdefault(prefix, []).append(_("Add at least one block."))
    return cleaned


def check_text(text: str, field: str, errors: dict[str, list[str]]) -> None:
    _check_template(text, field, errors)


# --- building ---------------------------------------------------------------------------------------


def _html_text(source: str) -> str:
    """A text template for the HTML: its literal parts escaped (and line breaks kept), its
    variables and tags as they are (the engine escapes the values)."""
    out: list[str] = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            out.append(escape(token.contents).replace("\n", "<br>\n"))
        elif token.token_type == TokenType.VAR:
            out.append("{{ " + token.contents + " }}")
        elif token.token_type == TokenType.BLOCK:
            out.append("{% " + token.contents + " %}")
    return "".join(out)


def link_variable(url: str, links: list[str]) -> str:
    """The variable standing for ``url`` (added to the campaign's ``links`` when new)."""
    if url not in links:
        links.append(url)
    return f"link_{links.index(url)}"


def build_email(
    blocks: Sequence[Mapping[str, str]], *, language: str, links: list[str], track_opens: bool
) -> tuple[str, str]:
    """The plain text and HTML templates of one version (``links`` collects its URLs)."""
    text: list[str] = []
    html: list[str] = []
    blocks = list(blocks)
    if not any(b["type"] == "footer" for b in blocks):
        blocks.append({"type": "footer", "text": ""})
    with translation.override(languages.first_supported(language)):
        unsubscribe = _("Unsubscribe")
        for block in blocks:
            kind = block["type"]
            if kind == "heading":
                text.append(block["text"])
                html.append(f'<h1 style="font-size:22px;margin:0 0 16px">{_html_text(block["text"])}</h1>')
            elif kind == "paragraph":
                text.append(block["text"])
                html.append(f'<p style="margin:0 0 16px;line-height:1.5">{_html_text(block["text"])}</p>')
            elif kind == "button":
                var = link_variable(block["url"], links)
                text.append(f"{block['text']}: {{{{ {var} }}}}")
                html.append(
                    f'<p style="margin:0 0 16px"><a href="{{{{ {var} }}}}" style="display:inline-block;'
                    f'padding:10px 18px;background:#2563eb;color:#fff;text-decoration:none;border-radius:4px">'
                    f"{_html_text(block['text'])}</a></p>"
                )
            elif kind == "image":
                html.append(
                    f'<p style="margin:0 0 16px"><img src="{escape(block["url"])}" alt="{escape(block.get("alt", ""))}"'
                    ' style="max-width:100%"></p>'
                )
            elif kind == "divider":
                text.append("----")
                html.append('<hr style="border:0;border-top:1px solid #ddd;margin:16px 0">')
            else:  # footer
                if block.get("text"):
                    text.append(block["text"])
                text.append(f"{unsubscribe}: {{{{ unsubscribe_url }}}}")
                footer = _html_text(block.get("text", ""))
                html.append(
                    '<p style="margin:24px 0 0;font-size:12px;color:#666">'
                    + (footer + "<br>" if footer else "")
                    + f'<a href="{{{{ unsubscribe_url }}}}">{unsubscribe}</a></p>'
                )
        if track_opens:
            html.append('<img src="{{ pixel_url }}" width="1" height="1" alt="">')
    body = "\n".join(html)
    document = (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}"><head><meta charset="utf-8"></head>'
        f'<body style="font-family:Arial,sans-serif;color:#222"><div style="max-width:600px;margin:0 auto;'
        f'padding:16px">\n{body}\n</div></body></html>\n'
    )
    return "\n\n".join(text) + "\n", document


# --- tracking tokens -------------------------------------------------------------------------------


class TrackingTokens:
    """Signed tokens of one kind of tracked e-mail: ``<id>.o`` for the open pixel, ``<id>.<i>``
    for its i-th link, each signed with the kind's own salt (a campaign's token is no journey's)."""

    def __init__(self, salt: str) -> None:
        self._signer = signing.Signer(salt=salt)

    def open(self, key: int) -> str:
        return self._signer.sign(f"{key}.o")

    def click(self, key: int, link: int) -> str:
        return self._signer.sign(f"{key}.{link}")

    def read(self, token: str) -> tuple[int, str] | None:
        """The key and what the token is for (``"o"``, or the link's index as text); None when
        the token is forged or damaged."""
        try:
            value = self._signer.unsign(token)
        except signing.BadSignature:
            return None
        key, _dot, what = value.partition(".")
        if not key.isdigit() or not (what == "o" or what.isdigit()):
            return None
        return int(key), what


_campaign_tokens = TrackingTokens(TRACK_SALT)


def open_token(recipient_id: int) -> str:
    return _campaign_tokens.open(recipient_id)


def click_token(recipient_id: int, link: int) -> str:
    return _campaign_tokens.click(recipient_id, link)


def read_token(token: str) -> tuple[int, str] | None:
    """The recipient and what the token is for; None when the token is forged or damaged."""
    return _campaign_tokens.read(token)


_MARK = "TOKEN0MARK"


@functools.lru_cache(maxsize=8)
def _path_around(name: str) -> tuple[str, str]:
    before, _mark, after = reverse(name, args=[_MARK]).partition(_MARK)
    return before, after


def url_around(name: str) -> tuple[str, str]:
    """The absolute URL of ``name`` before and after its token: a campaign makes a few of these
    per recipient, and ``reverse`` costs more than the rest of the message (the path is found
    once per process, the site's address read each time)."""
    before, after = _path_around(name)
    return absolute_url(before), after


def pixel_url(recipient_id: int) -> str:
    before, after = url_around("marketing:track-open")
    return f"{before}{open_token(recipient_id)}{after}"


def click_url(recipient_id: int, link: int) -> str:
    before, after = url_around("marketing:track-click")
    return f"{before}{click_token(recipient_id, link)}{after}"


# --- the recipient's variables ----------------------------------------------------------------------


def _simple(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value) if value is not None else ""


def personal_fields(
    contact: Contact, *, company_name: str = "", city: str = "", custom_fields: Iterable[str] = ()
) -> dict[str, Any]:
    """The recipient's allowed fields, as plain values (never a model object)."""
    custom = contact.custom or {}
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "company_name": company_name,
        "email": contact.primary_email,
        "city": city,
        "custom": {key: _simple(custom.get(key)) for key in custom_fields},
    }


def tracking_variables(campaign: Campaign, *, recipient_id: int | None, unsubscribe_url: str) -> dict[str, Any]:
    """``link_<i>``, ``pixel_url`` and ``unsubscribe_url`` for one recipient (``None``: a preview
    or test, whose links are the plain URLs and whose pixel counts nothing)."""
    variables: dict[str, Any] = {"unsubscribe_url": unsubscribe_url}
    for i, url in enumerate(campaign.links):
        tracked = campaign.track_clicks and recipient_id is not None
        variables[f"link_{i}"] = click_url(recipient_id, i) if tracked and recipient_id is not None else url
    if campaign.track_opens and recipient_id is not None:
        variables["pixel_url"] = pixel_url(recipient_id)
    return variables
