"""Waiting longer after each failure in a row: for loops that must never give up."""

from __future__ import annotations


class Backoff:
    """Waits that double after each failure in a row (1, 2, 4 ... seconds, at most ``longest``)."""

    def __init__(self, first: float = 1.0, longest: float = 60.0) -> None:
        self.first = first
        self.longest = longest
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.first * 2**self.failures, self.longest)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
