"""The sales settings screens: pipelines and stages, lost reasons, scoring, web forms, automation."""

import re
from html import unescape

import pytest
from django.test import Client

from accord.core.models import AuditEntry
from accord.sales.models import (
    AutomationRule,
    Deal,
    Lead,
    LostReason,
    Pipeline,
    ScoringRule,
    Stage,
    WebForm,
)
from accord.sales.services import admin_settings, deals, leads


def names(pipeline):
    return list(pipeline.stages.order_by("position").values_list("name", flat=True))


@pytest.fixture
def default():
    return Pipeline.objects.get(is_default=True)


# --- pipelines and stages ---------------------------------------------------------------------------


def test_creating_a_pipeline_gives_it_the_usual_stages(login, admin_user):
    response = login(admin_user).post("/sales/settings/pipelines/", {"name": "Renewals"})

    pipeline = Pipeline.objects.get(name="Renewals")
    assert response.status_code == 302
    assert response["Location"] == f"/sales/settings/pipelines/{pipeline.pk}/"
    assert names(pipeline)[-2:] == ["Won", "Lost"]
    assert pipeline.is_default is False


def test_pipeline_names_are_unique(login, admin_user):
    response = login(admin_user).post("/sales/settings/pipelines/", {"name": "new business"})

    assert response.status_code == 422
    assert "Another pipeline has this name." in response.content.decode()
    assert Pipeline.objects.count() == 1


def test_rename_set_default_and_archive(login, admin_user, default):
    client = login(admin_user)
    client.post("/sales/settings/pipelines/", {"name": "Renewals"})
    renewals = Pipeline.objects.get(name="Renewals")
    url = f"/sales/settings/pipelines/{renewals.pk}/"

    client.post(url, {"action": "rename", "name": "Renewals 2027", "version": renewals.version})
    client.post(url, {"action": "default"})
    refused = client.post(url, {"action": "archive"}, follow=True)
    client.post(f"/sales/settings/pipelines/{default.pk}/", {"action": "archive"})

    renewals.refresh_from_db()
    default.refresh_from_db()
    assert (renewals.name, renewals.is_default, renewals.active) == ("Renewals 2027", True, True)
    assert (default.is_default, default.active) == (False, False)
    assert "The default pipeline cannot be archived" in refused.content.decode()


def test_a_stale_rename_is_refused(login, admin_user, default):
    client = login(admin_user)
    client.post(f"/sales/settings/pipelines/{default.pk}/", {"action": "rename", "name": "A", "version": 1})

    stale = client.post(f"/sales/settings/pipelines/{default.pk}/", {"action": "rename", "name": "B", "version": 1})

    default.refresh_from_db()
    assert stale.status_code == 409
    assert default.name == "A"


def test_adding_a_stage_puts_an_open_one_before_won_and_lost(login, admin_user, default):
    response = login(admin_user).post(
        f"/sales/settings/pipelines/{default.pk}/",
        {"action": "add_stage", "name": "Contract", "probability": "90", "kind": "open"},
    )

    assert response.status_code == 302
    assert names(default) == [
        "Qualification",
        "Needs analysis",
        "Proposal",
        "Negotiation",
        "Contract",
        "Won",
        "Lost",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Proposal", "probability": "50", "kind": "open"}, "Two stages cannot have the same name."),
        ({"name": "X", "probability": "101", "kind": "open"}, "Ensure this value is less than or equal to 100."),
        ({"name": "X", "probability": "-1", "kind": "open"}, "Ensure this value is greater than or equal to 0."),
        ({"name": "Signed", "probability": "100", "kind": "won"}, "A pipeline has one won stage"),
        ({"name": "", "probability": "1", "kind": "open"}, "This field is required."),
    ],
)
def test_stage_rules(login, admin_user, default, data, message):
    response = login(admin_user).post(f"/sales/settings/pipelines/{default.pk}/", {"action": "add_stage", **data})

    assert response.status_code == 422
    assert message in unescape(response.content.decode())
    assert default.stages.count() == 6


