"""``accord run``: the web server and, beside it, a supervised worker — the whole embedded deployment.

The server is gunicorn with uvicorn's worker class, serving the ASGI application (``accord/asgi.py``):
pages, the API and static files as before, and the live chat's WebSockets. With the in-memory
channel layer (no CHANNEL_LAYER_URL or REDIS_URL) a chat's visitor and agent must reach the same
process, so one web process serves; with Redis as many as asked."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from accord.core.demos import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Serve Accord (gunicorn with uvicorn workers, ASGI) with a background worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        # Taken for the scripts that still pass it: under ASGI Django runs synchronous views in one
        # thread per process, so there is nothing for it to size.
        parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
        parser.add_argument("--no-worker", action="store_true", help="Do not start a background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if not options["no_worker"]:
            # Through a supervisor that starts the worker again should it exit (accord/core/supervisor.py).
            supervisor = [sys.executable, "-m", "accord.core.supervisor", "--"]
            worker = subprocess.Popen([*supervisor, sys.executable, "-m", "accord", "worker", "--verbosity", "0"])  # noqa: S603

        host = "localhost" if options["host"] in ("127.0.0.1", "0.0.0.0") else options["host"]  # noqa: S104
        url = f"http://{host}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Accord is running at {url}"))
        logins = demo_logins()
        if logins:
            self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r} for each):")
            for username, role in logins:
                self.stdout.write(f"  {username:<10} {role}")
        self.stdout.write(f"API documentation: {url}api/v1/docs")
        self.stdout.write("Press Ctrl+C to stop.\n")

        bind = f"{options['host']}:{options['port']}"
        shared_layer = "InMemory" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]
        workers = options["workers"] if shared_layer else 1

        class App(BaseApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("worker_class", "uvicorn_worker.UvicornWorker")
                self.cfg.set("accesslog", "-" if settings.DEBUG else None)
                self.cfg.set("graceful_timeout", 10)
                self.cfg.set("timeout", 120)
                # gunicorn's control socket lands in the home directory; nothing here uses it.
                self.cfg.set("control_socket_disable", True)
                # The application is loaded once, before the workers fork (see load()).
                self.cfg.set("preload_app", True)

            def load(self) -> Any:
                from django.db import connections
                from django.urls import get_resolver

                from accord.asgi import application

                get_resolver().url_patterns  # noqa: B018 - imports every view and API schema now
                connections.close_all()  # each worker opens its own
                # Everything loaded so far (Django, the apps, URL patterns, API schemas) lives as
                # long as the process: frozen, the cycle collector stops walking it on every full
                # collection, and the forked workers keep sharing its memory pages.
                gc.collect()
                gc.freeze()
                return application

        try:
            App().run()
        finally:
            if worker is not None and worker.poll() is None:
                # The supervisor asks the worker to stop and waits up to 15 s for its task.
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
