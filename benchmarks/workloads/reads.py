"""B2 lists, B3 search, B4 the 360° page: server time of real requests, measured in-process
through Django's full request handling (middleware, access policy, templates)."""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Max
from django.http import QueryDict

from accord.core.listing import Filter, ListSpec, encode_cursor, parse
from accord.core.models import Tag
from accord.identity.models import Team, Territory, User
from accord.people.models import Company, Contact
from accord.people.selectors import CONTACT_LIST, contact_page, contact_total
from benchmarks.dataset import Dataset
from benchmarks.measure import Browser, percentile, query_count, samples, timed

LIST_FILTERS = {"preferred_language": "pl", "source": "import", "has_email": "true", "sort": "-last_interaction"}
RUNS = 60
COMBINATIONS = 48  # drawn filter and sort combinations (half on a small dataset)
PAIRED = 0.3  # the share of combinations with a second filter
WORST = 8  # the slowest combinations named in the results


def _admin() -> User:
    return User.objects.select_related("role").get(username="bench-admin")


# --- drawing filter and sort combinations from the list's own definition -------------------------

# Where the values of filters that name records or free text come from (the dataset's own rows;
# see ``value_pools``). A filter the list gains without a source here makes the drawing fail, so
# the benchmark cannot silently stop covering the list.
POOLED = ("owner", "team", "territory", "company", "id", "tag", "external_id", "classification")


@dataclass(frozen=True)
class Combination:
    params: tuple[tuple[str, str], ...]  # filters and the sort, as the list's URL carries them
    filters: int  # how many filters (a range of one field counts as one)

    @property
    def name(self) -> str:
        return urlencode(self.params)

    @property
    def sort(self) -> str:
        return dict(self.params)["sort"]


def filter_groups(spec: ListSpec[Any]) -> list[list[Filter]]:
    """The list's filters, those bounding the same field (``created_after``, ``created_before``)
    grouped: a combination uses one side of the range or both."""
    groups: dict[str, list[Filter]] = {}
    for flt in spec.filters:
        ranged = flt.lookup in {"gte", "gt", "lte", "lt"}
        groups.setdefault(f"range:{flt.path}" if ranged else flt.name, []).append(flt)
    return list(groups.values())


def sort_choices(spec: ListSpec[Any]) -> list[str]:
    return [f"{prefix}{sort.name}" for sort in spec.sorts for prefix in ("", "-")]


def _moment(rng: random.Random, flt: Filter, today: datetime.date) -> datetime.date:
    if flt.path == "birthday":
        return datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(55 * 365))
    return today - datetime.timedelta(days=rng.randrange(800))  # the dataset's records span two years


def _value(rng: random.Random, flt: Filter, pools: Mapping[str, Sequence[str]], today: datetime.date) -> str:
    if flt.name in POOLED:
        pool = pools.get(flt.name)
        if not pool:
            raise LookupError(f"No values to draw for the list filter {flt.name!r}.")
        return rng.choice(pool)
    if flt.kind == "choice":
        return rng.choice(list(flt.choices))
    if flt.kind == "bool" or flt.lookup == "isnull":
        return rng.choice(["true", "false"])
    if flt.kind in {"date", "datetime"}:
        return _moment(rng, flt, today).isoformat()
    raise LookupError(f"No values to draw for the list filter {flt.name!r} ({flt.kind}).")


def _group_params(
    rng: random.Random, group: list[Filter], pools: Mapping[str, Sequence[str]], today: datetime.date
) -> list[tuple[str, str]]:
    if len(group) == 1:
        return [(group[0].name, _value(rng, group[0], pools, today))]
    low = next(f for f in group if f.lookup in {"gte", "gt"})
    high = next(f for f in group if f.lookup in {"lte", "lt"})
    side = rng.choice(["low", "high", "both"])
    if side == "low":
        return [(low.name, _value(rng, low, pools, today))]
    if side == "high":
        return [(high.name, _value(rng, high, pools, today))]
    start = _moment(rng, low, today)
    span = datetime.timedelta(days=rng.choice([7, 30, 90, 365, 5 * 365]))
    return [(low.name, start.isoformat()), (high.name, (start + span).isoformat())]


def draw_combinations(
    spec: ListSpec[Any],
    pools: Mapping[str, Sequence[str]],
    *,
    seed: int,
    count: int,
    today: datetime.date,
    paired: float = PAIRED,
) -> list[Combination]:
    """``count`` filter and sort combinations of the list ``spec``, the same for the same seed.

    Every combination has one filter (or one range), a share ``paired`` of them a second one, and
    one of the list's sorts in either direction. The first filters go through the list's filters
    in a shuffled order, so any ``count`` of at least the number of filters covers them all.
    """
    rng = random.Random(seed)
    groups = filter_groups(spec)
    sorts = sort_choices(spec)
    order: list[int] = []
    combinations = []
    for _ in range(count):
        if not order:
            order = list(range(len(groups)))
            rng.shuffle(order)
        first = order.pop()
        chosen = [first]
        if rng.random() < paired:
            chosen.append(rng.choice([i for i in range(len(groups)) if i != first]))
        params = [p for i in chosen for p in _group_params(rng, groups[i], pools, today)]
        params.append(("sort", rng.choice(sorts)))
        combinations.append(Combination(tuple(params), len(chosen)))
    return combinations


