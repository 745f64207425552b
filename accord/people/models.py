"""Companies and contacts: the customer database every other part of Accord hangs off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.core.ids import uuid7
from accord.core.models import BaseModel, OwnedModel, Tag
from accord.core.phones import format_phone


class CompanySize(models.TextChoices):
    MICRO = "1-9", _("1–9 employees")
    SMALL = "10-49", _("10–49 employees")
    MEDIUM = "50-249", _("50–249 employees")
    LARGE = "250-999", _("250–999 employees")
    ENTERPRISE = "1000+", _("1000+ employees")


class Channel(models.TextChoices):
    """How a customer prefers to be reached."""

    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    CHAT = "chat", _("Chat")


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Import")
    WEB_FORM = "web_form", _("Web form")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    EVENT = "event", _("Event or trade fair")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    """Languages customers are served in (not only the interface's)."""

    EN = "en", _("English")
    PL = "pl", _("Polish")
    LT = "lt", _("Lithuanian")
    RO = "ro", _("Romanian")
    RU = "ru", _("Russian")
    DE = "de", _("German")
    UK = "uk", _("Ukrainian")


class PartyModel(OwnedModel):
    """What companies and contacts share: ownership, tags, custom fields, search and recency.

    Tags are declared on each of them, each through its own link model (``CompanyTag``,
    ``ContactTag``), which carries the record's owner, team and territory for the access policy."""

    if TYPE_CHECKING:
        from django.db.models.fields.related_descriptors import ManyRelatedManager

        tags: ManyRelatedManager[Tag, Any]

    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Key of the record in another system (shop, ERP, old CRM); imports and upserts match on it.
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    # Denormalised for lists, exports and search; services keep them in step.
    primary_email = models.EmailField(_("e-mail"), blank=True)
    primary_phone = models.CharField(_("phone"), max_length=20, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True, editable=False)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {
        "search_text",
        "last_interaction_at",
        "primary_email",
        "primary_phone",
    }

    class Meta:
        abstract = True

    @property
    def primary_phone_display(self) -> str:
        return format_phone(self.primary_phone) if self.primary_phone else ""


class Company(PartyModel):
    """An organisation Accord's users sell to, buy from or serve."""

    name = models.CharField(_("name"), max_length=200)
    sort_name = models.CharField(max_length=200, editable=False, db_index=False)
    tags = models.ManyToManyField(Tag, through="CompanyTag", blank=True, related_name="+", verbose_name=_("tags"))
    vat_id = models.CharField(_("VAT id"), max_length=20, blank=True)
    nip = models.CharField(_("NIP"), max_length=10, blank=True, help_text=_("Polish tax id, 10 digits."))
    regon = models.CharField(_("REGON"), max_length=14, blank=True, help_text=_("Polish business register number."))
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO code, e.g. PL."))
    # What quotes and messages to its people are written in when a contact names no language.
    preferred_language = models.CharField(_("preferred language"), max_length=5, choices=Language.choices, blank=True)

    audit_exclude: ClassVar[frozenset[str]] = PartyModel.audit_exclude | {"sort_name"}

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["sort_name", "id"], name="company_sort_name_idx"),
            models.Index(fields=["-updated_at", "-id"], name="company_updated_idx"),
            models.Index(fields=["-created_at", "-id"], name="company_created_idx"),
            models.Index(fields=["-last_interaction_at", "-id"], name="company_last_inter_idx"),
            models.Index(fields=["nip"], name="company_nip_idx"),
            models.Index(fields=["vat_id"], name="company_vat_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(PartyModel):
    """A person: a customer, a prospect, someone at a customer's company."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    sort_name = models.CharField(max_length=210, editable=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=5, choices=Language.choices, blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=10, choices=Channel.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    preferences = models.JSONField(
        _("preferences"), default=list, blank=True, help_text=_("Interests and product preferences.")
    )
    classification = models.CharField(
        _("classification"), max_length=40, blank=True, help_text=_("Set by customer analytics.")
    )
    companies = models.ManyToManyField(
        Company, through="ContactCompany", related_name="contacts", blank=True, verbose_name=_("companies")
    )
    tags = models.ManyToManyField(Tag, through="ContactTag", blank=True, related_name="+", verbose_name=_("tags"))

    audit_exclude: ClassVar[frozenset[str]] = PartyModel.audit_exclude | {"sort_name"}

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["sort_name", "id"], name="contact_sort_name_idx"),
            models.Index(fields=["-updated_at", "-id"], name="contact_updated_idx"),
            models.Index(fields=["-created_at", "-id"], name="contact_created_idx"),
            models.Index(fields=["-last_interaction_at", "-id"], name="contact_last_inter_idx"),
            # The list's filters on columns no other index leads with: any of them with any sort
            # finds its rows here when few match (see core/listing.py, ``paginate``). Birthdays and
            # missing e-mails are rare, so those two hold only the rows that have them.
            models.Index(fields=["preferred_language"], name="contact_language_idx"),
            models.Index(fields=["preferred_channel"], name="contact_channel_idx"),
            models.Index(fields=["source"], name="contact_source_idx"),
            models.Index(fields=["classification"], name="contact_class_idx"),
            models.Index(fields=["birthday"], name="contact_birthday_idx", condition=Q(birthday__isnull=False)),
            models.Index(fields=["id"], name="contact_no_email_idx", condition=Q(primary_email="")),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(first_name="", last_name=""), name="contact_has_a_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class ContactCompany(models.Model):
    """A contact's place at a company: job title, department, and whether it is their main one."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="company_links")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contact_links")
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    is_primary = models.BooleanField(_("main company"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "company"], name="contact_company_unique")]
        ordering = ["-is_primary", "company__sort_name"]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.company}"


