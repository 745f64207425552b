"""The knowledge base: writing articles and their translations, publishing them, their revisions,
and the categories they sit in (see ``accord/service/models/knowledge.py``).

Writing needs a role that may change records (``access.can_edit_any``): read-only users read.
Every change is one transaction with its audit entry; a change of the title or body writes the
next ``ArticleRevision`` with it, and the article's folded search columns are recomputed there too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes, search
from accord.core.errors import check_version
from accord.core.models import as_uuid
from accord.service.models import Article, ArticleCategory, ArticleRevision, ArticleStatus, ArticleVisibility

if TYPE_CHECKING:
    from accord.identity.models import User

TITLE_MAX = 200
BODY_MAX = 100_000
CATEGORY_NAME_MAX = 120
POSITION_MAX = 32767
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _require_writer(actor: User) -> None:
    if not access.can_edit_any(actor):
        raise access.AccessDenied(_("Your role may not change the knowledge base."))


def _text(data: Mapping[str, Any], field: str, limit: int, errors: dict[str, list[str]]) -> str:
    value = data.get(field)
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors[field] = [_("Enter a text.")]
    elif not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("At most %(max)d characters.") % {"max": limit}]
    return text


def _category(value: Any, errors: dict[str, list[str]]) -> ArticleCategory | None:
    if value in (None, ""):
        return None
    if isinstance(value, ArticleCategory):
        return value
    key = as_uuid(value)
    found = ArticleCategory.objects.filter(pk=key).first() if key is not None else None
    if found is None:
        errors["category"] = [_("Choose one of the categories.")]
    return found


def _clean(article: Article, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    """Set the fields given in ``data`` (all of them for a new article) on ``article``."""
    creating = article._state.adding
    if "title" in data or creating:
        article.title = _text(data, "title", TITLE_MAX, errors)
    if "body" in data or creating:
        article.body = _text(data, "body", BODY_MAX, errors)
    if "language" in data or creating:
        language = data.get("language") or ""
        if language not in LANGUAGES:
            errors["language"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)}]
        else:
            article.language = language
    if "visibility" in data or creating:
        visibility = data.get("visibility") or ArticleVisibility.INTERNAL
        if visibility not in ArticleVisibility.values:
            errors["visibility"] = [_("Choose internal or public.")]
        else:
            article.visibility = visibility
    if "category" in data:
        article.category = _category(data.get("category"), errors)


def _index(article: Article) -> None:
    article.search_title = search.normalize(article.title)
    article.search_text = search.document(article.title, article.body)


def _add_revision(actor: User | None, article: Article, *, restored_from: int | None = None) -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        title=article.title,
        body=article.body,
        author=actor,
        restored_from=restored_from,
    )


def create_article(*, actor: User, data: Mapping[str, Any]) -> Article:
    """A new draft article (``title``, ``body``, ``language``; optionally ``category`` and
    ``visibility``, internal by default), its text revision 1."""
    _require_writer(actor)
    article = Article(author=actor)
    errors: dict[str, list[str]] = {}
    _clean(article, data, errors)
    if errors:
        raise ValidationError(errors)
    _index(article)
    with transaction.atomic():
        article.save()
        _add_revision(actor, article)
        changes.record_create(actor=actor, obj=article)
    return article


def _lock(actor: User, article: Article, expected_version: int | None) -> Article:
    _require_writer(actor)
    locked = Article.objects.select_for_update().filter(pk=article.pk).first()
    if locked is None:
        raise Http404
    check_version(locked, expected_version)
    return locked


def _save(actor: User, locked: Article, before: dict[str, Any], *, text_changed: bool = False) -> Article:
    if not text_changed and changes.snapshot(locked) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def update_article(
    *, actor: User, article: Article, data: Mapping[str, Any], expected_version: int | None = None
) -> Article:
    """Change any of ``title``, ``body``, ``language``, ``category``, ``visibility``. A new title
    or body is the next revision; the language must stay free among the article's translations."""
    locked = _lock(actor, article, expected_version)
    before = changes.snapshot(locked)
    old_text = (locked.title, locked.body)
    errors: dict[str, list[str]] = {}
    _clean(locked, data, errors)
    if "language" in data and "language" not in errors and _language_taken(locked):
        errors["language"] = [_("This article already has a version in this language.")]
    if errors:
        raise ValidationError(errors)
    text_changed = (locked.title, locked.body) != old_text
    if text_changed:
        locked.revision = _next_revision(locked)
        _index(locked)
        _add_revision(actor, locked)
    return _save(actor, locked, before, text_changed=text_changed)


def _next_revision(article: Article) -> int:
    last = ArticleRevision.objects.filter(article=article).aggregate(n=Max("number"))["n"] or 0
    return last + 1


def _language_taken(article: Article) -> bool:
    return (
        Article.objects.filter(translation_group=article.translation_group, language=article.language)
        .exclude(pk=article.pk)
        .exists()
    )


@transaction.atomic
def publish_article(*, actor: User, article: Article, expected_version: int | None = None) -> Article:
    """Make the article readable: by agents, and by customers when it is public."""
    locked = _lock(actor, article, expected_version)
    if locked.status == ArticleStatus.PUBLISHED:
        return locked
    before = changes.snapshot(locked)
    locked.status = ArticleStatus.PUBLISHED
    locked.published_at = timezone.now()
    return _save(actor, locked, before)


