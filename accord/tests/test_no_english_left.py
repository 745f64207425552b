"""No English left in a Polish interface: the places English leaked from before (a select's empty
choice, the custom-fields screen, the public web form, the audit trail, units of measure) read in
Polish.

Texts added with their translations pending compare with what the catalogue gives: once it has
them, the English must be gone."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, pgettext

from accord.activities.forms import TaskForm
from accord.core import services as core_services
from accord.core.history import _Reader
from accord.core.models import BaseModel
from accord.core.units import unit_label
from accord.identity.models import User
from accord.people import services as people
from accord.sales.models import WebForm

pytestmark = pytest.mark.django_db

DEMO_FORM = {
    "name": "Website: request a demo",
    "consent_text": "I agree to be contacted about Accord products. I can withdraw this consent at any time.",
    "success_message": "Thank you! We will get back to you within one working day.",
}


def polish(user: User) -> User:
    user.language = "pl"
    user.save()
    return user


def assert_translated(page: str, english: str, polish_text: str) -> None:
    """``polish_text`` is what the catalogue gives for ``english``; while a new text waits for its
    translation the two are equal and only its presence is checked."""
    assert polish_text in page
    if polish_text != english:
        assert english not in page


def test_a_selects_empty_choice_is_polish(owner, teammate):
    form = TaskForm(assignable=User.objects.filter(pk__in=[owner.pk, teammate.pk]))

    with translation.override("pl"):
        html = str(form["owner"])

    assert "— Wybierz —" in html
    assert "Select an option" not in html
    assert "---------" not in html


def test_the_custom_fields_screen_names_records_and_fields_not_codes(login, admin_user):
    core_services.create_custom_field(
        actor=admin_user, entity="people.contact", label="Newsletter", field_type="boolean", key="newsletter"
    )

    page = login(polish(admin_user)).get("/settings/custom-fields/").content.decode()

    assert ">Kontakty</td>" in page
    assert "Newsletter" in page
    assert "people.contact" not in page
    assert "cf.newsletter" not in page


def test_the_public_web_form_and_its_thanks_speak_the_visitors_language(owner):
    form = WebForm.objects.create(owner=owner, **DEMO_FORM)
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"

    page = visitor.get(f"/sales/f/{form.key}/").content.decode()
    thanks = visitor.post(f"/sales/f/{form.key}/", {"email": "ewa@firma.pl", "consent": "1"}).content.decode()

    assert '<html lang="pl"' in page
    with translation.override("pl"):
        for english in DEMO_FORM.values():
            shown = page if english != DEMO_FORM["success_message"] else thanks
            assert_translated(shown, english, gettext(english))
        assert gettext("Website") in page
    for english in ("First name", "Last name", "Send", "<label>Website"):
        assert english not in page


def test_the_demo_web_forms_name_is_polish_on_the_admins_screens(login, admin_user):
    form = WebForm.objects.create(owner=admin_user, **DEMO_FORM)
    client = login(polish(admin_user))

    with translation.override("pl"):
        polish_name = gettext(DEMO_FORM["name"])
    listed = client.get("/sales/settings/web-forms/").content.decode()
    detail = client.get(f"/sales/settings/web-forms/{form.pk}/").content.decode()

    assert_translated(listed, DEMO_FORM["name"], polish_name)
    # The page is headed with it; its edit form keeps the stored words, which the admin may rewrite.
    assert f"<h1>{polish_name}</h1>" in detail


def test_a_web_forms_default_thanks_is_polish(owner):
    form = WebForm.objects.create(name="Kontakt", owner=owner)
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"

    thanks = visitor.post(f"/sales/f/{form.key}/", {"email": "ewa@firma.pl"}).content.decode()

    assert "Dziękujemy! Wkrótce się z Tobą skontaktujemy." in thanks
    assert "Thank you" not in thanks


def test_the_audit_trail_of_a_changed_contact_names_fields_in_polish(login, owner, teammate, admin_user, make_contact):
    contact = make_contact(owner, first_name="Ewa", last_name="Nowak")
    people.update_contact(
        actor=admin_user,
        contact=contact,
        data={
            "birthday": datetime.date(1985, 4, 23),
            "preferred_channel": "phone",
            "owner": teammate,
            "phones": [{"number": "601234567"}],
            "tags": ["VIP"],
        },
    )

    page = login(polish(owner)).get(f"/contacts/{contact.pk}/history/").content.decode()

    for polish_label in ("Data urodzenia", "Preferowany kanał kontaktu", "Właściciel", "Numery telefonów", "Tagi"):
        assert polish_label in page
    for english in ("Birthday:", "Preferred channel:", "Owner:", "Phone numbers:", "Tags:", "Updated", "Created"):
        assert english not in page
    for column in ("birthday", "preferred_channel", "owner_id", "phones"):
        assert f">{column}" not in page


# Kept by the system: no history page shows them.
WITHOUT_HISTORY = {
    "core.Attachment",
    "core.SavedView",
    "core.ImportJob",
    "core.BulkJob",
    "identity.ApiToken",
    "activities.CalendarFeed",
    "messaging.Message",
}


def test_every_field_a_history_shows_has_a_label_of_its_own() -> None:
    """A field without a verbose name would show Django's English guess from its column name."""
    from django.apps import apps

    unlabelled = {}
    for model in apps.get_models():
        if not issubclass(model, BaseModel) or model._meta.label in WITHOUT_HISTORY:
            continue
        reader = _Reader(model, [])
        missing = [
            f.name
            for f in model._meta.concrete_fields
            if not reader._is_hidden(f.name) and f.name not in reader.labels and f._verbose_name is None
        ]
        if missing:
            unlabelled[model._meta.label] = missing
    assert unlabelled == {}


@pytest.mark.parametrize("code", ["pcs", "user", "day", "h"])
def test_units_of_measure_are_shown_in_the_readers_language(code: str) -> None:
    with translation.override("pl"):
        assert unit_label(code) == pgettext("unit of measure", code)
        assert unit_label(f" {code.upper()} ") == pgettext("unit of measure", code)
    assert unit_label("kWh (peak)") == "kWh (peak)"
