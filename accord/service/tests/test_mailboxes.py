"""Mailboxes read from a real IMAP server (pymap, in memory, started for each test): new mail taken
once and marked seen, a message that cannot be filed stops the read there and is taken by the next
one, a changed UIDVALIDITY reads the folder again without doubling tickets, failures told in one
line; the admins' settings, the command and the worker's task."""

from __future__ import annotations

import imaplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from accord.service.models import Mailbox, Queue, Ticket
from accord.service.services import mailboxes
from accord.service.tasks import poll_mailboxes

pytestmark = pytest.mark.django_db

USER, PASSWORD = "support", "imap-password"


class ImapServer:
    def __init__(self, port: int) -> None:
        self.host, self.port = "127.0.0.1", port

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.connect()
        try:
            status, _data = client.append(folder, None, None, raw)
            assert status == "OK"
        finally:
            client.logout()

    def seen(self, folder: str = "INBOX") -> dict[int, bool]:
        client = self.connect()
        try:
            client.select(folder)
            _status, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
            result = {}
            for item in data:
                if not isinstance(item, bytes):
                    continue
                text = item.decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                result[uid] = "\\Seen" in text
            return result
        finally:
            client.logout()

    def recreate(self, folder: str) -> None:
        client = self.connect()
        try:
            client.select("INBOX")
            assert client.delete(folder)[0] == "OK"
            assert client.create(folder)[0] == "OK"
        finally:
            client.logout()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """pymap's in-memory IMAP server on a free port, with one account."""
    port = _free_port()
    # pymap's own entry point, run by this interpreter (pymap has no ``__main__``).
    entry = "import sys; from pymap.main import main; sys.argv[0] = 'pymap'; main()"
    command = [sys.executable, "-c", entry, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [*command, "--demo-user", USER, "--demo-password", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = ImapServer(port)
    deadline = time.monotonic() + 30
    while True:
        try:
            server.connect().logout()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"pymap did not start: {process.stderr.read() if process.stderr else ''}") from None
            time.sleep(0.1)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def queue(db: Any) -> Queue:
    return Queue.objects.create(name="Support", email="support@accord.test", is_default=True)


@pytest.fixture
def mailbox(imap_server: ImapServer, queue: Queue) -> Mailbox:
    return Mailbox.objects.create(
        name="Support inbox",
        queue=queue,
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=USER,
        password=PASSWORD,
    )


def mail(number: int, sender: str = "Anna Nowak <anna@example.com>", subject: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@accord.test"
    message["Subject"] = subject or f"Question {number}"
    message["Message-ID"] = f"<q{number}@customer.test>"
    message.set_content(f"Question number {number}.")
    return message.as_bytes()


def test_new_mail_is_taken_once_and_marked_seen(imap_server: ImapServer, mailbox: Mailbox, admin_user: Any) -> None:
    for number in (1, 2, 3):
        imap_server.append(mail(number))
    first = mailboxes.poll(mailbox)
    assert (first.taken, first.left_alone, first.error) == (3, 0, "")
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Question 1", "Question 2", "Question 3"]
    mailbox.refresh_from_db()
    flags = imap_server.seen()
    assert mailbox.last_uid == max(flags)
    assert all(flags.values())
    assert mailbox.uid_validity > 0
    assert mailbox.last_polled_at is not None
    second = mailboxes.poll(mailbox)
    assert (second.taken, second.left_alone, second.error) == (0, 0, "")
    imap_server.append(mail(4))
    imap_server.append(mail(5, sender="MAILER-DAEMON@mx.example.com"))
    third = mailboxes.poll(mailbox)
    assert (third.taken, third.left_alone) == (1, 1)
    assert Ticket.objects.count() == 4
    # One contact made for Anna, who wrote four times.
    assert Ticket.objects.values("contact").distinct().count() == 1


def test_the_limit_leaves_the_rest_for_the_next_read(
    imap_server: ImapServer, mailbox: Mailbox, admin_user: Any
) -> None:
    for number in (1, 2, 3):
        imap_server.append(mail(number))
    assert mailboxes.poll(mailbox, limit=2).taken == 2
    assert Ticket.objects.count() == 2
    assert mailboxes.poll(mailbox, limit=2).taken == 1
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Question 1", "Question 2", "Question 3"]


def test_a_message_that_cannot_be_filed_stops_the_read_and_is_taken_next_time(
    imap_server: ImapServer, mailbox: Mailbox, make_contact: Any, owner: Any, make_user: Any
) -> None:
    # Anna is known; Bob is not, and with no agent in the queue and no administrator nobody can
    # own a contact made for him: filing his message fails.
    make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}])
    imap_server.append(mail(1))
    imap_server.append(mail(2, sender="Bob <bob@example.com>"))
    imap_server.append(mail(3))
    result = mailboxes.poll(mailbox)
    assert result.taken == 1
    assert "could not be filed" in result.error
    mailbox.refresh_from_db()
    uids = sorted(imap_server.seen())
    assert mailbox.last_uid == uids[0]
    assert "could not be filed" in mailbox.last_error
    assert imap_server.seen() == {uids[0]: True, uids[1]: False, uids[2]: False}
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Question 1"]

    mailbox.queue.agents.add(make_user(username="agent"))
    retry = mailboxes.poll(mailbox)
    assert (retry.taken, retry.error) == (2, "")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == uids[2]
    assert mailbox.last_error == ""
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Question 1", "Question 2", "Question 3"]


