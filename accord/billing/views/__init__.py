"""Billing screens: invoices, orders and receivables. Views parse and call services/selectors."""
