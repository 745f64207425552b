"""Importing from the screens: the services behind each step (upload, columns, preview, dry run,
import, summary) and the screens themselves, for contacts, companies and leads."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from accord.core import import_jobs, importers
from accord.core.models import AuditEntry, CustomFieldDefinition, ImportJob, ImportMapping, ImportState
from accord.people.models import Company, Contact
from accord.sales.models import Lead

pytestmark = pytest.mark.usefixtures("private_files")  # uploads go to a temporary private storage

POLISH_EXCEL = (
    "Imię;Nazwisko;E-mail;Telefon;Miasto\r\n"
    "Grzegorz;Gżegżółka;G.Gzegzolka@Example.PL;601 234 567;Łódź\r\n"
    "Świętosław;Źdźbło;zdzblo@example.pl;22 123 45 67;Kraków\r\n"
    "Anna;Mąka;anna@;12;Gdańsk\r\n"
)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], Any]], Any]:
    """Call ``action`` and run what it queued on commit (the worker's run, in these tests)."""

    def call(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return call


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def contacts_job(actor: Any, data: bytes = POLISH_EXCEL.encode("cp1250"), name: str = "kontakty.csv") -> ImportJob:
    importer = importers.get("contacts")
    assert importer is not None
    return import_jobs.upload(actor=actor, importer=importer, file=upload(name, data))


# --- upload ----------------------------------------------------------------------------------------------


def test_an_uploaded_file_is_kept_privately_under_a_random_name_and_read_in_its_encoding(owner, private_files):
    job = contacts_job(owner)

    assert (job.original_name, job.encoding, job.delimiter) == ("kontakty.csv", "cp1250", ";")
    assert job.headers == ["Imię", "Nazwisko", "E-mail", "Telefon", "Miasto"]
    assert job.mapping == {
        "Imię": "first_name",
        "Nazwisko": "last_name",
        "E-mail": "email",
        "Telefon": "phone",
        "Miasto": "",
    }
    stored = Path(job.file.path)
    assert stored.is_relative_to(private_files / "imports")
    assert "kontakty" not in stored.name
    assert stored.read_bytes() == POLISH_EXCEL.encode("cp1250")
    assert (job.user, job.state, job.importer) == (owner, ImportState.DRAFT, "contacts")


def test_a_file_over_the_limit_is_refused_with_its_size(owner, settings):
    settings.ACCORD_IMPORT_MAX_BYTES = 1024

    with pytest.raises(ValidationError) as caught:
        contacts_job(owner, b"last_name\n" + b"Nowak\n" * 400)

    assert caught.value.message_dict == {
        "file": ["The file is 2.4\xa0KB; files up to 1.0\xa0KB can be imported here. Split it into smaller files."]
    }
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0",
            "Import a CSV or XLSX file (in Excel: File, Save as, then CSV or Excel workbook).",
        ),
        ("empty.csv", b"\n\n", "The file is empty."),
        ("header.csv", b"last_name,email\n", "The file has a header but no rows below it."),
        ("broken.xlsx", b"PK\x03\x04not really", "The file is not a readable XLSX workbook."),
    ],
)
def test_files_that_cannot_be_imported_are_refused_clearly(owner, private_files, name, data, message):
    with pytest.raises(ValidationError) as caught:
        contacts_job(owner, data, name)

    assert caught.value.message_dict == {"file": [message]}
    assert not ImportJob.objects.exists()
    assert not any(p.is_file() for p in private_files.rglob("*"))


def test_only_users_who_may_create_records_import(viewer):
    with pytest.raises(PermissionDenied):
        contacts_job(viewer)


def test_the_encoding_and_separator_can_be_chosen_and_the_file_read_again(owner):
    job = contacts_job(owner, "Nazwisko;Miasto\nMąka;Łódź\n".encode("iso8859-2"))
    assert job.encoding == "iso8859-2"

    job = import_jobs.reread(actor=owner, job=job, encoding="cp1250", delimiter=",")

    assert (job.encoding, job.delimiter, job.headers) == ("cp1250", ",", ["Nazwisko;Miasto"])
    assert import_jobs.first_lines(job) == ["Nazwisko;Miasto", "M±ka;ŁódĽ"]  # as asked: ISO "ą", "ź" misread


# --- columns ----------------------------------------------------------------------------------------------


