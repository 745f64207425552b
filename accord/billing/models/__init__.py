"""Billing records: orders, invoices (with their corrections), payments and collections."""

from accord.billing.models.collections import (
    CallResult,
    CollectionActionKind,
    CollectionLadder,
    CollectionLevel,
    CollectionPause,
    CollectionProfile,
    CollectionStep,
    CollectionStepInvoice,
    CollectionStepState,
    InvoiceDispute,
    LatePaymentRate,
    PromiseToPay,
)
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
from accord.billing.models.statements import BankStatement, BankStatementLine, LineStatus

__all__ = [
    "BankStatement",
    "BankStatementLine",
    "CallResult",
    "CollectionActionKind",
    "CollectionLadder",
    "CollectionLevel",
    "CollectionPause",
    "CollectionProfile",
    "CollectionStep",
    "CollectionStepInvoice",
    "CollectionStepState",
    "Invoice",
    "InvoiceDispute",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceSeries",
    "InvoiceStatus",
    "LatePaymentRate",
    "LineStatus",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentSource",
    "ProductBilling",
    "PromiseToPay",
    "SeriesKind",
]
