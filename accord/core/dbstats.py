"""The query planner's statistics: how many rows each table holds and how selective each index is.

PostgreSQL's autovacuum keeps its own. SQLite has none until ``ANALYZE`` runs, and then one flaw:
it counts empty (NULL) keys as equal, so a UNIQUE column that most rows leave empty (an external
id only synchronised records carry) looks like one key shared by half the table. The planner then
scans a million contacts to find the few external ids of a bulk upsert instead of looking them up.
``refresh`` gathers the statistics and states what a unique index guarantees: one row per key.
"""

from __future__ import annotations

from typing import Any

from django.db import connections


def refresh(using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # about 7 s at a million contacts and five million interactions
        _unique_keys_find_one_row(cursor)
        cursor.execute("ANALYZE sqlite_schema")  # the planner rereads the statistics


def _unique_keys_find_one_row(cursor: Any) -> None:
    cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL")
    for table, index, stat in cursor.fetchall():
        cursor.execute(f'PRAGMA index_list("{table}")')
        if not any(row[1] == index and row[2] for row in cursor.fetchall()):
            continue
        words = stat.split(" ")
        # "rows per-prefix-averages... [options]": the average for the whole key is the last number.
        numbers = [i for i, word in enumerate(words) if word.isdigit()]
        if len(numbers) >= 2 and words[numbers[-1]] != "1":
            words[numbers[-1]] = "1"
            cursor.execute(
                "UPDATE sqlite_stat1 SET stat = %s WHERE tbl = %s AND idx = %s", [" ".join(words), table, index]
            )