def test_a_mapping_is_remembered_for_files_with_the_same_headers(owner, teammate):
    first = contacts_job(owner)
    mapping = {**first.mapping, "Telefon": "", "Miasto": "notes"}
    import_jobs.set_mapping(actor=owner, job=first, mapping=mapping, partial=True)

    again = contacts_job(teammate, "NAZWISKO;miasto;Imię;e-mail;telefon\nNowak;Łódź;Jan;j@example.pl;\n".encode())

    assert again.mapping == {
        "NAZWISKO": "last_name",
        "miasto": "notes",
        "Imię": "first_name",
        "e-mail": "email",
        "telefon": "",
    }
    assert import_jobs.remembered_at(again) is not None
    assert ImportMapping.objects.get().updated_by == owner


def test_custom_fields_can_be_imported_into(owner):
    CustomFieldDefinition.objects.create(entity="people.contact", key="shoe", label="Shoe size", field_type="number")
    job = contacts_job(owner, b"last_name,Rozmiar buta\nNowak,44\n")

    assert ("cf.shoe", "Shoe size") in importers.get("contacts").fields()  # type: ignore[union-attr]
    job = import_jobs.set_mapping(
        actor=owner, job=job, mapping={"last_name": "last_name", "Rozmiar buta": "cf.shoe"}, partial=False
    )
    shown = import_jobs.preview(actor=owner, job=job)

    assert shown.fields == [("last_name", "Last name"), ("cf.shoe", "Shoe size")]
    assert shown.rows[0].values == ["Nowak", "44"]


def test_a_field_fed_by_two_columns_or_by_nothing_is_refused(owner):
    job = contacts_job(owner)

    with pytest.raises(ValidationError) as twice:
        import_jobs.set_mapping(
            actor=owner, job=job, mapping={"Imię": "last_name", "Nazwisko": "last_name"}, partial=False
        )
    with pytest.raises(ValidationError) as unknown:
        import_jobs.set_mapping(actor=owner, job=job, mapping={"Imię": "shoe_size"}, partial=False)
    with pytest.raises(ValidationError) as nothing:
        import_jobs.set_mapping(actor=owner, job=job, mapping={}, partial=False)

    assert twice.value.message_dict == {"Nazwisko": ["Imię already goes into this field."]}
    assert unknown.value.message_dict == {"Imię": ["shoe_size is not a field you can import into."]}
    assert nothing.value.message_dict == {"__all__": ["Choose a field for at least one column."]}


# --- preview ----------------------------------------------------------------------------------------------


def test_the_preview_shows_rows_as_they_will_be_stored_and_writes_nothing(owner, make_contact):
    make_contact(owner, first_name="Anna", last_name="Stara", emails=[{"email": "zdzblo@example.pl"}])
    job = contacts_job(owner)
    audit = AuditEntry.objects.count()

    shown = import_jobs.preview(actor=owner, job=job)

    assert shown.fields == [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "E-mail"),
        ("phone", "Phone"),
    ]
    assert [(r.line, r.outcome, r.values) for r in shown.rows] == [
        (2, "created", ["Grzegorz", "Gżegżółka", "g.gzegzolka@example.pl", "+48 601 234 567"]),
        (3, "updated", ["Świętosław", "Źdźbło", "zdzblo@example.pl", "+48 22 123 45 67"]),
        (4, "failed", ["Anna", "Mąka", "anna@", "12"]),
    ]
    assert [(e.line, e.field, e.message) for e in shown.rows[2].errors] == [
        (4, "emails.0.email", "anna@ is not an e-mail address."),
        (4, "phones.0.number", "12 is not a valid phone number."),
    ]
    assert shown.lines[1] == "Grzegorz;Gżegżółka;G.Gzegzolka@Example.PL;601 234 567;Łódź"
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Stara"]
    assert AuditEntry.objects.count() == audit


# --- dry run, import, summary -----------------------------------------------------------------------------


def test_a_dry_run_checks_every_row_and_writes_nothing(owner, run_on_commit):
    job = contacts_job(owner)

    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=True))

    job.refresh_from_db()
    assert (job.state, job.dry_run, job.written) == (ImportState.FINISHED, True, False)
    assert (job.total, job.read, job.created, job.updated, job.failed) == (3, 3, 2, 0, 1)
    assert job.errors == [
        [4, "emails.0.email", "anna@ is not an e-mail address."],
        [4, "phones.0.number", "12 is not a valid phone number."],
    ]
    assert not Contact.objects.exists()
    assert import_jobs.can_change(job)


