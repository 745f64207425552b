"""Dry runs that do not stop other people's work.

A dry run does everything a real run does (so an import counts in-file duplicates and the companies
it would create exactly) and rolls it all back. On PostgreSQL that is harmless: readers and other
writers go on beside the open transaction. SQLite has one writer at a time, so a dry run of a big
file would hold the write lock for minutes and every save in the web UI and the API would fail
with "database is locked". There, :func:`isolated` runs the work on a snapshot of the database
taken with SQLite's online backup (readers and writers go on while it is copied), and throws the
snapshot away afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)

# Room left on the disk beyond the snapshot itself (the snapshot grows while the run writes to it).
HEADROOM = 2


@contextlib.contextmanager
def isolated(alias: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Run the block against a throw-away copy of an SQLite database, in this thread only.

    Yields whether the block runs on a copy. It does not (and the block runs on the database
    itself, as before) on PostgreSQL, where it is not needed; inside an open transaction, whose
    uncommitted rows a copy could not see; and when the disk has no room for the copy, which is
    logged. Whatever the block writes is lost with the copy: use it only for work that rolls back.
    """
    conn = connections[alias]
    if conn.vendor != "sqlite" or conn.in_atomic_block:
        yield False
        return
    conn.ensure_connection()
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        size = pages * cursor.fetchone()[0]
    folder = Path(settings.VAR_DIR) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(folder).free < HEADROOM * size:
        log.warning("no room for a %d-byte copy in %s: the dry run holds the database's write lock", size, folder)
        yield False
        return
    workdir = Path(tempfile.mkdtemp(prefix="dry-run-", dir=folder))
    try:
        path = workdir / "copy.sqlite3"
        target = sqlite3.connect(path)
        try:
            conn.connection.backup(target)  # one step: a consistent snapshot of what is committed
        finally:
            target.close()
        copy = conn.__class__({**conn.settings_dict, "NAME": str(path)}, alias)
        connections[alias] = copy
        try:
            yield True
        finally:
            connections[alias] = conn
            copy.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
