"""Marketing's records. Each part of marketing keeps its models in its own module here, imported below."""

from accord.marketing.models.consent import (
    Consent,
    ConsentAction,
    ConsentChannel,
    ConsentEvent,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    Suppression,
    SuppressionReason,
)

__all__ = [
    "Consent",
    "ConsentAction",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentMethod",
    "ConsentPurpose",
    "ConsentState",
    "Suppression",
    "SuppressionReason",
]
