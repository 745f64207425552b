"""The reports API: the same figures, scope and rules as the pages (deals of ``conftest.deals``)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.analytics.models import Report

pytestmark = pytest.mark.django_db

BY_OWNER = {"entity": "deals", "rows": "owner", "columns": "stage", "measures": ["count", "sum:amount"]}


def test_an_unsaved_pivot_with_cells_and_totals(api: Any, admin_user: Any, owner: Any, deals: Any) -> None:
    response = api(admin_user).post("/analytics/pivot", BY_OWNER)

    body = response.json()
    assert response.status_code == 200
    cells = {(c["row"], c["column"]): c["values"] for c in body["cells"]}
    assert cells[(str(owner.pk), str(deals["first"].pk))] == {"count": 2, "sum:amount": "400.00"}
    assert cells[(None, None)] == {"count": 5, "sum:amount": "7200.00"}
    assert [r["label"] for r in body["rows"]] == ["Owner", "Outsider", "Teammate"]


def test_a_rep_gets_only_their_own_figures_and_records(api: Any, outsider: Any, owner: Any, deals: Any) -> None:
    client = api(outsider)

    figures = client.post("/analytics/pivot", BY_OWNER).json()
    theirs = client.post("/analytics/pivot/drill", {"definition": BY_OWNER, "row": str(owner.pk)}).json()
    everything = client.post("/analytics/pivot/drill", {"definition": BY_OWNER}).json()

    assert [r["label"] for r in figures["rows"]] == ["Outsider"]
    assert theirs["count"] == 0
    assert [r["title"] for r in everything["results"]] == ["d5"]


def test_amount_measures_are_refused_to_a_role_without_amounts(api: Any, support: Any, deals: Any) -> None:
    response = api(support).post("/analytics/pivot", BY_OWNER)

    assert response.status_code == 422
    assert "measures" in response.json()["errors"]


def test_bad_filters_are_named(api: Any, admin_user: Any) -> None:
    response = api(admin_user).post(
        "/analytics/pivot", {"entity": "deals", "filters": [{"field": "expected_close", "op": "after", "value": "x"}]}
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["expected_close"]


def test_saved_report_lifecycle(api: Any, owner: Any, teammate: Any, deals: Any) -> None:
    mine = api(owner)
    created = mine.post(
        "/analytics/reports", {"name": "Pipeline", "definition": BY_OWNER, "shared_with": ["sales_rep"]}
    )
    report_id = created.json()["id"]

    seen = api(teammate).get(f"/analytics/reports/{report_id}")
    refused = api(teammate).put(
        f"/analytics/reports/{report_id}", {"name": "Theirs", "definition": BY_OWNER, "version": 1}
    )
    result = api(teammate).get(f"/analytics/reports/{report_id}/result").json()
    drilled = api(teammate).get(f"/analytics/reports/{report_id}/drill", {"row": str(owner.pk)}).json()
    updated = mine.put(f"/analytics/reports/{report_id}", {"name": "Renamed", "definition": BY_OWNER, "version": 1})
    stale = mine.put(f"/analytics/reports/{report_id}", {"name": "Stale", "definition": BY_OWNER, "version": 1})
    deleted = mine.delete(f"/analytics/reports/{report_id}", headers={"If-Match": '"2"'})

    assert created.status_code == 201
    assert seen.status_code == 200
    assert seen.json()["may_change"] is False
    assert refused.status_code == 403
    assert [c["values"]["count"] for c in result["cells"] if c["row"] is None and c["column"] is None] == [4]
    assert drilled["count"] == 3
    assert updated.json()["version"] == 2
    assert stale.status_code == 409
    assert deleted.status_code == 204
    assert not Report.objects.exists()


def test_a_report_not_shared_is_404_to_others(api: Any, owner: Any, outsider: Any) -> None:
    report_id = api(owner).post("/analytics/reports", {"name": "Private", "definition": BY_OWNER}).json()["id"]

    assert api(outsider).get(f"/analytics/reports/{report_id}").status_code == 404
    assert api(outsider).get(f"/analytics/reports/{report_id}/result").status_code == 404
    assert api(outsider).get("/analytics/reports").json() == []
