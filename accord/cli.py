"""The ``accord`` command: Django's management commands under Accord's settings.

``accord run``, ``accord worker``, ``accord demo``, ``accord import contacts FILE`` and the rest are
management commands of the apps; this entry point only points Django at the right settings.
"""

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["bench"] and not os.environ.get("DATABASE_URL"):
        # The benchmark fills its database with a million contacts: never the application's own.
        var_dir = Path(os.environ.get("ACCORD_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir.resolve() / 'bench.sqlite3'}"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["accord", *args])


if __name__ == "__main__":
    main()
