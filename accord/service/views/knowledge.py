"""Service → Knowledge base: the articles (searched, filtered by category and language), an
article's page with its translations and revisions, the editor, and the categories. The suggestion
fragment (``kb-suggest``) is what a textarea asks for as someone types (HTMX), for an agent's reply
or a customer's question. Every rule is the knowledge service's, as for the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest
from accord.service.models import Article, ArticleCategory, ArticleStatus, ArticleVisibility
from accord.service.selectors import knowledge as selectors
from accord.service.services import knowledge as services

ARTICLE_FIELDS = ("title", "body", "language", "category", "visibility")
CATEGORY_FIELDS = ("name", "parent", "position")
PAGE_SIZE = 25
# The most text the suggestion fragment reads of a draft (a long thread pasted in).
SUGGEST_TEXT_MAX = 5000


def _version(request: AuthedRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _conflict(request: AuthedRequest, exc: Conflict) -> None:
    messages.error(request, exc.message)


def _errors_message(request: AuthedRequest, exc: ValidationError) -> None:
    for found in message_dict(exc).values():
        for message in found:
            messages.error(request, message)


# --- the list ---------------------------------------------------------------------------------------


@login_required
def article_list(request: AuthedRequest) -> HttpResponse:
    get = request.GET
    query = get.get("q", "").strip()[:200]
    language = get.get("language", "")
    language = language if language in dict(settings.LANGUAGES) else ""
    category = get.get("category", "")
    status = get.get("status", "")
    status = status if status in ArticleStatus.values else ""
    visibility = get.get("visibility", "")
    visibility = visibility if visibility in ArticleVisibility.values else ""
    articles = selectors.search_articles(
        request.user, query, language=language, category=category, status=status, visibility=visibility
    )
    paginator = Paginator(articles, PAGE_SIZE)
    page = paginator.get_page(get.get("page"))
    kept = {k: v for k, v in (("q", query), ("language", language), ("category", category)) if v}
    kept |= {k: v for k, v in (("status", status), ("visibility", visibility)) if v}
    return render(
        request,
        "service/knowledge/list.html",
        {
            "page": page,
            "total": paginator.count,
            "prev_link": urlencode({**kept, "page": page.previous_page_number()}) if page.has_previous() else "",
            "next_link": urlencode({**kept, "page": page.next_page_number()}) if page.has_next() else "",
            "q": query,
            "language": language,
            "category": category,
            "status": status,
            "visibility": visibility,
            "languages": settings.LANGUAGES,
            "statuses": ArticleStatus.choices,
            "visibilities": ArticleVisibility.choices,
            "categories": selectors.categories(),
            "may_write": access.can_edit_any(request.user),
        },
    )


@login_required
def suggest(request: AuthedRequest) -> HttpResponse:
    """The articles suggested for the text typed so far: an HTML fragment for HTMX. The text comes
    as ``q``, or as the textarea's own name (``body``, ``text``) when the textarea sends itself."""
    get = request.GET
    text = (get.get("q") or get.get("body") or get.get("text") or "")[:SUGGEST_TEXT_MAX]
    wanted = get.get("language", "")
    language = wanted if wanted in dict(settings.LANGUAGES) else None
    found = selectors.suggest(request.user, text, language)
    return render(request, "service/knowledge/_suggestions.html", {"suggestions": found, "asked": bool(text.strip())})


# --- an article -------------------------------------------------------------------------------------


@login_required
def article_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    article = selectors.article_detail(request.user, pk)
    return render(
        request,
        "service/knowledge/detail.html",
        {
            "article": article,
            "translations": selectors.translations_of(request.user, article),
            "free_languages": selectors.free_languages(article),
            "revisions": selectors.revisions_of(article)[:5],
            "may_write": access.can_edit_any(request.user),
        },
    )


def _posted(request: AuthedRequest, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: request.POST.get(name, "") for name in fields}


