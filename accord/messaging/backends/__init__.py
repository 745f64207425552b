"""Delivery backends: each hands one message to its channel's server and says what happened."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """The server took the message; ``external_id`` is the id it gave it (if any)."""

    external_id: str = ""


class DeliveryError(Exception):
    """The server did not take the message. ``permanent`` ones are not tried again."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        self.message = message
        self.permanent = permanent
        super().__init__(message)
