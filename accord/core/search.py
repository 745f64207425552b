"""Text search over a model's ``search_text`` column, on PostgreSQL and SQLite alike.

Each searchable model keeps a ``search_text`` column: its names, e-mails, phones and tax ids, folded
to lower case without diacritics (so "lukasz" finds "Łukasz"). The column is indexed per database:

* PostgreSQL: a GIN ``gin_trgm_ops`` index (pg_trgm); substring matches use it through LIKE. Typo
  matches first ask a dictionary of the words in every search text (``search_word``, a few
  thousand to a few hundred thousand short rows with a trigram index of their own) which known
  words look like the mistyped ones, then look for rows containing those; triggers keep it filled
  (see ``install_words``). A query with no word to correct (phone digits) falls back to pg_trgm's
  word similarity (``<%``) over the whole column.
* SQLite: an FTS5 table with the trigram tokenizer, kept in step with the column by triggers, so
  bulk inserts and raw updates are indexed too. A bulk insert runs inside ``indexed_in_bulk``,
  which indexes the new rows in one statement instead (see there).

``matching`` narrows a queryset to substring matches (list filters); ``ranked`` returns the best
matches for a search box, tolerant of typos, re-scored with rapidfuzz.
"""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import phonenumbers
from django.conf import settings
from django.db import connections, models, transaction
from django.db.migrations.operations.base import Operation
from django.db.models import Q
from django.db.models.expressions import RawSQL
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

M = TypeVar("M", bound=models.Model)

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D+")
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]{5,}$")
# The least rapidfuzz score a near miss needs. Below it lie different names that merely share a few
# letters ("kowalsky" scores 62 against "lukasz nowak"); above it, typos of the same name ("kowalsky"
# scores 82 against "jan kowalski"). It also makes the two databases agree: SQLite offers every row
# sharing a trigram, PostgreSQL only those pg_trgm finds similar, and this filter decides for both.
MIN_SCORE = 75.0
# How many near misses are read to rank (rows containing the query as typed: ``ranked``'s candidates).
TYPO_CANDIDATES = 20


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What separates the words of a search text in the dictionary of words: ASCII spaces, digits and
# punctuation (so an e-mail's parts are words of their own), the classes PostgreSQL's regular
# expressions give in any locale. Everything else, Cyrillic included, is part of a word.
_WORD_BREAKS = re.compile(r"[\s!-@\[-`{-~]+")
_WORD_BREAKS_SQL = "[[:space:][:punct:][:digit:]]+"
WORD_LENGTHS = (3, 40)
# How many known words pg_trgm offers for one mistyped word; of those, the ones the fewest edits
# away (at most ``_MAX_EDITS``) stand in for it.
_LOOK_ALIKES = 20
_MAX_EDITS = 2


def normalize(text: str) -> str:
    """Lower case, no diacritics, no control characters, single spaces: the form both the index
    and the query take."""
    text = text or ""
    if text.isascii() and text.isprintable() and "  " not in text and text.strip(" ") == text:
        return text.lower()  # the common case (e-mails, plain names): nothing to fold or squeeze
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD))
        text = "".join(
            " " if unicodedata.category(ch)[0] == "C" else ch for ch in text if not unicodedata.combining(ch)
        )
    elif _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text.lower() if text.isascii() else text.casefold()).strip()


def query_terms(query: str) -> str:
    """The query in the index's form; phone-like input keeps only its digits (see ``phone_query``)."""
    query = query.strip()
    if _PHONE_LIKE.match(query):
        return phone_query(query)
    return normalize(query)


def phone_query(query: str) -> str:
    """The digits to look for when someone types a phone number, as ``phone_terms`` stores them.

    ``+48 601…`` and the international prefix ``0048 601…`` / ``00 48 601…`` are the same number
    (48601…). A whole national number of ACCORD_DEFAULT_COUNTRY loses its trunk prefix
    (``020 7946 0018`` -> 2079460018 in GB; nothing changes in Poland, which has none): stored
    numbers keep their national form without it. Anything else, a fragment, is looked for as typed
    (so a REGON or NIP typed in groups is found as its digits).
    """
    digits = _NON_DIGITS.sub("", query)
    stripped = query.lstrip()
    if stripped.startswith("+"):
        return digits
    if stripped.startswith("00") and len(digits) > 2:
        return digits[2:]
    try:
        parsed = phonenumbers.parse(query, str(settings.DEFAULT_COUNTRY).upper())
    except phonenumbers.NumberParseException:
        return digits
    if phonenumbers.is_valid_number(parsed):
        return str(phonenumbers.national_significant_number(parsed))
    return digits


