from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.models import CustomFieldDefinition, CustomFieldType


class CustomFieldForm(forms.Form):
    entity = forms.ChoiceField(label=_("Record"), choices=())
    label = forms.CharField(label=_("Label"), max_length=80)
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        required=False,
        help_text=_("Column name in imports, exports and the API. Made from the label if left empty."),
    )
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldType.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, for choice fields."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help text"), required=False, max_length=200)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        from accord.core.services import custom_field_entities

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["entity"]).choices = custom_field_entities()
        self.editing = editing
        if editing:
            for name in ("entity", "key", "field_type"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    @staticmethod
    def initial_for(definition: CustomFieldDefinition | None) -> dict[str, Any]:
        if definition is None:
            return {"active": True, "position": 0}
        return {
            "entity": definition.entity,
            "label": definition.label,
            "key": definition.key,
            "field_type": definition.field_type,
            "choices": "\n".join(definition.choices),
            "required": definition.required,
            "help_text": definition.help_text,
            "position": definition.position,
            "active": definition.active,
        }

    def _choices(self) -> list[str]:
        return [line for line in self.cleaned_data.get("choices", "").splitlines() if line.strip()]

    def definition_data(self) -> dict[str, Any]:
        return {
            "entity": self.cleaned_data["entity"],
            "label": self.cleaned_data["label"],
            "key": self.cleaned_data["key"],
            "field_type": self.cleaned_data["field_type"],
            "choices": self._choices(),
            "required": self.cleaned_data["required"],
            "help_text": self.cleaned_data["help_text"],
            "position": self.cleaned_data.get("position") or 0,
        }

    def change_data(self) -> dict[str, Any]:
        return {
            "label": self.cleaned_data["label"],
            "choices": self._choices(),
            "required": self.cleaned_data["required"],
            "help_text": self.cleaned_data["help_text"],
            "position": self.cleaned_data.get("position") or 0,
            "active": self.cleaned_data["active"],
        }
