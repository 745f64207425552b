"""Finding likely duplicates of a contact or a company, among the records the user can see.

Three signals, strongest first: the same e-mail address, the same phone number, and a very similar
name (rapidfuzz over candidates found by the typo-tolerant search).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from accord.core import access, search
from accord.people.models import Company, Contact, EmailAddress, PhoneNumber

NAME_SIMILARITY = 88
# Legal forms say nothing about which company it is: "Acme Sp. z o.o." and "ACME sp z o o" are one.
LEGAL_FORMS = {
    "sp",
    "z",
    "o",
    "oo",
    "zoo",
    "spzoo",
    "sa",
    "spk",
    "sj",
    "spj",
    "sc",
    "ska",
    "spka",
    "pp",  # Poland
    "uab",
    "ab",
    "mb",
    "ii",  # Lithuania
    "srl",
    "snc",
    "pfa",  # Romania
    "ooo",
    "ao",
    "zao",
    "oao",
    "pao",
    "ip",  # Russia (transliterated)
    "ltd",
    "limited",
    "plc",
    "llp",
    "inc",
    "llc",
    "corp",
    "co",
    "gmbh",
    "ag",
    "kg",
    "bv",
    "nv",
}
_PUNCTUATION = re.compile(r"[^\w\s]+")


def company_key(name: str) -> str:
    """A company name without case, accents, punctuation and legal form, for comparisons."""
    words = _PUNCTUATION.sub(" ", search.normalize(name)).split()
    core = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(core or words)


REASONS = {"email": _("same e-mail"), "phone": _("same phone"), "name": _("similar name"), "tax_id": _("same tax id")}


@dataclass
class Duplicate:
    record: Any
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[r]) for r in self.reasons]


def _collect(found: dict[Any, Duplicate], records: Iterable[Any], reason: str) -> None:
    for record in records:
        entry = found.setdefault(record.pk, Duplicate(record=record))
        if reason not in entry.reasons:
            entry.reasons.append(reason)


def contact_duplicates(
    user: Any,
    *,
    first_name: str = "",
    last_name: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    exclude: Any = None,
    limit: int = 5,
) -> list[Duplicate]:
    """Visible contacts that look like the one described. ``phones`` are E.164."""
    visible = access.scope(user, Contact.objects.all()) if user is not None else Contact.objects.all()
    if exclude is not None:
        visible = visible.exclude(pk=exclude)
    found: dict[Any, Duplicate] = {}
    emails = [e.strip().lower() for e in emails if e and e.strip()]
    if emails:
        by_email = EmailAddress.objects.filter(email__in=emails, contact__isnull=False).values("contact_id")
        _collect(found, visible.filter(pk__in=by_email)[:limit], "email")
    if phones:
        by_phone = PhoneNumber.objects.filter(number__in=list(phones), contact__isnull=False).values("contact_id")
        _collect(found, visible.filter(pk__in=by_phone)[:limit], "phone")
    name = " ".join(p for p in (first_name, last_name) if p).strip()
    if len(name) >= 3:
        wanted = search.normalize(name)
        for hit in search.ranked(visible, name, limit=limit * 2, label=lambda c: [c.full_name]):
            if fuzz.token_sort_ratio(wanted, search.normalize(hit.obj.full_name)) >= NAME_SIMILARITY:
                _collect(found, [hit.obj], "name")
    ranked = sorted(found.values(), key=lambda d: (-len(d.reasons), d.record.sort_name))
    return ranked[:limit]


def company_duplicates(
    user: Any,
    *,
    name: str = "",
    nip: str = "",
    vat_id: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    exclude: Any = None,
    limit: int = 5,
) -> list[Duplicate]:
    visible = access.scope(user, Company.objects.all()) if user is not None else Company.objects.all()
    if exclude is not None:
        visible = visible.exclude(pk=exclude)
    found: dict[Any, Duplicate] = {}
    if nip:
        _collect(found, visible.filter(nip=nip)[:limit], "tax_id")
    if vat_id:
        _collect(found, visible.filter(vat_id=vat_id)[:limit], "tax_id")
    emails = [e.strip().lower() for e in emails if e and e.strip()]
    if emails:
        by_email = EmailAddress.objects.filter(email__in=emails, company__isnull=False).values("company_id")
        _collect(found, visible.filter(pk__in=by_email)[:limit], "email")
    if phones:
        by_phone = PhoneNumber.objects.filter(number__in=list(phones), company__isnull=False).values("company_id")
        _collect(found, visible.filter(pk__in=by_phone)[:limit], "phone")
    wanted = company_key(name)
    if len(wanted) >= 3:
        for hit in search.ranked(visible, wanted, limit=limit * 2, label=lambda c: [company_key(c.name)]):
            if fuzz.token_sort_ratio(wanted, company_key(hit.obj.name)) >= NAME_SIMILARITY:
                _collect(found, [hit.obj], "name")
    ranked = sorted(found.values(), key=lambda d: (-len(d.reasons), d.record.sort_name))
    return ranked[:limit]