def document(*parts: Any) -> str:
    """Build a ``search_text`` value from the parts of a record (None and blanks skipped)."""
    seen: list[str] = []
    for part in parts:
        if not part:
            continue
        value = normalize(str(part))
        if value and value not in seen:
            seen.append(value)
    return " | ".join(seen)


def phone_terms(e164: str) -> list[str]:
    """The forms a person types a phone number in: +48601234567 -> 48601234567, 601234567."""
    digits = _NON_DIGITS.sub("", e164 or "")
    if not digits:
        return []
    for length in (1, 2, 3):  # country calling codes are one to three digits and prefix-free
        if int(digits[:length]) in COUNTRY_CODE_TO_REGION_CODE and len(digits) > length:
            return [digits, digits[length:]]
    return [digits]


def fts_table(model: type[models.Model]) -> str:
    return f"{model._meta.db_table}_fts"


def _vendor(model: type[models.Model]) -> str:
    return connections["default"].vendor


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def matching(queryset: models.QuerySet[M], query: str) -> models.QuerySet[M]:
    """Rows whose search text contains the query (every word of it, in any order), found through
    the model's search index. Only models registered with the search service have one."""
    model = queryset.model
    if not is_searchable(model):
        raise ValueError(f"{model._meta.label} is not registered with the search service")
    words = [w for w in query_terms(query).split(" ") if w]
    if not words:
        return queryset
    table = model._meta.db_table
    if _vendor(model) == "sqlite":
        long_words = [w for w in words if len(w) >= 3]
        short_words = [w for w in words if len(w) < 3]
        if long_words:
            match = " AND ".join(_fts_phrase(w) for w in long_words)
            queryset = queryset.filter(
                RawSQL(
                    f'"{table}".rowid IN (SELECT rowid FROM "{fts_table(model)}" WHERE "{fts_table(model)}" MATCH %s)',
                    [match],
                    output_field=models.BooleanField(),
                )
            )
        for word in short_words:
            queryset = queryset.filter(search_text__contains=word)
        return queryset
    for word in words:
        queryset = queryset.filter(_pg_contains(queryset, word))
    return queryset


_ALNUM_RUNS = re.compile(r"[^\W_]+")


def _pg_contains(queryset: models.QuerySet[Any], word: str) -> Q:
    """``search_text`` contains ``word``, asked so that pg_trgm's index is quick about it.

    pg_trgm reads punctuation inside a LIKE pattern as the edge of a word and adds the trigrams of
    a word's start and end ("  s", " sa" for ".sak"), which nearly every row has: looking up
    "arijus.sak" that way decodes posting lists of most of the table (43 ms at a million contacts).
    The index is asked for the word's letter runs instead ("arijus", "sak": 2 ms), and the whole
    word is checked on the rows it returns, as an expression the index does not serve.
    """
    runs = [run for run in _ALNUM_RUNS.findall(word) if len(run) >= 3]
    if not runs or runs == [word]:
        return Q(search_text__contains=word)
    connection = connections[queryset.db]
    table = queryset.model._meta.db_table
    whole = RawSQL(
        f'("{table}"."search_text" || \'\') LIKE %s',
        [f"%{connection.ops.prep_for_like_query(word)}%"],
        output_field=models.BooleanField(),
    )
    condition = Q(whole)
    for run in runs:
        condition &= Q(search_text__contains=run)
    return condition


@dataclass
class Hit:
    obj: Any
    score: float


def _fts_walk(queryset: models.QuerySet[M], match: str, want: int, *, extra: Q | None = None) -> list[M]:
    """Up to ``want`` rows of ``queryset`` (already scoped to what the user may see) whose FTS
    entry matches ``match``, in index order.

    SQLite is given the matches a batch at a time (``rowid > last ORDER BY rowid LIMIT n``, which
    FTS5 reads lazily), each batch growing fourfold, until enough visible rows are found. Asked as
    one query, it either collects every match first (``rowid IN (SELECT ...)``: a sixth of a
    million contacts contain "gmail") or, when the access policy's filter looks selective, loops
    over the user's rows and runs the full-text query once per row; both take seconds.
    """
    model = queryset.model
    table, fts = model._meta.db_table, fts_table(model)
    connection = connections[queryset.db]
    found: list[M] = []
    after, batch = 0, max(want * 2, 100)
    while len(found) < want:
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s AND rowid > %s ORDER BY rowid LIMIT %s',
                [match, after, batch],
            )
            rowids = [row[0] for row in cursor.fetchall()]
        if not rowids:
            break
        rows = queryset.filter(
            RawSQL(
                f'"{table}".rowid IN ({",".join(str(int(r)) for r in rowids)})',
                [],
                output_field=models.BooleanField(),
            )
        )
        if extra is not None:
            rows = rows.filter(extra)
        found.extend(rows.order_by()[: want - len(found)])
        if len(rowids) < batch:
            break
        after, batch = rowids[-1], batch * 4
    return found


