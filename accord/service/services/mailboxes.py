"""IMAP mailboxes the worker reads every minute, and their settings (the admins').

``poll`` takes the messages that arrived since the last read, oldest first. Each is filed by
``inbound_mail.receive`` in its own transaction, and the mailbox's ``last_uid`` moves past it in
that same transaction: a crash between two messages loses none and takes none twice. A message
that cannot be filed (an error, not a refusal) stops the read there, with the reason in
``last_error``, and the next read starts with it again. When the folder's UIDVALIDITY changes (the
folder was made again, the server moved), its UIDs mean other messages: the read starts again from
the first one, and messages already taken are recognised by their Message-ID.

A message is marked seen on the server once it is filed (it is read with BODY.PEEK, so one that
failed stays unread for whoever looks at the mailbox).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError, MailboxFolderSelectError, MailboxFolderStatusError, MailboxLoginError

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.core.errors import check_version
from accord.identity.models import User
from accord.service.models import Mailbox, Queue
from accord.service.services import checks, inbound_mail

log = logging.getLogger(__name__)

TIMEOUT = 30  # seconds for the connection and each command
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
# Network and protocol failures: the server's fault or the settings', told in one line.
CONNECTION_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError, EOFError)


@dataclass
class PollResult:
    taken: int = 0
    left_alone: int = 0
    error: str = ""


# --- the connection -----------------------------------------------------------------------------------


@contextmanager
def _connect(mailbox: Mailbox) -> Iterator[BaseMailBox]:
    """Logged in to ``mailbox``'s server: SSL when asked, else STARTTLS whenever the server offers
    it (plain only from a server that does not, such as one on the same machine)."""
    box: BaseMailBox
    if mailbox.use_ssl:
        box = MailBox(mailbox.host, mailbox.port, timeout=TIMEOUT, ssl_context=ssl.create_default_context())
    else:
        box = MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=TIMEOUT)
        if "STARTTLS" in box.client.capabilities:
            box.client.starttls(ssl.create_default_context())
    try:
        box.login(mailbox.username, mailbox.password, initial_folder=None)
        yield box
    finally:
        # Closing a broken connection may fail too; nothing is left to do then.
        with contextlib.suppress(Exception):
            box.client.shutdown()


def describe(exc: BaseException, mailbox: Mailbox) -> str:
    """A failure as one line a person can act on (no traceback)."""
    if isinstance(exc, MailboxLoginError):
        return _("The server refused the user name or password.")
    if isinstance(exc, (MailboxFolderSelectError, MailboxFolderStatusError)):
        return _("The folder %(folder)s does not exist on the server.") % {"folder": mailbox.folder}
    if isinstance(exc, ssl.SSLError):
        return _("The secure connection to %(host)s failed: %(reason)s") % {
            "host": mailbox.host,
            "reason": getattr(exc, "reason", None) or exc.__class__.__name__,
        }
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return _("%(host)s:%(port)s did not answer in time.") % {"host": mailbox.host, "port": mailbox.port}
    if isinstance(exc, OSError):
        return _("Could not connect to %(host)s:%(port)s: %(reason)s") % {
            "host": mailbox.host,
            "port": mailbox.port,
            "reason": exc.strerror or exc.__class__.__name__,
        }
    return _("The mail server answered with an error: %(reason)s") % {"reason": str(exc)[:300]}


def _validity(box: BaseMailBox, folder: str) -> int:
    return int(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])


def _fetch(box: BaseMailBox, uid: int) -> bytes | None:
    """The raw message, or None when it is larger than ``receive`` takes (then not downloaded)."""
    status, data = box.client.uid("FETCH", str(uid), "(RFC822.SIZE)")
    size = next((int(m.group(1)) for item in data or [] if isinstance(item, bytes) and (m := _SIZE.search(item))), 0)
    if status == "OK" and size > inbound_mail.MAX_MESSAGE_BYTES:
        log.warning("mailbox: message %s is %s bytes, over the limit; not taken", uid, size)
        return None
    status, data = box.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid}: {status}")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    raise imaplib.IMAP4.error(f"FETCH {uid}: no message in the answer")


# --- reading -----------------------------------------------------------------------------------------


def _finish(mailbox: Mailbox, error: str) -> None:
    mailbox.last_error = error
    mailbox.last_polled_at = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error=error, last_polled_at=mailbox.last_polled_at)


def poll(mailbox: Mailbox, *, limit: int = 200) -> PollResult:
    """Take up to ``limit`` new messages of ``mailbox``, oldest first. Never raises: a failure is
    kept in ``last_error`` (and logged) and the next read tries again."""
    result = PollResult()
    uid = 0
    try:
        with _connect(mailbox) as box:
            validity = _validity(box, mailbox.folder)
            if mailbox.uid_validity != validity:
                if mailbox.uid_validity:
                    log.warning(
                        "mailbox %s: UIDVALIDITY changed from %s to %s; reading the folder again from the start",
                        mailbox.name,
                        mailbox.uid_validity,
                        validity,
                    )
                mailbox.last_uid = 0
                mailbox.uid_validity = validity
                Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=0, uid_validity=validity)
            box.folder.set(mailbox.folder)
            after = mailbox.last_uid
            found = sorted(int(u) for u in box.uids(f"UID {after + 1}:*") if int(u) > after)
            for uid in found[:limit]:
                raw = _fetch(box, uid)
                with transaction.atomic():
                    locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
                    if locked.uid_validity != validity or locked.last_uid >= uid:
                        continue  # another worker took it
                    filed = inbound_mail.receive(raw, queue=mailbox.queue) if raw is not None else None
                    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)
                mailbox.last_uid = uid
                if filed is None:
                    result.left_alone += 1
                else:
                    result.taken += 1
                box.flag(str(uid), MailMessageFlags.SEEN, True)
    except CONNECTION_ERRORS as exc:
        result.error = describe(exc, mailbox)
        log.warning("mailbox %s: %s", mailbox.name, result.error)
    except ValidationError as exc:
        result.error = _("Message %(uid)s could not be filed: %(reason)s") % {
            "uid": uid,
            "reason": " ".join(exc.messages),
        }
        log.warning("mailbox %s: %s", mailbox.name, result.error)
    except Exception as exc:
        result.error = _("Message %(uid)s could not be filed: %(reason)s") % {
            "uid": uid,
            "reason": exc.__class__.__name__,
        }
        log.exception("mailbox %s: message %s could not be filed", mailbox.name, uid)
    _finish(mailbox, result.error)
    return result


def poll_all(*, limit: int = 200) -> dict[str, PollResult]:
    """Read every active mailbox; one failing does not stop the others."""
    return {
        mailbox.name: poll(mailbox, limit=limit)
        for mailbox in Mailbox.objects.filter(active=True).select_related("queue").order_by("name", "id")
    }


# --- settings (admins only) --------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not access.is_admin(actor):
        raise AccessDenied()


def _text(data: Mapping[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> str:
    return checks.text(data.get(name), name, limit, errors)


_WHERE = ("host", "port", "username", "folder")


def _apply(mailbox: Mailbox, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    creating = mailbox._state.adding
    for name in ("name", "host", "username", "folder"):
        if name in data or (creating and name != "folder"):
            setattr(mailbox, name, _text(data, name, 200 if name != "name" else 120, errors))
    if "host" in data and ("/" in mailbox.host or " " in mailbox.host):
        errors["host"] = [_("Enter a host name or an IP address.")]
    if "port" in data:
        try:
            mailbox.port = int(str(data["port"]).strip())
            if not 1 <= mailbox.port <= 65535:
                raise ValueError
        except (TypeError, ValueError):
            errors["port"] = [_("Enter a port from 1 to 65535.")]
    if "use_ssl" in data:
        mailbox.use_ssl = bool(data["use_ssl"])
    if "active" in data:
        mailbox.active = bool(data["active"])
    if "queue" in data or creating:
        queue = data.get("queue")
        if not isinstance(queue, Queue):
            errors["queue"] = [_("Choose a queue.")]
        else:
            mailbox.queue = queue
    # An empty password on a change keeps the one stored (forms never show it back).
    password = str(data.get("password") or "")
    if password:
        if len(password) > 200:
            errors["password"] = [_("At most %(limit)s characters.") % {"limit": 200}]
        mailbox.password = password
    elif creating:
        errors["password"] = [_("This field is required.")]


@transaction.atomic
def create_mailbox(*, actor: User, data: Mapping[str, Any]) -> Mailbox:
    _require_admin(actor)
    mailbox = Mailbox()
    errors: dict[str, list[str]] = {}
    _apply(mailbox, data, errors)
    if errors:
        raise ValidationError(errors)
    mailbox.save()
    changes.record_create(actor=actor, obj=mailbox)
    return mailbox


@transaction.atomic
def update_mailbox(
    *, actor: User, mailbox: Mailbox, data: Mapping[str, Any], expected_version: int | None = None
) -> Mailbox:
    """Change a mailbox's settings (only the keys given; an empty password keeps the stored one).
    Pointing it at another server, account or folder reads that one from its first message."""
    _require_admin(actor)
    locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    where = [getattr(locked, name) for name in _WHERE]
    old_password = locked.password
    errors: dict[str, list[str]] = {}
    _apply(locked, data, errors)
    if errors:
        raise ValidationError(errors)
    if [getattr(locked, name) for name in _WHERE] != where:
        locked.last_uid = locked.uid_validity = 0
    if changes.snapshot(locked) != before or locked.password != old_password:
        locked.version += 1
        locked.last_error = ""
        locked.save()
        changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def delete_mailbox(*, actor: User, mailbox: Mailbox, expected_version: int | None = None) -> None:
    """Stop reading a mailbox (the tickets it brought stay)."""
    _require_admin(actor)
    locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    locked.delete()
    changes.record_delete(actor=actor, obj=mailbox, before=before)


def test_connection(*, actor: User, mailbox: Mailbox) -> int:
    """Log in to the mailbox's server and open its folder; the number of messages in it. A
    failure is a ValidationError on the field to look at (host, password or folder)."""
    _require_admin(actor)
    try:
        with _connect(mailbox) as box:
            return int(box.folder.status(mailbox.folder, ["MESSAGES"])["MESSAGES"])
    except CONNECTION_ERRORS as exc:
        field = "host"
        if isinstance(exc, MailboxLoginError):
            field = "password"
        elif isinstance(exc, (MailboxFolderSelectError, MailboxFolderStatusError)):
            field = "folder"
        raise ValidationError({field: [describe(exc, mailbox)]}) from None


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
