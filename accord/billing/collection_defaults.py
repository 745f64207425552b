"""The collections ladder and late-payment rates every installation starts with; an administrator
changes them in the collections settings afterwards."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

STANDARD_LADDER = "Standard"
# position, days after the due date, action, message template, needs approval
LEVELS = [
    (1, 3, "email", "payment_reminder", False),
    (2, 10, "sms", "payment_reminder", False),
    (3, 21, "letter", "demand_letter", False),
    (4, 30, "call", "", False),
    (5, 60, "handoff", "", True),
]
# The statutory interest for late payment in commercial transactions (Poland: the National Bank of
# Poland's reference rate plus ten points, announced for each half-year). Later periods are added
# by an administrator as they are announced.
RATES = [
    (datetime.date(2024, 1, 1), decimal.Decimal("15.75")),
    (datetime.date(2025, 7, 1), decimal.Decimal("15.25")),
]

# The default ladder's name in the reader's language, until an administrator renames it.
TRANSLATED = {STANDARD_LADDER: _("Standard")}


def ensure_collection_defaults(ladder_model: Any = None, level_model: Any = None, rate_model: Any = None) -> None:
    """Create the standard ladder and the known interest rates unless there are ladders and rates
    already (the models may be a migration's historical ones)."""
    if ladder_model is None:
        from accord.billing.models import CollectionLadder, CollectionLevel, LatePaymentRate

        ladder_model, level_model, rate_model = CollectionLadder, CollectionLevel, LatePaymentRate
    if not ladder_model.objects.exists():
        ladder = ladder_model.objects.create(name=STANDARD_LADDER, is_default=True, min_days_between_steps=7)
        for position, days, action, template, approval in LEVELS:
            level_model.objects.create(
                ladder=ladder,
                position=position,
                days_after_due=days,
                action=action,
                template_kind=template,
                needs_approval=approval,
            )
    if not rate_model.objects.exists():
        for valid_from, percent in RATES:
            rate_model.objects.create(valid_from=valid_from, annual_percent=percent)


# The collections' message templates. Their words are the catalogue's, so each language's template
# starts in that language; the variables are filled by the collections run (see
# ``accord.billing.services.collections.message_context``): customer, seller, account, numbers,
# total, interest, compensation, to_pay, days, and ``invoices``, each with number, due_date,
# days_overdue, outstanding, interest and compensation, all already written for the reader.
def _invoice_rows(with_interest: bool) -> str:
    due = _("due %(date)s, %(days)s days overdue") % {"date": "{{ i.due_date }}", "days": "{{ i.days_overdue }}"}
    row = "{% for i in invoices %}- {{ i.number }} (" + str(due) + "): {{ i.outstanding }}"
    if with_interest:
        row += "{% if i.interest %}, " + str(_("interest %(amount)s") % {"amount": "{{ i.interest }}"}) + "{% endif %}"
    return row + "\n{% endfor %}"


def collection_templates() -> list[dict[str, str]]:
    """The templates in the active language: a reminder by e-mail and SMS, a demand letter."""
    dear = str(_("Dear %(customer)s,") % {"customer": "{{ customer }}"})
    regards = str(_("Kind regards,")) + "\n{{ seller }}\n"
    reminder = (
        f"{dear}\n\n"
        + str(_("According to our records the following invoices are past their due date:"))
        + "\n"
        + _invoice_rows(False)
        + "\n"
        + str(_("Total to pay: %(amount)s") % {"amount": "{{ total }}"})
        + "\n\n"
        + str(
            _(
                "Please transfer the amount to our account %(account)s."
                " If you have already paid, please ignore this message."
            )
            % {"account": "{{ account }}"}
        )
        + "\n\n"
        + regards
    )
    demand = (
        f"{dear}\n\n"
        + str(_("Despite our reminders the following invoices remain unpaid:"))
        + "\n"
        + _invoice_rows(True)
        + "\n"
        + str(_("Unpaid amount: %(amount)s") % {"amount": "{{ total }}"})
        + "\n{% if interest %}"
        + str(_("Statutory interest for late payment to date: %(amount)s") % {"amount": "{{ interest }}"})
        + "\n{% endif %}{% if compensation %}"
        + str(_("Compensation for the costs of recovery: %(amount)s") % {"amount": "{{ compensation }}"})
        + "\n{% endif %}\n"
        + str(
            _(
                "We call on you to pay %(amount)s within %(days)s days of receiving this letter to our account"
                " %(account)s. Otherwise we will hand the matter over to a debt collector or a lawyer without"
                " further notice, at your cost."
            )
            % {"amount": "{{ to_pay }}", "days": "{{ days }}", "account": "{{ account }}"}
        )
        + "\n\n"
        + regards
    )
    sms = str(
        _(
            "%(seller)s: invoices %(numbers)s are overdue, %(amount)s to pay."
            " If you have already paid, please ignore this."
        )
        % {"seller": "{{ seller }}", "numbers": "{{ numbers }}", "amount": "{{ total }}"}
    )
    return [
        {
            "kind": "payment_reminder",
            "channel": "email",
            "subject": str(_("Payment reminder: %(numbers)s") % {"numbers": "{{ numbers }}"}),
            "body_text": reminder,
        },
        {"kind": "payment_reminder", "channel": "sms", "subject": "", "body_text": sms},
        {
            "kind": "payment_reminder",
            "channel": "letter",
            "subject": str(_("Payment reminder: %(numbers)s") % {"numbers": "{{ numbers }}"}),
            "body_text": reminder,
        },
        {
            "kind": "demand_letter",
            "channel": "letter",
            "subject": str(_("Demand for payment before legal action")),
            "body_text": demand,
        },
        {
            "kind": "demand_letter",
            "channel": "email",
            "subject": str(_("Demand for payment before legal action")),
            "body_text": demand,
        },
    ]


TEMPLATE_LANGUAGES = ("en", "pl", "lt", "ro", "ru")


def ensure_collection_templates(template_model: Any = None) -> None:
    """Create the collections' message templates that do not exist yet (an admin's rewording is kept)."""
    from django.utils import translation

    if template_model is None:
        from accord.messaging.models import MessageTemplate as template_model
    for language in TEMPLATE_LANGUAGES:
        with translation.override(language):
            for template in collection_templates():
                kind, channel = template.pop("kind"), template.pop("channel")
                template_model.objects.get_or_create(kind=kind, channel=channel, language=language, defaults=template)