def _substring_candidates(queryset: models.QuerySet[M], query: str, want: int) -> list[M]:
    """Up to ``want`` rows that ``matching`` would return, for the search box."""
    words = [w for w in query_terms(query).split(" ") if w]
    long_words = [w for w in words if len(w) >= 3]
    if _vendor(queryset.model) != "sqlite" or not long_words:
        return list(matching(queryset, query)[:want])
    short = Q()
    for word in words:
        if len(word) < 3:
            short &= Q(search_text__contains=word)
    return _fts_walk(queryset, " AND ".join(_fts_phrase(w) for w in long_words), want, extra=short)


def _one_edit_patterns(terms: str) -> list[tuple[str, ...]]:
    """What a text must contain to be within one typo of ``terms``: for each place a character
    could have been mistyped, dropped, doubled or swapped with the next, the parts on either side
    (those of three characters or more; a part that is the whole rest stands alone)."""
    patterns: set[tuple[str, ...]] = set()
    for i in range(len(terms)):
        for gap in (1, 2):  # one character wrong or missing; two swapped
            left, right = terms[:i].strip(), terms[i + gap :].strip()
            parts = tuple(p for p in (left, right) if len(p) >= 3)
            # Enough of the query must remain to be selective: a lone part needs four characters.
            if parts and sum(len(p) for p in parts) >= max(4 if len(parts) == 1 else 6, len(terms) - 3):
                patterns.add(parts)
    return sorted(patterns)


def _fts_any(patterns: Sequence[tuple[str, ...]]) -> str:
    """An FTS5 query matching any of ``patterns`` (each: all of its parts)."""
    return " OR ".join("(" + " AND ".join(_fts_phrase(p) for p in parts) + ")" for parts in patterns)


