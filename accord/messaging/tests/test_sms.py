"""SMS through the HTTP gateway backend, against a real HTTP server on this machine, and the
development backends."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from accord.messaging.models import Message
from accord.messaging.services import queue_message
from accord.messaging.services.delivery import deliver_due


class Gateway:
    """What the fake gateway received, and what it answers next."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.answer: Any = {"count": 1, "list": [{"id": "GW-1001", "points": 0.16}]}
        self.delay = 0.0


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
            if self.headers["Content-Type"] == "application/json":
                fields = json.loads(raw)
            else:
                fields = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
            state.requests.append({"auth": self.headers.get("Authorization"), "fields": fields, "path": self.path})
            time.sleep(state.delay)
            body = (state.answer if isinstance(state.answer, str) else json.dumps(state.answer)).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ACCORD_SMS_BACKEND = "http"
    settings.ACCORD_SMS_URL = f"http://127.0.0.1:{server.server_address[1]}/sms.do"
    settings.ACCORD_SMS_TOKEN = "secret-token"
    settings.ACCORD_SMS_FROM = "Accord"
    settings.ACCORD_SMS_TIMEOUT = 1
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def sms(owner: Any, customer: Any, key: str = "sms:1") -> Message:
    company, contact = customer
    return queue_message(
        actor=owner,
        channel="sms",
        to="+48 601 234 567",
        subject="",
        body="Twoja paczka jest w drodze.",
        idempotency_key=key,
        contact=contact,
        company=company,
    )


def test_an_sms_is_posted_as_json_with_the_bearer_token_and_the_gateways_id_kept(owner, customer, gateway):
    from accord.activities.models import Interaction

    message = sms(owner, customer)

    deliver_due()

    assert gateway.requests == [
        {
            "auth": "Bearer secret-token",
            "fields": {"to": "+48601234567", "message": "Twoja paczka jest w drodze.", "from": "Accord"},
            "path": "/sms.do",
        }
    ]
    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.external_id) == ("sent", "GW-1001")
    assert Interaction.objects.get().channel == "sms"


def test_the_form_shape_is_posted_as_a_form(owner, customer, gateway, settings):
    settings.ACCORD_SMS_FORMAT = "form"
    gateway.answer = {"id": "abc"}

    sms(owner, customer)
    deliver_due()

    assert gateway.requests[0]["fields"] == {
        "to": "+48601234567",
        "message": "Twoja paczka jest w drodze.",
        "from": "Accord",
    }
    assert Message.objects.get().external_id == "abc"


def test_a_gateway_error_is_a_retry_with_the_gateways_words(owner, customer, gateway):
    gateway.status = 503
    gateway.answer = "Service temporarily unavailable, try later"

    message = sms(owner, customer)
    deliver_due()

    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.attempts) == ("queued", 1)
    assert stored.error == "HTTP 503: Service temporarily unavailable, try later"


def test_an_error_in_a_200_answer_counts_as_a_failure(owner, customer, gateway):
    gateway.answer = {"error": 13, "message": "No correct phone numbers"}

    sms(owner, customer)
    deliver_due()

    stored = Message.objects.get()
    assert (stored.state, stored.error) == ("queued", "13: No correct phone numbers")


def test_a_refused_message_fails_at_once(owner, customer, gateway):
    gateway.status = 400
    gateway.answer = {"message": "Invalid sender name"}

    sms(owner, customer)
    deliver_due()

    stored = Message.objects.get()
    assert (stored.state, stored.attempts) == ("failed", 1)
    assert "Invalid sender name" in stored.error


def test_a_gateway_that_does_not_answer_in_time_is_a_retry(owner, customer, gateway):
    gateway.delay = 2.5

    sms(owner, customer)
    deliver_due()

    stored = Message.objects.get()
    assert stored.state == "queued"
    assert "did not answer within 1 s" in stored.error


def test_the_file_backend_writes_the_sms_and_sends_nothing(owner, customer, settings, tmp_path):
    settings.ACCORD_SMS_BACKEND = "file"
    settings.ACCORD_SMS_FILE_DIR = tmp_path

    message = sms(owner, customer)
    deliver_due()

    written = json.loads((tmp_path / f"{message.pk}.json").read_text())
    assert written == {"to": "+48601234567", "message": "Twoja paczka jest w drodze."}
    assert Message.objects.get().state == "sent"


def test_without_a_gateway_an_sms_fails_saying_so(owner, customer, settings):
    settings.ACCORD_SMS_BACKEND = "none"

    sms(owner, customer)
    deliver_due()

    stored = Message.objects.get()
    assert (stored.state, stored.error) == ("failed", "no SMS gateway is configured (ACCORD_SMS_BACKEND)")
