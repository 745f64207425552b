"""Saved reports (who may see and change them, stale edits), the builder's pages and exports, and
the scheduled delivery through the messaging outbox. The deals are those of ``conftest.deals``."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accord.analytics.models import Report, ReportDelivery
from accord.analytics.services import reports as services
from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.identity.models import Role
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db

BY_OWNER = {"entity": "deals", "rows": "owner", "columns": "stage", "measures": ["count", "sum:amount"]}
QUERY = "entity=deals&rows=owner&columns=stage&measure=count&measure=sum:amount"


def test_a_report_is_saved_with_its_checked_definition(owner: Any, deals: Any) -> None:
    report = services.create_report(actor=owner, name="  By owner ", definition=BY_OWNER)

    assert report.name == "By owner"
    assert report.entity == "deals"
    assert report.definition["measures"] == ["count", "sum:amount"]
    assert report.definition["top"] == 10
    assert report.next_delivery_at is None


def test_a_bad_definition_saves_nothing(owner: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_report(actor=owner, name="", definition={**BY_OWNER, "rows": "colour"})

    assert set(caught.value.message_dict) == {"name", "rows"}
    assert not Report.objects.exists()


def test_only_the_owner_or_an_admin_changes_a_report(owner: Any, teammate: Any, admin_user: Any) -> None:
    report = services.create_report(actor=owner, name="Mine", definition=BY_OWNER)

    with pytest.raises(AccessDenied):
        services.update_report(actor=teammate, report=report, expected_version=1, name="Theirs", definition=BY_OWNER)
    with pytest.raises(AccessDenied):
        services.delete_report(actor=teammate, report=report)
    changed = services.update_report(
        actor=admin_user, report=report, expected_version=1, name="Renamed", definition=BY_OWNER
    )

    assert changed.name == "Renamed"
    assert changed.version == 2


def test_a_stale_edit_changes_nothing(owner: Any) -> None:
    report = services.create_report(actor=owner, name="Mine", definition=BY_OWNER)
    services.update_report(actor=owner, report=report, expected_version=1, name="First", definition=BY_OWNER)

    with pytest.raises(Conflict):
        services.update_report(actor=owner, report=report, expected_version=1, name="Second", definition=BY_OWNER)

    assert Report.objects.get().name == "First"


def test_a_shared_report_is_listed_for_the_role_and_hidden_from_others(
    login: Any, owner: Any, outsider: Any, support: Any
) -> None:
    report = services.create_report(
        actor=owner, name="Team pipeline", definition=BY_OWNER, shared_with=[Role.objects.get(code="sales_rep")]
    )

    seen_by_rep = login(outsider).get(reverse("analytics:report-list")).content.decode()
    by_support = login(support).get(reverse("analytics:report-detail", args=[report.pk]))

    assert "Team pipeline" in seen_by_rep
    assert by_support.status_code == 404


def test_a_shared_report_runs_with_the_viewers_own_scope(login: Any, owner: Any, outsider: Any, deals: Any) -> None:
    report = services.create_report(
        actor=owner, name="By owner", definition=BY_OWNER, shared_with=[Role.objects.get(code="sales_rep")]
    )

    page = login(outsider).get(reverse("analytics:report-detail", args=[report.pk])).content.decode()

    assert "5,000.00" in page  # the outsider's own deal
    assert '<th scope="row">Outsider</th>' in page
    assert '<th scope="row">Teammate</th>' not in page
    assert "Save as my report" in page  # not theirs to change


def test_a_role_without_amounts_is_told_instead_of_shown_amounts(login: Any, owner: Any, support: Any) -> None:
    report = services.create_report(
        actor=owner, name="Amounts", definition=BY_OWNER, shared_with=[Role.objects.get(code="support_agent")]
    )

    page = login(support).get(reverse("analytics:report-detail", args=[report.pk])).content.decode()

    assert "your role may not see amounts" in page
    assert 'id="pivot-table"' not in page


def test_the_builder_shows_the_pivot_with_drill_links(login: Any, admin_user: Any, owner: Any, deals: Any) -> None:
    page = login(admin_user).get(f"{reverse('analytics:report-builder')}?{QUERY}").content.decode()

    assert 'id="pivot-table"' in page
    assert 'id="pivot-chart"' in page
    assert "7,200.00" in page  # the grand total
    assert f"row={owner.pk}" in page
    assert reverse("analytics:report-drill") in page


def test_the_builder_names_each_bad_choice(login: Any, admin_user: Any) -> None:
    page = login(admin_user).get(
        f"{reverse('analytics:report-builder')}?entity=deals&rows=owner&f_field=created&f_op=after&f_value=soon"
    )

    assert page.status_code == 200
    assert "Created: Enter a date as YYYY-MM-DD." in page.content.decode()


def test_the_drill_page_lists_the_records_behind_a_cell(login: Any, admin_user: Any, owner: Any, deals: Any) -> None:
    url = f"{reverse('analytics:report-drill')}?{QUERY}&row={owner.pk}&col={deals['first'].pk}"

    page = login(admin_user).get(url).content.decode()

    assert reverse("sales:deal-detail", args=[deals["d1"].pk]) in page
    assert reverse("sales:deal-detail", args=[deals["d2"].pk]) in page
    assert reverse("sales:deal-detail", args=[deals["d3"].pk]) not in page


def test_a_rep_drills_into_nothing_out_of_sight(login: Any, outsider: Any, owner: Any, deals: Any) -> None:
    page = login(outsider).get(f"{reverse('analytics:report-drill')}?{QUERY}&row={owner.pk}").content.decode()

    assert "No records match." in page
    assert reverse("sales:deal-detail", args=[deals["d1"].pk]) not in page


def _export(client: Any, fmt: str) -> Any:
    return client.get(f"{reverse('analytics:report-export')}?{QUERY}&format={fmt}")


def test_exports_are_readable(login: Any, admin_user: Any, deals: Any) -> None:
    client = login(admin_user)

    as_csv = _export(client, "csv")
    as_xlsx = _export(client, "xlsx")
    as_pdf = _export(client, "pdf")

    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert rows[0][0] == "Owner"
    assert rows[-1][0] == "Total"
    assert rows[-1][-2:] == ["5", "7200.00"]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    assert sheet.cell(row=1, column=1).value == "Owner"
    assert sheet.cell(row=sheet.max_row, column=1).value == "Total"
    assert as_pdf.content.startswith(b"%PDF")
    assert as_pdf["Content-Type"] == "application/pdf"


def test_a_role_that_may_not_export_gets_no_file(login: Any, owner: Any, deals: Any) -> None:
    assert _export(login(owner), "csv").status_code == 403


def test_the_page_saves_and_reopens_a_report(login: Any, owner: Any, deals: Any) -> None:
    client = login(owner)

    response = client.post(
        reverse("analytics:report-builder"),
        {"name": "Pipeline by owner", "entity": "deals", "rows": "owner", "measure": ["count"], "frequency": ""},
    )
    report = Report.objects.get()
    page = client.get(reverse("analytics:report-detail", args=[report.pk])).content.decode()

    assert response.status_code == 302
    assert "Pipeline by owner" in page
    assert 'id="pivot-table"' in page


def test_the_page_reports_a_stale_save(login: Any, owner: Any) -> None:
    report = services.create_report(actor=owner, name="Mine", definition=BY_OWNER)
    services.update_report(actor=owner, report=report, expected_version=1, name="Newer", definition=BY_OWNER)

    response = login(owner).post(
        reverse("analytics:report-detail", args=[report.pk]),
        {"name": "Older", "version": "1", "entity": "deals", "rows": "owner", "measure": ["count"]},
    )

    assert response.status_code == 409
    assert Report.objects.get().name == "Newer"


def test_delivery_days_of_each_frequency() -> None:
    zone = timezone.get_default_timezone()
    wednesday = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=zone)

    assert services.next_delivery("daily", wednesday) == datetime.datetime(2026, 6, 11, 7, 0, tzinfo=zone)
    assert services.next_delivery("weekly", wednesday) == datetime.datetime(2026, 6, 15, 7, 0, tzinfo=zone)
    assert services.next_delivery("monthly", wednesday) == datetime.datetime(2026, 7, 1, 7, 0, tzinfo=zone)
    assert services.next_delivery("", wednesday) is None


def test_a_due_report_is_queued_once_in_the_outbox_with_its_file(owner: Any, manager: Any, deals: Any) -> None:
    report = services.create_report(
        actor=manager,
        name="Weekly pipeline",
        definition=BY_OWNER,
        frequency="weekly",
        delivery_format="xlsx",
        recipients=[owner, manager],
    )
    due = report.next_delivery_at
    assert due is not None

    assert services.deliver_due(now=due - datetime.timedelta(minutes=1)) == 0
    assert services.deliver_due(now=due) == 1
    assert services.deliver_due(now=due) == 0  # once per due time

    sent = Message.objects.filter(kind="report").order_by("to_address")
    assert [m.to_address for m in sent] == [manager.email, owner.email]
    attachment = sent[0].attachments.get()
    assert attachment.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(bytes(attachment.content))).active
    assert sheet is not None
    # As its owner, North's manager, sees it: the North team's deals (3 + 1), not the outsider's.
    assert sheet.cell(row=sheet.max_row, column=1).value == "Total"
    assert [c.value for c in sheet[sheet.max_row]][-2:] == [4, 2200]
    assert ReportDelivery.objects.get().recipients == 2
    report.refresh_from_db()
    assert report.next_delivery_at == due + datetime.timedelta(days=7)


def test_recipients_who_may_not_see_amounts_are_refused(manager: Any, support: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_report(
            actor=manager, name="Amounts", definition=BY_OWNER, frequency="daily", recipients=[support]
        )

    assert "recipients" in caught.value.message_dict


def test_the_builder_page_reads_a_fixed_number_of_times(
    login: Any, admin_user: Any, deals: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(admin_user)
    url = f"{reverse('analytics:report-builder')}?{QUERY}"
    client.get(url)  # sessions, roles and the like warmed up

    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_delivery_task_runs_every_quarter_hour_and_mails_what_is_due(manager: Any, deals: Any) -> None:
    from accord.analytics.tasks import deliver_reports
    from accord.core.scheduler import jobs

    report = services.create_report(
        actor=manager, name="Daily", definition=BY_OWNER, frequency="daily", delivery_format="pdf", recipients=[manager]
    )
    Report.objects.filter(pk=report.pk).update(next_delivery_at=timezone.now() - datetime.timedelta(minutes=1))

    assert deliver_reports.call() == {"delivered": 1}
    assert bytes(Message.objects.get(kind="report").attachments.get().content).startswith(b"%PDF")
    assert any(job.name == deliver_reports.module_path and job.cron == "*/15 * * * *" for job in jobs())


def test_a_role_that_may_not_export_may_not_have_reports_mailed(owner: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_report(actor=owner, name="Mine", definition=BY_OWNER, frequency="daily", recipients=[owner])

    assert "frequency" in caught.value.message_dict
    assert not Report.objects.exists()
