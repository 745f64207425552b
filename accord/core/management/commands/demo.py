"""``accord demo``: load demo data (see accord.core.demo)."""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accord.core.demos import DemoContext


class Command(BaseCommand):
    help = "Load demo data: users, companies, contacts, two years of interactions and tasks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=float, default=1.0, help="Scale (1.0: ~1k companies, 5k contacts)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the database has users")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and get_user_model().objects.exists():
            self.stdout.write("The database already has users; no demo data loaded.")
            return
        if options["size"] <= 0:
            self.stderr.write("--size must be greater than 0.")
            return
        started = time.monotonic()
        ctx = DemoContext(size=options["size"], seed=options["seed"], log=self.stdout.write)
        with transaction.atomic():
            for config in apps.get_app_configs():
                if not config.name.startswith("accord.") or not module_has_submodule(config.module, "demo"):
                    continue
                module = importlib.import_module(f"{config.name}.demo")
                module.generate(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s."))