def _form(
    request: AuthedRequest,
    *,
    article: Article | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    translating: Article | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    languages = selectors.free_languages(translating) if translating is not None else list(settings.LANGUAGES)
    return render(
        request,
        "service/knowledge/form.html",
        {
            "article": article,
            "translating": translating,
            "values": values,
            "errors": errors,
            "general_errors": [m for key, found in errors.items() if key not in ARTICLE_FIELDS for m in found],
            "languages": languages,
            "visibilities": ArticleVisibility.choices,
            "categories": selectors.categories(),
        },
        status=status,
    )


def _require_writer(request: AuthedRequest) -> None:
    if not access.can_edit_any(request.user):
        raise access.AccessDenied(_("Your role may not change the knowledge base."))


@login_required
def article_create(request: AuthedRequest) -> HttpResponse:
    _require_writer(request)
    if request.method == "POST":
        values = _posted(request, ARTICLE_FIELDS)
        try:
            article = services.create_article(actor=request.user, data=values)
        except ValidationError as exc:
            return _form(request, article=None, values=values, errors=message_dict(exc), status=422)
        messages.success(request, _("The article was saved as a draft."))
        return redirect("service:kb-article", pk=article.pk)
    values = {"language": request.user.language or settings.LANGUAGE_CODE, "visibility": "internal"}
    values["category"] = request.GET.get("category", "")
    return _form(request, article=None, values=values)


@login_required
def article_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    article = selectors.article_detail(request.user, pk)
    _require_writer(request)
    if request.method == "POST":
        values = _posted(request, ARTICLE_FIELDS)
        try:
            services.update_article(
                actor=request.user, article=article, data=values, expected_version=_version(request)
            )
        except ValidationError as exc:
            values["version"] = request.POST.get("version", "")
            return _form(request, article=article, values=values, errors=message_dict(exc), status=422)
        except Conflict as exc:
            values["version"] = request.POST.get("version", "")
            return _form(request, article=article, values=values, errors={"__all__": [exc.message]}, status=409)
        messages.success(request, _("The article was saved."))
        return redirect("service:kb-article", pk=article.pk)
    values = {
        "title": article.title,
        "body": article.body,
        "language": article.language,
        "category": str(article.category_id or ""),
        "visibility": article.visibility,
        "version": article.version,
    }
    return _form(request, article=article, values=values)


@login_required
def article_translate(request: AuthedRequest, pk: Any) -> HttpResponse:
    """A new language version of the article, written from its text."""
    article = selectors.article_detail(request.user, pk)
    _require_writer(request)
    if request.method == "POST":
        values = _posted(request, ("title", "body", "language"))
        try:
            translation = services.add_translation(actor=request.user, article=article, data=values)
        except ValidationError as exc:
            return _form(
                request, article=None, values=values, errors=message_dict(exc), translating=article, status=422
            )
        messages.success(request, _("The translation was saved as a draft."))
        return redirect("service:kb-article", pk=translation.pk)
    free = selectors.free_languages(article)
    wanted = request.GET.get("language", "")
    language = wanted if wanted in dict(free) else (free[0][0] if free else "")
    values = {"title": article.title, "body": article.body, "language": language}
    return _form(request, article=None, values=values, translating=article)


def _action(request: AuthedRequest, pk: Any, run: Any, done: str) -> HttpResponse:
    article = selectors.article_detail(request.user, pk)
    try:
        run(article)
    except Conflict as exc:
        _conflict(request, exc)
    except ValidationError as exc:
        _errors_message(request, exc)
    else:
        messages.success(request, done)
    return redirect("service:kb-article", pk=article.pk)


@login_required
@require_POST
def article_publish(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda a: services.publish_article(actor=request.user, article=a, expected_version=_version(request)),
        _("The article was published."),
    )


@login_required
@require_POST
def article_unpublish(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda a: services.unpublish_article(actor=request.user, article=a, expected_version=_version(request)),
        _("The article is a draft again."),
    )


@login_required
@require_POST
def article_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    article = selectors.article_detail(request.user, pk)
    try:
        services.delete_article(actor=request.user, article=article, expected_version=_version(request))
    except Conflict as exc:
        _conflict(request, exc)
        return redirect("service:kb-article", pk=article.pk)
    messages.success(request, _("The article was deleted."))
    return redirect("service:kb-list")


@login_required
def article_revisions(request: AuthedRequest, pk: Any) -> HttpResponse:
    article = selectors.article_detail(request.user, pk)
    return render(
        request,
        "service/knowledge/revisions.html",
        {
            "article": article,
            "revisions": selectors.revisions_of(article),
            "may_write": access.can_edit_any(request.user),
        },
    )


@login_required
def article_revision(request: AuthedRequest, pk: Any, number: int) -> HttpResponse:
    article = selectors.article_detail(request.user, pk)
    revision = selectors.revision_of(article, number)
    return render(
        request,
        "service/knowledge/revision.html",
        {"article": article, "revision": revision, "may_write": access.can_edit_any(request.user)},
    )


@login_required
@require_POST
def article_restore(request: AuthedRequest, pk: Any, number: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda a: services.restore_revision(
            actor=request.user, article=a, number=number, expected_version=_version(request)
        ),
        _("The revision's text was restored as a new revision."),
    )


# --- categories -------------------------------------------------------------------------------------


def _categories_page(
    request: AuthedRequest,
    *,
    editing: ArticleCategory | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    categories = selectors.categories()
    counts = selectors.article_counts(request.user)
    return render(
        request,
        "service/knowledge/categories.html",
        {
            "categories": categories,
            "rows": [(c, counts.get(c.pk, 0)) for c in categories],
            "editing": editing,
            "values": values or {"position": 0},
            "errors": errors,
            "general_errors": [m for key, found in errors.items() if key not in CATEGORY_FIELDS for m in found],
            "may_write": access.can_edit_any(request.user),
        },
        status=status,
    )


@login_required
def category_list(request: AuthedRequest) -> HttpResponse:
    """The categories, and the form of a new one."""
    if request.method == "POST":
        _require_writer(request)
        values = _posted(request, CATEGORY_FIELDS)
        try:
            services.create_category(actor=request.user, data=values)
        except ValidationError as exc:
            return _categories_page(request, values=values, errors=message_dict(exc), status=422)
        messages.success(request, _("The category was added."))
        return redirect("service:kb-categories")
    return _categories_page(request)


@login_required
def category_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    category = selectors.category_detail(pk)
    _require_writer(request)
    if request.method == "POST":
        values = _posted(request, CATEGORY_FIELDS)
        try:
            services.update_category(
                actor=request.user, category=category, data=values, expected_version=_version(request)
            )
        except ValidationError as exc:
            values["version"] = request.POST.get("version", "")
            return _categories_page(request, editing=category, values=values, errors=message_dict(exc), status=422)
        except Conflict as exc:
            values["version"] = request.POST.get("version", "")
            return _categories_page(
                request, editing=category, values=values, errors={"__all__": [exc.message]}, status=409
            )
        messages.success(request, _("The category was saved."))
        return redirect("service:kb-categories")
    values = {
        "name": category.name,
        "parent": str(category.parent_id or ""),
        "position": category.position,
        "version": category.version,
    }
    return _categories_page(request, editing=category, values=values)


@login_required
@require_POST
def category_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    category = selectors.category_detail(pk)
    try:
        services.delete_category(actor=request.user, category=category, expected_version=_version(request))
    except Conflict as exc:
        _conflict(request, exc)
    except ValidationError as exc:
        _errors_message(request, exc)
    else:
        messages.success(request, _("The category was deleted."))
    return redirect("service:kb-categories")
