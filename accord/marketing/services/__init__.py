"""Every write of marketing: consent, the suppression list and unsubscribing."""

from accord.marketing.services.confirmation import confirm, request_confirmation
from accord.marketing.services.consent import (
    BadLink,
    ImportedConsent,
    Proof,
    give,
    may_send,
    may_send_many,
    record_import,
    suppress,
    unsuppress,
    withdraw,
)
from accord.marketing.services.unsubscribe import unsubscribe, unsubscribe_headers, unsubscribe_url

__all__ = [
    "BadLink",
    "ImportedConsent",
    "Proof",
    "confirm",
    "give",
    "may_send",
    "may_send_many",
    "record_import",
    "request_confirmation",
    "suppress",
    "unsubscribe",
    "unsubscribe_headers",
    "unsubscribe_url",
    "unsuppress",
    "withdraw",
]
