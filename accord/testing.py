"""Helpers shared by the test suites of several apps."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import CommandError


@dataclass
class CommandRun:
    status: int
    out: str
    err: str


def run_command(*args: str) -> CommandRun:
    """Run an ``accord`` command as the shell would: exit status, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"{exc}\n")
        return CommandRun(exc.returncode, out.getvalue(), err.getvalue())
    return CommandRun(0, out.getvalue(), err.getvalue())
