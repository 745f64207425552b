"""B2 lists, B3 search, B4 the 360° page: server time of real requests, measured in-process
through Django's full request handling (middleware, access policy, templates)."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

from django.db.models import F

from accord.core.listing import encode_cursor, parse
from accord.identity.models import User
from accord.people.models import Contact
from accord.people.selectors import CONTACT_LIST, contact_total
from benchmarks.dataset import Dataset
from benchmarks.measure import Browser, query_count, samples, timed

LIST_FILTERS = {"preferred_language": "pl", "source": "import", "has_email": "true", "sort": "-last_interaction"}
RUNS = 60


def _admin() -> User:
    return User.objects.select_related("role").get(username="bench-admin")


def b2_lists(data: Dataset) -> dict[str, Any]:
    """Contacts filtered by three fields, sorted by last interaction: page 1 and page 1,000."""
    results: dict[str, Any] = {"filters": LIST_FILTERS}
    admin = Browser(_admin())
    rep = Browser(data.reps[0])
    path = "/contacts/?" + urlencode(LIST_FILTERS)
    runs = samples(data.scale, RUNS)
    results["page_1_admin"] = timed(lambda _: admin.get(path), range(runs)).as_dict()
    results["page_1_rep"] = timed(lambda _: rep.get(path), range(runs)).as_dict()
    cursor, page = _cursor_of_page(1000)
    results["deep_page"] = page
    deep = f"{path}&cursor={cursor}" if cursor else path
    results["page_1000_admin"] = timed(lambda _: admin.get(deep), range(runs)).as_dict()
    api = f"/api/v1/contacts?{urlencode(LIST_FILTERS)}&total=true"
    results["api_page_1_with_total_rep"] = timed(lambda _: rep.get(api), range(runs)).as_dict()
    # What the lists' headers said: an exact count or an estimate ("about N"), against the truth.
    query = parse(CONTACT_LIST, {k: v for k, v in LIST_FILTERS.items() if k != "sort"}, strict=False)
    for name, user in (("admin", _admin()), ("rep", data.reps[0])):
        shown = contact_total(user, query)
        results[f"total_{name}"] = {
            "shown": shown.value,
            "exact": shown.exact,
            "true": contact_total(user, query, exact=True).value,
        }
    return results


def _cursor_of_page(page: int, size: int = 50) -> tuple[str, int]:
    """The keyset cursor that opens page ``page`` of the benchmark list (or its last page)."""
    qs = Contact.objects.filter(preferred_language="pl", source="import").exclude(primary_email="")
    ordered = qs.order_by(F("last_interaction_at").desc(nulls_last=True), "-id").values_list(
        "last_interaction_at", "id"
    )
    total = qs.count()
    pages = max(1, (total + size - 1) // size)
    page = min(page, pages)
    if page == 1:
        return "", 1
    value, pk = ordered[(page - 1) * size - 1]
    return encode_cursor(value, pk), page


def b3_search(data: Dataset, pools_seed: int = 7) -> dict[str, Any]:
    """The search box (as typed: 3+ characters) and unselective terms, for a sales rep."""
    rng = random.Random(pools_seed)
    # The same contacts every run (a seeded draw from the rep's team), so runs can be compared.
    team = Contact.objects.filter(team_id=data.reps[0].primary_team_id)
    drawn = rng.sample(sorted(team.values_list("pk", flat=True)), 200)
    rows = {
        pk: rest
        for pk, *rest in team.filter(pk__in=drawn).values_list(
            "pk", "last_name", "first_name", "primary_email", "primary_phone"
        )
    }
    sample = [rows[pk] for pk in drawn]
    selective = []
    for last, first, email, phone in sample[:80]:
        kind = rng.choice(["last", "full", "email", "phone", "typo"])
        if kind == "last":
            selective.append(last)
        elif kind == "full":
            selective.append(f"{first} {last}")
        elif kind == "email":
            selective.append(email.split("@")[0][:10])
        elif kind == "phone":
            selective.append(phone[-7:])
        else:
            selective.append(_typo(rng, last))
    selective = [q for q in selective if len(q) >= 3]
    unselective = ["gmail", "ann", "nowa", "ska", "mail", "ova", "son", "wp.pl"]
    rep = Browser(data.reps[0])
    admin = Browser(_admin())

    def typed(query: str, browser: Browser = rep) -> Any:
        return browser.get(f"/search/?q={query}", **{"HX-Request": "true"})

    return {
        "selective_rep": timed(typed, selective).as_dict(),
        "unselective_rep": timed(typed, unselective * 5).as_dict(),
        "selective_admin": timed(lambda q: typed(q, admin), selective).as_dict(),
        "unselective_admin": timed(lambda q: typed(q, admin), unselective * 5).as_dict(),
        "queries": {"selective": len(selective), "unselective": unselective},
    }


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def b4_contact_page(data: Dataset) -> dict[str, Any]:
    """The 360° page of a contact with 10,000 interactions, and its query count against a small one."""
    heavy = Contact.objects.select_related("owner__role").get(pk=data.heavy_contact_id)
    owner = Browser(heavy.owner)
    path = f"/contacts/{heavy.pk}/"
    light = Contact.objects.filter(owner=heavy.owner).exclude(pk=heavy.pk).order_by("last_interaction_at").last()
    assert light is not None
    return {
        "interactions": heavy.interactions.count(),
        "page": timed(lambda _: owner.get(path), range(RUNS)).as_dict(),
        "queries_heavy": query_count(lambda: owner.get(path)),
        "queries_light": query_count(lambda: owner.get(f"/contacts/{light.pk}/")),
    }
