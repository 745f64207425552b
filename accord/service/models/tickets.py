"""Tickets: a customer's request for help, from any channel, worked by agents in queues.

A ticket belongs to a customer (a contact, and their company when they have one) and is seen by
whoever may see that customer, and by its assignee (``access_via``). Its conversation is a list of
``TicketMessage`` rows: what the customer wrote (by e-mail, in the portal, in a chat, on the phone),
agents' public replies (sent to the customer through the outbox) and internal notes (never sent).

The ticket carries its SLA clock (``sla.py`` explains it): when the first response and the
resolution are due, when the clock was paused (waiting for the customer) and whether a target was
missed. The worker's SLA check reads only open tickets through the partial index on the due times.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.models import BaseModel


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("By hand")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    WAITING = "waiting", pgettext_lazy("ticket status", "Waiting for customer")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


# Statuses in which a ticket still needs the team's work (the SLA clock runs or is paused).
OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class TicketPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("ticket priority", "Low")
    NORMAL = "normal", pgettext_lazy("ticket priority", "Normal")
    HIGH = "high", pgettext_lazy("ticket priority", "High")
    URGENT = "urgent", pgettext_lazy("ticket priority", "Urgent")


PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


class TicketChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    WEB = "web", _("Entered by an agent")


class Queue(BaseModel):
    """Where tickets wait for an agent: a team's inbox with its own way of handing tickets out."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    team = models.ForeignKey(
        "identity.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    email = models.EmailField(
        _("e-mail address"),
        blank=True,
        help_text=_("Mail to this address lands in this queue; replies are sent from it."),
    )
    assignment = models.CharField(
        _("assignment"), max_length=20, choices=AssignmentMode.choices, default=AssignmentMode.MANUAL
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="service_queues", verbose_name=_("agents")
    )
    # Round robin's cursor: the agent who got the last ticket.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    is_default = models.BooleanField(_("default queue"), default=False)
    active = models.BooleanField(_("active"), default=True)
    send_surveys = models.BooleanField(
        _("satisfaction survey"),
        default=True,
        help_text=_("E-mail the customer a short survey (1–5 and a comment) when a ticket is resolved."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_queue"),
        ]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class Ticket(BaseModel):
    """A customer's request, from its first message until it is closed."""

    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=250)
    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=10, choices=TicketChannel.choices, default=TicketChannel.WEB)
    # Every index is written again when the SLA check or a reply moves a ticket's clock: the
    # foreign keys are found through the composite indexes below (queue, assignee, contact,
    # company lead one each), the links few tickets have through partial indexes, and the creator
    # and the policy (a user or a policy deleted, seldom) by reading the table.
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue"), db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
        db_index=False,
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("contact"), db_index=False
    )
    company = models.ForeignKey(
        "people.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("company"),
        db_index=False,
    )
    deal = models.ForeignKey(
        "sales.Deal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deal"),
        db_index=False,
    )
    order = models.ForeignKey(
        "billing.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
        db_index=False,
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invoice"),
        db_index=False,
    )
    is_complaint = models.BooleanField(_("complaint"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )
    # Merged tickets stay, closed, pointing at the one that carries on.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
        db_index=False,
    )

    # The SLA clock (service/sla.py).
    sla_policy = models.ForeignKey(
        "service.SlaPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("SLA policy"),
        db_index=False,
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    paused_at = models.DateTimeField(_("SLA paused"), null=True, blank=True)
    # The business time the clock has stood while waiting for the customer, in all: a policy chosen
    # again (a new priority) counts its targets from creation plus this.
    sla_stood_seconds = models.PositiveIntegerField(default=0, editable=False)
    first_response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The earliest due time still ahead of an open, running clock: what the SLA check scans.
    sla_next_check = models.DateTimeField(null=True, blank=True, editable=False)

    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(_("customer last wrote"), null=True, blank=True)
    last_agent_message_at = models.DateTimeField(_("agent last wrote"), null=True, blank=True)

    access_via: ClassVar[tuple[str, ...]] = ("contact", "company")
    access_owner_field: ClassVar[str] = "assignee"
    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {
        "warned_at",
        "sla_next_check",
        "last_customer_message_at",
        "last_agent_message_at",
    }

    class Meta:
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["queue", "status", "-number"], name="ticket_queue_idx"),
            models.Index(fields=["assignee", "status", "-number"], name="ticket_assignee_idx"),
            models.Index(fields=["contact", "-number"], name="ticket_contact_idx"),
            models.Index(fields=["company", "-number"], name="ticket_company_idx"),
            models.Index(fields=["deal"], name="ticket_deal_idx", condition=Q(deal__isnull=False)),
            models.Index(fields=["order"], name="ticket_order_idx", condition=Q(order__isnull=False)),
            models.Index(fields=["invoice"], name="ticket_invoice_idx", condition=Q(invoice__isnull=False)),
            models.Index(fields=["merged_into"], name="ticket_merged_idx", condition=Q(merged_into__isnull=False)),
            # The desk's "SLA missed" view: few rows, found without reading the table.
            models.Index(
                fields=["-number"],
                name="ticket_late_idx",
                condition=(Q(first_response_breached=True) | Q(resolution_breached=True))
                & Q(status__in=["new", "open", "waiting"]),
            ),
            models.Index(
                fields=["sla_next_check"],
                name="ticket_sla_check_idx",
                condition=Q(sla_next_check__isnull=False),
            ),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def reference(self) -> str:
        """What the subject of every e-mail about the ticket carries, so a reply finds it."""
        return f"[#{self.number}]"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("From the customer")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")


class TicketMessage(BaseModel):
    """One entry of a ticket's conversation. A customer's message or a public reply is also on the
    customer's timeline (``interaction``); an internal note only here."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=TicketChannel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    body = models.TextField(_("text"))
    # E-mail threading: this message's Message-ID (an inbound one's, or the outbox's for a reply).
    email_message_id = models.CharField(_("Message-ID"), max_length=250, blank=True, db_index=True)
    email_from = models.CharField(_("from"), max_length=250, blank=True)
    outbox_message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("e-mail sent"),
    )
    interaction = models.ForeignKey(
        "activities.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interaction"),
    )
    # Where the message came from when it must not be taken twice ("email:<Message-ID>", a chat id).
    external_id = models.CharField(_("external id"), max_length=250, null=True, blank=True, unique=True)

    access_via: ClassVar[tuple[str, ...]] = ("ticket__contact", "ticket__company")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_ticket_idx")]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class CannedResponse(BaseModel):
    """A reply agents use again and again, with variables ({{ contact.first_name }},
    {{ ticket.number }}, {{ agent.name }}) filled in when it is inserted."""

    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    team = models.ForeignKey(
        "identity.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("Empty: every agent may use it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.name


class Mailbox(BaseModel):
    """An IMAP mailbox the worker reads; each new message becomes a ticket or a reply to one."""

    name = models.CharField(_("name"), max_length=120)
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="mailboxes", verbose_name=_("queue"))
    host = models.CharField(_("server"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("SSL"), default=True)
    username = models.CharField(_("user name"), max_length=200)
    password = models.CharField(_("password"), max_length=200)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    active = models.BooleanField(_("active"), default=True)
    # The highest UID taken from the folder (with the folder's UIDVALIDITY it belongs to).
    last_uid = models.PositiveBigIntegerField(default=0, editable=False)
    uid_validity = models.PositiveBigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last read"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {
        "password",
        "last_uid",
        "uid_validity",
        "last_polled_at",
        "last_error",
    }

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name
