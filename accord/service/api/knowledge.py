"""REST endpoints of the knowledge base: articles (CRUD, versioned, 409 on a stale version),
publishing, translations, revisions (listed, read, restored), categories, the ranked search and
the suggestions for a text.

A write takes the record's ``version`` (in the body or If-Match) and answers with the new one (the
ETag). What the API refuses it refuses as the editor does: 422 naming the field. A POST that
creates accepts an Idempotency-Key.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from accord.core import idempotency
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.listing import Filter, ListSpec, Sort, apply, paginate
from accord.core.models import entity_label
from accord.core.requests import AuthedRequest
from accord.service.models import Article, ArticleRevision, ArticleStatus, ArticleVisibility
from accord.service.selectors import knowledge as selectors
from accord.service.services import knowledge as services

router = Router(tags=["knowledge base"])

Visibility = Literal["internal", "public"]
SEARCH_MAX = 50

ARTICLE_LIST = ListSpec[Article](
    entity=entity_label(Article),
    filters=[
        Filter("status", "status", kind="choice", choices=ArticleStatus.values),
        Filter("visibility", "visibility", kind="choice", choices=ArticleVisibility.values),
        Filter("language", "language", kind="choice", choices=services.LANGUAGES),
        Filter("category", "category_id", kind="uuid"),
        Filter("translation_group", "translation_group", kind="uuid"),
    ],
    sorts=[
        Sort("title", "title"),
        Sort("updated", "updated_at", kind="datetime"),
        Sort("created", "created_at", kind="datetime"),
    ],
    default_sort="title",
    search=selectors.containing,
)


class CategoryOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    parent_id: uuid.UUID | None
    position: int


class ArticleOut(Schema):
    id: uuid.UUID
    version: int
    title: str
    language: str
    translation_group: uuid.UUID
    category_id: uuid.UUID | None
    visibility: str
    status: str
    revision: int
    author_id: uuid.UUID | None
    published_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TranslationOut(Schema):
    id: uuid.UUID
    language: str
    title: str
    status: str


class ArticleDetailOut(ArticleOut):
    body: str
    translations: list[TranslationOut]

    @staticmethod
    def resolve_translations(obj: Article, context: Any) -> list[Article]:
        request = (context or {}).get("request")
        return selectors.translations_of(getattr(request, "user", None), obj)


class RevisionOut(Schema):
    number: int
    title: str
    author_id: uuid.UUID | None
    created_at: datetime.datetime
    restored_from: int | None


class RevisionDetailOut(RevisionOut):
    body: str


class SuggestionOut(Schema):
    id: uuid.UUID
    title: str
    language: str
    visibility: str
    category_id: uuid.UUID | None
    score: int
    matched: int


class ArticleIn(StrictSchema):
    title: str
    body: str
    language: str
    category: uuid.UUID | None = None
    visibility: Visibility = "internal"


class ArticlePatch(StrictSchema):
    version: int | None = None
    title: str | None = None
    body: str | None = None
    language: str | None = None
    category: uuid.UUID | None = None
    visibility: Visibility | None = None


class TranslationIn(StrictSchema):
    language: str
    title: str
    body: str


class VersionIn(StrictSchema):
    version: int | None = None


class CategoryIn(StrictSchema):
    name: str
    parent: uuid.UUID | None = None
    position: int = 0


class CategoryPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    parent: uuid.UUID | None = None
    position: int | None = None


def _data(payload: Any) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("category", "parent"):
        if name in data:
            data[name] = str(data[name]) if data[name] else None
    for name in ("title", "body", "language", "name", "visibility"):
        # An explicit null is "no value", which the service names as missing.
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _answer(request: HttpRequest, article: Article, response: HttpResponse) -> Article:
    """The article as it is now, its version the ETag."""
    fresh = selectors.article_detail(request.user, article.pk)
    response["ETag"] = f'"{fresh.version}"'
    return fresh


def _detail_json(request: HttpRequest, article: Article) -> dict[str, Any]:
    return ArticleDetailOut.from_orm(article, context={"request": request}).model_dump(mode="json")


# --- articles ---------------------------------------------------------------------------------------


@router.get("/kb/articles", response={200: PageOut[ArticleOut], **ERRORS}, openapi_extra=list_parameters(ARTICLE_LIST))
def list_articles(request: HttpRequest) -> Any:
    """The articles the caller sees; ``q`` keeps those containing every word (title or text)."""
    query = list_query(request, ARTICLE_LIST)
    articles = apply(ARTICLE_LIST, query, selectors.visible_articles(request.user), user=request.user)
    page = paginate(ARTICLE_LIST, query, articles)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/kb/search", response={200: list[ArticleOut], **ERRORS})
def search_articles(
    request: HttpRequest, q: str = "", language: str = "", category: uuid.UUID | None = None, limit: int = 20
) -> Any:
    """The best matches for a search box: every word found, more of them in the title first."""
    limit = max(1, min(limit, SEARCH_MAX))
    language = language if language in services.LANGUAGES else ""
    return list(selectors.search_articles(request.user, q, language=language, category=category)[:limit])


@router.get("/kb/suggest", response={200: list[SuggestionOut], **ERRORS})
def suggest(request: HttpRequest, q: str = "", language: str = "", limit: int = 5) -> Any:
    """The published articles that best answer a free text (a draft reply, a ticket, a question)."""
    found = selectors.suggest(
        request.user, q[:5000], language if language in services.LANGUAGES else None, max(1, min(limit, 20))
    )
    return [
        {
            "id": s.article.pk,
            "title": s.article.title,
            "language": s.article.language,
            "visibility": s.article.visibility,
            "category_id": s.article.category_id,
            "score": s.score,
            "matched": s.matched,
        }
        for s in found
    ]


@router.get("/kb/articles/{uuid:article_id}", response={200: ArticleDetailOut, **ERRORS})
def get_article(request: HttpRequest, article_id: uuid.UUID, response: HttpResponse) -> Any:
    article = selectors.article_detail(request.user, article_id)
    response["ETag"] = f'"{article.version}"'
    return article


@router.post("/kb/articles", response={201: ArticleDetailOut, **ERRORS})
def create_article(request: AuthedRequest, payload: ArticleIn) -> Any:
    """A new draft article; its text is revision 1."""
    data = _data(payload)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.create_article(actor=request.user, data=data),
        serialize=lambda a: _detail_json(request, a),
    )


@router.patch("/kb/articles/{uuid:article_id}", response={200: ArticleDetailOut, **ERRORS})
def update_article(request: AuthedRequest, article_id: uuid.UUID, payload: ArticlePatch, response: HttpResponse) -> Any:
    """Change the given fields; a new title or text is the next revision."""
    article = selectors.article_detail(request.user, article_id)
    article = services.update_article(
        actor=request.user,
        article=article,
        data=_data(payload),
        expected_version=expected_version(request, payload.version),
    )
    return _answer(request, article, response)


@router.delete("/kb/articles/{uuid:article_id}", response={204: None, **ERRORS})
def delete_article(request: AuthedRequest, article_id: uuid.UUID) -> Any:
    article = selectors.article_detail(request.user, article_id)
    services.delete_article(actor=request.user, article=article, expected_version=expected_version(request))
    return Status(204, None)


@router.post("/kb/articles/{uuid:article_id}/publish", response={200: ArticleDetailOut, **ERRORS})
def publish_article(request: AuthedRequest, article_id: uuid.UUID, payload: VersionIn, response: HttpResponse) -> Any:
    article = selectors.article_detail(request.user, article_id)
    article = services.publish_article(
        actor=request.user, article=article, expected_version=expected_version(request, payload.version)
    )
    return _answer(request, article, response)


@router.post("/kb/articles/{uuid:article_id}/unpublish", response={200: ArticleDetailOut, **ERRORS})
def unpublish_article(request: AuthedRequest, article_id: uuid.UUID, payload: VersionIn, response: HttpResponse) -> Any:
    article = selectors.article_detail(request.user, article_id)
    article = services.unpublish_article(
        actor=request.user, article=article, expected_version=expected_version(request, payload.version)
    )
    return _answer(request, article, response)


@router.post("/kb/articles/{uuid:article_id}/translations", response={201: ArticleDetailOut, **ERRORS})
def add_translation(request: AuthedRequest, article_id: uuid.UUID, payload: TranslationIn) -> Any:
    """A draft version of the article in another language."""
    article = selectors.article_detail(request.user, article_id)
    data = _data(payload)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.add_translation(actor=request.user, article=article, data=data),
        serialize=lambda a: _detail_json(request, a),
    )


@router.get("/kb/articles/{uuid:article_id}/revisions", response={200: list[RevisionOut], **ERRORS})
def list_revisions(request: HttpRequest, article_id: uuid.UUID) -> Any:
    """The article's revisions, newest first."""
    return selectors.revisions_of(selectors.article_detail(request.user, article_id))


