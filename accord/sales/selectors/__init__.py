"""Reads of the sales app, scoped by the access policy: leads, deals (lists, board, detail), products."""

from accord.sales.selectors.deals import DEAL_LIST, deal_detail, deal_page, visible_deals
from accord.sales.selectors.leads import LEAD_LIST, lead_detail, lead_page, visible_leads
from accord.sales.selectors.products import PRODUCT_LIST, product_page

__all__ = [
    "DEAL_LIST",
    "LEAD_LIST",
    "PRODUCT_LIST",
    "deal_detail",
    "deal_page",
    "lead_detail",
    "lead_page",
    "product_page",
    "visible_deals",
    "visible_leads",
]
