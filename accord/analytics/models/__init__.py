"""The analytics app's records: each customer's classification (RFM and ABC) and lifetime value."""

from accord.analytics.models.classification import AbcClass, CustomerClass, RfmSegment
from accord.analytics.models.lifetime import ChurnRisk, CustomerLifetime, FitOutcome, LifetimeFit

__all__ = ["AbcClass", "ChurnRisk", "CustomerClass", "CustomerLifetime", "FitOutcome", "LifetimeFit", "RfmSegment"]
