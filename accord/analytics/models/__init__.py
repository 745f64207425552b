"""The analytics app's records: each customer's classification (RFM, ABC, cost to serve) and
lifetime value, the rates the cost to serve is charged at, and saved reports."""

from accord.analytics.models.classification import AbcClass, CustomerClass, RfmSegment
from accord.analytics.models.costs import CostRates, ValueClass
from accord.analytics.models.lifetime import ChurnRisk, CustomerLifetime, FitOutcome, LifetimeFit
from accord.analytics.models.reports import Frequency, Report, ReportDelivery, ReportFormat

__all__ = [
    "AbcClass",
    "ChurnRisk",
    "CostRates",
    "CustomerClass",
    "CustomerLifetime",
    "FitOutcome",
    "Frequency",
    "LifetimeFit",
    "Report",
    "ReportDelivery",
    "ReportFormat",
    "RfmSegment",
    "ValueClass",
]
