"""The sales screens, one module per part: leads, deals, quotes, products, settings, dashboard, exports."""
