"""SMS through a gateway chosen by ``ACCORD_SMS_BACKEND``.

``http``: a POST of {to, message, from} (JSON or a form, ``ACCORD_SMS_FORMAT``) to
``ACCORD_SMS_URL`` with ``Authorization: Bearer ACCORD_SMS_TOKEN``, the shape SMSAPI.pl and
similar gateways take. The gateway's id for the message is read from the answer (``id``,
``message_id`` or SMSAPI's ``list[0].id``); an HTTP error, a timeout or an answer naming an
``error`` fails the attempt with the gateway's own words, and the message is tried again later.
``console`` and ``file`` are for development: they write the SMS out and send nothing.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from accord.messaging.backends import DeliveryError, Sent
from accord.messaging.models import Message


class SmsBackend(Protocol):
    def send(self, message: Message) -> Sent: ...


def _gateway_id(answer: Any) -> str:
    if isinstance(answer, dict):
        for key in ("id", "message_id", "messageId", "sid"):
            if answer.get(key):
                return str(answer[key])
        listed = answer.get("list") or answer.get("messages")
        if isinstance(listed, list) and listed and isinstance(listed[0], dict):
            return _gateway_id(listed[0])
    return ""


class HttpBackend:
    def __init__(self, url: str = "", token: str = "", sender: str = "", form: str = "", timeout: float = 0) -> None:
        self.url = url or settings.ACCORD_SMS_URL
        self.token = token or settings.ACCORD_SMS_TOKEN
        self.sender = sender or settings.ACCORD_SMS_FROM
        self.form = form or settings.ACCORD_SMS_FORMAT
        self.timeout = timeout or settings.ACCORD_SMS_TIMEOUT

    def send(self, message: Message) -> Sent:
        fields = {"to": message.to_address, "message": message.body or message.subject, "from": self.sender}
        if self.form == "form":
            data = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(fields).encode()
            content_type = "application/json"
        request = urllib.request.Request(  # noqa: S310 - the operator's configured http(s) URL
            self.url,
            data=data,
            method="POST",
            headers={"Content-Type": content_type, "Accept": "application/json"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                text = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            said = exc.read().decode("utf-8", "replace").strip()[:500]
            # 4xx other than throttling is the gateway refusing this message: trying again won't help.
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            raise DeliveryError(f"HTTP {exc.code}: {said or exc.reason}", permanent=permanent) from exc
        except TimeoutError as exc:
            raise DeliveryError(f"the SMS gateway did not answer within {self.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            raise DeliveryError(f"the SMS gateway could not be reached: {exc.reason}") from exc
        try:
            answer = json.loads(text) if text.strip() else {}
        except ValueError:
            answer = {"id": text.strip()[:100]}
        if isinstance(answer, dict) and answer.get("error"):
            raise DeliveryError(f"{answer.get('error')}: {answer.get('message', '')}".strip(": "))
        return Sent(external_id=_gateway_id(answer)[:255])


class ConsoleBackend:
    def send(self, message: Message) -> Sent:
        sys.stdout.write(f"SMS to {message.to_address}: {message.body or message.subject}\n")
        sys.stdout.flush()
        return Sent(external_id=f"console-{message.pk}")


class FileBackend:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.ACCORD_SMS_FILE_DIR)

    def send(self, message: Message) -> Sent:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{message.pk}.json"
        path.write_text(json.dumps({"to": message.to_address, "message": message.body or message.subject}))
        return Sent(external_id=f"file-{message.pk}")


class DisabledBackend:
    def send(self, message: Message) -> Sent:
        raise DeliveryError("no SMS gateway is configured (ACCORD_SMS_BACKEND)", permanent=True)


NAMED: dict[str, type] = {"http": HttpBackend, "console": ConsoleBackend, "file": FileBackend, "none": DisabledBackend}


def backend() -> SmsBackend:
    name = settings.ACCORD_SMS_BACKEND
    cls = NAMED.get(name) or import_string(name)
    return cls()


def send(message: Message) -> Sent:
    return backend().send(message)
