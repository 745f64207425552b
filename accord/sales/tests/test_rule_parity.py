"""The screens and the API accept and refuse the same things: the rules live in the services."""

import pytest
from django.core.exceptions import ValidationError

from accord.identity.models import Role, Territory
from accord.people.models import Contact
from accord.people.services import create_contact, update_contact
from accord.sales.models import Deal, Lead, LostReason, Pipeline, Stage
from accord.sales.services import deals, leads


def _archived_pipeline():
    pipeline = Pipeline.objects.create(name="Old tenders", active=False)
    Stage.objects.create(pipeline=pipeline, name="Open", position=0)
    return pipeline


def test_an_archived_pipeline_takes_no_new_deal_through_the_form_or_the_api(login, api, owner):
    pipeline = _archived_pipeline()

    by_form = login(owner).post("/sales/deals/new/", {"name": "Form deal", "pipeline": pipeline.pk})
    by_api = api(owner).post("/deals", {"name": "API deal", "pipeline_id": str(pipeline.pk)})

    assert by_form.status_code in (200, 422)
    assert "pipeline" in by_form.context["form"].errors
    assert by_api.status_code == 422
    assert "pipeline" in by_api.json()["errors"]
    assert not Deal.objects.exists()


def test_an_archived_lost_reason_is_refused_by_the_form_and_the_api(login, api, owner):
    reason = LostReason.objects.create(name="Went bankrupt", active=False)
    deal = deals.create_deal(actor=owner, data={"name": "D"})
    lost = deal.pipeline.stages.get(kind="lost")

    by_form = login(owner).post(f"/sales/deals/{deal.pk}/lose/", {"reason": reason.pk, "version": deal.version})
    by_api = api(owner).post(
        f"/deals/{deal.pk}/move", {"stage_id": str(lost.pk), "lost_reason_id": str(reason.pk), "version": deal.version}
    )

    assert by_form.status_code in (200, 422)
    assert by_api.status_code == 422
    assert "lost_reason" in by_api.json()["errors"]
    deal.refresh_from_db()
    assert deal.status == "open"


# --- where a record may be placed: teams and territories are checked by the services -----------------


@pytest.fixture
def field_rep(make_user, territory_mazovia):
    """A rep who sees the records of the territories they cover."""
    role = Role.objects.create(
        code="field_rep", name="Field rep", visibility="territory", edit_reach="visible", sees_amounts=True
    )
    user = make_user(Role.SALES_REP, [], [territory_mazovia])
    user.role = role
    user.save(update_fields=["role"])
    return user


@pytest.fixture
def territory_silesia(db):
    return Territory.objects.create(name="Śląskie")


def test_a_field_rep_places_a_deal_only_in_their_territories_by_form_and_by_service(
    login, field_rep, territory_mazovia, territory_silesia
):
    by_form = login(field_rep).post(
        "/sales/deals/new/", {"name": "Form deal", "currency": "PLN", "territory": territory_silesia.pk}
    )
    with pytest.raises(ValidationError) as by_service:
        deals.create_deal(actor=field_rep, data={"name": "Service deal", "territory": territory_silesia})
    kept = deals.create_deal(actor=field_rep, data={"name": "At home", "territory": territory_mazovia})

    assert by_form.status_code in (200, 422)
    assert by_form.context["form"].errors.get("territory") == ["You may only place records in your own territories."]
    assert by_service.value.message_dict["territory"] == ["You may only place records in your own territories."]
    assert list(Deal.objects.values_list("name", "territory")) == [("At home", territory_mazovia.pk)]
    assert kept.territory == territory_mazovia


def test_a_field_rep_cannot_move_a_contact_out_of_their_sight_by_api_or_by_service(
    api, owner, field_rep, territory_mazovia, territory_silesia
):
    contact = create_contact(actor=owner, data={"last_name": "Nowak", "territory": territory_mazovia})

    by_api = api(field_rep).patch(f"/contacts/{contact.pk}", {"territory_id": str(territory_silesia.pk)})
    with pytest.raises(ValidationError) as by_service:
        update_contact(actor=field_rep, contact=contact, data={"territory": territory_silesia})
    created = api(field_rep).post("/contacts", {"last_name": "Lis", "territory_id": str(territory_silesia.pk)})

    assert by_api.status_code == 422
    assert by_api.json()["errors"]["territory"] == ["You may only place records in your own territories."]
    assert by_service.value.message_dict["territory"] == ["You may only place records in your own territories."]
    assert created.status_code == 422
    contact.refresh_from_db()
    assert (contact.territory_id, contact.version) == (territory_mazovia.pk, 1)
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Nowak"]


def test_a_manager_may_use_any_territory_and_a_territory_sent_back_unchanged_is_no_move(
    api, owner, make_user, team_north, field_rep, territory_mazovia, territory_silesia
):
    manager = make_user(Role.MANAGER, [team_north])
    contact = create_contact(actor=owner, data={"last_name": "Nowak", "territory": territory_silesia})

    moved = api(manager).patch(f"/contacts/{contact.pk}", {"territory_id": str(territory_mazovia.pk)})
    unchanged = update_contact(
        actor=field_rep,
        contact=Contact.objects.get(pk=contact.pk),
        data={"territory": territory_mazovia, "first_name": "Ewa"},
    )

    assert moved.status_code == 200
    assert (unchanged.territory_id, unchanged.first_name) == (territory_mazovia.pk, "Ewa")


def test_a_lead_is_placed_only_in_a_team_of_the_actor(owner, team_south):
    with pytest.raises(ValidationError) as refused:
        leads.create_lead(actor=owner, data={"last_name": "Kos", "team": team_south})

    assert refused.value.message_dict["team"] == ["You may only place records in your own teams."]
    assert not Lead.objects.exists()


def test_the_deal_api_places_a_deal_in_a_territory_under_the_same_rule_as_the_form(
    api, field_rep, territory_mazovia, territory_silesia
):
    refused = api(field_rep).post("/deals", {"name": "Elsewhere", "territory_id": str(territory_silesia.pk)})
    created = api(field_rep).post("/deals", {"name": "At home", "territory_id": str(territory_mazovia.pk)})
    unknown = api(field_rep).patch(
        f"/deals/{created.json()['id']}", {"territory_id": "00000000-0000-0000-0000-000000000000"}
    )

    assert refused.status_code == 422
    assert refused.json()["errors"]["territory"] == ["You may only place records in your own territories."]
    assert created.status_code == 201
    assert created.json()["territory_id"] == str(territory_mazovia.pk)
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"territory_id": ["No such record."]}
    assert list(Deal.objects.values_list("name", flat=True)) == ["At home"]