def _copied_from_record(to: str) -> models.ForeignKey[Any, Any]:
    """A copy of the tagged record's own column, kept by triggers: no constraint, no index of its
    own (the link's access index holds it), never edited."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        editable=False,
        related_name="+",
    )


class TagLink(models.Model):
    """A tag on a record, with the record's owner, team and territory copied beside it.

    The copies let a list filtered by a tag find the tagged records a user may see in the link
    table's own index (a sales rep's "VIP" contacts are a tenth of all "VIP" contacts, and testing
    each of those against the rep's access was most of the list's time). Database triggers fill
    them when a link is written and follow the record when its owner, team or territory changes
    (``migrations/0005_tag_links``): every path that moves a record (a form, the API, a mass
    change, a merge, an import, plain SQL) keeps them right. They are read only to narrow such a
    filter; the record's own columns remain what the access policy decides by."""

    id = models.BigAutoField(primary_key=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    owner = _copied_from_record("identity.User")
    team = _copied_from_record("identity.Team")
    territory = _copied_from_record("identity.Territory")

    class Meta:
        abstract = True


class CompanyTag(TagLink):
    company = models.ForeignKey(Company, on_delete=models.CASCADE)

    class Meta:
        db_table = "people_company_tags"
        unique_together = [("company", "tag")]
        indexes = [models.Index(fields=["tag", "team", "owner", "territory", "company"], name="company_tag_access_idx")]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.tag_id}"


class ContactTag(TagLink):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)

    class Meta:
        db_table = "people_contact_tags"
        unique_together = [("contact", "tag")]
        indexes = [models.Index(fields=["tag", "team", "owner", "territory", "contact"], name="contact_tag_access_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.tag_id}"


def _one_party() -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(contact__isnull=False, company__isnull=True) | Q(contact__isnull=True, company__isnull=False)),
        name="%(class)s_belongs_to_one_party",
    )


class EmailLabel(models.TextChoices):
    WORK = "work", _("Work")
    HOME = "home", _("Personal")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")


class EmailAddress(models.Model):
    """One of a contact's or a company's e-mail addresses; the first is the primary one."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="emails")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="emails")
    email = models.EmailField(_("e-mail"))
    label = models.CharField(_("label"), max_length=10, choices=EmailLabel.choices, default=EmailLabel.WORK)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["email"], name="email_address_idx")]
        constraints = [_one_party()]

    def __str__(self) -> str:
        return self.email


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    WORK = "work", _("Work")
    HOME = "home", _("Home")
    FAX = "fax", _("Fax")
    OTHER = "other", _("Other")


class PhoneNumber(models.Model):
    """A phone number in E.164, so a caller's number finds its contact."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="phones")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="phones")
    number = models.CharField(_("number"), max_length=20)
    label = models.CharField(_("label"), max_length=10, choices=PhoneLabel.choices, default=PhoneLabel.MOBILE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["number"], name="phone_number_idx")]
        constraints = [_one_party()]

    def __str__(self) -> str:
        return self.number

    @property
    def display(self) -> str:
        return format_phone(self.number)


class AddressLabel(models.TextChoices):
    OFFICE = "office", _("Office")
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    HOME = "home", _("Home")
    OTHER = "other", _("Other")


class Address(models.Model):
    """A postal address of a contact or a company."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="addresses")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="addresses")
    label = models.CharField(_("label"), max_length=10, choices=AddressLabel.choices, default=AddressLabel.OFFICE)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [_one_party()]
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, f"{self.postal_code} {self.city}".strip(), self.country) if p)
