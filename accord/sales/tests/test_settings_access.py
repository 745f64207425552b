"""Who may open and change the sales settings: only administrators. Everyone else gets 403 and
changes nothing; anonymous visitors are sent to log in."""

import pytest

from accord.sales.models import AutomationRule, LostReason, Pipeline, ScoringRule, Stage, WebForm
from accord.sales.services import admin_settings


@pytest.fixture
def records(admin_user):
    pipeline = Pipeline.objects.get(is_default=True)
    return {
        "pipeline": pipeline,
        "stage": pipeline.stages.get(name="Proposal"),
        "reason": LostReason.objects.get(name="Price"),
        "rule": admin_settings.save_scoring_rule(actor=admin_user, rule=None, data={"field": "has_phone", "points": 5}),
        "form": admin_settings.save_web_form(
            actor=admin_user, form=None, data={"name": "F", "owner": admin_user, "fields": ["email"]}
        ),
        "auto": admin_settings.save_automation_rule(
            actor=admin_user,
            rule=None,
            data={"name": "A", "trigger": "idle", "idle_days": 3, "action": "notify_owner", "task_title": "T"},
        ),
    }


def pages(r):
    return [
        "/sales/settings/",
        "/sales/settings/pipelines/",
        f"/sales/settings/pipelines/{r['pipeline'].pk}/",
        f"/sales/settings/stages/{r['stage'].pk}/",
        "/sales/settings/lost-reasons/",
        f"/sales/settings/lost-reasons/{r['reason'].pk}/",
        "/sales/settings/scoring/",
        f"/sales/settings/scoring/{r['rule'].pk}/",
        "/sales/settings/web-forms/",
        f"/sales/settings/web-forms/{r['form'].pk}/",
        "/sales/settings/automation/",
        "/sales/settings/automation/new/",
        f"/sales/settings/automation/{r['auto'].pk}/",
    ]


def writes(r):
    stages = [str(s.pk) for s in r["pipeline"].stages.order_by("-position")]
    return [
        ("/sales/settings/pipelines/", {"name": "Hacked"}),
        (f"/sales/settings/pipelines/{r['pipeline'].pk}/", {"action": "rename", "name": "Hacked"}),
        (f"/sales/settings/pipelines/{r['pipeline'].pk}/", {"action": "add_stage", "name": "H", "probability": 1}),
        (f"/sales/settings/pipelines/{r['pipeline'].pk}/reorder/", {"order": stages}),
        (f"/sales/settings/stages/{r['stage'].pk}/", {"name": "Hacked", "probability": "1", "kind": "open"}),
        (f"/sales/settings/stages/{r['stage'].pk}/move/", {"direction": "up"}),
        (f"/sales/settings/stages/{r['stage'].pk}/delete/", {}),
        ("/sales/settings/lost-reasons/", {"name": "Hacked"}),
        (f"/sales/settings/lost-reasons/{r['reason'].pk}/delete/", {}),
        (f"/sales/settings/lost-reasons/{r['reason'].pk}/move/", {"direction": "down"}),
        ("/sales/settings/scoring/", {"field": "has_phone", "points": "1"}),
        ("/sales/settings/scoring/rescore/", {}),
        (f"/sales/settings/scoring/{r['rule'].pk}/delete/", {}),
        ("/sales/settings/web-forms/", {"name": "Hacked"}),
        (f"/sales/settings/web-forms/{r['form'].pk}/delete/", {}),
        (f"/sales/settings/automation/{r['auto'].pk}/delete/", {}),
    ]


def state():
    return (
        list(Pipeline.objects.values_list("name", "version")),
        list(Stage.objects.order_by("pipeline", "position").values_list("name", "position")),
        list(LostReason.objects.order_by("position").values_list("name", flat=True)),
        ScoringRule.objects.count(),
        WebForm.objects.count(),
        AutomationRule.objects.count(),
    )


@pytest.mark.parametrize("persona", ["manager", "owner", "viewer", "support"])
def test_only_admins_reach_the_settings(request, login, records, persona):
    client = login(request.getfixturevalue(persona))
    before = state()

    seen = [client.get(url).status_code for url in pages(records)]
    written = [client.post(url, data).status_code for url, data in writes(records)]

    assert seen == [403] * len(seen)
    assert written == [403] * len(written)
    assert state() == before


def test_admins_see_every_settings_page(login, admin_user, records):
    client = login(admin_user)

    assert [client.get(url).status_code for url in pages(records)] == [200] * len(pages(records))


def test_anonymous_visitors_are_sent_to_log_in(client, records):
    before = state()

    responses = [client.get(url) for url in pages(records)] + [client.post(u, d) for u, d in writes(records)]

    assert {r.status_code for r in responses} == {302}
    assert all("/login" in r["Location"] for r in responses)
    assert state() == before


def test_the_settings_link_shows_for_admins_only(login, admin_user, owner):
    assert "/sales/settings/" in login(admin_user).get("/sales/products/").content.decode()
    assert "/sales/settings/" not in login(owner).get("/sales/products/").content.decode()
