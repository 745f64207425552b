"""Accord: an open-source CRM for the whole customer relationship."""

__version__ = "0.1.0"
