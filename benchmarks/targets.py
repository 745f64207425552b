"""The issue's targets, and the verdict of a run against them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str
    workload: str
    path: tuple[str, ...]  # where the figure sits in the workload's results
    limit: dict[str, float]  # per database vendor
    unit: str
    higher_is_better: bool = False

    def figure(self, figures: dict[str, Any]) -> float | None:
        value: Any = figures.get(self.workload)
        for key in self.path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return float(value) if value is not None else None


TARGETS = [
    Target(
        "B1 import rows/s (empty)",
        "B1",
        ("empty", "rows_per_s"),
        {"postgresql": 30000, "sqlite": 20000},
        "rows/s",
        True,
    ),
    Target(
        "B1 import rows/s ({contacts} present)",
        "B1",
        ("full", "rows_per_s"),
        {"postgresql": 30000 / 1.3, "sqlite": 20000 / 1.3},
        "rows/s",
        True,
    ),
    Target("B1 import peak memory", "B1", ("empty", "peak_mb"), {"postgresql": 500, "sqlite": 500}, "MB"),
    Target(
        "B2 list p95, drawn filters (admin)",
        "B2",
        ("combinations_admin", "p95_ms"),
        {"postgresql": 100, "sqlite": 150},
        "ms",
    ),
    Target(
        "B2 list p95, drawn filters (rep)",
        "B2",
        ("combinations_rep", "p95_ms"),
        {"postgresql": 100, "sqlite": 150},
        "ms",
    ),
    Target("B2 list page 1000 p95", "B2", ("page_1000_admin", "p95_ms"), {"postgresql": 100, "sqlite": 150}, "ms"),
    Target("B3 search p95 (3+ chars)", "B3", ("selective_rep", "p95_ms"), {"postgresql": 25, "sqlite": 25}, "ms"),
    Target(
        "B3 search p95 (unselective)", "B3", ("unselective_rep", "p95_ms"), {"postgresql": 100, "sqlite": 100}, "ms"
    ),
    Target("B4 360° page p95", "B4", ("page", "p95_ms"), {"postgresql": 100, "sqlite": 100}, "ms"),
    Target("B5 API requests/s", "B5", ("requests_per_s",), {"postgresql": 500, "sqlite": 500}, "req/s", True),
    Target("B5 API p95", "B5", ("p95_ms",), {"postgresql": 50, "sqlite": 50}, "ms"),
    Target("B5 API p99", "B5", ("p99_ms",), {"postgresql": 150, "sqlite": 150}, "ms"),
    Target("B5 API 5xx", "B5", ("server_errors",), {"postgresql": 0, "sqlite": 0}, ""),
    Target("B6 bulk upsert records/s", "B6", ("records_per_s",), {"postgresql": 10000, "sqlite": 10000}, "rec/s", True),
    Target("B7 reassign {reassign} contacts", "B7", ("reassign_seconds",), {"postgresql": 5, "sqlite": 5}, "s"),
    Target("B7 role visibility change", "B7", ("role_change_ms",), {"postgresql": 200, "sqlite": 200}, "ms"),
    Target(
        "C1 collections run, {invoices} invoices of {customers} overdue customers",
        "C1",
        ("run", "seconds"),
        {"postgresql": 60, "sqlite": 60},
        "s",
    ),
    Target("C1 collections run peak memory", "C1", ("run", "peak_mb"), {"postgresql": 300, "sqlite": 300}, "MB"),
    Target(
        "C2 statement import, {lines} lines with matching",
        "C2",
        ("import_seconds",),
        {"postgresql": 20, "sqlite": 20},
        "s",
    ),
    Target("C3 outbox e-mails/s, two workers", "C3", ("per_second",), {"postgresql": 500, "sqlite": 500}, "/s", True),
    Target("C3 outbox e-mails lost or doubled", "C3", ("lost_or_doubled",), {"postgresql": 0, "sqlite": 0}, ""),
    Target(
        "M1 segment count, 3 rules with a purchase ({contacts} contacts)",
        "M1",
        ("count_admin", "max_s"),
        {"postgresql": 10, "sqlite": 10},
        "s",
    ),
    Target("M2 campaign e-mails/s, N workers", "M2", ("per_second",), {"postgresql": 1000, "sqlite": 1000}, "/s", True),
    Target("M2 campaign e-mails lost or doubled", "M2", ("lost_or_doubled",), {"postgresql": 0, "sqlite": 0}, ""),
    Target(
        "M2 killed ten times: lost or doubled",
        "M2",
        ("killed_lost_or_doubled",),
        {"postgresql": 0, "sqlite": 0},
        "",
    ),
    Target(
        "G1 greetings run over {contacts} contacts",
        "G1",
        ("run", "seconds"),
        {"postgresql": 60, "sqlite": 60},
        "s",
    ),
    Target("G1 greetings again the same day", "G1", ("greeted_again",), {"postgresql": 0, "sqlite": 0}, ""),
    Target("S1 board render p95", "S1", ("board_team_admin", "p95_ms"), {"postgresql": 150, "sqlite": 150}, "ms"),
    Target("S1 move p95", "S1", ("move", "p95_ms"), {"postgresql": 50, "sqlite": 50}, "ms"),
    Target("S1 forecast p95", "S1", ("forecast", "p95_ms"), {"postgresql": 500, "sqlite": 500}, "ms"),
    Target(
        "SV1 queue view p95 ({tickets} tickets)",
        "SV1",
        ("queue_view", "p95_ms"),
        {"postgresql": 100, "sqlite": 150},
        "ms",
    ),
    Target("SV1 ticket page p95", "SV1", ("ticket_page", "p95_ms"), {"postgresql": 100, "sqlite": 150}, "ms"),
    Target("SV2 SLA check, {due} tickets due", "SV2", ("check_seconds",), {"postgresql": 10, "sqlite": 10}, "s"),
    Target(
        "SV2 SLA check again (nothing new)", "SV2", ("again_warned_or_breached",), {"postgresql": 0, "sqlite": 0}, ""
    ),
    Target(
        "SV3 chat delivery p95, 500 connections, ~50 msg/s",
        "SV3",
        ("paced", "delivery_p95_ms"),
        {"postgresql": 100, "sqlite": 100},
        "ms",
    ),
    Target("SV3 chat messages lost", "SV3", ("lost",), {"postgresql": 0, "sqlite": 0}, ""),
]


def _fmt(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def _count(n: float) -> str:
    """1000000 -> "1M", 15000 -> "15k", 500 -> "500"."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:g}M"
    if n >= 1000:
        return f"{n / 1000:g}k"
    return f"{n:g}"


def scaled_name(name: str, scale: float) -> str:
    """A target's name with the sizes of this run: a quick run reassigns 15k contacts, not 300k."""
    return name.format(
        contacts=_count(round(1_000_000 * scale)),
        reassign=_count(round(300_000 * scale)),
        invoices=_count(round(200_000 * scale)),
        customers=_count(round(50_000 * scale)),
        lines=_count(max(1000, round(100_000 * scale))),
        tickets=_count(max(200, round(1_000_000 * scale))),
        due=_count(max(20, round(100_000 * scale))),
    )


def verdicts(
    figures: dict[str, Any], vendor: str, targets: list[Target] | None = None, *, scale: float = 1.0
) -> list[dict[str, Any]]:
    rows = []
    for target in targets or TARGETS:
        value = target.figure(figures)
        if value is None:
            continue
        limit = target.limit[vendor]
        met = value >= limit if target.higher_is_better else value <= limit
        rows.append(
            {
                "name": scaled_name(target.name, scale),
                "measured": _fmt(value, target.unit),
                "target": ("≥ " if target.higher_is_better else "≤ ") + _fmt(limit, target.unit),
                "met": met,
                "value": value,
                "limit": limit,
            }
        )
    return rows


Check = Callable[[dict[str, Any]], bool]
