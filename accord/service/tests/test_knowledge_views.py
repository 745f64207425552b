"""The knowledge base's screens: the list with its search and filters, the suggestion fragment
HTMX asks for while someone types, an article's page with translations and revisions, the editor
(errors named, a stale version refused), publishing, restoring and the categories."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.service import demo_knowledge
from accord.service.models import Article, ArticleCategory
from accord.service.services import knowledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(support: Any) -> list[Article]:
    return demo_knowledge.seed(actor=support)


def _article(seeded: list[Article], title: str) -> Article:
    return next(a for a in seeded if a.title == title)


def test_the_list_searches_and_filters(login: Any, support: Any, seeded: list[Article]) -> None:
    client = login(support)
    url = reverse("service:kb-list")

    everything = client.get(url)
    found = client.get(url, {"q": "faktury"})
    toner = client.get(url, {"q": "toner", "language": "en"})
    printing = ArticleCategory.objects.get(name="Printing")
    by_category = client.get(url, {"category": str(printing.pk), "language": "en"})

    assert everything.status_code == 200
    assert everything.context["total"] == 12
    assert 'href="/service/kb/"' in everything.content.decode()
    assert [a.title for a in found.context["page"].object_list] == [
        "Gdzie znaleźć faktury",
        "Płatność za fakturę i terminy płatności",
    ]
    assert [a.title for a in toner.context["page"].object_list] == [
        "Replacing the toner cartridge",
        "The printer does not print",
    ]
    assert [a.title for a in by_category.context["page"].object_list] == [
        "Replacing the toner cartridge",
        "The printer does not print",
    ]
    assert 'hx-trigger="keyup changed delay:500ms"' in everything.content.decode()


def test_the_suggestion_fragment_lists_the_answer_first(login: Any, support: Any, seeded: list[Article]) -> None:
    client = login(support)
    printer = _article(seeded, "The printer does not print")

    answer = client.get(
        reverse("service:kb-suggest"),
        {"q": "Hi, our printer stopped printing this morning and the light is blinking red."},
        headers={"HX-Request": "true"},
    )
    from_textarea = client.get(reverse("service:kb-suggest"), {"body": "forgot my password", "language": "en"})
    nothing = client.get(reverse("service:kb-suggest"), {"q": "   "})

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "<html" not in html
    assert html.index(f'href="/service/kb/{printer.pk}/"') < html.index("</li>")
    assert [s.article.title for s in from_textarea.context["suggestions"]] == ["Resetting your password"]
    assert nothing.content.decode().strip() == ""


def test_an_article_page_shows_its_translations_and_revisions(login: Any, support: Any, seeded: list[Article]) -> None:
    client = login(support)
    article = _article(seeded, "The printer does not print")
    knowledge.update_article(actor=support, article=article, data={"body": "Restart it."})

    page = client.get(reverse("service:kb-article", args=[article.pk]))
    revisions = client.get(reverse("service:kb-article-revisions", args=[article.pk]))
    first = client.get(reverse("service:kb-article-revision", args=[article.pk, 1]))
    missing = client.get(reverse("service:kb-article-revision", args=[article.pk, 9]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Drukarka nie drukuje" in html
    assert "<p>Restart it.</p>" in html
    assert [r.number for r in revisions.context["revisions"]] == [2, 1]
    assert "blinking red" in first.content.decode()
    assert missing.status_code == 404


def test_writing_an_article_names_bad_fields_then_saves_a_draft(login: Any, support: Any) -> None:
    client = login(support)
    url = reverse("service:kb-article-create")

    bad = client.post(url, {"title": "", "body": "Text", "language": "xx", "visibility": "internal", "category": ""})
    good = client.post(
        url, {"title": "Printer offline", "body": "Line one\nLine two", "language": "en", "visibility": "public"}
    )

    assert bad.status_code == 422
    assert set(bad.context["errors"]) == {"title", "language"}
    article = Article.objects.get()
    assert good.status_code == 302
    assert good["Location"] == reverse("service:kb-article", args=[article.pk])
    assert (article.title, article.status, article.visibility) == ("Printer offline", "draft", "public")
    assert "<p>Line one<br>Line two</p>" in client.get(good["Location"]).content.decode()


def test_editing_with_a_stale_version_is_refused(login: Any, support: Any, seeded: list[Article]) -> None:
    client = login(support)
    article = _article(seeded, "Delivery times")
    url = reverse("service:kb-article-edit", args=[article.pk])
    form = client.get(url)
    data = {"title": "Delivery", "body": "Soon.", "language": "en", "visibility": "public", "category": ""}

    saved = client.post(url, {**data, "version": form.context["values"]["version"]})
    stale = client.post(url, {**data, "title": "Late", "version": form.context["values"]["version"]})

    assert saved.status_code == 302
    assert stale.status_code == 409
    assert Article.objects.get(pk=article.pk).title == "Delivery"


def test_publishing_translating_and_restoring_from_the_screens(login: Any, support: Any) -> None:
    client = login(support)
    article = knowledge.create_article(
        actor=support, data={"title": "Toner", "body": "Shake it.", "language": "en", "visibility": "public"}
    )
    knowledge.update_article(actor=support, article=article, data={"body": "Replace it."})

    published = client.post(reverse("service:kb-article-publish", args=[article.pk]), {"version": "2"})
    translate_form = client.get(reverse("service:kb-article-translate", args=[article.pk]), {"language": "ro"})
    translated = client.post(
        reverse("service:kb-article-translate", args=[article.pk]),
        {"title": "Tonerul", "body": "Agitați-l.", "language": "ro"},
    )
    restored = client.post(reverse("service:kb-article-restore", args=[article.pk, 1]), {"version": "3"})
    stale = client.post(reverse("service:kb-article-unpublish", args=[article.pk]), {"version": "3"})

    assert published.status_code == restored.status_code == stale.status_code == 302
    assert translate_form.context["values"]["language"] == "ro"
    romanian = Article.objects.get(language="ro")
    assert translated["Location"] == reverse("service:kb-article", args=[romanian.pk])
    fresh = Article.objects.get(pk=article.pk)
    assert (fresh.status, fresh.body, fresh.revision, fresh.version) == ("published", "Shake it.", 3, 4)
    assert romanian.translation_group == article.translation_group


def test_a_read_only_user_reads_but_may_not_write(login: Any, viewer: Any, support: Any, seeded: list[Article]) -> None:
    client = login(viewer)
    article = _article(seeded, "Delivery times")

    page = client.get(reverse("service:kb-article", args=[article.pk]))
    create = client.get(reverse("service:kb-article-create"))
    publish = client.post(reverse("service:kb-article-unpublish", args=[article.pk]))

    assert page.status_code == 200
    assert reverse("service:kb-article-edit", args=[article.pk]) not in page.content.decode()
    assert create.status_code == 403
    assert publish.status_code == 403
    assert Article.objects.get(pk=article.pk).status == "published"


def test_categories_are_managed_on_their_page(login: Any, support: Any) -> None:
    client = login(support)
    url = reverse("service:kb-categories")

    added = client.post(url, {"name": "Billing", "position": "1"})
    bad = client.post(url, {"name": "", "position": "-3"})
    billing = ArticleCategory.objects.get()
    renamed = client.post(
        reverse("service:kb-category-edit", args=[billing.pk]), {"name": "Money", "position": "2", "version": "1"}
    )
    page = client.get(url)
    deleted = client.post(reverse("service:kb-category-delete", args=[billing.pk]), {"version": "2"})

    assert added.status_code == renamed.status_code == deleted.status_code == 302
    assert bad.status_code == 422
    assert set(bad.context["errors"]) == {"name", "position"}
    assert [(c.name, n) for c, n in page.context["rows"]] == [("Money", 0)]
    assert not ArticleCategory.objects.exists()


def test_the_list_and_an_article_page_read_a_fixed_number_of_queries(login: Any, support: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(support)
    category = knowledge.create_category(actor=support, data={"name": "Printing"})

    def counted(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(n: int) -> Article:
        article = knowledge.create_article(
            actor=support, data={"title": f"Printer {n}", "body": "Restart.", "language": "en", "category": category.pk}
        )
        knowledge.update_article(actor=support, article=article, data={"body": f"Restart {n} times."})
        return article

    first = add(0)
    knowledge.add_translation(actor=support, article=first, data={"language": "pl", "title": "Drukarka", "body": "x"})
    few = (counted(reverse("service:kb-list") + "?q=printer"), counted(reverse("service:kb-article", args=[first.pk])))
    for n in range(1, 8):
        add(n)
    knowledge.add_translation(actor=support, article=first, data={"language": "ro", "title": "Imprimanta", "body": "y"})
    many = (counted(reverse("service:kb-list") + "?q=printer"), counted(reverse("service:kb-article", args=[first.pk])))

    assert many == few
