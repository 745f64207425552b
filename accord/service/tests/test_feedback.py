"""Satisfaction surveys: queued once when a ticket is resolved (in the customer's language, not
again after a reopen, not from a queue that sends none), answered once on the public page with a
score from 1 to 5, refused when the score is wrong, the link unknown or expired; the answer lands
on the customer's timeline and on the ticket's page."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accord.activities.models import Interaction
from accord.identity.models import hash_token
from accord.messaging.models import Message
from accord.service.models import Queue, SatisfactionSurvey, Ticket
from accord.service.services import feedback, tickets

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/service/survey/([A-Za-z0-9_-]+)/")


@pytest.fixture
def customer(make_contact: Any, owner: Any) -> Any:
    return make_contact(
        owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}], preferred_language="pl"
    )


def _resolved(support: Any, customer: Any, **extra: Any) -> Ticket:
    ticket = tickets.create_ticket(
        actor=support, contact=customer, subject="Printer jams", body="Paper stuck.", **extra
    )
    tickets.reply(actor=support, ticket=ticket, body="Fixed remotely.", status="resolved")
    ticket.refresh_from_db()
    return ticket


def _token(ticket: Ticket) -> str:
    message = Message.objects.get(kind="ticket_survey", related_id=ticket.pk)
    found = LINK.search(message.body)
    assert found is not None
    return found.group(1)


def test_resolving_queues_one_survey_in_the_customers_language(support: Any, customer: Any) -> None:
    ticket = _resolved(support, customer)
    survey = SatisfactionSurvey.objects.get(ticket=ticket)
    assert survey.agent_id == support.pk
    assert survey.queue_id == ticket.queue_id
    assert survey.contact_id == customer.pk
    message = Message.objects.get(kind="ticket_survey")
    assert message.to_address == "anna@example.com"
    assert message.language == "pl"
    token = _token(ticket)
    assert survey.token_hash == hash_token(token)
    assert token not in survey.token_hash
    # Reopened by the customer and resolved again: no second survey.
    tickets.add_customer_message(ticket=ticket, body="It jams again.", channel="email")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    tickets.update_ticket(actor=support, ticket=ticket, data={"status": "resolved"})
    assert SatisfactionSurvey.objects.count() == 1
    assert Message.objects.filter(kind="ticket_survey").count() == 1


def test_no_survey_from_a_queue_that_sends_none_or_without_an_address(
    support: Any, customer: Any, make_contact: Any, owner: Any
) -> None:
    quiet = Queue.objects.create(name="Quiet", send_surveys=False)
    _resolved(support, customer, queue=quiet)
    no_mail = make_contact(owner, first_name="Piotr", last_name="Bez")
    ticket = tickets.create_ticket(actor=support, contact=no_mail, subject="Call me", body="Please.", channel="phone")
    tickets.update_ticket(actor=support, ticket=ticket, data={"status": "closed"})
    assert not SatisfactionSurvey.objects.exists()
    assert not Message.objects.filter(kind="ticket_survey").exists()


def test_the_customer_answers_once_and_it_lands_on_the_timeline_and_ticket(
    support: Any, customer: Any, login: Any
) -> None:
    ticket = _resolved(support, customer)
    token = _token(ticket)
    page = Client()
    shown = page.get(f"/service/survey/{token}/")
    assert shown.status_code == 200
    assert shown["Cache-Control"] == "no-store"
    body = shown.content.decode()
    assert 'type="radio" name="score" value="5"' in body
    assert 'lang="pl"' in body
    answered = page.post(f"/service/survey/{token}/", {"score": "4", "comment": "Quick, thanks."})
    assert answered.status_code == 200
    survey = SatisfactionSurvey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (4, "Quick, thanks.")
    assert survey.answered_at is not None
    entry = Interaction.objects.get(channel="web_form", related_id=ticket.pk)
    assert entry.contact_id == customer.pk
    assert entry.body == "Quick, thanks."
    # A second visit shows the answer given and changes nothing.
    again = page.post(f"/service/survey/{token}/", {"score": "1", "comment": "Changed my mind"})
    assert again.status_code == 200
    assert "data-survey-answer" in again.content.decode()
    survey.refresh_from_db()
    assert survey.score == 4
    agent_page = login(support).get(f"/service/tickets/{ticket.pk}/")
    assert 'data-survey-score="4"' in agent_page.content.decode()
    assert "Quick, thanks." in agent_page.content.decode()


@pytest.mark.parametrize("score", ["0", "6", "", "five", "3.5"])
def test_a_score_out_of_range_is_refused_and_nothing_stored(support: Any, customer: Any, score: str) -> None:
    ticket = _resolved(support, customer)
    token = _token(ticket)
    response = Client().post(f"/service/survey/{token}/", {"score": score, "comment": "Hm"})
    assert response.status_code == 422
    assert 'id="score-error"' in response.content.decode()
    survey = SatisfactionSurvey.objects.get(ticket=ticket)
    assert survey.score is None
    assert survey.answered_at is None
    assert not Interaction.objects.filter(channel="web_form").exists()


def test_an_overlong_comment_is_refused(support: Any, customer: Any) -> None:
    ticket = _resolved(support, customer)
    with pytest.raises(ValidationError) as caught:
        feedback.answer_survey(token=_token(ticket), score=5, comment="x" * (feedback.COMMENT_LIMIT + 1))
    assert "comment" in caught.value.message_dict
    assert SatisfactionSurvey.objects.get(ticket=ticket).answered_at is None


def test_an_expired_or_unknown_link_is_refused(support: Any, customer: Any) -> None:
    ticket = _resolved(support, customer)
    token = _token(ticket)
    SatisfactionSurvey.objects.filter(ticket=ticket).update(sent_at=timezone.now() - datetime.timedelta(days=31))
    expired = Client().post(f"/service/survey/{token}/", {"score": "5"})
    assert expired.status_code == 400
    assert SatisfactionSurvey.objects.get(ticket=ticket).score is None
    unknown = Client().get("/service/survey/not-a-token/")
    assert unknown.status_code == 400
    # Still open the day before the 30 days are over.
    SatisfactionSurvey.objects.filter(ticket=ticket).update(sent_at=timezone.now() - datetime.timedelta(days=29))
    assert Client().post(f"/service/survey/{token}/", {"score": "5"}).status_code == 200


def test_one_tickets_token_answers_only_its_own_survey(support: Any, customer: Any) -> None:
    first = _resolved(support, customer)
    second = _resolved(support, customer)
    token = _token(first)
    Client().post(f"/service/survey/{token}/", {"score": "2"})
    assert SatisfactionSurvey.objects.get(ticket=first).score == 2
    assert SatisfactionSurvey.objects.get(ticket=second).score is None
    # A hash is not a token: the stored value does not open the survey.
    stored = SatisfactionSurvey.objects.get(ticket=second).token_hash
    assert Client().get(f"/service/survey/{stored}/").status_code == 400


def test_a_queue_switches_surveys_off_through_the_api(admin_user: Any, support: Any, customer: Any, api: Any) -> None:
    admin = api(admin_user)
    queue = admin.post("/service/queues", {"name": "Quiet", "send_surveys": False})
    assert queue.status_code == 201, queue.content
    assert queue.json()["send_surveys"] is False
    _resolved(support, customer, queue=Queue.objects.get(pk=queue.json()["id"]))
    assert not SatisfactionSurvey.objects.exists()
    switched = admin.patch(f"/service/queues/{queue.json()['id']}", {"send_surveys": True})
    assert switched.json()["send_surveys"] is True
