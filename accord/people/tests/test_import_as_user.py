"""Importing as a user (the import screens, ``accord import --as``): their records, their rules."""

from __future__ import annotations

from pathlib import Path

from accord.core.models import AuditEntry
from accord.identity.models import Role
from accord.people.models import Company, Contact, ContactCompany
from accord.sales.models import Lead
from accord.testing import run_command as accord


def write(tmp_path: Path, text: str, name: str = "rows.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_imported_records_belong_to_the_importing_user(owner, tmp_path):
    path = write(tmp_path, "first_name,last_name,email\nAnna,Nowak,anna@example.com\nJan,Lis,jan@example.com\n")

    run = accord("import", "contacts", str(path), "--as", "owner")

    assert run.status == 0, run.err
    assert set(Contact.objects.values_list("owner__username", "team__name")) == {("owner", "North")}
    assert set(AuditEntry.objects.filter(entity="people.contact").values_list("actor__username", flat=True)) == {
        "owner"
    }


def test_a_file_may_name_only_owners_the_user_may_assign_to(owner, teammate, outsider, manager, tmp_path):
    path = write(tmp_path, "last_name,owner\nNowak,owner\nLis,teammate\nKos,outsider\n")

    rep = accord("import", "contacts", str(path), "--as", "owner", "--partial")
    Contact.objects.all().delete()
    boss = accord("import", "contacts", str(path), "--as", "manager", "--partial")

    assert rep.err.splitlines() == [
        "line 3: owner: No such user, or you may not give records to them.",
        "line 4: owner: No such user, or you may not give records to them.",
    ]
    assert boss.err.splitlines() == ["line 4: owner: No such user, or you may not give records to them."]
    assert dict(Contact.objects.values_list("last_name", "owner__username")) == {"Nowak": "owner", "Lis": "teammate"}


def test_rows_match_only_the_records_the_user_can_see(owner, teammate, outsider, make_contact, tmp_path):
    theirs = make_contact(outsider, last_name="Hidden", emails=[{"email": "shared@example.com"}])
    team = make_contact(teammate, last_name="Team", emails=[{"email": "team@example.com"}])
    path = write(tmp_path, "last_name,email,job_title\nNew,shared@example.com,\nTeam,team@example.com,\n")

    run = accord("import", "contacts", str(path), "--as", "owner")

    assert run.status == 0, run.err
    assert run.out.splitlines()[1:4] == ["Created: 1", "Updated: 0", "Unchanged: 1"]
    theirs.refresh_from_db()
    assert theirs.last_name == "Hidden"
    assert Contact.objects.filter(last_name="New", owner=owner).exists()
    assert Contact.objects.get(pk=team.pk).owner == teammate


def test_a_visible_record_the_user_may_not_change_fails_its_row(owner, teammate, make_contact, tmp_path):
    Role.objects.filter(code=Role.SALES_REP).update(edit_reach="own")
    make_contact(teammate, last_name="Team", emails=[{"email": "team@example.com"}])
    path = write(tmp_path, "last_name,email\nRenamed,team@example.com\n")

    run = accord("import", "contacts", str(path), "--as", "owner")

    assert run.status == 1
    assert run.err.splitlines()[0] == "line 2: You may not change the record this row matches."
    assert Contact.objects.get().last_name == "Team"


def test_a_read_only_user_may_not_import(viewer, tmp_path):
    path = write(tmp_path, "last_name\nNowak\n")

    run = accord("import", "contacts", str(path), "--as", "viewer")

    assert run.status == 1
    assert run.err.strip() == "viewer may not create records."
    assert not Contact.objects.exists()


def test_a_contacts_company_is_one_the_user_can_see(owner, teammate, outsider, make_company, tmp_path):
    hidden = make_company(outsider, name="Acme")
    team = make_company(teammate, name="Beta")
    path = write(tmp_path, "last_name,company\nNowak,Acme\nLis,Beta\n")

    run = accord("import", "contacts", str(path), "--as", "owner")

    assert run.status == 0, run.err
    nowak = ContactCompany.objects.get(contact__last_name="Nowak").company
    assert nowak != hidden
    assert (nowak.name, nowak.owner) == ("Acme", owner)
    assert ContactCompany.objects.get(contact__last_name="Lis").company == team
    assert Company.objects.filter(name="Acme").count() == 2


def test_companies_match_by_name_only_among_visible_ones(owner, outsider, make_company, tmp_path):
    make_company(outsider, name="Acme", industry="steel")
    path = write(tmp_path, "name,industry\nAcme,glass\n")

    run = accord("import", "companies", str(path), "--as", "owner")

    assert run.status == 0, run.err
    assert sorted(Company.objects.values_list("industry", "owner__username")) == [
        ("glass", "owner"),
        ("steel", "outsider"),
    ]


def test_leads_imported_as_a_user_are_theirs_and_match_only_visible_leads(owner, outsider, tmp_path):
    from accord.sales.services import leads

    leads.create_lead(actor=outsider, data={"last_name": "Hidden", "email": "lead@example.com"})
    path = write(tmp_path, "last_name,email\nMine,lead@example.com\n")

    run = accord("import", "leads", str(path), "--as", "owner")

    assert run.status == 0, run.err
    assert sorted(Lead.objects.values_list("last_name", "owner__username")) == [
        ("Hidden", "outsider"),
        ("Mine", "owner"),
    ]
