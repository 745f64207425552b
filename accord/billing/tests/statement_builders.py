"""Bank statement files built in the tests: MT940 in mBank's layout and camt.053, with the
balances adding up."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from decimal import Decimal

ACCOUNT = "PL27114020040000300201355387"  # ours, the account the statements are of
PAYER_IBAN = "PL61109010140000071219812874"


@dataclasses.dataclass(frozen=True)
class Booking:
    amount: str
    title: str = ""
    name: str = ""
    iban: str = ""
    reference: str = ""
    day: datetime.date = datetime.date(2026, 3, 10)


def _amount(value: Decimal) -> str:
    return f"{abs(value):.2f}".replace(".", ",")


def mt940(bookings: Sequence[Booking], *, account: str = ACCOUNT, number: str = "7", opening: str = "1000.00") -> bytes:
    """An MT940 statement of ``account`` with these bookings (each with a bank reference unless
    given one), opening and closing balances that add up."""
    balance = Decimal(opening)
    first = min((b.day for b in bookings), default=datetime.date(2026, 3, 10))
    last = max((b.day for b in bookings), default=first)
    rows = [f":20:ST{number}", f":25:{account}", f":28C:{number}", f":60F:C{first:%y%m%d}PLN{_amount(balance)}"]
    for i, booking in enumerate(bookings, start=1):
        value = Decimal(booking.amount)
        balance += value
        mark = "C" if value > 0 else "D"
        reference = booking.reference or f"REF{number}{i:06d}"
        rows.append(f":61:{booking.day:%y%m%d}{booking.day:%m%d}{mark}{_amount(value)}S0950000000001//{reference}")
        details = f":86:950<00PRZELEW<20{booking.title}"
        if booking.name:
            details += f"<27{booking.name}"
        if booking.iban:
            details += f"<38{booking.iban}"
        rows.append(details)
    mark = "C" if balance >= 0 else "D"
    rows.append(f":62F:{mark}{last:%y%m%d}PLN{_amount(balance)}")
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")
