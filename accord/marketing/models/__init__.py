"""Marketing's records. Each part of marketing keeps its models in its own module here, imported below."""

from accord.marketing.models.campaigns import (
    AbMetric,
    Campaign,
    CampaignChannel,
    CampaignRecipient,
    CampaignStatus,
    RecipientState,
    SkipReason,
    Variant,
)
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
from accord.marketing.models.greetings import Greeting, GreetingChannel, GreetingRule, Occasion
from accord.marketing.models.offers import ExposureKind, OfferExposure, OfferRule
from accord.marketing.models.segments import Segment, SegmentKind, SegmentMember

__all__ = [
    "AbMetric",
    "Campaign",
    "CampaignChannel",
    "CampaignRecipient",
    "CampaignStatus",
    "Consent",
    "ConsentAction",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentMethod",
    "ConsentPurpose",
    "ConsentState",
    "ExposureKind",
    "Greeting",
    "GreetingChannel",
    "GreetingRule",
    "Occasion",
    "OfferExposure",
    "OfferRule",
    "RecipientState",
    "Segment",
    "SegmentKind",
    "SegmentMember",
    "SkipReason",
    "Suppression",
    "SuppressionReason",
    "Variant",
]
