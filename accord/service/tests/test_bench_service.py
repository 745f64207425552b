"""The service benchmarks at a tiny scale: SV1 generates its tickets once and times the queue
views and ticket pages; SV2 makes tickets due and the SLA check warns of half and records the
other half as breached, and nothing more when it runs again."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from accord.core.models import Event  # noqa: E402
from accord.service.models import Ticket, TicketMessage  # noqa: E402
from accord.service.selectors.tickets import TICKET_LIST  # noqa: E402
from benchmarks.targets import verdicts  # noqa: E402
from benchmarks.workloads import service  # noqa: E402

pytestmark = pytest.mark.django_db


def test_tickets_generated_once_and_read_as_agents_do_then_the_check_over_the_due(owner, make_contact, make_company):
    acme = make_company(owner, name="Acme")
    for n in range(5):
        make_contact(owner, first_name=f"C{n}", companies=[{"company": acme, "is_primary": True}] if n else [])
    data = SimpleNamespace(scale=0.0001, reps=[owner])

    sv1 = service.sv1_tickets(data)  # type: ignore[arg-type]

    assert sv1["tickets"] == Ticket.objects.count() == service.MIN_TICKETS
    assert 3 * 200 <= TicketMessage.objects.count() <= 8 * 200
    assert 0 < sv1["open_tickets"] < 60
    assert sv1["queue_view"]["runs"] == 40
    assert sv1["ticket_page"]["runs"] > 30
    assert {f"queue_view_{k}" for k in ("queue", "mine", "unassigned", "late")} <= set(sv1)
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    # The views draw their sorts from the list's own.
    import random

    views = service.draw_views(random.Random(1), [SimpleNamespace(pk=q) for q in range(10)], list(range(30)), 40)
    assert {v[2]["sort"].removeprefix("-") for v in views} == {s.name for s in TICKET_LIST.sorts}

    sv2 = service.sv2_sla_check(data)  # type: ignore[arg-type]

    assert Ticket.objects.count() == service.MIN_TICKETS  # not generated again
    assert sv2["due"] == min(service.due_count(0.0001), sv1["open_tickets"])
    assert sv2["warned"] == sv2["due"] // 2
    assert sv2["breached"] == sv2["due"] - sv2["due"] // 2
    assert sv2["again_warned_or_breached"] == 0
    assert Event.objects.filter(name="service.ticket.sla_breached").count() == sv2["breached"]
    names = [row["name"] for row in verdicts({"SV1": sv1, "SV2": sv2}, "postgresql", scale=0.05)]
    assert "SV1 queue view p95 (50k tickets)" in names
    assert "SV2 SLA check, 5k tickets due" in names
