"""NPS surveys: sent once to the members of a segment who may receive the newsletter by e-mail (not
to the one who never consented, the suppressed one or the one without an address), each in their
language; answered once on the public page from 0 to 10; a score out of range, an unknown or
expired link refused; the NPS figure and the pages; the API."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accord.marketing.models import NpsResponse, NpsStatus
from accord.marketing.selectors import nps as selectors
from accord.marketing.services import nps as services
from accord.marketing.tests.campaign_world import build
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/marketing/nps/a/([A-Za-z0-9_-]+)/")


@pytest.fixture
def world(owner: Any, make_contact: Any) -> Any:
    return build(owner, make_contact)


def _sent(owner: Any, world: Any) -> Any:
    survey = services.create_survey(actor=owner, data={"name": "Autumn NPS", "segment": str(world.segment.pk)})
    assert survey.status == NpsStatus.DRAFT
    services.send_survey(actor=owner, survey=survey)
    return survey


def _token(contact: Any) -> str:
    message = Message.objects.get(kind="nps_survey", contact=contact)
    found = LINK.search(message.body)
    assert found is not None
    return found.group(1)


def test_sending_reaches_only_the_consenting_members_once(owner: Any, world: Any) -> None:
    survey = _sent(owner, world)
    assert set(NpsResponse.objects.filter(survey=survey).values_list("contact_id", flat=True)) == {
        c.pk for c in world.reachable
    }
    messages = {m.to_address: m for m in Message.objects.filter(kind="nps_survey")}
    assert set(messages) == {"zofia@zolta.example", "john@smith.example"}
    assert messages["zofia@zolta.example"].language == "pl"
    assert "How likely are you to recommend us" in messages["john@smith.example"].body
    survey.refresh_from_db()
    assert survey.status == NpsStatus.SENT
    with pytest.raises(ValidationError) as caught:
        services.send_survey(actor=owner, survey=survey)
    assert "status" in caught.value.message_dict
    assert Message.objects.filter(kind="nps_survey").count() == 2


def test_a_segment_out_of_sight_is_refused(owner: Any, outsider: Any, world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_survey(actor=outsider, data={"name": "Mine", "segment": str(world.segment.pk)})
    assert "segment" in caught.value.message_dict


def test_answered_once_on_the_public_page_and_counted(owner: Any, world: Any, login: Any) -> None:
    survey = _sent(owner, world)
    page = Client()
    token = _token(world.zofia)
    shown = page.get(f"/marketing/nps/a/{token}/")
    assert shown.status_code == 200
    assert 'lang="pl"' in shown.content.decode()
    assert 'name="score" value="10"' in shown.content.decode()
    for bad in ("11", "-1", "", "dziesięć"):
        refused = page.post(f"/marketing/nps/a/{token}/", {"score": bad})
        assert refused.status_code == 422
        assert 'id="score-error"' in refused.content.decode()
    assert not NpsResponse.objects.filter(answered_at__isnull=False).exists()
    assert page.post(f"/marketing/nps/a/{token}/", {"score": "10", "comment": "Super"}).status_code == 200
    again = page.post(f"/marketing/nps/a/{token}/", {"score": "0"})
    assert "data-nps-answer" in again.content.decode()
    services.answer(token=_token(world.john), score=3, comment="Slow delivery")
    figures = selectors.results(survey).total
    assert (figures.sent, figures.answered, figures.promoters, figures.passives, figures.detractors) == (2, 2, 1, 0, 1)
    assert figures.nps == 0.0
    assert figures.response_rate == 100.0
    detail = login(owner).get(f"/marketing/nps/{survey.pk}/")
    assert detail.status_code == 200
    assert 'data-stat="nps">0.0<' in detail.content.decode()
    assert "Slow delivery" in detail.content.decode()


def test_the_nps_figure(owner: Any, world: Any) -> None:
    survey = _sent(owner, world)
    NpsResponse.objects.filter(contact=world.zofia).update(score=9, answered_at=timezone.now())
    assert selectors.results(survey).total.nps == 100.0
    NpsResponse.objects.filter(contact=world.john).update(score=8, answered_at=timezone.now())
    assert selectors.results(survey).total.nps == 50.0
    NpsResponse.objects.filter(contact=world.zofia).update(score=6)
    assert selectors.results(survey).total.nps == -50.0
    NpsResponse.objects.filter(contact=world.john).update(score=10)
    assert selectors.results(survey).total.nps == 0.0
    NpsResponse.objects.filter(contact=world.john).update(score=0)
    assert selectors.results(survey).total.nps == -100.0


def test_an_expired_or_unknown_link_is_refused(owner: Any, world: Any) -> None:
    _sent(owner, world)
    token = _token(world.john)
    NpsResponse.objects.filter(contact=world.john).update(sent_at=timezone.now() - datetime.timedelta(days=31))
    assert Client().post(f"/marketing/nps/a/{token}/", {"score": "9"}).status_code == 400
    assert Client().get("/marketing/nps/a/nothing-here/").status_code == 400
    assert NpsResponse.objects.get(contact=world.john).score is None


def test_the_staff_pages(owner: Any, world: Any, login: Any) -> None:
    client = login(owner)
    assert client.get("/marketing/nps/").status_code == 200
    refused = client.post("/marketing/nps/new/", {"name": "", "segment": ""})
    assert refused.status_code == 422
    created = client.post("/marketing/nps/new/", {"name": "Q4", "segment": str(world.segment.pk)})
    assert created.status_code == 302
    survey = selectors.visible_surveys(owner).get(name="Q4")
    assert client.post(f"/marketing/nps/{survey.pk}/send/").status_code == 302
    assert NpsResponse.objects.filter(survey=survey).count() == 2


def test_the_api_creates_sends_and_reads_results(owner: Any, outsider: Any, world: Any, api: Any) -> None:
    client = api(owner)
    created = client.post("/nps-surveys", {"name": "API NPS", "segment_id": str(world.segment.pk)})
    assert created.status_code == 201, created.content
    survey_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    bad = client.post("/nps-surveys", {"name": "", "segment_id": "00000000-0000-0000-0000-000000000000"})
    assert bad.status_code == 422
    assert "segment_id" in bad.content.decode()
    sent = client.post(f"/nps-surveys/{survey_id}/send", {})
    assert sent.status_code == 200, sent.content
    assert sent.json()["recipients"] == 2
    services.answer(token=_token(world.zofia), score=9)
    read = client.get(f"/nps-surveys/{survey_id}")
    assert read.status_code == 200
    assert (read.json()["total"]["answered"], read.json()["total"]["nps"]) == (1, 100.0)
    assert api(outsider).get(f"/nps-surveys/{survey_id}").status_code == 404
