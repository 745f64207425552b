"""Billing records: orders, invoices (with their corrections) and payments."""

from accord.billing.models.invoices import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSeries,
    InvoiceStatus,
    PaymentMethod,
    SeriesKind,
)
from accord.billing.models.orders import Order, OrderLine, OrderStatus
from accord.billing.models.payments import Payment, PaymentAllocation, PaymentSource
from accord.billing.models.products import ProductBilling

__all__ = [
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceSeries",
    "InvoiceStatus",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentSource",
    "ProductBilling",
    "SeriesKind",
]
