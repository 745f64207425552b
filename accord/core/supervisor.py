"""Keeps one child process running: ``python -m accord.core.supervisor -- COMMAND ...``.

``accord run`` starts its background worker through this. A worker that exits unexpectedly (killed,
out of memory, a bug) is started again after a wait that doubles with each quick exit in a row
(1, 2, 4 ... seconds, at most a minute), each exit logged. On SIGTERM or SIGINT the child is asked
to stop (SIGTERM), given ``stop_timeout`` seconds to finish its task, then killed. If the process
that started the supervisor goes away without a word (killed with SIGKILL), the supervisor stops
the child and exits too, so no worker outlives its server.

Why a process of its own rather than a thread in ``accord run``: gunicorn's master process reaps
every child it has (``waitpid(-1)``), so it would take the worker's exit status, and threads do not
mix well with the forks of its web workers. This module imports nothing of Django: it costs a few
megabytes.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from accord.core.backoff import Backoff

log = logging.getLogger("accord.supervisor")


class Supervisor:
    def __init__(
        self,
        command: Sequence[str],
        *,
        name: str = "worker",
        backoff: Backoff | None = None,
        healthy_after: float = 60.0,
        stop_timeout: float = 15.0,
        poll: float = 0.5,
    ) -> None:
        self.command = list(command)
        self.name = name
        self.backoff = backoff or Backoff(first=1.0, longest=60.0)
        self.healthy_after = healthy_after  # a child that ran this long had no start-up trouble
        self.stop_timeout = stop_timeout
        self.poll = poll
        self.stopping = False
        self.child: subprocess.Popen[bytes] | None = None

    def stop(self, signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        self.stopping = True

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.stop)
        parent = os.getppid()
        try:
            while not self.stopping:
                started = time.monotonic()
                self.child = subprocess.Popen(self.command)  # noqa: S603 - our own command line
                log.info("%s started (pid %d)", self.name, self.child.pid)
                while not self.stopping and self.child.poll() is None:
                    if os.getppid() != parent:
                        log.warning("the server went away: stopping the %s", self.name)
                        self.stopping = True
                        break
                    time.sleep(self.poll)
                if self.stopping:
                    break
                if time.monotonic() - started >= self.healthy_after:
                    self.backoff.reset()
                delay = self.backoff.next_delay()
                log.error(
                    "%s (pid %d) %s; starting it again in %.0f s",
                    self.name,
                    self.child.pid,
                    describe_exit(self.child.returncode),
                    delay,
                )
                deadline = time.monotonic() + delay
                while not self.stopping and time.monotonic() < deadline:
                    time.sleep(min(self.poll, max(0.0, deadline - time.monotonic())))
        finally:
            self._stop_child()
        return 0

    def _stop_child(self) -> None:
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %d) did not stop in %.0f s: killing it", self.name, child.pid, self.stop_timeout)
            child.kill()
            child.wait()
        log.info("%s stopped", self.name)


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("usage: python -m accord.core.supervisor -- COMMAND [ARG ...]", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    return Supervisor(args).run()


if __name__ == "__main__":
    sys.exit(main())
