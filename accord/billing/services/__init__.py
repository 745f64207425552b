"""Every write of billing: orders, invoices and their corrections, payments and allocations."""
