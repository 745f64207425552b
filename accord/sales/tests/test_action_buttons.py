"""Pages show only the actions the access policy allows: a read-only user sees no button that would
answer 403, a rep who may change the record sees them all."""

from __future__ import annotations

from django.urls import reverse

from accord.sales.services import leads as lead_services
from accord.sales.services import quotes as quote_services
from accord.sales.tests.test_quotes import make_deal


def _deal_actions(deal):
    return [
        reverse("sales:quote-create", args=[deal.pk]),
        reverse("sales:deal-edit", args=[deal.pk]),
        reverse("sales:deal-win", args=[deal.pk]),
        reverse("sales:deal-lose", args=[deal.pk]),
        reverse("sales:deal-line-add", args=[deal.pk]),
    ]


def _quote_actions(quote):
    return [reverse("sales:quote-send", args=[quote.pk]), reverse("sales:quote-revise", args=[quote.pk])]


def _lead_actions(lead):
    return [
        reverse("sales:lead-convert", args=[lead.pk]),
        reverse("sales:lead-edit", args=[lead.pk]),
        reverse("sales:lead-status", args=[lead.pk]),
    ]


def test_a_viewer_sees_no_action_the_policy_refuses(login, owner, viewer):
    deal = make_deal(owner)
    quote = quote_services.create_from_deal(actor=owner, deal=deal)
    lead = lead_services.create_lead(actor=owner, data={"first_name": "Ola", "last_name": "Nowak"})
    client = login(viewer)

    deal_page = client.get(reverse("sales:deal-detail", args=[deal.pk])).content.decode()
    quote_page = client.get(reverse("sales:quote-detail", args=[quote.pk])).content.decode()
    lead_page = client.get(reverse("sales:lead-detail", args=[lead.pk])).content.decode()
    refused = client.post(reverse("sales:quote-create", args=[deal.pk]))

    assert "Roll-out" in deal_page
    assert [url for url in _deal_actions(deal) if url in deal_page] == []
    assert "Create quote" not in deal_page
    assert [url for url in _quote_actions(quote) if url in quote_page] == []
    assert [url for url in _lead_actions(lead) if url in lead_page] == []
    # The button is gone because the view refuses the action, not by a rule of its own.
    assert refused.status_code == 403


def test_a_rep_who_may_change_the_records_sees_their_actions(login, owner):
    deal = make_deal(owner)
    quote = quote_services.create_from_deal(actor=owner, deal=deal)
    lead = lead_services.create_lead(actor=owner, data={"first_name": "Ola", "last_name": "Nowak"})
    client = login(owner)

    deal_page = client.get(reverse("sales:deal-detail", args=[deal.pk])).content.decode()
    quote_page = client.get(reverse("sales:quote-detail", args=[quote.pk])).content.decode()
    lead_page = client.get(reverse("sales:lead-detail", args=[lead.pk])).content.decode()

    assert [url for url in _deal_actions(deal) if url not in deal_page] == []
    assert "Create quote" in deal_page
    assert [url for url in _quote_actions(quote) if url not in quote_page] == []
    assert [url for url in _lead_actions(lead) if url not in lead_page] == []


def test_a_role_that_changes_only_its_own_deals_gets_moves_and_quotes_only_on_them(login, make_user, team_north, owner):
    from accord.identity.models import Role

    own_only = Role.objects.create(
        code="own_editor", name="Own editor", visibility="team", edit_reach="own", sees_amounts=True
    )
    rep = make_user(own_only.code, [team_north], username="own-editor")
    mine = make_deal(rep)
    theirs = make_deal(owner)
    client = login(rep)

    board = client.get(reverse("sales:board")).content.decode()
    their_page = client.get(reverse("sales:deal-detail", args=[theirs.pk])).content.decode()
    my_page = client.get(reverse("sales:deal-detail", args=[mine.pk])).content.decode()

    assert f'action="/sales/deals/{mine.pk}/move/" data-move-form' in board
    assert f'action="/sales/deals/{theirs.pk}/move/" data-move-form' not in board
    assert f'class="deal-card deal-card-locked" id="deal-{theirs.pk}"' in board
    assert reverse("sales:quote-create", args=[theirs.pk]) not in their_page
    assert reverse("sales:quote-create", args=[mine.pk]) in my_page
    assert client.post(reverse("sales:quote-create", args=[theirs.pk])).status_code == 403
