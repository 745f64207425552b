"""Sales: leads and web-to-lead forms, pipelines and deals, products and price lists, quotes,
automation rules."""

from accord.sales.models.automation import AutomationRule, AutomationRun, RuleAction, RuleTrigger
from accord.sales.models.deals import AmountSource, Deal, DealContact, DealLine, DealStageChange, DealStatus, LostReason
from accord.sales.models.leads import Lead, LeadSource, LeadStatus, ScoringRule, WebForm, WebFormSubmission
from accord.sales.models.pipelines import Pipeline, Stage, StageKind
from accord.sales.models.products import PriceList, PriceListItem, Product, ProductPrice
from accord.sales.models.quotes import Quote, QuoteLine, QuoteStatus, SellerDetails

__all__ = [
    "AmountSource",
    "AutomationRule",
    "AutomationRun",
    "Deal",
    "DealContact",
    "DealLine",
    "DealStageChange",
    "DealStatus",
    "Lead",
    "LeadSource",
    "LeadStatus",
    "LostReason",
    "Pipeline",
    "PriceList",
    "PriceListItem",
    "Product",
    "ProductPrice",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "RuleAction",
    "RuleTrigger",
    "ScoringRule",
    "SellerDetails",
    "Stage",
    "StageKind",
    "WebForm",
    "WebFormSubmission",
]
