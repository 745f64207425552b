"""The analytics app's records: each customer's classification (RFM, ABC, cost to serve), the
rates the cost to serve is charged at, and saved reports."""

from accord.analytics.models.classification import AbcClass, CustomerClass, RfmSegment
from accord.analytics.models.costs import CostRates, ValueClass
from accord.analytics.models.reports import Frequency, Report, ReportDelivery, ReportFormat

__all__ = [
    "AbcClass",
    "CostRates",
    "CustomerClass",
    "Frequency",
    "Report",
    "ReportDelivery",
    "ReportFormat",
    "RfmSegment",
    "ValueClass",
]
