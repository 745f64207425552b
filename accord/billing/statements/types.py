"""What every statement parser returns, whatever the bank's format: a Statement of StatementLines."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal


class StatementError(ValueError):
    """A statement file that cannot be read. Nothing of the file is returned; ``where`` names the
    line, row or XML element and the message says what is wrong there, for the user."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class MappingError(StatementError):
    """A CSV column mapping that does not fit the file: ``field`` names the mapping's field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclasses.dataclass(frozen=True, slots=True)
class StatementLine:
    """One booking on the account. ``amount`` is signed: money in (a credit) is positive."""

    booking_date: datetime.date
    amount: Decimal
    currency: str
    value_date: datetime.date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""  # compact IBAN when the bank gave a valid one, else as given
    counterparty_address: str = ""
    title: str = ""  # transfer title / remittance information
    bank_reference: str = ""
    end_to_end_id: str = ""

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclasses.dataclass(frozen=True, slots=True)
class Statement:
    """A statement of one account. Balances are signed like lines; a format without them (a
    CSV export) leaves them None."""

    account_iban: str
    currency: str
    lines: tuple[StatementLine, ...]
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    opening_date: datetime.date | None = None
    closing_date: datetime.date | None = None
    reference: str = ""  # the bank's statement number/id
    format: str = ""  # "mt940", "camt.053", "csv"

    @property
    def credits(self) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.lines if line.amount > 0)
