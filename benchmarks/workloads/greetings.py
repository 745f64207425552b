"""G1 the greetings run over the dataset's contacts (1M at scale 1): every greeting rule on, a day
drawn at random from the seed (so the occasions vary: a plain day, a name day of a common name, a
public holiday), run as ``accord greetings run --at`` in its own process late that day (every
zone past its 09:00), then again (which must greet nobody)."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import connection, transaction
from django.db.models import Count

from accord.core import bulk, dbstats
from accord.core.ids import uuid7
from accord.marketing.greeting_texts import ensure_default_rules
from accord.marketing.models import Consent, Greeting, GreetingRule
from accord.messaging.models import Message
from accord.people.models import Contact
from benchmarks.dataset import CHUNK, Dataset
from benchmarks.workloads.writes import _database_url, _run

CONSENT_SHARE = 0.6  # of the contacts, consent to greetings by e-mail
GRANTED = ("email", "greetings", "granted", "import", "Greetings by e-mail", "bench")
YEAR = 2027  # the year the day is drawn from: a fixed one, so a seed names the same day every run


def ensure_consents(seed: int = 2727) -> int:
    """Consent to greetings by e-mail of 60% of the contacts, written once (in bulk, seeded)."""
    wanted = Consent.objects.filter(channel="email", purpose="greetings", state="granted")
    if wanted.exists():
        return wanted.count()
    rng = random.Random(seed)
    ids = Contact.objects.order_by("id").values_list("id", flat=True)
    names = ["id", "contact", "channel", "purpose", "state", "method", "text", "source"]
    rows: list[tuple[Any, ...]] = []
    written = 0
    for contact_id in ids.iterator(chunk_size=CHUNK):
        if rng.random() < CONSENT_SHARE:
            rows.append(
                (uuid7(), contact_id, "email", "greetings", "granted", "import", "Greetings by e-mail", "bench")
            )
        if len(rows) >= CHUNK:
            with transaction.atomic():
                written += bulk.insert_values(Consent, names, rows)
            rows = []
    if rows:
        with transaction.atomic():
            written += bulk.insert_values(Consent, names, rows)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Consent._meta.db_table}")
    dbstats.refresh()
    return written


def _reset() -> None:
    """Forget earlier runs' greetings and their messages: each run starts from the same state."""
    with transaction.atomic():
        Greeting.objects.all()._raw_delete(connection.alias)
        Message.objects.filter(kind="greeting")._raw_delete(connection.alias)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (Greeting, Message):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def g1_greetings_run(data: Dataset) -> dict[str, Any]:
    if not Contact.objects.filter(birthday__isnull=False).exists():
        raise RuntimeError("the dataset has no birthdays: generate it again (accord bench --regenerate)")
    ensure_default_rules()
    GreetingRule.objects.update(enabled=True)
    consents = ensure_consents()
    # A day drawn from the seed; 20:00 UTC is past 09:00 on that day from New York
    # (15:00) to Moscow (23:00).
    rng = random.Random(f"greetings:{data.seed}")
    day = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    at = datetime.datetime.combine(day, datetime.time(20, 0), tzinfo=datetime.UTC).isoformat()
    _reset()
    url = _database_url()
    seconds, cpu, peak_mb, output = _run(["greetings", "run", "--at", at], url)
    greeted = {row["occasion_key"]: row["n"] for row in Greeting.objects.values("occasion_key").annotate(n=Count("id"))}
    total = sum(greeted.values())
    again_seconds, _cpu, again_mb, _again_output = _run(["greetings", "run", "--at", at], url)
    return {
        "contacts": data.contacts,
        "consents": consents,
        "date": day.isoformat(),
        "greeted": greeted,
        "messages": Message.objects.filter(kind="greeting").count(),
        "run": {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "peak_mb": peak_mb, "greeted": total},
        "again": {"seconds": round(again_seconds, 1), "peak_mb": again_mb},
        "greeted_again": Greeting.objects.count() - total,
        "summary": output.strip().splitlines()[-1:] if output.strip() else [],
    }
