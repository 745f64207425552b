"""A greeting goes out once per occasion and year, at the contact's own local hour: runs twice or
at the same time, across time zones and on the days clocks change; and it reaches a real SMTP
server when the outbox delivers it."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection, connections

from accord.marketing.models import Greeting
from accord.marketing.services import greetings
from accord.marketing.tests.greeting_fixtures import at, consent, enable_only
from accord.messaging.models import Message
from accord.messaging.services.delivery import deliver_due
from accord.messaging.tests.conftest import Inbox

BIRTHDAY = datetime.date(1985, 3, 29)  # the day clocks go forward in 2026 (Europe)


def _birthday_contacts(make_contact: Any, owner: Any, day: datetime.date = BIRTHDAY) -> tuple[Any, Any]:
    warsaw = make_contact(
        owner, first_name="Zofia", birthday=day, addresses=[{"country": "PL"}], emails=[{"email": "zofia@example.pl"}]
    )
    vilnius = make_contact(
        owner, first_name="Rūta", birthday=day, addresses=[{"country": "LT"}], emails=[{"email": "ruta@example.lt"}]
    )
    consent(warsaw)
    consent(vilnius)
    return warsaw, vilnius


def _greeted() -> set[Any]:
    return set(Greeting.objects.values_list("contact__first_name", flat=True))


@pytest.mark.django_db
def test_running_twice_greets_once(owner: Any, make_contact: Any) -> None:
    enable_only("birthday")
    _birthday_contacts(make_contact, owner)
    now = at("Europe/Warsaw", 2026, 3, 29, 12, 0)

    first = greetings.run(now=now)
    second = greetings.run(now=now + datetime.timedelta(minutes=15))

    assert (first.total, second.total) == (2, 0)
    assert Message.objects.count() == 2
    assert Greeting.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "utc_offset"),
    [
        (datetime.date(2026, 3, 29), 2),  # clocks went forward at 02:00 Warsaw time
        (datetime.date(2026, 10, 25), 1),  # clocks went back at 03:00 Warsaw time
    ],
)
def test_each_contact_at_nine_local_on_dst_days(
    owner: Any, make_contact: Any, day: datetime.date, utc_offset: int
) -> None:
    enable_only("birthday")
    _birthday_contacts(make_contact, owner, day.replace(year=1985))

    # 08:59 in Vilnius (an hour ahead of Warsaw): nobody yet.
    assert greetings.run(now=at("Europe/Vilnius", day.year, day.month, day.day, 8, 59)).total == 0
    # 09:00 in Vilnius, 08:00 in Warsaw: Rūta only.
    vilnius_nine = at("Europe/Vilnius", day.year, day.month, day.day, 9, 0)
    assert greetings.run(now=vilnius_nine).total == 1
    assert _greeted() == {"Rūta"}
    # 08:59 in Warsaw: still only Rūta; 09:00 in Warsaw is 9 - offset o'clock UTC.
    assert greetings.run(now=at("Europe/Warsaw", day.year, day.month, day.day, 8, 59)).total == 0
    warsaw_nine = at("Europe/Warsaw", day.year, day.month, day.day, 9, 0)
    assert warsaw_nine.astimezone(datetime.UTC).hour == 9 - utc_offset
    assert greetings.run(now=warsaw_nine).total == 1
    assert _greeted() == {"Rūta", "Zofia"}
    # The rest of the day, every quarter of an hour: nothing more.
    later = warsaw_nine
    while later.astimezone(later.tzinfo).date() == day:
        assert greetings.run(now=later).total == 0
        later += datetime.timedelta(hours=3)
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_an_hour_the_clock_skips_or_repeats_greets_once(owner: Any, make_contact: Any) -> None:
    # 02:30 does not exist in Warsaw on 29 March 2026, and happens twice on 25 October 2026.
    enable_only("birthday", send_at=datetime.time(2, 30))
    spring, autumn = datetime.date(1985, 3, 29), datetime.date(1985, 10, 25)
    zofia = make_contact(
        owner, first_name="Zofia", birthday=spring, addresses=[{"country": "PL"}], emails=[{"email": "z@example.pl"}]
    )
    ewa = make_contact(
        owner, first_name="Ewa", birthday=autumn, addresses=[{"country": "PL"}], emails=[{"email": "e@example.pl"}]
    )
    consent(zofia)
    consent(ewa)

    # Spring: 01:45 local, then the next quarter is 03:00 local (01:00 UTC).
    assert greetings.run(now=datetime.datetime(2026, 3, 29, 0, 45, tzinfo=datetime.UTC)).total == 0
    assert greetings.run(now=datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.UTC)).total == 1
    # Autumn: the first 02:30 (00:30 UTC) greets, the second (01:30 UTC) does not again.
    assert greetings.run(now=datetime.datetime(2026, 10, 25, 0, 15, tzinfo=datetime.UTC)).total == 0
    assert greetings.run(now=datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)).total == 1
    assert greetings.run(now=datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC)).total == 0
    assert Greeting.objects.filter(year=2026).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_greet_once(owner: Any, make_contact: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once: PostgreSQL (SQLite has one writer by design)")
    enable_only("birthday")
    people = [
        make_contact(
            owner,
            first_name=f"P{i}",
            birthday=BIRTHDAY,
            addresses=[{"country": "PL"}],
            emails=[{"email": f"p{i}@example.pl"}],
        )
        for i in range(30)
    ]
    for person in people:
        consent(person)
    now = at("Europe/Warsaw", 2026, 3, 29, 10, 0)
    start = threading.Barrier(2)
    totals: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            totals.append(greetings.run(now=now).total)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(totals) == [0, 30]
    assert Greeting.objects.count() == 30
    assert Message.objects.filter(kind="greeting").count() == 30


@pytest.mark.django_db
def test_greetings_reach_a_real_smtp_server(owner: Any, make_contact: Any, smtp: Inbox) -> None:
    enable_only("birthday")
    _birthday_contacts(make_contact, owner)

    greetings.run(now=at("Europe/Warsaw", 2026, 3, 29, 12, 0))
    assert deliver_due() == 2

    received = {m["To"]: m for m in smtp.messages}
    assert set(received) == {"zofia@example.pl", "ruta@example.lt"}
    assert received["ruta@example.lt"]["Subject"] == "Happy birthday, Rūta!"
    assert "Dear Rūta," in received["ruta@example.lt"].get_body(preferencelist=("plain",)).get_content()
    assert set(Message.objects.values_list("state", flat=True)) == {"sent"}


def test_the_run_is_a_periodic_job_every_quarter_hour() -> None:
    from accord.core.scheduler import jobs
    from accord.marketing import tasks

    job = next(j for j in jobs() if j.task is tasks.run_greetings)
    slot = job.latest_slot(datetime.datetime(2026, 3, 29, 7, 14, tzinfo=datetime.UTC))
    assert slot == datetime.datetime(2026, 3, 29, 7, 0, tzinfo=datetime.UTC)
