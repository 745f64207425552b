"""The ``accord`` command: Django's management commands under Accord's settings.

``accord run``, ``accord worker``, ``accord demo``, ``accord import contacts FILE`` and the rest are
management commands of the apps; this entry point only points Django at the right settings.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["accord", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
