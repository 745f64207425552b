"""``accord import_leads FILE``: the same as ``accord import leads FILE`` (see accord.sales.importing)."""

from __future__ import annotations

import importlib

# The module is named after the command, ``import``, which Python's import statement cannot name.
ImportCommand = importlib.import_module("accord.core.management.commands.import").Command


class Command(ImportCommand):  # type: ignore[misc,valid-type]
    help = "Import leads from a CSV or XLSX file; the same as `accord import leads FILE`."
    kind = "leads"
