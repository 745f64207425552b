"""The screens and the API accept and refuse the same things: the rules live in the services."""

from accord.sales.models import Deal, LostReason, Pipeline, Stage
from accord.sales.services import deals


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
