"""Signing in to the portal by an e-mailed link: one row per link (only its hash stored), spent on
first use, dead after ``ACCORD_PORTAL_LINK_MINUTES``. Asking for a link answers the same whether or
not the address belongs to a portal user, so nobody learns who has an account."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import languages
from accord.identity.models import PortalAccess, PortalSignInLink, User, hash_token
from accord.messaging.services.outbox import queue_message


def link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.ACCORD_PORTAL_LINK_MINUTES)


def _portal_user(email: str) -> PortalAccess | None:
    address = (email or "").strip()
    if not address or "@" not in address:
        return None
    return (
        PortalAccess.objects.select_related("user", "contact")
        .filter(user__email__iexact=address, user__is_active=True, active=True)
        .order_by("created_at")
        .first()
    )


def link_url(raw: str) -> str:
    return f"{settings.ACCORD_BASE_URL}{reverse('portal:link', args=[raw])}"


@transaction.atomic
def send_link(*, access: PortalAccess, invitation: bool = False, now: datetime.datetime | None = None) -> str:
    """Make a sign-in link for ``access``'s user and queue the e-mail carrying it; returns the
    link's secret (for the caller's tests and the CLI, never shown on a page)."""
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    user = access.user
    link = PortalSignInLink.objects.create(
        user=user, key_hash=hash_token(raw), created_at=now, expires_at=now + link_lifetime()
    )
    minutes = int(link_lifetime().total_seconds() // 60)
    with languages.writing_to_user(user) as _language:
        if invitation:
            subject = _("You are invited to the %(site)s customer portal") % {"site": settings.ACCORD_NAME}
            intro = _(
                "you now have access to the %(site)s portal: your tickets, quotes, orders and invoices in one place."
            )
        else:
            subject = _("Your sign-in link to the %(site)s portal") % {"site": settings.ACCORD_NAME}
            intro = _("here is the link you asked for to sign in to the %(site)s portal.")
        body = _(
            "Hello %(name)s,\n\n%(intro)s\n\nOpen this link within %(minutes)s minutes; it works once:\n\n%(link)s\n\n"
            "If you did not ask for it, ignore this message."
        ) % {
            "name": user.first_name or user.get_full_name() or user.email,
            "intro": intro,
            "minutes": minutes,
            "link": link_url(raw),
        }
    queue_message(
        actor=None,
        channel="email",
        to=user.email,
        subject=subject,
        body=body,
        idempotency_key=f"portal.sign-in:{link.pk}",
        kind="portal.invitation" if invitation else "portal.sign-in",
        language=user.language,
        contact=access.contact,
        timeline_subject=subject,
    )
    return raw


# Links sent to one user in an hour, at most: asking again and again fills nobody's mailbox.
LINKS_PER_HOUR = 5


def request_link(*, email: str, now: datetime.datetime | None = None) -> None:
    """Someone asked for a sign-in link for ``email``: one is sent when it is a portal user's (and
    fewer than ``LINKS_PER_HOUR`` went to them in the last hour). Returns nothing either way, so
    that the answer tells nobody whether the address is known."""
    now = now or timezone.now()
    access = _portal_user(email)
    if access is None:
        return
    recent = PortalSignInLink.objects.filter(user=access.user, created_at__gt=now - datetime.timedelta(hours=1))
    if recent.count() >= LINKS_PER_HOUR:
        return
    send_link(access=access, now=now)


def redeem(*, raw: str, now: datetime.datetime | None = None) -> User | None:
    """The user a sign-in link signs in, spending it; None when the link is unknown, used or
    expired, or its user is no longer a portal user."""
    if not raw or len(raw) > 200:
        return None
    now = now or timezone.now()
    key = hash_token(raw)
    with transaction.atomic():
        # Spent in the same statement that checks it: two clicks at once sign in once.
        spent = PortalSignInLink.objects.filter(key_hash=key, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        if spent != 1:
            return None
        link = PortalSignInLink.objects.select_related("user").get(key_hash=key)
    user: Any = link.user
    if not user.is_active or not PortalAccess.objects.filter(user=user, active=True).exists():
        return None
    return user
