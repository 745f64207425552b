"""Leads: people who may become customers, captured by forms, imports, the API or by hand."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.ids import uuid7
from accord.core.models import BaseModel, OwnedModel
from accord.sales.defaults import label as default_label


class LeadSource(models.TextChoices):
    WEBSITE = "website", _("Website")
    CAMPAIGN = "campaign", _("Campaign")
    SOCIAL = "social", _("Social media")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    VISIT = "visit", _("Visit")
    REFERRAL = "referral", _("Referral")
    PARTNER = "partner", _("Partner")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")
    CONTACTED = "contacted", pgettext_lazy("lead status", "Contacted")
    QUALIFIED = "qualified", pgettext_lazy("lead status", "Qualified")
    UNQUALIFIED = "unqualified", pgettext_lazy("lead status", "Unqualified")
    CONVERTED = "converted", pgettext_lazy("lead status", "Converted")


def _form_key() -> str:
    return secrets.token_urlsafe(12)


class WebForm(BaseModel):
    """A form a company embeds on its own website; what visitors send becomes a lead."""

    name = models.CharField(_("name"), max_length=80)
    key = models.CharField(_("public key"), max_length=32, unique=True, default=_form_key, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices, default=LeadSource.WEBSITE)
    consent_text = models.TextField(
        _("consent text"), blank=True, help_text=_("Shown above the submit button and stored with every lead.")
    )
    success_message = models.CharField(_("thank-you message"), max_length=300, blank=True)
    redirect_url = models.URLField(_("address to return to"), blank=True)
    # Which visitor fields the form shows, in order (names of Lead fields); empty means the standard set.
    fields = models.JSONField(_("fields shown"), default=list, blank=True)
    allowed_origin = models.CharField(
        _("allowed website"), max_length=200, blank=True, help_text=_("e.g. https://www.example.com")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner of new leads")
    )
    team = models.ForeignKey("identity.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    # Per visitor address and form: how many submissions an hour before the form says "later".
    hourly_limit = models.PositiveSmallIntegerField(_("submissions per hour from one address"), default=10)

    history_labels: ClassVar[dict[str, Any]] = {"team": _("Team")}

    class Meta:
        ordering = ["name"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    # What the visitor reads: the admin's words, or the demo's in the visitor's language.
    @property
    def shown_name(self) -> str:
        return default_label(self.name)

    @property
    def shown_consent_text(self) -> str:
        return default_label(self.consent_text)

    @property
    def shown_success_message(self) -> str:
        return default_label(self.success_message)

    STANDARD_FIELDS = ("first_name", "last_name", "company_name", "email", "phone", "message")
    ALL_FIELDS = ("first_name", "last_name", "company_name", "job_title", "email", "phone", "message")

    @property
    def shown_fields(self) -> list[str]:
        """The visitor fields the form shows, in the public form's order."""
        chosen = self.fields or self.STANDARD_FIELDS
        return [f for f in self.ALL_FIELDS if f in chosen]


class WebFormSubmission(models.Model):
    """One POST to a public form, kept (briefly) to rate-limit by address; a spam trap hit is kept too."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    accepted = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["form", "address", "-at"], name="webform_rate_idx")]

    def __str__(self) -> str:
        return f"{self.form_id} {self.address} {self.at}"


class Lead(OwnedModel):
    """Someone who showed interest: not yet a customer, and perhaps never one."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices, default=LeadSource.OTHER)
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    score = models.IntegerField(_("score"), default=0)
    message = models.TextField(_("message"), blank=True)
    web_form = models.ForeignKey(WebForm, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads")
    consent_text = models.TextField(_("consent shown"), blank=True)
    consent_given_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    # The address the form was sent from: part of the consent's proof.
    consent_ip = models.GenericIPAddressField(_("consent given from"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    contact = models.ForeignKey(
        "people.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("contact"),
    )
    company = models.ForeignKey(
        "people.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("company"),
    )
    deal = models.ForeignKey(
        "sales.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads", verbose_name=_("deal")
    )
    # The partner company that registered the lead in the portal (collaborative selling): the
    # partner follows it there, and the deal it becomes carries the same partner.
    partner = models.ForeignKey(
        "people.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_leads",
        verbose_name=_("partner"),
    )
    search_text = models.TextField(blank=True, editable=False)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"search_text"}
    history_labels: ClassVar[dict[str, Any]] = {"web_form": _("Web form")}

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_idx"),
            models.Index(fields=["-score", "-id"], name="lead_score_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.company_name or self.email or str(_("Lead"))

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class ScoringRule(BaseModel):
    """Points a lead earns when a condition holds ("source is referral: +30")."""

    FIELDS = [
        ("source", _("Source")),
        ("email_domain", _("E-mail domain")),
        ("has_phone", _("Has a phone number")),
        ("has_company", _("Has a company")),
        ("job_title", _("Job title contains")),
        ("message", _("Message contains")),
    ]
    field = models.CharField(_("when"), max_length=20, choices=FIELDS)
    value = models.CharField(_("is / contains"), max_length=100, blank=True)
    points = models.SmallIntegerField(_("points"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["field", "value"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")

    # The e-mail domain rule's two words that stand for a kind of domain rather than one domain.
    DOMAIN_KINDS: ClassVar[dict[str, Any]] = {
        "free": _("a free mail service"),
        "business": _("a company's own domain"),
    }

    def __str__(self) -> str:
        value = f" {self.value_label}" if self.value else ""
        return f"{self.get_field_display()}{value}: {self.points:+d}"

    @property
    def value_label(self) -> str:
        """The rule's value as people read it: a source by its name ("Website", not "website")."""
        if self.field == "source":
            return str(dict(LeadSource.choices).get(self.value, self.value))
        if self.field == "email_domain" and self.value in self.DOMAIN_KINDS:
            return str(self.DOMAIN_KINDS[self.value])
        return self.value