def value_pools(data: Dataset, seed: int) -> dict[str, list[str]]:
    """Values for the filters that name records, drawn (seeded) from the dataset."""
    rng = random.Random(seed)

    def some(queryset: Any, k: int = 20) -> list[str]:
        total = queryset.count()
        offsets = sorted(rng.sample(range(total), min(k, total))) if total else []
        ordered = queryset.order_by("pk").values_list("pk", flat=True)
        return [str(ordered[i]) for i in offsets]

    territories = some(Territory.objects.all())
    # Filters naming another team's rep or team give a rep's list nothing: that is part of the mix.
    return {
        "owner": [str(rep.pk) for rep in data.reps],
        "team": [str(pk) for pk in Team.objects.filter(name__startswith="Bench team").values_list("pk", flat=True)],
        "territory": territories or ["00000000-0000-7000-8000-000000000000"],
        "company": some(Company.objects.all()),
        "id": some(Contact.objects.all()),
        "tag": sorted(Tag.objects.values_list("name", flat=True)),
        "external_id": ["bench-heavy-timeline", "no-such-key"],
        "classification": ["A", "B", "VIP"],
    }


def _contact_list_combinations(data: Dataset) -> list[Combination]:
    count = COMBINATIONS if data.scale >= 0.5 else COMBINATIONS // 2
    # Dates are drawn back from the newest record (the dataset's "today"), not from the calendar
    # date of the run, so that runs on other days draw the same combinations.
    newest = Contact.objects.aggregate(newest=Max("created_at"))["newest"]
    today = newest.date() if newest else datetime.date(2026, 1, 1)
    return draw_combinations(CONTACT_LIST, value_pools(data, data.seed), seed=data.seed, count=count, today=today)


def _measure_combinations(user: User, combinations: list[Combination]) -> dict[str, Any]:
    """Page 1 of every combination twice and the page after it once (after one warm-up call):
    p95 over all of them, by number of filters, and the slowest combinations by name."""
    browser = Browser(user)
    times: dict[str, list[float]] = defaultdict(list)
    by_filters: dict[int, list[float]] = defaultdict(list)
    cpu: list[float] = []

    def measure(name: str, path: str) -> None:
        started, cpu_started = time.perf_counter(), time.process_time()
        browser.get(path)
        times[name].append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)

    for combination in combinations:
        path = "/contacts/?" + combination.name
        browser.get(path)
        for _ in range(2):
            measure(combination.name, path)
        cursor = contact_page(user, parse(CONTACT_LIST, QueryDict(combination.name), strict=False)).next_cursor
        if cursor:
            measure(combination.name, f"{path}&cursor={cursor}")
        by_filters[combination.filters].extend(times[combination.name])
    every = [t for values in times.values() for t in values]
    worst = sorted(times.items(), key=lambda item: max(item[1]), reverse=True)[:WORST]
    return {
        "requests": len(every),
        "p50_ms": round(percentile(every, 50), 2),
        "p95_ms": round(percentile(every, 95), 2),
        "max_ms": round(max(every), 2),
        "cpu_p50_ms": round(percentile(cpu, 50), 2),
        "cpu_p95_ms": round(percentile(cpu, 95), 2),
        **{
            f"p95_{n}_filter{'s' if n > 1 else ''}_ms": round(percentile(v, 95), 2)
            for n, v in sorted(by_filters.items())
        },
        "worst": [{"combination": name, "max_ms": round(max(v), 1)} for name, v in worst],
    }


def b2_lists(data: Dataset) -> dict[str, Any]:
    """Contacts under filter and sort combinations drawn from the list's own (seeded), as an admin
    and as a sales rep; and one fixed combination's page 1,000 (keyset) and API page with its total."""
    combinations = _contact_list_combinations(data)
    results: dict[str, Any] = {
        "combinations": [c.name for c in combinations],
        "filters": LIST_FILTERS,
    }
    results["combinations_admin"] = _measure_combinations(_admin(), combinations)
    results["combinations_rep"] = _measure_combinations(data.reps[0], combinations)
    admin = Browser(_admin())
    rep = Browser(data.reps[0])
    path = "/contacts/?" + urlencode(LIST_FILTERS)
    runs = samples(data.scale, RUNS)
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
    unselective = ["gmail", "ann", "nowa", "ska", "mail", "ova", "son", "wp.pl", "sp. z o.o."]
    rep = Browser(data.reps[0])
    admin = Browser(_admin())

    def typed(query: str, browser: Browser = rep) -> Any:
        return browser.get(f"/search/?{urlencode({'q': query})}", **{"HX-Request": "true"})

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
