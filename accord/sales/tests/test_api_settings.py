"""The sales settings API: pipelines and stages, lost reasons, scoring rules, web forms, automation
rules and price lists; per-field errors, versions, idempotency keys and who may do what."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.core.models import AuditEntry, Tag
from accord.sales.models import (
    AutomationRule,
    Lead,
    LostReason,
    Pipeline,
    PriceList,
    PriceListItem,
    ScoringRule,
    Stage,
    WebForm,
)
from accord.sales.services import admin_settings, products


def _put(client, path, data):
    return client.client.put(
        f"/api/v1{path}", data=json.dumps(data), content_type="application/json", headers=client.headers
    )


@pytest.fixture
def default():
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def widget(admin_user):
    return products.create_product(
        actor=admin_user,
        data={"sku": "W-1", "name": "Widget", "vat_rate": "23", "prices": [{"currency": "PLN", "price": "100"}]},
    )


@pytest.fixture
def reseller():
    return Tag.objects.create(name="Reseller")


# --- pipelines and stages ---------------------------------------------------------------------------


def test_pipeline_with_stages_round_trip(api, admin_user):
    client = api(admin_user)

    created = client.post("/pipelines", {"name": "Renewals"}, headers={"Idempotency-Key": "p-1"})
    again = client.post("/pipelines", {"name": "Renewals"}, headers={"Idempotency-Key": "p-1"})
    pipeline_id = created.json()["id"]
    stage = client.post(f"/pipelines/{pipeline_id}/stages", {"name": "Contract", "probability": 90})
    current = client.get(f"/pipelines/{pipeline_id}").json()["version"]
    renamed = client.patch(
        f"/pipelines/{pipeline_id}", {"name": "Renewals 2027", "is_default": True, "version": current}
    )

    assert created.status_code == 201
    assert again.json() == created.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Pipeline.objects.count() == 2  # the default one and one Renewals, not two
    assert stage.status_code == 201
    assert (stage.json()["name"], stage.json()["position"]) == ("Contract", 4)
    assert current == 2  # adding a stage changed the pipeline
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["is_default"]) == ("Renewals 2027", True)
    assert renamed["ETag"] == f'"{renamed.json()["version"]}"'
    assert Pipeline.objects.filter(is_default=True).count() == 1


def test_stage_errors_are_per_field(api, admin_user, default):
    response = api(admin_user).post(
        f"/pipelines/{default.pk}/stages", {"name": "proposal", "probability": 120, "kind": "maybe"}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name", "probability", "kind"}
    assert default.stages.count() == 6


def test_stage_update_reorder_and_delete(api, admin_user, default):
    client = api(admin_user)
    stages = list(default.stages.order_by("position"))
    proposal = default.stages.get(name="Proposal")

    updated = client.patch(f"/pipelines/{default.pk}/stages/{proposal.pk}", {"probability": 55, "version": 1})
    stale = client.patch(
        f"/pipelines/{default.pk}/stages/{proposal.pk}", {"name": "Offer"}, headers={"If-Match": '"1"'}
    )
    order = [str(s.pk) for s in [stages[2], stages[0], stages[1], *stages[3:]]]
    reordered = client.post(f"/pipelines/{default.pk}/stages/order", {"order": order})
    partial = client.post(f"/pipelines/{default.pk}/stages/order", {"order": order[:2]})
    wrong_pipeline = client.delete(f"/pipelines/{Pipeline.objects.create(name='Other').pk}/stages/{stages[1].pk}")
    deleted = client.delete(f"/pipelines/{default.pk}/stages/{stages[1].pk}")

    assert updated.status_code == 200
    assert updated.json()["probability"] == 55
    assert stale.status_code == 409
    assert Stage.objects.get(pk=proposal.pk).name == "Proposal"
    assert [s["name"] for s in reordered.json()["stages"]][:3] == ["Proposal", "Qualification", "Needs analysis"]
    assert partial.status_code == 422
    assert "order" in partial.json()["errors"]
    assert wrong_pipeline.status_code == 404
    assert deleted.status_code == 204
    assert default.stages.count() == 5


def test_the_default_pipeline_cannot_be_archived(api, admin_user, default):
    response = api(admin_user).patch(f"/pipelines/{default.pk}", {"active": False})

    assert response.status_code == 422
    assert "active" in response.json()["errors"]
    default.refresh_from_db()
    assert default.active is True


# --- lost reasons -----------------------------------------------------------------------------------


def test_lost_reasons(api, admin_user, owner):
    client = api(admin_user)

    created = client.post("/lost-reasons", {"name": "Too slow"})
    duplicate = client.post("/lost-reasons", {"name": "PRICE"})
    reason_id = created.json()["id"]
    off = client.patch(f"/lost-reasons/{reason_id}", {"active": False, "version": 1})
    listed = api(owner).get("/lost-reasons", {"active": "true"}).json()
    deleted = client.delete(f"/lost-reasons/{reason_id}", headers={"If-Match": '"2"'})

    assert created.status_code == 201
    assert created.json()["position"] == 6
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == {"name": ["Another reason has this name."]}
    assert off.json()["active"] is False
    assert "Too slow" not in [r["name"] for r in listed]
    assert deleted.status_code == 204
    assert not LostReason.objects.filter(pk=reason_id).exists()


# --- scoring ----------------------------------------------------------------------------------------


def test_scoring_rules_and_preview(api, admin_user):
    client = api(admin_user)

    referral = client.post("/scoring-rules", {"field": "source", "value": "referral", "points": 30})
    client.post("/scoring-rules", {"field": "has_phone", "points": 10})
    bad = client.post("/scoring-rules", {"field": "shoe_size", "value": "", "points": 5000})
    preview = client.post("/scoring-rules/preview", {"source": "referral", "email": "a@b.pl"})

    assert referral.status_code == 201
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) >= {"field"}
    assert preview.json() == {"score": 30, "rule_ids": [referral.json()["id"]]}
    assert ScoringRule.objects.count() == 2
    assert not Lead.objects.exists()


# --- web forms --------------------------------------------------------------------------------------


def test_web_form_round_trip_and_its_public_url_creates_leads(api, admin_user, owner, client):
    created = api(admin_user).post(
        "/web-forms",
        {"name": "Demo", "fields": ["email", "first_name"], "owner_id": str(owner.pk), "allowed_origin": "example.com"},
    )
    body = created.json()

    posted = client.post(body["url"], {"email": "visitor@firma.pl", "first_name": "Ola"})

    assert created.status_code == 201
    assert body["fields"] == ["first_name", "email"]
    assert body["allowed_origin"] == "https://example.com"
    assert body["owner"]["id"] == str(owner.pk)
    assert posted.status_code == 200
    assert Lead.objects.get().owner == owner


def test_web_form_errors(api, admin_user):
    response = api(admin_user).post(
        "/web-forms", {"name": "", "fields": ["salary"], "owner_id": str(admin_user.pk), "redirect_url": "nope"}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name", "fields", "redirect_url"}
    assert not WebForm.objects.exists()


# --- automation -------------------------------------------------------------------------------------


def test_automation_rules(api, admin_user, default):
    client = api(admin_user)
    proposal = default.stages.get(name="Proposal")

    created = client.post(
        "/automation-rules",
        {
            "name": "Send it",
            "trigger": "stage_entered",
            "stage_id": str(proposal.pk),
            "action": "create_task",
            "task_title": "Send the proposal",
            "due_in_days": 2,
        },
    )
    other = Pipeline.objects.create(name="Other")
    mismatch = client.post(
        "/automation-rules",
        {
            "name": "X",
            "trigger": "stage_entered",
            "pipeline_id": str(other.pk),
            "stage_id": str(proposal.pk),
            "action": "create_task",
            "task_title": "X",
        },
    )
    no_days = client.patch(f"/automation-rules/{created.json()['id']}", {"trigger": "idle"})

    assert created.status_code == 201
    assert created.json()["pipeline_id"] == str(default.pk)
    assert mismatch.status_code == 422
    assert mismatch.json()["errors"] == {"stage_id": ["That stage belongs to another pipeline."]}
    assert no_days.status_code == 422
    assert "idle_days" in no_days.json()["errors"]
    assert AutomationRule.objects.get().trigger == "stage_entered"


# --- price lists ------------------------------------------------------------------------------------


def test_price_list_with_items(api, manager, owner, widget, reseller):
    client = api(manager)

    created = client.post(
        "/price-lists",
        {"name": "Resellers", "currency": "pln", "tag_id": str(reseller.pk), "valid_from": "2026-01-01"},
        headers={"Idempotency-Key": "pl-1"},
    )
    list_id = created.json()["id"]
    item = _put(client, f"/price-lists/{list_id}/items/{widget.pk}", {"price": "80.5"})
    negative = _put(client, f"/price-lists/{list_id}/items/{widget.pk}", {"price": "-1"})
    seen_by_rep = api(owner).get(f"/price-lists/{list_id}").json()
    removed = client.delete(f"/price-lists/{list_id}/items/{widget.pk}")
    removed_again = client.delete(f"/price-lists/{list_id}/items/{widget.pk}")

    assert created.status_code == 201
    assert created.json()["currency"] == "PLN"
    assert item.status_code == 200
    assert item.json() == {"product_id": str(widget.pk), "sku": "W-1", "price": "80.50"}
    assert negative.status_code == 422
    assert seen_by_rep["items"] == [{"product_id": str(widget.pk), "sku": "W-1", "price": "80.50"}]
    assert removed.status_code == 204
    assert removed_again.status_code == 404
    assert AuditEntry.objects.filter(entity="sales.pricelist", object_id=list_id).count() == 3


def test_price_list_validity_and_version(api, admin_user, reseller):
    client = api(admin_user)
    backwards = client.post(
        "/price-lists",
        {
            "name": "X",
            "currency": "PLN",
            "tag_id": str(reseller.pk),
            "valid_from": "2026-02-01",
            "valid_until": "2026-01-01",
        },
    )
    created = client.post("/price-lists", {"name": "X", "currency": "PLN", "tag_id": str(reseller.pk)}).json()
    client.patch(f"/price-lists/{created['id']}", {"priority": 3})

    stale = client.patch(f"/price-lists/{created['id']}", {"priority": 9, "version": created["version"]})

    assert backwards.status_code == 422
    assert "valid_until" in backwards.json()["errors"]
    assert stale.status_code == 409
    assert PriceList.objects.get().priority == 3


# --- access -----------------------------------------------------------------------------------------


@pytest.fixture
def everything(admin_user, default, widget, reseller):
    price_list = products.save_price_list(
        actor=admin_user, price_list=None, data={"name": "R", "currency": "PLN", "tag": reseller}
    )
    products.set_price_list_item(actor=admin_user, price_list=price_list, product=widget, price="90")
    return {
        "pipeline": default,
        "stage": default.stages.get(name="Proposal"),
        "reason": LostReason.objects.get(name="Price"),
        "rule": admin_settings.save_scoring_rule(actor=admin_user, rule=None, data={"field": "has_phone", "points": 5}),
        "form": admin_settings.save_web_form(actor=admin_user, form=None, data={"name": "F", "fields": ["email"]}),
        "auto": admin_settings.save_automation_rule(
            actor=admin_user,
            rule=None,
            data={"name": "A", "trigger": "idle", "idle_days": 3, "action": "notify_owner", "task_title": "T"},
        ),
        "list": price_list,
        "widget": widget,
        "tag": reseller,
    }


def _writes(e):
    p, s = e["pipeline"].pk, e["stage"].pk
    return [
        ("post", "/pipelines", {"name": "Hacked"}),
        ("patch", f"/pipelines/{p}", {"name": "Hacked"}),
        ("post", f"/pipelines/{p}/stages", {"name": "Hacked"}),
        ("patch", f"/pipelines/{p}/stages/{s}", {"name": "Hacked"}),
        ("post", f"/pipelines/{p}/stages/order", {"order": [str(x.pk) for x in e["pipeline"].stages.all()][::-1]}),
        ("delete", f"/pipelines/{p}/stages/{s}", None),
        ("post", "/lost-reasons", {"name": "Hacked"}),
        ("patch", f"/lost-reasons/{e['reason'].pk}", {"name": "Hacked"}),
        ("delete", f"/lost-reasons/{e['reason'].pk}", None),
        ("post", "/scoring-rules", {"field": "has_phone", "points": 1}),
        ("patch", f"/scoring-rules/{e['rule'].pk}", {"points": 99}),
        ("delete", f"/scoring-rules/{e['rule'].pk}", None),
        ("post", "/web-forms", {"name": "Hacked"}),
        ("patch", f"/web-forms/{e['form'].pk}", {"name": "Hacked"}),
        ("delete", f"/web-forms/{e['form'].pk}", None),
        (
            "post",
            "/automation-rules",
            {"name": "H", "trigger": "idle", "idle_days": 1, "action": "notify_owner", "task_title": "H"},
        ),
        ("patch", f"/automation-rules/{e['auto'].pk}", {"name": "Hacked"}),
        ("delete", f"/automation-rules/{e['auto'].pk}", None),
        ("post", "/price-lists", {"name": "H", "currency": "PLN", "tag_id": str(e["tag"].pk)}),
        ("patch", f"/price-lists/{e['list'].pk}", {"name": "Hacked"}),
        ("put", f"/price-lists/{e['list'].pk}/items/{e['widget'].pk}", {"price": "1"}),
        ("delete", f"/price-lists/{e['list'].pk}/items/{e['widget'].pk}", None),
        ("delete", f"/price-lists/{e['list'].pk}", None),
    ]


def _admin_reads(e):
    return [
        "/scoring-rules",
        f"/scoring-rules/{e['rule'].pk}",
        "/web-forms",
        f"/web-forms/{e['form'].pk}",
        "/automation-rules",
        f"/automation-rules/{e['auto'].pk}",
    ]


def _shared_reads(e):
    return [
        f"/pipelines/{e['pipeline'].pk}",
        "/lost-reasons",
        f"/lost-reasons/{e['reason'].pk}",
        "/price-lists",
        f"/price-lists/{e['list'].pk}",
    ]


def _state():
    return (
        list(Pipeline.objects.order_by("name").values_list("name", "version")),
        list(Stage.objects.order_by("pipeline", "position").values_list("name", "probability")),
        list(LostReason.objects.order_by("name").values_list("name", "active")),
        list(ScoringRule.objects.values_list("points", flat=True)),
        list(WebForm.objects.values_list("name", flat=True)),
        list(AutomationRule.objects.values_list("name", flat=True)),
        list(PriceList.objects.values_list("name", "version")),
        list(PriceListItem.objects.values_list("price", flat=True)),
    )


def _call(client, method, path, data):
    if method == "put":
        return _put(client, path, data)
    return getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)


@pytest.mark.parametrize("persona", ["owner", "viewer", "support"])
def test_non_admins_read_shared_settings_and_change_nothing(api, request, persona, everything):
    client = api(request.getfixturevalue(persona))
    before = _state()

    shared = [client.get(path).status_code for path in _shared_reads(everything)]
    admin_only = [client.get(path).status_code for path in _admin_reads(everything)]
    writes = [_call(client, m, p, d).status_code for m, p, d in _writes(everything)]
    preview = client.post("/scoring-rules/preview", {"source": "referral"})

    assert shared == [200] * len(shared)
    assert admin_only == [403] * len(admin_only)
    assert writes == [403] * len(writes)
    assert preview.status_code == 403
    assert _state() == before


def test_managers_keep_price_lists_but_not_the_other_settings(api, manager, everything):
    client = api(manager)

    item = _put(client, f"/price-lists/{everything['list'].pk}/items/{everything['widget'].pk}", {"price": "70"})
    reason = client.post("/lost-reasons", {"name": "Manager's"})
    stage = client.post(f"/pipelines/{everything['pipeline'].pk}/stages", {"name": "Manager's"})

    assert item.status_code == 200
    assert (reason.status_code, stage.status_code) == (403, 403)


def test_anonymous_calls_are_refused(api, everything):
    client = api(None)
    before = _state()

    reads = [client.get(p).status_code for p in _shared_reads(everything) + _admin_reads(everything)]
    writes = [_call(client, m, p, d).status_code for m, p, d in _writes(everything)]

    assert set(reads) == {401}
    assert set(writes) == {401}
    assert _state() == before


def test_unknown_ids_are_404(api, admin_user):
    missing = "01900000-0000-7000-8000-000000000000"
    client = api(admin_user)

    paths = [
        f"/pipelines/{missing}",
        f"/lost-reasons/{missing}",
        f"/scoring-rules/{missing}",
        f"/web-forms/{missing}",
        f"/automation-rules/{missing}",
        f"/price-lists/{missing}",
    ]

    assert [client.get(p).status_code for p in paths] == [404] * len(paths)


def test_an_idempotency_key_reused_for_another_request_is_refused(api, admin_user):
    client = api(admin_user)

    first = client.post("/lost-reasons", {"name": "Too slow"}, headers={"Idempotency-Key": "k-1"})
    other = client.post("/lost-reasons", {"name": "Too late"}, headers={"Idempotency-Key": "k-1"})

    assert first.status_code == 201
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["errors"]
    assert not LostReason.objects.filter(name="Too late").exists()


def test_listing_price_lists_costs_the_same_queries_for_more_lists(api, admin_user, widget, reseller):
    client = api(admin_user)

    def add_list(name):
        price_list = products.save_price_list(
            actor=admin_user, price_list=None, data={"name": name, "currency": "PLN", "tag": reseller}
        )
        products.set_price_list_item(actor=admin_user, price_list=price_list, product=widget, price="90")

    add_list("A")
    client.get("/price-lists")
    with CaptureQueriesContext(connection) as one:
        client.get("/price-lists")
    add_list("B")
    add_list("C")
    with CaptureQueriesContext(connection) as three:
        listed = client.get("/price-lists").json()

    assert [p["name"] for p in listed] == ["A", "B", "C"]
    assert len(three) == len(one)