def _typo_candidates(queryset: models.QuerySet[M], terms: str, want: int) -> list[M]:
    """Up to ``want`` rows that could be a misspelling of the query (one character wrong, missing,
    extra or swapped)."""
    model = queryset.model
    table = model._meta.db_table
    if _vendor(model) == "sqlite":
        # Each alternative needs all of its (long) parts, so FTS5 intersects short posting lists
        # instead of visiting every row that shares a single common trigram with the query. The
        # walk filters by the access policy after the match, so rows this user cannot see never
        # crowd out the ones they can.
        alternatives = [_fts_any(_one_edit_patterns(terms))]
        words = [w for w in terms.split(" ") if w]
        if len(words) > 1:
            # Words in another order than stored ("kowlaski jan"): each word within one typo.
            per_word = [_fts_any(_one_edit_patterns(w)) for w in words]
            alternatives.append(" AND ".join(f"({p})" for p in per_word if p))
        match = " OR ".join(f"({a})" for a in alternatives if a)
        return _fts_walk(queryset, match, want) if match else []
    groups = _known_look_alikes(connections[queryset.db], terms)
    if groups is None:
        if sum(ch.isdigit() for ch in terms) < 3:
            return []  # no word and no number to correct ("wp.pl")
        # A number (phone, tax id): the dictionary holds no digits, so compare the whole column.
        similar = queryset.filter(
            RawSQL(f'%s <%% "{table}"."search_text"', [terms], output_field=models.BooleanField())
        ).order_by(RawSQL(f'word_similarity(%s, "{table}"."search_text")', [terms]).desc())
        return list(similar[:want])
    if not groups:
        return []
    # The longest word leads: each of its look-alikes gets a share of the candidates, so one very
    # common look-alike ("nowak") cannot crowd out a rarer, closer one ("nowik").
    groups.sort(key=lambda group: -len(group[0]))
    lead, rest = groups[0][1], groups[1:]
    others = Q()
    for _word, alternatives in rest:
        others &= _any_contains(alternatives)
    found: list[M] = []
    share = max(want // len(lead), 5)
    for alternative in lead:
        found.extend(queryset.filter(others, search_text__contains=alternative)[:share])
    return found


def _any_contains(words: Sequence[str]) -> Q:
    condition = Q()
    for word in words:
        condition |= Q(search_text__contains=word)
    return condition


def _query_words(terms: str) -> list[str]:
    """The words of a (normalised) query that the dictionary of words could hold."""
    low, high = WORD_LENGTHS
    return [w for w in _WORD_BREAKS.split(terms) if low <= len(w) <= high]


def _known_look_alikes(connection: Any, terms: str) -> list[tuple[str, list[str]]] | None:
    """For each word of the query, the known words nearest to it: itself and its one-slip
    neighbours if it is known, else those the fewest typing slips away (a letter wrong, missing,
    extra, or two swapped; at most two for words of six letters or more, one for shorter ones).
    pg_trgm's similarity offers candidates and the edit distance decides, since a swap of two
    letters ("pualauskas") breaks as many trigrams as a different name ("sakalauskas") does. A
    word with no such neighbour is left out; None when the query has no word to look up."""
    words = _query_words(terms)
    if not words:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q.word, x.word FROM unnest(%s::text[]) WITH ORDINALITY AS q(word, n) "
            "CROSS JOIN LATERAL (SELECT w.word, similarity(w.word, q.word) AS closeness FROM search_word w "
            "WHERE w.word %% q.word GROUP BY w.word ORDER BY closeness DESC, w.word LIMIT %s) AS x "
            "ORDER BY q.n, x.closeness DESC, x.word",
            [words, _LOOK_ALIKES],
        )
        rows = cursor.fetchall()
    offered: dict[str, list[str]] = {}
    for word, alternative in rows:
        offered.setdefault(word, []).append(alternative)
    groups = []
    for word, alternatives in offered.items():
        distances = {alt: OSA.distance(word, alt) for alt in alternatives}
        nearest = min(distances.values())
        # A known word may still be the slip ("jana" typed for "jan"): its one-slip neighbours too.
        reach = 1 if nearest == 0 else nearest
        if nearest <= (_MAX_EDITS if len(word) >= 6 else 1):
            groups.append((word, [alt for alt in alternatives if distances[alt] <= reach]))
    return groups


def ranked(
    queryset: models.QuerySet[M],
    query: str,
    *,
    limit: int = 10,
    label: Callable[[M], Sequence[str]],
    candidates: int = 100,
    fields: Sequence[str] = (),
) -> list[Hit]:
    """The best ``limit`` matches for a search box: the rows containing the query, or when there
    are none, its near misses (one typo away).

    ``label`` gives the strings a person would recognise a row by (name, e-mail...); the final
    order is rapidfuzz's score of the query against them, so both databases agree. ``fields``,
    when given, are the only columns read (those ``label`` and the caller use).
    """
    terms = query_terms(query)
    if not terms:
        return []
    # Hundreds of candidates are read to keep ten: leave out the columns no label or hit shows.
    if fields:
        queryset = queryset.only(*fields, "search_text")
    else:
        bulky = [name for name in ("custom", "notes") if name in {f.name for f in queryset.model._meta.concrete_fields}]
        queryset = queryset.defer(*bulky)
    found: dict[Any, Any] = {obj.pk: obj for obj in _substring_candidates(queryset, query, candidates)}
    # Near misses only when nothing matches as typed: someone who typed a name that exists
    # wants that record, not its look-alikes, and the typo step is the costly half of a search.
    # They mostly share one spelling ("urbonas" for "urobnas"), so a score of them shows the
    # ten best as well as hundreds would, at a fraction of the reading.
    if not found and len(terms) >= 3:
        for obj in _typo_candidates(queryset, terms, min(candidates, TYPO_CANDIDATES)):
            found.setdefault(obj.pk, obj)
    scored = []
    for obj in found.values():
        names = [_normalized_label(s) for s in label(obj) if s]
        best = max((_score(terms, name) for name in names), default=0.0)
        substring = any(terms in name for name in names) or terms in getattr(obj, "search_text", "")
        if substring:
            best = max(best, 90.0)
        if best >= MIN_SCORE:
            scored.append((-best, " ".join(names), Hit(obj=obj, score=best)))
    scored.sort(key=lambda row: row[:2])
    return [hit for _score_, _name, hit in scored[:limit]]


# Ranking normalises the names of hundreds of candidates per search, and names repeat.
_normalized_label = functools.lru_cache(maxsize=16384)(normalize)


