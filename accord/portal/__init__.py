"""The self-service portal at /portal: customers see their company's tickets, quotes, orders and
invoices, keep their own details and consents; partners register leads and follow them.

A facade over sales, billing, service and marketing: every read filters by the portal user's
``identity.PortalAccess`` (selectors), every write goes through the owning app's service."""
