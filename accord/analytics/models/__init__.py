"""The analytics app's records: each customer's classification (RFM and ABC)."""

from accord.analytics.models.classification import AbcClass, CustomerClass, RfmSegment

__all__ = ["AbcClass", "CustomerClass", "RfmSegment"]
