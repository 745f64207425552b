"""Screens of messaging: every user's notifications; the outbox and templates for administrators."""
