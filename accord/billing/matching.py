"""Which open invoices a bank statement's payments pay: proposals, never writes.

Pure functions over plain values, so the same rules run for a screen, an import or a test, with
no database. The caller passes the statement lines and the open items (invoices with something
left to pay) and gets one ``Proposal`` per line, in the lines' order, each with its allocations,
a confidence (0-100) and the reasons in words. Rules, strongest first:

1. Invoice numbers in the title, however typed: "FV/2026/0012", "fv 2026 12", "FV-2026-0012"
   and "FV2026/12" are one number (parts compared without case, separators and leading zeros).
   Several numbers split the payment over their invoices in due-date order; what is left over is
   an overpayment, reported as unallocated credit; less than owed is a partial payment.
2. Otherwise the payer: an account (IBAN) one customer's invoices name, or a name like a
   customer's. The payment must equal one open invoice of theirs (the earliest due, if several),
   or, for a payer known by account, the sum of their oldest invoices.
3. Nothing fits: "unmatched", the whole amount unallocated (with the payer when the account
   told who it is, for a person to allocate).

Confidence: 100 number, amount and the customer's account; 95 number and amount; 90 account
and one invoice of that amount; 85 a partial payment by number; 80 a near-identical name and
amount; 75 account and several invoices (of that amount, or the oldest ones together); 70 a
number paid from another customer's account; 65 a similar name; 60 a number already paid; 50 a
similar name several customers share; 0 unmatched. The caller decides what it applies unasked.

Proposals take earlier lines' allocations into account (an invoice is not paid twice). The run is
deterministic: same input, same proposals. Indexes by number, account and amount keep it near
linear: 100,000 lines against 200,000 open items take seconds, not minutes.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from decimal import Decimal
from typing import Literal, Protocol

from django.utils.translation import gettext, gettext_noop
from rapidfuzz import fuzz

MATCHED: Literal["matched"] = "matched"
PARTIAL: Literal["partial"] = "partial"
OVERPAID: Literal["overpaid"] = "overpaid"
UNMATCHED: Literal["unmatched"] = "unmatched"
SKIPPED: Literal["skipped"] = "skipped"  # not money received (a debit, or zero)
Status = Literal["matched", "partial", "overpaid", "unmatched", "skipped"]

NAME_THRESHOLD = 85  # rapidfuzz token-set ratio from which two names are taken for one payer
ZERO = Decimal(0)


class PaymentLine(Protocol):
    """What matching reads of a statement line (``statements.StatementLine`` has it all)."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def counterparty_name(self) -> str: ...
    @property
    def counterparty_iban(self) -> str: ...


@dataclasses.dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice with money still owed on it, as matching needs it (built by the caller from
    its models). ``customer_ibans`` compact, as ``core.banking.normalize_iban`` writes them."""

    invoice_id: Hashable
    number: str
    customer_id: Hashable
    outstanding: Decimal
    currency: str
    due_date: datetime.date
    customer_names: tuple[str, ...] = ()
    customer_ibans: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Allocation:
    invoice_id: Hashable
    invoice_number: str
    amount: Decimal
    settles: bool  # whether it pays what was left on the invoice


@dataclasses.dataclass(frozen=True, slots=True)
class Reason:
    """Why a proposal says what it says. Kept as the message and its values and translated when
    shown, so a proposal made by a worker reads in the language of whoever looks at it (and a
    hundred thousand proposals cost no translation until they are shown)."""

    message: str  # the English text, marked for translation with gettext_noop
    params: tuple[tuple[str, str | int], ...] = ()

    def __str__(self) -> str:
        text = gettext(self.message)
        return text % dict(self.params) if self.params else text


def _why(message: str, **params: str | int) -> Reason:
    return Reason(message, tuple(params.items()))


@dataclasses.dataclass(frozen=True, slots=True)
class Proposal:
    """What one statement line pays. ``unallocated`` is the part of a credit no invoice takes
    (an overpayment, or everything when unmatched)."""

    line_index: int
    status: Status
    confidence: int
    allocations: tuple[Allocation, ...]
    unallocated: Decimal
    why: tuple[Reason, ...]
    customer_id: Hashable | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons in the active language."""
        return tuple(str(reason) for reason in self.why)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


