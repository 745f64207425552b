"""Reads of the knowledge base: who sees which articles, the search box, and the articles
suggested for a text (an agent's draft reply, a ticket, a customer's question).

Staff (users who log in to Accord, whatever their role) see every article, drafts and internal
ones included; anyone else, a portal customer, sees only public, published articles
(``public_articles``).

Search reads the articles' folded ``search_text`` (``core.search.normalize``: lower case, no
diacritics) word by word: an article matches when it contains every word typed, and ranks higher
for each word in its title. On PostgreSQL each word's LIKE is served by the column's pg_trgm index
(``core.search.install_index``); on SQLite the column is read as it is, which for a knowledge base
(thousands of articles, not millions of contacts) takes milliseconds. Articles are not registered
with the global search box (``core.global_search``): that box is for customers and their records,
and its dictionary of words is made for names, not prose.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Length
from django.http import Http404

from accord.core import access, search
from accord.core.models import as_uuid
from accord.service.models import Article, ArticleCategory, ArticleRevision, ArticleStatus, ArticleVisibility

# How much a word found in the title counts against one found only in the body.
TITLE_WEIGHT = 3
# The most words of a text that suggestions look for (the most frequent ones).
SUGGEST_WORDS = 20
MIN_WORD = 4
_WORDS = re.compile(r"[^\W_]+")


# Words too common to say what a text is about, in the folded form (no diacritics) of Accord's
# languages. Words shorter than ``MIN_WORD`` are dropped anyway.
def _listed(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


STOP_WORDS = _listed(
    # English
    "about above after again also although always among another anyone anything because been before "
    "being below best between both cannot could dear does doing done dont down during each either "
    "else even ever every from further good have having hello help here hers herself himself however "
    "into itself just kind know like make many maybe might more most much must myself need needs never "
    "next once only other ours over please really regards same should since some still such sure than "
    "thank thanks that their theirs them then there these they thing things this those though through "
    "today together very want wants well were what whatever when where whether which while will with "
    "within without would your yours yourself sorry usually come came going gone "
    # Polish
    "albo bardzo bedzie byla bylo bedziemy ciebie dlaczego dobry dobrze dzieki dziekuje dzien gdzie "
    "jakie jaki jakis jednak jego jeszcze jestem jestesmy kiedy ktora ktore ktory ktorzy mamy mnie moge "
    "moja moje mozna moze musze nasz nasza nasze nawet pana panstwa pani pozdrawiam prosze przez przy "
    "sobie tego teraz tylko wiec witam wszystko zeby "
    # Lithuanian
    "aciu arba buvo esame gerai jeigu kada kaip kuris kuri labai labas prasau sveiki taip taciau todel "
    # Romanian
    "acest aceasta acum avem buna care cand cum este fost pentru sunteti sunt vreau multumesc "
    # Russian (й folds to и)
    "было быть вами если есть здравствуите когда которые которыи меня можно нужно очень пожалуиста "
    "спасибо тоже только этот эта это",
)


def is_staff(user: Any) -> bool:
    """A signed-in user of Accord itself (any role): sees internal articles and drafts."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role_id", None) is not None
    )


def public_articles(language: str | None = None) -> QuerySet[Article]:
    """The articles the portal shows customers: public and published, in ``language`` if given."""
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED, visibility=ArticleVisibility.PUBLIC)
    if language:
        articles = articles.filter(language=language)
    return articles.select_related("category")


def visible_articles(user: Any) -> QuerySet[Article]:
    """Every article for staff; public, published ones for anyone else."""
    if is_staff(user):
        return access.scope(user, Article.objects.all()).select_related("category", "author")
    return public_articles()


def article_detail(user: Any, pk: Any) -> Article:
    """An article ``user`` may see, or Http404."""
    key = as_uuid(pk)
    found = visible_articles(user).filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404
    return found


def translations_of(user: Any, article: Article) -> list[Article]:
    """The article's other language versions that ``user`` may see, by language."""
    others = visible_articles(user).filter(translation_group=article.translation_group).exclude(pk=article.pk)
    return sorted(others, key=lambda a: a.language)


def free_languages(article: Article) -> list[tuple[str, str]]:
    """The interface's languages (code, name) the article has no version in yet."""
    from django.conf import settings

    taken = set(Article.objects.filter(translation_group=article.translation_group).values_list("language", flat=True))
    return [(code, name) for code, name in settings.LANGUAGES if code not in taken]


def revisions_of(article: Article) -> list[ArticleRevision]:
    """The article's revisions, newest first."""
    return list(article.revisions.select_related("author").order_by("-number"))


def revision_of(article: Article, number: int) -> ArticleRevision:
    found = article.revisions.select_related("author").filter(number=number).first()
    if found is None:
        raise Http404
    return found


# --- categories -------------------------------------------------------------------------------------


