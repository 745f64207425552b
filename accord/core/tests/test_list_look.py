"""Columns and density of a list: chosen per user and list, kept by saved views."""

from __future__ import annotations

from accord.core.models import ListPreference, SavedView
from accord.sales.services import deals as deal_services


def test_a_user_hides_a_column_and_the_list_remembers_it(login, owner, teammate, make_contact):
    make_contact(owner, emails=[{"email": "jan@example.com"}])
    client = login(owner)

    response = client.post(
        "/lists/contact/look/",
        {"columns": ["name", "phone", "owner"], "density": "compact", "next": "/contacts/?owner=" + str(owner.pk)},
    )
    page = client.get("/contacts/").content.decode()

    assert response.status_code == 302
    assert response["Location"] == f"/contacts/?owner={owner.pk}"
    assert "jan@example.com" not in page
    assert "table-compact" in page
    assert ListPreference.objects.get(user=owner, entity="people.contact").columns == ["name", "phone", "owner"]
    # Another user's list is untouched.
    other = login(teammate).get("/contacts/").content.decode()
    assert "table-compact" not in other


def test_the_name_column_cannot_be_hidden_and_unknown_columns_are_dropped(login, owner):
    client = login(owner)

    client.post("/lists/company/look/", {"columns": ["industry", "salary"], "density": "huge"})

    preference = ListPreference.objects.get(user=owner, entity="people.company")
    assert preference.columns == ["name", "industry"]
    assert preference.density == "comfortable"


def test_optional_columns_can_be_shown(login, owner):
    deal_services.create_deal(actor=owner, data={"name": "Fleet", "next_step": "Send the draft contract"})
    client = login(owner)
    before = client.get("/sales/deals/").content.decode()

    client.post("/lists/deal/look/", {"columns": ["name", "next_step", "created"]})
    after = client.get("/sales/deals/").content.decode()

    assert "Send the draft contract" not in before
    assert 'data-label="Stage"' in before
    assert "Send the draft contract" in after
    assert 'data-label="Stage"' not in after


def test_a_saved_view_keeps_its_columns_and_density(login, owner, make_contact):
    make_contact(owner, emails=[{"email": "anna@example.com"}], preferred_language="en")
    client = login(owner)

    saved = client.post(
        "/views/",
        {
            "entity": "people.contact",
            "name": "English",
            "query": "preferred_language=en",
            "path": "/contacts/",
            "columns": ["name", "language"],
            "density": "compact",
        },
    )
    view = SavedView.objects.get(name="English")
    opened = client.get(saved["Location"]).content.decode()
    plain = client.get("/contacts/?preferred_language=en").content.decode()

    assert saved["Location"] == f"/contacts/?preferred_language=en&view={view.pk}"
    assert (view.columns, view.density) == (["name", "language"], "compact")
    assert "anna@example.com" not in opened
    assert "table-compact" in opened
    assert "anna@example.com" in plain
    assert "table-compact" not in plain
