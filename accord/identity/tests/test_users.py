"""User administration: creating, editing, deactivating users, their passwords, and keeping at
least one administrator."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accord.core.access import AccessDenied
from accord.core.models import AuditEntry, Event
from accord.identity import services
from accord.identity.models import Role, Team, User
from accord.identity.services import twofactor
from accord.identity.tests.test_two_factor import turn_on

PASSWORD = "a-long-test-password"
CONSOLE_MAIL = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}


def new_user_form(**changes: Any) -> dict[str, Any]:
    data = {
        "username": "ewa",
        "first_name": "Ewa",
        "last_name": "Nowak",
        "email": "ewa@example.com",
        "phone": "+48 601 000 111",
        "role": "sales_rep",
        "language": "pl",
        "timezone": "Europe/Vilnius",
        "password": "ewa-has-a-long-password",
    }
    data.update(changes)
    return data


def test_admin_creates_a_user_with_role_teams_and_territories(login, admin_user, team_north, territory_mazovia):
    client = login(admin_user)

    response = client.post(
        "/settings/users/new/",
        new_user_form(teams=[str(team_north.pk)], territories=[str(territory_mazovia.pk)]),
    )

    ewa = User.objects.get(username="ewa")
    assert response.status_code == 302
    assert response["Location"] == f"/settings/users/{ewa.pk}/"
    assert (ewa.role.code, ewa.language, ewa.timezone, ewa.phone) == (
        "sales_rep",
        "pl",
        "Europe/Vilnius",
        "+48 601 000 111",
    )
    assert [t.name for t in ewa.teams.all()] == ["North"]
    assert [t.name for t in ewa.territories.all()] == ["Mazowieckie"]
    assert ewa.check_password("ewa-has-a-long-password")
    entry = AuditEntry.objects.get(entity="identity.user", object_id=ewa.pk)
    assert entry.actor_id == admin_user.pk
    assert entry.changes["role"] == [None, "Sales rep"]
    assert entry.changes["teams"] == [None, ["North"]]
    assert "password" not in entry.changes
    assert Event.objects.filter(name="identity.user.created", object_id=ewa.pk, actor=admin_user).count() == 1


def test_new_user_errors_are_shown_by_field_and_nothing_is_saved(login, admin_user, owner):
    client = login(admin_user)

    response = client.post("/settings/users/new/", new_user_form(username="OWNER", password="12345"))

    html = response.content.decode()
    assert response.status_code == 422
    assert "A user with this username already exists." in html
    assert "This password is too short." in html
    assert User.objects.filter(username__iexact="owner").count() == 1


def test_the_service_refuses_unknown_roles_languages_and_time_zones(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.create_user(
            actor=admin_user, username="ewa", password=None, role_code="boss", language="xx", timezone="Mars/Base"
        )

    assert caught.value.message_dict == {
        "role": ["Unknown role boss."],
        "language": ["Choose one of the offered languages."],
        "timezone": ["Choose a time zone from the list."],
    }
    assert not User.objects.filter(username="ewa").exists()


def test_a_user_created_without_a_password_cannot_log_in_until_one_is_set(admin_user):
    user = services.create_user(actor=admin_user, username="nopass", password=None)

    assert user.has_usable_password() is False
    assert Client().post("/login/", {"username": "nopass", "password": ""}).status_code == 200


def test_only_admins_create_users_through_the_service(owner):
    with pytest.raises(AccessDenied):
        services.create_user(actor=owner, username="sneaky", password="a-long-password-x")

    assert not User.objects.filter(username="sneaky").exists()


def test_the_list_searches_and_filters_by_role_team_and_status(login, admin_user, make_user, team_north):
    make_user(Role.SALES_REP, [team_north], username="ala")
    make_user(Role.MANAGER, [team_north], username="bartek")
    gone = make_user(Role.SALES_REP, [], username="celina")
    services.set_active(actor=admin_user, user=gone, active=False)
    client = login(admin_user)

    def names(query: str) -> list[str]:
        html = client.get(f"/settings/users/?{query}").content.decode()
        return re.findall(r'<div class="sub">([a-z_-]+)', html)

    assert names("") == ["admin", "ala", "bartek"]
    assert names("role=sales_rep") == ["ala"]
    assert names(f"team={team_north.pk}") == ["ala", "bartek"]
    assert names("active=inactive") == ["celina"]
    assert names("active=all&q=CEL") == ["celina"]
    assert names("q=bartek%40example") == ["bartek"]


def test_the_list_shows_last_login_and_two_factor_status(login, admin_user, owner):
    from accord.identity.tests.test_two_factor import turn_on

    turn_on(owner)
    Role.objects.filter(code=Role.MANAGER).update(requires_two_factor=True)
    client = login(admin_user)

    html = client.get("/settings/users/?active=all").content.decode()

    assert "Never" in html  # owner has never logged in
    row = html.split("owner · owner@example.com")[1].split("</tr>")[0]
    assert "Never" in row
    assert "On</span>" in row


def test_the_list_costs_the_same_queries_for_many_users(login, admin_user, make_user, team_north, team_south):
    client = login(admin_user)
    for i in range(3):
        make_user(Role.SALES_REP, [team_north, team_south], username=f"few{i}")
    with CaptureQueriesContext(connection) as few:
        client.get("/settings/users/")
    for i in range(20):
        make_user(Role.SALES_REP, [team_north], username=f"many{i}")

    with CaptureQueriesContext(connection) as many:
        client.get("/settings/users/")

    assert len(many) == len(few)


def test_admin_changes_a_users_role_and_teams_and_it_is_audited(login, admin_user, owner, team_south):
    client = login(admin_user)
    data = new_user_form(username="owner", role="manager", teams=[str(team_south.pk)], language="", timezone="")
    data.pop("password")

    response = client.post(f"/settings/users/{owner.pk}/", data)

    owner.refresh_from_db()
    assert response.status_code == 302
    assert owner.role.code == "manager"
    assert owner.is_staff is False
    assert [t.name for t in owner.teams.all()] == ["South"]
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert entry.changes["role"] == ["Sales rep", "Manager"]
    assert entry.changes["teams"] == [["North"], ["South"]]
    assert entry.changes["first_name"] == ["Owner", "Ewa"]
    event = Event.objects.filter(name="identity.user.updated", object_id=owner.pk).latest("id")
    assert "role" in event.payload["fields"]


def test_a_deactivated_user_cannot_log_in_and_their_session_and_tokens_stop(login, admin_user, owner, api):
    session = Client()
    session.force_login(owner)
    rest = api(owner)
    assert rest.get("/me").status_code == 200
    client = login(admin_user)

    response = client.post(f"/settings/users/{owner.pk}/active/", {"active": "0"})

    owner.refresh_from_db()
    assert response.status_code == 302
    assert owner.is_active is False
    assert session.get("/contacts/").status_code == 302
    assert rest.get("/me").status_code == 401
    assert Client().post("/login/", {"username": "owner", "password": PASSWORD}).status_code == 200
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert entry.changes == {"is_active": [True, False]}

    client.post(f"/settings/users/{owner.pk}/active/", {"active": "1"})

    assert Client().post("/login/", {"username": "owner", "password": PASSWORD})["Location"] == "/my-day/"


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(admin_user, make_user):
    other = make_user(Role.ADMIN, username="second-admin")

    services.set_active(actor=admin_user, user=other, active=False)
    with pytest.raises(ValidationError) as deactivating:
        services.set_active(actor=None, user=admin_user, active=False)
    with pytest.raises(ValidationError) as demoting:
        services.update_user(actor=None, user=admin_user, role_code=Role.MANAGER)

    admin_user.refresh_from_db()
    assert admin_user.is_active is True
    assert admin_user.role.code == Role.ADMIN
    message = "Accord needs at least one active administrator: make someone else an administrator first."
    assert deactivating.value.message_dict == {"is_active": [message]}
    assert demoting.value.message_dict == {"role": [message]}


def test_an_admin_may_be_demoted_while_another_remains(admin_user, make_user):
    other = make_user(Role.ADMIN, username="second-admin")

    services.update_user(actor=admin_user, user=other, role_code=Role.SALES_REP)

    other.refresh_from_db()
    assert other.role.code == Role.SALES_REP
    assert other.is_staff is False


def test_admins_cannot_deactivate_themselves(admin_user, make_user):
    make_user(Role.ADMIN, username="second-admin")

    with pytest.raises(ValidationError) as caught:
        services.set_active(actor=admin_user, user=admin_user, active=False)

    assert caught.value.message_dict == {"is_active": ["You cannot deactivate yourself."]}


def test_admin_sets_a_password_and_the_users_sessions_end(login, admin_user, owner):
    session = Client()
    session.force_login(owner)
    client = login(admin_user)

    weak = client.post(
        f"/settings/users/{owner.pk}/password/", {"new_password": "owner", "new_password_again": "owner"}
    )
    response = client.post(
        f"/settings/users/{owner.pk}/password/",
        {"new_password": "brand-new-long-secret", "new_password_again": "brand-new-long-secret"},
    )

    owner.refresh_from_db()
    assert weak.status_code == 422
    assert "This password is too short." in weak.content.decode()
    assert response.status_code == 302
    assert owner.check_password("brand-new-long-secret")
    assert session.get("/contacts/").status_code == 302
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert list(entry.changes) == ["password_changed_at"]
    assert entry.actor_id == admin_user.pk


def test_admin_e_mails_a_link_to_choose_a_password_and_it_works_once(login, admin_user, owner):
    client = login(admin_user)

    response = client.post(f"/settings/users/{owner.pk}/reset-link/")

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    assert Event.objects.filter(name="identity.user.password_reset_sent", object_id=owner.pk).count() == 1
    visitor = Client()
    page = visitor.get(link.group(1))
    assert "Choose a new password" in page.content.decode()
    done = visitor.post(
        link.group(1), {"new_password": "chosen-by-the-owner", "new_password_again": "chosen-by-the-owner"}
    )
    assert done["Location"] == "/login/"
    owner.refresh_from_db()
    assert owner.check_password("chosen-by-the-owner")
    again = visitor.get(link.group(1))
    assert "This link is no longer valid" in again.content.decode()


@override_settings(MAILERS=CONSOLE_MAIL)
def test_without_mail_no_link_is_offered_or_sent(login, admin_user, owner):
    client = login(admin_user)

    page = client.get(f"/settings/users/{owner.pk}/").content.decode()
    client.post(f"/settings/users/{owner.pk}/reset-link/")

    assert "Send a password link" not in page
    assert "Set a new password" in page
    assert len(mail.outbox) == 0
    assert not Event.objects.filter(name="identity.user.password_reset_sent").exists()


def test_the_user_page_shows_the_history(login, admin_user, owner, team_south):
    services.update_user(actor=admin_user, user=owner, teams=[team_south])

    html = login(admin_user).get(f"/settings/users/{owner.pk}/").content.decode()

    assert "<del>North</del> → <ins>South</ins>" in html


def test_users_are_never_deleted_from_the_screens(login, admin_user, owner):
    client = login(admin_user)

    html = client.get(f"/settings/users/{owner.pk}/").content.decode()

    assert "Deactivate" in html
    assert "/delete/" not in html
    assert Team.objects.count() == 1


def test_the_user_history_reads_in_words_and_leaves_out_the_internals(login, admin_user, owner):
    services.update_user(actor=admin_user, user=owner, role_code=Role.ADMIN, language="pl")  # staff too now
    codes = turn_on(owner)
    twofactor.verify(user=owner, code=codes[0])  # one recovery code fewer

    html = login(admin_user).get(f"/settings/users/{owner.pk}/").content.decode()

    history = html.split('id="history"')[1].split("</section>")[0]
    assert '<span class="muted">Role:</span> <del>Sales rep</del> → <ins>Administrator</ins>' in history
    assert '<span class="muted">Language:</span> <span class="muted">—</span> → <ins>Polski</ins>' in history
    assert '<span class="muted">Two-factor sign-in:</span> <del>Off</del> → <ins>On</ins>' in history
    for internal in ("Recovery codes", "Authenticator", "Staff status", "Superuser status", "True", "False", "+00:00"):
        assert internal not in history
    # Two rows: the use of a recovery code changed nothing an administrator reads.
    assert history.count("<li>") == 2


def test_the_deactivation_message_in_polish_is_neutral(login, admin_user, owner):
    User.objects.filter(pk=admin_user.pk).update(language="pl")
    client = login(admin_user)
    before = client.get(f"/settings/users/{owner.pk}/").content.decode()

    page = client.post(f"/settings/users/{owner.pk}/active/", {"active": "0"}, follow=True).content.decode()

    assert "Dezaktywować to konto? Nie będzie można się na nie zalogować" in before
    assert "Konto użytkownika Owner zostało dezaktywowane: nie można się już na nie zalogować" in page
    for gendered in ("został dezaktywowany", "nie może się logować", "jego rekordy", "Nie będzie mógł"):
        assert gendered not in page
        assert gendered not in before


def test_the_api_tokens_heading_is_capitalised_in_polish(login, admin_user, owner):
    User.objects.filter(pk__in=[admin_user.pk, owner.pk]).update(language="pl")

    profile = login(owner).get("/account/").content.decode()
    user_page = login(admin_user).get(f"/settings/users/{owner.pk}/").content.decode()

    assert '<h2 id="tokens-title">Tokeny API</h2>' in profile
    assert '<h2 id="tokens-title">Tokeny API</h2>' in user_page