@transaction.atomic
def unpublish_article(*, actor: User, article: Article, expected_version: int | None = None) -> Article:
    """Back to a draft: suggestions and the portal stop showing it."""
    locked = _lock(actor, article, expected_version)
    if locked.status == ArticleStatus.DRAFT:
        return locked
    before = changes.snapshot(locked)
    locked.status = ArticleStatus.DRAFT
    locked.published_at = None
    return _save(actor, locked, before)


@transaction.atomic
def delete_article(*, actor: User, article: Article, expected_version: int | None = None) -> None:
    """Delete one language version with its revisions; its translations stay."""
    locked = _lock(actor, article, expected_version)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


def add_translation(*, actor: User, article: Article, data: Mapping[str, Any]) -> Article:
    """A new draft version of ``article`` in another language (``language``, ``title``, ``body``),
    in the same translation group, category and visibility unless ``data`` says otherwise."""
    _require_writer(actor)
    translation = Article(
        author=actor,
        translation_group=article.translation_group,
        category_id=article.category_id,
        visibility=article.visibility,
    )
    errors: dict[str, list[str]] = {}
    _clean(translation, {"visibility": article.visibility, **data}, errors)
    if "language" not in errors and _language_taken(translation):
        errors["language"] = [_("This article already has a version in this language.")]
    if errors:
        raise ValidationError(errors)
    _index(translation)
    with transaction.atomic():
        translation.save()
        _add_revision(actor, translation)
        changes.record_create(actor=actor, obj=translation)
    return translation


@transaction.atomic
def restore_revision(*, actor: User, article: Article, number: int, expected_version: int | None = None) -> Article:
    """Bring back the title and body of revision ``number`` as the article's next revision."""
    locked = _lock(actor, article, expected_version)
    old = ArticleRevision.objects.filter(article=locked, number=number).first()
    if old is None:
        raise ValidationError({"revision": [_("This article has no such revision.")]})
    before = changes.snapshot(locked)
    locked.title, locked.body = old.title, old.body
    locked.revision = _next_revision(locked)
    _index(locked)
    _add_revision(actor, locked, restored_from=old.number)
    return _save(actor, locked, before, text_changed=True)


# --- categories -------------------------------------------------------------------------------------


def _clean_category(category: ArticleCategory, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    creating = category._state.adding
    if "name" in data or creating:
        category.name = _text(data, "name", CATEGORY_NAME_MAX, errors)
    if "parent" in data:
        parent = data.get("parent")
        if parent in (None, ""):
            category.parent = None
        else:
            key = as_uuid(getattr(parent, "pk", parent))
            found = ArticleCategory.objects.filter(pk=key).first() if key is not None else None
            if found is None:
                errors["parent"] = [_("Choose one of the categories.")]
            elif not creating and _is_within(found, category):
                errors["parent"] = [_("A category cannot sit inside itself.")]
            else:
                category.parent = found
    if "position" in data:
        value = data.get("position")
        try:
            position = int(value if value not in (None, "") else 0)
        except (TypeError, ValueError):
            position = -1
        if not 0 <= position <= POSITION_MAX:
            errors["position"] = [_("Enter a whole number from 0 to %(max)d.") % {"max": POSITION_MAX}]
        else:
            category.position = position
    if "name" not in errors and category.name:
        siblings = ArticleCategory.objects.filter(parent_id=category.parent_id, name__iexact=category.name)
        if siblings.exclude(pk=category.pk).exists():
            errors["name"] = [_("There is already a category of this name here.")]


def _is_within(candidate: ArticleCategory, category: ArticleCategory) -> bool:
    """Whether ``candidate`` is ``category`` or sits somewhere below it."""
    parents = dict(ArticleCategory.objects.values_list("pk", "parent_id"))
    node: Any = candidate.pk
    seen = set()
    while node is not None and node not in seen:
        if node == category.pk:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def create_category(*, actor: User, data: Mapping[str, Any]) -> ArticleCategory:
    """A new category (``name``; optionally ``parent`` and ``position``)."""
    _require_writer(actor)
    category = ArticleCategory()
    errors: dict[str, list[str]] = {}
    _clean_category(category, data, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        category.save()
        changes.record_create(actor=actor, obj=category)
    return category


@transaction.atomic
def update_category(
    *, actor: User, category: ArticleCategory, data: Mapping[str, Any], expected_version: int | None = None
) -> ArticleCategory:
    _require_writer(actor)
    locked = ArticleCategory.objects.select_for_update().get(pk=category.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _clean_category(locked, data, errors)
    if errors:
        raise ValidationError(errors)
    if changes.snapshot(locked) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def delete_category(*, actor: User, category: ArticleCategory, expected_version: int | None = None) -> None:
    """Delete an empty category: one holding articles or other categories stays."""
    _require_writer(actor)
    locked = ArticleCategory.objects.select_for_update().get(pk=category.pk)
    check_version(locked, expected_version)
    if Article.objects.filter(category=locked).exists() or ArticleCategory.objects.filter(parent=locked).exists():
        raise ValidationError({"category": [_("Move its articles and subcategories elsewhere first.")]})
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()
