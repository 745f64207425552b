"""The analytics app's records: each customer's classification (RFM, ABC, cost to serve) and the
rates the cost to serve is charged at."""

from accord.analytics.models.classification import AbcClass, CustomerClass, RfmSegment
from accord.analytics.models.costs import CostRates, ValueClass

__all__ = ["AbcClass", "CostRates", "CustomerClass", "RfmSegment", "ValueClass"]
