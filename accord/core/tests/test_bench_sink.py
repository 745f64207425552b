"""The sending benchmarks' lean SMTP sink takes what an SMTP client sends over one connection,
keeps every Message-ID once, and writes them out when asked."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

SINK = Path(__file__).resolve().parents[3] / "benchmarks" / "smtp_sink.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_sink_keeps_each_message_id(tmp_path: Path) -> None:
    port, dump = _free_port(), tmp_path / "ids"
    command = [sys.executable, str(SINK), str(port), str(dump)]
    sink = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own script
    try:
        assert sink.stdout is not None
        assert sink.stdout.readline().strip() == "ready"
        with smtplib.SMTP("127.0.0.1", port) as client:
            for i in range(5):
                message = EmailMessage()
                message["Subject"], message["From"], message["To"] = f"Hello {i}", "a@example.com", "b@example.com"
                message["Message-ID"] = f"<m{i}@example.com>"
                message.set_content("line\n.\n..dots\n" * (i * 2000 + 1))
                client.send_message(message)
        sink.send_signal(signal.SIGUSR1)
        for _ in range(50):
            if dump.exists() and dump.read_bytes().count(b"\n") == 4:
                break
            time.sleep(0.05)
        assert dump.read_bytes().split(b"\n") == [f"<m{i}@example.com>".encode() for i in range(5)]
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=10)