def categories() -> list[ArticleCategory]:
    """Every category, each after its parent (a tree walked depth first), with ``depth`` and
    ``path`` ("Billing / Invoices") set."""
    rows = list(ArticleCategory.objects.order_by("position", "name"))
    children: dict[Any, list[ArticleCategory]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[ArticleCategory] = []

    def walk(parent: Any, depth: int, path: str) -> None:
        for row in children.get(parent, []):
            row.depth = depth  # type: ignore[attr-defined]
            row.path = f"{path} / {row.name}" if path else row.name  # type: ignore[attr-defined]
            out.append(row)
            walk(row.pk, depth + 1, row.path)  # type: ignore[attr-defined]

    walk(None, 0, "")
    return out


def category_detail(pk: Any) -> ArticleCategory:
    key = as_uuid(pk)
    found = ArticleCategory.objects.filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404
    return found


def article_counts(user: Any) -> dict[Any, int]:
    """How many articles ``user`` sees in each category."""
    from django.db.models import Count

    rows = visible_articles(user).order_by().values("category_id").annotate(n=Count("id"))
    return {row["category_id"]: row["n"] for row in rows}


# --- search -----------------------------------------------------------------------------------------


def words_of(query: str) -> list[str]:
    """The words of a search box's query, folded as the index is."""
    return [w for w in _WORDS.findall(search.normalize(query)) if w]


def containing(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    """The ``articles`` whose title or body contains every word of ``query``, diacritics folded."""
    for word in words_of(query):
        articles = articles.filter(search_text__contains=word)
    return articles


def _title_score(words: Sequence[str]) -> Combinable:
    score: Combinable = Value(0)
    for word in words:
        score = score + Case(
            When(search_title__contains=word, then=Value(TITLE_WEIGHT)), default=Value(0), output_field=IntegerField()
        )
    return score


def search_articles(
    user: Any,
    query: str = "",
    *,
    language: str = "",
    category: Any = None,
    status: str = "",
    visibility: str = "",
) -> QuerySet[Article]:
    """The articles ``user`` sees containing every word of ``query`` (in the title or the body),
    those with more of the words in their title first; without a query, by title. The other
    arguments narrow the list (a category takes its subcategories' articles too)."""
    articles = visible_articles(user)
    if language:
        articles = articles.filter(language=language)
    if status:
        articles = articles.filter(status=status)
    if visibility:
        articles = articles.filter(visibility=visibility)
    if category:
        articles = articles.filter(category_id__in=_with_subcategories(category))
    words = words_of(query)
    if not words:
        return articles.order_by("title", "id")
    articles = containing(articles, query)
    whole = search.normalize(query)
    exact = Case(When(search_title=whole, then=Value(1)), default=Value(0), output_field=IntegerField())
    return articles.annotate(rank=_title_score(words) + exact).order_by("-rank", "title", "id")


def _with_subcategories(category: Any) -> list[Any]:
    key = as_uuid(getattr(category, "pk", category))
    if key is None:
        return []
    parents = dict(ArticleCategory.objects.values_list("pk", "parent_id"))
    wanted = {key}
    grew = True
    while grew:
        grew = False
        for pk, parent in parents.items():
            if parent in wanted and pk not in wanted:
                wanted.add(pk)
                grew = True
    return list(wanted)


# --- suggestions ------------------------------------------------------------------------------------


def stem(word: str) -> str:
    """A word's start, long enough to be the word and short enough to match its other forms
    ("printing" and "printer": "print"; "faktury" and "fakturę": "faktu")."""
    if len(word) <= 5:
        return word
    return word[: max(5, len(word) - 3)]


def meaningful_words(text: str, *, limit: int = SUGGEST_WORDS) -> list[str]:
    """What a text is about: its words of ``MIN_WORD`` letters or more that are not stop words,
    stemmed, the most frequent first (ties in the order they came)."""
    counts: Counter[str] = Counter()
    for word in _WORDS.findall(search.normalize(text)):
        if len(word) < MIN_WORD or word in STOP_WORDS or word.isdigit():
            continue
        counts[stem(word)] += 1
    return [word for word, _n in counts.most_common(limit)]


@dataclass(frozen=True)
class Suggestion:
    article: Article
    score: int
    matched: int  # how many of the text's words the article contains


def suggest(user: Any, text: str, language: str | None = None, limit: int = 5) -> list[Suggestion]:
    """The published articles ``user`` sees that best answer ``text``: ranked by how many of its
    meaningful words they contain, a word in the title counting ``TITLE_WEIGHT`` times; in
    ``language`` when given. A text of three words or more needs an article to match one of them
    in its title, or three in its body, so that one common word does not bring up everything.
    Of articles scoring the same, the one with the shorter title is first: its title is more
    nearly about the words found ("Delivery times" before "Handling a damaged delivery")."""
    words = meaningful_words(text)
    if not words:
        return []
    articles = visible_articles(user).filter(status=ArticleStatus.PUBLISHED)
    if language:
        articles = articles.filter(language=language)
    anywhere = Q()
    body: Combinable = Value(0)
    for word in words:
        anywhere |= Q(search_text__contains=word)
        found = When(search_text__contains=word, then=Value(1))
        body = body + Case(found, default=Value(0), output_field=IntegerField())
    least = TITLE_WEIGHT if len(words) >= 3 else 1
    ranked = (
        articles.filter(anywhere)
        .annotate(matched=body, score=_title_score(words) + body)
        .filter(score__gte=least)
        .defer("body", "search_text")
        .order_by("-score", "-matched", Length("title"), "-published_at", "id")[: max(1, min(limit, 20))]
    )
    return [Suggestion(article=a, score=a.score, matched=a.matched) for a in ranked]
