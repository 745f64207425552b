"""Parsing the template screen's input; the rules are in ``services.templates``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

CHANNELS = [("email", _("E-mail")), ("sms", _("SMS")), ("letter", _("Letter"))]


class TemplateForm(forms.Form):
    kind = forms.CharField(label=_("Kind"), max_length=40, help_text=_('For example "quote" or "payment_reminder".'))
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNELS)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body_text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    body_html = forms.CharField(
        label=_("HTML text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Optional. Variables are escaped here."),
    )

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if editing:
            for name in ("kind", "channel", "language"):
                self.fields[name].disabled = True
