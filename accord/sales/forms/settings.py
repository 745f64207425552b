"""Forms of the sales settings screens: they parse, ``accord.sales.services`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.identity.models import User
from accord.identity.selectors import active_users
from accord.sales.models import (
    AutomationRule,
    LeadSource,
    LostReason,
    RuleAction,
    RuleTrigger,
    ScoringRule,
    Stage,
    StageKind,
    WebForm,
)
from accord.sales.selectors import settings as settings_selectors
from accord.sales.services.admin_settings import DEFAULT_WEBFORM_FIELDS, WEBFORM_FIELDS

FIELD_LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "company_name": _("Company"),
    "job_title": _("Job title"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "message": _("Message"),
}


def _initial(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {**{f: getattr(obj, f) for f in fields}, "version": obj.version}


class PipelineCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    is_default = forms.BooleanField(label=_("Make it the default pipeline"), required=False)


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    probability = forms.IntegerField(
        label=_("Win probability (%)"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"step": 5})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=StageKind.choices, initial=StageKind.OPEN)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(stage: Stage) -> dict[str, Any]:
        return _initial(stage, ("name", "probability", "kind"))


class LostReasonForm(forms.Form):
    name = forms.CharField(label=_("Reason"), max_length=80)
    active = forms.BooleanField(label=_("Offered when a deal is lost"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(reason: LostReason) -> dict[str, Any]:
        return _initial(reason, ("name", "active"))


class ScoringRuleForm(forms.Form):
    field = forms.ChoiceField(label=_("When the lead's"), choices=ScoringRule.FIELDS)
    value = forms.CharField(
        label=_("is / contains"),
        max_length=100,
        required=False,
        help_text=_(
            "A source code (e.g. referral), an e-mail domain (or “free” / “business”), or words to look for. "
            "Leave empty for “has a phone” and “has a company”."
        ),
    )
    points = forms.IntegerField(label=_("Points"), min_value=-1000, max_value=1000, help_text=_("Negative lowers it."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(rule: ScoringRule) -> dict[str, Any]:
        return _initial(rule, ("field", "value", "points", "active"))


class ScorePreviewForm(forms.Form):
    """A sample lead to try the rules on; nothing is saved."""

    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WebFormForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("For you; visitors see it as the title."))
    shown_fields = forms.MultipleChoiceField(
        label=_("Fields shown"),
        choices=[(f, FIELD_LABELS[f]) for f in WEBFORM_FIELDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    source = forms.ChoiceField(label=_("Source of the leads"), choices=LeadSource.choices, initial=LeadSource.WEBSITE)
    owner = forms.ModelChoiceField(label=_("Owner of new leads"), queryset=User.objects.none())
    consent_text = forms.CharField(
        label=_("Consent text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown beside a checkbox the visitor must tick; stored with every lead. Leave empty for none."),
    )
    success_message = forms.CharField(label=_("Thank-you message"), max_length=300, required=False)
    redirect_url = forms.URLField(
        label=_("Or send visitors to this address"),
        required=False,
        assume_scheme="https",
        help_text=_("A page of your website; replaces the thank-you message."),
    )
    allowed_origin = forms.CharField(
        label=_("Allowed website"),
        max_length=200,
        required=False,
        help_text=_("The website that embeds the form, e.g. https://www.example.com."),
    )
    hourly_limit = forms.IntegerField(
        label=_("Submissions per hour from one address"), min_value=1, max_value=10000, initial=10
    )
    active = forms.BooleanField(label=_("Active: accepts submissions"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = active_users()

    @staticmethod
    def initial_for(form: WebForm | None, user: Any) -> dict[str, Any]:
        if form is None:
            return {
                "shown_fields": list(DEFAULT_WEBFORM_FIELDS),
                "owner": user.pk,
                "source": LeadSource.WEBSITE,
                "hourly_limit": 10,
                "active": True,
            }
        names = ("name", "source", "consent_text", "success_message", "redirect_url", "allowed_origin", "hourly_limit")
        return {
            **_initial(form, names),
            "shown_fields": list(form.fields or DEFAULT_WEBFORM_FIELDS),
            "owner": form.owner_id,
            "active": form.active,
        }

    def web_form_data(self) -> dict[str, Any]:
        names = (
            "name",
            "source",
            "owner",
            "consent_text",
            "success_message",
            "redirect_url",
            "allowed_origin",
            "hourly_limit",
            "active",
        )
        return {**{name: self.cleaned_data[name] for name in names}, "fields": self.cleaned_data["shown_fields"]}


class AutomationRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger = forms.ChoiceField(label=_("When"), choices=RuleTrigger.choices, widget=forms.RadioSelect)
    stage = forms.ChoiceField(label=pgettext_lazy("sales pipeline", "Pipeline and stage"), required=False)
    idle_days = forms.IntegerField(label=_("Days without interaction"), min_value=1, max_value=365, required=False)
    action = forms.ChoiceField(label=_("Then"), choices=RuleAction.choices, widget=forms.RadioSelect)
    task_title = forms.CharField(label=_("Task or reminder text"), max_length=200)
    due_in_days = forms.IntegerField(label=_("Task due in (days)"), min_value=0, max_value=365, initial=1)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        self.stages: dict[str, Stage] = {}
        for pipeline in settings_selectors.pipelines(active=True, with_stages=True):
            options = []
            for stage in pipeline.stages.all():
                self.stages[str(stage.pk)] = stage
                options.append((str(stage.pk), f"{pipeline.label} → {stage.label}"))
            groups.append((pipeline.name, options))
        field = self.fields["stage"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a stage…")), *groups]

    @staticmethod
    def initial_for(rule: AutomationRule | None) -> dict[str, Any]:
        if rule is None:
            return {"trigger": RuleTrigger.STAGE_ENTERED, "action": RuleAction.CREATE_TASK, "due_in_days": 1}
        names = ("name", "trigger", "idle_days", "action", "task_title", "due_in_days", "active")
        return {**_initial(rule, names), "stage": str(rule.stage_id) if rule.stage_id else ""}

    def rule_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name]
            for name in ("name", "trigger", "idle_days", "action", "task_title", "due_in_days", "active")
        }
        stage = self.stages.get(self.cleaned_data["stage"] or "")
        if self.cleaned_data["trigger"] != RuleTrigger.STAGE_ENTERED:
            stage = None
        data["stage"] = stage
        data["pipeline"] = stage.pipeline if stage is not None else None
        return data


class SellerForm(forms.Form):
    """The selling company's details printed on quotes."""

    name = forms.CharField(label=_("Company name"), max_length=200)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One line per row.")
    )
    tax_id = forms.CharField(label=_("Tax id"), max_length=30, required=False, help_text=_("e.g. NIP 5260250995"))
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    bank_account = forms.CharField(
        label=_("Bank account"), max_length=60, required=False, help_text=_("Printed under the terms.")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
