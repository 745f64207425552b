"""Strings Django shows that its own catalogues do not translate yet, listed here so `make messages`
keeps them in Accord's catalogues (which take precedence over Django's)."""

from django.utils.translation import gettext_noop

# Django 6.1's empty choice of a select ("- Select an option -"); its Polish catalogue lacks it.
MESSAGES = [gettext_noop("- Select an option -")]
