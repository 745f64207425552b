"""``accord reindex``: rebuild the search indexes from the ``search_text`` columns.

Needed on SQLite after a ``VACUUM`` (which may renumber the rows the full-text index points at) or
after restoring a backup made with other tools; on PostgreSQL it also refills the dictionary of
words that near misses are looked up in. Harmless at any time.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from accord.core import search


class Command(BaseCommand):
    help = "Rebuild the search indexes."

    def handle(self, *args: Any, **options: Any) -> None:
        models = search.searchable_models()
        for model in models:
            search.rebuild_index(connection, model._meta.db_table)
        self.stdout.write(f"Rebuilt {len(models)} search indexes.")
        if connection.vendor == "postgresql":
            words = search.rebuild_words(connection)
            self.stdout.write(f"The dictionary of words for near misses holds {words} words.")
