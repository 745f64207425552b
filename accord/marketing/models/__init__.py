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
from accord.marketing.models.offers import ExposureKind, OfferExposure, OfferRule
from accord.marketing.models.segments import Segment, SegmentKind, SegmentMember

__all__ = [
    "Consent",
    "ConsentAction",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentMethod",
    "ConsentPurpose",
    "ConsentState",
    "ExposureKind",
    "OfferExposure",
    "OfferRule",
    "Segment",
    "SegmentKind",
    "SegmentMember",
    "Suppression",
    "SuppressionReason",
]
