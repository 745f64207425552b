"""Template helpers: icons, avatars, phone numbers, money, form fields, relative dates."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accord.core import access, panels
from accord.core import money as money_format
from accord.core.models import entity_label

register = template.Library()

CHANNEL_ICONS = {
    "phone": "phone",
    "email": "mail",
    "meeting": "users",
    "visit": "visit",
    "chat": "chat",
    "sms": "sms",
    "letter": "letter",
    "fax": "fax",
    "web_form": "globe",
    "social": "social",
    "note": "note",
}


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    return format_html('<svg class="icon {}" aria-hidden="true"><use href="#i-{}"></use></svg>', css, name)


@register.filter
def channel_icon(channel: str) -> str:
    return CHANNEL_ICONS.get(channel, "activity")


@register.filter
def initials(value: Any) -> str:
    text = str(value or "").strip()
    parts = [p for p in text.replace("-", " ").split() if p[:1].isalnum()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def phone(value: str) -> str:
    from accord.core.phones import format_phone

    return format_phone(value) if value else ""


@register.filter
def sees_amounts(user: Any) -> bool:
    """``{% if request.user|sees_amounts %}``: may this user see money (``access.sees_amounts``)?
    Pages have ``user_sees_amounts`` from the context processor; this is for templates rendered
    without a request (a PDF, a mail) or for another user than the one signed in."""
    return access.sees_amounts(user)


@register.filter
def money(amount: Any, currency: str = "") -> str:
    """``{{ deal.amount|money:deal.currency }}``: "1 234,56 zł" in Polish, "1,234.56 PLN" in English."""
    return money_format.format_money(amount, currency)


@register.filter
def money_whole(amount: Any, currency: str = "") -> str:
    """Like ``money`` rounded to whole units, for totals and cards: "1 235 zł"."""
    return money_format.format_money(amount, currency, decimals=0)


@register.filter
def currency_sign(currency: str) -> str:
    """The currency as the active language writes it beside an amount ("zł" for PLN in Polish)."""
    return money_format.currency_sign(currency)


@register.filter
def duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"


@register.filter
def is_overdue(when: datetime.datetime | None) -> bool:
    return bool(when and when < timezone.now())


@register.inclusion_tag("components/field.html")
def field(bound_field: Any, css: str = "") -> dict[str, Any]:
    return {"field": bound_field, "css": css}


@register.filter
def get_field(form: Any, name: str) -> Any:
    return form[name]


@register.simple_tag
def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


@register.inclusion_tag("core/_record_panels.html", takes_context=True)
def record_panels(context: template.Context, obj: Any, slot: str) -> dict[str, Any]:
    """The panels other apps contribute to ``obj``'s page, for one slot: ``{% record_panels deal "side" %}``."""
    request = context["request"]
    return {"rendered": panels.build_slot(request, entity_label(obj), obj, slot), "request": request}


@register.inclusion_tag("core/_worker_warning.html", takes_context=True)
def worker_warning(context: template.Context) -> dict[str, Any]:
    """For admins, on every page: a warning when no background worker has reported lately."""
    from accord.core import workers

    return {"silence": workers.silence() if context.get("user_is_admin") else None}
