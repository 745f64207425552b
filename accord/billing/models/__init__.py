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
from accord.billing.models.statements import BankStatement, BankStatementLine, LineStatus

__all__ = [
    "BankStatement",
    "BankStatementLine",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceSeries",
    "InvoiceStatus",
    "LineStatus",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentSource",
    "SeriesKind",
]
