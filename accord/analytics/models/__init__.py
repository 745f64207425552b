"""The analytics app's records: each customer's classification (RFM and ABC); saved reports."""

from accord.analytics.models.classification import AbcClass, CustomerClass, RfmSegment
from accord.analytics.models.reports import Frequency, Report, ReportDelivery, ReportFormat

__all__ = ["AbcClass", "CustomerClass", "Frequency", "Report", "ReportDelivery", "ReportFormat", "RfmSegment"]
