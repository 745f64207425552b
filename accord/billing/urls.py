"""URLs of the billing screens."""

from django.urls import URLPattern, URLResolver, path

from accord.billing.views import collections, invoices, orders, payments, profitability, receivables, statements

app_name = "billing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("invoices/", invoices.invoice_list, name="invoice-list"),
    path("invoices/new/", invoices.invoice_create, name="invoice-create"),
    path("invoices/<uuid:pk>/", invoices.invoice_detail, name="invoice-detail"),
    path("invoices/<uuid:pk>/edit/", invoices.invoice_edit, name="invoice-edit"),
    path("invoices/<uuid:pk>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path("invoices/<uuid:pk>/issue/", invoices.invoice_issue, name="invoice-issue"),
    path("invoices/<uuid:pk>/delete/", invoices.invoice_delete, name="invoice-delete"),
    path("invoices/<uuid:pk>/pay/", invoices.invoice_pay, name="invoice-pay"),
    path("invoices/<uuid:pk>/correct/", invoices.invoice_correct, name="invoice-correct"),
    path("orders/", orders.order_list, name="order-list"),
    path("orders/new/", orders.order_create, name="order-create"),
    path("orders/<uuid:pk>/", orders.order_detail, name="order-detail"),
    path("orders/<uuid:pk>/status/", orders.order_status, name="order-status"),
    path("orders/<uuid:pk>/invoice/", orders.order_invoice, name="order-invoice"),
    path("quotes/<uuid:pk>/order/", orders.order_from_quote, name="quote-order"),
    path("quotes/<uuid:pk>/invoice/", orders.invoice_from_quote, name="quote-invoice"),
    path("payments/", payments.payment_list, name="payment-list"),
    path("payments/<uuid:pk>/", payments.payment_detail, name="payment-detail"),
    path("payments/<uuid:pk>/allocate/", payments.payment_allocate, name="payment-allocate"),
    path("receivables/", receivables.receivables_report, name="receivables"),
    path("profitability/", profitability.profitability_report, name="profitability"),
    path("invoices/<uuid:pk>/dispute/", collections.dispute_open, name="invoice-dispute"),
    path(
        "invoices/<uuid:pk>/dispute/<uuid:dispute_pk>/resolve/",
        collections.dispute_resolve,
        name="invoice-dispute-resolve",
    ),
    path("collections/", collections.collections_home, name="collections-approvals"),
    path("collections/calls/", collections.call_list, name="collection-calls"),
    path("collections/settings/", collections.collection_settings, name="collection-settings"),
    path("collections/settings/ladders/", collections.ladder_save, name="collection-ladder-new"),
    path("collections/settings/ladders/<uuid:pk>/", collections.ladder_save, name="collection-ladder-save"),
    path("collections/settings/rates/", collections.rate_save, name="collection-rate-save"),
    path("collections/profile/<str:kind>/<uuid:pk>/", collections.profile_save, name="collection-profile"),
    path("collections/steps/<uuid:pk>/decide/", collections.step_decide, name="collection-step-decide"),
    path("collections/steps/<uuid:pk>/call/", collections.call_log, name="collection-call-log"),
    path("collections/case/<str:kind>/<uuid:pk>/", collections.handoff_package, name="collection-case"),
    path("bank-statements/", statements.statement_list, name="bank-statement-list"),
    path("bank-statements/map/", statements.statement_map, name="bank-statement-map"),
    path("bank-statements/<uuid:pk>/", statements.statement_detail, name="bank-statement-detail"),
    path("bank-statements/unmatched/", statements.line_queue, name="bank-line-queue"),
    path("bank-statements/lines/<uuid:pk>/", statements.line_match, name="bank-line-match"),
    path("bank-statements/lines/<uuid:pk>/ignore/", statements.line_ignore, name="bank-line-ignore"),
]