def test_editing_a_stage(login, admin_user, default):
    proposal = default.stages.get(name="Proposal")
    client = login(admin_user)

    saved = client.post(
        f"/sales/settings/stages/{proposal.pk}/",
        {"name": "Offer", "probability": "55", "kind": "open", "version": proposal.version},
    )
    no_won = client.post(
        f"/sales/settings/stages/{default.stages.get(name='Won').pk}/",
        {"name": "Won", "probability": "100", "kind": "open"},
    )

    proposal.refresh_from_db()
    assert saved.status_code == 302
    assert (proposal.name, proposal.probability) == ("Offer", 55)
    assert no_won.status_code == 422
    assert "one won stage and one lost stage" in no_won.content.decode()
    assert AuditEntry.objects.filter(entity="sales.stage", object_id=proposal.pk, action="update").exists()


def test_reorder_by_drag_and_by_buttons(login, admin_user, default):
    client = login(admin_user)
    stages = list(default.stages.order_by("position"))
    order = [stages[1], stages[0], *stages[2:]]

    dragged = client.post(
        f"/sales/settings/pipelines/{default.pk}/reorder/",
        {"order": [str(s.pk) for s in order]},
        headers={"X-Requested-With": "fetch"},
    )
    after_drag = names(default)
    client.post(f"/sales/settings/stages/{stages[2].pk}/move/", {"direction": "up"})
    after_up = names(default)
    client.post(f"/sales/settings/stages/{stages[2].pk}/move/", {"direction": "down"})
    bad = client.post(
        f"/sales/settings/pipelines/{default.pk}/reorder/",
        {"order": [str(stages[0].pk)]},
        headers={"X-Requested-With": "fetch"},
    )

    assert dragged.status_code == 204
    assert after_drag[:3] == ["Needs analysis", "Qualification", "Proposal"]
    assert after_up[:3] == ["Needs analysis", "Proposal", "Qualification"]
    assert names(default)[:3] == ["Needs analysis", "Qualification", "Proposal"]
    assert bad.status_code == 422
    assert list(default.stages.order_by("position").values_list("position", flat=True)) == list(range(6))


def test_a_stage_with_deals_cannot_be_removed(login, admin_user, owner, default):
    deals.create_deal(actor=owner, data={"name": "D"})
    qualification = default.stages.get(name="Qualification")
    needs = default.stages.get(name="Needs analysis")
    client = login(admin_user)

    refused = client.post(f"/sales/settings/stages/{qualification.pk}/delete/", follow=True)
    removed = client.post(f"/sales/settings/stages/{needs.pk}/delete/")

    assert "rename it instead of removing it" in refused.content.decode()
    assert Stage.objects.filter(pk=qualification.pk).exists()
    assert removed.status_code == 302
    assert not Stage.objects.filter(pk=needs.pk).exists()
    assert Deal.objects.get().stage == qualification


# --- lost reasons -----------------------------------------------------------------------------------


def test_lost_reasons_add_edit_and_delete(login, admin_user):
    client = login(admin_user)

    added = client.post("/sales/settings/lost-reasons/", {"name": "Too slow", "active": "on"})
    duplicate = client.post("/sales/settings/lost-reasons/", {"name": "price", "active": "on"})
    reason = LostReason.objects.get(name="Too slow")
    client.post(f"/sales/settings/lost-reasons/{reason.pk}/", {"name": "Too slow to answer", "version": reason.version})
    reason.refresh_from_db()
    deleted = client.post(f"/sales/settings/lost-reasons/{reason.pk}/delete/")

    assert added.status_code == 302
    assert duplicate.status_code == 422
    assert "Another reason has this name." in duplicate.content.decode()
    assert (reason.name, reason.active) == ("Too slow to answer", False)
    assert deleted.status_code == 302
    assert not LostReason.objects.filter(pk=reason.pk).exists()


def test_lost_reasons_are_reordered_with_the_arrows(login, admin_user):
    timing = LostReason.objects.get(name="Timing")
    client = login(admin_user)

    client.post(f"/sales/settings/lost-reasons/{timing.pk}/move/", {"direction": "up"})
    client.post(f"/sales/settings/lost-reasons/{timing.pk}/move/", {"direction": "up"})

    assert list(LostReason.objects.order_by("position").values_list("name", flat=True)) == [
        "Price",
        "Went with a competitor",
        "Timing",
        "No budget",
        "No decision",
        "Other",
    ]
    assert list(LostReason.objects.order_by("position").values_list("position", flat=True)) == list(range(6))


