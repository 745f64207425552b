"""Forms of the quote screens: they parse, the quote services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.forms import DateInput


class QuoteForm(forms.Form):
    """The parts of a draft (or of a new revision) a rep may set: validity and terms."""

    valid_until = forms.DateField(label=pgettext_lazy("quote", "Valid until"), widget=DateInput())
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Payment, delivery, warranty…")}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SendForm(forms.Form):
    to = forms.EmailField(label=_("To"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    win_deal = forms.BooleanField(label=_("Mark the deal won"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
