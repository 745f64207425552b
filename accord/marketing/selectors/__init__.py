"""Reads of marketing, scoped by the access policy."""