def test_a_used_lost_reason_is_switched_off_not_deleted(login, admin_user, owner, default):
    deal = deals.create_deal(actor=owner, data={"name": "D"})
    price = LostReason.objects.get(name="Price")
    deals.move_deal(actor=owner, deal=deal, stage=default.stages.get(kind="lost"), lost_reason=price)

    response = login(admin_user).post(f"/sales/settings/lost-reasons/{price.pk}/delete/", follow=True)

    assert "switch it off instead" in response.content.decode()
    assert LostReason.objects.filter(pk=price.pk).exists()


# --- scoring ----------------------------------------------------------------------------------------


def test_scoring_rules_and_the_preview(login, admin_user):
    client = login(admin_user)

    client.post("/sales/settings/scoring/", {"field": "source", "value": "Referral", "points": "30", "active": "on"})
    client.post("/sales/settings/scoring/", {"field": "job_title", "value": "director", "points": "20", "active": "on"})
    client.post("/sales/settings/scoring/", {"field": "email_domain", "value": "free", "points": "-10", "active": "on"})
    no_value = client.post(
        "/sales/settings/scoring/", {"field": "job_title", "value": "", "points": "5", "active": "on"}
    )
    bad_source = client.post("/sales/settings/scoring/", {"field": "source", "value": "pigeon", "points": "5"})
    preview = client.get(
        "/sales/settings/scoring/",
        {"preview": "1", "source": "referral", "job_title": "Sales Director", "email": "ola@gmail.com"},
    )

    assert ScoringRule.objects.count() == 3
    assert ScoringRule.objects.get(field="source").value == "referral"
    assert no_value.status_code == 422
    assert "Say what the lead" in unescape(no_value.content.decode())
    assert bad_source.status_code == 422
    assert "This lead would score 40." in preview.content.decode()
    assert Lead.objects.count() == 0


def test_scoring_open_leads_again(login, admin_user, owner):
    lead = leads.create_lead(actor=owner, data={"email": "ola@firma.pl", "source": "referral"})
    admin_settings.save_scoring_rule(
        actor=admin_user, rule=None, data={"field": "source", "value": "referral", "points": 30}
    )

    refused = login(owner).post("/sales/settings/scoring/rescore/")
    lead.refresh_from_db()
    score_before = lead.score
    done = login(admin_user).post("/sales/settings/scoring/rescore/", follow=True)
    lead.refresh_from_db()

    assert refused.status_code == 403
    assert score_before == 0
    assert lead.score == 30
    assert "Leads were scored again: 1 changed." in done.content.decode()


def test_editing_and_deleting_a_scoring_rule(login, admin_user):
    rule = admin_settings.save_scoring_rule(actor=admin_user, rule=None, data={"field": "has_phone", "points": 5})
    client = login(admin_user)

    client.post(f"/sales/settings/scoring/{rule.pk}/", {"field": "has_phone", "points": "15", "version": rule.version})
    rule.refresh_from_db()
    client.post(f"/sales/settings/scoring/{rule.pk}/delete/")

    assert rule.points == 15
    assert rule.active is False
    assert not ScoringRule.objects.exists()


# --- web forms --------------------------------------------------------------------------------------


def webform_post(user, **over):
    data = {
        "name": "Request a demo",
        "shown_fields": ["first_name", "last_name", "email", "message"],
        "source": "website",
        "owner": str(user.pk),
        "consent_text": "I agree to be contacted.",
        "success_message": "Thanks!",
        "redirect_url": "",
        "allowed_origin": "www.example.com/contact",
        "hourly_limit": "10",
        "active": "on",
    }
    data.update(over)
    return data