def test_all_or_nothing_writes_nothing_then_the_good_rows_go_in_and_the_job_is_done(owner, run_on_commit):
    job = contacts_job(owner)

    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=False))
    job.refresh_from_db()
    nothing = (job.written, job.failed, Contact.objects.count())
    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=False, partial=True))
    job.refresh_from_db()

    assert nothing == (False, 1, 0)
    assert (job.written, job.partial, job.created, job.failed) == (True, True, 2, 1)
    assert sorted(Contact.objects.values_list("last_name", "primary_phone", "owner__username")) == [
        ("Gżegżółka", "+48601234567", "owner"),
        ("Źdźbło", "+48221234567", "owner"),
    ]
    with pytest.raises(ValidationError, match="This import has already run"):
        import_jobs.start(actor=owner, job=job, dry_run=False)


def test_importing_the_same_file_again_creates_no_duplicates(owner, run_on_commit):
    data = POLISH_EXCEL.encode("cp1250")
    first = contacts_job(owner, data)
    run_on_commit(lambda: import_jobs.start(actor=owner, job=first, dry_run=False, partial=True))

    second = contacts_job(owner, data)
    run_on_commit(lambda: import_jobs.start(actor=owner, job=second, dry_run=False, partial=True))
    second.refresh_from_db()

    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 0, 2, 1)
    assert Contact.objects.count() == 2


def test_the_rows_messages_are_in_the_importing_users_language(owner, run_on_commit):
    with translation.override("pl"):
        job = contacts_job(owner)
    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=True))

    job.refresh_from_db()
    assert job.language == "pl"
    assert job.errors[0] == [4, "emails.0.email", "anna@ nie jest adresem e-mail."]


def test_the_failed_rows_come_back_as_the_file_had_them_with_their_reasons(owner, run_on_commit):
    job = contacts_job(owner)
    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=True))
    job.refresh_from_db()
    importer = import_jobs.importer_of(job)

    rows = list(import_jobs.failed_rows(job, describe=lambda key: importer.column_of(job.mapping, key)))

    assert rows == [
        {
            "Imię": "Anna",
            "Nazwisko": "Mąka",
            "E-mail": "anna@",
            "Telefon": "12",
            "Miasto": "Gdańsk",
            "\x00line": "4",
            "\x00errors": "E-mail: anna@ is not an e-mail address.; Telefon: 12 is not a valid phone number.",
        }
    ]


def test_a_queued_run_cannot_be_started_or_remapped_again(owner, django_capture_on_commit_callbacks):
    job = contacts_job(owner, b"last_name\nNowak\n")
    with django_capture_on_commit_callbacks(execute=False):
        job = import_jobs.start(actor=owner, job=job, dry_run=False)

    with pytest.raises(ValidationError) as again:
        import_jobs.start(actor=owner, job=job, dry_run=True)
    with pytest.raises(ValidationError) as remap:
        import_jobs.set_mapping(actor=owner, job=job, mapping={"last_name": "first_name"}, partial=False)

    assert again.value.messages == remap.value.messages == ["This import is running; wait for its result."]


def test_a_run_is_taken_by_one_worker_only(owner, run_on_commit):
    job = contacts_job(owner, b"last_name\nNowak\n")
    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=False))

    again = import_jobs.run(job.pk)

    assert again is None
    assert Contact.objects.count() == 1


def test_a_file_gone_missing_stops_the_run_with_a_reason(owner, run_on_commit):
    job = contacts_job(owner, b"last_name\nNowak\n")
    Path(job.file.path).write_bytes(b"")

    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=False))

    job.refresh_from_db()
    assert (job.state, job.message) == (ImportState.CRASHED, "The file is empty.")
    assert import_jobs.can_change(job)


def test_lost_runs_are_queued_again(owner, django_capture_on_commit_callbacks):
    job = contacts_job(owner, b"last_name\nNowak\n")
    with django_capture_on_commit_callbacks(execute=False):  # the nudge is lost
        job = import_jobs.start(actor=owner, job=job, dry_run=False)
    ImportJob.objects.filter(pk=job.pk).update(queued_at=job.queued_at - import_jobs.LOST_RUN * 2)

    assert import_jobs.resume_lost_runs() == 1  # the immediate backend runs it at once
    job.refresh_from_db()
    assert (job.state, job.created) == (ImportState.FINISHED, 1)


