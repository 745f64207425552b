"""Forms of a user's own profile page. They parse; the services decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.identity.forms import CodeForm, NewPasswordForm
from accord.identity.services.common import time_zones


def language_choices() -> list[tuple[str, Any]]:
    return [("", _("As the browser asks")), *settings.LANGUAGES]


def time_zone_choices() -> list[tuple[str, Any]]:
    server = settings.TIME_ZONE
    return [("", _("The server's (%(zone)s)") % {"zone": server}), *((z, z.replace("_", " ")) for z in time_zones())]


class PreferencesMixin(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices)
    timezone = forms.ChoiceField(label=_("Time zone"), required=False, choices=time_zone_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A zone the user has that the list no longer offers stays offered (and kept) until changed.
        current = self.initial.get("timezone") or ""
        field: Any = self.fields["timezone"]
        if current and current not in time_zones():
            field.choices = [*field.choices, (current, current.replace("_", " "))]


class ProfileForm(PreferencesMixin):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )

    field_order = ["first_name", "last_name", "email", "phone", "language", "timezone"]

    @staticmethod
    def initial_for(user: Any) -> dict[str, Any]:
        return {name: getattr(user, name) for name in ProfileForm.field_order}


class PasswordChangeForm(NewPasswordForm):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    field_order = ["current_password", "new_password", "new_password_again"]


EXPIRY_CHOICES = [
    ("", _("Never")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("What will use it, e.g. “invoicing sync”."))
    expires = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, required=False)

    def expires_at(self) -> datetime.datetime | None:
        days = self.cleaned_data.get("expires")
        return timezone.now() + datetime.timedelta(days=int(days)) if days else None


class ProofForm(forms.Form):
    """Changing two-factor sign-in that is set up: the password, or the code the app shows, again."""

    proof = forms.CharField(
        label=_("Your password or the code from your app"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AuthenticatorForm(ProofForm, CodeForm):
    """The set-up page's form: the new app's code and, when it replaces an authenticator, the
    password or the current app's code."""

    field_order = ["proof", "code"]

    def __init__(self, *args: Any, replacing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not replacing:
            del self.fields["proof"]
            return
        proof: Any = self.fields["proof"]
        proof.label = _("Your password or a code from the app you are replacing")
        proof.widget.attrs["autofocus"] = True
        self.fields["code"].widget.attrs.pop("autofocus", None)