def test_creating_a_web_form(login, admin_user, owner):
    response = login(admin_user).post("/sales/settings/web-forms/", webform_post(owner))

    form = WebForm.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sales/settings/web-forms/{form.pk}/"
    assert form.fields == ["first_name", "last_name", "email", "message"]
    assert form.allowed_origin == "https://www.example.com"
    assert form.owner == owner


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shown_fields": ["first_name", "company_name"]}, "Show the e-mail or the phone field"),
        ({"shown_fields": []}, "Show at least one field."),
        ({"allowed_origin": "ftp://x"}, "Enter a website address"),
        ({"redirect_url": "not a url"}, "Enter a valid URL."),
        ({"hourly_limit": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_web_form_rules(login, admin_user, change, message):
    response = login(admin_user).post("/sales/settings/web-forms/", webform_post(admin_user, **change))

    assert response.status_code == 422
    assert message in unescape(response.content.decode())
    assert not WebForm.objects.exists()


def _snippet(page: str) -> str:
    return unescape(re.search(r'<pre id="snippet-html"[^>]*>(.*?)</pre>', page, re.S).group(1))


def test_the_embed_snippet_posts_to_the_public_endpoint_and_creates_a_lead(login, admin_user, owner):
    login(admin_user).post("/sales/settings/web-forms/", webform_post(owner))
    form = WebForm.objects.get()
    page = login(admin_user).get(f"/sales/settings/web-forms/{form.pk}/").content.decode()
    snippet = _snippet(page)
    action = re.search(r'<form action="([^"]+)" method="post"', snippet).group(1)
    inputs = re.findall(r'name="([a-z_]+)"', snippet)

    visitor = Client(enforce_csrf_checks=True)
    values = {"first_name": "Ola", "last_name": "Lis", "email": "ola@firma.pl", "message": "Call me", "consent": "1"}
    response = visitor.post(action.replace("http://testserver", ""), {n: values.get(n, "") for n in inputs})

    assert action == f"http://testserver/sales/f/{form.key}/"
    assert inputs == ["first_name", "last_name", "email", "message", "website", "consent"]
    assert "I agree to be contacted." in snippet
    assert f'<iframe src="http://testserver/sales/f/{form.key}/"' in unescape(page)
    assert response.status_code == 200
    lead = Lead.objects.get()
    assert (lead.email, lead.owner, lead.web_form, lead.consent_text) == (
        "ola@firma.pl",
        owner,
        form,
        "I agree to be contacted.",
    )
    assert lead.consent_given_at is not None


def test_the_snippet_escapes_what_the_admin_typed(login, admin_user):
    login(admin_user).post("/sales/settings/web-forms/", webform_post(admin_user, consent_text='<script>x</script>"'))
    form = WebForm.objects.get()

    page = login(admin_user).get(f"/sales/settings/web-forms/{form.pk}/").content.decode()

    assert "<script>x</script>" not in page
    assert "<script>x</script>" not in _snippet(page).replace("&lt;script&gt;", "")


def test_editing_a_web_form(login, admin_user):
    login(admin_user).post("/sales/settings/web-forms/", webform_post(admin_user))
    form = WebForm.objects.get()

    response = login(admin_user).post(
        f"/sales/settings/web-forms/{form.pk}/",
        webform_post(admin_user, name="Demo", active="", shown_fields=["phone"], version=str(form.version)),
    )

    form.refresh_from_db()
    assert response.status_code == 302
    assert (form.name, form.active, form.fields) == ("Demo", False, ["phone"])


# --- automation -------------------------------------------------------------------------------------


def test_automation_rules_stage_entered_and_idle(login, admin_user, default):
    proposal = default.stages.get(name="Proposal")
    client = login(admin_user)

    staged = client.post(
        "/sales/settings/automation/new/",
        {
            "name": "Send the proposal",
            "trigger": "stage_entered",
            "stage": str(proposal.pk),
            "idle_days": "9",
            "action": "create_task",
            "task_title": "Send the proposal",
            "due_in_days": "2",
            "active": "on",
        },
    )
    idle = client.post(
        "/sales/settings/automation/new/",
        {
            "name": "Follow up",
            "trigger": "idle",
            "stage": str(proposal.pk),
            "idle_days": "14",
            "action": "notify_owner",
            "task_title": "Follow up",
            "due_in_days": "0",
            "active": "on",
        },
    )
    missing = client.post(
        "/sales/settings/automation/new/",
        {"name": "X", "trigger": "idle", "action": "notify_owner", "task_title": "X", "due_in_days": "1"},
    )
    listing = client.get("/sales/settings/automation/").content.decode()

    first = AutomationRule.objects.get(name="Send the proposal")
    second = AutomationRule.objects.get(name="Follow up")
    assert staged.status_code == 302
    assert idle.status_code == 302
    assert (first.pipeline, first.stage, first.idle_days, first.due_in_days) == (default, proposal, None, 2)
    assert (second.pipeline, second.stage, second.idle_days) == (None, None, 14)
    assert missing.status_code == 422
    assert "Say after how many days without interaction." in missing.content.decode()
    assert "A deal enters Proposal (New business)" in listing


def test_editing_and_deleting_an_automation_rule(login, admin_user, default):
    rule = admin_settings.save_automation_rule(
        actor=admin_user,
        rule=None,
        data={"name": "R", "trigger": "idle", "idle_days": 3, "action": "notify_owner", "task_title": "T"},
    )
    client = login(admin_user)

    client.post(
        f"/sales/settings/automation/{rule.pk}/",
        {
            "name": "R2",
            "trigger": "idle",
            "idle_days": "5",
            "action": "create_task",
            "task_title": "T2",
            "due_in_days": "1",
            "version": str(rule.version),
        },
    )
    rule.refresh_from_db()
    client.post(f"/sales/settings/automation/{rule.pk}/delete/")

    assert (rule.name, rule.idle_days, rule.action, rule.active) == ("R2", 5, "create_task", False)
    assert not AutomationRule.objects.exists()


def test_the_allowed_website_limits_where_the_form_is_sent_from_and_framed(admin_user, owner, client):
    form = admin_settings.save_web_form(
        actor=admin_user,
        form=None,
        data={"name": "F", "owner": owner, "fields": ["email"], "allowed_origin": "https://www.firma.pl"},
    )
    url = f"/sales/f/{form.key}/"

    elsewhere = client.post(url, {"email": "a@x.pl"}, headers={"Origin": "https://evil.example"})
    sandboxed = client.post(url, {"email": "b@x.pl"}, headers={"Origin": "null"})
    from_site = client.post(url, {"email": "c@x.pl"}, headers={"Origin": "https://www.firma.pl"})
    from_page = client.post(url, {"email": "d@x.pl"}, headers={"Referer": "https://www.firma.pl/kontakt"})
    hosted = client.post(url, {"email": "e@x.pl"}, headers={"Origin": "http://testserver"})
    shown = client.get(url)

    assert (elsewhere.status_code, sandboxed.status_code) == (403, 403)
    assert (from_site.status_code, from_page.status_code, hosted.status_code) == (200, 200, 200)
    assert sorted(Lead.objects.values_list("email", flat=True)) == ["c@x.pl", "d@x.pl", "e@x.pl"]
    policy = shown["Content-Security-Policy"].split("; ")
    assert "frame-ancestors 'self' https://www.firma.pl" in policy
    assert "script-src 'self'" in policy


def test_a_form_without_an_allowed_website_takes_posts_from_anywhere(admin_user, client):
    form = admin_settings.save_web_form(actor=admin_user, form=None, data={"name": "F", "fields": ["email"]})

    response = client.post(f"/sales/f/{form.key}/", {"email": "a@x.pl"}, headers={"Origin": "https://any.example"})

    assert response.status_code == 200
    assert Lead.objects.count() == 1
    # Any website may show it in a frame, under Accord's policy otherwise.
    policy = client.get(f"/sales/f/{form.key}/")["Content-Security-Policy"].split("; ")
    assert not [d for d in policy if d.startswith(("frame-ancestors", "form-action"))]
    assert "script-src 'self'" in policy


def test_the_hosted_form_shows_only_the_chosen_fields(admin_user, client):
    form = admin_settings.save_web_form(
        actor=admin_user, form=None, data={"name": "F", "fields": ["email", "job_title", "message"]}
    )

    page = client.get(f"/sales/f/{form.key}/").content.decode()

    assert 'name="email"' in page
    assert 'name="job_title"' in page
    assert 'name="message"' in page
    assert 'name="first_name"' not in page
    assert 'name="company_name"' not in page


def test_an_empty_submission_is_explained_even_when_the_name_is_not_asked(admin_user, client):
    form = admin_settings.save_web_form(actor=admin_user, form=None, data={"name": "F", "fields": ["email"]})

    response = client.post(f"/sales/f/{form.key}/", {"email": ""})

    assert response.status_code == 422
    assert "Give at least a name, a company, an e-mail or a phone number." in response.content.decode()
    assert not Lead.objects.exists()
