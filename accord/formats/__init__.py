"""Dates, times and numbers as each language of the interface writes them (FORMAT_MODULE_PATH).

Django looks here before its own locale formats, name by name. Every module sets the whole set:
24-hour times, weeks from Monday, the short date its users type, and the separators money is
shown with (accord.core.money.format_money). ISO dates (2026-12-31) are accepted in every language
too: Django adds them to the input formats, and <input type="date"> always sends them.
"""
