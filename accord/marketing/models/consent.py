"""Consent to marketing (GDPR Art. 7) and the suppression list.

``Consent`` is the current answer of one contact for one channel and one purpose, with the proof of
the last grant or withdrawal; ``ConsentEvent`` keeps every grant, withdrawal, request and
confirmation for good, so the proof of a consent survives when it is later withdrawn or given again.

``Suppression`` is about an address, not a contact: a bounced or complained-about address, or one
whose owner unsubscribed, must not receive marketing whichever contact (or duplicate, or re-import)
it hangs on. A row with an empty ``purpose`` blocks every marketing purpose on its channel (bounces,
complaints, manual entries); a row with a purpose blocks only that one (a one-click unsubscribe from
the newsletter leaves the greetings alone). ``services.consent.may_send`` checks both, at send time.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.ids import uuid7
from accord.core.models import BaseModel


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")


class ConsentPurpose(models.TextChoices):
    NEWSLETTER = "newsletter", _("Newsletter")
    OFFERS = "offers", _("Offers")
    GREETINGS = "greetings", _("Greetings")


class ConsentState(models.TextChoices):
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # An e-mail consent asked for with double opt-in whose confirmation link was not followed yet:
    # nothing marketing goes out until it is.
    PENDING = "pending", _("Awaiting confirmation")


class ConsentMethod(models.TextChoices):
    FORM = "form", _("Web form")
    IMPORT = "import", _("Import")
    PHONE = "phone", _("Phone call")
    PAPER = "paper", _("Paper form")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")
    DOUBLE_OPT_IN = "double_opt_in", _("Double opt-in confirmation")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
    USER = "user", _("Recorded by a user")


class ConsentAction(models.TextChoices):
    GRANTED = "granted", _("granted")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REQUESTED = "requested", _("confirmation requested")
    CONFIRMED = "confirmed", _("confirmed")


class ProofFields(models.Model):
    """How a consent was given or withdrawn: enough to show it later (Art. 7(1))."""

    method = models.CharField(_("method"), max_length=20, choices=ConsentMethod.choices)
    text = models.TextField(_("text shown"), blank=True, help_text=_("The exact wording the person agreed to."))
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("The form, import file or person it came from.")
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        abstract = True


class Consent(ProofFields, BaseModel):
    """One contact's consent for one channel and purpose: its state and the proof of its last change.

    ``given_at`` is when the consent now in force was given (for a pending one: asked for);
    ``withdrawn_at`` when it was withdrawn. The proof fields describe the last change; the full
    story is in ``ConsentEvent``.
    """

    # Indexed by the unique (contact, channel, purpose) constraint, which leads with it.
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="consents", verbose_name=_("contact"), db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    state = models.CharField(_("state"), max_length=10, choices=ConsentState.choices)
    given_at = models.DateTimeField(_("given"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    access_via: ClassVar[tuple[str, ...]] = ("contact",)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["channel", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "channel", "purpose"], name="consent_unique_per_purpose"),
        ]
        indexes = [
            # reachable_q from the consent side: the contacts granted one channel and purpose.
            models.Index(
                fields=["channel", "purpose", "contact"],
                name="consent_granted_idx",
                condition=Q(state="granted"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} / {self.get_purpose_display()}: {self.get_state_display()}"


class ConsentEvent(ProofFields):
    """One grant, withdrawal, confirmation request or confirmation, as it was: never changed or
    deleted (except with its contact), so it is the proof of what the person agreed to and when."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Kept when its consent row goes (a merge keeps one row per channel and purpose): the proof
    # belongs to the contact and stays with it.
    consent = models.ForeignKey(Consent, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    # Indexed by consent_event_contact_idx (contact, -at), which leads with it. Not a hidden
    # relation: a merge moves every visible one to the surviving contact, and so the proof.
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="consent_events", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    action = models.CharField(_("action"), max_length=10, choices=ConsentAction.choices)
    state = models.CharField(_("state"), max_length=10, choices=ConsentState.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The address the consent was about when it was recorded (the contact's may change later).
    address = models.CharField(_("address"), max_length=254, blank=True)

    access_via: ClassVar[tuple[str, ...]] = ("contact",)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contact", "-at"], name="consent_event_contact_idx")]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose} {self.action} {self.at:%Y-%m-%d}"


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained (spam report)")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    MANUAL = "manual", _("Added by hand")


class Suppression(BaseModel):
    """An address no marketing may go to on a channel: e-mails in lower case, phones in E.164.

    ``purpose`` empty: no marketing at all (bounces, complaints, manual entries); otherwise only
    that purpose (a one-click unsubscribe). One row per channel, address and purpose.
    """

    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    address = models.CharField(_("address"), max_length=254)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=ConsentPurpose.choices, blank=True, help_text=_("Empty: every purpose.")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "address", "purpose"], name="suppression_unique_address"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.address}"