def test_a_long_run_is_not_taken_for_a_dead_one_but_a_silent_one_is_run_again(owner, run_on_commit):
    job = contacts_job(owner, b"last_name\nNowak\n")
    long_ago = timezone.now() - import_jobs.STALE_RUN * 2
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, started_at=long_ago)
    import_jobs.publish_progress(job.pk, 500)  # its worker reported just now

    alive = (import_jobs.resume_lost_runs(), import_jobs.run(job.pk))
    caches["progress"].clear()  # the worker fell silent
    dead = import_jobs.resume_lost_runs()

    assert alive == (0, None)
    assert dead == 1
    job.refresh_from_db()
    assert (job.state, job.created) == (ImportState.FINISHED, 1)


def test_old_files_and_forgotten_drafts_are_deleted(owner, run_on_commit):
    finished = contacts_job(owner, b"last_name\nNowak\n")
    run_on_commit(lambda: import_jobs.start(actor=owner, job=finished, dry_run=False))
    draft = contacts_job(owner, b"last_name\nLis\n")
    recent = contacts_job(owner, b"last_name\nKos\n")
    month_ago = timezone.now() - datetime.timedelta(days=31)
    ImportJob.objects.filter(pk=finished.pk).update(finished_at=month_ago)
    ImportJob.objects.filter(pk=draft.pk).update(updated_at=month_ago)
    paths = {job.pk: Path(job.file.path) for job in (finished, draft, recent)}

    assert import_jobs.prune_files() == 2
    assert [paths[job.pk].exists() for job in (finished, draft, recent)] == [False, False, True]
    assert ImportJob.objects.get(pk=finished.pk).file.name == ""
    assert ImportJob.objects.get(pk=finished.pk).created == 1


def test_progress_is_read_from_the_worker_while_it_runs(owner):
    job = contacts_job(owner, b"last_name\nNowak\n")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, total=5000)
    job.refresh_from_db()

    import_jobs.publish_progress(job.pk, 1000)

    assert import_jobs.progress_of(job) == (1000, 5000)


def test_companies_and_leads_go_through_the_same_steps(owner, run_on_commit):
    for name, data in (
        ("companies", "Nazwa;NIP;Miasto\nStalprodukt;526-000-12-46;Łódź\n".encode("cp1250")),
        ("leads", "Imię;Nazwisko;Firma;E-mail\nŻaneta;Ćwik;Huta;zaneta@example.pl\n".encode("cp1250")),
    ):
        importer = importers.get(name)
        assert importer is not None
        job = import_jobs.upload(actor=owner, importer=importer, file=upload(f"{name}.csv", data))
        run_on_commit(lambda job=job: import_jobs.start(actor=owner, job=job, dry_run=False))
        job.refresh_from_db()
        assert (job.written, job.created, job.failed) == (True, 1, 0), name

    company = Company.objects.get()
    assert (company.name, company.nip, company.addresses.get().city, company.owner) == (
        "Stalprodukt",
        "5260001246",
        "Łódź",
        owner,
    )
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.company_name, lead.owner) == ("Żaneta", "Ćwik", "Huta", owner)


def test_an_xlsx_file_imports_and_its_failed_rows_come_back_as_a_workbook(login, owner, run_on_commit):
    book = Workbook()
    book.active.append(["Nazwisko", "E-mail"])
    book.active.append(["Nowak", "nowak@example.pl"])
    book.active.append(["Lis", "lis@"])
    buffer = io.BytesIO()
    book.save(buffer)
    importer = importers.get("contacts")
    assert importer is not None
    job = import_jobs.upload(actor=owner, importer=importer, file=upload("c.xlsx", buffer.getvalue()))
    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=False, partial=True))

    response = login(owner).get(f"/imports/{job.pk}/failed-rows/?format=xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Nazwisko", "E-mail", "Line", "Errors"],
        ["Lis", "lis@", "3", "E-mail: lis@ is not an e-mail address."],
    ]
    assert job.encoding == ""


# --- the screens ------------------------------------------------------------------------------------------