def similarity(query: str, text: str) -> float:
    """How much ``text`` looks like ``query`` (both in the index's form), 0-100, as ranking scores it."""
    return _score(query, text)


def _score(query: str, text: str) -> float:
    if text.startswith(query):
        return 100.0
    return max(fuzz.WRatio(query, text), fuzz.partial_ratio(query, text) - 5)


def _sqlite_insert_trigger(table: str) -> str:
    fts = f"{table}_fts"
    return (
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" BEGIN '
        f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.rowid, new.search_text); END'
    )


def _sqlite_index_sql(table: str) -> list[str]:
    fts = f"{table}_fts"
    return [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5('
        f"search_text, content='{table}', content_rowid='rowid', tokenize='trigram')",
        _sqlite_insert_trigger(table),
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" BEGIN '
        f'INSERT INTO "{fts}"("{fts}", rowid, search_text) VALUES (\'delete\', old.rowid, old.search_text); END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF search_text ON "{table}" BEGIN '
        f'INSERT INTO "{fts}"("{fts}", rowid, search_text) VALUES (\'delete\', old.rowid, old.search_text); '
        f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.rowid, new.search_text); END',
        f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')',
    ]


@contextlib.contextmanager
def indexed_in_bulk(connection: Any, table: str) -> Iterator[None]:
    """Index the rows inserted into ``table`` inside the block all at once, when it ends.

    On SQLite the insert trigger makes FTS5 write its pending terms to disk after every row (each
    row's insert is a statement of its own, and FTS5 flushes at every statement boundary), which
    costs four times the insert itself. Inside this block the trigger is dropped; at its end one
    statement indexes every row added since it began and the trigger is created again. All of it
    is one transaction (a savepoint inside the caller's): no other connection can write meanwhile
    or ever sees the table without its trigger, and a failure rolls the trigger back in place.
    Elsewhere (PostgreSQL, a table without an index) the block just runs.
    """
    if connection.vendor != "sqlite":
        yield
        return
    fts = f"{table}_fts"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s", [f"{fts}_ai"])
        if not cursor.fetchone()[0]:
            yield
            return
        cursor.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"')
        start = cursor.fetchone()[0]
        cursor.execute(f'DROP TRIGGER "{fts}_ai"')
        yield
        # New rows get rowids above the largest one there was: these are exactly the rows added.
        cursor.execute(
            f'INSERT INTO "{fts}"(rowid, search_text) SELECT rowid, search_text FROM "{table}" WHERE rowid > %s',
            [start],
        )
        cursor.execute(_sqlite_insert_trigger(table))


def install_index(connection: Any, table: str) -> None:
    """Create the search index of ``table`` if it is missing (idempotent)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" USING gin (search_text gin_trgm_ops)'
            )
        elif connection.vendor == "sqlite":
            for statement in _sqlite_index_sql(table):
                cursor.execute(statement)


def repair_indexes(connection: Any, models_: Sequence[type[models.Model]]) -> list[str]:
    """Reinstall SQLite search triggers that a table rebuild dropped; returns the tables repaired.

    SQLite alters a table by copying it into a new one, which drops the table's triggers and
    renumbers its rowids, so after any migration the FTS index may be stale: rebuild it then.
    """
    if connection.vendor != "sqlite":
        return []
    repaired = []
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND tbl_name=%s AND name LIKE %s",
                [table, f"{table}_fts_a_"],
            )
            if cursor.fetchone()[0] != 3:
                repaired.append(table)
    for table in repaired:
        install_index(connection, table)
    return repaired


def rebuild_index(connection: Any, table: str) -> None:
    """Rebuild ``table``'s search index from its ``search_text`` column (installing it if missing)."""
    install_index(connection, table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'REINDEX INDEX "{table}_search_trgm"')
        elif connection.vendor == "sqlite":
            cursor.execute(f'INSERT INTO "{table}_fts"("{table}_fts") VALUES (\'rebuild\')')


def _words_of(source: str) -> str:
    """SELECT of the distinct dictionary words in ``source``'s search texts that it lacks yet."""
    low, high = WORD_LENGTHS
    return (
        f"SELECT DISTINCT w FROM {source}, regexp_split_to_table(search_text, '{_WORD_BREAKS_SQL}') AS w "
        f"WHERE length(w) BETWEEN {low} AND {high} AND NOT EXISTS (SELECT 1 FROM search_word s WHERE s.word = w)"
    )


