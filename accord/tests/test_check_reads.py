"""The check that keeps reads out of views, API and form modules (scripts/check_reads.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_reads.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_reads", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DIRECT_READ = """
from accord.people.models import Contact


def contact_detail(request, pk):
    contact = Contact.objects.filter(pk=pk).first()
    others = type(contact)._default_manager.all()
    return contact, others, shortcuts.get_object_or_404(Contact, pk=pk)
"""

THROUGH_A_SELECTOR = """
from django import forms

from accord.identity.models import User
from accord.people import selectors


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none())


def contact_detail(request, pk):
    return selectors.contact_detail(request.user, pk)
"""


def test_a_view_reading_through_a_manager_is_flagged(check: ModuleType, tmp_path: Path, capsys) -> None:
    app = tmp_path / "shop"
    app.mkdir()
    (app / "views.py").write_text(DIRECT_READ)

    status = check.main([str(tmp_path)])

    assert status == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[0].rsplit(":", 2)[1:] for line in lines] == [["6", "15"], ["7", "14"], ["8", "29"]]
    assert "Contact.objects read in a view, API or form module" in lines[0]
    assert "type(contact)._default_manager read" in lines[1]
    assert "get_object_or_404() read" in lines[2]


def test_a_clean_view_and_an_empty_form_placeholder_pass(check: ModuleType, tmp_path: Path, capsys) -> None:
    app = tmp_path / "shop"
    app.mkdir()
    (app / "views_orders.py").write_text(THROUGH_A_SELECTOR)
    (app / "forms.py").write_text(THROUGH_A_SELECTOR)

    assert check.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("path", "checked"),
    [
        ("sales/views_deals.py", True),
        ("sales/views/deals.py", True),
        ("people/reassign_views.py", True),
        ("core/api_attachments.py", True),
        ("core/settings_forms.py", True),
        ("api.py", True),
        ("activities/panels.py", True),
        ("sales/selectors/deals.py", False),
        ("sales/services/deals.py", False),
        ("people/apps.py", False),
        ("people/tests/test_api.py", False),
    ],
)
def test_which_modules_are_checked(check: ModuleType, path: str, checked: bool) -> None:
    assert check.is_checked(Path(path)) is checked


def test_selectors_and_services_may_read(check: ModuleType, tmp_path: Path) -> None:
    app = tmp_path / "shop"
    app.mkdir()
    (app / "selectors.py").write_text(DIRECT_READ)

    assert check.main([str(tmp_path)]) == 0


def test_no_view_api_form_or_panel_of_accord_reads_through_a_manager(check: ModuleType, capsys) -> None:
    status = check.main([])

    assert capsys.readouterr().out == ""
    assert status == 0