def test_the_screens_take_a_file_from_upload_to_summary(login, owner, run_on_commit):
    client = login(owner)

    form = client.get("/imports/contacts/new/")
    uploaded = client.post("/imports/contacts/new/", {"file": upload("kontakty.csv", POLISH_EXCEL.encode("cp1250"))})
    job = ImportJob.objects.get()
    columns = client.get(f"/imports/{job.pk}/columns/")
    mapped = client.post(
        f"/imports/{job.pk}/columns/",
        {"col_0": "first_name", "col_1": "last_name", "col_2": "email", "col_3": "phone", "col_4": "", "partial": "on"},
    )
    preview = client.get(f"/imports/{job.pk}/preview/")
    started = run_on_commit(lambda: client.post(f"/imports/{job.pk}/run/", {"dry_run": "0"}))
    summary = client.get(f"/imports/{job.pk}/")
    failed = client.get(f"/imports/{job.pk}/failed-rows/?format=csv_excel")

    assert form.status_code == 200
    assert uploaded.status_code == 302
    assert uploaded["Location"] == f"/imports/{job.pk}/columns/"
    page = columns.content.decode()
    assert "Grzegorz;Gżegżółka;G.Gzegzolka@Example.PL;601 234 567;Łódź" in page
    assert "Windows-1250 (Central European)" in page
    assert mapped["Location"] == f"/imports/{job.pk}/preview/"
    assert "+48 601 234 567" in preview.content.decode()
    assert "anna@ is not an e-mail address." in preview.content.decode()
    assert started["Location"] == f"/imports/{job.pk}/"
    text = summary.content.decode()
    assert "Import finished" in text
    assert "12 is not a valid phone number." in text
    body = b"".join(failed.streaming_content).decode()
    assert body.startswith("\ufeffImię;Nazwisko;E-mail;Telefon;Miasto;Line;Errors\r\n")
    assert list(csv.reader(io.StringIO(body[1:]), delimiter=";"))[1][:3] == ["Anna", "Mąka", "anna@"]
    assert Contact.objects.count() == 2


def test_the_columns_screen_refuses_a_field_chosen_twice_beside_the_column(login, owner):
    job = contacts_job(owner)

    response = login(owner).post(f"/imports/{job.pk}/columns/", {"col_0": "last_name", "col_1": "last_name"})

    assert response.status_code == 422
    assert response.context["form"].errors == {"col_1": ["Imię already goes into this field."]}


def test_the_upload_screen_shows_why_a_file_is_refused(login, owner, settings):
    settings.ACCORD_IMPORT_MAX_BYTES = 10

    response = login(owner).post("/imports/leads/new/", {"file": upload("leads.csv", b"last_name\nNowak\n")})

    assert response.status_code == 422
    assert response.context["form"].errors["file"][0].startswith("The file is 16\xa0bytes;")


def test_the_progress_bar_polls_while_the_run_runs_then_shows_the_summary(login, owner):
    job = contacts_job(owner, b"last_name\nNowak\n")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, total=4)
    import_jobs.publish_progress(job.pk, 3)
    client = login(owner)

    running = client.get(f"/imports/{job.pk}/progress/", headers={"HX-Request": "true"})
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.FINISHED, written=True)
    done = client.get(f"/imports/{job.pk}/progress/", headers={"HX-Request": "true"})

    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert '<progress max="4" value="3"' in running.content.decode()
    assert "3 of 4 rows (75%)" in running.content.decode()
    assert (done.status_code, done["HX-Redirect"]) == (204, f"/imports/{job.pk}/")


def test_someone_elses_import_is_not_found_and_read_only_users_are_refused(login, owner, teammate, viewer):
    job = contacts_job(owner)

    assert login(teammate).get(f"/imports/{job.pk}/columns/").status_code == 404
    assert login(viewer).get("/imports/contacts/new/").status_code == 403
    assert login(owner).get("/imports/tickets/new/").status_code == 404


def test_the_lists_offer_the_import(login, owner, viewer):
    assert 'href="/imports/contacts/new/"' in login(owner).get("/contacts/").content.decode()
    assert 'href="/imports/companies/new/"' in login(owner).get("/companies/").content.decode()
    assert 'href="/imports/leads/new/"' in login(owner).get("/sales/leads/").content.decode()
    assert "/imports/contacts/new/" not in login(viewer).get("/contacts/").content.decode()
