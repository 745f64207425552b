"""Logging many interactions at once: each as ``log_interaction`` would log it, written together."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.activities import services
from accord.activities.models import Interaction
from accord.activities.services import NewInteraction
from accord.core.access import AccessDenied
from accord.core.models import AuditEntry, Event


def test_each_entry_is_logged_as_log_interaction_would_log_it(owner, teammate, make_contact, make_company):
    acme = make_company(owner, name="Acme")
    zofia = make_contact(owner, companies=[{"company": acme}])
    jonas = make_contact(teammate)
    earlier = timezone.now() - datetime.timedelta(hours=3)
    later = timezone.now() - datetime.timedelta(hours=1)

    logged = services.log_interactions(
        [
            NewInteraction(owner, {"channel": "email", "direction": "out", "contact": zofia, "occurred_at": earlier}),
            NewInteraction(owner, {"channel": "email", "direction": "out", "contact": zofia, "occurred_at": later}),
            NewInteraction(teammate, {"channel": "sms", "direction": "out", "contact": jonas, "external_id": "x:1"}),
            NewInteraction(owner, {"channel": "letter", "direction": "out", "company": acme, "subject": " Letter "}),
        ]
    )

    assert all(isinstance(i, Interaction) for i in logged)
    stored = {i.pk: i for i in Interaction.objects.all()}
    assert set(stored) == {i.pk for i in logged}
    first, second, third, fourth = (stored[i.pk] for i in logged)
    assert (first.company, second.company, first.author, first.occurred_at) == (acme, acme, owner, earlier)
    assert (third.author, third.company, third.external_id) == (teammate, None, "x:1")
    assert (fourth.contact, fourth.subject) == (None, "Letter")
    zofia.refresh_from_db()
    acme.refresh_from_db()
    assert zofia.last_interaction_at == later  # the latest of the two, not the last one written
    assert acme.last_interaction_at == fourth.occurred_at
    audit = dict(AuditEntry.objects.filter(entity="activities.interaction").values_list("object_id", "actor"))
    assert audit == {first.pk: owner.pk, second.pk: owner.pk, third.pk: teammate.pk, fourth.pk: owner.pk}
    events = Event.objects.filter(name="activities.interaction.created")
    assert sorted((e.object_id, e.actor_id) for e in events) == sorted(audit.items())


def test_a_refused_entry_is_returned_with_the_error_log_interaction_raises_and_the_rest_is_logged(
    owner, outsider, viewer, make_contact
):
    contact = make_contact(owner)
    services.log_interaction(actor=owner, data={"channel": "email", "contact": contact, "external_id": "taken"})
    refused = [
        NewInteraction(outsider, {"channel": "note", "contact": contact}),  # out of sight
        NewInteraction(owner, {"channel": "email", "contact": contact, "outcome": "connected"}),  # calls only
        NewInteraction(owner, {"channel": "email", "contact": contact, "external_id": "taken"}),
        NewInteraction(viewer, {"channel": "note", "contact": contact}),  # may not create
    ]
    singly = []
    for entry in refused:
        with pytest.raises((ValidationError, AccessDenied)) as caught:
            services.log_interaction(actor=entry.actor, data=entry.data)
        singly.append(caught.value)

    results = services.log_interactions([*refused, NewInteraction(owner, {"channel": "note", "contact": contact})])

    for alone, together in zip(singly, results, strict=False):
        assert type(together) is type(alone)
        if isinstance(alone, ValidationError):
            assert together.message_dict == alone.message_dict  # type: ignore[union-attr]
    assert set(results[2].message_dict) == {"external_id"}  # type: ignore[union-attr]
    assert isinstance(results[4], Interaction)
    assert Interaction.objects.count() == 2


def test_one_external_id_twice_in_one_call_is_logged_once(owner, make_contact):
    contact = make_contact(owner)

    first, second = services.log_interactions(
        [
            NewInteraction(owner, {"channel": "email", "contact": contact, "external_id": "m:1"}),
            NewInteraction(owner, {"channel": "email", "contact": contact, "external_id": "m:1"}),
        ]
    )

    assert isinstance(first, Interaction)
    assert set(second.message_dict) == {"external_id"}  # type: ignore[union-attr]
    assert Interaction.objects.count() == 1


def test_the_queries_do_not_grow_with_the_number_of_entries(owner, teammate, make_contact, make_company):
    def log(n: int) -> int:
        entries = []
        for i in range(n):
            company = make_company(owner)
            contact = make_contact(owner if i % 2 else teammate, companies=[{"company": company}])
            entries.append(NewInteraction(owner if i % 2 else teammate, {"channel": "email", "contact": contact}))
        with CaptureQueriesContext(connection) as queries:
            assert all(isinstance(i, Interaction) for i in services.log_interactions(entries))
        return len(queries)

    assert log(2) == log(12)
