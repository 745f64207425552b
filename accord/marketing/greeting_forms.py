"""The greeting rule form: it only parses; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.marketing import holidays_calendar
from accord.marketing.models import GreetingChannel, GreetingRule, Occasion
from accord.people.models import Language

GREETING_LANGUAGES = ("en", "pl", "lt", "ro", "ru")


class GreetingRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    occasion = forms.ChoiceField(label=_("Occasion"), choices=Occasion.choices)
    holidays = forms.MultipleChoiceField(
        label=_("Holidays"),
        required=False,
        help_text=_("Public holidays only. None chosen: every public holiday of the contact's country."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=GreetingChannel.choices)
    send_at = forms.TimeField(
        label=_("Local time to send"), help_text=_("In each contact's own time zone, e.g. 09:00.")
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holidays"].choices = [(name, name) for name in holidays_calendar.all_names()]  # type: ignore[attr-defined]
        names = dict(Language.choices)
        for code in GREETING_LANGUAGES:
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": names[code]}, required=False, max_length=200
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": names[code]},
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
            )

    @classmethod
    def initial_of(cls, rule: GreetingRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rule.name,
            "occasion": rule.occasion,
            "holidays": rule.holidays,
            "channel": rule.channel,
            "send_at": rule.send_at,
            "enabled": rule.enabled,
        }
        for code in GREETING_LANGUAGES:
            text = rule.texts.get(code) or {}
            initial[f"subject_{code}"] = text.get("subject", "")
            initial[f"body_{code}"] = text.get("body", "")
        return initial

    def language_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"subject_{code}"], self[f"body_{code}"]) for code in GREETING_LANGUAGES]

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "occasion": data["occasion"],
            "holidays": list(data.get("holidays") or []),
            "channel": data["channel"],
            "send_at": data["send_at"],
            "enabled": data["enabled"],
            "texts": {
                code: {"subject": data.get(f"subject_{code}", ""), "body": data.get(f"body_{code}", "")}
                for code in GREETING_LANGUAGES
            },
        }


def service_errors_to_form(form: GreetingRuleForm, errors: dict[str, list[str]]) -> None:
    """The service's field names (``texts.pl.body``) as the form's (``body_pl``)."""
    for field, problems in errors.items():
        name = field
        if field.startswith("texts."):
            parts = field.split(".")
            name = f"{parts[2]}_{parts[1]}" if len(parts) == 3 else ""
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
