"""The knowledge base: articles that answer customers' questions, in categories and languages.

An article is written in one language; its translations are articles of their own sharing its
``translation_group``, at most one per language. It is internal (agents only) or public (agents,
and the portal's customers once it is published). Every change of its title or body is an
``ArticleRevision``: the revisions are the article's text history, and restoring an old one writes
a new revision with that text, so nothing is ever overwritten.

Search reads two folded columns kept by the service (``core.search.normalize``: lower case, no
diacritics): ``search_title`` and ``search_text`` (title and body), so "zolw" finds "Żółw" and a
title match can rank above a body match.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.ids import uuid7
from accord.core.models import BaseModel


class ArticleVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    PUBLIC = "public", _("Public")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleCategory(BaseModel):
    """A shelf of the knowledge base ("Printing", "Invoices and payments"); may sit in another."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")

    def __str__(self) -> str:
        return self.name


class Article(BaseModel):
    """One language version of a knowledge base article."""

    category = models.ForeignKey(
        ArticleCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    # The same value on every language version of one article.
    translation_group = models.UUIDField(_("translation group"), default=uuid7, editable=False, db_index=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=ArticleVisibility.choices, default=ArticleVisibility.INTERNAL
    )
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The number of the revision whose text the article shows.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    search_title = models.TextField(blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    # The text's history is the revisions; the audit trail records the rest.
    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"search_title", "search_text", "body"}

    class Meta:
        ordering = ["title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["translation_group", "language"], name="service_article_one_per_language")
        ]
        indexes = [models.Index(fields=["status", "visibility", "language"], name="service_article_published")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleRevision(models.Model):
    """The title and body of an article as one save left them; number 1 is the first text."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # The revision whose text this one brought back, when it was a restore.
    restored_from = models.PositiveIntegerField(_("restored from"), null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="service_article_revision_number")]

    def __str__(self) -> str:
        return f"{self.article_id} #{self.number}"
