"""The case handed to a lawyer or a debt collector: one ZIP with everything they need.

- ``summary.pdf``: the creditor, the debtor, each unpaid invoice with what is owed, the statutory
  interest to date and the recovery compensation, and the reminders sent;
- ``invoices/<number>.pdf``: each unpaid invoice as issued (and its corrections);
- ``messages/<date>-<channel>-<n>.txt``: every reminder, letter and SMS sent about them;
- ``history.csv``: the collection steps, promises to pay, disputes and logged calls, in order.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import zipfile
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from accord.billing.models import (
    CollectionStep,
    Invoice,
    InvoiceDispute,
    InvoiceKind,
    PromiseToPay,
)
from accord.billing.models.invoices import UNPAID
from accord.core import languages
from accord.core.pdf import ACCENT, FONT, INK, MUTED, add_fonts, day, money

ZERO = decimal.Decimal("0.00")


def _party_q(company: Any, contact: Any) -> Q:
    return Q(company=company) if company is not None else Q(company__isnull=True, contact=contact)


def unpaid_invoices(company: Any, contact: Any) -> list[Invoice]:
    return list(
        Invoice.objects.filter(_party_q(company, contact), kind=InvoiceKind.VAT, status__in=UNPAID).order_by(
            "due_date", "number"
        )
    )


def package(*, company: Any = None, contact: Any = None, today: datetime.date | None = None) -> bytes:
    """The hand-off ZIP of one customer (the caller checked the access)."""
    from accord.billing.pdf import file_name, render_invoice
    from accord.billing.services.collections import charges_of
    from accord.messaging.models import Message

    today = today or timezone.localdate()
    invoices = unpaid_invoices(company, contact)
    charged = charges_of(invoices, today)
    messages = list(
        Message.objects.filter(
            Q(company=company) if company is not None else Q(contact=contact),
            kind__in=["payment_reminder", "demand_letter"],
        ).order_by("created_at")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.pdf", _summary(company, contact, invoices, charged, messages, today))
        for invoice in invoices:
            archive.writestr(f"invoices/{file_name(invoice)}", render_invoice(invoice))
            for correction in invoice.corrections.exclude(number=""):
                archive.writestr(f"invoices/{file_name(correction)}", render_invoice(correction))
        for n, message in enumerate(messages, start=1):
            stamp = timezone.localtime(message.sent_at or message.created_at).date().isoformat()
            text = f"{message.subject}\n{message.to_address}\n\n{message.body}"
            archive.writestr(f"messages/{stamp}-{message.channel}-{n}.txt", text)
        archive.writestr("history.csv", _history(company, contact, invoices))
    return buffer.getvalue()


def _history(company: Any, contact: Any, invoices: list[Invoice]) -> str:
    from accord.activities.models import Interaction

    rows: list[tuple[str, str, str, str]] = []
    for step in CollectionStep.objects.filter(_party_q(company, contact)).prefetch_related("invoices__invoice"):
        numbers = ", ".join(line.invoice.number for line in step.invoices.all())
        rows.append(
            (step.day.isoformat(), _("Collection step"), f"{step.position}. {step.get_action_display()}", numbers)
        )
    for promise in PromiseToPay.objects.filter(Q(company=company) if company is not None else Q(contact=contact)):
        rows.append(
            (
                timezone.localtime(promise.created_at).date().isoformat(),
                _("Promise to pay"),
                promise.promised_on.isoformat(),
                promise.note,
            )
        )
    for dispute in InvoiceDispute.objects.filter(invoice__in=invoices):
        rows.append(
            (
                timezone.localtime(dispute.created_at).date().isoformat(),
                _("Dispute"),
                dispute.reason,
                dispute.invoice.number,
            )
        )
    calls = Interaction.objects.filter(
        Q(company=company) if company is not None else Q(contact=contact), channel="phone"
    )
    for call in calls.order_by("occurred_at"):
        rows.append((timezone.localtime(call.occurred_at).date().isoformat(), _("Call"), call.subject, call.body))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Date"), _("What"), _("Details"), _("Notes")])
    for row in sorted(rows, key=lambda r: r[0]):
        writer.writerow(row)
    return out.getvalue()


def _summary(
    company: Any,
    contact: Any,
    invoices: list[Invoice],
    charged: dict[Any, tuple[decimal.Decimal, decimal.Decimal]],
    messages: list[Any],
    today: datetime.date,
) -> bytes:
    from accord.billing.services.common import customer_block
    from accord.sales.services.quotes import seller_details

    with languages.writing_in(languages.site_language()):
        seller = seller_details()
        customer = customer_block(company, contact)
        pdf = FPDF(format="A4", unit="mm")
        add_fonts(pdf)
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(True, margin=18)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin
        pdf.set_font(FONT, "B", 16)
        pdf.set_text_color(*INK)
        pdf.cell(width, 9, _("Debt collection case"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 5, _("Prepared %(date)s") % {"date": day(today)}, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
        for heading, name, rows in (
            (_("Creditor"), seller.get("name", ""), [seller.get("address", ""), seller.get("tax_id", "")]),
            (_("Debtor"), customer["name"], [customer["address"], customer["tax_id"]]),
        ):
            pdf.set_font(FONT, "B", 8)
            pdf.set_text_color(*ACCENT)
            pdf.cell(width, 5, heading.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FONT, "B", 10)
            pdf.set_text_color(*INK)
            pdf.multi_cell(width, 5, name or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FONT, "", 9)
            for row in rows:
                if row:
                    pdf.multi_cell(width, 4.5, row, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
        pdf.set_font(FONT, "", 8.5)
        headings = [_("Invoice"), _("Due date"), _("Owed"), _("Interest"), _("Recovery compensation")]
        with pdf.table(
            col_widths=[40, 28, 35, 30, 41], text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
        ) as table:
            table.row(headings)
            totals: dict[str, list[decimal.Decimal]] = {}
            for invoice in invoices:
                interest, compensation = charged[invoice.pk]
                owed = invoice.outstanding
                table.row(
                    [
                        invoice.number,
                        day(invoice.due_date),
                        money(owed, invoice.currency),
                        money(interest, invoice.currency),
                        money(compensation, invoice.currency),
                    ]
                )
                sums = totals.setdefault(invoice.currency, [ZERO, ZERO, ZERO])
                sums[0] += owed
                sums[1] += interest
                sums[2] += compensation
            for currency, (owed, interest, compensation) in totals.items():
                table.row(
                    [_("Total"), "", money(owed, currency), money(interest, currency), money(compensation, currency)]
                )
        pdf.ln(4)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(width, 6, _("Reminders sent"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        if not messages:
            pdf.cell(width, 5, "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for message in messages:
            when = day(message.sent_at or message.created_at)
            pdf.multi_cell(
                width,
                4.8,
                f"{when} · {message.get_channel_display()} · {message.subject} · {message.get_state_display()}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        return bytes(pdf.output())
