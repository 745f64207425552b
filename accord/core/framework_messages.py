"""Strings Django shows that its own catalogues do not translate yet, listed here so `make messages`
keeps them in Accord's catalogues (which take precedence over Django's)."""

from django.utils.translation import gettext_noop, pgettext_lazy

# Django 6.1's empty choice of a select ("- Select an option -"); its Polish catalogue lacks it.
MESSAGES = [gettext_noop("- Select an option -")]

# Month names inside a date (the format character E: "31 decembrie 2026"). Django's Romanian
# catalogue spells them capitalised, as a heading would; Romanian writes them in lower case inside
# a date. The other languages keep Django's own forms (the genitive: "31 grudnia 2026").
MONTHS_IN_DATES = [
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
]