# --- normalising ------------------------------------------------------------------------------------

_LETTERS_DIGITS = re.compile(r"\d+|[^\W\d_]+")


def number_parts(text: str) -> list[str]:
    """The parts of an invoice number or a title: letters and digits runs, upper-case, numbers
    without leading zeros ("fv/2026/0012" -> FV 2026 12)."""
    return [(run.lstrip("0") or "0") if run[0].isdigit() else run for run in _LETTERS_DIGITS.findall(text.upper())]


def number_key(number: str) -> str | None:
    """How an invoice number is looked for; None when it is too plain to find in a title safely
    (one part, like "12": any title would name it)."""
    parts = number_parts(number)
    if len(parts) >= 2 and any(part.isdigit() for part in parts):
        return " ".join(parts)
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) >= 6:
        return parts[0]
    return None


def iban_key(account: str | None) -> str:
    """An account as compared: compact, upper-case, a Polish NRB (26 digits) with its PL. Cheap on
    purpose (no checksum: ``core.banking`` checks numbers where they are entered)."""
    text = "".join((account or "").split()).replace("-", "").upper()
    return "PL" + text if len(text) == 26 and text.isdigit() else text


_LEGAL_FORMS = re.compile(
    r"\b(sp z o o|spolka z ograniczona odpowiedzialnoscia|sp j|sp k|spolka jawna|spolka komandytowa|s a|sa|"
    r"spolka akcyjna|gmbh|ag|ltd|llc|inc|s r l|srl|uab|ooo|zao|pp|phu|fhu|ppuh)\b"
)


