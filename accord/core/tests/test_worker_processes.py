"""The embedded deployment's background worker, as real processes on a real SQLite file: it outlives
another process holding the write lock, its supervisor starts it again when it is killed, and
nothing outlives the server.

These tests start ``accord`` processes of their own against a database file of their own, whatever
database the rest of the suite runs on."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

WORKER = [sys.executable, "-m", "accord", "worker"]
SUPERVISOR = [sys.executable, "-m", "accord.core.supervisor", "--"]


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every migration applied, made once and copied for each test."""
    var = tmp_path_factory.mktemp("accord-var")
    path = var / "template.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "accord", "migrate", "--no-input", "--verbosity", "0"],
        env=environment(var, path),
        check=True,
        timeout=300,
    )
    return path


def environment(var: Path, database: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO"))}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        ACCORD_VAR_DIR=str(var),
        ACCORD_ENV="development",
        LOG_LEVEL="INFO",
        **extra,
    )
    return env


class Site:
    """A database file and the environment for ``accord`` processes working on it."""

    def __init__(self, var: Path, database: Path) -> None:
        self.var = var
        self.database = database
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}

    def env(self, **extra: str) -> dict[str, str]:
        return environment(self.var, self.database, **extra)

    def shell(self, code: str) -> None:
        command = [sys.executable, "-m", "accord", "shell", "-c", code]
        subprocess.run(command, env=self.env(), check=True, timeout=120)  # noqa: S603 - our own code

    def start(self, command: list[str], **extra: str) -> subprocess.Popen[bytes]:
        path = self.var / f"process-{len(self.processes)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(command, env=self.env(**extra), stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        self.processes.append(process)
        self.logs[process.pid] = path
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        """What the process has written to its stdout and stderr so far."""
        return self.logs[process.pid].read_text()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database, timeout=30) as connection:
            return connection.execute(sql, params).fetchall()


def wait_for(what: Callable[[], Any], *, timeout: float = 60.0, every: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"waited {timeout:.0f} s in vain for {what.__doc__ or what}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) still answers signal 0; it does not run any more.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


@pytest.fixture
def site(tmp_path: Path, migrated_file: Path) -> Iterator[Site]:
    database = tmp_path / "accord.sqlite3"
    shutil.copy(migrated_file, database)
    found = Site(tmp_path, database)
    yield found
    for process in found.processes:
        if process.poll() is None:
            process.kill()
            process.wait()


DUE_REMINDER = """
import datetime
from django.utils import timezone
from accord.activities.services import create_task
from accord.identity.models import Role, User
owner = User.objects.create_user(username="owner", password="x-long-password", role=Role.objects.get(code="sales_rep"))
create_task(actor=owner, data={"title": "Call back Ewa", "remind_at": timezone.now() - datetime.timedelta(minutes=1)})
"""


def test_a_worker_outlives_another_process_holding_the_write_lock_and_then_does_its_work(site: Site):
    site.shell(DUE_REMINDER)
    # Another process (an import, say) takes the write lock and holds it far past the busy timeout.
    writer = sqlite3.connect(site.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE identity_user SET first_name = 'Busy'")

    worker = site.start(WORKER, ACCORD_SQLITE_TIMEOUT="1")
    wait_for(lambda: "the database is locked by another writer" in site.output(worker), timeout=60)
    time.sleep(4)  # several more attempts meet the lock
    assert worker.poll() is None, site.output(worker)
    writer.execute("COMMIT")
    writer.close()

    notification = wait_for(
        lambda: site.rows("SELECT subject FROM messaging_message"), timeout=90
    )  # the reminder, through the scheduler, the task queue and the event log
    assert notification == [("Reminder: Call back Ewa",)]
    assert worker.poll() is None
    [(error, stopped)] = wait_for(lambda: site.rows("SELECT last_error, stopped_at FROM core_workerheartbeat"))
    assert error == "OperationalError: database is locked"
    assert stopped is None

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    [(stopped,)] = site.rows("SELECT stopped_at FROM core_workerheartbeat")
    assert stopped is not None
    assert "Traceback" not in site.output(worker)


def test_the_supervisor_starts_a_killed_worker_again_and_stops_it_with_the_server(site: Site):
    supervisor = site.start([*SUPERVISOR, *WORKER])

    def worker_pids() -> list[int]:
        """a worker's heartbeat"""
        return [pid for (pid,) in site.rows("SELECT pid FROM core_workerheartbeat WHERE stopped_at IS NULL")]

    [first] = wait_for(worker_pids)
    os.kill(first, signal.SIGKILL)

    def restarted() -> list[int]:
        """the heartbeat of a worker started again"""
        return [pid for pid in worker_pids() if pid != first]

    [second] = wait_for(restarted)
    assert alive(second)
    assert not alive(first)
    assert f"worker (pid {first}) was killed by SIGKILL; starting it again in 1 s" in site.output(supervisor)

    supervisor.send_signal(signal.SIGTERM)  # what `accord run` does when the server stops
    assert supervisor.wait(timeout=30) == 0
    assert not alive(second)
    assert site.rows("SELECT stopped_at IS NOT NULL FROM core_workerheartbeat WHERE pid = ?", second) == [(1,)]
    assert "worker stopped" in site.output(supervisor)


def test_the_supervisor_stops_its_child_when_the_server_is_killed_without_a_word(site: Site):
    # A stand-in for `accord run`: starts the supervisor (with a child that just sleeps), then is
    # killed with SIGKILL, so it cannot stop anything itself.
    server = site.start(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "child = subprocess.Popen([sys.executable, '-m', 'accord.core.supervisor', '--', 'sleep', '300'])\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(300)\n",
        ]
    )
    supervisor_pid = int(wait_for(lambda: site.output(server).split()[:1])[0])

    def sleeper() -> list[int]:
        """the supervised child"""
        children = Path(f"/proc/{supervisor_pid}/task/{supervisor_pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    [child] = wait_for(sleeper, timeout=20)
    server.kill()
    server.wait()

    wait_for(lambda: not alive(supervisor_pid), timeout=20)
    assert not alive(child)


def test_accord_run_serves_pages_static_files_and_websockets(site: Site):
    import asyncio
    import socket
    import urllib.request

    import websockets

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = site.start([sys.executable, "-m", "accord", "run", "--no-worker", "--port", str(port)])
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        """the server answers"""
        try:
            with urllib.request.urlopen(f"{base}/static/service/service.css", timeout=2) as answer:  # noqa: S310
                return answer.status == 200 and "css" in answer.headers["Content-Type"]
        except OSError:
            return False

    wait_for(up, timeout=60)
    with urllib.request.urlopen(f"{base}/login/", timeout=5) as answer:  # noqa: S310
        assert answer.status == 200

    async def refused_status() -> int:
        """An unknown widget key: the WebSocket route is there, the chat consumer refuses it."""
        url = f"ws://127.0.0.1:{port}/ws/service/chat/visitor/no-such-key/"
        try:
            async with websockets.connect(url, origin=websockets.Origin("https://shop.example.com")):
                return 101
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    assert asyncio.run(refused_status()) == 403
    assert "uvicorn" in site.output(server).lower()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
