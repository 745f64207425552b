"""The scan that keeps English out of a non-English interface (scripts/check_untranslated.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_untranslated.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_untranslated", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def found_in_template(check: ModuleType, tmp_path: Path, source: str) -> list[str]:
    folder = tmp_path / "app" / "templates" / "app"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(source, encoding="utf-8")
    allow = check.AllowList.read(ROOT / "scripts" / "untranslated_allow.txt")
    return [f"{f.line}: {f.text}" for f in check.findings([tmp_path], allow)]


def found_in_python(check: ModuleType, tmp_path: Path, source: str) -> list[str]:
    (tmp_path / "forms.py").write_text(source, encoding="utf-8")
    allow = check.AllowList.read(ROOT / "scripts" / "untranslated_allow.txt")
    return [f"{f.line}: {f.text}" for f in check.findings([tmp_path], allow)]


def test_an_unmarked_word_in_a_template_is_found(check, tmp_path):
    source = '{% load i18n %}<h1>{% translate "Contacts" %}</h1>\n<p>Select an option</p>\n'

    assert found_in_template(check, tmp_path, source) == ["2: Select an option"]


def test_marked_texts_variables_and_identifiers_pass(check, tmp_path):
    source = (
        "{% load i18n %}{# Comments say anything #}\n"
        '<h1 title="{% translate "Contacts" %}">{% translate "Contacts" %}</h1>\n'
        "{% blocktranslate with n=count %}{{ n }} open deals{% endblocktranslate %}\n"
        "{% comment %}Not shown at all{% endcomment %}\n"
        '<p class="lead">{{ contact.name }} · Accord · CSV · XLSX · 23 % &nbsp;&middot; office@example.com</p>\n'
        '<script>const label = "not read by people";</script><style>.x::after { content: "x"; }</style>\n'
        '<button type="submit" name="action" value="archive">{% translate "Archive" %}</button>\n'
    )

    assert found_in_template(check, tmp_path, source) == []


def test_visible_attributes_tag_arguments_and_filter_defaults_are_read(check, tmp_path):
    source = (
        '<input placeholder="Search" aria-label="{% translate "Search" %}">\n'
        '<img alt="Logo of the company" src="x.png">\n'
        '<input type="submit" value="Send">\n'
        '{% include "x.html" with title="Recent deals" url="/deals/" %}\n'
        '{{ value|default:"None yet" }}\n'
    )

    assert found_in_template(check, tmp_path, source) == [
        "1: Search",
        "2: Logo of the company",
        "3: Send",
        "4: Recent deals",
        "5: None yet",
    ]


def test_user_facing_python_literals_are_found(check, tmp_path):
    source = """
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PIECES = "pcs", "pieces"
    HOURS = "h", _("hours")
    DAYS = "day"


class ProductForm(forms.Form):
    unit = forms.CharField(label="Unit", widget=forms.TextInput(attrs={"placeholder": "pcs, h"}))
    kind = forms.ChoiceField(choices=[("a", "Alpha"), ("b", _("Beta"))], error_messages={"required": "Pick one"})

    def clean(self):
        messages.success(self.request, "Saved.")
        raise ValidationError("Wrong unit")


class Product(models.Model):
    name = models.CharField(verbose_name="product name", max_length=20)
    code = models.CharField(_("code"), max_length=20, default="pcs")
"""

    assert found_in_python(check, tmp_path, source) == [
        "10: pieces",
        "12: Days",
        "16: Unit",
        "16: pcs, h",
        "17: Alpha",
        "17: Pick one",
        "20: Saved.",
        "21: Wrong unit",
        "25: product name",
    ]


def test_identifiers_and_marked_python_literals_pass(check, tmp_path):
    source = """
from django.utils.translation import gettext as _
from accord.sales.services import Rejected


def submit(form):
    if not form.active:
        raise Rejected("closed", 404)
    raise Rejected(_("The form is closed."))


class Config:
    label = "people"
    verbose_name = _("People")
"""

    assert found_in_python(check, tmp_path, source) == []


def test_the_allow_list_allows_a_text_anywhere_or_in_one_file(check, tmp_path):
    allow_file = tmp_path / "allow.txt"
    allow_file.write_text("# comment\nNIP\nsomewhere/else.html | Hello\napp/x.html | A\n", encoding="utf-8")
    allow = check.AllowList.read(allow_file)

    assert not allow.needs_translation("NIP", "app/x.html")
    assert not allow.needs_translation("A", "app/x.html")
    assert allow.needs_translation("A", "app/y.html")
    assert allow.needs_translation("Hello", "app/x.html")


def test_accord_has_no_unmarked_strings(check):
    assert [str(f) for f in check.findings([ROOT / "accord"])] == []