_COMBINING = re.compile(r"[\u0300-\u036f]")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_name(name: str) -> str:
    """A company or person's name as compared: no case, accents, punctuation or legal form."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", name.casefold().replace("ł", "l")))
    return " ".join(_LEGAL_FORMS.sub(" ", " ".join(_NOT_WORD.sub(" ", folded).split())).split())


# --- the index --------------------------------------------------------------------------------------


class _Book:
    """The open items, indexed, with what is left on each as lines are allocated."""

    def __init__(self, items: Sequence[OpenItem]) -> None:
        self.items = items
        self.left = [item.outstanding for item in items]
        self.by_number: dict[str, list[int]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
        self.by_customer: dict[Hashable, list[int]] = defaultdict(list)
        customers_of_iban: dict[str, set[Hashable]] = defaultdict(set)
        self.names: dict[Hashable, list[str]] = {}
        seen: set[tuple[Hashable, tuple[str, ...], tuple[str, ...]]] = set()
        lengths = set()
        for index in sorted(range(len(items)), key=lambda i: (items[i].due_date, items[i].number, i)):
            item = items[index]
            if key := number_key(item.number):
                self.by_number[key].append(index)
                lengths.add(key.count(" ") + 1)
            self.by_amount[(item.currency.upper(), item.outstanding)].append(index)
            self.by_customer[item.customer_id].append(index)
            described = (item.customer_id, item.customer_names, item.customer_ibans)
            if described in seen:
                continue  # a customer's names and accounts come again on each of their invoices
            seen.add(described)
            for iban in item.customer_ibans:
                customers_of_iban[iban_key(iban)].add(item.customer_id)
            known = self.names.setdefault(item.customer_id, [])
            for name in item.customer_names:
                if (normalized := normalize_name(name)) and normalized not in known:
                    known.append(normalized)
        self.window_lengths = sorted(lengths, reverse=True)
        # An account several customers share (a factoring company's, a parent's) tells nothing.
        self.customer_of_iban = {iban: next(iter(ids)) for iban, ids in customers_of_iban.items() if len(ids) == 1}

    def numbers_in(self, title: str) -> list[int]:
        """Items whose numbers the title names. Parts are compared whole ("12" is not "123"),
        and where two numbers overlap ("FV/2026/12" and "2026/12") the longer one wins."""
        parts = number_parts(title)
        taken = [False] * len(parts)
        found: list[int] = []
        for length in self.window_lengths:
            for start in range(len(parts) - length + 1):
                if any(taken[start : start + length]):
                    continue
                indexes = self.by_number.get(" ".join(parts[start : start + length]))
                if indexes is None:
                    continue
                for position in range(start, start + length):
                    taken[position] = True
                found.extend(i for i in indexes if i not in found)
        return found


# --- matching ---------------------------------------------------------------------------------------


def match(lines: Iterable[PaymentLine], items: Sequence[OpenItem]) -> list[Proposal]:
    """One proposal per line, in order. Nothing is written; the caller shows or applies them."""
    book = _Book(items)
    return [_match_line(index, line, book) for index, line in enumerate(lines)]


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def _match_line(index: int, line: PaymentLine, book: _Book) -> Proposal:
    amount = line.amount
    if amount <= 0:
        return Proposal(index, SKIPPED, 0, (), ZERO, (_why(gettext_noop("not a payment received")),))
    currency = line.currency.upper()
    named = book.numbers_in(line.title or "")
    if named:
        proposal = _by_numbers(index, line, named, book, currency)
        if proposal is not None:
            return proposal
    iban = iban_key(line.counterparty_iban)
    customer = book.customer_of_iban.get(iban) if iban else None
    if customer is not None:
        return _by_customer(index, line, customer, book, currency)
    if line.counterparty_name:
        proposal = _by_name(index, line, book, currency)
        if proposal is not None:
            return proposal
    return Proposal(
        index,
        UNMATCHED,
        0,
        (),
        amount,
        (_why(gettext_noop("no invoice number, known account or similar name with an equal amount")),),
    )


def _allocate(indexes: list[int], amount: Decimal, book: _Book) -> tuple[list[Allocation], Decimal]:
    remaining = amount
    allocations = []
    for i in indexes:
        if remaining <= 0:
            break
        left = book.left[i]
        if left <= 0:
            continue
        paid = min(left, remaining)
        book.left[i] = left - paid
        remaining -= paid
        allocations.append(Allocation(book.items[i].invoice_id, book.items[i].number, paid, paid == left))
    return allocations, remaining


def _by_numbers(index: int, line: PaymentLine, named: list[int], book: _Book, currency: str) -> Proposal | None:
    items = book.items
    reasons: list[Reason] = []
    numbers = ", ".join(items[i].number for i in named)
    reasons.append(
        _why(gettext_noop("invoice number %(numbers)s in title"), numbers=numbers)
        if len(named) == 1
        else _why(gettext_noop("invoice numbers %(numbers)s in title"), numbers=numbers)
    )
    usable = []
    for i in named:
        if items[i].currency.upper() != currency:
            reasons.append(
                _why(
                    gettext_noop("%(number)s is in %(invoice_currency)s, the payment in %(currency)s"),
                    number=items[i].number,
                    invoice_currency=items[i].currency,
                    currency=currency,
                )
            )
        elif book.left[i] <= 0:
            reasons.append(_why(gettext_noop("%(number)s has nothing left to pay"), number=items[i].number))
        else:
            usable.append(i)
    if not usable:
        if any(items[i].currency.upper() == currency for i in named):
            # The invoices it names are paid already: the money is an overpayment of theirs.
            customer = items[named[0]].customer_id
            return Proposal(
                index, OVERPAID, 60, (), line.amount, (*reasons, _why(gettext_noop("all unallocated"))), customer
            )
        return None
    usable.sort(key=lambda i: (items[i].due_date, items[i].number, i))
    owed = sum((book.left[i] for i in usable), ZERO)
    allocations, excess = _allocate(usable, line.amount, book)
    customers = {items[i].customer_id for i in usable}
    customer = items[usable[0]].customer_id if len(customers) == 1 else None
    iban = iban_key(line.counterparty_iban)
    payer = book.customer_of_iban.get(iban) if iban else None
    confidence = 95
    if payer is not None and customer is not None:
        if payer == customer:
            confidence = 100
            reasons.append(_why(gettext_noop("payer's account is the customer's")))
        else:
            confidence = 70
            reasons.append(_why(gettext_noop("payer's account belongs to another customer")))
    if line.amount == owed:
        reasons.append(_why(gettext_noop("amount equal")))
        status: Status = MATCHED
    elif excess > 0:
        reasons.append(
            _why(gettext_noop("overpayment: %(excess)s left unallocated"), excess=_money(excess, currency))
            if len(usable) == 1
            else _why(
                gettext_noop("overpayment: %(excess)s more than the invoices owe, left unallocated"),
                excess=_money(excess, currency),
            )
        )
        status = OVERPAID
        confidence -= 10
    else:
        reasons.append(
            _why(
                gettext_noop("partial payment: %(paid)s of %(owed)s"),
                paid=_money(line.amount, currency),
                owed=_money(owed, currency),
            )
        )
        status = PARTIAL
        confidence -= 10
    if len(usable) > 1:
        reasons.append(_why(gettext_noop("split in due-date order")))
    return Proposal(index, status, confidence, tuple(allocations), excess, tuple(reasons), customer)


def _by_customer(index: int, line: PaymentLine, customer: Hashable, book: _Book, currency: str) -> Proposal:
    """A payer known by account: one invoice of exactly this amount, else their oldest invoices
    when the amount is exactly what those owe together."""
    items = book.items
    open_items = [i for i in book.by_customer[customer] if book.left[i] > 0 and items[i].currency.upper() == currency]
    reason = _why(gettext_noop("payer's account is the customer's"))
    equal = [i for i in open_items if book.left[i] == line.amount]
    if equal:
        allocations, _excess = _allocate(equal[:1], line.amount, book)
        confidence = 90 if len(equal) == 1 else 75
        reasons = [reason, _why(gettext_noop("amount equal to invoice %(number)s"), number=items[equal[0]].number)]
        if len(equal) > 1:
            reasons.append(_why(gettext_noop("several invoices owe this amount: the earliest due is taken")))
        return Proposal(index, MATCHED, confidence, tuple(allocations), ZERO, tuple(reasons), customer)
    total = ZERO
    for count, i in enumerate(open_items, start=1):
        total += book.left[i]
        if total == line.amount and count > 1:
            allocations, _excess = _allocate(open_items[:count], line.amount, book)
            reasons = [
                reason,
                _why(gettext_noop("amount equal to the oldest open invoices together (%(count)d)"), count=count),
            ]
            return Proposal(index, MATCHED, 75, tuple(allocations), ZERO, tuple(reasons), customer)
        if total > line.amount:
            break
    return Proposal(
        index,
        UNMATCHED,
        0,
        (),
        line.amount,
        (reason, _why(gettext_noop("no open invoice or run of the oldest ones owes this amount"))),
        customer,
    )


def _by_name(index: int, line: PaymentLine, book: _Book, currency: str) -> Proposal | None:
    """An invoice of exactly this amount whose customer's name is like the payer's."""
    candidates = [i for i in book.by_amount.get((currency, line.amount), ()) if book.left[i] == line.amount]
    if not candidates:
        return None
    payer = normalize_name(line.counterparty_name)
    if not payer:
        return None
    best: tuple[float, int] | None = None
    ties = 0
    for i in candidates:  # already in due-date order
        names = book.names.get(book.items[i].customer_id, [])
        score = max((fuzz.token_set_ratio(payer, name) for name in names), default=0.0)
        if score < NAME_THRESHOLD:
            continue
        if best is None or score > best[0]:
            best, ties = (score, i), 0
        elif score == best[0] and book.items[i].customer_id != book.items[best[1]].customer_id:
            ties += 1
    if best is None:
        return None
    score, i = best
    allocations, _excess = _allocate([i], line.amount, book)
    reasons = [
        _why(gettext_noop("payer name similar to the customer's (%(score)d%%)"), score=round(score)),
        _why(gettext_noop("amount equal to invoice %(number)s"), number=book.items[i].number),
    ]
    confidence = 80 if score >= 95 else 65
    if ties:
        reasons.append(_why(gettext_noop("other customers with similar names owe the same amount")))
        confidence = 50
    return Proposal(index, MATCHED, confidence, tuple(allocations), ZERO, tuple(reasons), book.items[i].customer_id)
