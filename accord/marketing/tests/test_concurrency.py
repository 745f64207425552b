"""Writers racing for the same consent or suppressed address (PostgreSQL: real concurrent
transactions): one row each, and no database error reaches the caller."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from accord.core.errors import Conflict
from accord.marketing.models import Consent, ConsentEvent, Suppression
from accord.marketing.services import Proof, give, suppress

pytestmark = pytest.mark.django_db(transaction=True)


def race(work: Callable[[int], Any], count: int) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            start.wait(timeout=10)
            results.append(work(number))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_reports_suppressing_one_address_at_once_keep_one_row():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL")

    results, errors = race(
        lambda n: suppress(channel="email", address="Zofia@Zolta.example", reason="bounced", source=f"report {n}"), 4
    )

    assert errors == []
    assert len({row.pk for row in results}) == 1
    assert Suppression.objects.count() == 1


def test_a_consent_given_twice_at_once_is_one_row_and_the_loser_is_told_of_a_conflict(owner, contact):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL")

    results, errors = race(
        lambda n: give(
            actor=owner,
            contact=contact,
            channel="email",
            purpose="offers",
            proof=Proof(method="paper", text=f"form {n}"),
        ),
        3,
    )

    assert all(isinstance(e, Conflict) for e in errors), errors
    assert len(results) + len(errors) == 3
    assert Consent.objects.count() == 1
    assert ConsentEvent.objects.count() == len(results)
