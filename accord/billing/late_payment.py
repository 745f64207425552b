"""What a late payer owes beyond the invoice: statutory interest and the fixed recovery compensation.

Polish rules by default (the law on preventing excessive delays in commercial transactions):

- Interest for late payment in commercial transactions runs from the day after the due date to
  the day of payment inclusive, on the amount still unpaid each day, at the annual rate in force
  on that day (published for each half-year), counted on a 365-day year, to the grosz, half up.
- The recovery compensation is a fixed amount per invoice paid late, in euros by the invoice's
  amount: 40 EUR up to 5,000 PLN, 70 EUR above 5,000 and below 50,000 PLN, 100 EUR from 50,000 PLN;
  converted at the National Bank of Poland's average euro rate of the last working day of the
  month before the month in which the payment became due.

Rates are data (``InterestRate`` periods, kept with their validity dates), so another country's
rules are other data; nothing here reads the database.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

CENT = decimal.Decimal("0.01")
DAYS_IN_YEAR = 365

# The compensation's bands: up to and including SMALL_INVOICE, below LARGE_INVOICE, from it (PLN).
SMALL_INVOICE = decimal.Decimal("5000")
LARGE_INVOICE = decimal.Decimal("50000")
SMALL_COMPENSATION = decimal.Decimal("40")
MIDDLE_COMPENSATION = decimal.Decimal("70")
LARGE_COMPENSATION = decimal.Decimal("100")


class LatePaymentError(ValueError):
    """Interest or compensation that cannot be computed from what is known (no rate for a day)."""


@dataclass(frozen=True)
class InterestRate:
    """An annual rate in percent, in force from ``valid_from`` until the next period starts."""

    valid_from: datetime.date
    annual_percent: decimal.Decimal


@dataclass(frozen=True)
class Settlement:
    """A payment towards the invoice: ``amount`` paid on ``day``."""

    day: datetime.date
    amount: decimal.Decimal


@dataclass(frozen=True)
class InterestStretch:
    """Interest of one stretch of days with the same unpaid amount and the same rate."""

    first_day: datetime.date
    last_day: datetime.date
    days: int
    principal: decimal.Decimal
    annual_percent: decimal.Decimal
    interest: decimal.Decimal


@dataclass(frozen=True)
class Interest:
    total: decimal.Decimal
    stretches: tuple[InterestStretch, ...]


def interest(
    *,
    amount: decimal.Decimal,
    due_date: datetime.date,
    until: datetime.date,
    rates: Sequence[InterestRate],
    payments: Iterable[Settlement] = (),
) -> Interest:
    """Statutory interest on ``amount`` due on ``due_date``, for the days after it up to and
    including ``until`` (the day of payment, or today for what is still unpaid). A payment on a
    day still counts that day's interest on what it pays (the debt was unpaid until that day)."""
    if amount < 0:
        raise LatePaymentError(_("The amount cannot be negative."))
    ordered_rates = sorted(rates, key=lambda rate: rate.valid_from)
    settled = sorted((p for p in payments if p.amount > 0), key=lambda p: p.day)
    principal = amount
    # Payments on or before the due date were on time: they only lower the principal.
    while settled and settled[0].day <= due_date:
        principal -= settled.pop(0).amount
    first = due_date + datetime.timedelta(days=1)
    if principal <= 0 or until < first:
        return Interest(decimal.Decimal("0.00"), ())
    boundaries = {p.day + datetime.timedelta(days=1) for p in settled if first <= p.day < until}
    boundaries |= {rate.valid_from for rate in ordered_rates if first < rate.valid_from <= until}
    starts = [first, *sorted(boundaries)]
    stretches: list[InterestStretch] = []
    total_exact = decimal.Decimal("0")
    for i, start in enumerate(starts):
        end = starts[i + 1] - datetime.timedelta(days=1) if i + 1 < len(starts) else until
        # What was paid before this stretch began no longer bears interest.
        while settled and settled[0].day < start:
            principal -= settled.pop(0).amount
        if principal <= 0:
            break
        rate = _rate_on(ordered_rates, start)
        days = (end - start).days + 1
        exact = principal * rate * days / (100 * DAYS_IN_YEAR)
        total_exact += exact
        stretches.append(
            InterestStretch(start, end, days, principal, rate, exact.quantize(CENT, decimal.ROUND_HALF_UP))
        )
    return Interest(total_exact.quantize(CENT, decimal.ROUND_HALF_UP), tuple(stretches))


def _rate_on(rates: Sequence[InterestRate], day: datetime.date) -> decimal.Decimal:
    current = None
    for rate in rates:
        if rate.valid_from <= day:
            current = rate
        else:
            break
    if current is None:
        raise LatePaymentError(
            _("No interest rate for late payment is set for %(day)s; add it in the collections settings.")
            % {"day": day.isoformat()}
        )
    return current.annual_percent


def compensation_in_euros(invoice_amount_pln: decimal.Decimal) -> decimal.Decimal:
    """The fixed recovery compensation, in euros, for an invoice of ``invoice_amount_pln``."""
    if invoice_amount_pln >= LARGE_INVOICE:
        return LARGE_COMPENSATION
    if invoice_amount_pln > SMALL_INVOICE:
        return MIDDLE_COMPENSATION
    return SMALL_COMPENSATION


def compensation_rate_day(due_date: datetime.date) -> datetime.date:
    """The day whose euro rate converts the compensation: the last day of the month before the
    month the payment became due (the last table published on or before it is the one to use)."""
    return due_date.replace(day=1) - datetime.timedelta(days=1)


def compensation(
    invoice_amount_pln: decimal.Decimal, euro_rate: decimal.Decimal
) -> tuple[decimal.Decimal, decimal.Decimal]:
    """The compensation in euros and in złoty at ``euro_rate`` (PLN per euro)."""
    if euro_rate <= 0:
        raise LatePaymentError(_("The euro exchange rate must be positive."))
    euros = compensation_in_euros(invoice_amount_pln)
    return euros, (euros * euro_rate).quantize(CENT, decimal.ROUND_HALF_UP)
