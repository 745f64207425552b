"""`null` for any field of a PATCH is answered with the record changed as asked or a clear refusal
naming the field: never a server error, never a half-written record."""

import pytest

from accord.activities.api import TaskPatch
from accord.sales.api import DealPatch, LeadPatch
from accord.sales.api.settings import LostReasonPatch, PipelinePatch, WebFormPatch
from accord.sales.models import WebForm


def _records(client):
    pipeline = client.post(
        "/pipelines",
        {"name": "P", "stages": [{"name": "Open"}, {"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}]},
    ).json()
    return {
        "leads": (client.post("/leads", {"last_name": "L", "email": "l@x.pl"}).json(), LeadPatch),
        "deals": (client.post("/deals", {"name": "D", "amount": "10"}).json(), DealPatch),
        "web-forms": (client.post("/web-forms", {"name": "W", "consent_text": "OK?"}).json(), WebFormPatch),
        "tasks": (client.post("/tasks", {"title": "T", "due_at": "2026-12-10T10:00:00Z"}).json(), TaskPatch),
        "pipelines": (pipeline, PipelinePatch),
        "lost-reasons": (client.post("/lost-reasons", {"name": "Chose a rival after a trial"}).json(), LostReasonPatch),
    }


def test_null_for_every_patchable_field_is_never_a_server_error(api, admin_user):
    client = api(admin_user)
    failures = []
    for resource, (record, schema) in _records(client).items():
        for field in schema.model_fields:
            if field == "version":
                continue
            response = client.patch(f"/{resource}/{record['id']}", {field: None})
            if response.status_code >= 500:
                failures.append((resource, field, response.status_code))
            elif response.status_code >= 400:
                # Refused: the answer names what is wrong (the field, or the one it leaves empty).
                assert response.json().get("errors"), (resource, field, response.json())
    assert failures == []


@pytest.mark.parametrize("field", ["consent_text", "success_message", "redirect_url", "allowed_origin"])
def test_null_clears_a_web_forms_optional_text(api, admin_user, field):
    client = api(admin_user)
    form = client.post(
        "/web-forms",
        {
            "name": "W",
            "consent_text": "I agree.",
            "success_message": "Thanks",
            "redirect_url": "https://example.com/thanks",
            "allowed_origin": "https://example.com",
        },
    ).json()

    response = client.patch(f"/web-forms/{form['id']}", {field: None})

    assert response.status_code == 200
    assert response.json()[field] == ""
    assert getattr(WebForm.objects.get(pk=form["id"]), field) == ""
