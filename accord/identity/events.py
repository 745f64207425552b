"""The payloads of identity's own events (users' created, updated... events are the core's
families, core/event_types.py)."""

from __future__ import annotations

from accord.core.events import EventPayload


class PasswordResetSent(EventPayload):
    """An administrator had a password-reset link sent to the user (the event's object)."""

    name = "identity.user.password_reset_sent"