def test_a_changed_uidvalidity_reads_the_folder_again_without_doubles(
    imap_server: ImapServer, mailbox: Mailbox, admin_user: Any
) -> None:
    client = imap_server.connect()
    client.create("Tickets")
    client.logout()
    Mailbox.objects.filter(pk=mailbox.pk).update(folder="Tickets")
    mailbox.refresh_from_db()
    imap_server.append(mail(1), "Tickets")
    assert mailboxes.poll(mailbox).taken == 1
    mailbox.refresh_from_db()
    validity = mailbox.uid_validity
    imap_server.recreate("Tickets")
    imap_server.append(mail(1), "Tickets")  # the same message again, with a new UID
    imap_server.append(mail(2), "Tickets")
    result = mailboxes.poll(mailbox)
    assert result.error == ""
    mailbox.refresh_from_db()
    assert mailbox.uid_validity != validity
    assert mailbox.last_uid == max(imap_server.seen("Tickets"))
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Question 1", "Question 2"]


def test_failures_are_told_in_one_line(imap_server: ImapServer, mailbox: Mailbox) -> None:
    mailbox.password = "wrong"
    result = mailboxes.poll(mailbox)
    assert result.error == "The server refused the user name or password."
    mailbox.refresh_from_db()
    assert mailbox.last_error == result.error
    assert "Traceback" not in mailbox.last_error
    mailbox.password = PASSWORD
    mailbox.folder = "Nowhere"
    assert mailboxes.poll(mailbox).error == "The folder Nowhere does not exist on the server."
    mailbox.folder = "INBOX"
    mailbox.port = _free_port()
    error = mailboxes.poll(mailbox).error
    assert error.startswith(f"Could not connect to 127.0.0.1:{mailbox.port}")


def test_poll_all_reads_the_active_mailboxes_and_the_task_reports(
    imap_server: ImapServer, mailbox: Mailbox, queue: Queue, admin_user: Any
) -> None:
    Mailbox.objects.create(name="Off", queue=queue, host="127.0.0.1", port=1, username="x", password="y", active=False)
    imap_server.append(mail(1))
    assert set(mailboxes.poll_all()) == {"Support inbox"}
    imap_server.append(mail(2))
    assert poll_mailboxes.call() == {"mailboxes": 1, "taken": 1, "failed": 0}
    assert Ticket.objects.count() == 2


def test_the_command_polls_and_lists(imap_server: ImapServer, mailbox: Mailbox, admin_user: Any) -> None:
    imap_server.append(mail(1))
    out = StringIO()
    call_command("mailboxes", "poll", "--name", "Support inbox", stdout=out)
    assert "Support inbox: 1 filed, 0 left alone." in out.getvalue()
    with pytest.raises(CommandError):
        call_command("mailboxes", "poll", "--name", "Nope", stdout=StringIO())
    listing = StringIO()
    call_command("mailboxes", "list", stdout=listing)
    assert f"{USER}@127.0.0.1:{imap_server.port} (starttls/plain)" in listing.getvalue()
    Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
    with pytest.raises(CommandError):
        call_command("mailboxes", "poll", stdout=StringIO())


# --- settings -----------------------------------------------------------------------------------------


def test_only_admins_manage_mailboxes_and_fields_are_checked(queue: Queue, admin_user: Any, support: Any) -> None:
    data = {"name": "Sales", "queue": queue, "host": "imap.example.com", "port": 993, "use_ssl": True}
    with pytest.raises(PermissionDenied):
        mailboxes.create_mailbox(actor=support, data={**data, "username": "u", "password": "p"})
    with pytest.raises(ValidationError) as caught:
        mailboxes.create_mailbox(actor=admin_user, data={**data, "port": "http", "queue": None, "host": "a b"})
    assert set(caught.value.message_dict) == {"port", "queue", "host", "username", "password"}
    assert not Mailbox.objects.exists()
    box = mailboxes.create_mailbox(actor=admin_user, data={**data, "username": "u", "password": "p"})
    assert (box.folder, box.password, box.active) == ("INBOX", "p", True)
    Mailbox.objects.filter(pk=box.pk).update(last_uid=40, uid_validity=7)
    kept = mailboxes.update_mailbox(actor=admin_user, mailbox=box, data={"password": "", "name": "Sales desk"})
    assert (kept.password, kept.name, kept.last_uid) == ("p", "Sales desk", 40)
    moved = mailboxes.update_mailbox(actor=admin_user, mailbox=box, data={"folder": "Support", "password": "new"})
    assert (moved.password, moved.last_uid, moved.uid_validity) == ("new", 0, 0)
    with pytest.raises(PermissionDenied):
        mailboxes.delete_mailbox(actor=support, mailbox=box)
    mailboxes.delete_mailbox(actor=admin_user, mailbox=box)
    assert not Mailbox.objects.exists()


def test_the_connection_test_names_the_field_to_look_at(
    imap_server: ImapServer, mailbox: Mailbox, admin_user: Any
) -> None:
    imap_server.append(mail(1))
    assert mailboxes.test_connection(actor=admin_user, mailbox=mailbox) == 1
    mailbox.password = "wrong"
    with pytest.raises(ValidationError) as caught:
        mailboxes.test_connection(actor=admin_user, mailbox=mailbox)
    assert list(caught.value.message_dict) == ["password"]
    mailbox.password = PASSWORD
    mailbox.folder = "Nowhere"
    with pytest.raises(ValidationError) as caught:
        mailboxes.test_connection(actor=admin_user, mailbox=mailbox)
    assert list(caught.value.message_dict) == ["folder"]
    mailbox.port = _free_port()
    with pytest.raises(ValidationError) as caught:
        mailboxes.test_connection(actor=admin_user, mailbox=mailbox)
    assert list(caught.value.message_dict) == ["host"]
