"""Forms of the user administration screens. They parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.identity import selectors
from accord.identity.forms import NewPasswordForm
from accord.identity.forms.account import PreferencesMixin
from accord.identity.models import Reach, Role, Team, Territory, Visibility
from accord.identity.selectors import active_users


class UserChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})" if obj.get_full_name() else obj.username


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checks"})


class UserForm(PreferencesMixin):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    role = forms.ModelChoiceField(
        label=_("Role"), queryset=selectors.role_choices(), to_field_name="code", empty_label=None
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=selectors.team_choices(), required=False, widget=_checkboxes()
    )
    territories = forms.ModelMultipleChoiceField(
        label=_("Territories"), queryset=selectors.territory_choices(), required=False, widget=_checkboxes()
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Tell it to the user in person. Left empty, they cannot log in until you set one."),
    )

    field_order = [
        "username",
        "first_name",
        "last_name",
        "email",
        "phone",
        "role",
        "teams",
        "territories",
        "language",
        "timezone",
        "password",
    ]

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            # The username is the login and the API's reference: it stays; the password has its
            # own form.
            self.fields["username"].disabled = True
            self.fields["username"].required = False
            del self.fields["password"]
        else:
            self.initial.setdefault("role", Role.SALES_REP)

    @staticmethod
    def initial_for(user: Any) -> dict[str, Any]:
        return {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "role": user.role.code,
            "teams": list(user.teams.all()),
            "territories": list(user.territories.all()),
            "language": user.language,
            "timezone": user.timezone,
        }

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": data["phone"],
            "role_code": data["role"].code,
            "teams": data["teams"],
            "territories": data["territories"],
            "language": data["language"],
            "timezone": data["timezone"],
        }


class AdminPasswordForm(NewPasswordForm):
    pass


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    managers = UserChoices(
        label=_("Managers"),
        queryset=active_users(),
        required=False,
        widget=_checkboxes(),
        help_text=_("They see every record of the team's members."),
    )
    members = UserChoices(
        label=_("Members"),
        queryset=active_users(),
        required=False,
        widget=_checkboxes(),
        help_text=_("Members share the team's records, as far as their role lets them see team records."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(team: Team | None) -> dict[str, Any]:
        if team is None:
            return {}
        return {
            "name": team.name,
            "managers": list(team.managers.all()),
            "members": list(team.members.all()),
            "version": team.version,
        }


class TerritoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    reps = UserChoices(
        label=_("Reps"),
        queryset=active_users(),
        required=False,
        widget=_checkboxes(),
        help_text=_("Users whose role sees territory records see this territory's."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(territory: Territory | None) -> dict[str, Any]:
        if territory is None:
            return {}
        return {
            "name": territory.name,
            "description": territory.description,
            "reps": list(territory.reps.all()),
            "version": territory.version,
        }


class RoleForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("A short name for the command line and the API, e.g. field_rep. It cannot change later."),
    )
    name = forms.CharField(label=_("Name"), max_length=80)
    visibility = forms.ChoiceField(label=_("Sees"), choices=Visibility.choices)
    can_create = forms.BooleanField(label=_("May create records"), required=False)
    edit_reach = forms.ChoiceField(label=_("May edit"), choices=Reach.choices)
    delete_reach = forms.ChoiceField(label=_("May delete"), choices=Reach.choices)
    can_export = forms.BooleanField(label=_("May export"), required=False)
    can_reassign = forms.BooleanField(label=_("May give records to other users"), required=False)
    sees_amounts = forms.BooleanField(
        label=_("Sees amounts"),
        required=False,
        help_text=_("Deals' and quotes' amounts, forecasts, invoices and payments. Without it they are left out."),
    )
    is_admin = forms.BooleanField(
        label=_("Administers Accord"),
        required=False,
        help_text=_("Sees and changes everything, and manages users, roles and settings."),
    )
    requires_two_factor = forms.BooleanField(
        label=_("Requires two-factor sign-in"),
        required=False,
        help_text=_("Users in this role must set up an authenticator app before they can work."),
    )

    RULES = (
        "name",
        "visibility",
        "can_create",
        "edit_reach",
        "delete_reach",
        "can_export",
        "can_reassign",
        "sees_amounts",
        "is_admin",
        "requires_two_factor",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False

    @staticmethod
    def initial_for(role: Role | None) -> dict[str, Any]:
        if role is None:
            return {
                "visibility": Visibility.OWN,
                "can_create": True,
                "edit_reach": Reach.OWN,
                "delete_reach": Reach.NONE,
            }
        return {"code": role.code, **{name: getattr(role, name) for name in RoleForm.RULES}}

    def rules(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.RULES}
