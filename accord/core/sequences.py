"""Gap-free numbering inside a transaction (quote and invoice numbers)."""

from __future__ import annotations

from django.db import transaction

from accord.core.models import Sequence


def next_value(name: str) -> int:
    """The next number of sequence ``name``; the caller's transaction holds it until commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must run inside the transaction that uses the number")
    Sequence.objects.get_or_create(name=name)
    row = Sequence.objects.select_for_update().get(name=name)
    row.value += 1
    row.save(update_fields=["value"])
    return row.value