@router.get("/kb/articles/{uuid:article_id}/revisions/{int:number}", response={200: RevisionDetailOut, **ERRORS})
def get_revision(request: HttpRequest, article_id: uuid.UUID, number: int) -> ArticleRevision:
    return selectors.revision_of(selectors.article_detail(request.user, article_id), number)


@router.post(
    "/kb/articles/{uuid:article_id}/revisions/{int:number}/restore", response={200: ArticleDetailOut, **ERRORS}
)
def restore_revision(
    request: AuthedRequest, article_id: uuid.UUID, number: int, payload: VersionIn, response: HttpResponse
) -> Any:
    """The revision's title and text brought back as the article's next revision."""
    article = selectors.article_detail(request.user, article_id)
    article = services.restore_revision(
        actor=request.user, article=article, number=number, expected_version=expected_version(request, payload.version)
    )
    return _answer(request, article, response)


# --- categories -------------------------------------------------------------------------------------


@router.get("/kb/categories", response={200: list[CategoryOut], **ERRORS})
def list_categories(request: HttpRequest) -> Any:
    """Every category, each after its parent."""
    return selectors.categories()


@router.post("/kb/categories", response={201: CategoryOut, **ERRORS})
def create_category(request: AuthedRequest, payload: CategoryIn) -> Any:
    data = _data(payload)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.create_category(actor=request.user, data=data),
        serialize=lambda c: CategoryOut.from_orm(c).model_dump(mode="json"),
    )


@router.patch("/kb/categories/{uuid:category_id}", response={200: CategoryOut, **ERRORS})
def update_category(
    request: AuthedRequest, category_id: uuid.UUID, payload: CategoryPatch, response: HttpResponse
) -> Any:
    category = selectors.category_detail(category_id)
    category = services.update_category(
        actor=request.user,
        category=category,
        data=_data(payload),
        expected_version=expected_version(request, payload.version),
    )
    response["ETag"] = f'"{category.version}"'
    return category


@router.delete("/kb/categories/{uuid:category_id}", response={204: None, **ERRORS})
def delete_category(request: AuthedRequest, category_id: uuid.UUID) -> Any:
    """Delete an empty category (422 while it holds articles or subcategories)."""
    category = selectors.category_detail(category_id)
    services.delete_category(actor=request.user, category=category, expected_version=expected_version(request))
    return Status(204, None)
