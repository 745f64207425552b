"""Demo data: each app contributes a ``demo.py`` with ``generate(ctx)``, run in app order.

``accord demo`` fills an empty database with a realistic company: users in every role, about 1,000
companies and 5,000 contacts from Poland, Lithuania, Romania, Russia and elsewhere, and two years
of interactions and tasks. ``--size`` scales the numbers.

Each demo user has a language, and what they own (deals, tasks, notes, interactions) is written in
it (``DemoContext.say``, the phrases in ``demo_phrases``); customers prefer their country's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from accord.core.demo_phrases import say

DEMO_PASSWORD = "accord-demo"  # noqa: S105 - printed on purpose: it is for the demo users only
LOCALES = {"pl_PL": 0.45, "lt_LT": 0.15, "ro_RO": 0.15, "ru_RU": 0.1, "en_GB": 0.15}
COUNTRIES = {"pl_PL": "PL", "lt_LT": "LT", "ro_RO": "RO", "ru_RU": "RU", "en_GB": "GB"}
LANGUAGES = {"pl_PL": "pl", "lt_LT": "lt", "ro_RO": "ro", "ru_RU": "ru", "en_GB": "en"}


@dataclass
class DemoContext:
    size: float = 1.0
    seed: int = 2026
    rng: random.Random = field(default_factory=random.Random)
    # Choices the demo did not always make (which note a contact carries) come from their own
    # generator, so that ``rng`` draws what it always drew and a seed keeps its demo.
    words: random.Random = field(default_factory=random.Random)
    fakers: dict[str, Faker] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # what earlier apps made, for later ones
    log: Any = print

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)
        self.words.seed(f"words:{self.seed}")
        for locale in LOCALES:
            faker = Faker(locale)
            faker.seed_instance(self.seed)
            self.fakers[locale] = faker

    def count(self, full: int) -> int:
        return max(1, round(full * self.size))

    def locale(self) -> str:
        return self.rng.choices(list(LOCALES), weights=list(LOCALES.values()))[0]

    def say(self, text: str, user: Any) -> str:
        """One of the demo's English phrases in the language of ``user``, who owns the record."""
        return say(text, getattr(user, "language", "") or "en")


def demo_logins() -> list[tuple[str, str]]:
    """The demo users that exist (and still have the demo password), for ``accord run`` to print."""
    from django.contrib.auth import get_user_model

    # By name (AUTH_USER_MODEL): core sits below identity and imports none of it.
    users = get_user_model().objects.filter(username__in=DEMO_USERNAMES, is_active=True).select_related("role")
    found = {u.username: u for u in users}
    return [
        (name, found[name].role.name)
        for name in DEMO_USERNAMES
        if name in found and found[name].check_password(DEMO_PASSWORD)
    ]


DEMO_USERNAMES = [
    "admin",
    "manager",
    "anna",
    "piotr",
    "jonas",
    "ioana",
    "olga",
    "support",
    "marketer",
    "viewer",
    # The portal's customer and partner (accord.portal.demo), who sign in at /portal with their e-mail.
    "customer@example.com",
    "partner@example.com",
]
