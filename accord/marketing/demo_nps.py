"""Demo data of NPS: one survey to the newsletter readers, sent three weeks ago, and the answers
of most of them over the following days, with comments in each customer's language.

Nothing is mailed: the demo marks the messages as sent itself, and answers through the same
service as the public page."""

from __future__ import annotations

import datetime
import random
import re

from django.utils import timezone

from accord.core.demos import DemoContext

SURVEY_NAME = "Customer loyalty survey"
# (lowest score, highest score, comment) of a promoter, a passive and a detractor.
ANSWERS = [
    (9, 10, "Reliable partner, we recommend you to others."),
    (7, 8, "Good products, but delivery could be faster."),
    (2, 6, "Too many problems with invoices this year."),
]


def phrases() -> set[str]:
    """Every English phrase the NPS demo writes into records."""
    return {SURVEY_NAME} | {text for _low, _high, text in ANSWERS}


def generate(ctx: DemoContext) -> None:
    from accord.core.demo_phrases import say
    from accord.marketing.models import Segment
    from accord.marketing.services import nps
    from accord.messaging.models import Message

    rng = random.Random(f"marketing-nps:{ctx.seed}")
    users = ctx.data.get("users", {})
    marketer = users.get("marketer") or users.get("admin")
    segment = Segment.objects.filter(name="Newsletter readers").order_by("created_at").first()
    if marketer is None or segment is None:
        return
    sent_at = timezone.now() - datetime.timedelta(days=21)
    survey = nps.create_survey(
        actor=marketer,
        data={"name": say(SURVEY_NAME, marketer.language or "en"), "segment": str(segment.pk)},
    )
    count = nps.send_survey(actor=marketer, survey=survey, now=sent_at)
    link = re.compile(r"/marketing/nps/a/([A-Za-z0-9_-]+)/")
    messages = Message.objects.filter(kind="nps_survey", related_id=survey.pk)
    answered = 0
    for message in messages:
        Message.objects.filter(pk=message.pk).update(state="sent", sent_at=sent_at, next_attempt_at=None)
        found = link.search(message.body)
        if found is None or rng.random() < 0.4:
            continue
        low, high, comment = rng.choices(ANSWERS, weights=(5, 3, 2))[0]
        language = nps.read_response(found.group(1), now=sent_at).language or "en"
        nps.answer(
            token=found.group(1),
            score=rng.randint(low, high),
            comment=say(comment, language) if rng.random() < 0.6 else "",
            now=sent_at + datetime.timedelta(days=rng.randint(0, 10), hours=rng.randint(1, 12)),
        )
        answered += 1
    ctx.log(f"  marketing: an NPS survey sent to {count} readers, {answered} answered")
