"""Forms of the consent panel and the suppression list: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.marketing.models import ConsentChannel, ConsentMethod, ConsentPurpose

# How a person at Accord learnt of a consent they record by hand.
RECORDED_METHODS = [
    (m.value, m.label)
    for m in (ConsentMethod.PHONE, ConsentMethod.PAPER, ConsentMethod.FORM, ConsentMethod.PORTAL, ConsentMethod.USER)
]
ACTIONS = [
    ("give", _("Give")),
    ("withdraw", _("Withdraw")),
    ("request", _("Ask to confirm by e-mail")),
]


class ConsentChangeForm(forms.Form):
    action = forms.ChoiceField(label=_("Change"), choices=ACTIONS)
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    method = forms.ChoiceField(label=_("How"), choices=RECORDED_METHODS)
    text = forms.CharField(
        label=_("Text shown"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The exact words the person agreed to (read out on the phone, printed on the form)."),
    )
    source = forms.CharField(
        label=_("Source"), required=False, max_length=200, help_text=_("E.g. the call, the paper form's number.")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SuppressionForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in (ConsentChannel.EMAIL, ConsentChannel.SMS, ConsentChannel.PHONE)],
    )
    address = forms.CharField(label=_("Address"), max_length=254, help_text=_("An e-mail address or a phone number."))
    purpose = forms.ChoiceField(
        label=_("Purpose"), required=False, choices=[("", _("Every purpose")), *ConsentPurpose.choices]
    )
    source = forms.CharField(label=_("Note"), required=False, max_length=200)
