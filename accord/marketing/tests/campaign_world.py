"""A small customer base for the campaign tests: a static list of five contacts, of whom two may
be sent the newsletter by e-mail (one in Polish, one in English), one never consented, one is
suppressed and one has no e-mail address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.marketing.services import Proof, give
from accord.marketing.services.campaigns import create_campaign
from accord.marketing.services.consent import suppress
from accord.marketing.services.segments import add_members, create_segment

BLOCKS_PL = [
    {"type": "heading", "text": "Cześć {{ first_name }}!"},
    {"type": "paragraph", "text": "Nowości dla {{ company_name|default:'Ciebie' }} <b>w grudniu</b>."},
    {"type": "button", "text": "Zobacz ofertę", "url": "https://shop.example.com/oferta?a=1&b=2"},
    {"type": "image", "url": "https://shop.example.com/zima.jpg", "alt": "Zima"},
    {"type": "divider"},
    {"type": "footer", "text": "Żółta Łódź Sp. z o.o."},
]
BLOCKS_EN = [
    {"type": "heading", "text": "Hello {{ first_name }}!"},
    {"type": "paragraph", "text": "News from {{ city }}."},
    {"type": "button", "text": "See the offer", "url": "https://shop.example.com/offer"},
]


@dataclass
class World:
    zofia: Any  # consented, Polish
    john: Any  # consented, English
    nobody: Any  # never consented
    blocked: Any  # consented, address suppressed
    phoneless: Any  # no e-mail address
    segment: Any

    @property
    def reachable(self) -> list[Any]:
        return [self.zofia, self.john]


def consent(owner: Any, contact: Any, purpose: str = "newsletter", channel: str = "email") -> None:
    give(actor=owner, contact=contact, channel=channel, purpose=purpose, proof=Proof(method="paper", text="Yes"))


def build(owner: Any, make_contact: Any) -> World:
    zofia = make_contact(
        owner,
        first_name="Zofia",
        last_name="Gęślak",
        emails=[{"email": "zofia@zolta.example"}],
        preferred_language="pl",
    )
    john = make_contact(
        owner,
        first_name="John",
        last_name="Smith",
        emails=[{"email": "john@smith.example"}],
        preferred_language="en",
        addresses=[{"city": "Leeds", "country": "GB"}],
    )
    nobody = make_contact(owner, first_name="Anna", last_name="Bez", emails=[{"email": "anna@bez.example"}])
    blocked = make_contact(owner, first_name="Piotr", last_name="Blok", emails=[{"email": "piotr@blok.example"}])
    phoneless = make_contact(owner, first_name="Ewa", last_name="Tel", phones=[{"number": "+48 601 000 111"}])
    for c in (zofia, john, blocked):
        consent(owner, c)
    suppress(channel="email", address="piotr@blok.example", reason="bounced", source="test")
    segment = create_segment(actor=owner, data={"name": "Newsletter", "kind": "static"})
    add_members(actor=owner, segment=segment, contacts=[zofia, john, nobody, blocked, phoneless])
    return World(zofia, john, nobody, blocked, phoneless, segment)


def make_campaign(owner: Any, segment: Any, **data: Any) -> Any:
    values = {
        "name": "December news",
        "channel": "email",
        "purpose": "newsletter",
        "segment": str(segment.pk),
        "versions": {
            "pl": {"subject": "Grudzień, {{ first_name }}", "subject_b": "Zimowe nowości", "blocks": BLOCKS_PL},
            "en": {"subject": "December, {{ first_name }}", "subject_b": "Winter news", "blocks": BLOCKS_EN},
        },
    }
    values.update(data)
    return create_campaign(actor=owner, data=values)