_WORDS_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE IF NOT EXISTS search_word (word text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS search_word_word ON search_word (word)",
    "CREATE INDEX IF NOT EXISTS search_word_trgm ON search_word USING gin (word gin_trgm_ops)",
    # A bulk insert (COPY included) hands its rows over once, as a transition table.
    "CREATE OR REPLACE FUNCTION search_words_of_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO search_word (word) {_words_of('new_rows')}; RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION search_words_of_new_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO search_word (word) {_words_of('(SELECT NEW.search_text) AS new_row(search_text)')}; "
    "RETURN NULL; END $$",
]


def _searchable_tables() -> list[str]:
    return [model._meta.db_table for model in searchable_models()]


def install_words(connection: Any, tables: Sequence[str] | None = None) -> list[str]:
    """Keep the dictionary of words (PostgreSQL) filled from ``tables`` (by default every
    searchable model's); returns the tables newly taken in, whose existing words were added then.
    Idempotent, and a no-op elsewhere.

    The dictionary has no unique index on purpose: two transactions adding the same new word
    would otherwise wait on each other, and deadlock when each holds a word the other needs.
    A word added twice is harmless (look-ups group them) and ``rebuild_words`` drops the spares,
    and words of deleted rows. An update that leaves the search text alone (handing contacts to
    another owner) does not fire the trigger at all.
    """
    if connection.vendor != "postgresql":
        return []
    tables = _searchable_tables() if tables is None else tables
    added = []
    with connection.cursor() as cursor:
        for statement in _WORDS_SQL:
            cursor.execute(statement)
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["%_words_ai"])
        present = {row[0] for row in cursor.fetchall()}
        for table in tables:
            if f"{table}_words_ai" in present:
                continue
            cursor.execute(
                f'CREATE TRIGGER "{table}_words_ai" AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS new_rows '
                "FOR EACH STATEMENT EXECUTE FUNCTION search_words_of_new_rows()"
            )
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_words_au" ON "{table}"')
            cursor.execute(
                f'CREATE TRIGGER "{table}_words_au" AFTER UPDATE OF search_text ON "{table}" FOR EACH ROW '
                "WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) EXECUTE FUNCTION search_words_of_new_row()"
            )
            cursor.execute(f"INSERT INTO search_word (word) {_words_of(f'{connection.ops.quote_name(table)}')}")
            added.append(table)
    return added


def rebuild_words(connection: Any, tables: Sequence[str] | None = None) -> int:
    """Refill the dictionary of words from ``tables`` (by default every searchable model's;
    PostgreSQL only); returns how many words it holds.

    Run nightly and by ``accord reindex``: it drops the words no row uses any more and any word
    added twice. One transaction, so searches meanwhile see the old dictionary, never an empty one.
    A word first saved while it runs may be dropped until the next refill; the dictionary only
    suggests corrections, so that costs a near miss for a day, never a row found as typed.
    """
    if connection.vendor != "postgresql":
        return 0
    tables = _searchable_tables() if tables is None else tables
    if not tables:
        return 0
    install_words(connection, tables)
    texts = " UNION ALL ".join(f"SELECT search_text FROM {connection.ops.quote_name(t)}" for t in tables)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_word")
        cursor.execute(f"INSERT INTO search_word (word) {_words_of(f'({texts}) AS texts')}")
        return int(cursor.rowcount)


def drop_index(connection: Any, table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP INDEX IF EXISTS "{table}_search_trgm"')
        elif connection.vendor == "sqlite":
            fts = f"{table}_fts"
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f'DROP TRIGGER IF EXISTS "{fts}_{suffix}"')
            cursor.execute(f'DROP TABLE IF EXISTS "{fts}"')


def is_searchable(model: type[models.Model]) -> bool:
    """Whether ``model`` is registered with the search service (``core.global_search``)."""
    return model in searchable_models()


def searchable_models() -> list[type[models.Model]]:
    """The models registered with the search service: their ``search_text`` is indexed."""
    from accord.core import global_search

    return global_search.models_()


class CreateSearchIndex(Operation):
    """Index ``<model>.search_text`` the way this database searches it (see the module docstring)."""

    reversible = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        install_index(schema_editor.connection, model._meta.db_table)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        drop_index(schema_editor.connection, model._meta.db_table)

    def describe(self) -> str:
        return f"Create the search index of {self.model_name}"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (f"{__name__}.{type(self).__name__}", [self.model_name], {})
